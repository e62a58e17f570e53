"""Column generation on the all-local Lagrangian dual: site plans as columns, a box around the best multipliers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

log = logging.getLogger(__name__)

__all__ = ["COLUMN_BOX", "MAX_BOUND_ROUNDS", "SMOOTHING", "PlanColumn", "check_bound_rounds", "column_bound"]

#: Half-width of the box the master's multipliers stay in, relative to the box's centre, plus 1 (a
#: demand row's, yearly cost per weekly unit) or 1,000 (a fewest-sites row's, yearly cost per site):
#: its smallest and first width. It doubles after a serious step whose bound reached nine tenths of
#: what the master promised (up to :data:`_BOX_MAX`) and shrinks by :data:`_BOX_SHRINK` after each
#: step that does not move it (down to this).
COLUMN_BOX = 0.03

#: The widest box, and the factor a round that does not move the box shrinks it by.
_BOX_MAX, _BOX_SHRINK = 0.5, 0.7

#: Wentges smoothing: the first round prices at this share of the box's centre plus the rest of the
#: master's multipliers; later rounds adjust the share (:func:`_smoothed_price`), at most :data:`_ALPHA_MAX`.
#: Helsinki demo, from the LP's duals, gap against the default design after 30 / 50 rounds: 2.047% / about
#: 1.45% without smoothing; 1.606% / 1.136% with it (fixed shares 0.6 and 0.7 did as well; 0.85 stalled).
SMOOTHING = 0.5
_ALPHA_MAX = 0.9

#: The largest number of rounds accepted (each prices every site's MILP: seconds each on a city).
MAX_BOUND_ROUNDS = 500

#: A round's multipliers become the box's centre when their bound gains at least this share of what
#: the master promised over the best bound (a serious step, as in bundle methods).
_SERIOUS = 0.1

#: A serious step whose bound gains at least this share of the master's promise widens the box.
_ACCURATE = 0.9

#: The rounds end once the master promises at most this share more than the best bound. The master's
#: value is the peak over the box of its model of the Lagrangian (never below it): no multipliers in the
#: box beat the best bound by more, further columns only lower the model, and the box moves only on a
#: step that gains a tenth of that promise. A Malta cluster's master (before ``mip_pscost_minreliable``
#: in the site MILPs) promised its best bound to the euro from about round 75 on, the gap at 1.33%.
_CONVERGED = 1e-6

#: The rounds also end once, at the pace of this many last rounds, all the rounds left could not prove the
#: gap asked for (:func:`_out_of_reach`): a Malta cluster's bound gained under 0.01% of its design's cost
#: from round 75 to 122, its gap standing at 1.33% with 1% asked.
_PACE_ROUNDS = 20


@dataclass(frozen=True)
class PlanColumn:
    """One site's plan: its index, the demand rows it supplies, units a week on each, its cost a year, and
    whether it is the site's minimiser where it was priced (the subgradient there counts those alone)."""

    site: int
    rows: np.ndarray  # indices into the flattened (f, j, t) demand
    units: np.ndarray
    cost_per_yr: float
    best: bool = True  # the site's minimiser at the point priced (False: another plan its solve found)


#: A pricing step: L(u, lam) (a valid bound) and the plans the site subproblems chose at (u, lam).
Pricing = Callable[[np.ndarray, np.ndarray], tuple[float, list[PlanColumn]]]


def check_bound_rounds(value: object, key: str = "all_local_bound_rounds") -> int:
    """``value`` as a whole number of rounds from 0 to :data:`MAX_BOUND_ROUNDS`, else InputError naming ``key``.

    Parameters
    ----------
    value : object
    key : str
        The option's name as the user typed it.

    Returns
    -------
    int
    """
    from siting.errors import check_whole_count

    meaning = "column-generation rounds that tighten the all-local design's proven bound; 0: the default"
    return check_whole_count(value, key, MAX_BOUND_ROUNDS, meaning)


def column_bound(
    demand_units_per_week: np.ndarray,
    fewest: np.ndarray,
    group_of_site: np.ndarray,
    price: Pricing,
    start: tuple[np.ndarray, np.ndarray],
    rounds: int,
    enough: float = np.inf,
    on_round: Callable[[int, float], None] | None = None,
    redesign: Callable[[np.ndarray], float] | None = None,
) -> tuple[float, np.ndarray, np.ndarray, tuple[float, ...]]:
    """The best Lagrangian bound over ``rounds`` rounds of box-stabilised column generation (EUR a year).

    The master LP chooses a convex combination of each site's plans (the columns priced so far)
    that meets every demand row and opens at least the fewest sites of each group; its dual
    multipliers are kept within a box around the best multipliers found (rows may be bought or
    sold at the box's edge prices, which always makes the master feasible). Each round prices
    every site at the master's multipliers: the pricing's ``L(u, lam)`` is a valid lower bound
    whatever the multipliers (:func:`siting.design.lagrange.local_lagrange_bound`), and its
    plans become columns. A round whose bound gains a tenth of what the master promised moves
    the box. Deterministic: the same columns, bounds and multipliers on any machine.

    Parameters
    ----------
    demand_units_per_week : ndarray (f, j, t)
    fewest : ndarray (g,)
        The fewest sites each group opens.
    group_of_site : ndarray (s,)
        Each site's group (-1: none).
    price : callable
        ``price(u, lam) -> (bound, columns)``.
    start : tuple of ndarray
        The box's first centre: ``u`` (f, j, t) and ``lam`` (g,).
    rounds : int
        The most rounds run.
    enough : float
        Stop once the best bound reaches this (EUR a year; default: never): the design's cost less
        the gap the caller asked for, so that no round runs once the gap is proven.
    on_round : callable, optional
        Called after each round with its number (from 1) and the best bound so far (progress).
    redesign : callable, optional
        Called after each master solve with the share of each site's plans the master uses (s,),
        which says where a design should open sites: it may build a cheaper design from them and
        returns the ``enough`` that design's cost asks for (``enough`` then follows it, never up).

    Returns
    -------
    (float, ndarray, ndarray, tuple of float)
        The best bound, its multipliers ``u`` and ``lam``, and the best bound after each round run.
    """
    dem = demand_units_per_week
    rows = np.flatnonzero(dem.ravel() > 0)
    n_s = len(group_of_site)
    u_c, lam_c = np.asarray(start[0], float).ravel()[rows].copy(), np.maximum(np.asarray(start[1], float), 0.0)
    best, cols = price(_full(u_c, rows, dem), lam_c)
    seen = {_plan_key(c) for c in cols}
    best_u, best_lam = _full(u_c, rows, dem), lam_c.copy()
    width, alpha = COLUMN_BOX, SMOOTHING
    by_round: list[float] = []
    for _ in range(rounds):
        if best >= enough:
            break
        u_m, lam_m, promised, weights = _master(cols, dem.ravel()[rows], fewest, group_of_site, n_s, u_c, lam_c, width)
        if not np.isfinite(promised):  # HiGHS found no solution (the box keeps it feasible: numerics)
            break
        if redesign is not None:
            enough = min(enough, redesign(weights))
            if best >= enough:  # the design the master's sites gave is proven already
                break
        if promised <= best + _CONVERGED * abs(best):  # nothing left to gain in the box (see _CONVERGED)
            break
        u_m, lam_m, value, new, alpha = _smoothed_price(
            price, rows, dem, fewest, group_of_site, (u_c, lam_c), (u_m, lam_m), alpha, seen
        )
        cols.extend(new)
        serious = value > best + _SERIOUS * max(promised - best, 0.0)
        if serious:  # the box follows; it widens only where the master's model proved nearly exact
            accurate = value >= best + _ACCURATE * (promised - best)
            u_c, lam_c, width = u_m, lam_m, min(2.0 * width, _BOX_MAX) if accurate else width
        else:
            width = max(_BOX_SHRINK * width, COLUMN_BOX)
        if value > best:
            best, best_u, best_lam = value, _full(u_m, rows, dem), lam_m.copy()
        by_round.append(float(best))
        if on_round is not None:
            on_round(len(by_round), float(best))
        log.debug(
            "column round: bound %.0f (best %.0f, master %.0f: %.2e more), %d columns, box %.3f",
            value,
            best,
            promised,
            (promised - best) / max(abs(best), 1.0),
            len(cols),
            width,
        )
        if not new and not serious:  # the next master would be this one: nothing left to learn in this box
            break
        if _out_of_reach(by_round, rounds, enough):
            break
    return float(best), best_u, best_lam, tuple(by_round)


def _smoothed_price(
    price: Pricing,
    rows: np.ndarray,
    dem: np.ndarray,
    fewest: np.ndarray,
    group_of_site: np.ndarray,
    centre: tuple[np.ndarray, np.ndarray],
    master: tuple[np.ndarray, np.ndarray],
    alpha: float,
    seen: set[bytes],
) -> tuple[np.ndarray, np.ndarray, float, list[PlanColumn], float]:
    """Price at ``alpha`` x the box's centre + (1 - ``alpha``) x the master's multipliers (Wentges smoothing).

    Plans already in the master (``seen``, their keys; the new ones are added) are not new. When
    that point gives no new plan (a mispricing) the master's own point is priced too, and the
    better of the two bounds kept (both valid). Without that filter a point whose plans the master
    already held was priced again and again: the same master, the same point (the Helsinki
    demo's bound stood still from round 40 to 60 once each site's solve added its other plans).
    The next round's ``alpha`` follows the subgradient at the priced point (Pessoa et al.'s
    automatic rule; each site's minimiser there, ``best``): it points towards the master's
    multipliers (a positive inner product with master - centre) -> 0.1 less smoothing, else 0.1
    more, within [0, :data:`_ALPHA_MAX`].

    Returns the multipliers priced (on the demand rows, and the groups'), their bound, plans and the next ``alpha``.
    """
    point = (alpha * centre[0] + (1 - alpha) * master[0], alpha * centre[1] + (1 - alpha) * master[1])
    value, at_point = price(_full(point[0], rows, dem), point[1])  # the plans chosen at the point returned
    new = _unseen(at_point, seen)
    if not new and alpha > 0:  # a mispricing: the master's own point may still have plans to add
        value_m, at_master = price(_full(master[0], rows, dem), master[1])
        new = _unseen(at_master, seen)
        if value_m > value:
            value, point, at_point = value_m, master, at_master
    # the subgradient at that point: demand minus its plans' supply, fewest sites minus those opened
    supply = np.zeros(dem.size)
    opened = np.zeros(len(fewest))
    for c in (c for c in at_point if c.best):
        supply[rows[c.rows]] += c.units
        if group_of_site[c.site] >= 0:
            opened[group_of_site[c.site]] += 1.0
    towards = float((dem.ravel()[rows] - supply[rows]) @ (master[0] - centre[0])) + float(
        (fewest - opened) @ (master[1] - centre[1])
    )
    alpha = max(alpha - 0.1, 0.0) if towards > 0 else min(alpha + 0.1, _ALPHA_MAX)
    return point[0], point[1], value, new, alpha


def _plan_key(col: PlanColumn) -> bytes:
    """A plan's identity: its site, rows, units (to 1e-6 a week) and cost (to the cent): a plan priced again."""
    return np.r_[float(col.site), round(col.cost_per_yr, 2), col.rows.astype(float), np.round(col.units, 6)].tobytes()


def _unseen(cols: list[PlanColumn], seen: set[bytes]) -> list[PlanColumn]:
    """The plans of ``cols`` not in ``seen`` (each once), their keys added to ``seen``."""
    out = []
    for c in cols:
        key = _plan_key(c)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _full(u_rows: np.ndarray, rows: np.ndarray, dem: np.ndarray) -> np.ndarray:
    """Multipliers on the demand rows back in the (f, j, t) shape (0 where there is no demand)."""
    u = np.zeros(dem.size)
    u[rows] = u_rows
    return u.reshape(dem.shape)


def _out_of_reach(by_round: list[float], rounds: int, enough: float) -> bool:
    """At the pace of the last :data:`_PACE_ROUNDS` rounds, the rounds left cannot raise the bound to ``enough``.

    The pace is what those rounds gained each, on average; the rounds' gains shrink as they go (a
    tailing-off dual), so the projection is a generous one, and no rule applies before that many rounds
    have run or without a bound asked for.
    """
    if not np.isfinite(enough) or len(by_round) <= _PACE_ROUNDS:
        return False
    pace = (by_round[-1] - by_round[-1 - _PACE_ROUNDS]) / _PACE_ROUNDS
    return by_round[-1] + pace * (rounds - len(by_round)) < enough


def _box(u_c: np.ndarray, lam_c: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """The box's half-widths around its centre: on the demand rows' multipliers and the fewest-sites rows'."""
    return width * np.abs(u_c) + 1.0, width * np.abs(lam_c) + 1000.0


def _master(
    cols: list[PlanColumn],
    demand: np.ndarray,
    fewest: np.ndarray,
    group_of_site: np.ndarray,
    n_s: int,
    u_c: np.ndarray,
    lam_c: np.ndarray,
    width: float,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The boxed master LP's multipliers on the demand rows (r,) and fewest-sites rows (g,), its value, and the
    share of each site's plans its solution uses (s,: the sum of their weights, at most 1)."""
    n_r, n_g, n_c = len(demand), len(fewest), len(cols)
    du, dl = _box(u_c, lam_c, width)
    site = np.array([c.site for c in cols], dtype=np.int64)
    a = sp.csr_matrix(
        (
            np.concatenate([c.units for c in cols] + [np.zeros(0)]),
            (
                np.concatenate([c.rows for c in cols] + [np.zeros(0, np.int64)]),
                np.concatenate([np.full(len(c.rows), k) for k, c in enumerate(cols)] + [np.zeros(0, np.int64)]),
            ),
        ),
        shape=(n_r, n_c),
    )
    eye_r, eye_g, zero = sp.identity(n_r), sp.identity(n_g), sp.csr_matrix
    # columns: plans, rows bought (u <= u_c + du), rows sold (u >= u_c - du), sites bought, sites sold
    a_eq = sp.hstack([a, eye_r, -eye_r, zero((n_r, 2 * n_g))]).tocsr()
    grp = group_of_site[site] if n_c else np.zeros(0, np.int64)
    in_group = grp >= 0
    g = sp.csr_matrix((np.ones(int(in_group.sum())), (grp[in_group], np.flatnonzero(in_group))), shape=(n_g, n_c))
    conv = sp.csr_matrix((np.ones(n_c), (site, np.arange(n_c))), shape=(n_s, n_c))
    a_ub = sp.vstack(
        [-sp.hstack([g, zero((n_g, 2 * n_r)), eye_g, -eye_g]), sp.hstack([conv, zero((n_s, 2 * n_r + 2 * n_g))])]
    ).tocsr()
    cost = np.r_[[c.cost_per_yr for c in cols], u_c + du, -(u_c - du), lam_c + dl, -np.maximum(lam_c - dl, 0.0)]
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.r_[-fewest, np.ones(n_s)],
        A_eq=a_eq,
        b_eq=demand,
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:  # the box keeps the master feasible and bounded: stay at the centre
        return u_c.copy(), lam_c.copy(), -np.inf, np.zeros(n_s)
    weights = np.bincount(site, weights=np.asarray(res.x[:n_c], float), minlength=n_s)
    return (
        np.asarray(res.eqlin.marginals, float),
        np.maximum(-res.ineqlin.marginals[:n_g], 0.0),
        float(res.fun),
        weights,
    )
