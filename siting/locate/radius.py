"""Exact p-median by the sorted-distance (radius) MILP with iterative level refinement on HiGHS.

Formulation (Elloumi 2010; Garcia, Labbe & Marin 2011): for demand i with distinct sorted
costs D_i^0 < D_i^1 < ..., variable z_i^k = 1 when no open site is closer than D_i^k, and
cost_i = w_i (D_i^0 + sum_k (D_i^k - D_i^{k-1}) z_i^k). Written as a chain
``z_i^k - z_i^{k-1} + sum_{j: c_ij = D_i^{k-1}} y_j >= 0`` every (i, j) pair appears at most
once, so the matrix has O(n m) non-zeros instead of O(n m^2).

Only the levels up to ``t_i`` are kept (the heuristic's distance plus a margin). The reduced
model charges a demand point at most ``D_i^{t_i - 1}``, so its optimum is a valid lower bound;
if the reduced optimum serves some point beyond its kept levels, those levels are added and the
model re-solved (Garcia et al.). When no point needs new levels, the bound equals the cost of
the solution: it is optimal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.milp import Model

from ._common import EXACT_GAP

__all__ = ["RadiusModel", "solve_radius"]


@dataclass
class RadiusModel:
    """Sorted levels of a cost matrix (allowed columns only)."""

    cost: np.ndarray  # (n, m) allowed columns, inf = unreachable
    weights: np.ndarray
    level_of: np.ndarray  # (n, m) int32 level index of c_ij in row i (large for inf)
    levels: list[np.ndarray]  # per row: distinct finite costs, sorted
    n_levels: np.ndarray  # (n,) T_i

    @classmethod
    def build(cls, cost: np.ndarray, weights: np.ndarray) -> RadiusModel:
        n, m = cost.shape
        order = np.argsort(cost, axis=1, kind="stable")
        srt = np.take_along_axis(cost, order, axis=1)
        change = np.ones((n, m), dtype=bool)
        change[:, 1:] = srt[:, 1:] != srt[:, :-1]
        lvl_sorted = np.cumsum(change, axis=1, dtype=np.int32) - 1
        fin = np.isfinite(srt)
        n_levels = np.where(fin, lvl_sorted + 1, 0).max(axis=1)
        lvl_sorted = np.where(fin, lvl_sorted, np.iinfo(np.int32).max // 2)
        level_of = np.empty_like(lvl_sorted)
        np.put_along_axis(level_of, order, lvl_sorted, axis=1)
        levels = [srt[i][change[i] & fin[i]] for i in range(n)]
        return cls(cost, weights, level_of, levels, n_levels.astype(np.int64))

    def assigned_level(self, open_cols: np.ndarray) -> np.ndarray:
        """Level index of each row's cheapest open column (huge if none reachable)."""
        return self.level_of[:, open_cols].min(axis=1)

    def matrix(self, t: np.ndarray):
        """Build (c, A, row_lo, offset, z_offsets) for kept level counts ``t`` (1 <= t_i <= T_i)."""
        n, m = self.cost.shape
        nz = t - 1  # z variables per row
        zoff = m + np.concatenate([[0], np.cumsum(nz)[:-1]])
        full = t == self.n_levels
        nrow_i = nz + full.astype(np.int64)
        roff = np.concatenate([[0], np.cumsum(nrow_i)[:-1]])
        nrow = int(nrow_i.sum())
        # y entries: pair (i, j) with level l < t_i - 1, or l == t_i - 1 when full -> row roff_i + l
        lim = np.where(full, t, t - 1)
        ii, jj = np.nonzero(self.level_of < lim[:, None])
        ll = self.level_of[ii, jj]
        rows_y = roff[ii] + ll
        # z entries: +1 at z_i^k in row k-1 (k=1..t_i-1); -1 at z_i^k in row k (k=1..t_i-1, if exists)
        zi = np.repeat(np.arange(n), nz)
        zk = np.arange(int(nz.sum())) - np.repeat(zoff - m, nz) + 1  # 1..t_i-1
        zcol = zoff[zi] + zk - 1
        rows_p = roff[zi] + zk - 1
        has_next = (zk < nz[zi]) | full[zi]
        rows_m = roff[zi][has_next] + zk[has_next]
        data = np.concatenate([np.ones(ii.size), np.ones(zcol.size), -np.ones(int(has_next.sum()))])
        r = np.concatenate([rows_y, rows_p, rows_m])
        cidx = np.concatenate([jj, zcol, zcol[has_next]])
        a = sp.csc_matrix((data, (r, cidx)), shape=(nrow, m + int(nz.sum())))
        row_lo = np.zeros(nrow)
        row_lo[roff] = 1.0  # first row of each demand: z^1 + sum_{level 0} y >= 1
        c = np.zeros(m + int(nz.sum()))
        base = np.array([lv[0] for lv in self.levels])
        for i in np.flatnonzero(nz):
            lv = self.levels[i]
            c[zoff[i] : zoff[i] + nz[i]] = self.weights[i] * np.diff(lv[: t[i]])
        offset = float(self.weights @ base)
        return c, a, row_lo, offset, zoff

    def start_vector(self, t: np.ndarray, zoff: np.ndarray, open_cols: np.ndarray) -> np.ndarray:
        n, m = self.cost.shape
        x = np.zeros(m + int((t - 1).sum()))
        x[open_cols] = 1.0
        a = self.assigned_level(open_cols)
        for i in range(n):
            k = min(int(a[i]), int(t[i]) - 1)
            x[zoff[i] : zoff[i] + k] = 1.0
        return x


def solve_radius(
    cost: np.ndarray,
    weights: np.ndarray,
    p: int,
    required: np.ndarray,
    start_open: np.ndarray,
    *,
    time_limit_s: float | None = None,
    margin: int = 1,
    max_rounds: int = 50,
) -> tuple[np.ndarray, float, float, bool, int]:
    """Solve the p-median on allowed columns; return (open columns, cost, lower bound, optimal, rounds).

    ``cost`` holds only the allowed columns; ``required`` and ``start_open`` index them.
    """
    t0 = time.perf_counter()
    model = RadiusModel.build(cost, weights)
    n, m = cost.shape

    def true_cost(cols: np.ndarray) -> float:
        d = cost[:, cols].min(axis=1)
        return float(weights @ d) if np.isfinite(d).all() else float("inf")

    best_cols = np.sort(np.asarray(start_open, dtype=np.int64))
    best = true_cost(best_cols)
    lvl = model.assigned_level(best_cols)
    t = np.where(lvl < model.n_levels, np.minimum(lvl + 1 + margin, model.n_levels), model.n_levels)
    t = np.maximum(t, 1)
    lower = -np.inf
    for rounds in range(1, max_rounds + 1):
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        if left is not None and left <= 0.05:
            break
        c, a, row_lo, offset, zoff = model.matrix(t)
        milp = Model(offset=offset)
        y_lo = np.zeros(m)
        y_lo[required] = 1.0
        y = milp.add_vars("open", m, lb=y_lo, ub=1.0, cost=c[:m], integer=True)
        milp.add_vars("z", c.size - m, ub=1.0, cost=c[m:])
        milp.add_matrix("levels", a, lo=row_lo)
        milp.add_rows("p_sites", np.zeros(m), y, 1.0, lo=float(p), hi=float(p), n=1)  # sum y = p
        start = model.start_vector(t, zoff, best_cols) if np.isfinite(best) else None
        res = milp.solve(time_limit_s=left, mip_gap=EXACT_GAP, start=start)
        if res.reason == "infeasible":
            return best_cols, float("inf"), float("inf"), False, rounds
        if np.isfinite(res.bound):
            lower = max(lower, res.bound)
        if res.x is None:
            break
        cols = np.flatnonzero(res.value("open") > 0.5)
        val = true_cost(cols)
        if val < best:
            best, best_cols = val, cols
        if res.reason != "optimal":
            break
        alvl = model.assigned_level(cols)
        need = np.where(alvl < model.n_levels, alvl + 1, model.n_levels)
        grow = need > t
        if not grow.any():
            lower = max(lower, res.objective)
            break
        t = np.where(grow, np.minimum(np.maximum(need, t) + margin, model.n_levels), t)
    optimal = np.isfinite(best) and best - lower <= 1e-6 * max(abs(best), 1.0)
    return best_cols, best, min(lower, best), bool(optimal), rounds
