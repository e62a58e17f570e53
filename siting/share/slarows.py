"""The design MILP's SLA rows: each lane class's hours per site, process and season as one column, capped by level."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from siting.milp import Model
from siting.share.problem import KINDS, ShareProblem
from siting.share.slacaps import SlaCaps, design_caps

__all__ = ["class_loads", "level_shares", "sla_rows"]


def class_loads(
    milp: Model, n_sites: int, t_count: int, load_rows, load_cols, load_vals, col_rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Columns ``h[i, q, t, k]``: the machine-hours a week lane class ``k`` (0 priority, 1 standard, 2
    overflow) loads on process ``q`` of site ``i`` in season ``t`` (block ``class_load``), each defined by
    one equality row over the flow columns (rows ``class_load_def``).

    The SLA rows then read these few columns instead of every flow column of the site and season: the
    same feasible set, but each SLA row has a handful of nonzeros (on the demo's Aurora + Birch
    coalition the model went from 664,883 to about 120,000 nonzeros).

    Parameters
    ----------
    milp : Model
    n_sites, t_count : int
    load_rows, load_cols, load_vals : list of ndarray
        Per process, the (site x season) row, column and hours per unit of share of every load entry.
    col_rank : ndarray of int
        Lane-class rank of each column in ``load_cols`` order (indexed by position in the columns' brand list).

    Returns
    -------
    (ndarray, ndarray)
        The column indices, shape (n, P, T, 3), and ``has``: whether any flow column of that class loads
        there (shape (n, P, T, 3), bool; a row over an empty class is left out, as before).
    """
    n_proc, kinds = len(load_rows), len(KINDS)
    h = milp.add_vars("class_load", (n_sites, n_proc, t_count, kinds))
    rows, cols, vals = [], [], []
    has = np.zeros((n_sites, n_proc, t_count, kinds), dtype=bool)
    for q in range(n_proc):
        site, season = load_rows[q] // t_count, load_rows[q] % t_count
        key = ((site * n_proc + q) * t_count + season) * kinds + col_rank
        rows.append(key)
        cols.append(load_cols[q])
        vals.append(load_vals[q])
        has.ravel()[key] = True
    size = h.size
    rows.append(np.arange(size))
    cols.append(h.ravel())
    vals.append(-np.ones(size))
    milp.add_rows(
        "class_load_def", np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lo=0.0, hi=0.0, n=size
    )
    return h, has


def level_shares(cap: np.ndarray, shut: np.ndarray, rowed: np.ndarray) -> np.ndarray:
    """Per level, the share of its hours a class may load in one row over every level,
    ``h <= sum_l s_l H_l y_l`` (one level open at most).

    The per-level rows it replaces, ``h <= s_l H_l y_l + sum_{l2 != l} H_l2 y_l2`` (another level open:
    the most the class may load, all its hours), allow ``min(s_l, 1)`` at an open level ``l`` where another
    level has a row and ``s_l`` where none has; ``1`` where ``l`` has no row. At integer ``y`` the one row
    is the same constraint, and in the LP relaxation it is never weaker (each coefficient at most the
    per-level row's).

    Parameters
    ----------
    cap : ndarray, shape (L,)
        The share at each level (``nan`` or ``shut``: 0; ``inf``: no row there).
    shut : ndarray of bool, shape (L,)
        The class is shut out at that level.
    rowed : ndarray of bool, shape (L,)
        The level has a row.

    Returns
    -------
    ndarray, shape (L,)
    """
    share = np.where(shut | np.isnan(cap), 0.0, cap)
    share = np.where(rowed, share, 1.0)
    for lvl in np.flatnonzero(rowed):
        if (rowed & (np.arange(len(rowed)) != lvl)).any():
            share[lvl] = min(share[lvl], 1.0)
    return share


def sla_rows(
    milp: Model,
    pb: ShareProblem,
    brands: Sequence[int],
    y: np.ndarray,
    load_rows: list[np.ndarray],
    load_cols: list[np.ndarray],
    load_vals: list[np.ndarray],
    col_brand: np.ndarray,
    given: SlaCaps | None = None,
) -> SlaCaps:
    """Lane-class SLA rows (:func:`siting.share.slacaps.design_caps`), per site, process and season, over
    the class-load columns (:func:`class_loads`).

    Priority hours <= ``sum_l cap_l H_l y_l`` and, where the standard class is shut out, standard hours <=
    ``sum_l s_l H_l y_l`` (one row each over every level, :func:`level_shares`); per level and chord,
    standard + (1 + alpha) priority hours <= beta x the level's hours (another level l2 contributes the
    most the left side can reach there, ``(1 + alpha) H_l2``); with ``prio_self`` / ``prio_lower`` the
    priority rows over the lower classes' load (:func:`_prio_load_rows`). Reservations held idle and
    flexible hours do not count (the queue is judged on regular hours). ``given``: these caps instead of
    the worst case (e.g. of a design's own class mix).

    Returns
    -------
    SlaCaps
        The caps the rows hold.
    """
    caps = design_caps(pb, brands) if given is None or pb.line_hours_per_week is None else given
    hours = np.asarray(pb.process_hours_per_week, dtype=float)  # (L, P)
    n, lv = pb.n_sites, hours.shape[0]
    t_count = len(pb.season_names)
    rank = np.array([KINDS.index(k) for k in pb.brand_kind])
    col_rank = rank[col_brand]
    h, has = class_loads(milp, n, t_count, load_rows, load_cols, load_vals, col_rank)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    count = 0

    def add(i: int, q: int, t: int, left: dict[int, float], share: np.ndarray) -> None:
        nonlocal count
        rows.append(np.full(len(left) + lv, count))
        cols.append(np.r_[[h[i, q, t, k] for k in left], y[i * lv + np.arange(lv)]])
        vals.append(np.r_[list(left.values()), -share * hours[:, q]])
        count += 1

    prio_rowed = np.isfinite(caps.priority) | np.isnan(caps.priority)  # (n, L, P, T)
    no_shut = np.zeros(lv, dtype=bool)
    for i, q, t in np.argwhere(prio_rowed.any(axis=1) & has[..., 0]):
        add(i, q, t, {0: 1.0}, level_shares(caps.priority[i, :, q, t], no_shut, prio_rowed[i, :, q, t]))
    for i, q, t in np.argwhere(caps.standard_shut.any(axis=1) & has[..., 1]):
        shut = caps.standard_shut[i, :, q, t]
        add(i, q, t, {1: 1.0}, level_shares(np.ones(lv), shut, np.ones(lv, dtype=bool)))
    for i, lvl, q, t, c in np.argwhere(np.isfinite(caps.beta)):
        alpha = caps.alpha[i, lvl, q, t, c]
        left = {k: w for k, w in ((0, 1.0 + alpha), (1, 1.0)) if w > 0 and has[i, q, t, k]}
        if not left:
            continue
        share = np.full(lv, 1.0 + alpha)  # sigma_1 + alpha sigma_0 <= 1 + alpha at any other level
        share[lvl] = caps.beta[i, lvl, q, t, c]
        add(i, q, t, left, share)
    if count:
        milp.add_rows("sla_caps", np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), hi=0.0, n=count)
    if caps.prio_self is not None and caps.prio_lower is not None:
        _prio_load_rows(milp, pb, caps.prio_self, caps.prio_lower, y, h, has)
    return caps


def _prio_load_rows(milp, pb, p_self, p_lower, y, h, has) -> None:
    """Priority rows over the lower classes' load (``design_caps(lower_load_rows=True)``): a binary
    ``z_i`` (site i makes priority units), at most the site's opening; the site's priority hours at most
    ``z_i`` x its most load (rows ``prio_present``); and per level l, process and season, with ``P`` and
    ``Lo`` the priority and lower-class hours and ``H_l`` the level's hours,

        (prio_self P + prio_lower Lo) / H_l <= y_{i,l} + sum_{l2 != l} R_l2 y_{i,l2} + R_z (1 - z_i)

    ``R_l2`` the most the left side reaches when level l2 is open (its hours ``u H_l2 + flex_l2`` at the
    larger coefficient) and ``R_z`` the most the lower classes alone reach at level l beyond 1: the row
    binds only where l is open and z_i = 1 (big-Ms from the capacity rows, each the least valid)."""
    hours = np.asarray(pb.process_hours_per_week, dtype=float)  # (L, P)
    most_l = hours * pb.max_utilisation + np.asarray(pb.flex_hours_per_week, dtype=float)  # most load (L, P)
    n, lv = pb.n_sites, hours.shape[0]
    z = milp.add_vars("prio_here", n, ub=1.0, integer=True)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    hi: list[float] = []
    agg_rows: list[np.ndarray] = []
    agg_cols: list[np.ndarray] = []
    agg_vals: list[np.ndarray] = []
    count = n_agg = 0
    for i, q, t in np.argwhere(has[..., 0]):
        lower = [k for k in (1, 2) if has[i, q, t, k]]
        agg_rows.append(np.full(2, n_agg))  # priority hours <= z_i x the most load
        agg_cols.append(np.r_[h[i, q, t, 0], z[i]])
        agg_vals.append(np.r_[1.0, -most_l[:, q].max()])
        n_agg += 1
        for lvl in range(lv):
            a, b = p_self[i, lvl, q, t], p_lower[i, lvl, q, t]
            if hours[lvl, q] <= 0 or (np.isfinite(a) and a == 0.0 and b == 0.0):
                continue
            if not np.isfinite(a):  # shut out at this level: no priority hours where it is open
                a, b = 1.0, 0.0
                bound = 0.0
            else:
                bound = 1.0
            others = np.array([l2 for l2 in range(lv) if l2 != lvl], dtype=int)
            r_l2 = max(a, b) * most_l[others, q] / hours[lvl, q]
            r_z = max(b * most_l[lvl, q] / hours[lvl, q] - bound, 0.0)
            rows.append(np.full(1 + len(lower) + lv + 1, count))
            cols.append(np.r_[h[i, q, t, 0], h[i, q, t, lower], y[i * lv + lvl], y[i * lv + others], z[i]])
            vals.append(
                np.r_[a / hours[lvl, q], np.full(len(lower), b / hours[lvl, q]), -bound, -r_l2, r_z],
            )
            hi.append(r_z)
            count += 1
    if count:
        milp.add_rows(
            "sla_prio_load",
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(vals),
            hi=np.asarray(hi),
            n=count,
        )
    if n_agg:
        milp.add_rows(
            "prio_present",
            np.concatenate(agg_rows),
            np.concatenate(agg_cols),
            np.concatenate(agg_vals),
            hi=0.0,
            n=n_agg,
        )
    milp.add_rows(  # z_i <= sum_l y_{i,l}
        "prio_open",
        np.concatenate([np.arange(n), np.repeat(np.arange(n), lv)]),
        np.concatenate([z, y]),
        np.concatenate([np.ones(n), -np.ones(n * lv)]),
        hi=0.0,
        n=n,
    )
