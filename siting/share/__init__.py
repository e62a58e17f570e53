"""Shared microfactory networks: brands, seasons, capacity, priority lanes, lead times and cost sharing."""

from siting.share.contracts import Contract, Routing, contracts_table
from siting.share.demo import DEMO_LABEL, demo_share_cities, demo_share_spec
from siting.share.design import DesignResult, design_network
from siting.share.figures import share_map, utilization_png
from siting.share.hours import hours_table
from siting.share.inputs import (
    Brand,
    LaneClass,
    Season,
    ShareSettings,
    ShareSpec,
    SiteCapacity,
    load_share_scenario,
    parse_share,
    unit_costs_from_products,
)
from siting.share.layers import ShareLayers, problem_from_cities
from siting.share.leadtimes import ClassLeadTimes, class_lead_times
from siting.share.problem import ShareProblem
from siting.share.queueing import priority_waits
from siting.share.scenarios import ScenarioStudy, draw_demand_factors, saa_design
from siting.share.schedule import WeeklyPlan, plan_weeks
from siting.share.sharing import CostShares, shapley_values, share_costs
from siting.share.simulate import SimResult, poisson_jobs, simulate_site
from siting.share.study import ShareStudy, run_share

__all__ = [
    "ScenarioStudy",
    "draw_demand_factors",
    "saa_design",
    "Contract",
    "Routing",
    "contracts_table",
    "hours_table",
    "DEMO_LABEL",
    "demo_share_cities",
    "demo_share_spec",
    "DesignResult",
    "design_network",
    "share_map",
    "utilization_png",
    "Brand",
    "LaneClass",
    "Season",
    "ShareSettings",
    "ShareSpec",
    "SiteCapacity",
    "load_share_scenario",
    "parse_share",
    "unit_costs_from_products",
    "ShareLayers",
    "problem_from_cities",
    "ClassLeadTimes",
    "class_lead_times",
    "ShareProblem",
    "priority_waits",
    "WeeklyPlan",
    "plan_weeks",
    "CostShares",
    "shapley_values",
    "share_costs",
    "SimResult",
    "poisson_jobs",
    "simulate_site",
    "ShareStudy",
    "run_share",
]
