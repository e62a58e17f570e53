"""Single-site outages solved side by side (siting.solve_threads): the same resilience table as one at a time."""

from __future__ import annotations

import pandas as pd
import pytest
from design_instances import instance

from siting.design import portfolio
from siting.design.outages import resilience

#: the late penalty the design's model is built with, and the outages priced with (as in ``solve_city``)
PENALTY = 1_000.0


@pytest.mark.parametrize("seed", [7, 8])
def test_outages_on_two_threads_equal_one_thread(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every opened site of a 14-site instance out in turn: bit for bit the same costs, late stores and fallbacks.

    The outages differ in length, so two threads finish them out of order: a pool that kept the
    order they finished in would give sites each other's outages.
    """
    pb = instance(seed, n_s=14, n_j=24, n_f=3, n_t=1, n_l=3)
    p, dm = portfolio(
        pb, time_limit_s=60.0, mip_gap=0.01, max_nodes=100, neighbourhood_sites=6, late_penalty_per_unit=PENALTY
    )
    tables = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("SITING_N_JOBS", jobs)
        tables.append(resilience(pb, p.hybrid, dm, late_penalty_per_unit=PENALTY, max_nodes=100, mip_gap=0.01))
    one, two = tables
    assert len(one) >= 3, len(one)
    pd.testing.assert_frame_equal(two, one, check_exact=True)
