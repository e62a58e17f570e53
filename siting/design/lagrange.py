"""A Lagrangian lower bound of the all-local policy: demand rows dualised, one exact subproblem per site."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from siting.design.alllocal import fewest_sites
from siting.design.colgen import PlanColumn, check_bound_rounds, column_bound
from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.design.site_subproblem import SiteValue, site_value
from siting.errors import InputError
from siting.milp import MilpSolution
from siting.solve_threads import map_in_threads

log = logging.getLogger("siting")

__all__ = [
    "EXACT_ITERATIONS",
    "EXACT_COLUMN_ROUNDS",
    "EXACT_MAX_FLOWS",
    "LAGRANGE_ITERATIONS",
    "LagrangeBound",
    "local_flows",
    "local_lagrange_bound",
    "lp_multipliers",
]

#: Subgradient iterations of :func:`local_lagrange_bound` (a fixed count: the same bound on any machine).
LAGRANGE_ITERATIONS = 100

#: Subgradient iterations with each site's exact subproblem (whole drops, a MILP per site), after the others.
EXACT_ITERATIONS = 2

#: Column rounds of that whole-drop phase (:func:`siting.design.colgen.column_bound`, from the LP's duals),
#: whatever ``column_rounds`` asks (which may ask more). Helsinki demo: one round took the all-local gap from
#: 3.57% to 2.55% for 4.5 s of CPU (2.6 s of wall clock on two threads); rounds 2 to 5 added nothing there
#: (their master steps overshoot, then the box settles: 2.37% after 6 rounds, 14.7 s of wall clock).
EXACT_COLUMN_ROUNDS = 1

#: Those iterations and rounds run only on problems of at most this many local flows (on-time lanes x families x seasons
#: with demand), a bound on their work: Helsinki's 7,050 (2.2 s of CPU); the Malta demo's national problem
#: took 86 s more CPU for its whole plan (gap 3.49% -> 3.14%), so it keeps the first phase alone.
EXACT_MAX_FLOWS = 10_000

#: Polyak's step scale of those iterations (no averaging: the newest solution's supply).
_THETA_EXACT = 0.06

#: The subgradient steps: Polyak's step scale, halved after this many iterations without a better
#: bound (back to the best multipliers), and the weight of the newest subproblem solution in the
#: averaged supply the step follows (the volume algorithm's). Tuned on the Helsinki demo from the LP
#: duals: every setting tried (scale 0.003-0.03, weight 0.1-0.5, 5-20 iterations) ended within 0.03%.
_THETA, _STALL, _ALPHA = 0.03, 5, 0.1

#: Capacity multipliers per site, season and level: bisection in [lo, hi] (yearly cost per weekly machine hour), and 0.
_MU_LO, _MU_HI, _BISECTIONS = 1e-2, 1e7, 30


@dataclass(frozen=True)
class LagrangeBound:
    """The best Lagrangian bound found (EUR a year), the iterations run and the multipliers that gave it."""

    bound_per_yr: float
    iterations: int
    multipliers: np.ndarray  # (f, j, t): yearly cost per weekly unit of each demand row
    exact_iterations: int = 0
    column_rounds: int = 0
    by_round: tuple[float, ...] = ()  # the best bound after each column round (fewer than asked: converged)


class _Sites:
    """The per-site subproblems' fixed data, one row per site and family it can make (lanes padded to one width)."""

    def __init__(self, pb: DesignProblem, threads: int | None = None) -> None:
        self.pb = pb
        self.threads = threads  # the site MILPs' threads (None: siting.workers.n_workers)
        dem = pb.demand_units_per_week
        n_f, n_j, n_t = dem.shape
        n_s = len(pb.site_ids)
        self.weeks = pb.weeks_per_yr
        lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
        per_site = [np.flatnonzero(lanes[:, 0] == s) for s in range(n_s)]
        width = max((len(p) for p in per_site), default=0)
        store = np.zeros((n_s, width), np.int64)
        live = np.zeros((n_s, width), bool)
        unit = np.zeros((n_s, n_t, width))  # yearly cost per weekly unit on the lane: delivery + its drop's share
        units = dem.sum(axis=0)  # (j, t)
        drop = pb.drop_cost_of_store()
        pays = pb.lane_pays_drop()[: len(lanes)]
        share = np.where(units > 0, drop[:, None] / np.where(units > 0, units, 1.0), 0.0)  # (j, t) drop per unit
        for s, p in enumerate(per_site):
            k = len(p)
            j = lanes[p, 1]
            store[s, :k], live[s, :k] = j, True
            unit[s, :, :k] = (self.weeks[None, :] * (pb.lane_cost_per_unit[p][:, None] + pays[p][:, None] * share[j])).T
        size = np.where(live[:, None, None, :], dem[:, store, :].transpose(1, 0, 3, 2), 0.0)  # (s, f, t, k)
        # rows: the (site, family) pairs with demand in reach (a national problem's sites reach one cluster's rows)
        self.row_site, self.row_fam = np.nonzero(size.sum(axis=(2, 3)) > 0)
        self.n_s, self.n_f = n_s, n_f
        self.size = size[self.row_site, self.row_fam]  # (r, t, k)
        self.store = store[self.row_site]  # (r, k)
        self.unit = unit[self.row_site]  # (r, t, k)
        hpu = pb.machine_hours_per_unit
        top = np.where(pb.level_ok, pb.hours_per_week, 0.0).max(axis=1)
        with np.errstate(divide="ignore"):
            by_hours = np.where(hpu[self.row_fam] > 0, top[self.row_site] / hpu[self.row_fam], np.inf)  # (r,)
        self.cap = np.minimum(self.size.sum(axis=-1), by_hours[:, None])  # (r, t): the model's cap on a volume
        n_k = max(len(c.volume_units_per_week) for c in pb.local_curves)
        bp = np.zeros((n_f, n_k))  # breakpoints padded with the last one
        bp_cost = np.zeros((n_f, n_k))
        bp_hours = np.zeros((n_f, n_k))
        for f, c in enumerate(pb.local_curves):
            v = c.volume_units_per_week
            h = hpu[f] * v + pb.changeover_hours_per_run[f] * c.runs_per_week
            pad = n_k - len(v)
            bp[f] = np.r_[v, np.full(pad, v[-1])]
            bp_cost[f] = np.r_[c.cost_per_week, np.full(pad, c.cost_per_week[-1])]
            bp_hours[f] = np.r_[h, np.full(pad, h[-1])]
        self.bp, self.bp_cost, self.bp_hours = bp, bp_cost, bp_hours
        self.hours = np.where(pb.level_ok, pb.hours_per_week, 0.0)  # (s, l)
        self.fixed = np.where(pb.level_ok, pb.fixed_cost_per_yr, np.inf)  # (s, l)
        flat = dem.ravel() > 0
        self.row_of = np.where(flat, np.cumsum(flat) - 1, -1)  # each (f, j, t) cell's demand row (-1: none)
        self.group = np.full(n_s, -1)
        self.fewest = np.zeros(0)
        groups = fewest_sites(pb)
        if groups:
            for g, (sites, _) in enumerate(groups):
                self.group[sites] = g
            self.fewest = np.array([float(n) for _, n in groups])

    def curve(self, v: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``values`` (f, k) on the breakpoints, interpolated at the rows' volumes ``v`` (r, ...)."""
        out = np.empty_like(v)
        for f in np.unique(self.row_fam):
            at = self.row_fam == f
            out[at] = np.interp(v[at], self.bp[f], values[f])
        return out

    def lam_of_site(self, lam: np.ndarray) -> np.ndarray:
        """Each site's fewest-sites multiplier (s,): its group's, 0 without a group."""
        return np.zeros(self.n_s) if not len(lam) else np.where(self.group >= 0, lam[np.maximum(self.group, 0)], 0.0)

    def solve(self, u: np.ndarray, lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """L(u, lam), its minimiser's supply (f, j, t) and sites opened per group (g,), each site's value (s,)."""
        size, n_s = self.size, self.n_s
        n_r, n_t, n_w = size.shape
        dem = self.pb.demand_units_per_week
        # reduced cost per weekly unit of each item (r, t, k): delivery and drop share minus the multiplier
        red = self.unit - u[self.row_fam[:, None], self.store, :].transpose(0, 2, 1)
        red = np.where(size > 0, red, 0.0)
        order = np.argsort(red, axis=-1, kind="stable")
        s_size = np.take_along_axis(size, order, axis=-1)
        s_red = np.take_along_axis(red, order, axis=-1)
        zero = np.zeros((n_r, n_t, 1))
        cum_v = np.concatenate([zero, np.cumsum(s_size, axis=-1)], axis=-1)
        cum_b = np.concatenate([zero, np.cumsum(s_size * s_red, axis=-1)], axis=-1)
        # candidate volumes: the curve's breakpoints and the items' cumulative volumes, within the cap; the
        # cost a year at a volume (its making cost plus its cheapest items') is linear between them
        bps = np.broadcast_to(self.bp[self.row_fam][:, None, :], (n_r, n_t, self.bp.shape[1]))
        pts = np.minimum(np.concatenate([bps, cum_v], -1), self.cap[..., None])
        span = float(cum_v.max(initial=0.0)) + 1.0  # one np.interp over the rows laid end to end
        off = (np.arange(n_r * n_t) * span).reshape(n_r, n_t, 1)
        b_at = np.interp((pts + off).ravel(), (cum_v + off).ravel(), cum_b.ravel()).reshape(pts.shape)
        g = self.curve(pts, self.bp_cost) * self.weeks[None, :, None] + b_at
        h = self.curve(pts, self.bp_hours)
        q_star, v_star = self._hours_dual(g, h, pts)  # (s, t, l), (r, t, l)
        lam_s = self.lam_of_site(lam)
        per_level = self.fixed + q_star.sum(axis=1) - lam_s[:, None]  # (s, l)
        lev = per_level.argmin(axis=1)
        value = per_level[np.arange(n_s), lev]
        opened = value < 0
        total = float((u * dem).sum() + (lam * self.fewest).sum() + value[opened].sum())
        # the minimiser's supply: at an open site, each family's volume from its cheapest items
        supply = np.zeros_like(dem)
        rows = np.flatnonzero(opened[self.row_site])
        if len(rows):
            v_sel = v_star[rows, :, lev[self.row_site[rows]]][..., None]  # (o, t, 1)
            x = np.clip(v_sel - cum_v[rows][..., :-1], 0.0, s_size[rows])  # (o, t, k) in sorted order
            stores = np.take_along_axis(np.broadcast_to(self.store[rows][:, None, :], x.shape), order[rows], -1)
            ff = np.broadcast_to(self.row_fam[rows][:, None, None], x.shape)
            tq = np.broadcast_to(np.arange(n_t)[None, :, None], x.shape)
            np.add.at(supply, (ff.ravel(), stores.ravel(), tq.ravel()), x.ravel())
        counts = np.zeros(len(self.fewest))
        s_open = np.flatnonzero(opened & (self.group >= 0))
        np.add.at(counts, self.group[s_open], 1.0)
        return total, supply, counts, np.minimum(value, 0.0)

    def solve_exact(self, u: np.ndarray, lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """L(u, lam) with each site's exact subproblem (whole drops: :func:`site_value`), supply and counts."""
        total, values = self._exact(u, lam)
        supply, counts = np.zeros_like(self.pb.demand_units_per_week), np.zeros(len(self.fewest))
        for s, sv in values:
            if sv.opened:
                supply += sv.supply
                if self.group[s] >= 0:
                    counts[self.group[s]] += 1.0
        return total, supply, counts

    def price_columns(self, u: np.ndarray, lam: np.ndarray) -> tuple[float, list[PlanColumn]]:
        """L(u, lam) as :meth:`solve_exact`'s, and each opened site's plans as columns (:func:`column_bound`):
        its best plan, then the others its solve found on its way (``site_value(more_plans=True)``)."""
        total, values = self._exact(u, lam, more_plans=True)
        cols = []
        for s, sv in values:
            if sv.opened:
                flat = sv.supply.ravel()
                nz = np.flatnonzero(flat > 0)
                cols.append(PlanColumn(s, self.row_of[nz], flat[nz], sv.cost_per_yr))
                cols.extend(PlanColumn(s, self.row_of[p.cells], p.units, p.cost_per_yr, False) for p in sv.more_plans)
        return total, cols

    def _exact(
        self, u: np.ndarray, lam: np.ndarray, more_plans: bool = False
    ) -> tuple[float, list[tuple[int, SiteValue]]]:
        """L(u, lam) with exact subproblems, and each solved site's value (``more_plans``: see :func:`site_value`).

        A site whose relaxed subproblem (:meth:`solve`'s, drops per unit) is not negative has an
        exact one that is not either (the exact one only adds cost): only the others are solved,
        side by side on :func:`siting.solve_threads.map_in_threads`' threads (the loop's results).
        """
        dem = self.pb.demand_units_per_week
        relaxed = self.solve(u, lam)[3]
        lam_s = self.lam_of_site(lam)
        sites = [int(s) for s in np.flatnonzero(relaxed < 0)]
        solved = map_in_threads(lambda s: site_value(self.pb, s, u, float(lam_s[s]), more_plans), sites, self.threads)
        total = float((u * dem).sum() + (lam * self.fewest).sum())
        for sv in solved:
            total += sv.bound_per_yr
        return total, list(zip(sites, solved, strict=True))

    def _hours_dual(self, g: np.ndarray, h: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each (site, season, level)'s bound with its hours row dualised (s, t, l), and the rows' volumes (r, t, l).

        ``q(mu) = sum over the site's rows of min_v (g + mu h) - mu H`` is concave in ``mu``: its
        maximum is found by bisection on the sign of its slope (the rows' hours at the minimisers
        minus H); the best of mu = 0 and the bracket's two ends is kept (each a valid bound).
        """
        n_r, n_t, _ = g.shape
        n_s, n_l = self.hours.shape
        big_h = self.hours[:, None, :]  # (s, 1, l)
        site = self.row_site

        r_at = np.arange(n_r)[:, None, None]
        t_at = np.arange(n_t)[None, :, None]

        def q_at(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            val = g[:, :, None, :] + mu[site][..., None] * h[:, :, None, :]  # (r, t, l, p)
            arg = val.argmin(axis=-1)
            low = np.zeros((n_s, n_t, n_l))
            used = np.zeros((n_s, n_t, n_l))
            np.add.at(low, site, val.min(axis=-1))  # the value at ``arg``
            np.add.at(used, site, h[r_at, t_at, arg])
            return low - mu * big_h, used - big_h, arg

        lo = np.full((n_s, n_t, n_l), _MU_LO)
        hi = np.full((n_s, n_t, n_l), _MU_HI)
        for _ in range(_BISECTIONS):
            mid = np.sqrt(lo * hi)
            up = q_at(mid)[1] > 0
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        cands = [q_at(np.zeros_like(lo)), q_at(lo), q_at(hi)]
        q_all = np.stack([c[0] for c in cands])
        pick = q_all.argmax(axis=0)  # (s, t, l)
        arg = np.take_along_axis(np.stack([c[2] for c in cands]), pick[None, site], axis=0)[0]  # (r, t, l)
        every = np.broadcast_to(pts[:, :, None, :], (*arg.shape, pts.shape[-1]))
        return q_all.max(axis=0), np.take_along_axis(every, arg[..., None], -1)[..., 0]


def local_lagrange_bound(
    pb: DesignProblem,
    upper_bound_per_yr: float,
    start: tuple[np.ndarray, np.ndarray],
    iterations: int = LAGRANGE_ITERATIONS,
    exact_iterations: int = EXACT_ITERATIONS,
    column_rounds: int = 0,
    stop_gap: float = 0.0,
    threads: int | None = None,
    redesign: Callable[[np.ndarray], float] | None = None,
    more_sites: int = 0,
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
    piecewise-linear sum); ``mu`` is found by bisection and each value tried is valid. Every step is a
    relaxation, so ``L`` is a valid bound at every iteration, whatever the multipliers; the
    subgradient steps (Polyak's, towards ``upper_bound_per_yr``) only make it tighter.

    Terms the subproblem leaves out cost nothing in an all-local design (offshore, hubs) or are
    nonnegative (a store's further drops beyond the first).

    Parameters
    ----------
    pb : DesignProblem
    upper_bound_per_yr : float
        The cost of a feasible all-local design (the step's target).
    start : tuple of ndarray
        The first multipliers: ``u`` (f, j, t) and ``lam`` (g,), e.g. :func:`lp_multipliers`.
    iterations : int
        Subgradient iterations (a fixed count: deterministic).
    exact_iterations : int
        Further subgradient iterations from the best multipliers found, each site's subproblem
        then solved exactly with whole drops (:func:`siting.design.site_subproblem.site_value`, a
        small MILP per site under a node limit, its proven bound taken): a store served by a site
        at all pays that site's whole drop, so a site cannot make one family for many stores at a
        drop's share per unit; then at least :data:`EXACT_COLUMN_ROUNDS` column rounds. 0: none
        (nor those rounds); none either above :data:`EXACT_MAX_FLOWS` local flows.
    column_rounds : int
        Then at most this many rounds (at least :data:`EXACT_COLUMN_ROUNDS` when the whole-drop
        iterations ran) of column generation (:func:`siting.design.colgen.column_bound`, the same exact
        subproblems as pricing, whatever the flows), its box first centred on ``start`` (the
        subgradient steps can leave some multipliers far out of scale); the larger bound is kept.
        Each round solves every site's MILP, seconds on a city (Helsinki demo: see
        docs/portfolio.md). 0: none.
    stop_gap : float
        No further column round once the bound is within this relative gap of ``upper_bound_per_yr``
        (0: every round runs).
    threads : int, optional
        Threads that solve the site MILPs side by side (:func:`siting.solve_threads.map_in_threads`;
        None: ``SITING_N_JOBS`` if set, else the CPU count, at most 2). The bound is the same on any count.
    redesign : callable, optional
        Called with the column rounds' master's site shares (s,) after each master solve: returns the
        cost a year of the cheapest all-local design known then (it may build one from those
        sites), which ``stop_gap`` and the progress lines then measure against instead of
        ``upper_bound_per_yr`` (:func:`siting.design.solve.local_design`).
    more_sites : int
        A bound of the designs alone that open at least this many sites more than each group's fewest
        (0: every design; :func:`siting.design.one_site.one_site_bound` bounds those that open more than one).

    Returns
    -------
    LagrangeBound
    """
    rounds = check_bound_rounds(column_rounds, "column_rounds")
    if isinstance(stop_gap, bool) or not isinstance(stop_gap, int | float) or not 0 <= stop_gap < 1:
        raise InputError(
            f"stop_gap must be a relative gap from 0 to below 1 (0.01: stop the column rounds at 1%), got {stop_gap!r}."
        )
    sites = _Sites(pb, threads)
    sites.fewest = sites.fewest + more_sites
    u = np.array(start[0], dtype=float)
    lam = np.maximum(np.array(start[1], dtype=float), 0.0)
    best, u, lam = _ascend(sites.solve, sites, u, lam, iterations, _THETA, _ALPHA, upper_bound_per_yr)
    ran = exact_iterations if local_flows(pb) <= EXACT_MAX_FLOWS else 0
    if ran > 0:  # from the best multipliers, each site's subproblem with whole drops
        exact, u, lam = _ascend(sites.solve_exact, sites, u, lam, ran, _THETA_EXACT, 1.0, upper_bound_per_yr)
        best = max(best, exact)
        rounds = max(rounds, EXACT_COLUMN_ROUNDS)
    if rounds > 0:  # from the LP's duals: the subgradient steps can leave rows' multipliers far out of scale
        dem = pb.demand_units_per_week
        enough = upper_bound_per_yr - stop_gap * abs(upper_bound_per_yr) if stop_gap > 0 else np.inf
        if best >= enough:  # the subgradient phases already proved the gap asked for
            return LagrangeBound(float(best), iterations, u, ran, rounds)
        upper = [float(upper_bound_per_yr)]  # the cheapest design's cost so far (``redesign`` may lower it)

        progress = _round_logger(upper, best, rounds, stop_gap) if rounds > EXACT_COLUMN_ROUNDS else None
        cg, cg_u, _, trace = column_bound(
            dem,
            sites.fewest,
            sites.group,
            sites.price_columns,
            start,
            rounds,
            enough=enough,
            on_round=progress,
            redesign=None if redesign is None else _to_prove(redesign, upper, stop_gap),
        )
        by_round = tuple(max(best, b) for b in trace)
        if cg > best:
            best, u = cg, cg_u
        return LagrangeBound(float(best), iterations, u, ran, rounds, by_round)
    return LagrangeBound(float(best), iterations, u, ran)


def _to_prove(
    redesign: Callable[[np.ndarray], float], upper: list[float], stop_gap: float
) -> Callable[[np.ndarray], float]:
    """``redesign`` as :func:`column_bound` asks it: the cheapest design's cost so far kept in ``upper[0]``, and the
    bound that proves it within ``stop_gap`` returned (inf: no stop)."""

    def ask(weights: np.ndarray) -> float:
        upper[0] = min(upper[0], redesign(weights))
        return upper[0] - stop_gap * abs(upper[0]) if stop_gap > 0 else np.inf

    return ask


def _round_logger(upper: list[float], floor: float, rounds: int, stop_gap: float) -> Callable[[int, float], None]:
    """A progress line per column round asked for beyond the default one (minutes on a city: say where it stands);
    the bound it reports is the best of the rounds' and the earlier phases' (``floor``), against the cheapest
    design so far (``upper[0]``: the rounds may find a cheaper one)."""

    def report(k: int, bound: float) -> None:
        best = max(bound, floor)
        gap = (upper[0] - best) / abs(upper[0]) if upper[0] else float("inf")
        asked = f", {stop_gap:.3%} asked" if stop_gap > 0 else ""
        log.info(
            "all-local proof: round %d of at most %d, the design proven within %.3f%%%s", k, rounds, 100 * gap, asked
        )

    return report


def local_flows(pb: DesignProblem) -> int:
    """The local flow columns of ``pb``'s all-local model: on-time lanes x families x seasons with demand.

    Parameters
    ----------
    pb : DesignProblem

    Returns
    -------
    int
    """
    lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
    return int((pb.demand_units_per_week[:, lanes[:, 1], :] > 0).sum())


def _ascend(
    solve: Callable[[np.ndarray, np.ndarray], tuple],
    sites: _Sites,
    u: np.ndarray,
    lam: np.ndarray,
    iterations: int,
    theta: float,
    alpha: float,
    upper_bound_per_yr: float,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Subgradient steps on ``solve``'s L(u, lam): the best value and its multipliers (-inf with no iteration)."""
    dem = sites.pb.demand_units_per_week
    best, best_u, best_lam, stall = -np.inf, u.copy(), lam.copy(), 0
    avg_supply, avg_counts = np.zeros_like(dem), np.zeros(len(sites.fewest))
    for i in range(iterations):
        value, supply, counts = solve(u, lam)[:3]
        weight = 1.0 if i == 0 else alpha  # the first solution, then a running average of them
        avg_supply = weight * supply + (1 - weight) * avg_supply
        avg_counts = weight * counts + (1 - weight) * avg_counts
        if value > best + 1e-9 * abs(value):
            best, best_u, best_lam, stall = value, u.copy(), lam.copy(), 0
        else:
            stall += 1
            if stall >= _STALL:
                theta, stall = theta / 2, 0
                u, lam = best_u.copy(), best_lam.copy()
        g_u = np.where(dem > 0, dem - avg_supply, 0.0)
        g_l = sites.fewest - avg_counts
        g_l = np.where((lam <= 0) & (g_l < 0), 0.0, g_l)
        norm = float((g_u**2).sum() + (g_l**2).sum())
        if norm <= 0:
            break
        step = theta * max(upper_bound_per_yr - value, 1e-6 * abs(upper_bound_per_yr)) / norm
        u = u + step * g_u
        lam = np.maximum(lam + step * g_l, 0.0)
    return float(best), best_u, best_lam


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
