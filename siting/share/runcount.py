"""Runs a week in the design: the catchment's run count the SLA caps assume, paid for where a brand is made."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from siting.milp import Model
from siting.share.problem import KINDS, ShareProblem

__all__ = [
    "add_run_columns",
    "catchment_units",
    "catchment_runs",
    "design_run_units",
    "free_runs",
    "run_brands",
    "runs_of_design",
]


def catchment_units(problem: ShareProblem, brands: Sequence[int] | None = None) -> np.ndarray:
    """Units per week each brand could send to each site in each season, shape (B, n, T): the demand of
    every store of the brand (in the coalition ``brands``) the site may serve."""
    pb = problem
    nb = len(pb.brand_names)
    ok = pb.eligible(None if brands is None else list(brands)).astype(float)  # (n, m)
    demand = pb.season_demand()
    store_brand = np.asarray(pb.store_brand)
    return np.stack([ok[:, store_brand == b] @ demand[store_brand == b] for b in range(nb)])


def free_runs(problem: ShareProblem) -> np.ndarray:
    """Which brands' runs cost no machine-hours, shape (B,) of bool: no changeover hours on any process and,
    with a changeover matrix, no changeover into or out of the brand (so a run more or less of it moves
    no other brand's changeovers either)."""
    pb = problem
    free = np.asarray(~(np.asarray(pb.changeover_hours, dtype=float) > 0).any(axis=1), dtype=bool)
    matrix = pb.changeover_matrix_hours
    if matrix is not None:
        m = np.asarray(matrix, dtype=float)  # (P, B, B): from, to
        free &= ~((m > 0).any(axis=(0, 1)) | (m > 0).any(axis=(0, 2)))
    return np.asarray(free, dtype=bool)


def design_run_units(problem: ShareProblem) -> np.ndarray:
    """Units per run the design commits each brand to, shape (B,).

    ``run_units``, except for a brand whose runs are a design decision (:func:`run_brands`) and cost no
    machine-hours (:func:`free_runs`): it is made in the smallest run the plan allows, ``run_min_units``
    (at most ``run_units``). That is the design's best choice of run size for it, exactly: a smaller run
    shortens the run's own time, the wait for the next run and the residual work others find on the
    line, so it gives every SLA row at least as much room, at no hours. A brand whose runs cost
    changeover hours keeps ``run_units`` (the design pays those changeovers per run).
    """
    pb = problem
    out = np.asarray(pb.run_units, dtype=float).copy()
    if pb.run_min_units is None:
        return out
    chosen = np.zeros(len(out), dtype=bool)
    chosen[run_brands(pb)] = True
    chosen &= free_runs(pb)
    out[chosen] = np.minimum(float(pb.run_min_units), out[chosen])
    return out


def catchment_runs(problem: ShareProblem, brands: Sequence[int] | None = None) -> np.ndarray:
    """Runs a week of each brand at each site in each season as the SLA caps assume, shape (B, n, T):
    ``max(1, catchment / run size)`` (:func:`design_run_units`) where the brand has a catchment at the site
    in some season, else 0."""
    catch = catchment_units(problem, brands)
    run_u = design_run_units(problem)[:, None, None]
    return np.where(catch.sum(axis=2, keepdims=True) > 0, np.maximum(catch / run_u, 1.0), 0.0)


def run_brands(problem: ShareProblem, brands: Sequence[int] | None = None) -> np.ndarray:
    """Brands whose runs a week are a design decision (``runs_in_design`` with ``line_hours_per_week``): those
    of the coalition with an SLA (the priority class, and the standard class where it has a lead time)."""
    pb = problem
    if not pb.runs_in_design or pb.line_hours_per_week is None:
        return np.zeros(0, dtype=int)
    members = range(len(pb.brand_names)) if brands is None else sorted(int(b) for b in brands)
    sla = np.asarray(pb.brand_lead_time_days, dtype=float)
    return np.array(
        [b for b in members if KINDS.index(pb.brand_kind[b]) < 2 and np.isfinite(sla[b])],
        dtype=int,
    )


def runs_of_design(
    problem: ShareProblem, made_units_per_week: np.ndarray, present: np.ndarray | None = None
) -> np.ndarray:
    """Runs a week each brand makes at each site in each season, shape (n, B, T).

    ``made / run_units`` (the changeovers the capacity rows charge per unit), except for the brands with
    their runs in the design (``present``, shape (n, B, T), 1 where the design chose to make the brand
    there): the catchment's count :func:`catchment_runs` wherever it is made, as the SLA caps assume.
    """
    pb = problem
    brand_of = np.asarray(pb.store_brand)
    made = np.asarray(made_units_per_week, dtype=float)
    by_brand = np.stack([made[:, brand_of == b].sum(axis=1) for b in range(len(pb.brand_names))], axis=1)
    runs = by_brand / np.asarray(pb.run_units, dtype=float)[None, :, None]
    if present is not None:
        fixed = np.moveaxis(catchment_runs(pb), 0, 1)  # (n, B, T)
        on = np.asarray(present, dtype=float)
        mine = np.zeros(len(pb.brand_names), dtype=bool)
        mine[run_brands(pb)] = True
        runs = np.where(mine[None, :, None], fixed * ((on > 0.5) & (by_brand > 1e-9)), runs)  # no units, no runs
    return runs


def add_run_columns(
    milp: Model,
    problem: ShareProblem,
    brands: Sequence[int],
    load_rows: list[np.ndarray],
    load_cols: list[np.ndarray],
    load_vals: list[np.ndarray],
    col_brand: np.ndarray,
    units: np.ndarray,
    open_cols: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The design's run count (``runs_in_design``): a binary ``w[b, i, t]`` per brand with an SLA, site and
    season (block ``runs_here``) that puts the changeovers of :func:`catchment_runs` on the site's
    processes (appended to ``load_rows`` / ``load_cols`` / ``load_vals``, the hours each column loads
    per (site, season) row, process by process) and allows at most ``run_units`` units a run:
    ``sum made units of b at i in t <= run_units x runs[b, i, t] x w`` (rows ``runs_link``).

    ``col_brand`` and ``units`` give the brand and the units a week made (at share 1) of each column
    already in ``load_cols[0]``. Returns the keys, shape (K, 3): brand, site, season of each binary, and
    the pairs, shape (C, 2): each column that makes units of a keyed brand, site and season, and its binary
    ``w``; ``column <= w`` holds for every plan (a column's share is at most 1, and 0 where ``w`` is 0), a
    valid inequality the link row's single big-M leaves out (:func:`siting.share.design._presence_cuts`).

    A brand whose runs cost no machine-hours on any process gets no binary: its runs are free and its link
    row never binds (``run_units x runs >= catchment``), so it is made wherever the flows say (exact).
    With ``open_cols`` (the level binaries, shape (n, L)), ``w`` is at most the site's opening (rows
    ``runs_open``). A row per column (each column at most ``w``) would be tighter, but on
    ``benchmarks/shared.py --terms --sla-caps --runs-in-design`` it made the LP relaxation 12x slower
    (35.5 s against 3.0 s of CPU, 42,202 rows against 6,022) for a bound 0.6% higher, and the worst
    case found no design within 120 s; all of them are left out, and ``design_network`` adds only those
    the LP relaxation breaks (``siting.share.design._presence_cuts``).
    """
    pb = problem
    t_count = len(pb.season_names)
    paid = run_brands(pb, brands)
    paid = paid[(np.asarray(pb.changeover_hours, dtype=float)[paid] > 0).any(axis=1)] if len(paid) else paid
    if not len(paid):
        return np.zeros((0, 3), dtype=int), np.zeros((0, 2), dtype=int)
    runs = catchment_runs(pb, brands)  # (B, n, T)
    mine = np.zeros_like(runs, dtype=bool)
    mine[paid] = runs[paid] > 0
    keys = np.argwhere(mine)  # (K, 3): brand, site, season
    b_of, i_of, t_of = keys[:, 0], keys[:, 1], keys[:, 2]
    n_runs = runs[b_of, i_of, t_of]
    w = milp.add_vars("runs_here", len(keys), ub=1.0, integer=True)
    rows0, cols0 = load_rows[0].copy(), load_cols[0].copy()
    co = np.asarray(pb.changeover_hours, dtype=float)
    for q in range(len(load_rows)):
        load_rows[q] = np.concatenate([load_rows[q], i_of * t_count + t_of])
        load_cols[q] = np.concatenate([load_cols[q], w])
        load_vals[q] = np.concatenate([load_vals[q], co[b_of, q] * n_runs])
    index = np.full(runs.shape, -1)
    index[b_of, i_of, t_of] = np.arange(len(keys))
    k = index[col_brand, rows0 // t_count, rows0 % t_count]
    sel = k >= 0
    run_u = design_run_units(pb)[b_of]
    milp.add_rows(
        "runs_link",
        np.concatenate([k[sel], np.arange(len(keys))]),
        np.concatenate([cols0[sel], w]),
        np.concatenate([np.asarray(units, dtype=float)[sel], -run_u * n_runs]),
        hi=0.0,
        n=len(keys),
    )
    if open_cols is not None:
        lv = open_cols.shape[1]
        milp.add_rows(
            "runs_open",
            np.concatenate([np.arange(len(keys)), np.repeat(np.arange(len(keys)), lv)]),
            np.concatenate([w, open_cols[i_of].ravel()]),
            np.concatenate([np.ones(len(keys)), -np.ones(len(keys) * lv)]),
            hi=0.0,
            n=len(keys),
        )
    made = sel & (np.asarray(units, dtype=float) > 0)
    return keys, np.column_stack([cols0[made], w[k[made]]])
