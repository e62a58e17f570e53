"""Landed cost per unit, local microfactory against offshore: inventory risk, products, break-even."""

from siting.costs.demand import NewsvendorResult, newsvendor
from siting.costs.families import family_costs, frontier, frontier_figure
from siting.costs.footprint import UnitFootprint, co2e_per_unit, grid_factor, grid_factors
from siting.costs.forecast import level_drift_var_per_week, window_demand_std
from siting.costs.history import croston, load_order_history, with_order_history
from siting.costs.information import InformationValue, information_value
from siting.costs.landed import compare, landed_cost, scale_demand
from siting.costs.mix import mix_for_demand
from siting.costs.origin_table import origins, with_origin
from siting.costs.products import ProductFamily, cost_default, cost_defaults, load_products
from siting.costs.season import sourcing_cost
from siting.costs.simulate import SimulatedCost, simulate_family
from siting.costs.sites import break_even, cluster_landed_costs, sensitivity, site_landed_costs
from siting.costs.unit_cost import FamilyCost, family_cost

__all__ = [
    "NewsvendorResult",
    "newsvendor",
    "UnitFootprint",
    "co2e_per_unit",
    "grid_factor",
    "grid_factors",
    "level_drift_var_per_week",
    "window_demand_std",
    "family_costs",
    "frontier",
    "frontier_figure",
    "compare",
    "landed_cost",
    "scale_demand",
    "mix_for_demand",
    "ProductFamily",
    "cost_default",
    "cost_defaults",
    "load_products",
    "sourcing_cost",
    "break_even",
    "cluster_landed_costs",
    "sensitivity",
    "site_landed_costs",
    "FamilyCost",
    "family_cost",
    "SimulatedCost",
    "simulate_family",
    "origins",
    "with_origin",
    "InformationValue",
    "information_value",
    "croston",
    "load_order_history",
    "with_order_history",
]
