"""Solve the design: the hybrid portfolio against all-offshore and all-local, and its tables."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.design.alllocal import (
    LOCAL_MILP_FLOWS,
    LOCAL_SEARCH_PASSES,
    MAX_SITE_SWAPS,
    SITE_SWAPS_MEANING,
    whole_store_local,
    with_fewest_sites,
)
from siting.design.bounded import MAX_NODES_CAP, POLICIES, _bounds, _solve, check_max_nodes
from siting.design.colgen import check_bound_rounds
from siting.design.curves import exact_cost_per_week
from siting.design.lagrange import local_lagrange_bound, lp_multipliers
from siting.design.model import DesignModel, build_model, drop_flows, set_drops
from siting.design.neighbourhood import adopt, lp_site_order, neighbourhood_solve
from siting.design.one_site import one_site_bound, one_site_x
from siting.design.problem import DesignProblem
from siting.design.start import greedy_local
from siting.errors import InfeasibleError, InputError, check_whole_count
from siting.milp import OPTIMAL_GAP, MilpSolution, relative_gap

__all__ = [
    "Design",
    "Portfolio",
    "solve_design",
    "portfolio",
    "local_design",
    "with_bound",
    "check_max_nodes",
    "MAX_NODES_CAP",
    "POLICIES",
]

log = logging.getLogger("siting")


#: Columns of :attr:`Design.drops`.
DROP_COLUMNS = ["store_id", "season", "origin", "units_per_week", "drops_per_week", "cost_per_drop", "cost_per_yr"]


@dataclass(frozen=True)
class Design:
    """One solved design (money per year; volumes in units per week of each season).

    ``status`` is the solver's honest status ("optimal" only at a proven gap <= 1e-4);
    ``cost_per_yr`` is the objective on the piecewise-linear curves, ``bound_per_yr`` the proven
    lower bound, ``exact_cost_per_yr`` the same design priced with the exact cost model.
    ``levels`` maps every opened site to its capacity level; ``hubs`` lists the opened hubs
    (their routes are the ``portfolio`` rows whose ``site`` reads ``hub:<id>``).
    """

    policy: str
    status: str
    gap: float
    cost_per_yr: float
    bound_per_yr: float
    exact_cost_per_yr: float
    time_s: float
    levels: dict[str, str]
    portfolio: pd.DataFrame = field(repr=False)
    capacity: pd.DataFrame = field(repr=False)
    x: np.ndarray = field(repr=False)
    hubs: tuple[str, ...] = ()
    #: The drops charged (a fixed cost per drop): :data:`DROP_COLUMNS`, one row per store,
    #: delivering origin (``direct``, a site id or ``hub:<id>``) and season: the units a week that
    #: origin brings, its drops a week and cost per drop (NaN when the problem gave no
    #: ``drops_per_week``) and their cost a year (drops x cost per drop x the season's weeks); that
    #: cost is already in the ``portfolio`` rows the origin delivers. Empty without a drop charge.
    drops: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


@dataclass(frozen=True)
class Portfolio:
    """The hybrid design and the two pure policies solved on the same model and gap.

    ``all_local`` is None when no all-local design exists (a store no site can reach in time).
    The hybrid starts from the better pure design, so its cost never exceeds either.
    """

    hybrid: Design
    all_offshore: Design
    all_local: Design | None


def _volumes(dm: DesignModel, pb: DesignProblem, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local (f, s, t) and offshore (f, t) weekly volumes of a solution."""
    n_s = len(pb.site_ids)
    n_f, n_j, n_t = pb.demand_units_per_week.shape
    local = np.zeros((n_f, n_s, n_t))
    np.add.at(local, (dm.xf, dm.lanes[dm.xp, 0], dm.xt), x[dm.x_cols])
    offshore = x[dm.yo_cols].sum(axis=1)
    return np.maximum(local, 0.0), np.maximum(offshore, 0.0)


def _polished(dm: DesignModel, sol: MilpSolution) -> MilpSolution:
    """``sol`` with no drop charged where its origin delivers nothing (the solver may leave one at its gap).

    Its objective, gap and status words are the polished design's.
    """
    assert sol.x is not None
    if not (dm.drop_direct_cols.size or dm.drop_lane_cols.size or dm.drop_hub_cols.size):
        return sol
    x = set_drops(dm, sol.x, tol=1e-7)
    if np.array_equal(x, sol.x):
        return sol
    objective = dm.model.objective(x)
    if objective >= sol.objective:
        return sol
    gap = relative_gap(objective, sol.bound)
    # the status words follow the new gap (they said the unpolished one: "stopped at gap 0.68%" beside 0.01%)
    status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
    if sol.status.endswith(" (time limit)"):
        status += " (time limit)"
    return dataclasses.replace(sol, x=x, objective=objective, gap=gap, status=status)


def _drop_table(dm: DesignModel, pb: DesignProblem, x: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The drops charged; their cost a week per unit of each lane (p, t) and per store's offshore routes (j, t)."""
    n_j, n_t = dm.yd_cols.shape
    cost = pb.drop_cost_of_store()
    direct, local, crossdock, hub = drop_flows(dm, x)
    lane_share = np.zeros((len(dm.lanes), n_t))
    route = np.zeros((n_j, n_t))
    rows = []

    def charged(cols: np.ndarray) -> tuple[np.ndarray, ...]:
        return np.nonzero((cols >= 0) & (np.round(x[np.maximum(cols, 0)]) > 0.5))

    for j, t in zip(*charged(dm.drop_direct_cols)):
        route[j, t] += cost[j]
        rows.append((j, t, "direct", direct[j, t]))
    for p, t in zip(*charged(dm.drop_lane_cols)):
        j, units = dm.lanes[p, 1], local[p, t] + crossdock[p, t]
        if units > 0:
            lane_share[p, t] = cost[j] / units
            route[j, t] += crossdock[p, t] * lane_share[p, t]
        rows.append((j, t, pb.site_ids[dm.lanes[p, 0]], units))
    if pb.hubs is not None:
        for q, t in zip(*charged(dm.drop_hub_cols)):
            h, j = pb.hubs.routes[q]
            route[j, t] += cost[j]
            rows.append((j, t, f"hub:{pb.hubs.hub_ids[h]}", hub[q, t]))
    count = np.full(n_j, np.nan) if pb.drops_per_week is None else np.asarray(pb.drops_per_week, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_drop = np.where(count > 0, cost / count, np.nan)
    table = pd.DataFrame(
        [
            (pb.store_ids[j], pb.season_names[t], origin, units, count[j], per_drop[j], cost[j] * pb.weeks_per_yr[t])
            for j, t, origin, units in rows
        ],
        columns=DROP_COLUMNS,
    )
    return table.sort_values(["store_id", "season", "origin"], ignore_index=True), lane_share, route


def _tables(dm: DesignModel, pb: DesignProblem, sol: MilpSolution, policy: str) -> Design:
    sol = _polished(dm, sol)
    x = sol.x
    assert x is not None
    drops, drop_share, drop_route = _drop_table(dm, pb, x)
    n_f, n_j, n_t = pb.demand_units_per_week.shape
    weeks = pb.weeks_per_yr
    opened = np.round(x[dm.open_cols]) > 0.5
    level = np.where(opened.any(axis=1), opened.argmax(axis=1), -1)
    local, offshore = _volumes(dm, pb, x)
    # unit production cost at each source's volume (interpolated, the objective's own figures)
    local_cpu = np.zeros_like(local)
    off_cpu = np.zeros_like(offshore)
    exact = float((pb.fixed_cost_per_yr * opened).sum())
    hours = np.zeros((len(pb.site_ids), n_t))
    buy = pb.buy_of_family()  # offshore: one buy per family, or per group of family rows (a national design)
    bought = np.zeros((len(pb.offshore_curves), n_t))
    np.add.at(bought, buy, offshore)
    for f in range(n_f):
        lc, oc = pb.local_curves[f], pb.offshore_curves[buy[f]]
        with np.errstate(divide="ignore", invalid="ignore"):
            local_cpu[f] = np.where(local[f] > 1e-9, lc.cost_at(local[f]) / local[f], 0.0)
            vol = bought[buy[f]]
            off_cpu[f] = np.where(vol > 1e-9, oc.cost_at(vol) / vol, 0.0)
        fam = pb.families[f]
        for s, t in zip(*np.nonzero(local[f] > 1e-9)):
            cost, runs = exact_cost_per_week(fam, "local", float(local[f, s, t]))
            exact += weeks[t] * cost
        hours += pb.machine_hours_per_unit[f] * local[f] + pb.changeover_hours_per_run[f] * lc.runs_at(local[f])
    for g, oc in enumerate(pb.offshore_curves):
        for t in np.flatnonzero(bought[g] > 1e-9):
            extra = oc.brand_extra_units_per_week
            exact += weeks[t] * exact_cost_per_week(pb.buy_family(g), "offshore", float(bought[g, t]), extra)[0]
    rows = []
    xv = x[dm.x_cols]
    for i in np.flatnonzero(xv > 1e-7):
        p, f, t = dm.xp[i], dm.xf[i], dm.xt[i]
        s, j = dm.lanes[p]
        units = xv[i]
        cpu = local_cpu[f, s, t] + dm.lane_cost_per_unit[p] + drop_share[p, t]
        rows.append(
            (
                pb.site_ids[s],
                pb.family_names[f],
                pb.store_ids[j],
                pb.season_names[t],
                "local",
                units,
                units * cpu * weeks[t],
            )
        )
    # offshore units of a store share its routes (direct / cross-dock) pro rata
    yo = x[dm.yo_cols]
    yd = x[dm.yd_cols]
    yx = x[dm.yx_cols] if dm.yx_cols.size else np.zeros((0, n_t))
    route_cost = yd * (pb.direct_cost_per_unit[:, None]) + drop_route  # the offshore drops' fixed cost too
    via: dict[tuple[int, int], list[tuple[str, float]]] = {}
    for r, t in zip(*np.nonzero(yx > 1e-7)):
        lane = dm.xd_lanes[r]
        s, j = pb.lanes[lane]
        route_cost[j, t] += yx[r, t] * (pb.crossdock_cost_per_unit[s] + pb.lane_cost_per_unit[lane])
        via.setdefault((j, t), []).append((pb.site_ids[s], yx[r, t]))
    hubs = pb.hubs
    opened_hubs: tuple[str, ...] = ()
    if hubs is not None and dm.yh_cols.size:  # offshore through an opened hub (siting.design.hubs)
        yh = x[dm.yh_cols]
        for q, t in zip(*np.nonzero(yh > 1e-7)):
            h, j = hubs.routes[q]
            route_cost[j, t] += yh[q, t] * hubs.route_cost_per_unit[q]
            via.setdefault((j, t), []).append((f"hub:{hubs.hub_ids[h]}", yh[q, t]))
        is_open = np.round(x[dm.hub_open_cols]) > 0.5
        opened_hubs = tuple(h for h, o in zip(hubs.hub_ids, is_open) if o)
        exact += float((hubs.fixed_cost_per_yr * is_open).sum())
    total_off = yo.sum(axis=0)
    for f, j, t in zip(*np.nonzero(yo > 1e-7)):
        units = yo[f, j, t]
        deliver = route_cost[j, t] / total_off[j, t]
        routes = via.get((j, t), [])
        site = "; ".join(name for name, _ in routes) if routes else ""
        kinds = "/".join(sorted({"hub" if name.startswith("hub:") else "site" for name, _ in routes}))
        source = (
            "offshore direct"
            if not routes
            else (f"offshore via {kinds}" if yd[j, t] <= 1e-7 else f"offshore direct + via {kinds}")
        )
        cost = units * (off_cpu[f, t] + deliver) * weeks[t]
        rows.append((site, pb.family_names[f], pb.store_ids[j], pb.season_names[t], source, units, cost))
    exact += float(weeks @ (route_cost.sum(axis=0)))
    exact += float((xv * (dm.lane_cost_per_unit[dm.xp] + drop_share[dm.xp, dm.xt]) * weeks[dm.xt]).sum())
    cols = ["site", "family", "store_id", "season", "source", "units_per_week", "cost_per_yr"]
    table = pd.DataFrame(rows, columns=cols).sort_values(cols[:5], ignore_index=True)
    cap = []
    for s in np.flatnonzero(level >= 0):
        h = pb.hours_per_week[s, level[s]]
        for t in range(n_t):
            cap.append((pb.site_ids[s], pb.level_names[level[s]], pb.season_names[t], h, hours[s, t], hours[s, t] / h))
    capacity = pd.DataFrame(
        cap, columns=["site", "level", "season", "hours_per_week", "used_hours_per_week", "utilisation"]
    )
    levels = {pb.site_ids[s]: pb.level_names[level[s]] for s in np.flatnonzero(level >= 0)}
    status, gap, obj, bound = sol.status, sol.gap, sol.objective, sol.bound
    return Design(policy, status, gap, obj, bound, exact, sol.time_s, levels, table, capacity, x, opened_hubs, drops)


def solve_design(
    pb: DesignProblem,
    policy: str = "hybrid",
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    model: DesignModel | None = None,
    start: np.ndarray | None = None,
    heuristic: bool = True,
    max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
) -> Design:
    """Solve one policy of the design problem.

    Parameters
    ----------
    pb : DesignProblem
    policy : {"hybrid", "offshore", "local"}
        ``offshore``: no local production (sites may still open to cross-dock); ``local``: no
        offshore units.
    time_limit_s, mip_gap : float
        Solver limits; the status reports the proven gap. Without ``max_nodes`` the policy's
        solves share ``time_limit_s`` of wall clock (the result then depends on the machine's
        load); with it, ``time_limit_s`` is a safety net per HiGHS call.
    model : DesignModel, optional
        A model built by :func:`build_model` (reused across solves).
    start : ndarray, optional
        A feasible solution of the same model to start from.
    heuristic : bool
        Hybrid only (more than 3 sites): first solve a smaller MILP on the sites the LP
        relaxation opens most (about a fifth of them), and start from its design.
    max_nodes : int, optional
        Branch-and-bound nodes of each HiGHS solve (``mip_max_nodes``): a limit on work, so the
        same inputs give the same design on any machine and load (HiGHS runs on one thread).
    neighbourhood_sites : int, optional
        Hybrid with ``max_nodes``: solve only on the start's sites and this many more, the ones
        the LP relaxation opens most (:func:`siting.design.neighbourhood.neighbourhood_solve`), the
        bound from the LP relaxation. HiGHS's root cut loop, which no node limit bounds, then stays
        short, so the design does not depend on the clock (``time_limit_s`` is a safety net).

    Returns
    -------
    Design
    """
    max_nodes = check_max_nodes("max_nodes", max_nodes)
    t0 = time.perf_counter()
    dm = model or build_model(pb)
    if policy == "hybrid" and neighbourhood_sites is not None and max_nodes is not None:
        sol = neighbourhood_solve(
            dm,
            pb,
            start=start,
            max_nodes=max_nodes,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            sites=neighbourhood_sites,
        )
        if not sol.has_solution:
            raise InfeasibleError(f"the {policy} design: {sol.status}; raise the time limit or the capacity levels.")
        return dataclasses.replace(_tables(dm, pb, sol, policy), time_s=time.perf_counter() - t0)
    if policy == "hybrid" and heuristic and len(pb.site_ids) > 3:
        start = _restricted_start(dm, pb, start, time_limit_s=time_limit_s, mip_gap=mip_gap, max_nodes=max_nodes)
    left = time_limit_s if max_nodes is not None else time_limit_s - (time.perf_counter() - t0)
    sol = _solve(dm, pb, policy, time_limit_s=left, mip_gap=mip_gap, start=start, max_nodes=max_nodes)
    if not sol.has_solution:
        raise InfeasibleError(f"the {policy} design: {sol.status}; raise the time limit or the capacity levels.")
    return dataclasses.replace(_tables(dm, pb, sol, policy), time_s=time.perf_counter() - t0)


def _restricted_start(
    dm: DesignModel, pb: DesignProblem, start, *, time_limit_s: float, mip_gap: float, max_nodes: int | None = None
):
    """A good first design: solve the LP relaxation, keep the sites it opens most, solve that smaller MILP.

    Sites are taken 3, then 6, 12, ... by their LP opening; each smaller MILP starts from the last
    design. Without ``max_nodes`` this uses at most ~45% of ``time_limit_s`` of wall clock; with it
    every round runs (each solve stops at ``max_nodes`` nodes, ``time_limit_s`` a safety net), so
    the start does not depend on the machine's load. Returns the cheaper of it and ``start``
    (both feasible for the full model), or ``start`` when it finds nothing.
    """
    t0 = time.perf_counter()
    n_s = len(pb.site_ids)
    lb, ub = _bounds(dm, pb, "hybrid")
    lp_limit_s = time_limit_s if max_nodes is not None else 0.25 * time_limit_s
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True, time_limit_s=lp_limit_s)
    if not lp.has_solution or lp.x is None:
        return start
    score = lp.x[dm.open_cols].sum(axis=1)
    order = [int(s) for s in np.argsort(-score, kind="stable") if score[s] > 1e-6]
    if max_nodes is None:
        left = lambda: 0.45 * time_limit_s - (time.perf_counter() - t0)  # noqa: E731
    else:
        left = lambda: time_limit_s  # noqa: E731
    best_x, best_obj = (start, dm.model.objective(start)) if start is not None else (None, np.inf)
    k = 3
    while left() > 0:  # 3 sites, then 6, 12, ...: each smaller MILP starts from the last design
        closed = [s for s in range(n_s) if s not in order[:k]]
        x0 = best_x if best_x is not None and not np.any(best_x[dm.open_cols[closed]] > 0.5) else None
        if x0 is None:
            base = _solve(
                dm, pb, "offshore", time_limit_s=max(left(), 0.01), mip_gap=mip_gap, closed=closed, max_nodes=max_nodes
            )
            x0 = base.x
        if left() <= 0:
            break
        sub = _solve(
            dm,
            pb,
            "hybrid",
            time_limit_s=left(),
            mip_gap=max(mip_gap, 0.002),
            start=x0,
            closed=closed,
            max_nodes=max_nodes,
        )
        if sub.has_solution and sub.objective < best_obj:
            best_x, best_obj = sub.x, sub.objective
        if k >= len(order):
            break
        k *= 2
    return best_x


def portfolio(
    pb: DesignProblem,
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    late_penalty_per_unit: float = 1e-3,
    max_sites: int | None = None,
    site_group: np.ndarray | None = None,
    max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
    local_bound_rounds: int = 0,
    local_swaps: int = 0,
) -> tuple[Portfolio, DesignModel]:
    """The hybrid design with the all-offshore and all-local designs on the same model and gap.

    The hybrid and all-offshore solves get ``time_limit_s`` each, the all-local one a fifth of it
    (at least 1 s), starting from a greedy all-local design. With ``max_nodes`` the all-local
    design is that greedy design (its status gives its gap against the LP or Lagrangian bound): HiGHS's root
    cut loop on this policy is bounded by no node limit. The hybrid starts from the cheaper pure design
    (both are feasible hybrids), so ``hybrid.cost_per_yr <= min(pure costs)`` always holds.

    Parameters
    ----------
    pb : DesignProblem
    time_limit_s, mip_gap : float
    late_penalty_per_unit : float
        Cost per unit delivered outside the promise, used only by outages (:func:`resilience`);
        the default is a tie-break that prefers on-time sources at equal cost.
    max_sites : int, optional
        At most this many sites open, in all three policies (None: as many as lower the cost).
    site_group : ndarray of int, optional
        With ``max_sites``: the cap holds per group of sites (see :func:`build_model`).
    max_nodes : int, optional
        Branch-and-bound nodes per HiGHS solve (see :func:`solve_design`): the deterministic
        limit; ``time_limit_s`` is then a safety net per solve (the all-local one gets all of it).
    neighbourhood_sites : int, optional
        With ``max_nodes``: the hybrid is solved on a neighbourhood of sites (see :func:`solve_design`).
    local_bound_rounds : int
        Column-generation rounds that tighten the all-local design's proven bound (see :func:`local_design`).
    local_swaps : int
        Site swaps tried on the all-local design's whole-store start (see :func:`local_design`).

    Returns
    -------
    tuple of (Portfolio, DesignModel)
    """
    if max_sites is not None and (
        isinstance(max_sites, bool) or not isinstance(max_sites, int | np.integer) or max_sites < 1
    ):
        raise InputError(f"max_sites must be a whole number >= 1 (or None), got {max_sites!r}.")
    max_nodes = check_max_nodes("max_nodes", max_nodes)
    local_bound_rounds = check_bound_rounds(local_bound_rounds, "local_bound_rounds")
    local_swaps = check_whole_count(local_swaps, "local_swaps", MAX_SITE_SWAPS, SITE_SWAPS_MEANING)
    dm = build_model(pb, late_penalty_per_unit=late_penalty_per_unit, max_sites=max_sites, site_group=site_group)
    off = solve_design(pb, "offshore", model=dm, time_limit_s=time_limit_s, mip_gap=mip_gap, max_nodes=max_nodes)
    loc = local_design(
        dm,
        pb,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        max_nodes=max_nodes,
        neighbourhood_sites=neighbourhood_sites,
        bound_rounds=local_bound_rounds,
        swaps=local_swaps,
    )
    best = off if loc is None or off.cost_per_yr <= loc.cost_per_yr else loc
    hyb = solve_design(
        pb,
        "hybrid",
        model=dm,
        start=best.x,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        max_nodes=max_nodes,
        neighbourhood_sites=neighbourhood_sites,
    )
    if hyb.cost_per_yr > best.cost_per_yr:  # HiGHS kept a worse incumbent: the pure design is a hybrid too
        hyb = _tables(dm, pb, _as_solution(dm, best, hyb), "hybrid")
    return Portfolio(hyb, off, loc), dm


def local_design(
    dm: DesignModel,
    pb: DesignProblem,
    *,
    time_limit_s: float,
    mip_gap: float,
    max_nodes: int | None,
    neighbourhood_sites: int | None = None,
    bound_rounds: int = 0,
    swaps: int = 0,
) -> Design | None:
    """The all-local design, or None when some store has no local source within the promise.

    Its model is ``dm``'s plus the fewest sites each group of stores needs
    (:func:`siting.design.alllocal.with_fewest_sites`, the same columns). It starts from the
    cheapest greedy design (family by family, or whole stores improved by local search:
    :func:`siting.design.alllocal.whole_store_local`). With ``max_nodes`` and
    ``neighbourhood_sites`` it is solved as the hybrid is, a MILP under ``max_nodes`` nodes on the
    start's sites and the ``neighbourhood_sites`` the all-local LP relaxation opens most
    (:func:`siting.design.neighbourhood.neighbourhood_solve`), the same on any machine and load,
    its gap proven against the LP bound (its own bound when that is every site), when this
    neighbourhood has at most :data:`~siting.design.alllocal.LOCAL_MILP_FLOWS` local flow columns
    and is no larger than the hybrid's (the start's sites among the LP's ``neighbourhood_sites``)
    or holds every site. Otherwise (or with ``max_nodes`` alone) it is the start, its gap against
    the LP bound: no node limit bounds HiGHS's root cut loop, which on the Helsinki demo's 6-site
    all-local neighbourhood and on Malta gzira's 6 of 6 sites ran into the 60 s safety net.
    Without either HiGHS improves the greedy design for a fifth of ``time_limit_s`` (at least 1 s).
    In every case the reported bound is the larger of that bound and the Lagrangian one
    (:func:`siting.design.lagrange.local_lagrange_bound`, from the LP's duals, its last iterations
    with whole drops in each site's subproblem, then ``bound_rounds`` rounds of column
    generation), both valid; the Lagrangian (and any round) is skipped when that bound already
    proves the design within ``mip_gap``. With ``bound_rounds`` asked for, each round's master says
    which sites a cheap design opens: a whole-store design opening them first replaces the start
    when cheaper (:class:`_MasterSites`), and the rounds stop at its gap. When one site may serve
    every store, the bound is split on one site against more
    (:func:`siting.design.one_site.one_site_bound`): the cheapest one-site design, priced exactly,
    replaces a dearer design, and the smaller of its cost and the bound of two sites or more proves it.

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    time_limit_s, mip_gap : float
    max_nodes : int, optional
    neighbourhood_sites : int, optional
        With ``max_nodes``: the sites the MILP may open besides the start's.
    bound_rounds : int
        The most column-generation rounds after the Lagrangian's subgradient steps (0 to 500;
        default 0; at least the whole-drop phase's :data:`siting.design.lagrange.EXACT_COLUMN_ROUNDS`
        on problems of at most :data:`siting.design.lagrange.EXACT_MAX_FLOWS` flows), each solving
        every site's MILP (:func:`siting.design.colgen.column_bound`): a tighter proven bound for
        seconds a round; they stop once the design is proven within
        ``mip_gap`` (Helsinki demo: see docs/portfolio.md).
    swaps : int
        Site swaps tried on the cheaper whole-store start (0 to 10,000; default 0): close one
        open site, open another, re-assign every store (:func:`siting.design.alllocal.whole_store_local`),
        a fraction of a second each on a city. A cheaper all-local design, never a dearer one.

    Returns
    -------
    Design or None
    """
    loc: Design | None = None
    reach = np.zeros(len(pb.store_ids), bool)
    reach[pb.lanes[:, 1]] = True
    if reach[pb.demand_units_per_week.sum(axis=(0, 2)) > 0].all():  # else some store has no local source in time
        # the all-local model: every group of stores opens at least the sites its machine hours need
        dm_local = with_fewest_sites(dm, pb)
        # HiGHS alone often finds no all-local design in its time (the concave curves' binaries):
        # start it from the cheapest greedy one (family by family, or whole stores)
        greedy, lp = _local_start(dm_local, pb, time_limit_s, swaps)
        # a fifth of the limit: its LP bound is weak (Helsinki demo: 5.9-6.0% after 5 s and after 10 s alike)
        local_limit_s = min(time_limit_s, max(1.0, time_limit_s / 5))
        if max_nodes is not None and neighbourhood_sites is not None and greedy is not None:
            # as the hybrid: a MILP on a neighbourhood of sites bounded by nodes, from the greedy design
            # (the greedy design alone stood 22.49% above its LP bound on the Kotka demo)
            sol = neighbourhood_solve(
                dm_local,
                pb,
                start=greedy,
                max_nodes=max_nodes,
                time_limit_s=time_limit_s,
                mip_gap=mip_gap,
                sites=neighbourhood_sites,
                policy="local",
                max_allowed=neighbourhood_sites,
                max_flows=LOCAL_MILP_FLOWS,
            )
            if sol.status.startswith("neighbourhood of") and np.isfinite(sol.objective):
                sol = adopt(dm, pb, greedy, sol.objective)  # the greedy design against the LP's bound
            elif not sol.has_solution:
                sol = _start_solution(dm_local, pb, greedy, time_limit_s, lp)
            elif sol.objective > dm.model.objective(greedy) * (1 + 1e-9):  # HiGHS kept a worse incumbent
                sol = dataclasses.replace(adopt(dm, pb, greedy, sol.bound), time_s=sol.time_s)
            loc = _tables(dm, pb, sol, "local")
            log.debug("all-local neighbourhood MILP: %s, %d nodes, %.2f s", sol.status, sol.nodes, sol.time_s)
        elif max_nodes is not None:
            # no node limit bounds HiGHS's root cut loop, which on this policy runs for minutes (Helsinki
            # demo: 0 nodes after 120 s, 5.8% gap): the deterministic all-local design is the greedy one,
            # its gap proven against the LP bound
            loc = (
                None
                if greedy is None
                else _tables(dm, pb, _start_solution(dm_local, pb, greedy, time_limit_s, lp), "local")
            )
        else:
            try:
                loc = solve_design(
                    pb,
                    "local",
                    model=dm_local,
                    start=greedy,
                    time_limit_s=local_limit_s,
                    mip_gap=mip_gap,
                    max_nodes=max_nodes,
                )
            except InfeasibleError:  # the limit came before HiGHS took the start: report the greedy design
                loc = None if greedy is None else _tables(dm, pb, _start_solution(dm_local, pb, greedy, lp=lp), "local")
        if loc is not None:
            loc = _with_lagrange_bound(loc, dm_local, pb, lp, bound_rounds, mip_gap)
    return loc


def _with_lagrange_bound(
    loc: Design, dm: DesignModel, pb: DesignProblem, lp: MilpSolution, bound_rounds: int = 0, mip_gap: float = 0.0
) -> Design:
    """``loc`` with the all-local Lagrangian bound when it beats its own (both valid: the larger is reported).

    The bound (:func:`siting.design.lagrange.local_lagrange_bound`) starts from the LP
    relaxation's duals, a fixed number of iterations (deterministic); its column rounds stop once
    the design is proven within ``mip_gap``. A design its own solve already proved within ``mip_gap``
    is returned as it is, with no round run (on small cities the bound's iterations took most of the
    design's time, for a gap already proven). With ``bound_rounds`` asked for, a cheaper design that
    the rounds' masters' sites give (:class:`_MasterSites`) replaces ``loc``, proven against the
    larger of the bounds. Still above ``mip_gap``, a problem whose stores one site may serve is then
    split on one site against more (:func:`_split_on_one_site`).
    """
    if loc.gap <= mip_gap:  # proven within the gap asked for: the bound (and any round) would only tighten it
        return loc
    start = lp_multipliers(dm, pb, lp)
    if start is None or not np.isfinite(loc.cost_per_yr):
        return loc
    # designs from the masters' sites only with rounds asked for: the default round's master rarely uses a
    # site yet, and on small cities the searches cost about 10% more CPU for the design (20 random instances)
    redesign = _MasterSites(dm, pb, loc.cost_per_yr) if bound_rounds > 0 else None
    lagr = local_lagrange_bound(
        pb, loc.cost_per_yr, start=start, column_rounds=bound_rounds, stop_gap=mip_gap, redesign=redesign
    )
    log.debug("all-local Lagrangian bound %.0f (the design's own %.0f)", lagr.bound_per_yr, loc.bound_per_yr)
    if redesign is not None and redesign.x is not None:  # a cheaper design from the rounds' sites replaces loc
        log.info(
            "all-local: the column rounds' sites gave a cheaper design, %s a year (was %s)",
            f"{redesign.cost_per_yr:,.0f}",
            f"{loc.cost_per_yr:,.0f}",
        )
        found = _tables(dm, pb, _start_solution(dm, pb, redesign.x, lp=lp), "local")
        loc = with_bound(found, max(lagr.bound_per_yr, loc.bound_per_yr, found.bound_per_yr))
    elif lagr.bound_per_yr > loc.bound_per_yr:
        loc = with_bound(loc, lagr.bound_per_yr)
    return _split_on_one_site(loc, dm, pb, lp, start, bound_rounds, mip_gap)


def _split_on_one_site(
    loc: Design,
    dm: DesignModel,
    pb: DesignProblem,
    lp: MilpSolution,
    start: tuple[np.ndarray, np.ndarray],
    bound_rounds: int,
    mip_gap: float,
) -> Design:
    """``loc`` proven by the split on one site against more (:func:`siting.design.one_site.one_site_bound`) when that
    bound is the larger, or the cheapest one-site design when it is cheaper than ``loc``; ``loc`` within ``mip_gap``
    or with several groups of stores, or groups that need two sites, as it is."""
    if loc.gap <= mip_gap:
        return loc
    split = one_site_bound(pb, start, column_rounds=bound_rounds)
    if split is None:
        return loc
    if split.one_site_cost_per_yr < loc.cost_per_yr * (1 - 1e-9):
        x = one_site_x(dm, pb, split.site, split.level)
        if x is not None:
            log.info(
                "all-local: the cheapest design of one site, %s, is cheaper: %s a year (was %s)",
                pb.site_ids[split.site],
                f"{split.one_site_cost_per_yr:,.0f}",
                f"{loc.cost_per_yr:,.0f}",
            )
            found = _tables(dm, pb, _start_solution(dm, pb, x, lp=lp), "local")
            loc = with_bound(found, max(loc.bound_per_yr, found.bound_per_yr))
    bound = min(split.bound_per_yr, loc.cost_per_yr)
    if not bound > loc.bound_per_yr:
        return loc
    log.debug(
        "all-local: one site at least %.0f, two or more at least %.0f: the design proven within %.2f%% (was %.2f%%)",
        split.one_site_cost_per_yr,
        split.more_sites_bound_per_yr,
        100 * relative_gap(loc.cost_per_yr, bound),
        100 * loc.gap,
    )
    return with_bound(loc, bound)


#: A site whose plans the column rounds' master uses at least this share of leads the design it suggests.
_MASTER_SHARE = 1e-6


class _MasterSites:
    """Whole-store all-local designs opening the sites the column rounds' master uses, the most used first.

    The master (:func:`siting.design.colgen.column_bound`) mixes each site's plans: a site it uses
    whole is one a cheap design opens. Called with those shares, this runs the whole-store greedy
    and its local search (:func:`siting.design.alllocal.whole_store_local`) with the sites it uses
    first, by share, then the others by fixed cost per hour, once per such order, and keeps the
    cheapest design cheaper than the start: on the Malta demo's tarxien cluster the start (400 site
    swaps) opened 3 sites at 2,581,896 EUR a year while the master used two others whole and a third
    mostly; opening those gave 2,566,913 (see docs/portfolio.md). Returns the cheapest cost so far
    (EUR a year).
    """

    def __init__(self, dm: DesignModel, pb: DesignProblem, cost_per_yr: float) -> None:
        self.dm, self.pb = dm, pb
        self.cost_per_yr = float(cost_per_yr)
        self.x: np.ndarray | None = None
        self._by_hour = [int(s) for s in _by_fixed_cost_per_hour(pb)]
        self._tried: set[tuple[int, ...]] = set()

    def __call__(self, shares: np.ndarray) -> float:
        lead = [int(s) for s in np.argsort(-shares, kind="stable") if shares[s] > _MASTER_SHARE]
        if lead and tuple(lead) not in self._tried:
            self._tried.add(tuple(lead))
            order = np.array(lead + [s for s in self._by_hour if s not in set(lead)])
            x = whole_store_local(self.dm, self.pb, order, LOCAL_SEARCH_PASSES)
            cost = np.inf if x is None else self.dm.model.objective(x)
            if cost < self.cost_per_yr * (1 - 1e-9):
                self.cost_per_yr, self.x = float(cost), x
        return self.cost_per_yr


def with_bound(design: Design, bound_per_yr: float, extra_time_s: float = 0.0) -> Design:
    """``design`` proven against ``bound_per_yr``, a tighter valid bound: its gap and status words follow.

    Parameters
    ----------
    design : Design
    bound_per_yr : float
        A lower bound of the policy's optimum (EUR a year), above ``design.bound_per_yr``.
    extra_time_s : float
        Seconds the bound took, added to ``design.time_s``.

    Returns
    -------
    Design
    """
    gap = relative_gap(design.cost_per_yr, bound_per_yr)
    status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
    if design.status.endswith(" (time limit)") and status != "optimal":
        status += " (time limit)"
    return dataclasses.replace(
        design, status=status, gap=gap, bound_per_yr=bound_per_yr, time_s=design.time_s + extra_time_s
    )


def _local_start(
    dm: DesignModel, pb: DesignProblem, time_limit_s: float, swaps: int = 0
) -> tuple[np.ndarray | None, MilpSolution]:
    """The cheapest of the greedy all-local designs: family by family, and whole stores improved by local search
    (sites by fixed cost per hour of their largest level, or by how much the all-local LP relaxation opens
    them), the cheaper whole-store one then improved by ``swaps`` site swaps; None when none exists; and the
    all-local LP relaxation.
    """
    by_hour = _by_fixed_cost_per_hour(pb)
    lp, by_lp = lp_site_order(dm, pb, time_limit_s=time_limit_s, policy="local")
    orders = [by_hour, by_lp] if lp.has_solution else [by_hour]
    whole = [whole_store_local(dm, pb, order, LOCAL_SEARCH_PASSES) for order in orders]
    starts = [greedy_local(dm, pb, by_hour), *whole]
    priced = [(dm.model.objective(x), k) for k, x in enumerate(whole) if x is not None]
    if swaps > 0 and priced:  # the cheaper whole-store start (the first of equal costs), its sites swapped
        starts.append(whole_store_local(dm, pb, orders[min(priced)[1]], LOCAL_SEARCH_PASSES, swaps))
    found = [x for x in starts if x is not None]
    if not found:
        return None, lp
    return min(found, key=dm.model.objective), lp  # the first of equal costs (deterministic)


def _by_fixed_cost_per_hour(pb: DesignProblem) -> np.ndarray:
    """The sites by the fixed cost a year per weekly hour of their cheapest level, cheapest first (stable)."""
    per_hour = np.where(pb.level_ok, pb.fixed_cost_per_yr / np.maximum(pb.hours_per_week, 1e-9), np.inf).min(axis=1)
    return np.argsort(per_hour, kind="stable")


def _as_solution(dm: DesignModel, pure: Design, hyb: Design) -> MilpSolution:
    gap = relative_gap(pure.cost_per_yr, hyb.bound_per_yr)
    status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
    return MilpSolution(status, pure.cost_per_yr, hyb.bound_per_yr, gap, hyb.time_s, pure.x, dm.model.blocks)


def _start_solution(
    dm: DesignModel, pb: DesignProblem, x: np.ndarray, time_limit_s: float = 10.0, lp: MilpSolution | None = None
) -> MilpSolution:
    """A hand-built feasible all-local design as a solution, its gap against the policy's LP bound."""
    if lp is None:  # the policy's LP relaxation, unless given
        lb, ub = _bounds(dm, pb, "local")
        lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True, time_limit_s=time_limit_s)
    objective = dm.model.objective(x)
    bound = lp.objective if lp.has_solution else -np.inf
    gap = relative_gap(objective, bound)
    status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
    return MilpSolution(status, objective, bound, gap, 0.0, x, dm.model.blocks)
