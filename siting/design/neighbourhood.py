"""Deterministic design solves on a neighbourhood of sites: the LP relaxation picks them, its bound stays valid."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence

import numpy as np

from siting.design.bounded import _bounds, _solve
from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.errors import InputError
from siting.milp import OPTIMAL_GAP, MilpSolution, relative_gap

log = logging.getLogger("siting")

__all__ = [
    "NEIGHBOURHOOD_SITES",
    "MAX_ADOPTED",
    "check_neighbourhood_sites",
    "check_max_adopted",
    "neighbourhood_solve",
    "lp_site_order",
    "adopt",
]

#: Sites a neighbourhood MILP may open besides the ones it must keep (the design's own): HiGHS's
#: root cut loop, which no node limit bounds, stays short on so few (Malta's tarxien closure:
#: 4.2 s CPU at 6 sites, 8.2 s at 11, 0 nodes after 60 s on all 85).
NEIGHBOURHOOD_SITES = 6

#: A closure cheaper than the design is a better design: it replaces the design and the values are
#: solved again, at most this many times (a fixed count: deterministic).
MAX_ADOPTED = 3


def check_neighbourhood_sites(value: object) -> int:
    """``value`` as a neighbourhood size: a whole number >= 1.

    Parameters
    ----------
    value : object

    Returns
    -------
    int

    Raises
    ------
    InputError
        For a bool, a float, NaN, None or a number below 1.
    """
    return _whole_number("neighbourhood_sites", value, 1, "sites a MILP may open besides the design's")


def check_max_adopted(value: object) -> int:
    """``value`` as the most designs adopted: a whole number >= 0.

    Parameters
    ----------
    value : object

    Returns
    -------
    int

    Raises
    ------
    InputError
        For a bool, a float, NaN, None or a negative number.
    """
    return _whole_number("max_adopted", value, 0, "cheaper closures adopted as the design")


def _whole_number(key: str, value: object, low: int, meaning: str) -> int:
    """``value`` as a whole number >= ``low`` (not a bool), or an InputError naming ``key`` and ``meaning``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InputError(f"{key} must be a whole number >= {low} ({meaning}), got {value!r}.")
    return int(value)


def lp_site_order(
    dm: DesignModel,
    pb: DesignProblem,
    *,
    closed: Sequence[int] = (),
    forced=(),
    time_limit_s: float = 60.0,
    policy: str = "hybrid",
) -> tuple[MilpSolution, np.ndarray]:
    """The policy's LP relaxation and the sites by how much it opens them (most first, ties by index).

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    closed : sequence of int
        Sites forced closed (last in the order).
    forced : sequence of (site, level)
        Sites forced open at a level.
    time_limit_s : float
        Safety net of the LP solve (the dual simplex is deterministic).
    policy : {"hybrid", "offshore", "local"}
        The policy relaxed (:func:`siting.design.bounded._bounds`).

    Returns
    -------
    tuple of (MilpSolution, ndarray of int)
    """
    lb, ub = _bounds(dm, pb, policy, closed=closed, forced=forced)
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True, time_limit_s=time_limit_s)
    n_s = len(pb.site_ids)
    score = lp.x[dm.open_cols].sum(axis=1) if lp.x is not None else np.zeros(n_s)
    score = np.where(np.isin(np.arange(n_s), list(closed)), -1.0, score)
    return lp, np.argsort(-score, kind="stable")


def neighbourhood_solve(
    dm: DesignModel,
    pb: DesignProblem,
    *,
    start: np.ndarray | None,
    max_nodes: int,
    time_limit_s: float,
    mip_gap: float,
    closed: Sequence[int] = (),
    forced: Sequence[tuple[int, int]] = (),
    keep: Iterable[int] = (),
    sites: int = NEIGHBOURHOOD_SITES,
    policy: str = "hybrid",
    max_allowed: int | None = None,
    max_flows: int | None = None,
) -> MilpSolution:
    """The ``policy``'s design with only ``keep``, the forced sites, the start's and ``sites`` more sites allowed.

    The ``sites`` extra sites are the ones the LP relaxation (with ``closed`` and ``forced``)
    opens most. Every piece is deterministic: the dual simplex, the site order (ties by index) and
    HiGHS's MILP on one thread under ``max_nodes`` nodes, whose root stays short on a few sites;
    ``time_limit_s`` is only a safety net (the status names it when it stops a solve). The
    solution is feasible for the whole model (an upper bound on its optimum); the bound is the whole
    model's LP relaxation, or the MILP's own bound when no site was left out (then the solve is the
    full one and as exact as its gap).

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    start : ndarray, optional
        A feasible design of the full model (with ``closed``/``forced``); its sites are kept.
    max_nodes : int
        Branch-and-bound nodes of the MILP.
    time_limit_s, mip_gap : float
    closed, forced : sequences
        As for :func:`lp_site_order`.
    keep : iterable of int
        Sites always allowed (e.g. the design's opened sites).
    sites : int
        Extra sites allowed, by the LP's order.
    policy : {"hybrid", "offshore", "local"}
        The policy solved (its LP relaxation orders the sites and bounds the design).
    max_allowed : int, optional
        Solve only when the neighbourhood holds every site not closed (the MILP is the whole
        model's) or at most this many sites; else return the LP relaxation with no solution (``x``
        None, ``objective`` and ``bound`` the LP's, status "neighbourhood of n sites").
    max_flows : int, optional
        Solve only when the neighbourhood's sites have at most this many local flow columns (lanes x
        families x seasons), even when it holds every site: a measure of the root's work, which no
        node limit bounds (the all-local root cut loop ran past 60 s on Helsinki's 6 sites and on
        Malta gzira's 6 of 6, 900 columns each); else as for ``max_allowed``.

    Returns
    -------
    MilpSolution
        ``bound`` a valid lower bound of the full model's optimum (``-inf`` when the LP stopped).
    """
    sites = check_neighbourhood_sites(sites)
    lp, order = lp_site_order(dm, pb, closed=closed, forced=forced, time_limit_s=time_limit_s, policy=policy)
    if lp.status == "infeasible":
        return lp
    allowed = {int(s) for s in order[:sites]} | {int(s) for s in keep} | {s for s, _ in forced}
    if start is not None:
        allowed |= {int(s) for s in np.flatnonzero(start[dm.open_cols].sum(axis=1) > 0.5)}
    allowed -= set(closed)
    # sites the neighbourhood leaves out besides the ones closed anyway: with none, the MILP is the
    # whole model's (the closed sites are closed in both) and its own bound is valid
    others = [s for s in range(len(pb.site_ids)) if s not in allowed and s not in set(closed)]
    flows = int(np.isin(dm.lanes[dm.xp, 0], sorted(allowed)).sum())
    log.debug("%s neighbourhood: %d of %d sites, %d local flow columns", policy, len(allowed), len(pb.site_ids), flows)
    too_big = bool(others) and max_allowed is not None and len(allowed) > max_allowed
    if too_big or (max_flows is not None and flows > max_flows):
        return dataclasses.replace(lp, x=None, status=f"neighbourhood of {len(allowed)} sites")
    sol = _solve(
        dm,
        pb,
        policy,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        start=start,
        closed=[*closed, *others],
        forced=forced,
        max_nodes=max_nodes,
    )
    lp_bound = lp.objective if lp.has_solution else -np.inf
    bound = lp_bound if others else max(sol.bound, lp_bound)
    if not sol.has_solution:
        return dataclasses.replace(sol, bound=bound)
    gap = relative_gap(sol.objective, bound)
    status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
    if sol.reason == "time_limit":
        status += " (time limit)"
    return dataclasses.replace(sol, bound=bound, gap=gap, status=status)


def hybrid_solve(
    dm: DesignModel,
    pb: DesignProblem,
    *,
    start: np.ndarray | None,
    max_nodes: int | None,
    time_limit_s: float,
    mip_gap: float,
    closed: Sequence[int] = (),
    forced: Sequence[tuple[int, int]] = (),
    keep: Iterable[int] = (),
    neighbourhood_sites: int | None = None,
) -> MilpSolution:
    """The hybrid design with ``closed`` sites shut and ``forced`` (site, level) pairs open.

    On a neighbourhood (:func:`neighbourhood_solve`, the same on any machine and load) when
    ``neighbourhood_sites`` and ``max_nodes`` are given, else on the whole model.

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    start : ndarray, optional
        A feasible design (with ``closed``/``forced``).
    max_nodes : int, optional
        Branch-and-bound nodes of the MILP.
    time_limit_s, mip_gap : float
    closed, forced : sequences
        As for :func:`lp_site_order`.
    keep : iterable of int
        Sites always allowed on a neighbourhood.
    neighbourhood_sites : int, optional
        Extra sites allowed on a neighbourhood; ``None`` solves the whole model.

    Returns
    -------
    MilpSolution
    """
    if neighbourhood_sites is not None and max_nodes is not None:
        return neighbourhood_solve(
            dm,
            pb,
            start=start,
            max_nodes=max_nodes,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            closed=closed,
            forced=forced,
            keep=keep,
            sites=neighbourhood_sites,
        )
    limits: dict[str, list[int] | list[tuple[int, int]]] = {"closed": list(closed)} if closed else {}
    if forced:
        limits["forced"] = list(forced)
    return _solve(
        dm, pb, "hybrid", time_limit_s=time_limit_s, mip_gap=mip_gap, start=start, max_nodes=max_nodes, **limits
    )


def adopt(dm: DesignModel, pb: DesignProblem, x: np.ndarray, bound: float) -> MilpSolution:
    """A design found elsewhere (a cheaper closure) as the hybrid's solution, with the hybrid's bound.

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    x : ndarray
        A feasible column vector of the full model.
    bound : float
        A valid lower bound of the hybrid (its LP relaxation's).

    Returns
    -------
    MilpSolution
    """
    objective = dm.model.objective(x)
    gap = relative_gap(objective, bound)
    status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
    return MilpSolution(status, objective, bound, gap, 0.0, x, dm.model.blocks)
