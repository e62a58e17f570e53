"""Demand scenarios for the shared-network design: correlated lognormal draws, SAA choice and regret."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.share.design import DesignResult, _build, _has_presence, _result, _solve, design_network
from siting.share.mixcaps import caps_excess, design_with_mix_caps, no_rows
from siting.share.problem import ShareProblem
from siting.share.slacaps import SlaCaps, brand_hours, design_caps

__all__ = [
    "ScenarioStudy",
    "draw_demand_factors",
    "scenario_problem",
    "evaluate_design",
    "saa_design",
    "regret_table",
    "REGRET_COLUMNS",
]


def _log_correlation(cv: np.ndarray, correlation: np.ndarray) -> np.ndarray:
    """Correlation of the normal logs that gives lognormal factors of CVs ``cv`` the correlation ``correlation``.

    For X_i = exp(Z_i) with Var Z_i = s_i^2: corr(X_i, X_j) = (exp(r_ij s_i s_j) - 1) /
    sqrt((exp(s_i^2) - 1)(exp(s_j^2) - 1)), and exp(s_i^2) - 1 = cv_i^2; solved for r_ij.
    """
    s = np.sqrt(np.log1p(cv**2))
    b = len(cv)
    r = np.eye(b)
    for i in range(b):
        for j in range(b):
            if i == j or s[i] == 0 or s[j] == 0:
                continue
            arg = 1.0 + correlation[i, j] * cv[i] * cv[j]
            if arg <= 0:
                raise InputError(
                    f"correlation[{i}, {j}] = {correlation[i, j]:g} is below the most negative correlation two "
                    f"lognormal factors of CV {cv[i]:g} and {cv[j]:g} can have; raise it (towards 0)."
                )
            r[i, j] = np.log(arg) / (s[i] * s[j])
    if (np.abs(r) > 1 + 1e-9).any():
        raise InputError(
            "correlation: no lognormal factors with these CVs have this correlation (the implied correlation of "
            "their logs is outside [-1, 1]); lower the negative correlations."
        )
    return r


def _check(n_brands: int, n_scenarios: int, cv: float | Sequence[float], correlation: object) -> tuple:
    if isinstance(n_scenarios, bool) or not isinstance(n_scenarios, int | np.integer) or n_scenarios < 1:
        raise InputError(f"n_scenarios: the number of demand scenarios must be an integer >= 1, got {n_scenarios!r}.")
    cv_arr = np.broadcast_to(np.asarray(cv, dtype=float), (n_brands,)).copy() if np.ndim(cv) == 0 else None
    if cv_arr is None:
        cv_arr = np.asarray(cv, dtype=float)
        if cv_arr.shape != (n_brands,):
            raise InputError(f"cv: one coefficient of variation or one per brand ({n_brands}), got {cv_arr.shape}.")
    if not np.isfinite(cv_arr).all() or (cv_arr < 0).any():
        raise InputError(f"cv: the coefficient of variation of demand must be finite and >= 0, got {cv_arr.tolist()}.")
    corr = np.asarray(correlation, dtype=float)
    if corr.ndim == 0:
        corr = np.full((n_brands, n_brands), float(corr))
        np.fill_diagonal(corr, 1.0)
    if corr.shape != (n_brands, n_brands):
        raise InputError(f"correlation: a number or a {n_brands} x {n_brands} matrix (one row per brand).")
    if not np.isfinite(corr).all() or (np.abs(corr) > 1).any():
        raise InputError("correlation: every correlation between brands must be a finite number in [-1, 1].")
    if not np.allclose(corr, corr.T) or not np.allclose(np.diag(corr), 1.0):
        raise InputError("correlation: the matrix must be symmetric with 1 on the diagonal.")
    if np.linalg.eigvalsh(corr).min() < -1e-9:
        raise InputError(
            "correlation: the matrix is not positive semidefinite (no random demand can have these correlations); "
            "make the pairwise correlations consistent, e.g. closer to 0."
        )
    return cv_arr, corr


def draw_demand_factors(
    n_brands: int,
    n_seasons: int,
    n_scenarios: int,
    *,
    cv: float | Sequence[float] = 0.2,
    correlation: float | np.ndarray = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """Seeded demand factors: each brand's demand in each season times a mean-1 lognormal factor.

    In each season the brands' factors are correlated (``correlation``, the correlation of the
    factors themselves); seasons are drawn independently.

    Parameters
    ----------
    n_brands, n_seasons : int
    n_scenarios : int
        Number of scenarios N (>= 1).
    cv : float or sequence of float
        Coefficient of variation of each brand's factor (>= 0; one for all or one per brand).
    correlation : float or ndarray, shape (B, B)
        Correlation between brands' factors in a season: one figure for every pair, or a
        symmetric positive semidefinite matrix with entries in [-1, 1].
    seed : int

    Returns
    -------
    ndarray, shape (N, B, T)
        Factors with mean 1 and the stated CV and correlation.
    """
    cv_arr, corr = _check(n_brands, n_scenarios, cv, correlation)
    r = _log_correlation(cv_arr, corr)
    if np.linalg.eigvalsh(r).min() < -1e-9:
        raise InputError(
            "correlation: with these CVs the correlation of the lognormal logs is not positive semidefinite; "
            "use correlations closer to 0."
        )
    s = np.sqrt(np.log1p(cv_arr**2))
    w, v = np.linalg.eigh(r)
    root = v * np.sqrt(np.clip(w, 0.0, None))  # r = root @ root.T
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_scenarios, n_seasons, n_brands)) @ root.T  # (N, T, B)
    factor = np.exp(z * s - s**2 / 2)
    return np.transpose(factor, (0, 2, 1))


def scenario_problem(problem: ShareProblem, factor: np.ndarray) -> ShareProblem:
    """The problem with each brand's season multiplier times ``factor`` (shape (B, T))."""
    factor = np.asarray(factor, dtype=float)
    if factor.shape != np.shape(problem.multiplier) or not np.isfinite(factor).all() or (factor < 0).any():
        raise InputError(f"factor: one finite factor >= 0 per brand and season, shape {np.shape(problem.multiplier)}.")
    return replace(problem, multiplier=np.asarray(problem.multiplier, dtype=float) * factor)


def _check_rounds(where: str, rounds: object) -> None:
    if rounds is None:
        return
    if isinstance(rounds, bool) or not (isinstance(rounds, int | np.integer) and 0 <= rounds <= 20):
        raise InputError(
            f"{where}: rounds (re-solves with the caps of a design's own class mix) must be None or an integer "
            f"in [0, 20], got {rounds!r}."
        )


def _operate(
    problem: ShareProblem,
    level: np.ndarray,
    brands: tuple[int, ...],
    caps: SlaCaps | None,
    time_limit_s: float,
    mip_gap: float,
) -> DesignResult | None:
    """The cheapest operation of the sites and levels ``level`` under the SLA caps ``caps`` (None: the
    worst case with the line filled by the lower classes); ``None`` where there is none."""
    t0 = time.perf_counter()
    model = _build(problem, brands, 0.0, 0.0, caps)
    n, lv = problem.n_sites, len(problem.capacity_units_per_week)
    fixed = np.zeros((n, lv))
    opened = np.flatnonzero(level >= 0)
    fixed[opened, level[opened]] = 1.0
    # the presence binaries (a site's priority units, a brand's runs there) stay binary: their LP relaxation
    # would price an operation no plan can run
    integer = _has_presence(model)
    sol = _solve(
        model, integer=integer, y_fixed=fixed.ravel(), time_limit_s=time_limit_s, gap=mip_gap if integer else 0.0
    )
    if sol.x is None or (not integer and sol.reason != "optimal"):
        return None
    # a MILP stopped by its time limit keeps its incumbent (an operation that runs), with its proven gap
    bound = sol.bound if integer and np.isfinite(sol.bound) else sol.objective
    return _result(problem, model, brands, sol.x, bound, sol.reason, time.perf_counter() - t0, sol.objective)


def evaluate_design(
    problem: ShareProblem,
    level: np.ndarray,
    brands: Sequence[int] | None = None,
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    rounds: int | None = None,
    tolerance: float = 1e-6,
) -> DesignResult | None:
    """The cheapest operation of a fixed design (sites and levels fixed, flows re-optimised; an LP, or a MILP
    over the presence binaries where the SLA rows have them).

    With SLA caps (``line_hours_per_week``) and ``rounds`` None the operation holds the worst case over mixes
    with the line filled by the lower classes (``design_caps(problem, brands)``, which holds any mix's caps).
    With ``rounds`` an integer it holds the caps of its own class mix, found as
    :func:`siting.share.mixcaps.design_with_mix_caps` finds a design's: the operation without SLA rows is
    kept if it holds its own mix's caps (it is then the cheapest of all), else up to ``rounds`` re-solves
    with the caps of the previous operation's mix until one holds its own; then the operation under the
    worst case over mixes (the priority rows over the lower classes' own load) and under the line filled by
    the lower classes are evaluated too, and the cheapest operation that holds its own mix's caps is
    kept (a mix's chords under its SLA edge can cut a corner the worst case's admit), so it is never dearer
    than the operation under the worst case. The operation returned holds the caps of its own mix
    (``caps_excess <= tolerance``; the line filled by the lower classes holds any mix's), or is ``None``.

    Returns ``None`` when that design cannot serve the problem's demand (e.g. a priority brand's
    demand exceeds its sites' hours and backlog is not allowed).
    """
    _check_rounds("evaluate_design", rounds)
    brands_t = tuple(range(len(problem.brand_names))) if brands is None else tuple(sorted(int(b) for b in brands))
    level = np.asarray(level, dtype=int)
    if problem.line_hours_per_week is None or rounds is None:
        return _operate(problem, level, brands_t, None, time_limit_s, mip_gap)

    def holds(res: DesignResult | None) -> bool:
        return res is not None and caps_excess(problem, res) <= tolerance

    prev = _operate(problem, level, brands_t, no_rows(problem), time_limit_s, mip_gap)
    if prev is None:  # no operation even without SLA rows: none with them
        return None
    if holds(prev):
        return prev
    kept: list[DesignResult] = []
    for _ in range(rounds):
        hours = brand_hours(problem, prev.made_units_per_week, prev.runs_per_week)
        caps = design_caps(problem, brands_t, hours, lower_load_rows=True)
        nxt = _operate(problem, level, brands_t, caps, time_limit_s, mip_gap)
        if nxt is None:
            break
        if holds(nxt):
            kept.append(nxt)
            break
        prev = nxt
    # the worst cases too (cheap with the levels fixed): a mix's chords under its SLA edge can cut a corner the
    # worst case's admit, so a round of a mix is not always the cheaper; the line filled by the lower classes
    # holds any mix's caps
    worst: tuple[SlaCaps | None, ...] = (design_caps(problem, brands_t, lower_load_rows=True), None)
    for given in worst:
        res = _operate(problem, level, brands_t, given, time_limit_s, mip_gap)
        if res is not None and (given is None or holds(res)):
            kept.append(res)
    return min(kept, key=lambda r: r.total_per_yr) if kept else None


@dataclass(frozen=True)
class ScenarioStudy:
    """Candidate designs scored on every demand scenario (money per year).

    Attributes
    ----------
    factors : ndarray, shape (N, B, T)
    names : tuple of str
        Candidate names: ``"mean"`` (the mean-demand design) and ``"s<k>"`` (scenario k's optimum).
    levels : ndarray of int, shape (K, n)
        Level of each site in each candidate (-1 closed).
    cost_per_yr : ndarray, shape (K, N)
        Cost of each candidate in each scenario (``inf`` where it cannot serve that scenario).
    optimum_per_yr : ndarray, shape (N,)
        Each scenario's own optimum (the design MILP's cost at ``mip_gap``).
    regret_per_yr : ndarray, shape (K, N)
        ``cost_per_yr - optimum_per_yr``.
    chosen : int
        The SAA choice: the candidate of lowest mean cost over the scenarios.
    sla_met : ndarray, shape (K, B)
        Share of scenarios in which each candidate makes all of a priority brand's demand within
        its SLA (no backlog, feasible); ``nan`` for brands without an SLA.
    gap : ndarray, shape (N + 1,)
        The proven gap of the mean-demand design's solve (first) and of each scenario's optimum
        (``DesignResult.gap``; empty where not recorded). With SLA caps, against the better of the kept
        round's bound and the bound of the design without SLA rows (a bound on every design that holds
        any caps).
    excess : ndarray, shape (K, N)
        How far each candidate's operation in each scenario passes the SLA caps of its own class mix
        (:func:`siting.share.mixcaps.caps_excess`, share of a level's hours; <= 0: every lane class's SLA
        holds at its percentile in the model); ``-inf`` without SLA caps, ``nan`` where the candidate
        cannot serve the scenario (empty where not recorded).
    design_s : ndarray, shape (N + 1,)
        Wall-clock seconds of the mean-demand design (first) and each scenario's optimum, every round of
        a mix included (empty where not recorded).
    """

    factors: np.ndarray
    names: tuple[str, ...]
    levels: np.ndarray
    cost_per_yr: np.ndarray
    optimum_per_yr: np.ndarray
    regret_per_yr: np.ndarray
    chosen: int
    sla_met: np.ndarray
    gap: np.ndarray = field(default_factory=lambda: np.zeros(0))
    excess: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    design_s: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def mean_cost_per_yr(self) -> np.ndarray:
        """Mean cost of each candidate over the scenarios (the SAA objective), shape (K,)."""
        return self.cost_per_yr.mean(axis=1)

    @property
    def wait_and_see_per_yr(self) -> float:
        """Mean of the scenario optima: a lower bound on any design's expected cost (to ``mip_gap``)."""
        return float(self.optimum_per_yr.mean())


def saa_design(
    problem: ShareProblem,
    factors: np.ndarray,
    brands: Sequence[int] | None = None,
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    rounds: int | None = None,
) -> ScenarioStudy:
    """Sample average approximation over a candidate set: pick the design of lowest mean cost.

    The candidates are the mean-demand design and each scenario's optimal design; each is
    evaluated on every scenario with its sites and levels fixed and the flows re-optimised, and
    the candidate of lowest mean cost is chosen. This is SAA restricted to those candidates (not
    the two-stage extensive form); its mean regret bounds how far it can be from the true SAA optimum.

    With SLA caps (``line_hours_per_week``) each design and operation holds, by default, the worst case over
    mixes with the line filled by the lower classes (one solve each; it holds any mix's caps). With
    ``rounds`` an integer every design is instead the first that holds the caps of its own class mix
    (:func:`siting.share.mixcaps.design_with_mix_caps`, the worst case over mixes only its fallback), and
    every candidate's operation in a scenario too (:func:`evaluate_design`). Either way each cost is of a
    design and operation whose lane classes' SLAs hold at their percentile in that scenario (``excess``).

    Parameters
    ----------
    problem : ShareProblem
        The mean-demand problem.
    factors : ndarray, shape (N, B, T)
        Demand factors, e.g. from ``draw_demand_factors``.
    brands : sequence of int, optional
    time_limit_s, mip_gap : float
        Per solve, as in ``design_network``.
    rounds : int, optional
        With SLA caps: the most re-solves with the caps of a design's own mix before the worst case
        (``design_with_mix_caps``; 0: the worst case over mixes at once); None (default): one solve under
        the worst case with the line filled.

    Returns
    -------
    ScenarioStudy

    Raises
    ------
    InfeasibleError
        When some scenario has no feasible design at all (e.g. a priority brand's demand beyond
        every site's hours with no backlog allowed): the message names the scenario's cause.
    """
    _check_rounds("saa_design", rounds)
    factors = np.asarray(factors, dtype=float)
    b_count, t_count = np.shape(problem.multiplier)
    if factors.ndim != 3 or factors.shape[1:] != (b_count, t_count) or len(factors) < 1:
        raise InputError(f"factors: shape (N >= 1, {b_count}, {t_count}) (scenario, brand, season).")
    brands = tuple(range(b_count)) if brands is None else tuple(sorted(int(b) for b in brands))
    scen = [scenario_problem(problem, f) for f in factors]
    seconds = []

    def design(p: ShareProblem, **options: Any) -> DesignResult:
        t0 = time.perf_counter()
        if rounds is None:
            d = design_network(p, brands, time_limit_s=time_limit_s, mip_gap=mip_gap, **options)
        else:
            d = design_with_mix_caps(p, brands, rounds=rounds, time_limit_s=time_limit_s, mip_gap=mip_gap, **options)[0]
        seconds.append(time.perf_counter() - t0)
        return d

    mean_design = design(problem)
    own = [design(p, start_levels=mean_design.level) for p in scen]
    names, levels = ["mean"], [mean_design.level]
    for k, d in enumerate(own):
        if not any(np.array_equal(d.level, lv) for lv in levels):
            names.append(f"s{k}")
            levels.append(d.level)
    n_k, n_s = len(levels), len(scen)
    cost = np.full((n_k, n_s), np.inf)
    prio = [b for b in brands if problem.brand_kind[b] == "priority"]
    met = np.zeros((n_k, b_count))
    excess = np.full((n_k, n_s), np.nan)
    for c, lv in enumerate(levels):
        for s, p in enumerate(scen):
            if np.array_equal(lv, own[s].level):
                res: DesignResult | None = own[s]
            else:
                res = evaluate_design(p, lv, brands, time_limit_s=time_limit_s, mip_gap=mip_gap, rounds=rounds)
            if res is None:
                continue
            cost[c, s] = res.total_per_yr
            excess[c, s] = caps_excess(p, res)
            for b in prio:
                late = res.backlog_units_per_week[np.asarray(problem.store_brand) == b].sum()
                met[c, b] += late <= 1e-9
    optimum = np.array([d.total_per_yr for d in own])
    sla = np.full((n_k, b_count), np.nan)
    sla[:, prio] = met[:, prio] / n_s
    return ScenarioStudy(
        factors=factors,
        names=tuple(names),
        levels=np.array(levels),
        cost_per_yr=cost,
        optimum_per_yr=optimum,
        regret_per_yr=cost - optimum[None, :],
        chosen=int(np.argmin(cost.mean(axis=1))),
        sla_met=sla,
        gap=np.array([mean_design.gap] + [d.gap for d in own]),
        excess=excess,
        design_s=np.array(seconds),
    )


REGRET_COLUMNS = [
    "design",
    "sites_open",
    "saa_choice",
    "mean_cost_per_yr",
    "mean_regret_per_yr",
    "p90_regret_per_yr",
    "max_regret_per_yr",
]


def regret_table(problem: ShareProblem, study: ScenarioStudy) -> pd.DataFrame:
    """One row per candidate design (``scenarios.csv``): its sites, mean cost and regret per year over the
    scenarios (mean, 90th percentile, max; ``inf`` where it cannot serve a scenario), whether SAA chose
    it, and ``sla_met_<brand>``: the share of scenarios in which each priority brand's SLA is met.

    Parameters
    ----------
    problem : ShareProblem
    study : ScenarioStudy

    Returns
    -------
    pandas.DataFrame
    """
    prio = [b for b, k in enumerate(problem.brand_kind) if k == "priority"]
    rows = []
    for c, name in enumerate(study.names):
        r = study.regret_per_yr[c]
        row = {
            "design": name,
            "sites_open": ";".join(problem.site_ids[i] for i in np.flatnonzero(study.levels[c] >= 0)),
            "saa_choice": c == study.chosen,
            "mean_cost_per_yr": float(study.mean_cost_per_yr[c]),
            "mean_regret_per_yr": float(r.mean()),
            "p90_regret_per_yr": float(np.quantile(r, 0.9)) if np.isfinite(r).all() else float("inf"),
            "max_regret_per_yr": float(r.max()),
        }
        row.update({f"sla_met_{problem.brand_names[b]}": float(study.sla_met[c, b]) for b in prio})
        rows.append(row)
    return pd.DataFrame(rows, columns=REGRET_COLUMNS + [f"sla_met_{problem.brand_names[b]}" for b in prio])
