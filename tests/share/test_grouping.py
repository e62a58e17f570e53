"""Near-identical stores merged into demand groups: who merges, how a group is priced, and the exact re-pricing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from share.test_design import brute_force, tiny
from siting.errors import InputError
from siting.share.design import _groups, design_network


def four_stores() -> object:
    """One standard brand, two sites, four stores (hand-worked below).

    k0 and k1 differ by 20 s and 0.004 per unit on each site (within 30 s / 0.005): one group.
    k2 is 40 s from k0 on site 1 (outside 30 s); k3 is 0.010 per unit from k0 on site 0 (outside 0.005).
    """
    base = tiny(0, n=2, m=4)
    return dataclasses.replace(
        base,
        store_brand=np.array([1, 1, 1, 1]),
        demand_units_per_week=np.array([100.0, 300.0, 50.0, 80.0]),
        delivery_time_s=np.array([[600.0, 620.0, 610.0, 605.0], [900.0, 880.0, 940.0, 900.0]]),
        delivery_cost_per_unit=np.array([[0.100, 0.104, 0.101, 0.110], [0.200, 0.196, 0.200, 0.200]]),
    )


def test_stores_within_tolerance_merge_and_others_do_not() -> None:
    pb = four_stores()
    stores = np.arange(4)
    ok = pb.eligible()
    group_of, group_cost, slack = _groups(pb, stores, ok, 30.0, 0.005)
    assert group_of[0] == group_of[1]
    assert len({group_of[0], group_of[2], group_of[3]}) == 3
    # demand-weighted mean of k0 (100/wk) and k1 (300/wk): site 0 (0.1*100 + 0.104*300)/400 = 0.103
    np.testing.assert_allclose(group_cost[:, group_of[0]], [0.103, 0.197])
    np.testing.assert_allclose(slack[[0, 1]], [0.003, 0.001])  # |0.100 - 0.103|, |0.104 - 0.103|
    assert slack[2] == slack[3] == 0.0  # alone in their groups
    # 0 / 0 merges only identical stores: four groups
    assert len(set(_groups(pb, stores, ok, 0.0, 0.0)[0])) == 4
    assert design_network(pb, group_time_tolerance_s=30.0, group_cost_tolerance_per_unit=0.005).n_groups == 3
    assert design_network(pb).n_groups == 4


def repriced(pb, result) -> float:
    """Total per year recomputed store by store from the design's flows and the problem's own arrays."""
    weeks = pb.season_weeks.astype(float)
    total = 0.0
    for i in np.flatnonzero(result.level >= 0):
        total += pb.rent_per_yr[i, result.level[i]] + pb.setup_per_yr[i, result.level[i]]
    for j in range(len(pb.store_ids)):
        b = pb.store_brand[j]
        for t in range(len(weeks)):
            for i in range(pb.n_sites):
                units = result.flow_units_per_week[i, j, t] * weeks[t]
                total += units * (pb.unit_cost_per_unit[b] + pb.delivery_cost_per_unit[i, j] + pb.holding_per_unit)
            total += result.offshore_units_per_week[j, t] * weeks[t] * pb.offshore_landed_per_unit[b]
    return total


def near_twins(seed: int):
    """tiny(seed) with store 2 a near copy of store 0 and store 5 of store 3 (within 10 s, 0.002 per unit)."""
    pb = tiny(seed)
    rng = np.random.default_rng(100 + seed)
    time_s, cost = pb.delivery_time_s.copy(), pb.delivery_cost_per_unit.copy()
    for a, b in ((0, 2), (3, 5)):
        time_s[:, b] = time_s[:, a] + rng.uniform(-10, 10, pb.n_sites)
        cost[:, b] = cost[:, a] + rng.uniform(-0.002, 0.002, pb.n_sites)
    time_s[:, [0, 2]] = np.minimum(time_s[:, [0, 2]], 1500.0)  # priority stores: keep both inside their SLA
    return dataclasses.replace(pb, delivery_time_s=time_s, delivery_cost_per_unit=cost)


@pytest.mark.parametrize("seed", [1, 3, 6, 9])  # feasible seeds (1 and 6 open one and two sites)
def test_repriced_cost_is_each_stores_own_and_the_bound_holds(seed: int) -> None:
    pb = near_twins(seed)
    result = design_network(pb, mip_gap=1e-9, group_time_tolerance_s=30.0, group_cost_tolerance_per_unit=0.005)
    assert result.n_groups == 4  # the two pairs merged, the two other stores alone
    assert result.total_per_yr == pytest.approx(repriced(pb, result), rel=1e-9)
    # grouped stores take the same shares of their own demand from each site
    demand = pb.demand_units_per_week[:, None] * pb.multiplier[pb.store_brand]
    share = result.flow_units_per_week / demand[None]
    np.testing.assert_allclose(share[:, 0], share[:, 2], atol=1e-9)
    np.testing.assert_allclose(share[:, 3], share[:, 5], atol=1e-9)
    # the per-store optimum lies between the reported lower bound (grouping slack taken off) and the cost
    best = brute_force(pb)
    assert result.grouping_slack_per_yr > 0
    assert result.lower_bound <= best + 1e-6
    assert result.total_per_yr >= best - 1e-6


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_bad_tolerance_is_refused(bad: float) -> None:
    with pytest.raises(InputError, match="group_time_tolerance_s"):
        design_network(four_stores(), group_time_tolerance_s=bad)
    with pytest.raises(InputError, match="group_cost_tolerance_per_unit"):
        design_network(four_stores(), group_cost_tolerance_per_unit=bad)
