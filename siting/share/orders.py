"""Order-driven simulation of one site (the judge of lead times): random orders, weekly re-planning, priority line."""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siting.errors import InputError

__all__ = ["BrandOrders", "LineRules", "OrderSim", "simulate_orders"]

#: Points per run at which the run's units are sampled (stratified over the unit index).
POINTS_PER_RUN = 8


@dataclass(frozen=True)
class BrandOrders:
    """One brand's orders at a site.

    Attributes
    ----------
    name : str
    rank : int
        Lane class rank (0 priority, 1 standard, 2 overflow).
    units_per_week : ndarray, shape (weeks,)
        Mean units ordered in each week of the year.
    runs_per_week : ndarray, shape (weeks,)
        Runs planned each week (at least one is released in a week with demand).
    demand_cv : float
        Coefficient of variation of a week's demand (independent gamma draws per week).
    delivery_days : float
        Mean drive time to its stores (calendar days).
    sla_days : float
        Lead time promised at the contract percentile; ``nan`` for none.
    minutes_per_unit, changeover_min : float, optional
        The brand's own clock minutes per unit and per run on the line (its routing); default the line's.
    """

    name: str
    rank: int
    units_per_week: np.ndarray
    runs_per_week: np.ndarray
    demand_cv: float
    delivery_days: float
    sla_days: float
    minutes_per_unit: float | None = None
    changeover_min: float | None = None


def _own_line(b: BrandOrders, line: LineRules) -> LineRules:
    """The line with the brand's own minutes per unit and changeover (where it has them)."""
    if b.minutes_per_unit is None and b.changeover_min is None:
        return line
    return dataclasses.replace(
        line,
        minutes_per_unit=line.minutes_per_unit if b.minutes_per_unit is None else float(b.minutes_per_unit),
        changeover_min=line.changeover_min if b.changeover_min is None else float(b.changeover_min),
    )


@dataclass(frozen=True)
class LineRules:
    """The site's line and the weekly re-planning rules (the weekly plan's own).

    Attributes
    ----------
    hours_per_week, minutes_per_unit, changeover_min : float
    run_max_units : float
        A release larger than this is split into equal runs.
    week_cap_utilisation : float
        Share of a week's hours that released non-priority runs may fill (production + changeover;
        priority runs may use the whole week); ``inf``: no weekly limit (the line's queue alone, as in
        the queueing formulas).
    rule : {"strict", "reserved"}
        strict: non-priority runs leave the priority brands' planned hours free; reserved:
        non-priority runs use at most ``1 - reserved_share`` of the week.
    reserved_share : float
    """

    hours_per_week: float
    minutes_per_unit: float
    changeover_min: float
    run_max_units: float = 500.0
    week_cap_utilisation: float = 1.0
    rule: str = "strict"
    reserved_share: float = 0.3


@dataclass(frozen=True)
class OrderSim:
    """Outcome of the replications, per brand and replication.

    Attributes
    ----------
    brands : tuple of BrandOrders
    lead_days : list of list of (values, weights)
        ``[rep][brand]``: lead time (calendar days, order to delivery, incl. the wait for the next run,
        the queue, the run and the drive) of the units ordered in the counted year, as weighted samples.
    ordered_units : ndarray, shape (reps, brands)
        Units ordered in the counted year (made or not).
    mean_wait_h : ndarray, shape (reps, 3)
        Mean queue wait of the runs of each class (production hours; nan where none).
    utilisation : ndarray, shape (reps,)
        Busy share of the counted year's hours.
    percentile : float
    hours_per_week : float
    """

    brands: tuple[BrandOrders, ...]
    lead_days: list[list[tuple[np.ndarray, np.ndarray]]]
    ordered_units: np.ndarray
    mean_wait_h: np.ndarray
    utilisation: np.ndarray
    percentile: float
    hours_per_week: float


def _check(brands: Sequence[BrandOrders], line: LineRules) -> int:
    if not brands:
        raise InputError("simulate_orders: at least one brand.")
    weeks = len(brands[0].units_per_week)
    for b in brands:
        mu, n = np.asarray(b.units_per_week, float), np.asarray(b.runs_per_week, float)
        if mu.shape != (weeks,) or n.shape != (weeks,):
            raise InputError(f"simulate_orders: brand {b.name!r} needs units and runs for each of {weeks} weeks.")
        if not (np.isfinite(mu).all() and np.isfinite(n).all()) or (mu < 0).any() or (n < 0).any():
            raise InputError(f"simulate_orders: brand {b.name!r} has a negative or non-finite demand or run count.")
        if not np.isfinite(b.demand_cv) or b.demand_cv < 0 or b.rank not in (0, 1, 2):
            raise InputError(f"simulate_orders: brand {b.name!r} needs demand_cv >= 0 and rank 0, 1 or 2.")
        own = _own_line(b, line)
        if not (np.isfinite(own.minutes_per_unit) and own.minutes_per_unit > 0) or not (
            np.isfinite(own.changeover_min) and own.changeover_min >= 0
        ):
            raise InputError(
                f"simulate_orders: brand {b.name!r} needs minutes_per_unit > 0 and changeover_min >= 0, both finite."
            )
    cap = line.week_cap_utilisation
    if line.rule not in ("strict", "reserved") or not (0 < cap <= 1 or cap == np.inf):
        raise InputError("simulate_orders: rule is 'strict' or 'reserved' and week_cap_utilisation in (0, 1] or inf.")
    if min(line.hours_per_week, line.minutes_per_unit, line.run_max_units) <= 0 or line.changeover_min < 0:
        raise InputError("simulate_orders: hours, minutes per unit and run size must be > 0, changeover >= 0.")
    return weeks


def _admit(pending: float, allowed_min: float, line: LineRules) -> tuple[float, int]:
    """Most units (and runs) of a release that fit ``allowed_min`` production + changeover minutes."""
    if pending <= 1e-9 or allowed_min <= line.changeover_min:
        return 0.0, 0
    k = int(np.ceil(pending / line.run_max_units))
    if k * line.changeover_min + pending * line.minutes_per_unit <= allowed_min:
        return pending, k
    best, runs = 0.0, 0
    for kk in range(1, k + 1):
        u = min(kk * line.run_max_units, (allowed_min - kk * line.changeover_min) / line.minutes_per_unit, pending)
        if u > best + 1e-9:
            best, runs = u, kk
    return best, runs


def _cycle_times(runs: np.ndarray, h: float, phase: float) -> np.ndarray:
    """Release times a fixed cycle apart: ``h / runs[w]`` hours in week ``w`` (no releases in weeks with none)."""
    out, t, end = [], 0.0, len(runs) * h
    first = np.flatnonzero(runs > 0)
    if not len(first):
        return np.zeros(0)
    t = first[0] * h + phase * h / runs[first[0]]
    while t < end:
        w = int(t // h)
        if runs[w] <= 0:
            nxt = np.flatnonzero(runs[w:] > 0)
            if not len(nxt):
                break
            t = (w + nxt[0]) * h
            continue
        out.append(t)
        t += h / runs[w]
    return np.asarray(out)


def _one_year(brands: Sequence[BrandOrders], line: LineRules, release: str, rng: np.random.Generator):
    weeks = len(brands[0].units_per_week)
    total_w = 2 * weeks + 4  # a warm-up year, the counted year, four weeks to release its last orders
    h = line.hours_per_week
    week_of = np.r_[np.arange(weeks), np.arange(weeks), np.arange(4)]
    bounds_t = np.arange(total_w + 1) * h
    inv_x, inv_t, release_t, release_cum = [], [], [], []
    for b in brands:
        mu = np.asarray(b.units_per_week, float)[week_of]
        if b.demand_cv > 0:
            shape = 1.0 / b.demand_cv**2
            d = np.where(mu > 0, rng.gamma(shape, np.where(mu > 0, mu, 1.0) / shape), 0.0)
        else:
            d = mu.copy()
        n = np.where(mu > 0, np.maximum(np.asarray(b.runs_per_week, float)[week_of], 1.0), 0.0)
        if release == "cycle":
            # orders arrive evenly within each week (fluid); runs every h / n hours from a random phase
            cum = np.r_[0.0, np.cumsum(d)]
            t = _cycle_times(n, h, rng.uniform())
            inv_x.append(cum)
            inv_t.append(bounds_t)
            release_t.append(t)
            release_cum.append(np.interp(t, bounds_t, cum))
        else:
            # orders of the week's mean run size arrive as a Poisson process (rate scaled by the week's
            # draw); each order is released as its own run at once
            size = np.divide(mu, n, out=np.zeros_like(mu), where=n > 0)
            count = rng.poisson(np.divide(d, size, out=np.zeros_like(d), where=size > 0))
            t = np.concatenate([w * h + np.sort(rng.uniform(0, h, c)) for w, c in enumerate(count)])
            q = np.repeat(size, count)
            after = np.cumsum(q)
            inv_x.append(np.r_[0.0, np.column_stack([after - q, after]).ravel(), after[-1:] if len(q) else 0.0])
            inv_t.append(np.r_[0.0, np.repeat(t, 2), bounds_t[-1]])
            release_t.append(t)
            release_cum.append(after)
    # planned priority minutes per week (mean demand): what a strict plan keeps free for priority runs
    prio_min = np.zeros(total_w)
    for b in brands:
        if b.rank == 0:
            mu = np.asarray(b.units_per_week, float)[week_of]
            n = np.where(mu > 0, np.maximum(np.asarray(b.runs_per_week, float)[week_of], 1.0), 0.0)
            own = _own_line(b, line)
            prio_min += mu * own.minutes_per_unit + n * own.changeover_min
    cap_min = line.week_cap_utilisation * h * 60.0
    nonprio_min = (
        np.maximum(cap_min - prio_min, 0.0)
        if line.rule == "strict"
        else np.full(total_w, min(line.week_cap_utilisation, 1.0 - line.reserved_share) * h * 60.0)
    )
    used, used_np = np.zeros(total_w), np.zeros(total_w)
    events = sorted((t, brands[i].rank, i, e) for i in range(len(brands)) for e, t in enumerate(release_t[i]))
    admitted = np.zeros(len(brands))
    jobs: list[tuple[float, int, float, int, float, float]] = []  # release, class, service_h, brand, x0, x1
    for t, rank, i, e in events:
        w = min(int(t // h), total_w - 1)
        pending = float(release_cum[i][e]) - admitted[i]
        allowed = (max(h * 60.0, cap_min) if rank == 0 else cap_min) - used[w]  # priority may use the whole week
        if rank > 0:
            allowed = min(allowed, nonprio_min[w] - used_np[w])
        own = _own_line(brands[i], line)
        u, k = _admit(pending, allowed, own)
        if k == 0:
            continue
        minutes = k * own.changeover_min + u * own.minutes_per_unit
        used[w] += minutes
        if rank > 0:
            used_np[w] += minutes
        size = u / k
        for r in range(k):
            x0 = admitted[i] + r * size
            jobs.append((t, rank, (own.changeover_min + size * own.minutes_per_unit) / 60.0, i, x0, x0 + size))
        admitted[i] += u
    jobs.sort(key=lambda j: (j[0], j[1]))
    done, wait = np.zeros(len(jobs)), np.zeros(len(jobs))
    heap: list[tuple[int, float, int]] = []
    clock, nxt, busy = 0.0, 0, 0.0
    year0, year1 = weeks * h, 2 * weeks * h
    while nxt < len(jobs) or heap:
        if not heap:
            clock = max(clock, jobs[nxt][0])
        while nxt < len(jobs) and jobs[nxt][0] <= clock:
            heapq.heappush(heap, (jobs[nxt][1], jobs[nxt][0], nxt))
            nxt += 1
        _, rel, j = heapq.heappop(heap)
        wait[j] = clock - rel
        start = clock
        clock += jobs[j][2]
        done[j] = clock
        busy += max(0.0, min(clock, year1) - max(start, year0))
    return jobs, done, wait, inv_x, inv_t, busy / (year1 - year0)


def simulate_orders(
    brands: Sequence[BrandOrders],
    line: LineRules,
    *,
    replications: int = 20,
    percentile: float = 95.0,
    release: str = "cycle",
    seed: int = 0,
) -> OrderSim:
    """Simulate a site's year order by order, ``replications`` times (seeded, independent).

    Each week a brand's demand is a gamma draw (mean ``units_per_week``, coefficient of variation
    ``demand_cv``); its orders arrive evenly within the week. The brand's runs are released
    ``runs_per_week`` times a week, on a fixed cycle with a random phase (``release="cycle"``) or at
    Poisson times (``"poisson"``); a release takes every unit ordered and not yet released, as far as
    the week's hours allow (the re-planning rule of :class:`LineRules`; the rest waits for the next
    release), in runs of at most ``run_max_units``. One line makes the runs: lowest class first, first
    released first within a class, no pre-emption. A unit's lead time runs from its order to its
    run's completion plus the drive; units never released count as not filled. Each replication
    simulates a warm-up year and counts the orders of the second year.

    Parameters
    ----------
    brands : sequence of BrandOrders
    line : LineRules
    replications : int
    percentile : float
        The contract percentile the results are judged at.
    release : {"cycle", "poisson"}
    seed : int

    Returns
    -------
    OrderSim
    """
    weeks = _check(brands, line)
    if release not in ("cycle", "poisson") or replications < 2:
        raise InputError("simulate_orders: release is 'cycle' or 'poisson' and replications >= 2.")
    rng = np.random.default_rng(seed)
    h = line.hours_per_week
    day_per_h = 7.0 / h
    leads, ordered, waits, util = [], np.zeros((replications, len(brands))), np.full((replications, 3), np.nan), []
    strata = (np.arange(POINTS_PER_RUN) + 0.5) / POINTS_PER_RUN
    for rep in range(replications):
        jobs, done, wait, inv_x, inv_t, busy = _one_year(brands, line, release, rng)
        util.append(busy)
        arr = np.array(jobs) if jobs else np.zeros((0, 6))
        for k in range(3):
            sel = arr[:, 1] == k
            if sel.any():
                waits[rep, k] = float(wait[sel].mean())
        rep_leads = []
        for i, b in enumerate(brands):
            # unit index range ordered in the counted year
            first, last = np.interp([weeks * h, 2 * weeks * h], inv_t[i], inv_x[i])
            ordered[rep, i] = last - first
            sel = np.flatnonzero(arr[:, 3] == i) if len(arr) else np.zeros(0, int)
            x0, x1 = arr[sel, 4], arr[sel, 5]
            x = x0[:, None] + strata[None, :] * (x1 - x0)[:, None]
            t_order = np.interp(x, inv_x[i], inv_t[i])
            lead = (done[sel][:, None] - t_order) * day_per_h + b.delivery_days
            keep = (x >= first) & (x < last)
            # each run's points carry exactly its units ordered in the counted year
            overlap = np.clip(np.minimum(x1, last) - np.maximum(x0, first), 0.0, None)
            count = keep.sum(axis=1)
            wgt = np.where(keep, np.divide(overlap, count, out=np.zeros_like(overlap), where=count > 0)[:, None], 0.0)
            rep_leads.append((lead[keep], wgt[keep]))
        leads.append(rep_leads)
    return OrderSim(tuple(brands), leads, ordered, waits, np.asarray(util), float(percentile), float(h))
