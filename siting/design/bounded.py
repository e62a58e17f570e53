"""One HiGHS solve of a design policy: its column bounds (closed, forced open, late lanes) and node limit."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

import numpy as np

from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.errors import InputError
from siting.milp import MilpSolution

__all__ = ["POLICIES", "MAX_NODES_CAP", "check_max_nodes"]

log = logging.getLogger("siting")

POLICIES = ("hybrid", "offshore", "local")

#: The largest node limit HiGHS takes (``mip_max_nodes`` is a 32-bit integer option).
MAX_NODES_CAP = 2**31 - 1


def _bounds(
    dm: DesignModel,
    pb: DesignProblem,
    policy: str,
    closed: Sequence[int] = (),
    fixed_levels=None,
    late=False,
    forced: Sequence[tuple[int, int]] = (),
):
    lb, ub = dm.model.bounds()
    if policy not in POLICIES:
        raise InputError(f"policy must be one of {POLICIES}, not {policy!r}.")
    ub[dm.open_cols] = np.where(pb.level_ok, ub[dm.open_cols], 0.0)
    # late routes (outside the promise) only to the stores in ``late`` (True: all, False: none)
    may = np.broadcast_to(np.asarray(late, dtype=bool), (len(pb.store_ids),))
    late_x = dm.xp >= dm.n_on_time
    ub[dm.x_cols[late_x & ~may[dm.lanes[dm.xp, 1]]]] = 0.0
    ub[dm.yd_cols[~pb.direct_allowed() & ~may]] = 0.0  # a store no offshore route reaches in time: direct, late
    ub[dm.yd_cols[~pb.direct_ok & may]] = np.inf
    if policy == "offshore":
        ub[dm.x_cols] = 0.0
        for seg in dm.local_seg:
            ub[seg] = 0.0
    if policy == "local":
        ub[dm.yo_cols] = 0.0
        for seg in dm.offshore_seg:
            ub[seg] = 0.0
    for s in closed:
        ub[dm.open_cols[s]] = 0.0
    for s, lev in forced:  # site s forced open at level lev
        lb[dm.open_cols[s]] = 0.0
        ub[dm.open_cols[s]] = 0.0
        lb[dm.open_cols[s, lev]] = ub[dm.open_cols[s, lev]] = 1.0
    if fixed_levels is not None:
        for s, lev in enumerate(fixed_levels):
            lb[dm.open_cols[s]] = 0.0
            ub[dm.open_cols[s]] = 0.0
            if lev >= 0:
                lb[dm.open_cols[s, lev]] = ub[dm.open_cols[s, lev]] = 1.0
    return lb, ub


def _solve(dm, pb, policy, *, time_limit_s, mip_gap, start=None, max_nodes=None, **kw) -> MilpSolution:
    """One HiGHS solve of ``policy``; ``max_nodes`` (``mip_max_nodes``) is the deterministic work limit.

    With ``max_nodes`` the solve stops after that many branch-and-bound nodes, the same on any
    machine and load; ``time_limit_s`` stays as a safety net, and when it is what stopped the solve
    the status says so (``"stopped at gap 2.10% (time limit)"``).
    """
    lb, ub = _bounds(dm, pb, policy, **kw)
    if start is not None and (np.any(start < lb - 1e-7) or np.any(start > ub + 1e-7)):
        start = None
    options = None if max_nodes is None else {"mip_max_nodes": int(max_nodes)}
    # siting.milp.Model.solve re-solves without presolve when HiGHS returns a start whose columns do
    # not price at its objective (HiGHS 1.16; tests/design seed 27)
    sol = dm.model.solve(
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        start=start,
        col_lower=lb,
        col_upper=ub,
        options=options,
    )
    log.debug("design %s solve: %s, %d nodes, %.2f s", policy, sol.status, sol.nodes, sol.time_s)
    if sol.reason == "time_limit" and sol.has_solution and not sol.proven_optimal:
        sol = dataclasses.replace(sol, status=f"{sol.status} (time limit)")
    return sol


def check_max_nodes(name: str, value: object) -> int | None:
    """``value`` as a node limit: a whole number from 1 to :data:`MAX_NODES_CAP`, or None (wall clock only).

    Parameters
    ----------
    name : str
        The option's name in the user's words (in the message).
    value : object

    Returns
    -------
    int or None

    Raises
    ------
    InputError
        For a bool, a float, NaN, a number below 1 or above :data:`MAX_NODES_CAP` (HiGHS's integer option).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= MAX_NODES_CAP:
        raise InputError(
            f"{name} must be a whole number from 1 to {MAX_NODES_CAP} (branch-and-bound nodes per solve), "
            f"got {value!r}."
        )
    return int(value)
