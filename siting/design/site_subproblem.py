"""The all-local Lagrangian's exact per-site subproblem: one small MILP per site, each drop paid whole."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.design.model import _fill_caps, _segments, volume_rows
from siting.design.problem import DesignProblem
from siting.design.start import _hours
from siting.milp import Model

__all__ = ["SITE_MAX_NODES", "SitePlan", "SiteValue", "plan_cost", "plan_level", "site_value"]

#: Branch-and-bound nodes of each site's MILP (a limit on work: the same bound on any machine; the
#: MILP's proven bound is what enters the Lagrangian, so a stopped solve stays valid).
SITE_MAX_NODES = 2000

#: HiGHS options of each site's MILP: these small MILPs (about 260 rows) spent most of their time in
#: presolve and the RINS/RENS sub-MIPs. Without them the Helsinki demo's 47 site MILPs at one set of
#: multipliers took 5.9 s of CPU instead of 19.3 s, with the same bounds to 1e-5 relative. Strong
#: branching only until a binary has one pseudo-cost (reliability 0, not 8) then took 4.40 s instead of
#: 5.51 s at the 15th round's multipliers (the same bounds to 0.1 EUR), and 25 column rounds 54.8 s of
#: wall clock instead of 63.0 s; the default plan's figures are unchanged (to 1e-15 relative).
SITE_HIGHS_OPTIONS = {
    "presolve": "off",
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_pscost_minreliable": 0,
}


@dataclass(frozen=True)
class SitePlan:
    """A plan of one site: the flat (f, j, t) demand cells it supplies, units a week on each, its cost a year."""

    cells: np.ndarray
    units: np.ndarray
    cost_per_yr: float


@dataclass(frozen=True)
class SiteValue:
    """One site's subproblem: a lower bound of its minimum (<= 0: closed costs 0), its best solution's supply
    and that plan's own cost a year (fixed, making, delivery and drops, without the multipliers; 0 when closed),
    and (when asked) the other plans the solve found on its way."""

    bound_per_yr: float
    supply: np.ndarray  # (f, j, t) units a week the best solution found delivers (zeros when closed)
    opened: bool
    cost_per_yr: float = 0.0
    more_plans: tuple[SitePlan, ...] = ()


def site_value(pb: DesignProblem, s: int, u: np.ndarray, lam_s: float, more_plans: bool = False) -> SiteValue:
    """min over site ``s``'s all-local plans of cost - u . supply - lam_s . open, bounded below (a MILP).

    The plan: closed (0), or one level; per season the units ``x[f, j, t] <= demand`` of each store
    its on-time lanes reach, each family's volume on its piecewise-linear making cost (the model's
    incremental segments and binaries), the hours on the same breakpoints within the level's, and a
    whole drop per (store, season) served at all (``x <= demand x drop``, per family: the
    disaggregated form of the model's drop link, the same integer points) on lanes that pay drops.
    These are the design model's rows that involve one site only, so the sum over sites of these
    minima, plus ``u . demand + lam . fewest``, bounds every all-local design's cost below
    (:func:`siting.design.lagrange.local_lagrange_bound`).

    Parameters
    ----------
    pb : DesignProblem
    s : int
        The site's index.
    u : ndarray (f, j, t)
        Multipliers of the demand rows (yearly cost per weekly unit).
    lam_s : float
        The multiplier of the site's fewest-sites row (0 when it has none).
    more_plans : bool
        Also keep the plans of the improving solutions HiGHS found before its best (each costed by
        :func:`plan_cost`, the best's flows found again left out): more columns for
        :func:`siting.design.colgen.column_bound` from the same solve.

    Returns
    -------
    SiteValue
    """
    dem = pb.demand_units_per_week
    n_f, n_j, n_t = dem.shape
    n_l = pb.hours_per_week.shape[1]
    weeks = pb.weeks_per_yr
    lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
    p = np.flatnonzero(lanes[:, 0] == s)
    js = lanes[p, 1]
    supply = np.zeros_like(dem)
    if not len(p) or not pb.level_ok[s].any() or not (dem[:, js, :] > 0).any():
        return SiteValue(0.0, supply, False)
    m = Model()
    ok = pb.level_ok[s]
    y = m.add_vars("open", n_l, binary=True, cost=np.where(ok, pb.fixed_cost_per_yr[s], 0.0) - lam_s)
    m.add_rows("one_level", np.zeros(n_l, np.int64), y, 1.0, hi=np.ones(1))
    size = dem[:, js, :]  # (f, k, t)
    x = m.add_vars(
        "x", size.shape, ub=size, cost=weeks[None, None, :] * pb.lane_cost_per_unit[p][None, :, None] - u[:, js, :]
    )
    drop = pb.drop_cost_of_store()[js]
    pays = pb.lane_pays_drop()[: len(lanes)][p]
    charged = pays[:, None] & (drop[:, None] > 0) & (size.sum(axis=0) > 0)  # (k, t)
    kk, tt = np.nonzero(charged)
    if len(kk):
        z = m.add_vars("drop", len(kk), binary=True, cost=weeks[tt] * drop[kk])
        zc = np.full(charged.shape, -1, np.int64)
        zc[kk, tt] = z
        ff, k2, t2 = np.nonzero((size > 0) & charged[None, :, :])
        r = np.arange(len(ff))
        m.add_rows(
            "drop_link",
            np.r_[r, r],
            np.r_[x[ff, k2, t2], zc[k2, t2]],
            np.r_[np.ones(len(ff)), -size[ff, k2, t2]],
            hi=np.zeros(len(ff)),
        )
    reach = size.sum(axis=1)  # (f, t)
    hpu = pb.machine_hours_per_unit
    top = float(np.where(ok, pb.hours_per_week[s], 0.0).max())
    cap_rows, cap_cols, cap_vals = [], [], []
    for f, curve in enumerate(pb.local_curves):
        by_hours = top / hpu[f] if hpu[f] > 0 else np.inf
        delta, dv = _segments(m, f"local_{f}", curve, (n_t,), weeks, _fill_caps(curve, np.minimum(reach[f], by_hours)))
        k = delta.shape[-1]
        n_k = len(p)
        volume_rows(m, f"volume_{f}", np.tile(np.arange(n_t), n_k), x[f].ravel(), delta, dv)
        m.add_rows(
            f"open_link_{f}",
            np.r_[np.arange(n_t), np.repeat(np.arange(n_t), n_l)],
            np.r_[delta[:, 0], np.tile(y, n_t)],
            np.r_[np.ones(n_t), -np.ones(n_t * n_l)],
            hi=np.zeros(n_t),
        )
        hours = hpu[f] * curve.volume_units_per_week + pb.changeover_hours_per_run[f] * curve.runs_per_week
        cap_rows.append(np.repeat(np.arange(n_t), k))
        cap_cols.append(delta.ravel())
        cap_vals.append(np.tile(np.diff(hours), n_t))
    cap_rows.append(np.repeat(np.arange(n_t), n_l))
    cap_cols.append(np.tile(y, n_t))
    cap_vals.append(-np.tile(np.where(ok, pb.hours_per_week[s], 0.0), n_t))
    m.add_rows(
        "capacity_h", np.concatenate(cap_rows), np.concatenate(cap_cols), np.concatenate(cap_vals), hi=np.zeros(n_t)
    )
    lb, ub = m.bounds()
    ub[y] = np.where(ok, 1.0, 0.0)
    found: list[np.ndarray] = []
    sol = m.solve(
        col_lower=lb,
        col_upper=ub,
        time_limit_s=None,
        options={"mip_max_nodes": SITE_MAX_NODES, **SITE_HIGHS_OPTIONS},
        on_improving=found.append if more_plans else None,
    )
    bound = min(0.0, float(sol.bound))
    if sol.x is None or not sol.objective < 0:
        return SiteValue(bound, supply, False)
    supply[:, js, :] += sol.value("x")  # a site has one lane per store: no repeated index
    cost = float(sol.objective) + float((u * supply).sum()) + lam_s  # the plan opens the site (objective < 0)
    more = _more_plans(pb, s, [v[x] for v in found], supply) if more_plans else ()
    return SiteValue(bound, supply, True, cost, more)


def _more_plans(pb: DesignProblem, s: int, flows: list[np.ndarray], best: np.ndarray) -> tuple[SitePlan, ...]:
    """The plans of the improving solutions' flows ``x`` (f, k, t), each once, other than ``best``'s."""
    lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
    js = lanes[lanes[:, 0] == s, 1]
    seen = [best]
    out = []
    for x in flows:
        supply = np.zeros_like(best)
        supply[:, js, :] = np.where(x > _TINY_UNITS, x, 0.0)
        if not supply.any() or any(np.allclose(supply, other, rtol=1e-9, atol=_SAME_UNITS) for other in seen):
            continue  # the best plan's flows, or another's, found again (another level or drops: dearer)
        seen.append(supply)
        cost = plan_cost(pb, s, supply)
        if cost is not None:
            cells = np.flatnonzero(supply.ravel())
            out.append(SitePlan(cells, supply.ravel()[cells], cost))
    return tuple(out)


#: Units a week below which an improving solution's flow is HiGHS's rounding, not a delivery; and the
#: difference in units a week below which two plans' flows are the same.
_TINY_UNITS, _SAME_UNITS = 1e-9, 1e-6


def plan_cost(pb: DesignProblem, s: int, supply: np.ndarray) -> float | None:
    """The cheapest cost a year of site ``s`` delivering exactly ``supply``, or None when no level holds it.

    Its cheapest level whose hours a week hold the plan's in every season (machine and changeover
    hours on the families' curves), the making cost on each family's piecewise-linear curve, the
    delivery on its lanes and a whole drop per store and season it serves on a lane that pays drops:
    what the design model charges the site for that supply.

    Parameters
    ----------
    pb : DesignProblem
    s : int
        The site's index.
    supply : ndarray (f, j, t)
        Units a week to each store, zero where the site has no lane.

    Returns
    -------
    float or None
    """
    planned = plan_level(pb, s, supply)
    return None if planned is None else planned[1]


def plan_level(pb: DesignProblem, s: int, supply: np.ndarray) -> tuple[int, float] | None:
    """:func:`plan_cost` and the level it pays for (its index), or None when no level holds the plan.

    Parameters
    ----------
    pb, s, supply :
        As :func:`plan_cost`.

    Returns
    -------
    (int, float) or None
        The level's index and the cost a year.
    """
    weeks = pb.weeks_per_yr
    volume = supply.sum(axis=1)  # (f, t)
    making = sum(
        float(weeks @ np.interp(volume[f], c.volume_units_per_week, c.cost_per_week))
        for f, c in enumerate(pb.local_curves)
    )
    hours = _hours(pb, volume)  # the model's hours on the curves' breakpoints (t,)
    # HiGHS's incumbents meet the hours row within its feasibility tolerance: a plan at a level's
    # hours stays at that level
    fits = pb.level_ok[s] & (pb.hours_per_week[s] >= hours.max(initial=0.0) * (1 - 1e-9) - 1e-9)
    if not fits.any():
        return None
    lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
    p = np.flatnonzero(lanes[:, 0] == s)
    js = lanes[p, 1]
    at = supply[:, js, :]  # (f, k, t)
    delivery = float((weeks[None, None, :] * pb.lane_cost_per_unit[p][None, :, None] * at).sum())
    pays = pb.lane_pays_drop()[: len(lanes)][p]
    served = at.sum(axis=0) > 0  # (k, t)
    drops = float((served * (pays * pb.drop_cost_of_store()[js])[:, None] * weeks[None, :]).sum())
    fixed = np.where(fits, pb.fixed_cost_per_yr[s], np.inf)
    level = int(np.argmin(fixed))  # the first of equal costs
    return level, float(fixed[level]) + making + delivery + drops
