"""How many workers one job may use: ``SITING_N_JOBS``, else the CPU count, at most 2."""

from __future__ import annotations

import os

from siting.errors import InputError

__all__ = ["ENV_N_JOBS", "MAX_WORKERS", "n_workers"]

#: The environment variable that sets the workers.
ENV_N_JOBS = "SITING_N_JOBS"

#: The most workers ``SITING_N_JOBS`` may ask for.
MAX_WORKERS = 256


def n_workers() -> int:
    """Parallel workers for one job: ``SITING_N_JOBS`` if set, else the CPU count, at most 2.

    The shortest-path jobs' worker processes (:mod:`siting.network.csr`), and the threads that
    solve independent MILPs side by side (:mod:`siting.solve_threads`: the all-local bound's site
    MILPs, the forced openings, the outages). An empty value counts as unset.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    InputError
        When ``SITING_N_JOBS`` is set to anything but a whole number from 1 to :data:`MAX_WORKERS`.
    """
    env = os.environ.get(ENV_N_JOBS)
    if env is None or not env.strip():
        return max(1, min(2, os.cpu_count() or 1))
    text = env.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_WORKERS:
        raise InputError(
            f"environment variable {ENV_N_JOBS}={env!r}: give a whole number of parallel workers from 1 to "
            f"{MAX_WORKERS} (e.g. {ENV_N_JOBS}=2), or unset it for the CPU count, at most 2."
        )
    return int(text)
