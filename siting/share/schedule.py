"""Weekly lot sizing at one site: production runs per brand and week, changeovers, priority first (HiGHS MILP)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.errors import InfeasibleError, InputError
from siting.milp import Model

__all__ = ["WeeklyPlan", "plan_weeks", "BACKLOG_PENALTY_PER_UNIT_WEEK"]

#: Backlog penalty per unit-week by class rank (priority, standard, overflow): the order in which
#: demand is left waiting when a week is short of hours.
BACKLOG_PENALTY_PER_UNIT_WEEK = (1000.0, 10.0, 1.0)


@dataclass(frozen=True)
class WeeklyPlan:
    """A site's weekly production plan.

    Attributes
    ----------
    runs : ndarray of int, shape (brands, weeks)
        Production runs of each brand in each week.
    units : ndarray, shape (brands, weeks)
        Units made.
    backlog_units : ndarray, shape (brands, weeks)
        Demand still unmade at the end of each week.
    minutes_used : ndarray, shape (weeks,)
        Production + changeover minutes in each week.
    minutes_available : float
        Production minutes in a week.
    minutes_per_unit : float
    changeover_min : float
    """

    runs: np.ndarray
    units: np.ndarray
    backlog_units: np.ndarray
    minutes_used: np.ndarray
    minutes_available: float
    minutes_per_unit: float
    changeover_min: float

    @property
    def utilisation(self) -> np.ndarray:
        """Share of each week's production minutes used (0-1)."""
        return self.minutes_used / self.minutes_available

    def run_sizes(self, brand: int | np.integer, weeks: slice | np.ndarray | None = None) -> np.ndarray:
        """Sizes of the individual runs of a brand (a week's units split evenly over its runs)."""
        sel = slice(None) if weeks is None else weeks
        n, q = self.runs[brand, sel], self.units[brand, sel]
        return np.repeat(np.divide(q, n, out=np.zeros_like(q), where=n > 0), n)


def plan_weeks(
    demand_units: np.ndarray,
    class_rank: np.ndarray,
    *,
    hours_per_week: float,
    minutes_per_unit: float,
    changeover_min: float = 30.0,
    run_min_units: int = 50,
    run_max_units: int = 500,
    rule: str = "strict",
    reserved_share: float = 0.3,
    holding_per_unit_week: float = 0.08,
    changeover_cost: float = 20.0,
    time_limit_s: float = 20.0,
    max_utilisation: float = 1.0,
    min_runs_per_week: np.ndarray | None = None,
    process_minutes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> WeeklyPlan:
    """Lot sizing for one site: how many runs (of ``run_min_units``-``run_max_units`` units) of each brand per week.

    Minimises changeover cost + stock carrying + backlog penalties (by class: priority demand is
    the last to wait) subject to each week's production + changeover minutes fitting its hours.
    ``rule="strict"``: priority demand is never backlogged (infeasible if its runs alone do not
    fit). ``rule="reserved"``: non-priority runs may use at most ``1 - reserved_share`` of each week.
    No week is filled past ``max_utilisation`` of its hours (production + changeover), e.g. the cap at
    which the lane classes' SLAs hold (:func:`siting.share.caps.sla_utilisation_caps`).

    Parameters
    ----------
    demand_units : ndarray, shape (brands, weeks)
        Units due at the end of each week.
    class_rank : ndarray of int, shape (brands,)
        0 = priority, 1 = standard, 2 = overflow.
    hours_per_week, minutes_per_unit, changeover_min : float
    run_min_units, run_max_units : int
    rule : {"strict", "reserved"}
    reserved_share : float
    holding_per_unit_week, changeover_cost : float
        Money per unit-week of stock and per changeover.
    time_limit_s : float
    max_utilisation : float
        Share of each week's hours the plan may fill (0-1].
    min_runs_per_week : ndarray of int, shape (brands,), optional
        Fewest runs of a brand in a week with demand (e.g. so that the wait for its next run fits its
        SLA); lowered where the week's demand cannot fill that many runs of ``run_min_units``.
    process_minutes : (ndarray (brands, P), ndarray (brands, P), ndarray (P,)), optional
        Machine-minutes per unit and per changeover of each brand on each process, and each process's
        machine-minutes a week (the site's ``[[routings]]`` and its level's hours): each week then
        fits ``max_utilisation`` of every process's hours (the design's hours, not unit-equivalents),
        and ``minutes_used`` is the busiest process's share of ``hours_per_week``. Default: one line
        of ``minutes_per_unit`` and ``changeover_min``.

    Returns
    -------
    WeeklyPlan
    """
    d = np.asarray(demand_units, dtype=float)
    rank = np.asarray(class_rank, dtype=int)
    if d.ndim != 2 or rank.shape != (d.shape[0],) or (d < 0).any():
        raise InputError("plan_weeks: demand_units is (brands, weeks) of units >= 0 and class_rank one per brand.")
    if rule not in ("strict", "reserved"):
        raise InputError(f"plan_weeks: rule must be 'strict' or 'reserved', got {rule!r}.")
    if not 0.0 < max_utilisation <= 1.0:
        raise InputError(f"plan_weeks: max_utilisation must be in (0, 1], got {max_utilisation}.")
    nb, nw = d.shape
    avail = hours_per_week * 60.0
    k = nb * nw
    # columns: q (k), n (k, integer), inv (k), back (k); index = brand * nw + week
    q0, n0, i0, b0 = 0, k, 2 * k, 3 * k
    c = np.zeros(4 * k)
    c[n0 : n0 + k] = changeover_cost
    c[i0 : i0 + k] = holding_per_unit_week
    pen = np.asarray(BACKLOG_PENALTY_PER_UNIT_WEEK)[np.clip(rank, 0, 2)]
    c[b0 : b0 + k] = np.repeat(pen, nw)
    col_hi = np.full(4 * k, np.inf)
    col_lo = np.zeros(4 * k)
    if min_runs_per_week is not None:
        floor = np.floor(d / max(run_min_units, 1e-9))
        want = np.asarray(min_runs_per_week, dtype=float)[:, None] * (d > 0)
        col_lo[n0 : n0 + k] = np.minimum(want, floor).ravel()
    prio = rank == 0
    if rule == "strict":
        col_hi[b0 : b0 + k] = np.repeat(np.where(prio, 0.0, np.inf), nw)
    rows: list[tuple[int, int, float]] = []
    lo, hi = [], []
    r = 0
    for b in range(nb):
        for w in range(nw):
            j = b * nw + w
            # run size limits: q - max*n <= 0, q - min*n >= 0
            rows += [(r, q0 + j, 1.0), (r, n0 + j, -run_max_units)]
            lo.append(-np.inf)
            hi.append(0.0)
            r += 1
            rows += [(r, q0 + j, 1.0), (r, n0 + j, -run_min_units)]
            lo.append(0.0)
            hi.append(np.inf)
            r += 1
            # balance: inv_w - back_w - inv_{w-1} + back_{w-1} - q_w = -d_w
            rows += [(r, i0 + j, 1.0), (r, b0 + j, -1.0), (r, q0 + j, -1.0)]
            if w > 0:
                rows += [(r, i0 + j - 1, -1.0), (r, b0 + j - 1, 1.0)]
            lo.append(-d[b, w])
            hi.append(-d[b, w])
            r += 1
    if process_minutes is None:
        per_unit, per_run, avail_p = (np.full((nb, 1), minutes_per_unit), np.full((nb, 1), changeover_min), None)
    else:
        per_unit, per_run, avail_p = (np.asarray(v, dtype=float) for v in process_minutes)
        if per_unit.shape != per_run.shape or per_unit.shape != (nb, len(avail_p)) or (avail_p <= 0).any():
            raise InputError(
                "plan_weeks: process_minutes is (per unit (brands, P), per run (brands, P), a week (P,) > 0)."
            )
    for w in range(nw):
        for p in range(per_unit.shape[1]):
            week = avail if avail_p is None else float(avail_p[p])
            groups: list[tuple[list[int], float]] = [(list(range(nb)), week * max_utilisation)]
            if rule == "reserved":
                groups.append(
                    ([b for b in range(nb) if not prio[b]], min(week * max_utilisation, week * (1 - reserved_share)))
                )
            for group, limit in groups:
                for b in group:
                    j = b * nw + w
                    rows += [(r, q0 + j, per_unit[b, p]), (r, n0 + j, per_run[b, p])]
                lo.append(-np.inf)
                hi.append(limit)
                r += 1
    ri, ci, vi = zip(*rows)
    model = Model()
    model.add_vars("units", k, lb=col_lo[q0:n0], ub=col_hi[q0:n0], cost=c[q0:n0])
    model.add_vars("runs", k, lb=col_lo[n0:i0], ub=col_hi[n0:i0], cost=c[n0:i0], integer=True)
    model.add_vars("stock", k, lb=col_lo[i0:b0], ub=col_hi[i0:b0], cost=c[i0:b0])
    model.add_vars("backlog", k, lb=col_lo[b0:], ub=col_hi[b0:], cost=c[b0:])
    model.add_rows("plan", ri, ci, vi, lo=lo, hi=hi, n=r)
    sol = model.solve(time_limit_s=time_limit_s, mip_gap=1e-3)
    if sol.x is None:
        raise InfeasibleError(
            "the weekly plan cannot make the priority demand within each week's hours; raise the site's "
            "capacity level or hours_per_week, or use priority_rule = 'reserved'."
        )
    x = sol.x
    units = np.clip(x[q0 : q0 + k], 0, None).reshape(nb, nw)
    runs = np.round(x[n0 : n0 + k]).astype(int).reshape(nb, nw)
    back = np.clip(x[b0 : b0 + k], 0, None).reshape(nb, nw)
    if avail_p is None:
        used = (units * minutes_per_unit + runs * changeover_min).sum(axis=0)
    else:  # the busiest process's share of its week, in minutes of the line's week
        share = (units[:, :, None] * per_unit[:, None, :] + runs[:, :, None] * per_run[:, None, :]).sum(axis=0)
        used = (share / avail_p[None, :]).max(axis=1) * avail
    return WeeklyPlan(runs, units, back, used, avail, float(minutes_per_unit), float(changeover_min))
