"""The design MILP: sites and capacity levels, local and offshore flows, piecewise-linear costs, routes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting.design.curves import CostCurve
from siting.design.hubs import add_hub_routes
from siting.design.problem import DesignProblem
from siting.milp import Model

__all__ = ["DesignModel", "build_model"]


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
        m.add_rows(
            f"volume_local_{f}",
            np.r_[st, np.repeat(np.arange(n_s * n_t), k)],
            np.r_[x_cols[sel], delta.ravel()],
            np.r_[np.ones(sel.sum()), -np.tile(dv, n_s * n_t)],
            lo=np.zeros(n_s * n_t),
            hi=np.zeros(n_s * n_t),
        )
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
        k = delta.shape[-1]
        n_in = len(rows) * n_j
        m.add_rows(
            f"volume_offshore_{f}",
            np.r_[np.tile(np.arange(n_t), n_in), np.repeat(np.arange(n_t), k)],
            np.r_[yo[rows].ravel(), delta.ravel()],
            np.r_[np.ones(n_in * n_t), -np.tile(dv, n_t)],
            lo=np.zeros(n_t),
            hi=np.zeros(n_t),
        )

    # offshore routes: direct from the distribution point, or cross-docked through an open site
    direct_cost = pb.direct_cost_per_unit + np.where(pb.direct_ok, 0.0, late_penalty_per_unit)
    yd = m.add_vars(
        "direct",
        (n_j, n_t),
        ub=np.where(pb.direct_ok, np.inf, 0.0)[:, None],
        cost=direct_cost[:, None] * weeks[None, :],
    )
    xd = np.flatnonzero(np.isfinite(pb.crossdock_cost_per_unit[pb.lanes[:, 0]]))
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
    )
