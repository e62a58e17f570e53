"""The design problem's inputs: plain tables checked once and turned into arrays and cost curves."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.costs import ProductFamily
from siting.design.curves import CostCurve, cost_curve
from siting.design.hubs import Hubs
from siting.errors import InfeasibleError, InputError, MissingColumnError
from siting.forked import map_forked

__all__ = ["DesignProblem", "design_problem"]

log = logging.getLogger("siting")


@dataclass(frozen=True)
class DesignProblem:
    """A checked design problem (indices: s sites, l levels, f families, j stores, t seasons).

    Money per year unless named per unit or per week; volumes in units per week of the season.
    ``lanes`` lists the allowed (site, store) pairs (within the delivery promise) with their
    delivery cost per unit; ``direct_ok[j]`` says whether offshore goods can reach store j
    directly from the distribution point within the promise.
    """

    site_ids: tuple[str, ...]
    store_ids: tuple[str, ...]
    family_names: tuple[str, ...]
    season_names: tuple[str, ...]
    weeks_per_yr: np.ndarray = field(repr=False)  # (t,)
    level_names: tuple[str, ...] = field(repr=False)
    hours_per_week: np.ndarray = field(repr=False)  # (s, l); 0 where the level is not offered
    fixed_cost_per_yr: np.ndarray = field(repr=False)  # (s, l)
    level_ok: np.ndarray = field(repr=False)  # (s, l) bool
    crossdock_cost_per_unit: np.ndarray = field(repr=False)  # (s,) NaN: no cross-dock
    demand_units_per_week: np.ndarray = field(repr=False)  # (f, j, t)
    lanes: np.ndarray = field(repr=False)  # (p, 2) site, store
    lane_cost_per_unit: np.ndarray = field(repr=False)  # (p,)
    late_lanes: np.ndarray = field(repr=False)  # (q, 2) outside the promise (for outages)
    late_lane_cost_per_unit: np.ndarray = field(repr=False)
    direct_cost_per_unit: np.ndarray = field(repr=False)  # (j,)
    direct_ok: np.ndarray = field(repr=False)  # (j,) bool
    machine_hours_per_unit: np.ndarray = field(repr=False)  # (f,)
    changeover_hours_per_run: np.ndarray = field(repr=False)  # (f,)
    families: tuple[ProductFamily, ...] = field(repr=False)
    local_curves: tuple[CostCurve, ...] = field(repr=False)
    offshore_curves: tuple[CostCurve, ...] = field(repr=False)
    #: Offshore buys shared by several family rows (a national design: one row per family and cluster,
    #: one brand-wide buy per family): the buy of each row (f,), indexing ``offshore_curves`` and
    #: ``offshore_families``; None: one buy per row.
    offshore_group: np.ndarray | None = field(default=None, repr=False)
    offshore_families: tuple[ProductFamily, ...] | None = field(default=None, repr=False)
    #: Candidate fulfilment hubs (:mod:`siting.design.hubs`), store indices in ``store_ids`` order; None: none.
    hubs: Hubs | None = field(default=None, repr=False)
    #: Fixed cost per week of one delivering origin's drops at each store row (j,): paid once per
    #: (store, origin, season) that delivers anything, whatever the units (the distribution point's
    #: direct drops, a site's drops carrying its local and cross-docked goods, a hub's drops);
    #: None: no fixed charge (delivery priced per unit only).
    drop_cost_per_week: np.ndarray | None = field(default=None, repr=False)
    #: On-time lanes (p,) whose drop is free (a site co-located in the store); None: none.
    lane_no_drop: np.ndarray | None = field(default=None, repr=False)
    #: Drops a week of one delivering origin at each store row (j,), for the reports only (the
    #: charge is ``drop_cost_per_week``); None: not given.
    drops_per_week: np.ndarray | None = field(default=None, repr=False)
    #: On-time lanes (p,) through which a cross-dock keeps the promise (trunk to the site + its
    #: turnaround + the lane); None: every on-time lane (the lane's own time only).
    crossdock_ok: np.ndarray | None = field(default=None, repr=False)
    #: Stores (j,) no offshore route reaches within the promise (no direct delivery, cross-dock or
    #: hub route in time): their offshore units go direct, outside the promise (late), in every
    #: policy; None: none.
    direct_fallback: np.ndarray | None = field(default=None, repr=False)

    def direct_allowed(self) -> np.ndarray:
        """Stores (j,) whose offshore units may go direct: within the promise, or as their only offshore route."""
        fallback = np.zeros(len(self.store_ids), bool) if self.direct_fallback is None else self.direct_fallback
        return np.asarray(self.direct_ok, dtype=bool) | np.asarray(fallback, dtype=bool)

    def crossdock_lanes(self) -> np.ndarray:
        """Indices of the on-time lanes offshore goods may be cross-docked through (finite cost, promise kept)."""
        ok = np.isfinite(self.crossdock_cost_per_unit[self.lanes[:, 0]])
        if self.crossdock_ok is not None:
            ok &= np.asarray(self.crossdock_ok, dtype=bool)
        return np.flatnonzero(ok)

    def drop_cost_of_store(self) -> np.ndarray:
        """Fixed cost per week of one origin's drops at each store row (zeros when there is no drop charge)."""
        if self.drop_cost_per_week is None:
            return np.zeros(len(self.store_ids))
        return np.asarray(self.drop_cost_per_week, dtype=float)

    def lane_pays_drop(self) -> np.ndarray:
        """Of the on-time then late lanes (as the model stacks them): True where a drop is charged."""
        n_on, n_late = len(self.lanes), len(self.late_lanes)
        free = np.zeros(n_on, bool) if self.lane_no_drop is None else np.asarray(self.lane_no_drop, dtype=bool)
        return np.r_[~free, np.ones(n_late, bool)]

    def buy_of_family(self) -> np.ndarray:
        """The offshore buy (index into ``offshore_curves``) of each family row."""
        if self.offshore_group is None:
            return np.arange(len(self.family_names))
        return np.asarray(self.offshore_group, dtype=np.int64)

    def buy_family(self, g: int) -> ProductFamily:
        """The family an offshore buy is priced with."""
        return self.families[g] if self.offshore_families is None else self.offshore_families[g]


def _need(df: pd.DataFrame, name: str, cols: Sequence[str]) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name}: give a DataFrame, not {type(df).__name__}.")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"{name}: missing column(s) {', '.join(missing)}; have {', '.join(map(str, df.columns))}."
        )
    if df.empty:
        raise InputError(f"{name}: the table is empty; give at least one row.")
    return df


def _numbers(df: pd.DataFrame, name: str, col: str, key: Sequence[str], *, positive: bool = False) -> np.ndarray:
    values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0 if positive else values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        who = ", ".join(f"{k}={df[k].iloc[i]!r}" for k in key)
        rule = "> 0" if positive else ">= 0"
        raise InputError(f"{name}: column {col!r} is {df[col].iloc[i]!r} at {who}; give a finite number {rule}.")
    return values


def _unique(df: pd.DataFrame, name: str, key: Sequence[str]) -> None:
    dup = df.duplicated(list(key), keep=False)
    if dup.any():
        row = df[dup].iloc[0]
        raise InputError(f"{name}: duplicate {', '.join(f'{k}={row[k]!r}' for k in key)}; give each once.")


def _ids(values: pd.Series, name: str, col: str) -> list[str]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip():
            raise InputError(f"{name}: column {col!r} has an empty id; give every row an id.")
        out.append(str(v))
    return out


def _local_volume_max(dem: np.ndarray, pairs: np.ndarray, hours_s: np.ndarray, hpu_f: np.ndarray) -> np.ndarray:
    """Per family: the most one site makes in a season (demand its lanes reach, capped by hours / hours per unit)."""
    n_f, _, n_t = dem.shape
    reach = np.zeros((n_f, len(hours_s), n_t))
    for s, j in pairs:
        reach[:, s] += dem[:, j]
    with np.errstate(divide="ignore"):
        by_hours = np.where(hpu_f[:, None] > 0, hours_s[None, :] / hpu_f[:, None], np.inf)  # (f, s)
    return np.minimum(reach, by_hours[:, :, None]).max(axis=(1, 2), initial=0.0)


def curve_job(job: tuple) -> CostCurve:
    """One family's cost curve from one source: (family, source, v_max, v_min, rel_tol, brand extra)."""
    fam, source, v_max, v_min, rel_tol, extra = job
    return cost_curve(fam, source, v_max, v_min_units_per_week=v_min, rel_tol=rel_tol, brand_extra_units_per_week=extra)


def design_problem(
    *,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    lanes: pd.DataFrame,
    direct: pd.DataFrame,
    families: Sequence[ProductFamily],
    making: pd.DataFrame,
    seasons: Mapping[str, float],
    rel_tol: float = 0.01,
    brand_units_per_week: Mapping[str, float] | None = None,
    hubs: Hubs | None = None,
    drops: pd.DataFrame | None = None,
) -> DesignProblem:
    """Check the design inputs and precompute the cost curves.

    Parameters
    ----------
    demand : DataFrame
        ``store_id, family, season, units_per_week`` (one row per store, family and season; a
        missing row is no demand).
    sites : DataFrame
        ``site_id, level, hours_per_week, fixed_cost_per_yr`` one row per offered capacity level
        (fixed cost: rent, amortised set-up and staff of that level), and optionally
        ``crossdock_cost_per_unit`` (trunk from the distribution point plus handling, per
        offshore unit routed through the site; NaN or absent: no cross-dock) and
        ``colocated_store_id`` (the store the site sits in: its own deliveries cost 0).
    lanes : DataFrame
        ``site_id, store_id, cost_per_unit, within_promise`` delivery from a site to a store.
        Pairs not listed are not served; pairs outside the promise serve only during outages.
        Optionally ``crossdock_within_promise``: offshore goods cross-docked at the site reach the
        store within the promise counting the trunk to the site and its turnaround (default:
        ``within_promise``, the lane's own time).
    direct : DataFrame
        ``store_id, cost_per_unit, within_promise``: offshore goods from the distribution point.
    families : sequence of ProductFamily
    making : DataFrame
        ``family, machine_hours_per_unit, changeover_hours_per_run`` for local production.
    seasons : mapping
        Season name -> weeks a year it lasts (> 0).
    rel_tol : float
        Relative error allowed in the piecewise-linear cost curves (see :func:`cost_curve`).
    brand_units_per_week : mapping, optional
        Family -> the brand's weekly volume, when the brand buys offshore for more stores than
        these: offshore is then priced as these stores' share of the brand's buy
        (:mod:`siting.costs.brand`), the rest of the brand (its volume minus the family's
        ``demand_mean_units_per_week``) assumed offshore.
    hubs : Hubs, optional
        Candidate fulfilment hubs and their routes (:func:`siting.design.hubs.hub_routes`, store
        ids as given there): offshore goods may reach a store through an opened hub.
    drops : DataFrame, optional
        ``store_id, cost_per_week``: the fixed cost a week of one origin's drops at the store,
        paid once per delivering origin (the distribution point, a site, a hub) and season
        whatever the units; stores not listed pay none. None: no fixed charge per drop. An
        optional ``drops_per_week`` column (>= 0) gives the drops that cost stands for, for the
        reports (``Design.drops``: drops a week and cost per drop).

    Returns
    -------
    DesignProblem
    """
    demand = _need(demand, "demand", ["store_id", "family", "season", "units_per_week"])
    sites = _need(sites, "sites", ["site_id", "level", "hours_per_week", "fixed_cost_per_yr"])
    lanes = _need(lanes, "lanes", ["site_id", "store_id", "cost_per_unit", "within_promise"])
    direct = _need(direct, "direct", ["store_id", "cost_per_unit", "within_promise"])
    making = _need(making, "making", ["family", "machine_hours_per_unit", "changeover_hours_per_run"])
    if not seasons:
        raise InputError("seasons: give at least one season and its weeks a year.")
    season_names = tuple(str(s) for s in seasons)
    weeks = np.array([float(w) for w in seasons.values()])
    for s_name, w in zip(season_names, weeks):
        if not (math.isfinite(w) and w > 0):
            raise InputError(f"seasons: season {s_name!r} lasts {w!r} weeks; give a finite number > 0.")
    if weeks.sum() > 52.2 + 1e-9:
        raise InputError(f"seasons: the seasons add up to {weeks.sum():g} weeks a year; at most 52.2.")
    fam_list = list(families)
    if not fam_list:
        raise InputError("families: give at least one product family.")
    fam_names = tuple(f.family for f in fam_list)
    if len(set(fam_names)) != len(fam_names):
        dup = next(n for n in fam_names if fam_names.count(n) > 1)
        raise InputError(f"families: duplicate family {dup!r}; give each once.")
    f_index = {n: i for i, n in enumerate(fam_names)}

    _unique(demand, "demand", ["store_id", "family", "season"])
    d_units = _numbers(demand, "demand", "units_per_week", ["store_id", "family", "season"])
    d_store = _ids(demand["store_id"], "demand", "store_id")
    for col, known in (("family", f_index), ("season", season_names)):
        unknown = sorted({str(v) for v in demand[col]} - set(known))
        if unknown:
            raise InputError(
                f"demand: {col} {unknown[0]!r} is not among the {col} given ({', '.join(map(str, known))})."
            )

    _unique(sites, "sites", ["site_id", "level"])
    site_col = _ids(sites["site_id"], "sites", "site_id")
    hours = _numbers(sites, "sites", "hours_per_week", ["site_id", "level"], positive=True)
    fixed = _numbers(sites, "sites", "fixed_cost_per_yr", ["site_id", "level"])
    site_ids = tuple(dict.fromkeys(site_col))
    level_names = tuple(dict.fromkeys(str(v) for v in sites["level"]))
    s_index = {n: i for i, n in enumerate(site_ids)}
    l_index = {n: i for i, n in enumerate(level_names)}
    n_s, n_l = len(site_ids), len(level_names)
    hours_sl, fixed_sl, ok_sl = np.zeros((n_s, n_l)), np.zeros((n_s, n_l)), np.zeros((n_s, n_l), bool)
    si = np.array([s_index[s] for s in site_col])
    li = np.array([l_index[str(v)] for v in sites["level"]])
    hours_sl[si, li], fixed_sl[si, li], ok_sl[si, li] = hours, fixed, True
    crossdock = np.full(n_s, np.nan)
    if "crossdock_cost_per_unit" in sites.columns:
        raw = pd.to_numeric(sites["crossdock_cost_per_unit"], errors="coerce").to_numpy(dtype=float)
        given = sites["crossdock_cost_per_unit"].notna().to_numpy()
        bad = given & (~np.isfinite(raw) | (raw < 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"sites: column 'crossdock_cost_per_unit' is {sites['crossdock_cost_per_unit'].iloc[i]!r} at "
                f"site_id={site_col[i]!r}; give a finite number >= 0 (or leave it empty: no cross-dock)."
            )
        crossdock[si[given]] = raw[given]

    stores = tuple(dict.fromkeys(d_store))
    j_index = {n: i for i, n in enumerate(stores)}
    n_f, n_j, n_t = len(fam_names), len(stores), len(season_names)
    t_index = {n: i for i, n in enumerate(season_names)}
    dem = np.zeros((n_f, n_j, n_t))
    dem[
        [f_index[str(v)] for v in demand["family"]],
        [j_index[s] for s in d_store],
        [t_index[str(v)] for v in demand["season"]],
    ] = d_units

    _unique(making, "making", ["family"])
    hpu = _numbers(making, "making", "machine_hours_per_unit", ["family"])
    chg = _numbers(making, "making", "changeover_hours_per_run", ["family"])
    m_index = {str(v): i for i, v in enumerate(making["family"])}
    missing = [f for f in fam_names if f not in m_index]
    if missing:
        raise InputError(
            f"making: no row for family {missing[0]!r}; give its machine hours per unit and changeover hours."
        )
    hpu_f = np.array([hpu[m_index[f]] for f in fam_names])
    chg_f = np.array([chg[m_index[f]] for f in fam_names])

    _unique(lanes, "lanes", ["site_id", "store_id"])
    lane_cost = _numbers(lanes, "lanes", "cost_per_unit", ["site_id", "store_id"])
    lane_site, lane_store = _ids(lanes["site_id"], "lanes", "site_id"), _ids(lanes["store_id"], "lanes", "store_id")
    unknown = sorted(set(lane_site) - set(site_ids))
    if unknown:
        raise InputError(f"lanes: site_id {unknown[0]!r} is not in sites.")
    keep = np.array([s in j_index for s in lane_store], dtype=bool)  # lanes to stores without demand are unused
    promise = lanes["within_promise"].to_numpy()
    if not all(isinstance(v, bool | np.bool_) for v in promise):
        raise InputError("lanes: column 'within_promise' must be True or False on every row.")
    pairs = np.array([[s_index[s], j_index.get(j, -1)] for s, j in zip(lane_site, lane_store)], dtype=np.int64).reshape(
        -1, 2
    )
    if "crossdock_within_promise" in lanes.columns:
        xd_ok = lanes["crossdock_within_promise"].to_numpy()
        if not all(isinstance(v, bool | np.bool_) for v in xd_ok):
            raise InputError("lanes: column 'crossdock_within_promise' must be True or False on every row.")
    else:
        xd_ok = promise.copy()
    xd_ok = xd_ok.astype(bool)
    colocated = np.zeros(len(pairs), bool)
    cost_p = lane_cost.copy()
    if "colocated_store_id" in sites.columns:  # a site in a store delivers to it for free
        for s_name, j_name in zip(site_col, sites["colocated_store_id"]):
            if isinstance(j_name, str) and j_name in j_index:
                hit = (pairs[:, 0] == s_index[s_name]) & (pairs[:, 1] == j_index[j_name])
                cost_p[hit] = 0.0
                promise = np.where(hit, True, promise)
                xd_ok, colocated = xd_ok | hit, colocated | hit
                if not hit.any():
                    pairs = np.vstack([pairs, [[s_index[s_name], j_index[j_name]]]])
                    cost_p, promise, keep = np.append(cost_p, 0.0), np.append(promise, True), np.append(keep, True)
                    xd_ok, colocated = np.append(xd_ok, True), np.append(colocated, True)
    promise = promise.astype(bool)

    _unique(direct, "direct", ["store_id"])
    d_cost = _numbers(direct, "direct", "cost_per_unit", ["store_id"])
    d_ok_raw = direct["within_promise"].to_numpy()
    if not all(isinstance(v, bool | np.bool_) for v in d_ok_raw):
        raise InputError("direct: column 'within_promise' must be True or False on every row.")
    d_index = {s: i for i, s in enumerate(_ids(direct["store_id"], "direct", "store_id"))}
    no_direct = [s for s in stores if s not in d_index]
    if no_direct:
        raise InputError(
            f"direct: no row for store_id {no_direct[0]!r}; give its delivery cost from the distribution point."
        )
    direct_cost = np.array([d_cost[d_index[s]] for s in stores])
    direct_ok = np.array([bool(d_ok_raw[d_index[s]]) for s in stores])

    on_time = keep & promise
    drop_week = None if drops is None else _drop_costs(drops, stores)
    drop_count = None if drops is None else _drop_counts(drops, stores)
    reach = np.zeros(n_j, bool)
    reach[pairs[on_time, 1]] = True
    if hubs is not None:  # routes to stores with demand, in this problem's store order
        on = np.array([sid in j_index for sid in (hubs.store_ids[j] for j in hubs.routes[:, 1])], dtype=bool)
        routes = hubs.routes[on].copy()
        routes[:, 1] = [j_index[hubs.store_ids[j]] for j in routes[:, 1]]
        hubs = Hubs(hubs.hub_ids, hubs.fixed_cost_per_yr, routes, hubs.route_cost_per_unit[on], stores)
        reach[routes[:, 1]] = True
    # offshore goods reach a store in time directly, cross-docked at a site (trunk + turnaround + lane within
    # the promise) or through a hub; a store none reaches gets its offshore units direct, late
    in_time = direct_ok.copy()
    xd_lane = on_time & xd_ok & np.isfinite(crossdock[pairs[:, 0]])
    in_time[pairs[xd_lane, 1]] = True
    if hubs is not None:
        in_time[hubs.routes[:, 1]] = True
    fallback = ~in_time & (dem.sum(axis=(0, 2)) > 0)
    if fallback.any():
        log.info(
            "%d store(s) (first %r): no offshore route keeps the delivery promise; their offshore units go direct, "
            "outside it",
            int(fallback.sum()),
            stores[int(np.flatnonzero(fallback)[0])],
        )
    stranded = np.flatnonzero(~reach & ~direct_ok & (dem.sum(axis=(0, 2)) > 0))
    if len(stranded):
        raise InfeasibleError(
            f"store_id {stores[stranded[0]]!r} ({len(stranded)} store(s) in all) has demand but no source within the "
            "delivery promise: no site lane and no direct delivery within it; relax the promise or add a site."
        )
    total = dem.sum(axis=1)  # (f, t)
    smallest = np.where(dem > 0, dem, np.inf).min(axis=(1, 2))
    local_max = _local_volume_max(dem, pairs[keep], hours_sl.max(axis=1), hpu_f)
    jobs = []
    for i, fam in enumerate(fam_list):
        v_max = max(float(total[i].max()), 1e-6) * 1.0001
        v_min = min(float(smallest[i]) / 4 if math.isfinite(smallest[i]) else v_max / 10, v_max / 10)
        # a site makes at most what its lanes reach and its largest level's hours allow (the model caps
        # its segments there): the curve stops there, sparing the exact model's slowest volumes
        v_loc = min(v_max, max(float(local_max[i]), 1e-6) * 1.0001)
        extra = max(float((brand_units_per_week or {}).get(fam.family, 0.0)) - fam.demand_mean_units_per_week, 0.0)
        jobs += [
            (fam, "local", v_loc, min(v_min, v_loc / 10), rel_tol, 0.0),
            (fam, "offshore", v_max, v_min, rel_tol, extra),
        ]
    # each curve prices the season model at dozens of volumes: side by side on forked workers
    curves = map_forked(curve_job, jobs)
    local, offshore = curves[0::2], curves[1::2]
    return DesignProblem(
        site_ids=site_ids,
        store_ids=stores,
        family_names=fam_names,
        season_names=season_names,
        weeks_per_yr=weeks,
        level_names=level_names,
        hours_per_week=hours_sl,
        fixed_cost_per_yr=fixed_sl,
        level_ok=ok_sl,
        crossdock_cost_per_unit=crossdock,
        demand_units_per_week=dem,
        lanes=pairs[on_time],
        lane_cost_per_unit=cost_p[on_time],
        late_lanes=pairs[keep & ~promise],
        late_lane_cost_per_unit=cost_p[keep & ~promise],
        direct_cost_per_unit=direct_cost,
        direct_ok=direct_ok,
        machine_hours_per_unit=hpu_f,
        changeover_hours_per_run=chg_f,
        families=tuple(fam_list),
        local_curves=tuple(local),
        offshore_curves=tuple(offshore),
        hubs=hubs,
        drop_cost_per_week=drop_week,
        lane_no_drop=colocated[on_time],
        drops_per_week=drop_count,
        crossdock_ok=xd_ok[on_time],
        direct_fallback=fallback,
    )


def _drop_costs(drops: pd.DataFrame, stores: tuple[str, ...]) -> np.ndarray:
    """Each store's fixed cost a week of one origin's drops, from a ``store_id, cost_per_week`` table."""
    drops = _need(drops, "drops", ["store_id", "cost_per_week"])
    _unique(drops, "drops", ["store_id"])
    cost = _numbers(drops, "drops", "cost_per_week", ["store_id"])
    by_store = dict(zip(_ids(drops["store_id"], "drops", "store_id"), cost))
    return np.array([float(by_store.get(s, 0.0)) for s in stores])


def _drop_counts(drops: pd.DataFrame, stores: tuple[str, ...]) -> np.ndarray | None:
    """Each store's drops a week of one origin (``drops_per_week`` column; NaN where not listed), or None."""
    if "drops_per_week" not in drops.columns:
        return None
    count = _numbers(drops, "drops", "drops_per_week", ["store_id"])
    by_store = dict(zip(_ids(drops["store_id"], "drops", "store_id"), count))
    return np.array([float(by_store.get(s, np.nan)) for s in stores])
