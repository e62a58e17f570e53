"""A design's gap proven by HiGHS's root cut loop on the whole model, started from the design itself."""

from __future__ import annotations

import logging
import time

import numpy as np

from siting.design.bounded import _bounds
from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.design.solve import Design, with_bound
from siting.milp import relative_gap

log = logging.getLogger("siting")

__all__ = ["ROOT_CHECKS", "ROOT_OPTIONS", "prove_gap", "root_bound"]

#: The work limit of one proof: HiGHS's MIP limit checks, about one per root cut round
#: (:meth:`siting.milp.Model.solve`'s ``max_checks``). The Malta demo's national hybrid, 75,030
#: binaries, went from its LP bound's 1.21% to 0.97% in 4 checks (5.3 s); more rounds there each
#: took 1.5-2 s and gained less and less (0.43% after 60 s, 0.06% after 300 s with restarts).
ROOT_CHECKS = 12

#: HiGHS options of the proof: the root node alone, no restart (it re-runs the root on a smaller
#: model: 300 s on the Malta demo) and no primal heuristics, so that the incumbent stays the design
#: and the solve stops exactly when the design is proven within the gap asked for.
ROOT_OPTIONS = {
    "mip_max_nodes": 1,
    "mip_allow_restart": False,
    "mip_heuristic_effort": 0.0,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}


def root_bound(
    dm: DesignModel,
    pb: DesignProblem,
    design: Design,
    *,
    mip_gap: float,
    time_limit_s: float | None,
    max_checks: int = ROOT_CHECKS,
) -> float:
    """A lower bound of ``design.policy``'s optimum on the whole model ``dm`` (EUR a year; -inf if none).

    HiGHS solves the root node of the policy's MILP (every site allowed) from ``design.x``, adding
    cuts until the design is proven within ``mip_gap`` or ``max_checks`` limit checks have passed,
    the same work on any machine; ``time_limit_s`` is a safety net.

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    design : Design
        A feasible design of ``dm`` (its ``x`` the full column vector).
    mip_gap : float
    time_limit_s : float or None
    max_checks : int

    Returns
    -------
    float
    """
    lb, ub = _bounds(dm, pb, design.policy)
    sol = dm.model.solve(
        col_lower=lb,
        col_upper=ub,
        start=design.x,
        mip_gap=mip_gap,
        time_limit_s=time_limit_s,
        options=ROOT_OPTIONS,
        max_checks=max_checks,
    )
    return float(sol.bound) if np.isfinite(sol.bound) else -np.inf


def prove_gap(
    dm: DesignModel,
    pb: DesignProblem,
    design: Design,
    *,
    mip_gap: float,
    time_limit_s: float | None,
    max_checks: int = ROOT_CHECKS,
    what: str = "design",
    log_level: int = logging.DEBUG,
) -> Design:
    """``design`` with the tighter of its bound and :func:`root_bound`'s, when its gap is above ``mip_gap``.

    A design already proven within ``mip_gap`` is returned as it is; so is one the root gives no
    better bound. Otherwise its ``bound_per_yr``, ``gap``, ``status`` and ``time_s`` (plus the
    proof's) change; its sites, flows and costs never do.

    Parameters
    ----------
    dm, pb, design, mip_gap, time_limit_s, max_checks
        As for :func:`root_bound`.
    what : str
        The design's name in the log line.
    log_level : int
        The log line's level (a city's proof: DEBUG, shown with ``-v``; the national one: INFO).

    Returns
    -------
    Design
    """
    if not design.gap > mip_gap or design.x is None or not len(design.x):
        return design
    t0 = time.perf_counter()
    bound = root_bound(dm, pb, design, mip_gap=mip_gap, time_limit_s=time_limit_s, max_checks=max_checks)
    took_s = time.perf_counter() - t0
    if not bound > design.bound_per_yr:
        log.log(log_level, "%s: the root cut loop proved no tighter bound (%.1f s)", what, took_s)
        return design
    gap = relative_gap(design.cost_per_yr, bound)
    log.log(
        log_level,
        "%s: the root cut loop proved gap %.2f%% (was %.2f%%), %.1f s",
        what,
        100 * gap,
        100 * design.gap,
        took_s,
    )
    return with_bound(design, bound, took_s)
