"""siting.forked: pure tasks on forked workers give the loop's results, in order, and never fork unsafely."""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import signal
import threading
import time

import numpy as np
import pytest

import siting.forked as forked
from siting.errors import InputError
from siting.forked import THREAD_PREFIX, Background, can_fork, map_forked


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _season_model(product):
    from siting.costs.season import sourcing_cost

    return sourcing_cost(product, "local").total_per_yr


@pytest.fixture
def fork_at_once(monkeypatch):
    """Every item to the workers (none worked out here first)."""
    monkeypatch.setattr(forked, "FORK_AFTER_S", 0.0)


def _pid_after(x: float) -> int:
    time.sleep(x)
    return os.getpid()


def test_quick_work_stays_here_and_the_rest_goes_to_the_workers(monkeypatch):
    monkeypatch.setattr(forked, "FORK_AFTER_S", 1.0)  # the default (the suite keeps its work in process)
    assert {pid for pid, _ in map_forked(_pid_and_square, list(range(50)), jobs=2)} == {os.getpid()}
    monkeypatch.setattr(forked, "FORK_AFTER_S", 0.25)
    pids = map_forked(_pid_after, [0.15] * 6, jobs=2)
    assert pids[:2] == [os.getpid()] * 2  # 0.3 s here, then the workers
    assert os.getpid() not in pids[2:], pids


def test_the_loops_results_in_order_from_other_processes(fork_at_once):
    got = map_forked(_pid_and_square, list(range(7)), jobs=2)
    assert [sq for _, sq in got] == [x * x for x in range(7)]
    assert {pid for pid, _ in got} - {os.getpid()}, got  # worked out in forked workers
    alone = map_forked(_pid_and_square, list(range(3)), jobs=1)
    assert alone == [(os.getpid(), x * x) for x in range(3)]


def test_no_fork_while_a_siting_thread_works_and_the_thread_ends_with_its_job(fork_at_once):
    release = threading.Event()
    job = Background("waiting", release.wait, 10.0)
    assert not can_fork()
    assert any(t.name == f"{THREAD_PREFIX}waiting" for t in threading.enumerate())
    got = map_forked(_pid_and_square, [1, 2, 3], jobs=2)
    assert got == [(os.getpid(), 1), (os.getpid(), 4), (os.getpid(), 9)]  # a plain loop here
    release.set()
    assert job.result() is True
    assert can_fork()  # the thread ended with its job (a pool's idle worker would still be there)


def test_a_background_jobs_error_is_raised_in_the_caller():
    def fail() -> None:
        raise InputError("stores.csv: column demand, row 3: -1 is negative; give units a week >= 0.")

    with pytest.raises(InputError, match="row 3"):
        Background("failing", fail).result()


def _daemon_can_fork(queue) -> None:
    queue.put(can_fork())


def test_a_daemonic_process_starts_no_workers():
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_daemon_can_fork, args=(queue,), daemon=True)
    child.start()
    assert queue.get(timeout=30) is False
    child.join(30)


def test_the_workers_season_models_reach_the_cost_cache(monkeypatch, fork_at_once):
    """A worker ends without its atexit flush: map_forked writes what it priced, so the next run reads it."""
    from siting.costs.cost_cache import cost_key, cost_load
    from siting.costs.products import example_products_path, load_products

    monkeypatch.setenv("SITING_COST_CACHE", "1")
    base = load_products(example_products_path())[0]
    rng = np.random.default_rng()  # volumes no other test priced: computed here, not read
    products = [dataclasses.replace(base, demand_mean_units_per_week=float(v)) for v in rng.uniform(1000, 2000, size=2)]
    totals = map_forked(_season_model, products, jobs=2)
    wpy = 52.0
    for p, total in zip(products, totals, strict=True):
        hit = cost_load(cost_key("sourcing_cost", p, "local", wpy))
        assert hit is not None and hit.total_per_yr == total


def test_a_ctrl_c_while_the_workers_are_forked_is_raised_once_they_are():
    """A SIGINT during os.fork's handlers was printed as "Exception ignored" and lost (the run went on to
    the end); worker_pool holds it while it forks and raises it after."""
    from siting.forked import _held_interrupt

    reached = []
    with pytest.raises(KeyboardInterrupt), _held_interrupt():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler has run by now: held, not raised
        reached.append(True)
    assert reached == [True]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_pools_workers_are_forked_before_it_is_handed_over():
    from siting.forked import worker_pool

    with worker_pool(2) as ex:
        assert len(ex._processes) == 2  # forked inside the held block, none later by a task
        assert [sq for _, sq in ex.map(_pid_and_square, [3, 1])] == [9, 1]


def test_by_default_a_busy_machine_gets_no_workers(monkeypatch, fork_at_once):
    monkeypatch.delenv("SITING_N_JOBS", raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (float(os.cpu_count() or 1), 0.0, 0.0))
    assert {pid for pid, _ in map_forked(_pid_and_square, [1, 2, 3])} == {os.getpid()}
    monkeypatch.setenv("SITING_N_JOBS", "2")  # asked for: workers whatever the load
    assert {pid for pid, _ in map_forked(_pid_and_square, [1, 2, 3])} - {os.getpid()}
    monkeypatch.delenv("SITING_N_JOBS")
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert {pid for pid, _ in map_forked(_pid_and_square, [1, 2, 3])} - {os.getpid()}
