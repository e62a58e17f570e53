"""Lower bounds for the p-median: Lagrangian relaxation of the assignment rows, by subgradient."""

from __future__ import annotations

import time

import numpy as np

from ._common import Problem

__all__ = ["lagrangian_bound", "weighted_cost", "fix_by_reduced_cost", "is_integral", "relaxed_sites"]


def weighted_cost(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """``w_i * c_ij`` over the allowed columns (np.inf kept for unreachable pairs), and those columns."""
    cols = np.flatnonzero(problem.allowed)
    c = problem.cost[:, cols]
    fin = np.isfinite(c)
    wc = np.where(fin, problem.weights[:, None] * np.where(fin, c, 0.0), np.inf)
    return wc, cols


def is_integral(wc: np.ndarray) -> bool:
    """True when every finite entry of ``wc`` is a whole number, so bounds may be rounded up."""
    return bool(np.all(np.equal(np.mod(wc[np.isfinite(wc)], 1.0), 0.0)))


def relaxed_sites(
    wc: np.ndarray, lam: np.ndarray, fixed: np.ndarray, free: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Solve the Lagrangian relaxation for multipliers ``lam``.

    The sites are ``fixed`` (column indices, always open) plus the ``k`` columns of ``free`` with the
    most negative reduced column sums. Returns ``(red, chosen, value)``: the reduced costs
    ``min(0, wc - lam)`` (n, m), the chosen columns and ``L(lam)``, a lower bound.
    """
    red = np.minimum(wc - lam[:, None], 0.0)  # inf - lam -> inf -> 0
    rho = red.sum(axis=0)
    if k <= 0:
        pick = free[:0]
    elif k < free.size:
        pick = free[np.argpartition(rho[free], k - 1)[:k]]
    else:
        pick = free
    chosen = np.concatenate([fixed, pick])
    return red, chosen, float(lam.sum() + rho[chosen].sum())


def lagrangian_bound(
    problem: Problem,
    p: int,
    upper_bound: float,
    *,
    start: np.ndarray | None = None,
    iterations: int = 400,
    deadline: float | None = None,
) -> tuple[float, np.ndarray]:
    """Best Lagrangian lower bound on the p-median optimum found by subgradient optimisation.

    Relaxing ``sum_j x_ij = 1`` with multipliers ``lam_i`` gives
    ``L(lam) = sum_i lam_i + sum_{j in Y} sum_i min(0, w_i c_ij - lam_i)`` where Y holds the
    required sites plus the ``p - |required|`` other allowed sites with the most negative column
    sums. Every ``L(lam)`` is a valid lower bound. When all weighted costs are integers the bound
    is rounded up.

    Returns ``(bound, multipliers)``: the multipliers of the best bound feed
    :func:`fix_by_reduced_cost`.

    Parameters
    ----------
    problem : Problem
    p : int
    upper_bound : float
        Objective of a known solution (steers the step size and stops early at a closed gap).
    start : array (n,), optional
        Initial multipliers, e.g. each point's cost in the heuristic solution.
    """
    wc, cols = weighted_cost(problem)
    integral = is_integral(wc)
    req_local = np.searchsorted(cols, problem.required)
    free = np.ones(wc.shape[1], dtype=bool)
    free[req_local] = False
    free_idx = np.flatnonzero(free)
    k_free = p - req_local.size
    lam = np.array(start, dtype=np.float64) if start is not None else wc.min(axis=1)
    best = -np.inf
    best_lam = lam.copy()
    theta, stale = 2.0, 0
    for _ in range(iterations):
        red, chosen, val = relaxed_sites(wc, lam, req_local, free_idx, k_free)
        if not np.isfinite(best) or val > best + 1e-12 * max(abs(best), 1.0):
            best, stale, best_lam = val, 0, lam.copy()
        else:
            stale += 1
            if stale >= 20:
                theta, stale = theta / 2.0, 0
        bound = np.ceil(best - 1e-7) if integral else best
        if bound >= upper_bound - 1e-9 * max(abs(upper_bound), 1.0) or theta < 1e-6:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        g = 1.0 - (red[:, chosen] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = lam + theta * (upper_bound - val) / norm * g
    bound = float(np.ceil(best - 1e-7)) if integral else float(best)
    return min(bound, float(upper_bound)), best_lam


def fix_by_reduced_cost(
    problem: Problem, p: int, lam: np.ndarray, upper_bound: float, incumbent: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Lagrangian variable fixing: sites that cannot be in a solution better than ``upper_bound``.

    For multipliers ``lam`` the bound with site j forced open (closed) is the relaxed bound with j
    swapped in (out). If that bound reaches the threshold, no strictly better solution opens
    (closes) j. Only sites outside (inside) the incumbent are fixed, so the incumbent stays feasible.

    Returns ``(closed, opened, threshold)``: boolean masks over the allowed columns, and the value
    every excluded solution is proven to reach (for integral costs ``upper_bound`` itself).
    """
    wc, cols = weighted_cost(problem)
    m = cols.size
    integral = is_integral(wc)
    threshold = (upper_bound - 1.0 + 1e-6) if integral else upper_bound * (1.0 - 1e-9)
    rho = np.minimum(wc - lam[:, None], 0.0).sum(axis=0)
    req = np.zeros(m, dtype=bool)
    req[np.searchsorted(cols, problem.required)] = True
    k_free = p - int(req.sum())
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    free = np.flatnonzero(~req)
    if k_free <= 0 or k_free >= free.size:
        return closed, opened, upper_bound
    order = free[np.argsort(rho[free], kind="stable")]
    chosen, rest = order[:k_free], order[k_free:]
    base = float(lam.sum() + rho[req].sum() + rho[chosen].sum())
    inc = np.zeros(m, dtype=bool)
    inc[incumbent] = True
    worst_in, best_out = rho[chosen[-1]], rho[rest[0]]
    force_open = base + rho[rest] - worst_in  # j forced open replaces the weakest chosen site
    closed[rest[(force_open > threshold) & ~inc[rest]]] = True
    force_close = base - rho[chosen] + best_out
    opened[chosen[(force_close > threshold) & inc[chosen]]] = True
    return closed, opened, (upper_bound if integral else threshold)
