"""Independent pure tasks on forked worker processes (Linux, no siting thread running), else a plain loop."""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Generic, TypeVar

from siting.workers import n_workers

__all__ = ["FORK_AFTER_S", "THREAD_PREFIX", "Background", "can_fork", "map_forked"]

T = TypeVar("T")
R = TypeVar("R")

#: The name prefix of every thread siting starts (a fork while one runs is refused: see :func:`can_fork`).
THREAD_PREFIX = "siting-"


def can_fork() -> bool:
    """Whether forked worker processes are available (Linux) and safe: no siting thread is running.

    A thread caught holding a lock at fork time leaves the lock held for ever in the child. A
    daemonic process (a Dask or multiprocessing worker) may not start children at all.

    Returns
    -------
    bool
    """
    if not (sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()):
        return False
    if mp.current_process().daemon:
        return False
    return not any(t.name.startswith(THREAD_PREFIX) for t in threading.enumerate())


def _in_child(fn: Callable[[T], R], item: T) -> R:
    """``fn(item)`` in a worker, then the season models it priced written to the cost cache.

    A worker ends with ``os._exit``, which skips the ``atexit`` flush: without this, the next run
    would price them again (:mod:`siting.costs.cost_cache`).
    """
    from siting.costs.cost_cache import cost_flush

    try:
        return fn(item)
    finally:
        cost_flush()


#: Items are worked out in this process until they have taken this long (seconds); only the rest go to
#: forked workers, so that quick work never pays for a fork (a test suite's small instances: a few
#: milliseconds each, where a fork of a large process and its workers' start cost tens of milliseconds).
FORK_AFTER_S = 0.5


def map_forked(fn: Callable[[T], R], items: Sequence[T], jobs: int | None = None) -> list[R]:
    """``[fn(x) for x in items]`` on ``jobs`` forked processes: the same results in the same order.

    For CPU-bound pure Python work (the season model's sweeps and cost curves), which threads
    cannot share out. Each ``fn(x)`` must be deterministic and independent of the others, and
    ``fn``, the items and the results picklable (``fn`` a module-level function). The items are
    worked out here until they have taken :data:`FORK_AFTER_S`, the rest on the workers. A plain
    loop in this process with one job, off Linux or while a siting thread runs.

    Parameters
    ----------
    fn : callable
    items : sequence
    jobs : int, optional
        Worker processes; None: ``SITING_N_JOBS`` if set, else the CPU count, at most 2
        (:func:`siting.workers.n_workers`).

    Returns
    -------
    list
        ``fn(x)`` for each item, in the items' order.
    """
    jobs = n_workers() if jobs is None else int(jobs)
    if jobs <= 1 or not can_fork():
        return [fn(x) for x in items]
    out: list[R] = []
    start = time.perf_counter()
    for x in items:
        if time.perf_counter() - start >= FORK_AFTER_S and len(items) - len(out) > 1:
            break
        out.append(fn(x))
    rest = items[len(out) :]
    if not rest:
        return out
    with ProcessPoolExecutor(min(jobs, len(rest)), mp_context=mp.get_context("fork")) as ex:
        return out + list(ex.map(_in_child, [fn] * len(rest), rest))


class Background(Generic[R]):
    """``fn(*args)`` on a siting thread of its own, which ends with the job: :meth:`result` waits for it.

    A pool's idle worker thread would outlive its job and keep :func:`can_fork` false for as long
    as the pool is open; this thread refuses forks only while it works.
    """

    def __init__(self, name: str, fn: Callable[..., R], *args: Any) -> None:
        self._value: R | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), name=f"{THREAD_PREFIX}{name}")
        self._thread.start()

    def _run(self, fn: Callable[..., R], args: tuple) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # raised again in the thread that asks for the result
            self._error = exc

    def result(self) -> R:
        """The job's value, once it has ended (its exception raised here).

        Returns
        -------
        object
        """
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set when no error
