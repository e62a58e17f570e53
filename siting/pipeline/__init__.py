"""The one place where stages are chained: rank the sites of each city, then plan the best k."""

from siting.pipeline.city import city_weights, rank_city
from siting.pipeline.network_stage import city_graph, edge_snaps, snap_layer
from siting.pipeline.options import CityInputs, CostOptions, LaneOptions, RankOptions, ReachOptions, city_from_demo
from siting.pipeline.results import CityResult, PlanResult, RunResult
from siting.pipeline.runs import combine_cities, plan, run
from siting.ranking.filters import SiteFilters
from siting.ranking.robustness import RobustnessOptions

__all__ = [
    "CityInputs",
    "RankOptions",
    "ReachOptions",
    "LaneOptions",
    "CostOptions",
    "city_from_demo",
    "city_weights",
    "rank_city",
    "city_graph",
    "snap_layer",
    "edge_snaps",
    "run",
    "plan",
    "combine_cities",
    "CityResult",
    "PlanResult",
    "RunResult",
    "SiteFilters",
    "RobustnessOptions",
]
