"""The design MILP: sites and capacity levels, local and offshore flows, piecewise-linear costs, routes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting.design.curves import CostCurve
from siting.design.hubs import add_hub_routes
from siting.design.problem import DesignProblem
from siting.milp import Model

__all__ = ["DesignModel", "build_model", "drop_flows", "set_drops", "volume_rows"]


@dataclass(frozen=True)
class DesignModel:
    """The built MILP and the index arrays to read a solution back.

    ``x`` columns are local flows (lane ``xp``, family ``xf``, season ``xt``); lanes ``0..n_on-1``
    are within the promise, the rest are late lanes (closed unless an outage allows them).
    """

    model: Model = field(repr=False)
    lanes: np.ndarray = field(repr=False)  # (p, 2) on-time lanes then late lanes
    lane_cost_per_unit: np.ndarray = field(repr=False)
    n_on_time: int
    xp: np.ndarray = field(repr=False)
    xf: np.ndarray = field(repr=False)
    xt: np.ndarray = field(repr=False)
    x_cols: np.ndarray = field(repr=False)
    open_cols: np.ndarray = field(repr=False)  # (s, l)
    local_seg: tuple[np.ndarray, ...] = field(repr=False)  # per family: (s, t, k)
    offshore_seg: tuple[np.ndarray, ...] = field(repr=False)  # per family: (t, k)
    yo_cols: np.ndarray = field(repr=False)  # (f, j, t)
    yd_cols: np.ndarray = field(repr=False)  # (j, t)
    xd_lanes: np.ndarray = field(repr=False)  # indices into on-time lanes that cross-dock
    yx_cols: np.ndarray = field(repr=False)  # (len(xd_lanes), t)
    hub_open_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)  # (h,)
    yh_cols: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64), repr=False)  # (routes, t)
    #: Drop binaries (-1: no charge there): direct (j, t), per lane of ``lanes`` (p, t), per hub route (q, t).
    drop_direct_cols: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64), repr=False)
    drop_lane_cols: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64), repr=False)
    drop_hub_cols: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64), repr=False)


def volume_rows(m: Model, name: str, flow_rows: np.ndarray, flow_cols: np.ndarray, delta: np.ndarray, dv: np.ndarray):
    """Rows ``flows = sum_k dv_k delta_k``: the volume on a cost curve's segments, one row per group of ``delta``.

    ``flow_rows`` gives each flow column's row; ``delta`` holds each row's segment columns in its last axis.
    """
    k = delta.shape[-1]
    n = delta.size // k
    m.add_rows(
        name,
        np.r_[flow_rows, np.repeat(np.arange(n), k)],
        np.r_[flow_cols, delta.ravel()],
        np.r_[np.ones(len(flow_rows)), -np.tile(dv, n)],
        lo=np.zeros(n),
        hi=np.zeros(n),
    )


def _segments(m: Model, name: str, curve: CostCurve, lead: tuple[int, ...], weeks: np.ndarray, ub: np.ndarray):
    """Incremental PWL: delta[..., k] in [0, 1] fills segment k; z[..., k] binary, delta[k+1] <= z[k] <= delta[k]."""
    dv = np.diff(curve.volume_units_per_week)
    dg = np.diff(curve.cost_per_week)
    k = len(dv)
    shape = (*lead, k)
    weeks_b = weeks.reshape((1,) * (len(lead) - 1) + (-1, 1))
    delta = m.add_vars(
        f"seg_{name}", shape, ub=ub if ub.shape == shape else ub.reshape((*ub.shape, 1)), cost=weeks_b * dg
    )
    if k > 1:
        z = m.add_vars(f"bin_{name}", (*lead, k - 1), binary=True)
        n = z.size
        r = np.arange(n)
        m.add_rows(
            f"order_hi_{name}",
            np.r_[r, r],
            np.r_[delta[..., 1:].ravel(), z.ravel()],
            np.r_[np.ones(n), -np.ones(n)],
            hi=np.zeros(n),
        )
        m.add_rows(
            f"order_lo_{name}",
            np.r_[r, r],
            np.r_[z.ravel(), delta[..., :-1].ravel()],
            np.r_[np.ones(n), -np.ones(n)],
            hi=np.zeros(n),
        )
    return delta, dv


def _fill_caps(curve: CostCurve, cap: np.ndarray) -> np.ndarray:
    """Upper bounds (..., k) of the segment fills so that the volume stays at most ``cap`` (...)."""
    v = curve.volume_units_per_week
    return np.clip((cap[..., None] - v[:-1]) / np.diff(v), 0.0, 1.0)


def build_model(
    pb: DesignProblem,
    *,
    late_penalty_per_unit: float = 0.0,
    max_sites: int | None = None,
    site_group: np.ndarray | None = None,
) -> DesignModel:
    """Build the design MILP of ``pb`` (see docs/portfolio.md for the equations).

    Parameters
    ----------
    pb : DesignProblem
    late_penalty_per_unit : float
        Extra cost per unit delivered outside the promise (late lanes and late direct deliveries;
        only reachable when a solve opens their bounds, as outages do).
    max_sites : int, optional
        At most this many sites open (None: as many as lower the cost).
    site_group : ndarray of int (s,), optional
        With ``max_sites``: the cap holds per group of sites (a national design: each cluster's
        sites, as ``k`` is per city); None: over all sites.

    Returns
    -------
    DesignModel
    """
    m = Model()
    n_s, n_l = pb.hours_per_week.shape
    n_f, n_j, n_t = pb.demand_units_per_week.shape
    weeks = pb.weeks_per_yr
    dem = pb.demand_units_per_week
    open_cols = m.add_vars("open", (n_s, n_l), binary=True, cost=pb.fixed_cost_per_yr)
    m.add_rows("one_level", np.repeat(np.arange(n_s), n_l), open_cols.ravel(), 1.0, hi=np.ones(n_s))
    if max_sites is not None:  # the user's k caps the sites opened (per group of sites when given)
        group = np.zeros(n_s, np.int64) if site_group is None else np.unique(site_group, return_inverse=True)[1]
        rows = np.repeat(group.reshape(-1), n_l)
        m.add_rows("max_sites", rows, open_cols.ravel(), 1.0, hi=np.full(int(rows.max()) + 1, float(max_sites)))

    lanes = np.vstack([pb.lanes, pb.late_lanes])
    lane_cost = np.r_[pb.lane_cost_per_unit, pb.late_lane_cost_per_unit + late_penalty_per_unit]
    n_p = len(lanes)
    pp, ff, tt = np.meshgrid(np.arange(n_p), np.arange(n_f), np.arange(n_t), indexing="ij")
    keep = dem[ff, lanes[pp, 1], tt] > 0
    xp, xf, xt = pp[keep], ff[keep], tt[keep]
    x_cols = m.add_vars("x", len(xp), cost=weeks[xt] * lane_cost[xp])
    yo = m.add_vars("offshore", (n_f, n_j, n_t), ub=np.where(dem > 0, np.inf, 0.0))

    # demand: local flows + offshore units = demand, per (family, store, season)
    fjt = (xf * n_j + lanes[xp, 1]) * n_t + xt
    m.add_rows("demand", np.r_[fjt, np.arange(yo.size)], np.r_[x_cols, yo.ravel()], 1.0, lo=dem.ravel(), hi=dem.ravel())

    # local volumes on their cost curves; hours on the same breakpoints. A site's volume of a family
    # cannot exceed what its largest level's hours make, nor the demand of the stores its lanes
    # reach: capping the segments there tightens the relaxation (the chord from 0 ends at the cap)
    reach = np.zeros((n_f, n_s, n_t))
    np.add.at(reach, (xf, lanes[xp, 0], xt), dem[xf, lanes[xp, 1], xt])
    with np.errstate(divide="ignore"):
        by_hours = np.where(
            pb.machine_hours_per_unit > 0, pb.hours_per_week.max(axis=1)[:, None] / pb.machine_hours_per_unit, np.inf
        )
    cap_units = np.minimum(reach, by_hours.T[:, :, None])  # (f, s, t)
    local_seg = []
    cap_rows, cap_cols, cap_vals = [], [], []
    for f, curve in enumerate(pb.local_curves):
        runs = curve.runs_per_week
        hours = pb.machine_hours_per_unit[f] * curve.volume_units_per_week + pb.changeover_hours_per_run[f] * runs
        delta, dv = _segments(m, f"local_{f}", curve, (n_s, n_t), weeks, _fill_caps(curve, cap_units[f]))
        local_seg.append(delta)
        sel = xf == f
        st = lanes[xp[sel], 0] * n_t + xt[sel]
        k = delta.shape[-1]
        volume_rows(m, f"volume_local_{f}", st, x_cols[sel], delta, dv)
        first = delta[..., 0].ravel()  # (s, t)
        m.add_rows(
            f"open_link_{f}",
            np.r_[np.arange(n_s * n_t), np.repeat(np.arange(n_s * n_t), n_l)],
            np.r_[first, open_cols[np.repeat(np.arange(n_s), n_t)].ravel()],
            np.r_[np.ones(n_s * n_t), -np.ones(n_s * n_t * n_l)],
            hi=np.zeros(n_s * n_t),
        )
        cap_rows.append(np.repeat(np.arange(n_s * n_t), k))
        cap_cols.append(delta.ravel())
        cap_vals.append(np.tile(np.diff(hours), n_s * n_t))
    ss, ll, tq = np.meshgrid(np.arange(n_s), np.arange(n_l), np.arange(n_t), indexing="ij")
    cap_rows.append((ss * n_t + tq).ravel())
    cap_cols.append(open_cols[ss, ll].ravel())
    cap_vals.append(-pb.hours_per_week[ss, ll].ravel())
    m.add_rows(
        "capacity_h",
        np.concatenate(cap_rows),
        np.concatenate(cap_cols),
        np.concatenate(cap_vals),
        hi=np.zeros(n_s * n_t),
    )

    # offshore volumes (bought brand-wide: one buy per family, or per group of family rows) on their cost curves
    offshore_seg = []
    buy = pb.buy_of_family()
    for f, curve in enumerate(pb.offshore_curves):
        rows = np.flatnonzero(buy == f)
        has = (dem[rows].sum(axis=(0, 1)) > 0).astype(float)
        delta, dv = _segments(m, f"offshore_{f}", curve, (n_t,), weeks, has)
        offshore_seg.append(delta)
        n_in = len(rows) * n_j
        volume_rows(m, f"volume_offshore_{f}", np.tile(np.arange(n_t), n_in), yo[rows].ravel(), delta, dv)

    # offshore routes: direct from the distribution point, or cross-docked through an open site
    # late direct units pay the penalty, except a store's whose offshore units no route brings in time
    direct_cost = pb.direct_cost_per_unit + np.where(pb.direct_allowed(), 0.0, late_penalty_per_unit)
    yd = m.add_vars(
        "direct",
        (n_j, n_t),
        ub=np.where(pb.direct_allowed(), np.inf, 0.0)[:, None],
        cost=direct_cost[:, None] * weeks[None, :],
    )
    xd = pb.crossdock_lanes()  # lanes whose site cross-docks within the promise (trunk + turnaround + lane)
    xd_cost = pb.crossdock_cost_per_unit[pb.lanes[xd, 0]] + pb.lane_cost_per_unit[xd]
    yx = m.add_vars("crossdock", (len(xd), n_t), cost=xd_cost[:, None] * weeks[None, :])
    jt_x = (pb.lanes[xd, 1][:, None] * n_t + np.arange(n_t)[None, :]).ravel()
    hub_open, yh, (h_rows, h_cols, h_vals) = add_hub_routes(m, pb.hubs, dem.sum(axis=0), weeks)  # optional hubs
    route_rows = np.r_[np.tile(np.arange(n_j * n_t), n_f), np.arange(n_j * n_t), jt_x, h_rows]
    route_cols = np.r_[yo.ravel(), yd.ravel(), yx.ravel(), h_cols]
    route_vals = np.r_[np.ones(yo.size), -np.ones(yd.size), -np.ones(yx.size), h_vals]
    m.add_rows("routes", route_rows, route_cols, route_vals, lo=np.zeros(n_j * n_t), hi=np.zeros(n_j * n_t))
    if len(xd):  # cross-dock only at an open site, at most the store's units (per pair: a tight link)
        n = yx.size
        r = np.arange(n)
        s_of = np.repeat(pb.lanes[xd, 0], n_t)
        store_units = dem.sum(axis=0)[np.repeat(pb.lanes[xd, 1], n_t), np.tile(np.arange(n_t), len(xd))]
        m.add_rows(
            "crossdock_open",
            np.r_[r, np.repeat(r, n_l)],
            np.r_[yx.ravel(), open_cols[s_of].ravel()],
            np.r_[np.ones(n), -np.repeat(store_units, n_l)],
            hi=np.zeros(n),
        )
    drops = _add_drops(m, pb, lanes, xp, xt, x_cols, xd, yx, yd, yh, weeks)
    return DesignModel(
        m,
        lanes,
        lane_cost,
        len(pb.lanes),
        xp,
        xf,
        xt,
        x_cols,
        open_cols,
        tuple(local_seg),
        tuple(offshore_seg),
        yo,
        yd,
        xd,
        yx,
        hub_open,
        yh,
        *drops,
    )


def _link(m: Model, name: str, flow_rows: np.ndarray, flow_cols: np.ndarray, w: np.ndarray, cap: np.ndarray) -> None:
    """``sum of the flow columns of row r - cap[r] * w[r] <= 0`` for every row r (flow_rows index w)."""
    m.add_rows(
        name,
        np.r_[flow_rows, np.arange(len(w))],
        np.r_[flow_cols, w],
        np.r_[np.ones(len(flow_cols)), -cap],
        hi=np.zeros(len(w)),
    )


def _add_drops(m, pb, lanes, xp, xt, x_cols, xd, yx, yd, yh, weeks):
    """The fixed charge per drop: one binary per (store, delivering origin, season), paid whatever the units.

    ``flows into store j from origin o in season t <= (store j's units in t) x drop[j, o, t]``, the
    drop costing ``weeks[t] x drop_cost_per_week[j]`` a year. Origins: the distribution point (direct
    units), each site (its local units and the offshore units it cross-docks share its drop), each
    hub route; a site co-located in the store drops nothing. No row ties a drop to its site or hub
    being open: the flows already are, and a drop costs money (on the Helsinki demo such rows made
    the local policy's LP relaxation 20x slower, 5.3 s of CPU against 0.25 s).

    Returns
    -------
    (direct (j, t), lanes (p, t), hub routes (q, t)) column indices, -1 where nothing is charged.
    """
    dem = pb.demand_units_per_week
    n_f, n_j, n_t = dem.shape
    units = dem.sum(axis=0)  # (j, t)
    cost = pb.drop_cost_of_store()
    n_p, n_q = len(lanes), yh.shape[0]
    d_cols = np.full((n_j, n_t), -1, np.int64)
    l_cols = np.full((n_p, n_t), -1, np.int64)
    h_cols = np.full((n_q, n_t), -1, np.int64)
    if pb.drop_cost_per_week is None or not (cost > 0).any():
        return d_cols, l_cols, h_cols
    charged = (cost[:, None] > 0) & (units > 0)  # (j, t)
    # direct: the distribution point's drops
    jj, tt = np.nonzero(charged)
    w = m.add_vars("drop_direct", len(jj), binary=True, cost=weeks[tt] * cost[jj])
    d_cols[jj, tt] = w
    _link(m, "drop_direct_link", np.arange(len(jj)), yd[jj, tt], w, units[jj, tt])
    # sites: local units and cross-docked offshore units of the lane share its drop
    pays = pb.lane_pays_drop()
    pp, tq = np.nonzero(pays[:, None] & charged[lanes[:, 1]])
    if len(pp):
        w = m.add_vars("drop_site", len(pp), binary=True, cost=weeks[tq] * cost[lanes[pp, 1]])
        l_cols[pp, tq] = w
        row_of = np.full((n_p, n_t), -1, np.int64)
        row_of[pp, tq] = np.arange(len(pp))
        r_x = row_of[xp, xt]
        xd_rr, xd_tt = np.meshgrid(np.arange(len(xd)), np.arange(n_t), indexing="ij")
        r_yx = row_of[xd[xd_rr.ravel()], xd_tt.ravel()]
        rows = np.r_[r_x[r_x >= 0], r_yx[r_yx >= 0]]
        cols = np.r_[x_cols[r_x >= 0], yx.ravel()[r_yx >= 0]]
        _link(m, "drop_site_link", rows, cols, w, units[lanes[pp, 1], tq])
    if n_q:  # hub routes: the hub's drops, only from an open hub
        routes = pb.hubs.routes
        qq, th = np.nonzero(charged[routes[:, 1]])
        if len(qq):
            w = m.add_vars("drop_hub", len(qq), binary=True, cost=weeks[th] * cost[routes[qq, 1]])
            h_cols[qq, th] = w
            _link(m, "drop_hub_link", np.arange(len(qq)), yh[qq, th], w, units[routes[qq, 1], th])
    return d_cols, l_cols, h_cols


def drop_flows(dm: DesignModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Units a week each origin delivers: direct (j, t), lanes' local and cross-docked (p, t), hub routes (q, t).

    Parameters
    ----------
    dm : DesignModel
    x : ndarray
        A column vector of the model.

    Returns
    -------
    tuple of ndarray
        Direct units, each lane's local units, each lane's cross-docked units, each hub route's units.
    """
    n_t = dm.yd_cols.shape[1]
    direct = np.maximum(x[dm.yd_cols], 0.0)
    local = np.zeros((len(dm.lanes), n_t))
    np.add.at(local, (dm.xp, dm.xt), np.maximum(x[dm.x_cols], 0.0))
    crossdock = np.zeros((len(dm.lanes), n_t))
    if dm.yx_cols.size:
        np.add.at(crossdock, dm.xd_lanes, np.maximum(x[dm.yx_cols], 0.0))
    hub = np.maximum(x[dm.yh_cols], 0.0) if dm.yh_cols.size else np.zeros((0, n_t))
    return direct, local, crossdock, hub


def set_drops(dm: DesignModel, x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """``x`` with each drop binary 1 exactly where its origin delivers more than ``tol`` units (a copy).

    Parameters
    ----------
    dm : DesignModel
    x : ndarray
    tol : float

    Returns
    -------
    ndarray
    """
    x = np.array(x, dtype=float, copy=True)
    direct, local, crossdock, hub = drop_flows(dm, x)
    for cols, flow in ((dm.drop_direct_cols, direct), (dm.drop_lane_cols, local + crossdock), (dm.drop_hub_cols, hub)):
        if cols.size:
            on = cols >= 0
            x[cols[on]] = (flow[on] > tol).astype(float)
    return x
