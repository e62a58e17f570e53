"""Delivery: lanes and tours from sites to stores, vehicle emission factors, the offshore baseline."""

from siting.delivery.emissions import (
    FREIGHT_MODES,
    VEHICLES,
    Vehicle,
    emissions_for_km,
    emissions_for_tkm,
    load_vehicles,
)
from siting.delivery.lanes import LaneParams, build_lanes, compare_vehicles, lane_totals
from siting.delivery.offshore import OffshoreParams, offshore_baseline, offshore_lanes

__all__ = [
    "FREIGHT_MODES",
    "VEHICLES",
    "Vehicle",
    "emissions_for_km",
    "emissions_for_tkm",
    "load_vehicles",
    "LaneParams",
    "build_lanes",
    "compare_vehicles",
    "lane_totals",
    "OffshoreParams",
    "offshore_baseline",
    "offshore_lanes",
]
