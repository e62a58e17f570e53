"""SLA caps from a design's own class mix: solve -> mix -> caps -> re-solve to a checked fixed point."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.errors import InputError
from siting.milp import status_words
from siting.share.design import DesignResult, cap_hours, design_network
from siting.share.problem import KINDS, ShareProblem
from siting.share.slacaps import SlaCaps, brand_hours, design_caps

__all__ = ["MIX_ROUNDS", "MixRound", "caps_excess", "design_with_mix_caps", "no_rows"]

#: Re-solves with a mix's caps before the worst case (a modelling choice: the demo and the benchmark hold in 1).
MIX_ROUNDS = 3


@dataclass(frozen=True)
class MixRound:
    """One solve of the fixed point.

    Attributes
    ----------
    round : int
        -1: the design without SLA rows (kept if it holds its own mix's caps); r >= 1: caps of the previous
        round's mix (round 1: of the design without rows); 0: the fallback, caps of the worst case over
        mixes (a second round 0: the line filled by the lower classes, solved only when the first fails its
        own mix's caps).
    total_per_yr : float
    excess : float
        How far the round's design passes the caps of its own mix (largest excess, share of a level's
        hours; <= 0: it holds them, the design is *consistent*).
    consistent : bool
    """

    round: int
    total_per_yr: float
    excess: float
    consistent: bool


def caps_excess(
    problem: ShareProblem, design: DesignResult, *, own_mix: bool = True, lower_load_rows: bool = True
) -> float:
    """Largest amount by which ``design``'s hours pass the SLA model at its open levels (share of a level's hours).

    Per open site, process and season, with ``sigma_k`` the hours of the classes up to ``k`` over the
    level's hours ``H_{l,p}``: ``sigma_0`` against the priority cap and ``sigma_1`` against the standard
    class's exact edge at the design's own ``sigma_0`` (:func:`siting.share.slacaps.design_caps` with
    ``sigma0_at``; no chords), of the design's own class mix (``own_mix``) or of the worst case; with
    ``lower_load_rows`` the priority class at the design's own lower-class load ``lambda``
    (``prio_self sigma_0 + prio_lower lambda <= 1`` where the site makes priority units; excess in
    units of ``sigma_0``).

    Returns
    -------
    float
        The largest excess (<= 0: every SLA holds in the model; ``-inf`` with no open site or no row).
    """
    pb = problem
    if pb.line_hours_per_week is None:
        return -np.inf
    rank = np.array([KINDS.index(k) for k in pb.brand_kind])
    hours = brand_hours(pb, design.made_units_per_week, design.runs_per_week)  # (n, B, P, T)
    full = np.asarray(pb.process_hours_per_week, float)  # (L, P)
    s0 = np.zeros((pb.n_sites, full.shape[0]) + hours.shape[2:])  # (n, L, P, T)
    s0[:] = hours[:, rank == 0].sum(axis=1)[:, None] / np.maximum(full, 1e-12)[None, :, :, None]
    caps = design_caps(
        pb, list(design.brands), hours if own_mix else None, sigma0_at=s0, lower_load_rows=lower_load_rows
    )
    worst = -np.inf
    for i in design.open_sites:
        lvl = int(design.level[i])
        f = np.maximum(full[lvl][:, None], 1e-12)  # (P, 1)
        a = hours[i, rank == 0].sum(axis=0) / f  # (P, T)
        b = hours[i, rank <= 1].sum(axis=0) / f
        parts = [a - np.nan_to_num(caps.priority[i, lvl], nan=0.0), b - caps.beta[i, lvl, :, :, 0]]
        if caps.prio_self is not None and caps.prio_lower is not None:
            lam = hours[i, rank > 0].sum(axis=0) / f
            ps, pl = caps.prio_self[i, lvl], caps.prio_lower[i, lvl]
            over = np.divide(
                ps * a + pl * lam - 1.0, ps, out=np.full(a.shape, -np.inf), where=np.isfinite(ps) & (ps > 0)
            )
            parts.append(np.where(a > 1e-12, np.where(np.isnan(ps), a, over), -np.inf))
        worst = max(worst, max(float(np.max(np.where(np.isfinite(p), p, -np.inf))) for p in parts))
    return worst


def no_rows(problem: ShareProblem) -> SlaCaps:
    """SLA caps that never bind (the design with the runs a week but no SLA row): a relaxation of every round."""
    pb = problem
    shape = (pb.n_sites, len(pb.capacity_units_per_week), len(pb.process_names), len(pb.season_names))
    return SlaCaps(np.full(shape, np.inf), np.zeros(shape + (1,)), np.full(shape + (1,), np.inf), np.zeros(shape, bool))


def _within(design: DesignResult, bound: float, mip_gap: float) -> bool:
    """The design's cost is within ``mip_gap`` of ``bound`` (a lower bound on every round's optimum)."""
    total = design.total_per_yr
    return bool(np.isfinite(bound) and total > 0 and (total - bound) / total <= mip_gap)


def _bounded(design: DesignResult, bound: float) -> DesignResult:
    """The design with the better of its own bound and ``bound`` (both valid for it), its gap and status anew."""
    best = max(design.lower_bound, min(bound, design.total_per_yr))
    if best <= design.lower_bound:
        return design
    gap = max((design.total_per_yr - best) / design.total_per_yr, 0.0) if design.total_per_yr > 0 else 0.0
    return dataclasses.replace(design, lower_bound=float(best), gap=float(gap), status=status_words(gap, "optimal"))


def _own_caps(problem: ShareProblem, coalition: list[int], design: DesignResult, lower: bool) -> DesignResult:
    """The design with the SLA cap hours of its own class mix (``sla_cap_hours_per_week``; a design solved
    without SLA rows shows the level's hours)."""
    hours = brand_hours(problem, design.made_units_per_week, design.runs_per_week)
    caps = design_caps(problem, coalition, hours, lower_load_rows=lower)
    return dataclasses.replace(design, sla_cap_hours_per_week=cap_hours(problem, design.level, hours, caps))


def design_with_mix_caps(
    problem: ShareProblem,
    brands: Sequence[int] | None = None,
    *,
    rounds: int = MIX_ROUNDS,
    tolerance: float = 1e-6,
    lower_load_rows: bool = True,
    **design_options: Any,
) -> tuple[DesignResult, tuple[MixRound, ...]]:
    """The cheapest design that holds the SLA caps of its own class mix, by a bounded fixed-point iteration.

    First the design without SLA rows (the runs a week kept): every round's model is that design's plus
    rows, so it bounds every round from below, and when it holds the caps of its own mix and reached
    ``mip_gap`` it is returned (round -1; no capped round can be cheaper than its bound). Otherwise round
    r >= 1 solves with the caps of the previous design's class mix, starting from the design without rows
    (each brand's hours per site, process and season, ``design_caps(..., mix_hours_per_week=...)``), and
    each round's design is checked against the caps of its *own* mix (:func:`caps_excess` <=
    ``tolerance``). The first round that holds them is returned and the worst-case design is then not solved (it
    cost the demo's Aurora + Birch coalition 46 s of its 74 s of CPU): a mix's exact SLA edge is never below the
    worst case's, so the round is usually the cheaper, but not always, as the rows are chords under each edge
    and a mix's chords can cut a corner the worst case's admit (0.34% dearer on a random instance,
    ``tests/share/test_saa_mixcaps.py``). Only if no round holds its own caps within ``rounds`` re-solves (or a
    round repeats the previous one's levels and hours, a fixed point that breaks them) round 0 is solved, the
    fallback: the worst-case caps (:func:`siting.share.slacaps.design_caps` over any mix; with
    ``lower_load_rows`` the priority rows over the lower classes' own load, and only if that design fails its
    own mix's caps also the line filled by the lower classes, which holds any mix's caps). The design returned
    always holds the caps of the mix it carries; its lower bound is the better of its own and the bound without
    SLA rows. Without ``line_hours_per_week`` one plain solve.

    Parameters
    ----------
    problem : ShareProblem
    brands : sequence of int, optional
        The coalition (default all brands).
    rounds : int
        Most re-solves with a mix's caps before the worst case (>= 0; 0: the worst case over mixes at once).
    tolerance : float
        Excess (share of a level's hours) still counted as holding the caps.
    lower_load_rows : bool
        Judge the priority class at the lower classes' own load, a variable of the design
        (``design_caps(lower_load_rows=True)``), from round 0 on; false: the line filled to its most by
        them.
    **design_options
        Passed to :func:`siting.share.design.design_network`.

    Returns
    -------
    (DesignResult, tuple of MixRound)
        The chosen design and every round's cost and consistency.
    """
    if not (isinstance(rounds, int | np.integer) and 0 <= rounds <= 20):
        raise InputError(f"design_with_mix_caps: rounds must be an integer in [0, 20], got {rounds!r}.")
    if problem.line_hours_per_week is None:
        design = design_network(problem, brands, **design_options)
        return design, (MixRound(0, design.total_per_yr, -np.inf, True),)
    coalition = list(range(len(problem.brand_names))) if brands is None else sorted(int(b) for b in brands)
    lower = bool(lower_load_rows)
    # every round's design is feasible without the SLA rows, so the design without them bounds them all
    # from below, and its sites start the worst case
    free = design_network(problem, coalition, sla_caps=no_rows(problem), **design_options)
    gap = float(design_options.get("mip_gap", 1e-4))
    excess_free = caps_excess(problem, free, lower_load_rows=lower)
    if excess_free <= tolerance and _within(free, free.lower_bound + free.grouping_slack_per_yr, gap):
        # it holds the caps of its own mix and no round can be cheaper than its bound: the rows would not bind
        return _own_caps(problem, coalition, free, lower), (MixRound(-1, free.total_per_yr, excess_free, True),)
    log = [MixRound(-1, free.total_per_yr, excess_free, bool(excess_free <= tolerance))]
    # the rounds of a mix, from the design without rows: each round's exact SLA edge admits every load the
    # worst case's does (its chords not always), so a consistent round is kept and the worst case not solved
    best, prev = None, free
    for r in range(1, 1 + rounds):
        caps = design_caps(
            problem,
            coalition,
            brand_hours(problem, prev.made_units_per_week, prev.runs_per_week),
            lower_load_rows=lower,
        )
        options = dict(design_options)
        options.setdefault("start_levels", prev.level)
        nxt = design_network(problem, coalition, sla_caps=caps, **options)
        excess = caps_excess(problem, nxt, lower_load_rows=lower)
        log.append(MixRound(r, nxt.total_per_yr, excess, bool(excess <= tolerance)))
        if excess <= tolerance:
            best = nxt  # the first design that holds the caps of its own mix
            break
        same = np.array_equal(nxt.level, prev.level) and np.allclose(
            brand_hours(problem, nxt.made_units_per_week, nxt.runs_per_week),
            brand_hours(problem, prev.made_units_per_week, prev.runs_per_week),
            atol=1e-6,
        )
        if same:
            break  # a fixed point that breaks its own mix's caps: no later round differs
        prev = nxt
    if best is None:
        best = _worst_case(problem, coalition, free, lower, tolerance, log, design_options)
    return _bounded(best, free.lower_bound), tuple(log)


def _worst_case(
    problem: ShareProblem,
    coalition: list[int],
    free: DesignResult,
    lower: bool,
    tolerance: float,
    log: list[MixRound],
    design_options: dict[str, Any],
) -> DesignResult:
    """Round 0, the fallback where no round of a mix held its own caps: the worst case over mixes (with
    ``lower``, the priority class at the lower classes' own load), and only if that design fails its own
    mix's caps the line filled by the lower classes, which holds any mix's caps. Appends to ``log``."""
    options = dict(design_options)
    options.setdefault("start_levels", free.level)
    worst = design_caps(problem, coalition, lower_load_rows=lower)
    design = design_network(problem, coalition, sla_caps=worst, **options)
    excess0 = caps_excess(problem, design, lower_load_rows=lower)
    log.append(MixRound(0, design.total_per_yr, excess0, bool(excess0 <= tolerance)))
    if excess0 > tolerance:  # the line filled by the lower classes: consistent for any mix
        options = dict(design_options)
        options.setdefault("start_levels", design.level)
        design = design_network(problem, coalition, **options)
        excess0 = caps_excess(problem, design, lower_load_rows=lower)
        log.append(MixRound(0, design.total_per_yr, excess0, bool(excess0 <= tolerance)))
    return design
