"""Covering models on a cost matrix: p-center, maximal covering (MCLP) and set covering (LSCP)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from siting.errors import InfeasibleError, InputError
from siting.milp import MilpSolution, Model

from ._common import EXACT_GAP, Problem, nearest_site, prepare
from ._solution import Solution, relative_gap
from .heuristics import penalised_weighted_cost, vns

__all__ = ["p_center", "mclp", "lscp"]

_TOL = 1e-6


def _check_radius(radius: float) -> float:
    r = float(radius)
    if not np.isfinite(r) or r < 0:
        raise InputError(f"radius must be a finite number >= 0 (same unit as cost), got {radius!r}")
    return r


def _cover_milp(
    pr: Problem, radius: float, *, p: int | None, time_limit_s: float | None, start: np.ndarray | None = None
) -> tuple[MilpSolution, np.ndarray]:
    """min #sites covering every row within radius (``sum y <= p`` if p given); the solution and the allowed columns."""
    cols = np.flatnonzero(pr.allowed)
    m = cols.size
    col_lo = np.zeros(m)
    col_lo[np.searchsorted(cols, pr.required)] = 1.0
    model = Model()
    y = model.add_vars("open", m, lb=col_lo, ub=1.0, cost=1.0, integer=True)
    model.add_matrix("cover", sp.csc_matrix(pr.cost[:, cols] <= radius, dtype=np.float64), lo=1.0)
    if p is not None:
        model.add_rows("at_most_p", np.zeros(m), y, 1.0, lo=0.0, hi=float(p), n=1)
    x0 = None
    if start is not None:
        x0 = np.isin(cols, start).astype(np.float64)
    return model.solve(time_limit_s=time_limit_s, mip_gap=EXACT_GAP, start=x0), cols


def lscp(
    cost: np.ndarray,
    radius: float,
    *,
    required: Sequence[int] | np.ndarray | None = None,
    forbidden: Sequence[int] | np.ndarray | None = None,
    time_limit_s: float | None = None,
) -> Solution:
    """Fewest sites such that every demand point has a site with ``cost <= radius``.

    Returns a Solution with ``objective`` = number of sites; demand points are assigned to their
    cheapest selected site. Raises InfeasibleError naming the first demand row that no allowed
    site covers.
    """
    t0 = time.perf_counter()
    r = _check_radius(radius)
    pr = prepare(cost, None, required=required, forbidden=forbidden)
    covered = (pr.cost[:, pr.allowed] <= r).any(axis=1)
    if not covered.all():
        i = int(np.flatnonzero(~covered)[0])
        raise InfeasibleError(
            f"demand row {i} has no allowed site within radius {r:g} (its cheapest allowed "
            f"cost is {pr.cost[i, pr.allowed].min():g}); raise the radius or add candidates"
        )
    res, cols = _cover_milp(pr, r, p=None, time_limit_s=time_limit_s)
    if res.x is None:
        raise InfeasibleError("the set-covering MILP found no solution within the time limit; give more time")
    selected = np.sort(cols[res.x > 0.5])
    obj = float(selected.size)
    lower = min(float(np.ceil(res.bound - _TOL)), obj)
    gap = relative_gap(obj, lower)
    assignment = nearest_site(pr.cost, selected)
    return Solution(
        model="lscp",
        selected=selected,
        assignment=assignment,
        objective=obj,
        lower_bound=lower,
        gap=gap,
        optimal=gap <= _TOL,
        method="exact:set-cover-milp",
        runtime_s=time.perf_counter() - t0,
        extra={"radius": r, "max_cost": float(pr.cost[np.arange(pr.n), assignment].max())},
    )


def mclp(
    cost: np.ndarray,
    p: int,
    radius: float,
    weights: np.ndarray | Sequence[float] | None = None,
    *,
    required: Sequence[int] | np.ndarray | None = None,
    forbidden: Sequence[int] | np.ndarray | None = None,
    time_limit_s: float | None = None,
) -> Solution:
    """Open ``p`` sites maximising the demand weight within ``radius`` of an open site (MCLP).

    ``objective`` is the covered weight (maximised) and ``lower_bound`` holds the proven UPPER
    bound on it (the MILP dual bound); ``gap = (bound - objective) / objective``. Uncovered demand
    points get assignment -1; covered ones their cheapest open site. Extra fields:
    ``covered_weight``, ``covered_share``, ``total_weight``, ``radius``.
    """
    t0 = time.perf_counter()
    r = _check_radius(radius)
    pr = prepare(cost, weights, required=required, forbidden=forbidden, p=p, need_reach=False)
    cols = np.flatnonzero(pr.allowed)
    m, n = cols.size, pr.n
    cov_d = pr.cost[:, cols] <= r
    cov = sp.csr_matrix(cov_d, dtype=np.float64)
    # variables: y (m, binary), u (n, continuous in [0, 1]); rows: u_i - sum_{j covers i} y_j <= 0; sum y = p
    col_lo = np.zeros(m)
    col_lo[np.searchsorted(cols, pr.required)] = 1.0
    model = Model(sense="max")
    y = model.add_vars("open", m, lb=col_lo, ub=1.0, integer=True)
    model.add_vars("covered", n, ub=1.0, cost=pr.weights)
    model.add_matrix("cover", sp.hstack([-cov, sp.identity(n, format="csr")]), hi=0.0)
    model.add_rows("p_sites", np.zeros(m), y, 1.0, lo=float(p), hi=float(p), n=1)
    # warm start: greedy on coverage gains
    y0 = np.zeros(m, dtype=bool)
    y0[np.searchsorted(cols, pr.required)] = True
    got = cov_d[:, y0].any(axis=1)
    while y0.sum() < p:
        gain = (pr.weights * ~got) @ cov_d
        gain[y0] = -1.0
        j = int(np.argmax(gain))
        y0[j] = True
        got |= cov_d[:, j]
    x0 = np.concatenate([y0.astype(float), got.astype(float)])
    res = model.solve(time_limit_s=time_limit_s, mip_gap=EXACT_GAP, start=x0)
    y = res.value("open") > 0.5 if res.x is not None else y0
    selected = np.sort(cols[y])
    within = (pr.cost[:, selected] <= r).any(axis=1)
    assignment = np.where(within, nearest_site(pr.cost, selected), -1)
    covered = float(pr.weights[within].sum())
    bound = max(float(res.bound), covered) if np.isfinite(res.bound) else float(pr.weights.sum())
    gap = (bound - covered) / max(abs(covered), 1e-9)
    return Solution(
        model="mclp",
        selected=selected,
        assignment=assignment,
        objective=covered,
        lower_bound=bound,
        gap=float(max(gap, 0.0)),
        optimal=gap <= _TOL,
        method="exact:mclp-milp",
        runtime_s=time.perf_counter() - t0,
        extra={
            "covered_weight": covered,
            "total_weight": float(pr.weights.sum()),
            "covered_share": covered / max(float(pr.weights.sum()), 1e-12),
            "radius": r,
        },
    )


def p_center(
    cost: np.ndarray,
    p: int,
    *,
    required: Sequence[int] | np.ndarray | None = None,
    forbidden: Sequence[int] | np.ndarray | None = None,
    time_limit_s: float | None = None,
    seed: int = 0,
) -> Solution:
    """Open ``p`` sites minimising the largest cost of serving any demand point (p-center).

    Bisection over the distinct cost values: a radius is feasible when a set-covering MILP
    covers every row with at most ``p`` sites. The smallest radius proven infeasible gives the
    lower bound; the start is the p-median heuristic's solution. Extra field ``max_cost``.
    """
    t0 = time.perf_counter()
    pr = prepare(cost, None, required=required, forbidden=forbidden, p=p)
    deadline = None if time_limit_s is None else t0 + float(time_limit_s)
    wc, cols, _ = penalised_weighted_cost(pr)
    sub = pr.cost[:, cols]
    req_local = np.searchsorted(cols, pr.required)
    sel, _ = vns(wc, int(p), req_local, seed=seed, iterations=20)
    best_sel = np.sort(cols[sel])
    upper = float(pr.cost[:, best_sel].min(axis=1).max())
    lower = float(sub.min(axis=1).max())  # every row needs some site
    values = np.unique(sub[np.isfinite(sub)])
    values = values[(values >= lower) & (values < upper)]
    lo_i, hi_i = 0, values.size  # search values[lo_i:hi_i]; infeasible below lo_i
    complete = True
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0.05:
            complete = False
            break
        res, _ = _cover_milp(pr, float(values[mid]), p=int(p), time_limit_s=left)
        if res.reason == "infeasible":
            lo_i = mid + 1
            lower = float(values[mid + 1]) if mid + 1 < values.size else upper
        elif res.x is not None:
            cand = np.sort(cols[res.x > 0.5])
            upper = float(pr.cost[:, cand].min(axis=1).max())
            best_sel = cand
            hi_i = int(np.searchsorted(values, upper, side="left"))
        else:
            complete = False
            break
    if complete:
        lower = upper
    assignment = nearest_site(pr.cost, best_sel)
    obj = float(pr.cost[np.arange(pr.n), assignment].max())
    if not np.isfinite(obj):
        raise InfeasibleError(f"no set of p={p} sites reaches every demand row; raise p or add candidates")
    lower = min(lower, obj)
    gap = relative_gap(obj, lower)
    return Solution(
        model="p_center",
        selected=best_sel,
        assignment=assignment,
        objective=obj,
        lower_bound=lower,
        gap=gap,
        optimal=gap <= _TOL,
        method="exact:bisection+set-cover-milp",
        runtime_s=time.perf_counter() - t0,
        extra={"max_cost": obj, "p": int(p)},
    )
