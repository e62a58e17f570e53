"""The joint decision: which sites open at which capacity, making which families for which stores, against offshore."""

from siting.design.city import design_for_city
from siting.design.curves import CostCurve, cost_curve, exact_cost_per_week
from siting.design.hubs import Hubs, check_hubs, hub_routes, read_hubs
from siting.design.model import DesignModel, build_model
from siting.design.national import NationalDesign, national_design, national_problem
from siting.design.outages import resilience, site_values
from siting.design.problem import DesignProblem, design_problem
from siting.design.solve import Design, Portfolio, portfolio, solve_design

__all__ = [
    "CostCurve",
    "cost_curve",
    "exact_cost_per_week",
    "DesignModel",
    "build_model",
    "DesignProblem",
    "design_problem",
    "Design",
    "Portfolio",
    "portfolio",
    "solve_design",
    "site_values",
    "resilience",
    "design_for_city",
    "Hubs",
    "check_hubs",
    "hub_routes",
    "read_hubs",
    "NationalDesign",
    "national_design",
    "national_problem",
]
