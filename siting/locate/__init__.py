"""Location-allocation on a plain cost matrix: p-median, p-center, MCLP, LSCP, facility location."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._solution import Solution
from .covering import lscp, mclp, p_center
from .facility import facility_location
from .pmedian import p_median

#: the GeoDataFrame adapter needs geopandas; it is imported on first use so matrix-only use stays light
_LAZY = {
    "LocationResult": "siting.locate.adapter",
    "locate": "siting.locate.adapter",
    "locate_cities": "siting.locate.adapter",
}

__all__ = [
    "Solution",
    "LocationResult",
    "locate",
    "locate_cities",
    "p_median",
    "p_center",
    "mclp",
    "lscp",
    "facility_location",
]


def __getattr__(name: str) -> Any:
    """Import the adapter's public names on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'siting.locate' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
