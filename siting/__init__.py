"""siting: choose where to put microfactories on real road networks (the public API lives here)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from siting.errors import (
    ClusterFailedError,
    InfeasibleError,
    InputError,
    MissingColumnError,
    MissingFileError,
    NetworkUnavailableError,
    NoCrsError,
    SitingError,
)

__version__ = "0.1.0"

#: public name -> module that defines it; imported on first use so `import siting` stays fast
_LAZY: dict[str, str] = {
    "DemoCity": "siting.inputs",
    "demo_city": "siting.inputs",
    "read_layer": "siting.inputs",
    "validate_layer": "siting.inputs",
    "build_network": "siting.network",
    "network_summary": "siting.network",
    "snap": "siting.network",
    "od_matrix": "siting.network",
    "od_time_length": "siting.network",
    "od_long": "siting.network",
    "route_lines": "siting.network",
    "isochrones": "siting.network",
    "CityInputs": "siting.pipeline",
    "RankOptions": "siting.pipeline",
    "ReachOptions": "siting.pipeline",
    "LaneOptions": "siting.pipeline",
    "CostOptions": "siting.pipeline",
    "SiteFilters": "siting.pipeline",
    "RobustnessOptions": "siting.pipeline",
    "city_from_demo": "siting.pipeline",
    "rank_city": "siting.pipeline",
    "run": "siting.pipeline",
    "plan": "siting.pipeline",
    "p_median": "siting.locate",
    "p_center": "siting.locate",
    "mclp": "siting.locate",
    "lscp": "siting.locate",
    "facility_location": "siting.locate",
    "VEHICLES": "siting.delivery",
    "emissions_for_km": "siting.delivery",
    "load_vehicles": "siting.delivery",
    "build_lanes": "siting.delivery",
    "lane_totals": "siting.delivery",
    "newsvendor": "siting.costs",
    "load_products": "siting.costs",
    "site_landed_costs": "siting.costs",
    "make_map": "siting.maps",
    "save_map": "siting.maps",
    "map_from_outputs": "siting.maps",
    "load_scenario": "siting.app",
}

__all__ = [
    "__version__",
    "SitingError",
    "InputError",
    "NoCrsError",
    "MissingColumnError",
    "MissingFileError",
    "NetworkUnavailableError",
    "InfeasibleError",
    "ClusterFailedError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'siting' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
