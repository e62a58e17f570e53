"""Work-based limits for the coalition solves: HiGHS's node limit stops a design the same way on any machine load."""

from __future__ import annotations

import numpy as np
import pytest

from share.test_design_terms import hours_instance  # the hours/contracts instance of the design tests
from siting.errors import InputError
from siting.share.design import design_network


def test_a_node_limited_design_is_reported_as_stopped_and_is_the_same_every_time() -> None:
    pb = hours_instance(3, n=8, m=24)  # its root node does not close the gap
    best = design_network(pb, mip_gap=1e-9)
    first = design_network(pb, mip_gap=1e-9, max_nodes=1)
    again = design_network(pb, mip_gap=1e-9, max_nodes=1, time_limit_s=600.0)
    assert best.status == "optimal"
    assert first.status.startswith("stopped at gap") and first.status.endswith("(node limit)")
    assert first.lower_bound <= best.total_per_yr + 1e-6 * best.total_per_yr <= first.total_per_yr * (1 + 1e-6)
    assert first.gap > 1e-4
    # the node limit, not the clock, stopped it: the same design and bound with a far longer time limit
    assert again.total_per_yr == first.total_per_yr and again.lower_bound == first.lower_bound
    np.testing.assert_array_equal(again.level, first.level)


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_a_bad_node_limit_is_refused(bad) -> None:
    with pytest.raises(InputError, match="max_nodes"):
        design_network(hours_instance(1), max_nodes=bad)
