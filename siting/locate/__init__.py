"""Location-allocation on a plain cost matrix: p-median, p-center, MCLP, LSCP, facility location."""

from __future__ import annotations

from ._solution import Solution
from .adapter import LocationResult, locate, locate_cities
from .covering import lscp, mclp, p_center
from .facility import facility_location
from .pmedian import p_median

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
