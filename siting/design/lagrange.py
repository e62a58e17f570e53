"""A Lagrangian lower bound of the all-local policy: demand rows dualised, one exact subproblem per site."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.design.alllocal import fewest_sites
from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.errors import InputError
from siting.milp import MilpSolution

__all__ = ["LAGRANGE_ITERATIONS", "LagrangeBound", "local_lagrange_bound", "lp_multipliers"]

#: Subgradient iterations of :func:`local_lagrange_bound` (a fixed count: the same bound on any machine).
LAGRANGE_ITERATIONS = 100

#: The subgradient steps: Polyak's step scale, halved after this many iterations without a better
#: bound (back to the best multipliers), and the weight of the newest subproblem solution in the
#: averaged supply the step follows (the volume algorithm's). Tuned on the Helsinki demo from the LP
#: duals: every setting tried (scale 0.003-0.03, weight 0.1-0.5, 5-20 iterations) ended within 0.03%.
_THETA, _STALL, _ALPHA = 0.03, 5, 0.1

#: Capacity multipliers per site, season and level: bisection in [lo, hi] (yearly cost per weekly machine hour), and 0.
_MU_LO, _MU_HI, _BISECTIONS = 1e-3, 1e8, 40


@dataclass(frozen=True)
class LagrangeBound:
    """The best Lagrangian bound found (EUR a year), the iterations run and the multipliers that gave it."""

    bound_per_yr: float
    iterations: int
    multipliers: np.ndarray  # (f, j, t): yearly cost per weekly unit of each demand row


class _Sites:
    """The per-site subproblems' fixed data: each site's lanes padded to one width, curves on their breakpoints."""

    def __init__(self, pb: DesignProblem) -> None:
        self.pb = pb
        dem = pb.demand_units_per_week
        n_f, n_j, n_t = dem.shape
        n_s = len(pb.site_ids)
        self.weeks = pb.weeks_per_yr
        lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
        per_site = [np.flatnonzero(lanes[:, 0] == s) for s in range(n_s)]
        width = max((len(p) for p in per_site), default=0)
        self.store = np.zeros((n_s, width), np.int64)
        self.live = np.zeros((n_s, width), bool)
        unit = np.zeros((n_s, width, n_t))  # yearly cost per weekly unit on the lane: delivery + its drop's share
        units = dem.sum(axis=0)  # (j, t)
        drop = pb.drop_cost_of_store()
        pays = pb.lane_pays_drop()[: len(lanes)]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(units > 0, drop[:, None] / units, 0.0)  # (j, t) a drop per unit, at most one drop
        for s, p in enumerate(per_site):
            k = len(p)
            j = lanes[p, 1]
            self.store[s, :k], self.live[s, :k] = j, True
            unit[s, :k] = self.weeks[None, :] * (pb.lane_cost_per_unit[p][:, None] + pays[p][:, None] * share[j])
        self.unit = unit
        # item sizes (s, f, t, k): the store's demand of the family in the season (0 on padding)
        self.size = np.where(self.live[:, None, None, :], dem[:, self.store, :].transpose(1, 0, 3, 2), 0.0)
        reach = self.size.sum(axis=-1)  # (s, f, t)
        hpu = pb.machine_hours_per_unit
        top = np.where(pb.level_ok, pb.hours_per_week, 0.0).max(axis=1)
        with np.errstate(divide="ignore"):
            by_hours = np.where(hpu[None, :] > 0, top[:, None] / hpu[None, :], np.inf)  # (s, f)
        self.cap = np.minimum(reach, by_hours[:, :, None])  # (s, f, t): the model's cap on a site's volume
        n_k = max(len(c.volume_units_per_week) for c in pb.local_curves)
        self.bp = np.zeros((n_f, n_k))  # breakpoints padded with the last one
        self.bp_cost = np.zeros((n_f, n_k))
        self.bp_hours = np.zeros((n_f, n_k))
        for f, c in enumerate(pb.local_curves):
            v = c.volume_units_per_week
            h = hpu[f] * v + pb.changeover_hours_per_run[f] * c.runs_per_week
            k = len(v)
            self.bp[f], self.bp_cost[f], self.bp_hours[f] = (
                np.r_[v, np.full(n_k - k, v[-1])],
                np.r_[c.cost_per_week, np.full(n_k - k, c.cost_per_week[-1])],
                np.r_[h, np.full(n_k - k, h[-1])],
            )
        self.hours = np.where(pb.level_ok, pb.hours_per_week, 0.0)  # (s, l)
        self.fixed = np.where(pb.level_ok, pb.fixed_cost_per_yr, np.inf)  # (s, l)
        self.group = np.full(n_s, -1)
        self.fewest = np.zeros(0)
        groups = fewest_sites(pb)
        if groups:
            for g, (sites, _) in enumerate(groups):
                self.group[sites] = g
            self.fewest = np.array([float(n) for _, n in groups])

    def _curve(self, f: int, v: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.interp(v, self.bp[f], values[f])

    def solve(self, u: np.ndarray, lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """L(u, lam) and the subproblems' supply (f, j, t) and sites opened per group (g,)."""
        pb, size = self.pb, self.size
        n_s, n_f, n_t, n_w = size.shape
        dem = pb.demand_units_per_week
        # reduced cost per weekly unit of each item (s, f, t, k)
        red = self.unit[:, None, :, :].transpose(0, 1, 3, 2) - u[:, self.store, :].transpose(1, 0, 3, 2)
        red = np.where(self.live[:, None, None, :], red, 0.0)
        order = np.argsort(red, axis=-1, kind="stable")
        s_size = np.take_along_axis(size, order, axis=-1)
        s_red = np.take_along_axis(red, order, axis=-1)
        cum_v = np.concatenate([np.zeros((n_s, n_f, n_t, 1)), np.cumsum(s_size, axis=-1)], axis=-1)
        cum_b = np.concatenate([np.zeros((n_s, n_f, n_t, 1)), np.cumsum(s_size * s_red, axis=-1)], axis=-1)
        cap = self.cap[..., None]
        # candidate volumes: the curve's breakpoints and the items' cumulative volumes, within the cap
        pts = np.concatenate([np.broadcast_to(self.bp[None, :, None, :], (n_s, n_f, n_t, self.bp.shape[1])), cum_v], -1)
        pts = np.minimum(pts, cap)
        # the cheapest items' cost at each candidate volume: one np.interp over rows offset apart
        rows = n_s * n_f * n_t
        span = float(cum_v.max(initial=0.0)) + 1.0
        off = (np.arange(rows) * span).reshape(n_s, n_f, n_t, 1)
        b_at = np.interp((pts + off).ravel(), (cum_v + off).ravel(), cum_b.ravel()).reshape(pts.shape)
        g = np.empty_like(pts)
        h = np.empty_like(pts)
        for f in range(n_f):
            g[:, f] = self._curve(f, pts[:, f], self.bp_cost) * self.weeks[None, :, None] + b_at[:, f]
            h[:, f] = self._curve(f, pts[:, f], self.bp_hours)
        q_star, v_star = self._hours_dual(g, h, pts)
        lam_s = np.where(self.group >= 0, lam[np.maximum(self.group, 0)] if len(lam) else 0.0, 0.0)
        per_level = self.fixed + q_star.sum(axis=1) - lam_s[:, None]  # (s, l)
        lev = per_level.argmin(axis=1)
        value = per_level[np.arange(n_s), lev]
        opened = value < 0
        total = float((u * dem).sum() + (lam * self.fewest).sum() + value[opened].sum())
        # the minimiser's supply: at an open site, each family's volume from its cheapest items
        supply = np.zeros_like(dem)
        s_idx = np.flatnonzero(opened)
        if len(s_idx):
            tt = np.arange(n_t)
            v_sel = v_star[s_idx, :, :, lev[s_idx]][..., None]  # (o, f, t, 1)
            x = np.clip(v_sel - cum_v[s_idx][..., :-1], 0.0, s_size[s_idx])  # (o, f, t, k) sorted
            stores = np.take_along_axis(
                np.broadcast_to(self.store[s_idx][:, None, None, :], x.shape), order[s_idx], axis=-1
            )
            ff = np.broadcast_to(np.arange(n_f)[None, :, None, None], x.shape)
            tq = np.broadcast_to(tt[None, None, :, None], x.shape)
            np.add.at(supply, (ff.ravel(), stores.ravel(), tq.ravel()), x.ravel())
        counts = np.zeros(len(self.fewest))
        if len(counts):
            np.add.at(counts, self.group[s_idx][self.group[s_idx] >= 0], 1.0)
        return total, supply, counts

    def _hours_dual(self, g: np.ndarray, h: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each (site, season, level)'s bound with its hours row dualised, and the minimiser's volumes (s, f, t, l)."""
        n_s, n_f, n_t, _ = g.shape
        # capacity dualised inside each (site, season, level): q(mu) = sum_f min_v g + mu h - mu H, concave in
        # mu; its maximum found by bisection on the sign of its slope (sum_f h at the minimisers - H)
        n_l = self.hours.shape[1]
        big_h = self.hours[:, None, :]  # (s, 1, l)

        def q_at(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """q, its slope and the minimisers (s, f, t, l) at ``mu`` (s, t, l)."""
            val = g[..., None, :] + mu[:, None, :, :, None] * h[..., None, :]  # (s, f, t, l, p)
            arg = val.argmin(axis=-1)
            low = np.take_along_axis(val, arg[..., None], axis=-1)[..., 0].sum(axis=1)  # (s, t, l)
            used = np.take_along_axis(np.broadcast_to(h[..., None, :], val.shape), arg[..., None], -1)[..., 0]
            return low - mu * big_h, used.sum(axis=1) - big_h, arg

        lo = np.full((n_s, n_t, n_l), _MU_LO)
        hi = np.full((n_s, n_t, n_l), _MU_HI)
        for _ in range(_BISECTIONS):
            mid = np.sqrt(lo * hi)
            slope = q_at(mid)[1]
            lo, hi = np.where(slope > 0, mid, lo), np.where(slope > 0, hi, mid)
        cands = [q_at(np.zeros_like(lo)), q_at(lo), q_at(hi)]
        q_all = np.stack([c[0] for c in cands])
        pick = q_all.argmax(axis=0)  # (s, t, l)
        q_star = q_all.max(axis=0)
        arg_all = np.stack([c[2] for c in cands])  # (3, s, f, t, l)
        v_star = np.take_along_axis(
            np.broadcast_to(pts[:, :, :, None, :], (*arg_all.shape[1:], pts.shape[-1])),
            np.take_along_axis(arg_all, pick[None, :, None, :, :], axis=0)[0][..., None],
            axis=-1,
        )[..., 0]
        return q_star, v_star


def _start(pb: DesignProblem, sites: _Sites) -> np.ndarray:
    """Starting multipliers: the cheapest lane and drop share, plus making and fixed cost per unit at a full site."""
    dem = pb.demand_units_per_week
    n_f, n_j, n_t = dem.shape
    lane = np.full((n_j, n_t), np.inf)
    for s in range(len(pb.site_ids)):
        k = sites.live[s]
        np.minimum.at(lane, sites.store[s, k], sites.unit[s, k])
    lane = np.where(np.isfinite(lane), lane, 0.0)
    per_hour = np.where(pb.level_ok, pb.fixed_cost_per_yr / np.maximum(pb.hours_per_week, 1e-9), np.inf).min()
    per_hour = per_hour if np.isfinite(per_hour) else 0.0
    top = sites.hours.max(initial=0.0)
    u = np.zeros_like(dem)
    for f in range(n_f):
        v = np.minimum(sites.cap[:, f].max(initial=0.0), dem[f].sum(axis=0).max(initial=0.0))
        if v <= 0:
            continue
        cost = float(sites._curve(f, np.asarray(v), sites.bp_cost)) / v
        hours = float(sites._curve(f, np.asarray(v), sites.bp_hours)) / v
        u[f] = lane + (cost * sites.weeks[None, :] + per_hour * min(hours, top)) * (dem[f] > 0)
    return u


def local_lagrange_bound(
    pb: DesignProblem,
    upper_bound_per_yr: float,
    iterations: int = LAGRANGE_ITERATIONS,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> LagrangeBound:
    """A lower bound of the all-local policy's cost a year: the demand rows dualised, the best of the iterations.

    For multipliers ``u`` (one per demand row: family, store, season) and ``lam >= 0`` (one per
    group's fewest-sites row, :func:`siting.design.alllocal.fewest_sites`), any all-local design
    ``x`` costs ``c(x) = c(x) - sum u (supply - demand) - sum lam (opened - fewest)`` when it meets
    demand exactly, minus a nonnegative term when it opens more sites than the fewest: so ``c(x) >=
    L(u, lam) = sum u demand + sum lam fewest + sum over sites of min(0, subproblem)``, where each
    site's subproblem drops every row that joins sites and keeps (relaxes only) its own: a
    level (or closed), per season the volume of each family priced on its exact piecewise-linear
    curve (the model's, not the chord the LP relaxes it to), filled from the items the lanes
    reach at their reduced cost (delivery, the drop's share per unit, which the model's drop
    link charges at least, minus ``u``), the hours on their breakpoints within the level's. The
    subproblem's minimum is bounded below by dualising its hours row with any ``mu >= 0``
    (``sum_f min_v g_f(v) + mu h_f(v) - mu H``, each 1-D minimum exact at a breakpoint of the
    piecewise-linear sum); the best of a fixed grid of ``mu`` is taken. Every step is a
    relaxation, so ``L`` is a valid bound at every iteration, whatever the multipliers; the
    subgradient steps (Polyak's, towards ``upper_bound_per_yr``) only make it tighter.

    Terms the subproblem leaves out cost nothing in an all-local design (offshore, hubs) or are
    nonnegative (a store's further drops beyond the first).

    Parameters
    ----------
    pb : DesignProblem
    upper_bound_per_yr : float
        The cost of a feasible all-local design (the step's target).
    iterations : int
        Subgradient iterations (a fixed count: deterministic).

    Returns
    -------
    LagrangeBound
    """
    sites = _Sites(pb)
    dem = pb.demand_units_per_week
    u = _start(pb, sites) if start is None else np.array(start[0], dtype=float)
    lam = np.zeros(len(sites.fewest)) if start is None else np.maximum(np.array(start[1], dtype=float), 0.0)
    best, best_u, theta, stall = -np.inf, u.copy(), _THETA, 0
    avg_supply, avg_counts = None, None
    for _ in range(iterations):
        value, supply, counts = sites.solve(u, lam)
        if avg_supply is None:
            avg_supply, avg_counts = supply, counts
        else:
            avg_supply = _ALPHA * supply + (1 - _ALPHA) * avg_supply
            avg_counts = _ALPHA * counts + (1 - _ALPHA) * avg_counts
        if value > best + 1e-9 * abs(value):
            best, best_u, stall = value, u.copy(), 0
        else:
            stall += 1
            if stall >= _STALL:
                theta, stall = theta / 2, 0
                u, lam = best_u.copy(), lam
        g_u = np.where(dem > 0, dem - avg_supply, 0.0)
        g_l = sites.fewest - avg_counts
        g_l = np.where((lam <= 0) & (g_l < 0), 0.0, g_l)
        norm = float((g_u**2).sum() + (g_l**2).sum())
        if norm <= 0:
            break
        step = theta * max(upper_bound_per_yr - value, 1e-6 * abs(upper_bound_per_yr)) / norm
        u = u + step * g_u
        lam = np.maximum(lam + step * g_l, 0.0)
    return LagrangeBound(float(best), iterations, best_u)


def lp_multipliers(dm: DesignModel, pb: DesignProblem, lp: MilpSolution) -> tuple[np.ndarray, np.ndarray] | None:
    """The all-local LP relaxation's duals of the demand rows (f, j, t) and fewest-sites rows (g,), or None.

    Started from them, :func:`local_lagrange_bound`'s first bound is at least the LP's (its
    subproblems relax less than the LP does); None when the LP has no dual solution.

    Parameters
    ----------
    dm : DesignModel
        The model the LP relaxed (with :func:`siting.design.alllocal.with_fewest_sites`' rows or without).
    pb : DesignProblem
    lp : MilpSolution

    Returns
    -------
    tuple of ndarray, or None
    """
    if lp.row_dual is None:
        return None
    u = lp.row_dual[dm.model.row_block("demand")].reshape(pb.demand_units_per_week.shape)
    n_g = len(fewest_sites(pb))
    try:
        lam = lp.row_dual[dm.model.row_block("fewest_sites_local")]
    except InputError:
        lam = np.zeros(n_g)
    return u, lam if len(lam) == n_g else np.zeros(n_g)
