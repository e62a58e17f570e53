"""Independent pure tasks on forked worker processes (Linux, no siting thread running), else a plain loop."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from siting.workers import ENV_N_JOBS, n_workers

__all__ = ["FORK_AFTER_S", "THREAD_PREFIX", "Background", "can_fork", "map_forked", "worker_pool"]

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


def _start_worker(sigint: object) -> None:
    """A worker's start: Ctrl-C handled as in the parent, the season models it prices written when it ends.

    A worker ends with ``os._exit``, which skips the ``atexit`` flush of :mod:`siting.costs.cost_cache`;
    multiprocessing's own finalizers still run (without this, the next run would price them again).
    """
    from multiprocessing.util import Finalize

    from siting.costs.cost_cache import cost_flush

    signal.signal(signal.SIGINT, sigint)  # type: ignore[arg-type]  # the parent's handler
    Finalize(None, cost_flush, exitpriority=10)


def _started() -> None:
    """Nothing: the first task, which makes the pool fork its workers."""


@contextmanager
def _held_interrupt() -> Iterator[object]:
    """Ctrl-C during the block is raised when it ends, and the handler in place is yielded.

    A SIGINT that arrives while ``os.fork`` runs its handlers (logging's locks) is printed as
    "Exception ignored" and lost: a run interrupted as its workers started ran on to the end (seen
    once in a test suite). Only the main thread handles signals; elsewhere the block runs as it is.
    """
    handler = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread():
        yield handler
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield handler
    finally:
        signal.signal(signal.SIGINT, handler)
    if caught and callable(handler):
        handler(signal.SIGINT, None)  # the default one raises KeyboardInterrupt here
    elif caught and handler == signal.SIG_DFL:
        os.kill(os.getpid(), signal.SIGINT)


@contextmanager
def worker_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``jobs`` forked workers, all forked before it is handed over (Ctrl-C held meanwhile).

    On leaving, the tasks not started are cancelled and the running ones waited for.

    Parameters
    ----------
    jobs : int

    Yields
    ------
    concurrent.futures.ProcessPoolExecutor
    """
    ex: ProcessPoolExecutor | None = None
    try:
        with _held_interrupt() as handler:  # a Ctrl-C held here is raised as it ends: the pool is shut down
            ex = ProcessPoolExecutor(
                jobs, mp_context=mp.get_context("fork"), initializer=_start_worker, initargs=(handler,)
            )
            ex.submit(_started)  # a fork pool forks every worker at its first task
        yield ex
    finally:
        if ex is not None:  # else an idle pool's workers would keep the interpreter from exiting
            ex.shutdown(wait=True, cancel_futures=True)


#: Items are worked out in this process until they have taken this long (seconds); only the rest go to
#: forked workers, so that quick work never pays for a fork (a test suite's small instances: a few
#: milliseconds each, where a fork of a large process and its workers' start cost tens of milliseconds).
FORK_AFTER_S = 1.0


def _cores_busy() -> bool:
    """Whether the last minute's load average leaves less than one core idle (e.g. two test workers on two
    cores): workers forked then only share the same cores, and each fork costs its start."""
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1) - 0.5
    except OSError:  # no load average here
        return False


def map_forked(fn: Callable[[T], R], items: Sequence[T], jobs: int | None = None) -> list[R]:
    """``[fn(x) for x in items]`` on ``jobs`` forked processes: the same results in the same order.

    For CPU-bound pure Python work (the season model's sweeps and cost curves), which threads
    cannot share out. Each ``fn(x)`` must be deterministic and independent of the others, and
    ``fn``, the items and the results picklable (``fn`` a module-level function). The items are
    worked out here until they have taken :data:`FORK_AFTER_S`, the rest on the workers. A plain
    loop in this process with one job, off Linux or while a siting thread runs, and by default
    (``jobs`` None and ``SITING_N_JOBS`` unset) when the last minute's load average leaves no core idle.

    Parameters
    ----------
    fn : callable
    items : sequence
    jobs : int, optional
        Worker processes; None: ``SITING_N_JOBS`` if set, else the CPU count, at most 2
        (:func:`siting.workers.n_workers`), or none on a busy machine.

    Returns
    -------
    list
        ``fn(x)`` for each item, in the items' order.
    """
    if jobs is None:  # the default: no workers on a machine whose cores are already busy
        jobs = 1 if os.environ.get(ENV_N_JOBS, "").strip() == "" and _cores_busy() else n_workers()
    jobs = int(jobs)
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
    with worker_pool(min(jobs, len(rest))) as ex:
        return out + list(ex.map(fn, rest))


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
