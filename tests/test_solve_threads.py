"""HiGHS solves on threads (siting.solve_threads): the loop's results in its order, and Ctrl-C stops them all."""

from __future__ import annotations

import _thread
import threading
import time

import numpy as np
import pytest

from siting.milp import Model
from siting.solve_threads import map_in_threads


def _market_split(seed: int, m: int = 4) -> Model:
    """Cornuejols and Dawande's market split: 10 (m - 1) binaries, hours for HiGHS at m = 4."""
    rng = np.random.default_rng(seed)
    n = 10 * (m - 1)
    a = rng.integers(0, 100, size=(m, n))
    model = Model()
    x = model.add_vars("x", n, binary=True)
    up = model.add_vars("over", m, cost=1.0)
    down = model.add_vars("under", m, cost=1.0)
    rows = np.r_[np.repeat(np.arange(m), n), np.arange(m), np.arange(m)]
    cols = np.r_[np.tile(x, m), up, down]
    vals = np.r_[a.ravel(), -np.ones(m), np.ones(m)]
    b = (a.sum(axis=1) // 2).astype(float)
    model.add_rows("split", rows, cols, vals.astype(float), lo=b, hi=b)
    return model


def _solve_market(seed: int, time_limit_s: float = 30.0) -> float:
    return _market_split(seed).solve(time_limit_s=time_limit_s).bound


def _siting_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("siting-solve")]


def test_the_results_are_the_loops_in_its_order_whatever_finishes_first():
    """The first items take longest: a pool that returned them as they finished would reorder them."""
    items = list(range(6))

    def slow_first(i: int) -> int:
        time.sleep(0.05 * (len(items) - i))
        return i * i

    assert map_in_threads(slow_first, items, threads=3) == [i * i for i in items]
    assert map_in_threads(slow_first, items, threads=1) == [i * i for i in items]


def test_threaded_milps_give_the_serial_bounds():
    """Small market-split MILPs solved to optimality: each thread's result is the loop's, exactly."""
    seeds = list(range(6))
    small = [_market_split(s, m=2) for s in seeds]
    serial = [m.solve(time_limit_s=None).objective for m in small]
    threaded = map_in_threads(lambda m: m.solve(time_limit_s=None).objective, small, threads=2)
    assert threaded == serial


def test_an_error_in_one_item_is_raised_and_the_pool_ends():
    def fail_on_two(i: int) -> int:
        if i == 2:
            raise ValueError("item two")
        return i

    with pytest.raises(ValueError, match="item two"):
        map_in_threads(fail_on_two, range(5), threads=2)
    assert _siting_threads() == []


def test_ctrl_c_stops_every_running_solve_and_the_next_pool_solves_again():
    """Two hard MILPs (30 s limits) on two threads; Ctrl-C after 1 s: raised within seconds, no thread left."""
    timer = threading.Timer(1.0, _thread.interrupt_main)
    t0 = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            map_in_threads(_solve_market, [1, 2, 3, 4], threads=2)
    finally:
        timer.cancel()
    stopped_s = time.monotonic() - t0
    assert stopped_s < 8.0, stopped_s  # the solves' own limits are 30 s each, four of them
    assert _siting_threads() == []
    # the stop does not outlive the pool: the next one solves (a small instance to optimality)
    try:
        again = map_in_threads(lambda s: _market_split(s, m=2).solve(time_limit_s=None).status, [0, 1], threads=2)
    except KeyboardInterrupt:
        pytest.fail("the stop outlived its pool: the next pool's solves were interrupted")
    assert again == ["optimal", "optimal"]
