"""Forced openings priced side by side (siting.solve_threads): the same table and designs as one at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from design_instances import instance

from siting.design import portfolio
from siting.design.outages import forced_open


def _priced(pb, p, dm) -> tuple[pd.DataFrame, dict]:
    designs: dict = {}
    table = forced_open(
        pb, p.hybrid, dm, pb.site_ids, max_nodes=100, neighbourhood_sites=6, mip_gap=0.01, designs=designs
    )
    return table, designs


@pytest.mark.parametrize("seed", [7, 8])
def test_forced_openings_on_two_threads_equal_one_thread(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every closed site of a 14-site instance forced open: bit for bit the same costs, bounds, statuses and designs.

    The solves differ in length, so two threads finish them out of order: a pool that kept the
    order they finished in would give sites each other's prices.
    """
    pb = instance(seed, n_s=14, n_j=24, n_f=3, n_t=1, n_l=3)
    p, dm = portfolio(pb, time_limit_s=60.0, mip_gap=0.01, max_nodes=100, neighbourhood_sites=6)
    monkeypatch.setenv("SITING_N_JOBS", "1")
    one, one_designs = _priced(pb, p, dm)
    monkeypatch.setenv("SITING_N_JOBS", "2")
    two, two_designs = _priced(pb, p, dm)
    assert len(one) >= 4, len(one)  # the closed sites with a level to open (7 and 4 here)
    pd.testing.assert_frame_equal(two, one, check_exact=True)
    assert two_designs.keys() == one_designs.keys()
    for site, x in one_designs.items():
        np.testing.assert_array_equal(two_designs[site], x)
