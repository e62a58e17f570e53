"""The weekly plan in machine-hours per process (with routings), not in unit-equivalents of one line."""

from __future__ import annotations

import numpy as np
import pytest

from siting.share.schedule import plan_weeks

# brand A (priority): 0.1 h/unit on print, 0.2 on sew; brand B (overflow): 0.3 and 0.05; no changeovers
PER_UNIT_MIN = np.array([[6.0, 12.0], [18.0, 3.0]])
PER_RUN_MIN = np.zeros((2, 2))
WEEK_MIN = np.array([40.0, 80.0]) * 60.0  # print 40 machine-hours a week, sew 80


def test_print_is_the_bottleneck_and_the_overflow_brand_waits_for_it_worked_by_hand() -> None:
    demand = np.array([[200.0], [100.0]])  # units in one week
    plan = plan_weeks(
        demand,
        np.array([0, 2]),
        hours_per_week=80.0,
        minutes_per_unit=1.0,  # the one-line figures are not used with process_minutes
        changeover_min=0.0,
        max_utilisation=0.9,
        process_minutes=(PER_UNIT_MIN, PER_RUN_MIN, WEEK_MIN),
    )
    # print: 0.9 x 2400 = 2160 min; A takes 200 x 6 = 1200; B gets (2160 - 1200) / 18 = 53.33 units
    assert plan.units[0, 0] == pytest.approx(200.0)
    assert plan.units[1, 0] == pytest.approx(960.0 / 18.0, rel=1e-6)
    assert plan.backlog_units[1, 0] == pytest.approx(100.0 - 960.0 / 18.0, rel=1e-6)
    assert plan.utilisation[0] == pytest.approx(0.9)  # the busiest process's share of its hours
    sew = (plan.units[:, 0] * PER_UNIT_MIN[:, 1]).sum() / WEEK_MIN[1]
    assert sew < 0.9  # sew has room left: a unit-equivalent line would have made more of B


def test_no_week_passes_the_cap_on_any_process() -> None:
    rng = np.random.default_rng(3)
    demand = rng.uniform(50, 260, (2, 8))
    per_run = np.array([[30.0, 45.0], [20.0, 10.0]])
    plan = plan_weeks(
        demand,
        np.array([1, 2]),
        hours_per_week=80.0,
        minutes_per_unit=1.0,
        changeover_min=0.0,
        max_utilisation=0.8,
        process_minutes=(PER_UNIT_MIN, per_run, WEEK_MIN),
    )
    load = plan.units[:, :, None] * PER_UNIT_MIN[:, None, :] + plan.runs[:, :, None] * per_run[:, None, :]
    share = load.sum(axis=0) / WEEK_MIN[None, :]  # (weeks, processes)
    assert (share <= 0.8 + 1e-6).all()
    assert share.max() > 0.75  # the demand fills the bottleneck: the cap is what binds
    np.testing.assert_allclose(plan.utilisation, share.max(axis=1), rtol=1e-9)
