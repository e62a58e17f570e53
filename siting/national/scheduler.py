"""Checks of --scheduler and --workers before any Dask cluster starts: address form, cores, memory."""

from __future__ import annotations

import os

from siting.errors import InputError

__all__ = ["WORKER_MEMORY_MIB", "CONNECT_TIMEOUT_S", "max_local_workers", "check_workers", "check_scheduler_address"]

#: Memory one local worker process needs (MiB): an idle worker with distributed and siting imported
#: held 186 MiB (measured 2026-12, Python 3.12, 2-core machine); the rest is room for one small
#: city's network and OD rows. A planning floor, not a peak: large clusters need more.
WORKER_MEMORY_MIB = 400

#: How long connecting to a remote scheduler may take before the run fails (seconds).
CONNECT_TIMEOUT_S = 10

_PROTOCOLS = ("tcp", "tls")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not on Linux)
        return os.cpu_count() or 1


def max_local_workers() -> tuple[int, int, int]:
    """How many local workers this machine can run: (limit, cores, available memory in MiB).

    Returns
    -------
    (int, int, int)
        The limit is the smaller of the cores this process may use and the available memory
        divided by :data:`WORKER_MEMORY_MIB` (at least 1).
    """
    import psutil

    cores = _cores()
    free_mib = int(psutil.virtual_memory().available // 2**20)
    return max(1, min(cores, free_mib // WORKER_MEMORY_MIB)), cores, free_mib


def check_workers(workers: int) -> int:
    """Refuse a ``--workers`` count the machine cannot run (each worker is a process).

    Parameters
    ----------
    workers : int

    Returns
    -------
    int
        ``workers``, unchanged.
    """
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}.")
    limit, cores, free_mib = max_local_workers()
    if workers > limit:
        raise InputError(
            f"--workers {workers}: this machine can run at most {limit} (it has {cores} cores for this process "
            f"and {free_mib:,} MiB of memory available, about {WORKER_MEMORY_MIB} MiB per worker); "
            f"give --workers {limit} or fewer, or a --scheduler address of a larger cluster."
        )
    return workers


def check_scheduler_address(address: str) -> str:
    """Refuse a malformed ``--scheduler`` address before connecting: ``tcp://HOST:PORT`` or ``tls://HOST:PORT``.

    Parameters
    ----------
    address : str

    Returns
    -------
    str
        ``address``, unchanged.
    """
    form = "give 'local' or the scheduler's address as tcp://HOST:PORT (Dask's default port is 8786)"
    protocol, sep, rest = address.partition("://")
    if not sep or protocol not in _PROTOCOLS:
        raise InputError(f"--scheduler {address!r}: not a scheduler address; {form}.")
    host, colon, port = rest.rpartition(":")
    if not colon or not host or host in ("[", "]") or "/" in rest:
        raise InputError(f"--scheduler {address!r}: no port; {form}.")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--scheduler {address!r}: port {port!r} is not a number from 1 to 65535; {form}.")
    return address
