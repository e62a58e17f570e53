"""Independent HiGHS solves on a pool of threads: results in the items' order, Ctrl-C stops every one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from siting.milp import cancel_worker_solves, resume_worker_solves
from siting.workers import n_workers

__all__ = ["map_in_threads"]

T = TypeVar("T")
R = TypeVar("R")

#: How often the waiting main thread wakes up (so that Ctrl-C reaches it at once), in seconds.
_POLL_S = 0.1


def map_in_threads(fn: Callable[[T], R], items: Sequence[T], threads: int | None = None) -> list[R]:
    """``[fn(x) for x in items]``, on ``threads`` threads: the same results in the same order.

    HiGHS solves without Python's lock, so independent solves (one small MILP per site) run
    side by side. Each ``fn(x)`` must be independent of the others and deterministic: the
    results are then those of the loop, whatever the threads' timing. On Ctrl-C (or an error in
    one item) the items not started are dropped, the running HiGHS solves are stopped, the
    threads are joined and the exception is raised again in the calling thread.

    Parameters
    ----------
    fn : callable
    items : sequence
    threads : int, optional
        Threads to use; None: ``SITING_N_JOBS`` if set, else the CPU count, at most 2
        (:func:`siting.workers.n_workers`). 1, or one item: a plain loop in this thread.

    Returns
    -------
    list
    """
    n = n_workers() if threads is None else max(1, int(threads))
    n = min(n, len(items))
    if n <= 1:
        return [fn(x) for x in items]
    pool = ThreadPoolExecutor(n, thread_name_prefix="siting-solve")
    futures: list[Future[R]] = [pool.submit(fn, x) for x in items]
    try:
        pending: set[Future[R]] = set(futures)
        while pending:
            done, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_EXCEPTION)
            if any(f.exception() is not None for f in done):
                break
        return [f.result() for f in futures]
    except BaseException:
        for f in futures:
            f.cancel()
        cancel_worker_solves()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        resume_worker_solves()
