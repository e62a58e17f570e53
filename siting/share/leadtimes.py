"""Lead time of each lane class at a site at peak: Cobham's formula and the simulation of the weekly plan."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.share.queueing import priority_waits
from siting.share.schedule import WeeklyPlan
from siting.share.simulate import simulate_site

__all__ = ["ClassLeadTimes", "class_lead_times"]


@dataclass(frozen=True)
class ClassLeadTimes:
    """Lead times (order to delivery, calendar days) of each lane class at one site at peak.

    ``rank`` lists the classes present (0 priority, 1 standard, 2 overflow); arrays follow it.
    """

    rank: np.ndarray
    mean_days_analytic: np.ndarray
    mean_days_simulated: np.ndarray
    p95_days_simulated: np.ndarray
    utilisation_simulated: float
    peak_backlog_units: float
    queue_utilisation: float


def _jobs_of_plan(plan: WeeklyPlan, brand_rank: np.ndarray, weeks: np.ndarray, reps: int, hours: float, seed: int):
    """Each planned run is released at a uniform random production hour of its week (weeks repeated ``reps``
    times); its service is its changeover + production time."""
    rng = np.random.default_rng(seed)
    rel, cls, svc, size = [], [], [], []
    for rep in range(reps):
        for pos, w in enumerate(weeks):
            start = (rep * len(weeks) + pos) * hours
            for b in range(plan.runs.shape[0]):
                n = int(plan.runs[b, w])
                if n == 0:
                    continue
                q = plan.units[b, w] / n
                rel.append(start + rng.uniform(0, hours, n))
                cls.append(np.full(n, brand_rank[b]))
                svc.append(np.full(n, (plan.changeover_min + q * plan.minutes_per_unit) / 60.0))
                size.append(np.full(n, q))
    release = np.concatenate(rel) if rel else np.zeros(0)
    order = np.argsort(release, kind="stable")
    return (
        release[order],
        np.concatenate(cls)[order] if cls else np.zeros(0, int),
        np.concatenate(svc)[order] if svc else np.zeros(0),
        np.concatenate(size)[order] if size else np.zeros(0),
    )


def class_lead_times(
    plan: WeeklyPlan,
    brand_rank: np.ndarray,
    delivery_days: dict[int, float],
    peak_weeks: np.ndarray,
    *,
    hours_per_week: float,
    sim_weeks: int = 520,
    seed: int = 0,
) -> ClassLeadTimes:
    """Lead time per lane class at peak: queue wait + production (+ changeover) + mean delivery time.

    The analytic figure treats the site as an M/G/1 non-preemptive priority queue (Cobham) whose
    jobs are the plan's production runs at peak: Poisson arrivals at the plan's run rate per class,
    service times of the plan's runs. The simulation releases exactly the plan's runs, each at a
    random hour of its week, so its arrivals are less bursty than Poisson: it waits less when the
    plan is regular, and both grow without bound as the peak load nears the week's hours.
    Production hours convert to calendar days as ``7 / hours_per_week`` days per hour.

    Parameters
    ----------
    plan : WeeklyPlan
    brand_rank : ndarray of int
        Class rank of each brand of the plan.
    delivery_days : dict
        Class rank -> mean drive time to that class's stores (days).
    peak_weeks : ndarray of int
        Weeks of the plan that form the peak.
    hours_per_week : float
    sim_weeks : int
        Weeks simulated (the peak weeks repeated).
    seed : int

    Returns
    -------
    ClassLeadTimes
    """
    brand_rank = np.asarray(brand_rank, dtype=int)
    peak_weeks = np.asarray(peak_weeks, dtype=int)
    ranks = np.array(sorted({int(r) for b, r in enumerate(brand_rank) if plan.runs[b, peak_weeks].sum() > 0}))
    hours = len(peak_weeks) * hours_per_week
    lam, es, es2 = [], [], []
    for k in range(3):
        svc = np.concatenate(
            [
                (plan.changeover_min + plan.run_sizes(b, peak_weeks) * plan.minutes_per_unit) / 60.0
                for b in np.flatnonzero(brand_rank == k)
                if plan.runs[b, peak_weeks].sum() > 0
            ]
            or [np.zeros(0)]
        )
        lam.append(len(svc) / hours)
        es.append(float(svc.mean()) if len(svc) else 0.0)
        es2.append(float((svc**2).mean()) if len(svc) else 0.0)
    wait_h = priority_waits(lam, es, es2)
    day_per_h = 7.0 / hours_per_week
    reps = max(1, int(np.ceil(sim_weeks / len(peak_weeks))))
    jobs = _jobs_of_plan(plan, brand_rank, peak_weeks, reps, hours_per_week, seed)
    sim = simulate_site(*jobs, n_classes=3, warmup_h=hours_per_week)
    deliver = np.array([delivery_days.get(int(k), 0.0) for k in ranks])
    return ClassLeadTimes(
        rank=ranks,
        mean_days_analytic=(wait_h[ranks] + np.asarray(es)[ranks]) * day_per_h + deliver,
        mean_days_simulated=sim.mean_lead_h[ranks] * day_per_h + deliver,
        p95_days_simulated=sim.p95_lead_h[ranks] * day_per_h + deliver,
        utilisation_simulated=sim.utilisation,
        peak_backlog_units=sim.peak_backlog_units,
        queue_utilisation=float(np.dot(lam, es)),
    )
