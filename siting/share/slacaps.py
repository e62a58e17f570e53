"""SLA caps of the design MILP: the most hours each lane class may load per site, level, process and season."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siting.share.problem import KINDS, ShareProblem
from siting.share.runcount import design_run_units

__all__ = ["SEGMENTS", "SlaCaps", "brand_hours", "design_caps", "quantile_days", "within_days"]

#: Chords of the standard class's SLA edge (the most sigma_1 as a function of sigma_0) the design's rows follow.
SEGMENTS = 5


@dataclass(frozen=True)
class SlaCaps:
    """The design's SLA rows of one coalition, per site, level, process and season (shares of the level's hours).

    Attributes
    ----------
    priority : ndarray, shape (n, L, P, T)
        ``sigma_0 <= priority`` (``inf``: never binds; ``nan``: the priority class is shut out there).
    alpha, beta : ndarray, shape (n, L, P, T, SEGMENTS)
        ``sigma_1 + alpha sigma_0 <= beta`` (``beta`` ``inf``: the row never binds).
    standard_shut : ndarray of bool, shape (n, L, P, T)
        The standard class's SLA fails on an empty line there: no standard hours.
    prio_self, prio_lower : ndarray, shape (n, L, P, T), optional
        Priority rows over the lower classes' own load (``lower_load_rows``): where the site makes any
        priority units, ``prio_self sigma_0 + prio_lower lambda <= 1`` with ``lambda`` the hours of the
        standard and overflow classes / the level's hours (``nan``: the priority class is shut out there).
    """

    priority: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    standard_shut: np.ndarray
    prio_self: np.ndarray | None = None
    prio_lower: np.ndarray | None = None

    def standard_cap(self, sigma0: np.ndarray) -> np.ndarray:
        """The most ``sigma_1`` the rows allow at a priority load ``sigma0`` (shape (n, L, P, T)); inf: none
        (``sigma0`` itself where the standard class is shut out: no standard hours on top)."""
        s0 = np.asarray(sigma0, dtype=float)
        room = np.where(np.isfinite(self.beta), self.beta - self.alpha * s0[..., None], np.inf)
        return np.where(self.standard_shut, s0, room.min(axis=-1))


def _cdf(t: np.ndarray, p_wait: np.ndarray, mean_if: np.ndarray, cycle: np.ndarray) -> np.ndarray:
    """P(U + X <= t), element-wise: U uniform on [0, cycle], X = 0 w.p. 1 - p_wait, else exponential(mean_if)."""
    c = np.maximum(cycle, 1e-12)
    m = np.maximum(mean_if, 1e-12)
    lo = np.minimum(t, c)
    uni = lo / c
    expo = (lo - m * (np.exp(-(t - lo) / m) - np.exp(-t / m))) / c
    expo = np.where(mean_if > 0, expo, uni)
    return (1.0 - p_wait) * uni + p_wait * expo


def _wait_model(
    percentile: np.ndarray, mean_wait: np.ndarray, p_wait: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The percentile as a probability, the probability of waiting (clipped to [0, 1]), the mean wait and
    the mean wait given a wait (0 where nothing waits)."""
    q = np.asarray(percentile, float) / 100.0
    p = np.clip(np.asarray(p_wait, float), 0.0, 1.0)
    w = np.asarray(mean_wait, float)
    return q, p, w, np.divide(w, p, out=np.zeros(np.broadcast(w, p).shape), where=p > 0)


def quantile_days(
    percentile: np.ndarray, *, mean_wait: np.ndarray, p_wait: np.ndarray, cycle: np.ndarray, fixed: np.ndarray
) -> np.ndarray:
    """Element-wise ``percentile`` of ``fixed + U + Wq`` (the model of
    :func:`siting.share.caps.lead_time_quantile`, vectorised): U uniform on [0, cycle] (the wait for
    the brand's next run), Wq zero with probability ``1 - p_wait``, else exponential with mean
    ``mean_wait / p_wait``. All times in one unit; solved by bisection on the closed-form distribution."""
    q, p, w, mean_if = _wait_model(percentile, mean_wait, p_wait)
    c = np.asarray(cycle, float)
    lo = np.zeros(np.broadcast(q, p, w, c).shape)
    hi = np.maximum(c, 1e-12) + mean_if * (10.0 + np.log1p(1.0 / (1.0 - q))) + 1e-9
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        ok = _cdf(mid, p, mean_if, c) >= q
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return np.asarray(fixed, float) + hi


def within_days(
    percentile: np.ndarray,
    sla_days: np.ndarray,
    *,
    mean_wait: np.ndarray,
    p_wait: np.ndarray,
    cycle: np.ndarray,
    fixed: np.ndarray,
) -> np.ndarray:
    """Element-wise: the ``percentile`` of ``fixed + U + Wq`` (:func:`quantile_days`' model) is at most ``sla_days``.

    The distribution is continuous and rising, so its quantile is within ``sla_days`` exactly when
    its CDF at ``sla_days - fixed`` reaches the percentile: one closed-form evaluation in place of
    :func:`quantile_days`' bisection (the SLA caps ask this yes-or-no question thousands of times).

    Parameters
    ----------
    percentile : ndarray
        In (0, 100).
    sla_days : ndarray
        The lead time promised, in days.
    mean_wait, p_wait, cycle, fixed : ndarray
        As :func:`quantile_days` (days; ``p_wait`` in [0, 1], ``cycle`` > 0).

    Returns
    -------
    ndarray of bool
        Broadcast over the inputs: True where the percentile is at most ``sla_days``.
    """
    q, p, _, mean_if = _wait_model(percentile, mean_wait, p_wait)
    t = np.asarray(sla_days, float) - np.asarray(fixed, float)
    return _cdf(np.maximum(t, 0.0), p, mean_if, np.asarray(cycle, float)) >= q


def design_caps(
    problem: ShareProblem,
    brands: Sequence[int] | None = None,
    mix_hours_per_week: np.ndarray | None = None,
    *,
    sigma0_at: np.ndarray | None = None,
    lower_load_rows: bool = False,
) -> SlaCaps:
    """Highest cumulative load (hours of the lane classes up to ``k`` / the level's regular hours) at which
    class ``k``'s SLA holds at its percentile, per site, level, process and season: the design's SLA rows.

    Each process of a site is judged as one line running ``line_hours_per_week`` clock hours a week
    (hours of a level's process -> clock hours as ``line_hours_per_week / process_hours``). A brand
    makes runs of ``run_units`` units (run time = changeover + run_units x hours per unit); at site
    ``i`` in season ``t`` it is assumed to make the demand of every store it may serve from ``i``
    (its catchment), ``n = max(1, catchment / run size)`` runs a week. The lead time of a brand
    of class ``k`` is its run time + its demand-weighted drive time + the wait for its next run
    (uniform on ``[0, 1 week / n]``) + the queue wait of Kingman-Cobham
    (:func:`siting.share.caps.kingman_priority_waits`): ``W_k = W0 / ((1 - sigma_{k-1})(1 - sigma_k))``
    with ``W0 = sum_b rho_b E[S_b] (ca_b^2 + cs_b^2) / 2``, ``cs^2`` the run-size variance from demand
    noise and ``ca^2`` from :func:`siting.share.caps.arrival_scv`. The cap must hold for any mix the
    design may choose, so it takes the worst case for a cumulative load ``sigma_k``: the load of the
    classes up to ``k`` carried by their brand with the largest ``E[S](ca^2 + cs^2)/2`` at the site,
    the classes below filling the line to its most (``max_utilisation`` + flexible hours, below 1)
    with theirs; and the line busy (``p_wait``) at that most. For class 0 the most ``sigma_0`` is
    found by bisection; for class 1 the most ``sigma_1`` at each ``sigma_0`` of a grid (up to class
    0's own cap), and :data:`SEGMENTS` chords are laid under that edge (:func:`_chords`). A brand may
    be made in runs from ``run_units`` halved down to ``run_min_units`` (more runs, a shorter wait
    for the next): the size with the most room counts,
    and the weekly plan must then hold that many runs a week.

    Parameters
    ----------
    problem : ShareProblem
        With ``line_hours_per_week`` set (else no rows).
    brands : sequence of int, optional
        The coalition (default all brands): only its brands load the lines.
    mix_hours_per_week : ndarray, shape (n, B, P, T), optional
        Machine-hours a week each brand loads on each process of each site in each season in a design
        (:func:`brand_hours`): where the classes up to ``k`` (or those below) have hours there, their
        ``E[S](ca^2 + cs^2)/2`` is the hours-weighted mean over that mix instead of the largest of the
        site's brands (the caps of that mix, :func:`siting.share.mixcaps.design_with_mix_caps`); elsewhere
        the worst case stays. The mean is never above the largest, so the loads these caps' SLA edge
        admits include those of the worst case.
    sigma0_at : ndarray, shape (n, L, P, T), optional
        Instead of chords, the standard class's exact edge at this priority load: one row per site,
        level, process and season with ``alpha = 0`` and ``beta`` the most ``sigma_1`` there
        (``sigma0_at`` itself where no standard load fits; ``standard_shut`` all false). For checking a
        design's load against the model itself rather than its inner chords.
    lower_load_rows : bool
        The priority class judged at the lower classes' own load ``lambda`` (a variable of the design)
        instead of the line filled to its most by them: ``W0 = sigma_0 a_0 + lambda a_>0`` and the SLA
        holds iff ``W0 / (1 - sigma_0) <= M``, ``M`` the most mean queue wait at which the percentile
        holds (by bisection, the line busy with probability ``rho_max`` as before). That is the linear
        row ``(1 + a_0 / M) sigma_0 + (a_>0 / M) lambda <= 1`` (``prio_self``, ``prio_lower``), binding
        only where the site makes priority units (a binary per site in the design). ``priority`` is
        then its cap at ``lambda = 0``.

    Returns
    -------
    SlaCaps
        The priority caps, the standard class's chords and where a class is shut out (its SLA fails on
        an empty line: run time + drive + run cycle too long), per site, level, process and season;
        no rows (``inf``) without ``line_hours_per_week``.
    """
    pb = problem
    n, lv, t_count = pb.n_sites, len(pb.capacity_units_per_week), len(pb.season_names)
    n_proc, nb = len(pb.process_names), len(pb.brand_names)
    shape = (n, lv, n_proc, t_count)
    out = SlaCaps(
        np.full(shape, np.inf),
        np.zeros(shape + (SEGMENTS * (2 if lower_load_rows else 1),)),
        np.full(shape + (SEGMENTS * (2 if lower_load_rows else 1),), np.inf),
        np.zeros(shape, dtype=bool),
    )
    if pb.line_hours_per_week is None:
        return out
    brands = list(range(nb)) if brands is None else sorted(int(b) for b in brands)
    hpw = float(pb.line_hours_per_week)
    day_per_h = 7.0 / hpw
    rank = np.array([KINDS.index(k) for k in pb.brand_kind])
    sla = np.asarray(pb.brand_lead_time_days, float).copy()
    sla[rank == 2] = np.nan  # overflow is best effort
    ok = pb.eligible(brands)  # (n, m)
    demand = pb.season_demand()  # (m, T)
    store_brand = np.asarray(pb.store_brand)
    catch = np.zeros((nb, n, t_count))  # units per week each brand could send to site i in season t
    drive = np.zeros((nb, n))  # demand-weighted drive days of those stores
    time_d = np.where(np.isfinite(pb.delivery_time_s), np.asarray(pb.delivery_time_s), 0.0) / 86400.0
    for b in brands:
        mine = ok[:, store_brand == b]  # (n, mb)
        d = demand[store_brand == b]  # (mb, T)
        catch[b] = mine.astype(float) @ d
        w = mine * d.sum(axis=1)[None, :]
        tot = w.sum(axis=1)
        drive[b] = np.divide((w * time_d[:, store_brand == b]).sum(axis=1), tot, out=np.zeros(n), where=tot > 0)
    run_u = design_run_units(pb) if pb.runs_in_design else np.asarray(pb.run_units, float)
    hpu, co = np.asarray(pb.hours_per_unit, float), np.asarray(pb.changeover_hours, float)
    hours = np.asarray(pb.process_hours_per_week, float)  # (L, P)
    flex = np.asarray(pb.flex_hours_per_week, float)
    rho_max = np.minimum(pb.max_utilisation + np.divide(flex, hours, out=np.zeros_like(hours), where=hours > 0), 0.999)
    clock = np.divide(hpw, hours, out=np.zeros_like(hours), where=hours > 0)  # clock hours per machine-hour (L, P)
    cv = np.asarray(pb.demand_cv, float)
    pct = np.asarray(pb.sla_percentile, float)
    # per brand, site, level, process, season: run time (clock h), its production share, runs a week
    prod = (run_u[:, None] * hpu)[:, None, :, None] * clock[None, :, :, None]  # (B, L, P, 1)
    es = prod + co[:, None, :, None] * clock[None, :, :, None]
    share = np.divide(prod, es, out=np.zeros_like(es), where=es > 0)
    runs = np.maximum(catch / run_u[:, None, None], 1.0)  # (B, n, T)
    cs2 = (share * cv[:, None, None, None]) ** 2
    ca2 = (
        1.0
        + np.maximum(runs - 1.0, 0.0)[:, :, None, None, :] * (cv**2)[:, None, None, None, None] * (share**2)[:, None]
    )  # (B, n, L, P, T)
    resid = es[:, None] * (ca2 + cs2[:, None]) / 2.0  # E[S](ca^2+cs^2)/2, clock hours
    present = (catch > 0)[:, :, None, None, :] & (es > 0)[:, None]  # (B, n, L, P, T)
    resid = np.where(present, resid, 0.0)
    rm = rho_max[None, :, :, None]  # (1, L, P, 1)
    # with the runs in the design, one run count (the catchment's at run_units), the one the design pays for
    smallest = float(pb.run_min_units) if pb.run_min_units is not None and not pb.runs_in_design else None
    wc_top = np.full(shape, np.inf)  # the worst case's priority cap (none without a priority class)
    for k in (0, 1):
        in_k = [b for b in brands if rank[b] == k and np.isfinite(sla[b])]
        if not in_k:
            continue
        a_hi = np.max(np.where((rank <= k)[:, None, None, None, None], resid, 0.0), axis=0)  # (n, L, P, T)
        a_lo = np.max(np.where((rank > k)[:, None, None, None, None], resid, 0.0), axis=0)
        if mix_hours_per_week is not None:
            a_hi = _mix_mean(resid, mix_hours_per_week, (rank <= k) & np.isin(np.arange(nb), brands), a_hi)
            a_lo = _mix_mean(resid, mix_hours_per_week, (rank > k) & np.isin(np.arange(nb), brands), a_lo)
        # sigma_0 on a grid up to the priority class's own cap (class 0 itself: sigma_{-1} = 0)
        above = out.priority
        top = np.where(np.isnan(above), 0.0, np.minimum(above, rm)) if k else np.zeros(shape)
        grid = top[None] * np.linspace(0.0, 1.0, 2 * SEGMENTS + 1 if k else 1)[:, None, None, None, None]
        if k and lower_load_rows:  # chords up to the worst case's priority cap, then on to the cap at lambda = 0
            first = np.minimum(top, wc_top)
            steps = np.linspace(0.0, 1.0, 2 * SEGMENTS + 1)[:, None, None, None, None]
            grid = np.concatenate([first[None] * steps, first[None] + (top - first)[None] * steps[1:]])
        if k and sigma0_at is not None:
            grid = np.minimum(np.broadcast_to(np.asarray(sigma0_at, float), shape), rm)[None]
        edge = np.full(grid.shape, np.inf)  # the most sigma_k at each sigma_{k-1} over the class's brands
        for b in in_k:
            best = np.full(grid.shape, -1.0)
            for size in _run_sizes(run_u[b], smallest):
                f = size / run_u[b]  # the brand's runs at this size, its own run time and cycle
                es_b = (prod[b] * f + co[b, None, :, None] * clock[:, :, None])[None]  # (1, L, P, 1)
                n_b = np.maximum(catch[b] / size, 1.0)[:, None, None, :]  # (n, 1, 1, T)
                fixed = es_b * day_per_h + drive[b][:, None, None, None]
                best = np.maximum(best, _edge(grid, a_hi, a_lo, rm, fixed, 7.0 / n_b, pct[b], sla[b], day_per_h))
            edge = np.where(present[b][None], np.minimum(edge, best), edge)
        rmb = np.broadcast_to(rm, shape)
        if k == 0:
            wc_top = np.where(edge[0] < 0, 0.0, np.minimum(edge[0], rmb))  # the worst case's priority cap
        if k == 0 and lower_load_rows:
            most = np.full(shape, np.inf)  # the most mean queue wait (clock hours) over the class's brands
            for b in in_k:
                best = np.full(shape, -1.0)
                for size in _run_sizes(run_u[b], smallest):
                    f = size / run_u[b]
                    es_b = (prod[b] * f + co[b, None, :, None] * clock[:, :, None])[None]
                    n_b = np.maximum(catch[b] / size, 1.0)[:, None, None, :]
                    fixed = es_b * day_per_h + drive[b][:, None, None, None]
                    best = np.maximum(best, _max_wait(fixed, 7.0 / n_b, pct[b], sla[b], rm, day_per_h, shape))
                most = np.where(present[b], np.minimum(most, best), most)
            dead = most < 0
            m_pos = np.where(dead | ~np.isfinite(most), 1.0, most)
            self_c = np.where(np.isfinite(most), 1.0 + a_hi / m_pos, 0.0)
            lower_c = np.where(np.isfinite(most), a_lo / m_pos, 0.0)
            object.__setattr__(out, "prio_self", np.where(dead, np.nan, self_c))
            object.__setattr__(out, "prio_lower", np.where(dead, np.nan, lower_c))
            cap = np.divide(1.0, self_c, out=np.full(shape, np.inf), where=self_c > 0)
            out.priority[...] = np.where(dead, np.nan, np.where(cap < rmb - 1e-9, cap, np.inf))
        elif k == 0:
            cap = edge[0]
            out.priority[...] = np.where(cap < 0, np.nan, np.where(cap < rmb - 1e-9, cap, np.inf))
        elif sigma0_at is not None:
            out.beta[..., 0] = np.where(edge[0] < 0, grid[0], np.where(edge[0] < rmb - 1e-9, edge[0], np.inf))
        else:
            alpha, beta, shut = _chords(grid, edge, rmb)
            if lower_load_rows:  # chords of no width past the worst case's cap would cut the room below it
                beta[..., SEGMENTS:] = np.where((top - wc_top)[..., None] > 1e-12, beta[..., SEGMENTS:], np.inf)
            out.alpha[...], out.beta[...], out.standard_shut[...] = alpha, beta, shut
    return out


def _mix_mean(resid: np.ndarray, mix: np.ndarray, members: np.ndarray, worst: np.ndarray) -> np.ndarray:
    """Hours-weighted mean of ``resid`` (B, n, L, P, T) over the ``members`` brands' hours ``mix`` (n, B, P, T)
    at each site, process and season; ``worst`` where those brands have no hours there."""
    w = np.where(members[:, None, None, None], np.moveaxis(np.asarray(mix, float), 1, 0), 0.0)  # (B, n, P, T)
    w = np.maximum(w, 0.0)[:, :, None]  # (B, n, 1, P, T)
    tot = w.sum(axis=0)
    mean = np.divide((w * resid).sum(axis=0), tot, out=np.zeros_like(worst), where=tot > 1e-9)
    return np.where(tot > 1e-9, np.minimum(mean, worst), worst)


def brand_hours(
    problem: ShareProblem, made_units_per_week: np.ndarray, runs_per_week: np.ndarray | None = None
) -> np.ndarray:
    """Machine-hours a week each brand loads on each process of each site in each season, shape (n, B, P, T),
    from a design's ``made_units_per_week`` (n, m, T) (changeovers included, as the capacity rows count them):
    per unit (``changeover_hours / run_units``), or with ``runs_per_week`` (n, B, T; a design's
    ``runs_per_week``) the changeovers of those runs."""
    pb = problem
    brand_of = np.asarray(pb.store_brand)
    made = np.asarray(made_units_per_week, float)
    by_brand = np.stack([made[:, brand_of == b].sum(axis=1) for b in range(len(pb.brand_names))], axis=1)
    if runs_per_week is None or np.size(runs_per_week) == 0:
        return by_brand[:, :, None, :] * pb.hours_per_unit_all_in[None, :, :, None]
    runs = np.asarray(runs_per_week, float)[:, :, None, :]
    return (
        by_brand[:, :, None, :] * np.asarray(pb.hours_per_unit)[None, :, :, None]
        + runs * np.asarray(pb.changeover_hours)[None, :, :, None]
    )


def _max_wait(fixed, cycle, percentile, sla_days, rm, day_per_h, shape) -> np.ndarray:
    """The most mean queue wait (clock hours) at which the ``percentile`` of fixed + next-run wait + queue
    stays within ``sla_days`` (queue busy with probability ``rm``): -1 where it fails with no wait,
    ``inf`` where it holds at a week's mean wait and more (bisection on :func:`within_days`)."""

    def holds(w: np.ndarray) -> np.ndarray:
        return within_days(percentile, sla_days, mean_wait=w * day_per_h, p_wait=rm, cycle=cycle, fixed=fixed)

    return _largest_within(holds, np.zeros(shape), np.full(shape, 70.0 / day_per_h), steps=40)


def _largest_within(holds, lo: np.ndarray, hi: np.ndarray, *, steps: int) -> np.ndarray:
    """Vectorised bisection for the largest x in ``[lo, hi]`` where ``holds(x)`` (true below a point, false above):
    -1 where it fails at ``lo``, ``inf`` where it holds at ``hi``."""
    dead = ~holds(lo)
    full = holds(hi)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        good = holds(mid)
        lo, hi = np.where(good, mid, lo), np.where(good, hi, mid)
    return np.where(dead, -1.0, np.where(full, np.inf, lo))


def _run_sizes(run_units: float, smallest: float | None) -> list[float]:
    """Run sizes a brand may be made in for its SLA: ``run_units`` halved while at least ``smallest``."""
    sizes = [run_units]
    while smallest is not None and sizes[-1] / 2.0 >= smallest and len(sizes) < 8:
        sizes.append(sizes[-1] / 2.0)
    return sizes


def _edge(grid, a_hi, a_lo, rm, fixed, cycle, percentile, sla_days, day_per_h) -> np.ndarray:
    """The most cumulative load ``sigma_k`` (in ``[a, rm]``) at which the worst-case quantile stays within
    ``sla_days``, at each ``sigma_{k-1} = a`` of ``grid``: ``inf`` when it holds at ``rm``, -1 when it
    fails at ``sigma_k = a`` (no load of class k can be added there)."""

    def holds(sig: np.ndarray) -> np.ndarray:
        w0 = sig * a_hi + (rm - sig) * a_lo
        wait = w0 / ((1.0 - np.minimum(grid, sig)) * (1.0 - sig))
        return within_days(percentile, sla_days, mean_wait=wait * day_per_h, p_wait=rm, cycle=cycle, fixed=fixed)

    shape = np.broadcast(grid, a_hi, rm, fixed, cycle).shape
    lo = np.broadcast_to(grid, shape).copy()
    hi = np.broadcast_to(rm, shape).copy()
    return _largest_within(holds, lo, hi, steps=30)


def _chords(grid: np.ndarray, edge: np.ndarray, rm: np.ndarray):
    """Rows ``sigma_1 + alpha sigma_0 <= beta`` along the edge ``b*(a)`` (the most sigma_1 at sigma_0 = a).

    ``grid`` holds ``2 SEGMENTS + 1`` points; each row is the chord between two even points, lowered by
    how far it passes above ``b*`` at the odd point between them (exact where the edge is concave,
    where the region under it is convex and the chords lie inside). Where no load fits (``edge`` -1)
    ``b*`` is the last ``a`` that held, so the chord into that part passes below the diagonal
    ``sigma_1 = sigma_0`` (and excludes it); where the SLA holds at the most, the line's most."""
    alive = edge >= 0
    b_star = np.minimum(edge, rm[None])
    last = grid[0].copy()
    for g in range(len(grid)):
        b_star[g] = np.where(alive[g], b_star[g], last)
        last = np.where(alive[g], grid[g], last)
    a0, a_mid, a1 = grid[0:-1:2], grid[1::2], grid[2::2]
    b0, b_mid, b1 = b_star[0:-1:2], b_star[1::2], b_star[2::2]
    width = a1 - a0
    alpha = np.divide(np.maximum(b0 - b1, 0.0), width, out=np.zeros_like(width), where=width > 0)
    beta = b0 + alpha * a0
    beta = beta - np.maximum(beta - alpha * a_mid - b_mid, 0.0)
    top = grid[-1]
    never = beta - alpha * top[None] >= rm[None] - 1e-9  # at or above the line's most all along [0, top]
    # a segment starting where no load fits adds nothing: the chord into it already passes below the diagonal
    beta = np.where(never | ~alive[0:-1:2], np.inf, beta)
    return np.moveaxis(alpha, 0, -1), np.moveaxis(beta, 0, -1), ~alive[0]
