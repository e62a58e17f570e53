"""Weekly lot sizing: capacity never exceeded, run sizes within limits, priority first."""

from __future__ import annotations

import numpy as np
import pytest

from siting.errors import InfeasibleError
from siting.share.leadtimes import class_lead_times
from siting.share.schedule import plan_weeks

HOURS = 80.0
MPU = HOURS * 60 / 2500  # minutes per unit at 2,500 units per week


def demand(peak: float = 1.0) -> np.ndarray:
    base = np.array([[700.0] * 4 + [900.0] * 4, [800.0] * 4 + [1300.0 * peak] * 4, [400.0] * 8])
    return base


@pytest.mark.parametrize("rule", ["strict", "reserved"])
@pytest.mark.parametrize("peak", [1.0, 1.6])
def test_capacity_never_exceeded_and_runs_within_limits(rule: str, peak: float) -> None:
    d = demand(peak)
    plan = plan_weeks(d, np.array([0, 1, 2]), hours_per_week=HOURS, minutes_per_unit=MPU, rule=rule)
    # recompute each week's minutes from the runs, independently of the solver's own sum
    minutes = (plan.units * MPU + plan.runs * 30.0).sum(axis=0)
    assert (minutes <= HOURS * 60 * (1 + 1e-9)).all()
    np.testing.assert_allclose(minutes, plan.minutes_used)
    assert (plan.utilisation <= 1 + 1e-9).all()
    made = plan.runs > 0
    size = np.divide(plan.units, plan.runs, out=np.zeros_like(plan.units), where=made)
    assert (size[made] >= 50 - 1e-6).all() and (size[made] <= 500 + 1e-6).all()
    assert (plan.units[~made] <= 1e-6).all()
    # stock balance: made so far - demand so far = stock - backlog (never negative stock)
    cum = np.cumsum(plan.units - d, axis=1)
    assert (cum >= -plan.backlog_units - 1e-6).all()
    if rule == "strict":
        assert plan.backlog_units[0].max() <= 1e-6  # priority never waits past its week


def test_reserved_share_caps_the_other_classes() -> None:
    plan = plan_weeks(
        demand(1.6),
        np.array([0, 1, 2]),
        hours_per_week=HOURS,
        minutes_per_unit=MPU,
        rule="reserved",
        reserved_share=0.4,
    )
    other = (plan.units[1:] * MPU + plan.runs[1:] * 30.0).sum(axis=0)
    assert (other <= 0.6 * HOURS * 60 + 1e-6).all()
    assert plan.backlog_units[1:].sum() > 0  # the cap bites at peak


def test_strict_priority_beyond_capacity_is_refused() -> None:
    d = np.array([[3000.0] * 4])
    with pytest.raises(InfeasibleError, match="priority"):
        plan_weeks(d, np.array([0]), hours_per_week=HOURS, minutes_per_unit=MPU)


def test_lead_times_priority_first() -> None:
    plan = plan_weeks(demand(1.3), np.array([0, 1, 2]), hours_per_week=HOURS, minutes_per_unit=MPU)
    lt = class_lead_times(
        plan,
        np.array([0, 1, 2]),
        {0: 0.01, 1: 0.01, 2: 0.01},
        np.arange(4, 8),
        hours_per_week=HOURS,
        sim_weeks=104,
        seed=1,
    )
    assert list(lt.rank) == [0, 1, 2]
    # higher classes wait less, both in Cobham's formula and in the simulation
    assert np.all(np.diff(lt.mean_days_analytic) > 0)
    assert np.all(np.diff(lt.mean_days_simulated) > 0)
    assert (lt.p95_days_simulated >= lt.mean_days_simulated).all()
    assert lt.queue_utilisation == pytest.approx(plan.utilisation[4:8].mean(), rel=1e-6)
