"""Seeded discrete-event simulation (SimPy) of one site's production line with non-preemptive priority."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.errors import InputError

__all__ = ["SimResult", "simulate_site", "poisson_jobs"]


@dataclass(frozen=True)
class SimResult:
    """Outcome of one simulated site, times in production hours.

    Attributes
    ----------
    mean_wait_h, mean_lead_h, p95_lead_h : ndarray
        Per class: mean wait in queue, and mean and 95th percentile of wait + production.
    jobs : ndarray of int
        Jobs completed per class.
    utilisation : float
        Busy share of the simulated production hours.
    peak_backlog_units : float
        Most units waiting or in production at any time.
    horizon_h : float
    """

    mean_wait_h: np.ndarray
    mean_lead_h: np.ndarray
    p95_lead_h: np.ndarray
    jobs: np.ndarray
    utilisation: float
    peak_backlog_units: float
    horizon_h: float


def poisson_jobs(
    rates_per_h: np.ndarray, service_h: list[np.ndarray], units: list[np.ndarray], horizon_h: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Jobs arriving as independent Poisson streams, service times drawn from each class's sample.

    Parameters
    ----------
    rates_per_h : ndarray
        Arrival rate of each class (jobs per production hour).
    service_h, units : list of ndarray
        Per class, the service times (hours) and sizes (units) to draw from (paired).
    horizon_h : float
    seed : int

    Returns
    -------
    (release_h, job_class, service_h, units)
        Arrays sorted by release time.
    """
    rng = np.random.default_rng(seed)
    rel, cls, svc, size = [], [], [], []
    for k, rate in enumerate(np.asarray(rates_per_h, dtype=float)):
        if rate <= 0:
            continue
        count = rng.poisson(rate * horizon_h)
        pick = rng.integers(0, len(service_h[k]), count)
        rel.append(np.sort(rng.uniform(0, horizon_h, count)))
        cls.append(np.full(count, k))
        svc.append(np.asarray(service_h[k])[pick])
        size.append(np.asarray(units[k])[pick])
    release = np.concatenate(rel) if rel else np.zeros(0)
    order = np.argsort(release, kind="stable")
    return release[order], np.concatenate(cls)[order], np.concatenate(svc)[order], np.concatenate(size)[order]


def simulate_site(
    release_h: np.ndarray,
    job_class: np.ndarray,
    service_h: np.ndarray,
    units: np.ndarray,
    *,
    n_classes: int,
    warmup_h: float = 0.0,
) -> SimResult:
    """Run jobs through one production line: one run at a time, lowest class number first, no pre-emption.

    Parameters
    ----------
    release_h : ndarray
        When each job (a production run) is released, in production hours (sorted).
    job_class : ndarray of int
        Lane class rank of each job (0 = highest priority).
    service_h : ndarray
        Changeover + production time of each job (hours).
    units : ndarray
        Units of each job (for the backlog).
    n_classes : int
    warmup_h : float
        Jobs released before this are simulated but not counted.

    Returns
    -------
    SimResult
    """
    from siting.extras import require

    simpy = require("simpy", "The lead-time simulation of siting share")

    release_h, job_class = np.asarray(release_h, dtype=float), np.asarray(job_class, dtype=int)
    service_h, units = np.asarray(service_h, dtype=float), np.asarray(units, dtype=float)
    if not (len(release_h) == len(job_class) == len(service_h) == len(units)):
        raise InputError("simulate_site: release_h, job_class, service_h and units need one value per job.")
    if len(release_h) and ((np.diff(release_h) < 0).any() or (service_h < 0).any()):
        raise InputError("simulate_site: jobs must be sorted by release time, with service times >= 0.")
    env = simpy.Environment()
    line = simpy.PriorityResource(env, capacity=1)
    wait = np.full(len(release_h), np.nan)
    done = np.full(len(release_h), np.nan)
    state = {"backlog": 0.0, "peak": 0.0, "busy": 0.0}

    def job(j: int):
        state["backlog"] += units[j]
        state["peak"] = max(state["peak"], state["backlog"])
        with line.request(priority=int(job_class[j])) as req:
            yield req
            wait[j] = env.now - release_h[j]
            yield env.timeout(service_h[j])
            state["busy"] += service_h[j]
        state["backlog"] -= units[j]
        done[j] = env.now

    def source():
        for j in range(len(release_h)):
            gap = release_h[j] - env.now
            if gap > 0:
                yield env.timeout(gap)
            env.process(job(j))

    env.process(source())
    env.run()
    horizon = float(max(env.now, release_h[-1] if len(release_h) else 0.0))
    counted = release_h >= warmup_h
    lead = done - release_h
    mean_wait, mean_lead, p95 = (np.full(n_classes, np.nan) for _ in range(3))
    jobs = np.zeros(n_classes, dtype=int)
    for k in range(n_classes):
        sel = counted & (job_class == k)
        jobs[k] = int(sel.sum())
        if sel.any():
            mean_wait[k] = float(wait[sel].mean())
            mean_lead[k] = float(lead[sel].mean())
            p95[k] = float(np.percentile(lead[sel], 95))
    return SimResult(
        mean_wait_h=mean_wait,
        mean_lead_h=mean_lead,
        p95_lead_h=p95,
        jobs=jobs,
        utilisation=state["busy"] / horizon if horizon > 0 else 0.0,
        peak_backlog_units=float(state["peak"]),
        horizon_h=horizon,
    )
