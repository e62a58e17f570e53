"""Location-allocation on a plain cost matrix: p-median, p-center, MCLP, LSCP, facility location."""

from __future__ import annotations

from ._solution import Solution
from .pmedian import p_median

__all__ = ["Solution", "p_median"]
