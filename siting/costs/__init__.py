"""Landed cost per unit, local microfactory against offshore: inventory risk, products, break-even."""

from siting.costs.inventory import NewsvendorResult, newsvendor
from siting.costs.landed import compare, landed_cost, scale_demand
from siting.costs.products import ProductFamily, cost_default, cost_defaults, load_products
from siting.costs.sites import break_even, cluster_landed_costs, sensitivity, site_landed_costs

__all__ = [
    "NewsvendorResult",
    "newsvendor",
    "compare",
    "landed_cost",
    "scale_demand",
    "ProductFamily",
    "cost_default",
    "cost_defaults",
    "load_products",
    "break_even",
    "cluster_landed_costs",
    "sensitivity",
    "site_landed_costs",
]
