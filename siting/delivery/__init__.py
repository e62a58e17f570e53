"""Delivery: lanes and tours from sites to stores, vehicle emission factors, the offshore baseline."""

from siting.delivery.emissions import (
    FREIGHT_MODES,
    VEHICLES,
    Vehicle,
    emissions_for_km,
    emissions_for_tkm,
    load_vehicles,
)
from siting.delivery.lane_tables import LANE_COLUMNS
from siting.delivery.lanes import LaneParams, build_lanes, direct_lanes, tour_lanes, tour_lines
from siting.delivery.offshore import OffshoreParams, offshore_baseline, offshore_lanes
from siting.delivery.totals import TOTAL_COLUMNS, compare_vehicles, lane_totals

__all__ = [
    "FREIGHT_MODES",
    "VEHICLES",
    "Vehicle",
    "emissions_for_km",
    "emissions_for_tkm",
    "load_vehicles",
    "LaneParams",
    "LANE_COLUMNS",
    "TOTAL_COLUMNS",
    "build_lanes",
    "direct_lanes",
    "tour_lanes",
    "tour_lines",
    "compare_vehicles",
    "lane_totals",
    "OffshoreParams",
    "offshore_baseline",
    "offshore_lanes",
]
