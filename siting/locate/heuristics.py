"""p-median heuristics: vectorised greedy, fast swap interchange and a seeded VNS."""

from __future__ import annotations

import time

import numpy as np

from ._common import Problem
from .bounds import weighted_cost

__all__ = ["penalised_weighted_cost", "greedy", "local_search", "vns", "evaluate"]


def penalised_weighted_cost(problem: Problem) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted cost ``w_i * c_ij`` over the allowed columns, unreachable pairs set to a penalty.

    Returns ``(wc, cols, penalty)``: ``wc[:, k]`` is column ``cols[k]`` of the problem. The penalty
    exceeds the weighted cost of any fully reachable assignment, so a heuristic never prefers one
    unreachable pair to any reachable assignment, even for zero-weight demand points.
    """
    wc, cols = weighted_cost(problem)
    fin = np.isfinite(wc)
    wc[~fin] = 0.0
    penalty = float(wc.max(axis=1).sum() + 1.0) * 2.0
    wc[~fin] = penalty
    return wc, cols, penalty


def evaluate(wc: np.ndarray, sel: np.ndarray) -> float:
    """Total cost of serving every row from its cheapest selected column."""
    return float(wc[:, sel].min(axis=1).sum())


def greedy(wc: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """Add sites one at a time, each time the one with the largest cost saving (after ``fixed``).

    The saving of every column is kept up to date incrementally: opening a site only changes the
    rows it becomes closest for.
    """
    n, m = wc.shape
    sel = [int(j) for j in fixed]
    d1 = wc[:, sel].min(axis=1) if sel else np.full(n, wc.max() * 2.0 + 1.0)
    chosen = np.zeros(m, dtype=bool)
    chosen[sel] = True
    gain = np.maximum(d1[:, None] - wc, 0.0).sum(axis=0)
    while len(sel) < p:
        g = np.where(chosen, -1.0, gain)
        j = int(np.argmax(g))
        sel.append(j)
        chosen[j] = True
        rows = np.flatnonzero(wc[:, j] < d1)
        if rows.size:
            sub = wc[rows]
            old, new = d1[rows], wc[rows, j]
            gain -= np.maximum(old[:, None] - sub, 0.0).sum(axis=0) - np.maximum(new[:, None] - sub, 0.0).sum(axis=0)
            d1[rows] = new
    return np.array(sel, dtype=np.int64)


def _closest_two(wc: np.ndarray, sel: np.ndarray, big: float) -> tuple[np.ndarray, ...]:
    """Per row: position (in ``sel``) of the cheapest and second-cheapest selected column, and costs."""
    sub = wc[:, sel]
    n = wc.shape[0]
    if sel.size == 1:
        zero = np.zeros(n, dtype=np.int64)
        return zero, zero, sub[:, 0].copy(), np.full(n, big)
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    rows = np.arange(n)
    a, b = sub[rows, part[:, 0]], sub[rows, part[:, 1]]
    swap = a > b
    first = np.where(swap, part[:, 1], part[:, 0])
    second = np.where(swap, part[:, 0], part[:, 1])
    return first.astype(np.int64), second.astype(np.int64), np.minimum(a, b), np.maximum(a, b)


class _Sorted:
    """Each row's columns in increasing cost, and each column's rank in its row (computed once)."""

    def __init__(self, wc: np.ndarray):
        self.order = np.argsort(wc, axis=1, kind="stable")
        self.sorted = np.take_along_axis(wc, self.order, axis=1)
        self.rank = np.empty_like(self.order)
        np.put_along_axis(self.rank, self.order, np.arange(wc.shape[1])[None, :].repeat(wc.shape[0], 0), axis=1)


def local_search(
    wc: np.ndarray,
    sel: np.ndarray,
    fixed_mask: np.ndarray,
    *,
    max_iter: int = 10_000,
    deadline: float | None = None,
    srt: _Sorted | None = None,
) -> tuple[np.ndarray, float]:
    """Best-improvement swap interchange (Teitz-Bart) with Resende-Werneck style gain matrices.

    Each pass evaluates every (remove r, insert j) swap at once:
    ``profit[r, j] = gain[j] - loss[r] + extra[r, j]`` where ``gain`` is the saving of inserting j,
    ``loss`` the cost of removing r, and ``extra`` corrects for points that move from r to j.
    Only pairs cheaper than a row's second-closest open site contribute, so with rows pre-sorted
    the work per pass is proportional to those pairs, not to the whole matrix.
    ``fixed_mask[k]`` marks columns that may not be removed.
    """
    n, m = wc.shape
    sel = np.array(sel, dtype=np.int64)
    p = sel.size
    cur = evaluate(wc, sel)
    if p == m:
        return sel, cur
    srt = srt if srt is not None else _Sorted(wc)
    big = float(srt.sorted[:, -1].max()) * 4.0 + 1.0  # = wc.max(), from each row's largest cost
    rows_all = np.arange(n)
    for _ in range(max_iter):
        c1, c2, d1, d2 = _closest_two(wc, sel, big)
        # columns strictly before the second-closest open site in each row's order (ties add 0)
        k = srt.rank[rows_all, sel[c2]] if p > 1 else np.full(n, m)
        offs = np.concatenate([[0], np.cumsum(k)[:-1]])
        rows = np.repeat(rows_all, k)
        pos = np.arange(int(k.sum())) - np.repeat(offs, k)
        cols = srt.order[rows, pos]
        vals = srt.sorted[rows, pos]
        d1r = d1[rows]
        gain = np.bincount(cols, weights=np.maximum(d1r - vals, 0.0), minlength=m)
        loss = np.bincount(c1, weights=d2 - d1, minlength=p)
        mm = np.maximum(d2[rows] - np.maximum(vals, d1r), 0.0)
        extra = np.bincount(c1[rows] * m + cols, weights=mm, minlength=p * m).reshape(p, m)
        profit = gain[None, :] - loss[:, None] + extra
        profit[:, sel] = -np.inf
        profit[fixed_mask[sel], :] = -np.inf
        r, j = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if not profit[r, j] > 1e-9 * max(abs(cur), 1.0):
            break
        new = sel.copy()
        new[r] = j
        val = evaluate(wc, new)
        if val >= cur - 1e-12 * max(abs(cur), 1.0):  # numerical guard
            break
        sel, cur = new, val
        if deadline is not None and time.perf_counter() > deadline:
            break
    return sel, cur


def vns(
    wc: np.ndarray,
    p: int,
    fixed: np.ndarray,
    *,
    seed: int = 0,
    iterations: int = 300,
    patience: int = 80,
    k_max: int = 4,
    deadline: float | None = None,
) -> tuple[np.ndarray, float]:
    """Greedy start, swap local search, then variable neighbourhood search (random k-swaps).

    Stops after ``iterations`` shakes or ``patience`` shakes in a row without improvement.
    Deterministic for a seed as long as the deadline does not cut it short.
    """
    m = wc.shape[1]
    fixed_mask = np.zeros(m, dtype=bool)
    fixed_mask[fixed] = True
    srt = _Sorted(wc)
    sel, best = local_search(wc, greedy(wc, p, fixed), fixed_mask, deadline=deadline, srt=srt)
    movable = int((~fixed_mask[sel]).sum())
    outside = m - p
    if movable == 0 or outside == 0:
        return np.sort(sel), best
    rng = np.random.default_rng(seed)
    k = 1
    k_top = max(1, min(k_max, movable, outside))
    stale = 0
    for _ in range(iterations):
        if stale >= patience or (deadline is not None and time.perf_counter() > deadline):
            break
        stale += 1
        cand = sel.copy()
        out_pos = rng.choice(np.flatnonzero(~fixed_mask[cand]), size=k, replace=False)
        pool = np.setdiff1d(np.arange(m), cand)
        cand[out_pos] = rng.choice(pool, size=k, replace=False)
        cand, val = local_search(wc, cand, fixed_mask, deadline=deadline, srt=srt)
        if val < best - 1e-12 * max(abs(best), 1.0):
            sel, best, k, stale = cand, val, 1, 0
        else:
            k = k + 1 if k < k_top else 1
    return np.sort(sel), best
