"""Shared-network design: which sites to open, at which capacity, serving which brand in which season (HiGHS MILP)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from siting.errors import InfeasibleError, InputError
from siting.milp import MilpSolution, Model, status_words
from siting.share.grouping import demand_groups as _groups
from siting.share.problem import KINDS, ShareProblem
from siting.share.runcount import add_run_columns, run_brands, runs_of_design
from siting.share.slacaps import SlaCaps, brand_hours
from siting.share.slarows import sla_rows

__all__ = ["DesignResult", "cap_hours", "design_network"]

#: Binary blocks rounded up for the warm start: a site's priority units, a brand's runs at a site in a season.
PRESENCE_BLOCKS = ("prio_here", "runs_here")

COST_PARTS = ("rent", "setup", "production", "delivery", "inventory", "carry", "flex", "offshore", "backlog")


def _empty() -> np.ndarray:
    return np.zeros(0)


@dataclass(frozen=True)
class DesignResult:
    """A shared-network design.

    Attributes
    ----------
    brands : tuple of int
        The brands (indices) this design serves.
    level : ndarray of int, shape (n,)
        Capacity level opened at each site, -1 for closed.
    flow_units_per_week : ndarray, shape (n, m, T)
        Units per week site -> store in each season.
    offshore_units_per_week : ndarray, shape (m, T)
    cost_per_yr : dict
        ``rent``, ``setup``, ``production``, ``delivery``, ``inventory``, ``offshore`` and ``total``.
    lower_bound : float
        The solver's proven lower bound on the total cost per year.
    gap : float
        ``(total - lower_bound) / total``, from the best bound known (the MIP's or the LP relaxation's).
    status : str
        "optimal" only when the gap is proven <= 1e-4; otherwise "stopped at gap g (why)".
    runtime_s : float
    warm_start_cost : float
        Total cost of the heuristic warm start (LP relaxation rounded up).
    n_groups : int
        Demand groups the model solved (stores merged, see ``design_network``).
    grouping_slack_per_yr : float
        The most that serving grouped stores separately could save per year; already taken off
        ``lower_bound`` (so the bound and gap hold for the per-store problem).
    made_units_per_week : ndarray, shape (n, m, T)
        Units made at each site for each store in each season (per week of the season made);
        ``flow_units_per_week`` is by the season sold, pre-built stock included.
    carried_units_per_yr : ndarray, shape (T, T)
        Units per year made in season s (row) and sold in a later season s2 (column).
    carried_store_units_per_yr : ndarray, shape (n, m)
        Units per year each site pre-builds for each store.
    backlog_units_per_week : ndarray, shape (m, T)
        Demand left unmade (costed at ``backlog_cost_per_unit``).
    hours_per_week : ndarray, shape (n, P, T)
        Machine-hours per week each site's processes are busy or held for a reservation, per season.
    flex_hours_per_week : ndarray, shape (n, P, T)
        Of those, the flexible (overtime) hours beyond ``max_utilisation`` x the level's regular hours.
    reserved_hours_per_week : ndarray, shape (n, B, P)
        Where each brand's reserved hours are held.
    carry_cost_by_brand_per_yr : ndarray, shape (B,)
        Carry-over cost of each brand's pre-built stock.
    sla_cap_hours_per_week : ndarray, shape (n, P, T, 3)
        Most machine-hours a week the lane classes up to k (priority; priority + standard, at the
        design's own priority hours; all) may load at each open site's level, per process and season
        (the design's SLA rows, :func:`siting.share.slacaps.design_caps`; the level's full hours where
        no row binds; 0 for a closed site).
    runs_per_week : ndarray, shape (n, B, T)
        Runs a week of each brand at each site in each season whose changeovers the design pays:
        ``made / run_units``, or with ``runs_in_design`` the catchment's count where a brand with an SLA
        is made (:func:`siting.share.runcount.runs_of_design`).
    """

    brands: tuple[int, ...]
    level: np.ndarray
    flow_units_per_week: np.ndarray
    offshore_units_per_week: np.ndarray
    cost_per_yr: dict[str, float]
    lower_bound: float
    gap: float
    status: str
    runtime_s: float
    warm_start_cost: float
    n_groups: int = 0
    grouping_slack_per_yr: float = 0.0
    made_units_per_week: np.ndarray = field(default_factory=_empty)
    carried_units_per_yr: np.ndarray = field(default_factory=_empty)
    carried_store_units_per_yr: np.ndarray = field(default_factory=_empty)
    backlog_units_per_week: np.ndarray = field(default_factory=_empty)
    hours_per_week: np.ndarray = field(default_factory=_empty)
    flex_hours_per_week: np.ndarray = field(default_factory=_empty)
    reserved_hours_per_week: np.ndarray = field(default_factory=_empty)
    carry_cost_by_brand_per_yr: np.ndarray = field(default_factory=_empty)
    sla_cap_hours_per_week: np.ndarray = field(default_factory=_empty)
    runs_per_week: np.ndarray = field(default_factory=_empty)

    @property
    def total_per_yr(self) -> float:
        """Total cost per year."""
        return self.cost_per_yr["total"]

    @property
    def open_sites(self) -> np.ndarray:
        """Indices of the opened sites."""
        return np.flatnonzero(self.level >= 0)


@dataclass(frozen=True)
class _Model:
    milp: Model  # blocks: open (n*L), local (P, T), carry (C,), offshore (O, T), backlog (K, T), flex, reserve, excess
    n_y: int
    pairs: np.ndarray  # (P, 2) site, group of each x column block
    off_groups: np.ndarray  # groups with an offshore column
    demand: np.ndarray  # (G, T) weekly units of each group
    members: np.ndarray  # stores of the model
    group_of: np.ndarray  # group of each member store
    slack_per_yr: float  # the most splitting the groups could save per year
    carry: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=int))  # (C, 3) pair, made, sold
    backlog_groups: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    reserve_keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))  # (R, 2) brand, process
    caps: SlaCaps | None = None  # the coalition's SLA rows
    run_keys: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=int))  # (K, 3) brand, site, season
    # (C, 2) a column making units of a keyed brand, site and season and its ``runs_here`` binary: column <= binary
    run_pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))


def _build(
    pb: ShareProblem,
    brands: Sequence[int],
    time_tol_s: float,
    cost_tol_per_unit: float,
    sla_caps: SlaCaps | None = None,
) -> _Model:
    n, lv = pb.n_sites, len(pb.capacity_units_per_week)
    t_count = len(pb.season_names)
    weeks = np.asarray(pb.season_weeks, dtype=float)
    store_demand = pb.season_demand()
    in_set = np.isin(pb.store_brand, list(brands)) & (store_demand.sum(axis=1) > 0)
    ok_store = pb.eligible(brands) & in_set[None, :]
    prio_store = np.array([pb.brand_kind[b] == "priority" for b in pb.store_brand])
    can_wait = np.isfinite(np.asarray(pb.backlog_cost_per_unit))
    orphans = np.flatnonzero(in_set & prio_store & ~ok_store.any(axis=0) & ~can_wait[pb.store_brand])
    if len(orphans):
        s = orphans[0]
        raise InfeasibleError(
            f"priority store {pb.store_ids[s]!r} of brand {pb.brand_names[pb.store_brand[s]]!r} has no candidate "
            f"site within its SLA of {pb.brand_lead_time_days[pb.store_brand[s]]:g} days (production lead time "
            f"{pb.production_lead_time_days:g} days + drive time); add a closer site or relax the SLA "
            "in [[lane_classes]]."
        )
    members = np.flatnonzero(in_set)
    group_of, group_cost, slack = _groups(pb, members, ok_store, time_tol_s, cost_tol_per_unit)
    g_count = group_cost.shape[1]
    rep = np.zeros(g_count, dtype=int)
    rep[group_of] = members  # any member stands for its group's brand and eligible sites
    demand = np.zeros((g_count, t_count))
    np.add.at(demand, group_of, store_demand[members])
    group_brand = pb.store_brand[rep]
    ok = ok_store[:, rep]
    prio = prio_store[rep]
    slack_per_yr = float(store_demand[members] @ weeks @ slack) if len(members) else 0.0
    pairs = np.argwhere(ok)  # (P, 2) site, group
    off_groups = np.flatnonzero(~prio)
    wait_groups = np.flatnonzero(can_wait[group_brand])
    n_y, n_p, n_o = n * lv, len(pairs), len(off_groups)
    si, gi = pairs[:, 0], pairs[:, 1]
    per_unit = np.asarray(pb.unit_cost_per_unit)[group_brand[gi]] + group_cost[si, gi]
    per_unit = per_unit + pb.holding_per_unit
    ob = group_brand[off_groups]
    hpu = pb.hours_per_unit_all_in.copy()  # (B, P) machine-hours per unit, changeovers included
    paid = run_brands(pb, brands)  # brands whose runs a week are the design's (their changeovers charged per run)
    hpu[paid] = np.asarray(pb.hours_per_unit, dtype=float)[paid]
    n_proc = hpu.shape[1]
    milp = Model()
    # y[i, l]: site i open at level l (only where its floor area allows the level)
    y = milp.add_vars(
        "open",
        n_y,
        ub=np.asarray(pb.level_allowed, dtype=float).ravel(),
        cost=(np.asarray(pb.rent_per_yr) + np.asarray(pb.setup_per_yr)).ravel(),
        integer=True,
    )
    # x[p, t]: share of a group's demand served by a site (pair p) in season t; o[g, t] the offshore share
    xcols = milp.add_vars("local", (n_p, t_count), ub=1.0, cost=per_unit[:, None] * demand[gi] * weeks[None, :])
    # c[k]: share of a group's season-`sold` demand made at the pair's site in an earlier season `made`
    shelf = np.asarray(pb.shelf_life_seasons, dtype=int)[group_brand[gi]]
    carry = np.array(
        [(k, s, s2) for k in range(n_p) for s in range(t_count) for s2 in range(s + 1, min(t_count, s + shelf[k] + 1))],
        dtype=int,
    ).reshape(-1, 3)
    ck, cs, cs2 = carry[:, 0], carry[:, 1], carry[:, 2]
    carried_units = demand[gi[ck], cs2] * weeks[cs2]  # units per year at share 1
    carry_cost = np.asarray(pb.carry_cost_per_unit_season)[group_brand[gi[ck]]] * (cs2 - cs)
    ccols = milp.add_vars("carry", len(carry), ub=1.0, cost=(per_unit[ck] + carry_cost) * carried_units)
    off_cost = np.asarray(pb.offshore_landed_per_unit)[ob][:, None] * demand[off_groups] * weeks[None, :]
    ocols = milp.add_vars("offshore", (n_o, t_count), ub=1.0, cost=off_cost)
    wait_cost = np.asarray(pb.backlog_cost_per_unit)[group_brand[wait_groups]]
    bcols = milp.add_vars(
        "backlog", (len(wait_groups), t_count), ub=1.0, cost=wait_cost[:, None] * demand[wait_groups] * weeks[None, :]
    )
    tt = np.arange(t_count)
    # demand rows: sum_i x[i,g,t] + sum_{i,s<t} c[i,g,s,t] + o[g,t] + backlog[g,t] = 1 per (group, season)
    milp.add_rows(
        "demand",
        np.concatenate(
            [
                (gi[:, None] * t_count + tt[None, :]).ravel(),
                gi[ck] * t_count + cs2,
                (off_groups[:, None] * t_count + tt).ravel(),
                (wait_groups[:, None] * t_count + tt).ravel(),
            ]
        ),
        np.concatenate([xcols.ravel(), ccols, ocols.ravel(), bcols.ravel()]),
        1.0,
        lo=1.0,
        hi=1.0,
        n=g_count * t_count,
    )
    # hours each column puts on each process in the season it is made (per week of that season)
    load_rows, load_cols, load_vals = [], [], []  # local row (site, season), column, hours per unit of share
    for q in range(n_proc):
        h_x = hpu[group_brand[gi], q][:, None] * demand[gi]  # (P, T)
        h_c = hpu[group_brand[gi[ck]], q] * carried_units / weeks[cs]
        load_rows.append(np.concatenate([(si[:, None] * t_count + tt[None, :]).ravel(), si[ck] * t_count + cs]))
        load_cols.append(np.concatenate([xcols.ravel(), ccols]))
        load_vals.append(np.concatenate([h_x.ravel(), h_c]))
    col_brand = np.concatenate([np.repeat(group_brand[gi], t_count), group_brand[gi[ck]]])  # brand of each column
    units = np.concatenate([demand[gi].ravel(), carried_units / weeks[cs]])  # units a week made at share 1
    run_keys, run_pairs = add_run_columns(
        milp, pb, brands, load_rows, load_cols, load_vals, col_brand, units, y.reshape(n, lv)
    )
    col_brand = np.concatenate([col_brand, run_keys[:, 0]])
    # reservations: r[i, k] hours per week of (brand, process) k held at site i; sum_i r = reserved; the
    # capacity rows count max(brand's load, r) through e[i, k, t] >= r[i, k] - load
    reserved = np.asarray(pb.reserved_hours_per_week, dtype=float)
    keys = np.argwhere(reserved > 0)
    keys = keys[np.isin(keys[:, 0], list(brands))]
    n_k = len(keys)
    rcols = milp.add_vars("reserve", (n, n_k))
    ecols = milp.add_vars("excess", (n, n_k, t_count))
    held = reserved[keys[:, 0], keys[:, 1]]
    milp.add_rows("reserved", np.tile(np.arange(n_k), n), rcols.ravel(), 1.0, lo=held, hi=held, n=n_k)
    ex_rows, ex_cols, ex_vals = [], [], []
    for k, (b, q) in enumerate(keys):
        mine = col_brand == b
        base = load_rows[q][mine]  # site * T + season
        site_of, season_of = base // t_count, base % t_count
        own = (np.arange(n) * n_k + k)[:, None] * t_count + tt
        ex_rows += [(site_of * n_k + k) * t_count + season_of, own, own]
        ex_cols += [load_cols[q][mine], ecols[:, k, :], np.repeat(rcols[:, k][:, None], t_count, axis=1)]
        ex_vals += [load_vals[q][mine], np.ones((n, t_count)), -np.ones((n, t_count))]
    milp.add_rows(
        "excess_def",
        np.concatenate([np.ravel(r) for r in ex_rows]) if ex_rows else np.zeros(0, dtype=int),
        np.concatenate([np.ravel(c) for c in ex_cols]) if ex_cols else np.zeros(0, dtype=int),
        np.concatenate([np.ravel(v) for v in ex_vals]) if ex_vals else np.zeros(0),
        lo=0.0,
        n=n * n_k * t_count,
    )
    # flexible hours f[i, q, t] <= sum_l flex[l, q] y[i, l], paid per hour
    flex_cap = np.asarray(pb.flex_hours_per_week, dtype=float)  # (L, P)
    fcols = milp.add_vars(
        "flex", (n, n_proc, t_count), cost=np.asarray(pb.flex_cost_per_hour)[None, :, None] * weeks[None, None, :]
    )
    ii, qq, tq, ll = np.meshgrid(np.arange(n), np.arange(n_proc), tt, np.arange(lv), indexing="ij")
    flex_row = (ii * n_proc + qq) * t_count + tq
    milp.add_rows(
        "flex_cap",
        np.concatenate([np.arange(n * n_proc * t_count), flex_row.ravel()]),
        np.concatenate([fcols.ravel(), y[ii * lv + ll].ravel()]),
        np.concatenate([np.ones(fcols.size), -flex_cap[ll, qq].ravel()]),
        hi=0.0,
        n=n * n_proc * t_count,
    )
    # capacity rows: hours used (with reserved hours left idle) <= u * regular hours of the level + flex,
    # per (site, process, season); they also close every flow of a closed site (per-pair linking rows
    # would tighten the relaxation but made the LP 100x slower on the demo)
    regular = np.asarray(pb.process_hours_per_week, dtype=float) * pb.max_utilisation  # (L, P)
    cap_rows = [np.concatenate([(r // t_count * n_proc + q) * t_count + r % t_count for q, r in enumerate(load_rows)])]
    cap_cols = [np.concatenate(load_cols)]
    cap_vals = [np.concatenate(load_vals)]
    cap_rows += [flex_row.ravel(), ((ii * n_proc + qq) * t_count + tq)[..., 0].ravel()]
    cap_cols += [y[ii * lv + ll].ravel(), fcols.ravel()]
    cap_vals += [-regular[ll, qq].ravel(), -np.ones(fcols.size)]
    for k, (_, q) in enumerate(keys):
        cap_rows.append(((np.arange(n)[:, None] * n_proc + q) * t_count + tt).ravel())
        cap_cols.append(ecols[:, k, :].ravel())
        cap_vals.append(np.ones(n * t_count))
    milp.add_rows(
        "capacity",
        np.concatenate(cap_rows),
        np.concatenate(cap_cols),
        np.concatenate(cap_vals),
        hi=0.0,
        n=n * n_proc * t_count,
    )
    caps = sla_rows(milp, pb, brands, y, load_rows, load_cols, load_vals, col_brand, sla_caps)
    # one level per site: sum_l y[i,l] <= 1
    il = np.repeat(np.arange(n), lv)
    milp.add_rows("one_level", il, y, 1.0, hi=1.0, n=n)
    return _Model(
        milp,
        n_y,
        pairs,
        off_groups,
        demand,
        members,
        group_of,
        slack_per_yr,
        carry,
        wait_groups,
        keys,
        caps,
        run_keys,
        run_pairs,
    )


def _solve(
    model: _Model,
    *,
    integer: bool,
    y_fixed: np.ndarray | None,
    time_limit_s: float,
    gap: float,
    start: np.ndarray | None = None,
    options: dict | None = None,
) -> MilpSolution:
    """The MILP (``integer``) or its LP relaxation, optionally with every site's level fixed to ``y_fixed``."""
    lb, ub = model.milp.bounds()
    if y_fixed is not None:
        lb[: model.n_y] = ub[: model.n_y] = y_fixed
    return model.milp.solve(
        time_limit_s=time_limit_s,
        mip_gap=gap,
        start=start,
        col_lower=lb,
        col_upper=ub,
        relax=not integer,
        options=options,
    )


#: Rounds of presence cuts (``column <= runs_here``) added where the LP relaxation breaks them.
PRESENCE_CUT_ROUNDS = 1


def _presence_cuts(model: _Model, rounds: int, time_limit_s: float) -> MilpSolution | None:
    """Tighten the LP relaxation with the presence cuts it breaks: ``column <= w`` for each column making units
    of a brand whose runs a week are in the design and the binary ``w`` of its site and season
    (``_Model.run_pairs``). Every plan holds them (a column's share is at most 1, and no unit is made where
    ``w`` is 0), so they cut off no integer solution; the link row alone lets the relaxation pay a sliver of
    the catchment's changeovers for a sliver of its units. All of them at once made the LP about 12x slower
    (``add_run_columns``), so only those the relaxation breaks are added (rows ``presence_cut<r>``), up to
    ``rounds`` times. Returns the last LP relaxation solved (None when none was)."""
    pairs = model.run_pairs
    lp = None
    t0 = time.perf_counter()
    added = np.zeros(len(pairs), dtype=bool)
    for r in range(rounds + 1):
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0:
            return None
        lp = _solve(model, integer=False, y_fixed=None, time_limit_s=left, gap=0.0)
        if lp.x is None or lp.reason != "optimal" or r == rounds or not len(pairs):
            return lp
        broken = (lp.x[pairs[:, 0]] > lp.x[pairs[:, 1]] + 1e-6) & ~added
        if not broken.any():
            return lp
        added |= broken
        sel = pairs[broken]
        k = np.arange(len(sel))
        model.milp.add_rows(
            f"presence_cut{r}",
            np.r_[k, k],
            np.r_[sel[:, 0], sel[:, 1]],
            np.r_[np.ones(len(k)), -np.ones(len(k))],
            hi=0.0,
            n=len(k),
        )
    return lp


def _warm_start(
    model: _Model, pb: ShareProblem, time_limit_s: float, lp: MilpSolution | None = None
) -> tuple[np.ndarray | None, float, float]:
    """LP relaxation rounded up: every site the relaxation uses opens at the smallest level carrying its
    relaxed load; then the flows are re-optimised with those sites fixed (always feasible). Also returns
    the LP relaxation's optimum, a lower bound on the design's cost (``-inf`` if not solved). ``lp``: that
    relaxation, already solved."""
    if lp is None:
        lp = _solve(model, integer=False, y_fixed=None, time_limit_s=time_limit_s, gap=0.0)
    x = lp.x
    if x is None or lp.reason != "optimal":
        return None, float("inf"), float("-inf")
    lp_bound = float(lp.objective)
    n, lv = pb.n_sites, len(pb.capacity_units_per_week)
    y = x[: model.n_y].reshape(n, lv)
    first, shape = model.milp.blocks["flex"]
    flex = x[first : first + int(np.prod(shape))].reshape(shape)  # (n, P, T)
    regular = np.asarray(pb.process_hours_per_week, dtype=float) * pb.max_utilisation  # (L, P)
    most = regular + np.asarray(pb.flex_hours_per_week, dtype=float)
    need = (y @ regular)[:, :, None] + flex  # hours the relaxation provides, >= its load
    fixed = np.zeros((n, lv))
    allowed = np.asarray(pb.level_allowed, dtype=bool)
    for i in np.flatnonzero(y.sum(axis=1) > 1e-6):
        levels = np.flatnonzero(allowed[i])  # the relaxation only uses allowed levels
        fits = levels[(most[levels] >= need[i].max(axis=1)[None, :] - 1e-6).all(axis=1)]
        fixed[i, fits[0] if len(fits) else levels[np.argmax(most[levels].sum(axis=1))]] = 1.0
    fixed_lp = _solve(model, integer=False, y_fixed=fixed.ravel(), time_limit_s=time_limit_s, gap=0.0)
    if fixed_lp.x is not None and fixed_lp.reason == "optimal" and _has_presence(model):
        fixed_lp = _round_presence(model, fixed.ravel(), fixed_lp, time_limit_s)
    if fixed_lp.x is None or fixed_lp.reason != "optimal":
        return None, float("inf"), lp_bound
    return fixed_lp.x, fixed_lp.objective, lp_bound


def _has_presence(model: _Model) -> bool:
    return any(name in model.milp.blocks for name in PRESENCE_BLOCKS)


#: Presence binaries at or above these LP values are set to 1, the rest to 0, in the integer starts tried.
ROUND_THRESHOLDS = (1e-9, 0.05, 0.15, 0.3, 0.5)


def _round_presence(model: _Model, y_fixed: np.ndarray, lp: MilpSolution, time_limit_s: float) -> MilpSolution:
    """The LP with the levels fixed, re-solved with each presence binary (a site's priority units, a brand's
    runs there) rounded: set to 1 where its LP value is at least a threshold, else 0, for each of
    :data:`ROUND_THRESHOLDS` (rounding every used binary up pays every sliver's changeovers, and can run out of
    hours); the cheapest start solved to optimality is returned (else the last solve)."""
    best: MilpSolution | None = None
    last: MilpSolution | None = None
    for threshold in ROUND_THRESHOLDS:
        lb, ub = model.milp.bounds()
        lb[: model.n_y] = ub[: model.n_y] = y_fixed
        for name in PRESENCE_BLOCKS:
            if name in model.milp.blocks:
                first, shape = model.milp.blocks[name]
                z = np.asarray(lp.x)[first : first + int(np.prod(shape))]
                lb[first : first + len(z)] = ub[first : first + len(z)] = (z >= threshold).astype(float)
        last = model.milp.solve(time_limit_s=time_limit_s, mip_gap=0.0, col_lower=lb, col_upper=ub, relax=True)
        if last.x is not None and last.reason == "optimal" and (best is None or last.objective < best.objective):
            best = last
    assert last is not None
    return best if best is not None else last


def design_network(
    problem: ShareProblem,
    brands: Sequence[int] | None = None,
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    warm_start: bool = True,
    start_levels: np.ndarray | None = None,
    group_time_tolerance_s: float = 0.0,
    group_cost_tolerance_per_unit: float = 0.0,
    max_nodes: int | None = None,
    sla_caps: SlaCaps | None = None,
    presence_cut_rounds: int = PRESENCE_CUT_ROUNDS,
) -> DesignResult:
    """Open sites and allocate each brand's seasonal demand: a multi-period capacitated fixed-charge MILP.

    Minimises rent + amortised set-up + production + delivery + cycle-stock inventory + offshore
    landed cost (all per year) subject to: each store's demand in each season met by open sites
    or offshore; a site's weekly load in every season at most ``max_utilisation`` x its level's
    capacity; one level per site; priority brands served only by sites within their SLA
    (production lead time + drive time) and never offshore (a hard rule); dedicated sites serve
    their brand only. Solved on HiGHS from an LP-rounding warm start.

    Parameters
    ----------
    problem : ShareProblem
    brands : sequence of int, optional
        Brands to serve (a coalition); default all.
    time_limit_s : float
        Solver time limit; a design stopped by it reports its gap.
    mip_gap : float
        Relative gap at which the solver stops.
    warm_start : bool
        Give HiGHS the heuristic solution first.
    start_levels : ndarray of int, optional
        A known set of open sites (level per site, -1 closed), e.g. the grand coalition's design
        when solving a smaller coalition; its flows are re-optimised and the cheaper of it and
        the LP-rounding start is used.
    group_time_tolerance_s, group_cost_tolerance_per_unit : float
        Stores of one brand with the same eligible sites whose drive times (s) and delivery costs
        (money per unit) from every eligible site agree within these merge into one demand group,
        priced at its members' demand-weighted mean; 0 merges only identical stores. The costs,
        flows and lead times returned are each store's own (exact for the design chosen); the only
        approximation is that a group's stores share their sites in the same shares.
    max_nodes : int, optional
        Branch-and-bound nodes HiGHS may explore (``mip_max_nodes``): a limit on work, not on wall
        clock, so a solve it stops returns the same design and bound however busy the machine is
        (HiGHS runs on one thread here); the time limit stays as a safety net.
    presence_cut_rounds : int
        With the runs a week in the design: rounds of valid presence cuts added where the LP relaxation
        breaks them before the MILP (``_presence_cuts``; 0: none).

    Returns
    -------
    DesignResult
    """
    if not (np.isfinite(time_limit_s) and time_limit_s > 0 and np.isfinite(mip_gap) and 0 <= mip_gap < 1):
        raise InputError(f"design_network: time_limit_s > 0 and 0 <= mip_gap < 1, got {time_limit_s}, {mip_gap}.")
    tols = (group_time_tolerance_s, group_cost_tolerance_per_unit)
    if not all(np.isfinite(v) and v >= 0 for v in tols):
        raise InputError(
            "design_network: group_time_tolerance_s and group_cost_tolerance_per_unit must be finite and >= 0, "
            f"got {tols[0]}, {tols[1]}."
        )
    rounds = presence_cut_rounds
    if isinstance(rounds, bool) or not (isinstance(rounds, int | np.integer) and 0 <= rounds <= 20):
        raise InputError(f"design_network: presence_cut_rounds must be an integer in [0, 20], got {rounds!r}.")
    t0 = time.perf_counter()
    brands = tuple(range(len(problem.brand_names))) if brands is None else tuple(sorted(int(b) for b in brands))
    model = _build(problem, brands, group_time_tolerance_s, group_cost_tolerance_per_unit, sla_caps)
    relaxed = _presence_cuts(model, presence_cut_rounds, time_limit_s) if presence_cut_rounds else None
    start, start_cost, lp_bound = (
        _warm_start(model, problem, time_limit_s, relaxed) if warm_start else (None, float("inf"), float("-inf"))
    )
    if not warm_start and relaxed is not None and relaxed.x is not None and relaxed.reason == "optimal":
        lp_bound = float(relaxed.objective)
    if warm_start and start_levels is not None:
        lv = len(problem.capacity_units_per_week)
        fixed = np.zeros((problem.n_sites, lv))
        opened = np.flatnonzero(np.asarray(start_levels) >= 0)
        fixed[opened, np.asarray(start_levels)[opened]] = 1.0
        fixed *= np.asarray(problem.level_allowed, dtype=float)
        known = _solve(model, integer=False, y_fixed=fixed.ravel(), time_limit_s=time_limit_s, gap=0.0)
        if known.x is not None and known.reason == "optimal" and _has_presence(model):
            known = _round_presence(model, fixed.ravel(), known, time_limit_s)
        if known.x is not None and known.reason == "optimal" and known.objective < start_cost:
            start, start_cost = known.x, known.objective
    left = time_limit_s - (time.perf_counter() - t0)
    if max_nodes is not None and not (isinstance(max_nodes, int | np.integer) and max_nodes >= 1):
        raise InputError(f"design_network: max_nodes must be an integer >= 1, got {max_nodes!r}.")
    work = {"mip_max_nodes": int(max_nodes)} if max_nodes is not None else None
    sol = _solve(model, integer=True, y_fixed=None, time_limit_s=left, gap=mip_gap, start=start, options=work)
    status, x, bound = sol.reason, sol.x, sol.bound
    if max_nodes is not None and status == "other":
        status = "node limit"  # HiGHS reports mip_max_nodes as a solution limit
    bound = max(bound, lp_bound) if np.isfinite(bound) else lp_bound  # the best bound known
    if x is None:
        if status == "infeasible":
            raise InfeasibleError(_infeasible_words(problem, brands))
        if start is None:
            raise InputError(
                f"the shared-network design stopped ({status.replace('_', ' ')}) after {time_limit_s:g} s before "
                f"HiGHS found any feasible design (best lower bound {bound:,.0f} per year); this is a limit, not "
                "infeasibility: raise the time limit (--time-limit-s / share.time_limit_s)."
            )
        x, status = start, status if status != "optimal" else "time_limit"
    return _result(problem, model, brands, x, bound, status, time.perf_counter() - t0, start_cost)


def _infeasible_words(pb: ShareProblem, brands: Sequence[int]) -> str:
    """Why no design exists: the demand that must be made locally, or the reservations, exceed every site's hours."""
    must = [
        pb.brand_names[b]
        for b in brands
        if pb.brand_kind[b] == "priority" and not np.isfinite(np.asarray(pb.backlog_cost_per_unit)[b])
    ]
    reserved = np.asarray(pb.reserved_hours_per_week)[list(brands)]
    held = [
        f"{pb.brand_names[b]} {h:g} h/week of {pb.process_names[q]}"
        for b, q in np.argwhere(np.asarray(pb.reserved_hours_per_week) > 0)
        if b in brands
        for h in [float(np.asarray(pb.reserved_hours_per_week)[b, q])]
    ]
    what = []
    if must:
        what.append("the demand of priority brand(s) " + ", ".join(repr(n) for n in must) + " (never offshore)")
    if reserved.sum() > 0:
        what.append("the reserved hours of [[contracts]] (" + "; ".join(held) + ")")
    if pb.line_hours_per_week is not None:
        what.append("the lane classes' SLA caps on each site's hours (share.sla_caps_in_design)")
    return (
        "the shared-network design found no feasible solution: "
        + (" plus ".join(what) or "the demand that must be made locally")
        + " exceed what the sites can make in their hours (site_capacity.levels_units_per_week, or "
        "process_hours_per_week with [[routings]], x max_utilisation, plus flex_hours_per_week); raise the "
        "capacity levels, hours or max_utilisation, add flexible hours, lower the reservations, or give a "
        "priority brand's contract a penalty_per_late_unit so its unmade demand is costed as backlog"
        + ("; or relax the SLAs or set share.sla_caps_in_design = false." if pb.line_hours_per_week else ".")
    )


def _block(model: _Model, x: np.ndarray, name: str) -> np.ndarray:
    first, shape = model.milp.blocks[name]
    return np.asarray(x[first : first + int(np.prod(shape))]).reshape(shape)


def _result(pb, model, brands, x, bound, status, runtime, start_cost) -> DesignResult:
    n, lv, t_count, m = pb.n_sites, len(pb.capacity_units_per_week), len(pb.season_names), len(pb.store_ids)
    nb, n_proc = len(pb.brand_names), len(pb.process_names)
    y = np.round(x[: model.n_y]).reshape(n, lv)
    level = np.where(y.sum(axis=1) > 0.5, y.argmax(axis=1), -1)
    xf = np.clip(_block(model, x, "local"), 0.0, 1.0)
    cf = np.clip(_block(model, x, "carry"), 0.0, 1.0)
    of = np.clip(_block(model, x, "offshore"), 0.0, 1.0)
    bf = np.clip(_block(model, x, "backlog"), 0.0, 1.0)
    # group shares back to stores: every store of a group gets the group's shares of its own demand
    g_count = len(model.demand)
    weeks = np.asarray(pb.season_weeks, dtype=float)
    share = np.zeros((n, g_count, t_count, t_count))  # site, group, made, sold
    tt = np.arange(t_count)
    share[model.pairs[:, 0][:, None], model.pairs[:, 1][:, None], tt[None, :], tt[None, :]] = xf
    ck, cs, cs2 = model.carry[:, 0], model.carry[:, 1], model.carry[:, 2]
    share[model.pairs[ck, 0], model.pairs[ck, 1], cs, cs2] = cf
    off_share = np.zeros((g_count, t_count))
    off_share[model.off_groups] = of
    wait_share = np.zeros((g_count, t_count))
    wait_share[model.backlog_groups] = bf
    store_demand = pb.season_demand()[model.members]  # (members, T)
    carried = np.zeros((n, m, t_count, t_count))  # units per year made in season s, sold in season s2
    carried[:, model.members] = share[:, model.group_of] * (store_demand * weeks)[None, :, None, :]
    flow = carried.sum(axis=2) / weeks  # per week of the season sold
    made = carried.sum(axis=3) / weeks  # per week of the season made
    off = np.zeros((m, t_count))
    off[model.members] = off_share[model.group_of] * store_demand
    wait = np.zeros((m, t_count))
    wait[model.members] = wait_share[model.group_of] * store_demand
    opened = level >= 0
    units_local = flow.sum(axis=0)  # (m, T)
    brand_of = np.asarray(pb.store_brand)
    brand_cost = np.asarray(pb.unit_cost_per_unit)[brand_of]
    # hours per (site, brand, process, season made), then reservations held idle and flexible hours
    present = None
    if len(run_brands(pb, brands)):  # a brand with free runs has no binary: it runs wherever it is made
        present = np.ones((n, nb, t_count))
    if len(model.run_keys) and present is not None:
        present[:, np.unique(model.run_keys[:, 0])] = 0.0
        keys = model.run_keys
        present[keys[:, 1], keys[:, 0], keys[:, 2]] = np.round(_block(model, x, "runs_here"))
    runs = runs_of_design(pb, made, present)  # (n, B, T)
    load = brand_hours(pb, made, runs)  # (n, B, P, T)
    held = np.zeros((n, nb, n_proc))
    if len(model.reserve_keys):
        r = _block(model, x, "reserve")  # (n, K)
        held[:, model.reserve_keys[:, 0], model.reserve_keys[:, 1]] = np.maximum(r, 0.0)
    used = np.maximum(load, held[..., None]).sum(axis=1)  # (n, P, T)
    regular = np.zeros((n, n_proc))
    regular[opened] = np.asarray(pb.process_hours_per_week, dtype=float)[level[opened]] * pb.max_utilisation
    flex = np.maximum(used - regular[:, :, None], 0.0)
    cap_h = cap_hours(pb, level, load, model.caps)
    age = np.maximum(tt[None, :] - tt[:, None], 0)  # seasons a unit made in s waits until s2
    carry_units = carried * (age > 0)[None, None]
    cost = {
        "rent": float(np.asarray(pb.rent_per_yr)[opened, level[opened]].sum()),
        "setup": float(np.asarray(pb.setup_per_yr)[opened, level[opened]].sum()),
        "production": float((units_local * weeks).sum(axis=1) @ brand_cost),
        "delivery": float(np.einsum("nmt,nm,t->", flow, np.asarray(pb.delivery_cost_per_unit), weeks)),
        "inventory": float((units_local * weeks).sum() * pb.holding_per_unit),
        "carry": float(np.einsum("nmst,st,m->", carried, age, np.asarray(pb.carry_cost_per_unit_season)[brand_of])),
        "flex": float(np.einsum("npt,p,t->", flex, np.asarray(pb.flex_cost_per_hour), weeks)),
        "offshore": float((off * weeks).sum(axis=1) @ np.asarray(pb.offshore_landed_per_unit)[brand_of]),
        "backlog": float((wait * weeks).sum(axis=1) @ np.nan_to_num(np.asarray(pb.backlog_cost_per_unit)[brand_of])),
    }
    cost["total"] = float(sum(cost.values()))
    total = cost["total"]
    bound = bound - model.slack_per_yr  # a bound on the grouped model, made valid for the per-store problem
    bound = min(bound, total) if np.isfinite(bound) else bound
    gap = (total - bound) / total if total > 0 and np.isfinite(bound) else (0.0 if total == 0 else float("inf"))
    return DesignResult(
        brands=tuple(brands),
        level=level,
        flow_units_per_week=flow,
        offshore_units_per_week=off,
        cost_per_yr=cost,
        lower_bound=float(bound),
        gap=float(max(gap, 0.0)),
        status=status_words(float(max(gap, 0.0)), status),
        runtime_s=float(runtime),
        warm_start_cost=float(start_cost),
        n_groups=len(model.demand),
        grouping_slack_per_yr=model.slack_per_yr,
        made_units_per_week=made,
        carried_units_per_yr=carry_units.sum(axis=(0, 1)),
        carried_store_units_per_yr=carry_units.sum(axis=(2, 3)),
        backlog_units_per_week=wait,
        hours_per_week=used,
        flex_hours_per_week=flex,
        reserved_hours_per_week=held,
        sla_cap_hours_per_week=cap_h,
        runs_per_week=runs,
        carry_cost_by_brand_per_yr=np.array(
            [
                np.einsum("nmst,st->", carried[:, brand_of == b], age) * pb.carry_cost_per_unit_season[b]
                for b in range(nb)
            ]
        ),
    )


def cap_hours(pb: ShareProblem, level: np.ndarray, load: np.ndarray, caps: SlaCaps | None) -> np.ndarray:
    """The most machine-hours a week the lane classes up to k may load at each open site, shape (n, P, T, 3).

    Parameters
    ----------
    pb : ShareProblem
    level : ndarray of int, shape (n,)
        A design's level per site (-1 closed).
    load : ndarray, shape (n, B, P, T)
        The design's hours per site, brand, process and season (:func:`siting.share.slacaps.brand_hours`).
    caps : SlaCaps, optional
        The SLA rows the design is held to (None: no row, the level's full hours).

    Returns
    -------
    ndarray
        Per site, process and season: the priority cap, the priority + standard cap at the design's own
        priority hours, and the level's full hours (0 for a closed site).
    """
    n, n_proc, t_count = pb.n_sites, len(pb.process_names), len(pb.season_names)
    opened = level >= 0
    full = np.zeros((n, n_proc))
    full[opened] = np.asarray(pb.process_hours_per_week, dtype=float)[level[opened]]
    cap_h = np.zeros((n, n_proc, t_count, 3))
    cap_h[opened] = full[opened][:, :, None, None]
    if caps is not None:
        rank = np.array([KINDS.index(k) for k in pb.brand_kind])
        o, lo = np.flatnonzero(opened), level[opened]
        fo = full[opened][:, :, None]  # (o, P, 1)
        sigma0 = load[opened][:, rank == 0].sum(axis=1) / np.maximum(fo, 1e-12)  # (o, P, T)
        c0 = caps.priority[o, lo]
        c1 = SlaCaps(caps.priority[o, lo], caps.alpha[o, lo], caps.beta[o, lo], caps.standard_shut[o, lo]).standard_cap(
            sigma0
        )
        cap_h[opened, :, :, 0] = np.minimum(np.nan_to_num(c0, nan=0.0), 1.0) * fo
        cap_h[opened, :, :, 1] = np.minimum(c1, 1.0) * fo
    return cap_h
