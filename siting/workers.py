"""How many workers one job may use: ``SITING_N_JOBS``, else the CPU count, at most 2."""

from __future__ import annotations

import os

__all__ = ["n_workers"]


def n_workers() -> int:
    """Parallel workers for one job: ``SITING_N_JOBS`` if set, else the CPU count, at most 2.

    The shortest-path jobs' worker processes (:mod:`siting.network.csr`), and the threads that
    solve the all-local bound's site MILPs side by side (:mod:`siting.solve_threads`).

    Returns
    -------
    int
        At least 1.
    """
    env = os.environ.get("SITING_N_JOBS")
    if env and env.strip().isdigit():
        return max(1, int(env))
    return max(1, min(2, os.cpu_count() or 1))
