"""Input checks shared by every location model, and the gap target of their MILPs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siting.errors import InfeasibleError, InputError

__all__ = ["Problem", "prepare", "nearest_site", "EXACT_GAP"]

#: HiGHS's relative gap target in the location models' MILPs (built on :class:`siting.milp.Model`):
#: they are solved to optimality, not to the design's 1e-4.
EXACT_GAP = 1e-9


@dataclass(frozen=True)
class Problem:
    """Validated inputs: cost (n, m) float64 with np.inf = unreachable, weights (n,), site masks."""

    cost: np.ndarray
    weights: np.ndarray
    required: np.ndarray  # sorted int indices
    allowed: np.ndarray  # bool (m,), False for forbidden sites

    @property
    def n(self) -> int:
        return int(self.cost.shape[0])

    @property
    def m(self) -> int:
        return int(self.cost.shape[1])


def _index_set(name: str, value: Sequence[int] | np.ndarray | None, m: int) -> np.ndarray:
    if value is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(value)
    if arr.dtype == bool:
        if arr.shape != (m,):
            raise InputError(f"{name}: a boolean mask must have one entry per candidate ({m}), got {arr.shape}")
        return np.flatnonzero(arr).astype(np.int64)
    arr = np.unique(arr.astype(np.int64).ravel())
    if arr.size and (arr[0] < 0 or arr[-1] >= m):
        raise InputError(
            f"{name}: candidate index {arr[0] if arr[0] < 0 else arr[-1]} is outside 0..{m - 1}; "
            "pass column indices of the cost matrix"
        )
    return arr


def prepare(
    cost: np.ndarray,
    weights: np.ndarray | Sequence[float] | None = None,
    *,
    required: Sequence[int] | np.ndarray | None = None,
    forbidden: Sequence[int] | np.ndarray | None = None,
    p: int | None = None,
    need_reach: bool = True,
) -> Problem:
    """Check a cost matrix and its options; raise InputError / InfeasibleError naming the fix.

    Parameters
    ----------
    cost : array (n_demand, n_candidates)
        ``cost[i, j]`` = cost of serving demand i from candidate j; ``np.inf`` = unreachable.
    weights : array (n_demand,), optional
        Non-negative demand weights (default 1).
    required, forbidden : index lists or boolean masks over candidates, optional
    p : int, optional
        Number of sites to open, checked against the allowed candidates.
    need_reach : bool
        If True, every demand point must be reachable from some allowed site.
    """
    c = np.array(cost, dtype=np.float64, copy=True)
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        raise InputError(f"cost must be a non-empty 2-D matrix (demand x candidates), got shape {c.shape}")
    if np.isnan(c).any():
        i, j = np.argwhere(np.isnan(c))[0]
        raise InputError(f"cost has NaN at demand row {i}, candidate column {j}; use np.inf for unreachable")
    if (c < 0).any():
        i, j = np.argwhere(c < 0)[0]
        raise InputError(f"cost is negative at demand row {i}, candidate column {j}; costs must be >= 0")
    n, m = c.shape
    if weights is None:
        w = np.ones(n)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != (n,):
            raise InputError(f"weights has {w.size} entries but cost has {n} demand rows")
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise InputError(f"weights[{int(np.flatnonzero(bad)[0])}] is {w[bad][0]}; weights must be finite and >= 0")
    req = _index_set("required", required, m)
    forb = _index_set("forbidden", forbidden, m)
    both = np.intersect1d(req, forb)
    if both.size:
        raise InputError(f"candidate {int(both[0])} is both required and forbidden; drop it from one list")
    allowed = np.ones(m, dtype=bool)
    allowed[forb] = False
    if p is not None:
        if int(p) != p or p < 1:
            raise InputError(f"p must be a positive integer, got {p!r}")
        if p > int(allowed.sum()):
            raise InfeasibleError(
                f"p={p} sites asked for but only {int(allowed.sum())} candidates are allowed "
                f"({m} given, {forb.size} forbidden); lower p or allow more candidates"
            )
        if req.size > p:
            raise InfeasibleError(f"{req.size} sites are required but p={p}; raise p or require fewer sites")
    if need_reach:
        reach = np.isfinite(c[:, allowed]).any(axis=1)
        if not reach.all():
            rows = np.flatnonzero(~reach)
            shown = ", ".join(str(int(r)) for r in rows[:10]) + (" ..." if rows.size > 10 else "")
            raise InfeasibleError(
                f"demand row(s) {shown} cannot be reached from any allowed candidate "
                "(all costs are inf); add a reachable candidate or drop those demand points"
            )
    c.setflags(write=False)
    return Problem(cost=c, weights=w, required=req, allowed=allowed)


def nearest_site(cost: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """For every demand row, the column of ``selected`` with the lowest cost (first on ties)."""
    return selected[np.argmin(cost[:, selected], axis=1)]
