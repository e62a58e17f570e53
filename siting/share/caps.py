"""Lead-time caps from SLAs: a Kingman-Cobham priority approximation, its percentile, the highest load holding it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siting.errors import InputError
from siting.share.orders import BrandOrders, LineRules

__all__ = [
    "ClassTraffic",
    "kingman_priority_waits",
    "lead_time_quantile",
    "arrival_scv",
    "sla_utilisation_caps",
    "class_traffic",
    "class_quantiles_days",
]


def kingman_priority_waits(
    arrival_rates: Sequence[float] | np.ndarray,
    mean_service: Sequence[float] | np.ndarray,
    scv_service: Sequence[float] | np.ndarray,
    scv_arrival: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Mean queue wait per class of a G/G/1 non-preemptive priority queue (Cobham with Kingman's variability).

    ``W0 = sum_i lambda_i E[S_i]^2 (ca_i^2 + cs_i^2) / 2`` and ``W_k = W0 / ((1 - sigma_{k-1})(1 - sigma_k))``.
    With Poisson arrivals (``ca^2 = 1``) ``W0`` is Cobham's ``sum_i lambda_i E[S_i^2] / 2`` exactly; with one
    class it is Kingman's G/G/1 formula ``rho/(1-rho) (ca^2+cs^2)/2 E[S]``.

    Parameters
    ----------
    arrival_rates : sequence of float
        Jobs (production runs) per hour of each class; class 0 is served first.
    mean_service : sequence of float
        Mean service time (changeover + production) of each class, hours.
    scv_service, scv_arrival : sequence of float
        Squared coefficients of variation of service times and of inter-arrival times per class.

    Returns
    -------
    numpy.ndarray
        Mean wait in queue per class (hours); ``inf`` where the cumulative load reaches 1.
    """
    lam, es = np.asarray(arrival_rates, float).ravel(), np.asarray(mean_service, float).ravel()
    cs2, ca2 = np.asarray(scv_service, float).ravel(), np.asarray(scv_arrival, float).ravel()
    if not (len(lam) == len(es) == len(cs2) == len(ca2)) or len(lam) == 0:
        raise InputError("kingman_priority_waits: one rate, mean, cs^2 and ca^2 per class.")
    values = np.r_[lam, es, cs2, ca2]
    if not np.isfinite(values).all() or (values < 0).any():
        raise InputError("kingman_priority_waits: rates, service times and SCVs must be finite and >= 0.")
    sigma = np.cumsum(lam * es)
    before = np.r_[0.0, sigma[:-1]]
    w0 = float(np.sum(lam * es**2 * (ca2 + cs2)) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        waits = w0 / ((1.0 - before) * (1.0 - sigma))
    return np.where(sigma < 1.0, waits, np.inf)


def _cdf(t: np.ndarray, p_wait: float, mean_if_wait: float, cycle: float) -> np.ndarray:
    """P(U + X <= t): U uniform on [0, cycle] (wait for the next run), X = 0 w.p. 1 - p_wait, else exponential."""
    t = np.maximum(np.asarray(t, float), 0.0)
    if cycle <= 0:
        uni = np.ones_like(t)
        expo = 1.0 - np.exp(-t / mean_if_wait) if mean_if_wait > 0 else np.ones_like(t)
    else:
        lo = np.minimum(t, cycle)
        uni = lo / cycle
        if mean_if_wait > 0:
            m = mean_if_wait
            expo = (lo - m * (np.exp(-(t - lo) / m) - np.exp(-t / m))) / cycle
        else:
            expo = uni
    return (1.0 - p_wait) * uni + p_wait * expo


def lead_time_quantile(
    percentile: float, *, mean_wait: float, p_wait: float, cycle: float, fixed: float = 0.0
) -> float:
    """The ``percentile`` of ``fixed + U + Wq``: U uniform on [0, cycle], Wq zero or exponential.

    The queue wait is zero with probability ``1 - p_wait`` (the line is free) and otherwise
    exponential with mean ``mean_wait / p_wait`` (the heavy-traffic exponential tail of Kingman
    1962), so its mean is ``mean_wait``. ``U`` is the wait for the brand's next run (orders arrive
    at random between runs ``cycle`` apart). Solved by bisection on the closed-form distribution.

    Parameters
    ----------
    percentile : float
        In (0, 100).
    mean_wait, p_wait, cycle, fixed : float
        Mean queue wait, probability of waiting at all, run cycle, and a fixed part (service + delivery),
        all in one time unit (``p_wait`` in [0, 1]).

    Returns
    -------
    float
        The lead-time quantile, in the inputs' unit (``inf`` for an infinite mean wait).
    """
    if not 0.0 < percentile < 100.0:
        raise InputError(f"lead_time_quantile: percentile must be in (0, 100), got {percentile}.")
    if not np.isfinite(mean_wait):
        return float("inf")
    q = percentile / 100.0
    p_wait = float(np.clip(p_wait, 0.0, 1.0))
    mean_if = mean_wait / p_wait if p_wait > 0 else 0.0
    lo, hi = 0.0, max(cycle, 1e-12) + mean_if * (10.0 + np.log1p(1.0 / (1.0 - q)))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _cdf(np.array([mid]), p_wait, mean_if, cycle)[0] >= q:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-10 * max(hi, 1.0):
            break
    return float(fixed + hi)


def arrival_scv(runs_per_week: np.ndarray, demand_cv: np.ndarray, production_share: np.ndarray, release: str) -> float:
    """Squared coefficient of variation of a class's run releases (the superposition of its brands' runs).

    ``release="cycle"``: a brand releases ``n`` runs a week on a fixed cycle, each taking the orders
    since the last. The brands' cycles have independent phases, so a run finds the line as a random
    moment would (its time-average residual work, as under Poisson arrivals): the base is ``c^2 = 1``,
    not the 0 of one periodic stream alone (crediting the smoothness made the priority class's p95
    0.6 days too short against the simulation). Weekly demand noise (coefficient of variation
    ``cv``) makes a week's ``n`` runs large or small together, so its work varies as ``n`` times one
    run's variance: in the heavy-traffic (asymptotic) sense the stream carries ``(n - 1) cv^2 f^2``
    more, ``f`` the production share of a run's time, beyond the run-size variance in ``cs^2``.
    ``release="poisson"``: each order is a run of fixed size arriving at random at a rate drawn each
    week; the count of a week is Poisson mixed by the draw, index of dispersion ``1 + n cv^2``.
    Brands superpose by their run rates (Whitt's asymptotic method).

    Parameters
    ----------
    runs_per_week, demand_cv, production_share : ndarray
        One value per brand of the class.
    release : {"cycle", "poisson"}

    Returns
    -------
    float
    """
    n = np.asarray(runs_per_week, float)
    if n.sum() <= 0:
        return 1.0
    cv2 = np.asarray(demand_cv, float) ** 2
    if release == "poisson":
        c2 = 1.0 + n * cv2
    else:
        c2 = 1.0 + np.maximum(n - 1.0, 0.0) * cv2 * np.asarray(production_share, float) ** 2
    return float(np.sum(n / n.sum() * c2))


@dataclass(frozen=True)
class ClassTraffic:
    """One lane class at a site, for the caps (hours are production hours).

    Attributes
    ----------
    load_share : float
        The class's share of the site's load (its ``rho_k / rho``).
    mean_service_h, scv_service, scv_arrival : float
        Mean run time (changeover + production) and the two squared coefficients of variation.
    cycle_h : float
        Longest time between two runs of one of its brands (the wait for the next run is uniform on it).
    delivery_days : float
    sla_days : float
        Lead time promised at ``percentile`` (``nan``: no promise).
    """

    load_share: float
    mean_service_h: float
    scv_service: float
    scv_arrival: float
    cycle_h: float
    delivery_days: float
    sla_days: float


def class_quantiles_days(
    traffic: Sequence[ClassTraffic], utilisation: float, percentile: float, hours_per_week: float
) -> np.ndarray:
    """Analytic lead-time quantile per class (calendar days) at a total utilisation of the line."""
    share = np.array([c.load_share for c in traffic])
    es = np.array([c.mean_service_h for c in traffic])
    lam = np.divide(utilisation * share, es, out=np.zeros_like(es), where=es > 0)
    waits = kingman_priority_waits(lam, es, [c.scv_service for c in traffic], [c.scv_arrival for c in traffic])
    day_per_h = 7.0 / hours_per_week
    return np.array(
        [
            lead_time_quantile(
                percentile,
                mean_wait=float(w) * day_per_h,
                p_wait=utilisation,
                cycle=c.cycle_h * day_per_h,
                fixed=(c.mean_service_h * day_per_h + c.delivery_days),
            )
            for c, w in zip(traffic, waits, strict=True)
        ]
    )


def sla_utilisation_caps(
    traffic: Sequence[ClassTraffic], *, percentile: float = 95.0, hours_per_week: float = 40.0
) -> np.ndarray:
    """Highest utilisation of the line (production + changeover hours / hours) at which each class's SLA holds.

    The class mix is held fixed while the load scales; each cap is found by bisection on
    :func:`class_quantiles_days` (it rises with load). A class with no SLA gets 1.0; a class whose
    SLA fails even on an empty line (run cycle + run time + delivery too long) gets 0.0.

    Parameters
    ----------
    traffic : sequence of ClassTraffic
        The classes in priority order.
    percentile : float
        The contract percentile (e.g. 95).
    hours_per_week : float
        Production hours a week (hours -> calendar days as ``7 / hours_per_week``).

    Returns
    -------
    numpy.ndarray
        Cap per class, in [0, 1].
    """
    caps = np.ones(len(traffic))
    for k, c in enumerate(traffic):
        if not np.isfinite(c.sla_days) or c.load_share <= 0:
            continue
        if class_quantiles_days(traffic, 1e-9, percentile, hours_per_week)[k] > c.sla_days:
            caps[k] = 0.0
            continue
        lo, hi = 0.0, 1.0
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            if class_quantiles_days(traffic, mid, percentile, hours_per_week)[k] <= c.sla_days:
                lo = mid
            else:
                hi = mid
        caps[k] = lo
    return caps


def class_traffic(brands: Sequence[BrandOrders], line: LineRules, weeks: np.ndarray, release: str = "cycle"):
    """The lane classes of a site as :class:`ClassTraffic`, from its brands' mean orders and runs over ``weeks``.

    A brand of mean ``mu`` units and ``n`` runs a week makes runs of ``q = mu / n`` units taking
    ``changeover + q * minutes_per_unit``; weekly demand noise spreads the run sizes (cycle release:
    run-size variance ``(q m cv)^2``; Poisson release: fixed sizes). A class's service moments mix
    its brands by run rate.

    Parameters
    ----------
    brands : sequence of BrandOrders
    line : LineRules
    weeks : ndarray of int
        The weeks to average (e.g. the peak season's).
    release : {"cycle", "poisson"}

    Returns
    -------
    (list of ClassTraffic, float)
        Three classes (priority, standard, overflow) and the line's utilisation over ``weeks``.
    """
    h = line.hours_per_week
    rate, es, var, cv, share_p, cycle, deliv, sla, rank = ([] for _ in range(9))
    for b in brands:
        mu = float(np.mean(np.asarray(b.units_per_week, float)[weeks]))
        n = float(np.mean(np.asarray(b.runs_per_week, float)[weeks])) if mu > 0 else 0.0
        n = max(n, 1.0) if mu > 0 else 0.0
        q = mu / n if n > 0 else 0.0
        prod = q * line.minutes_per_unit / 60.0
        rate.append(n / h)
        es.append(line.changeover_min / 60.0 + prod)
        var.append((prod * b.demand_cv) ** 2 if release == "cycle" else 0.0)
        cv.append(b.demand_cv)
        share_p.append(prod / es[-1] if es[-1] > 0 else 0.0)
        cycle.append(h / n if (n > 0 and release == "cycle") else 0.0)
        deliv.append(b.delivery_days)
        sla.append(b.sla_days)
        rank.append(b.rank)
    rate_a, es_a, var_a, rank_a = np.array(rate), np.array(es), np.array(var), np.array(rank)
    load = rate_a * es_a
    total = float(load.sum())
    out = []
    for k in range(3):
        sel = (rank_a == k) & (rate_a > 0)
        if not sel.any():
            out.append(ClassTraffic(0.0, 1.0, 0.0, 1.0, 0.0, 0.0, float("nan")))
            continue
        w = rate_a[sel] / rate_a[sel].sum()
        m1 = float(np.dot(w, es_a[sel]))
        m2 = float(np.dot(w, es_a[sel] ** 2 + var_a[sel]))
        slas = np.array(sla)[sel]
        out.append(
            ClassTraffic(
                load_share=float(load[sel].sum() / total) if total > 0 else 0.0,
                mean_service_h=m1,
                scv_service=max(m2 / m1**2 - 1.0, 0.0),
                scv_arrival=arrival_scv(np.array(rate)[sel] * h, np.array(cv)[sel], np.array(share_p)[sel], release),
                cycle_h=float(np.max(np.array(cycle)[sel])),
                delivery_days=float(np.max(np.array(deliv)[sel])),
                sla_days=float(np.nanmin(slas)) if np.isfinite(slas).any() else float("nan"),
            )
        )
    return out, total
