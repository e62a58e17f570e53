"""Solver honesty in the share stage: "optimal" only when proven, limits honoured (Ctrl-C: tests/test_milp.py)."""

from __future__ import annotations

import numpy as np
import pytest

from share.test_design import brute_force, tiny
from siting.errors import InfeasibleError, InputError
from siting.milp import OPTIMAL_GAP, status_words
from siting.share import design_network


def test_status_words() -> None:
    assert status_words(0.0, "optimal") == "optimal"
    assert status_words(OPTIMAL_GAP, "time_limit") == "optimal"
    assert status_words(0.0034, "optimal") == "stopped at gap 0.0034 (gap target reached)"
    assert status_words(0.2, "time_limit") == "stopped at gap 0.2 (time limit)"


@pytest.mark.parametrize("seed", range(4))
def test_status_and_bound_are_honest_against_brute_force(seed: int) -> None:
    pb = tiny(seed)
    try:
        result = design_network(pb, mip_gap=0.2)
    except InfeasibleError:
        return
    best = brute_force(pb)
    assert result.lower_bound <= best + 1e-6 * abs(best)  # the bound is a bound
    assert result.total_per_yr >= best - 1e-6 * abs(best)
    assert (result.status == "optimal") == (result.gap <= OPTIMAL_GAP)
    if result.status != "optimal":
        assert result.status.startswith(f"stopped at gap {result.gap:.3g}")


def test_a_time_limit_without_an_incumbent_says_so() -> None:
    """No warm start and a 10 ms limit on 64 sites: HiGHS stops before any feasible design; the message says it
    is the limit (with the bound), not infeasibility."""
    pb = tiny(0, n=64, m=400)
    with pytest.raises(InputError, match="before HiGHS found any feasible design") as err:
        design_network(pb, time_limit_s=0.01, warm_start=False)
    assert "not infeasibility" in str(err.value) and "raise the capacity" not in str(err.value)
    assert not isinstance(err.value, InfeasibleError)


@pytest.mark.parametrize(("limit", "gap"), [(0.0, 1e-4), (np.nan, 1e-4), (10.0, np.inf), (10.0, -0.1)])
def test_bad_limits_are_refused(limit: float, gap: float) -> None:
    with pytest.raises(InputError, match="time_limit_s"):
        design_network(tiny(0), time_limit_s=limit, mip_gap=gap)
