"""The SLA rows over class-load columns: one row over every level equals the per-level rows at integer levels."""

from __future__ import annotations

import numpy as np

from siting.share.slarows import level_shares


def _per_level_rhs(cap: np.ndarray, shut: np.ndarray, rowed: np.ndarray, hours: np.ndarray, y: np.ndarray) -> float:
    """The tightest right side of the per-level rows ``h <= s_l H_l y_l + sum_{l2 != l} H_l2 y_l2``."""
    best = np.inf
    for lvl in np.flatnonzero(rowed):
        share = np.ones(len(cap))
        share[lvl] = 0.0 if (shut[lvl] or np.isnan(cap[lvl])) else cap[lvl]
        best = min(best, float(share @ (hours * y)))
    return best


def test_one_row_over_the_levels_equals_the_per_level_rows_at_integer_levels_and_is_never_weaker() -> None:
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(300):
        lv = int(rng.integers(1, 4))
        cap = rng.uniform(0.0, 1.3, lv)
        cap[rng.random(lv) < 0.2] = np.nan
        cap[rng.random(lv) < 0.2] = np.inf
        rowed = np.isfinite(cap) | np.isnan(cap)
        if not rowed.any():
            continue
        shut = np.zeros(lv, dtype=bool)
        hours = rng.uniform(10.0, 200.0, lv)
        share = level_shares(cap, shut, rowed)
        for lvl in range(lv):  # one level open
            y = np.zeros(lv)
            y[lvl] = 1.0
            assert float(share @ (hours * y)) == np.float64(_per_level_rhs(cap, shut, rowed, hours, y))
        for _ in range(5):  # fractional levels (at most one in total): the one row is never looser
            y = rng.dirichlet(np.ones(lv)) * rng.uniform(0.0, 1.0)
            assert float(share @ (hours * y)) <= _per_level_rhs(cap, shut, rowed, hours, y) + 1e-9
        checked += 1
    assert checked > 200


def test_a_class_shut_out_at_every_level_gets_no_hours() -> None:
    share = level_shares(np.ones(2), np.array([True, True]), np.array([True, True]))
    assert np.array_equal(share, [0.0, 0.0])
    share = level_shares(np.ones(2), np.array([True, False]), np.array([True, True]))
    assert np.array_equal(share, [0.0, 1.0])
