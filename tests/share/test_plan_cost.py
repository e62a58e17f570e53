"""`siting plan --objective cost`: exactly k sites minimising rent + delivery + landed cost, against enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.delivery.lane_tables import direct_lane_values
from siting.network import od_time_length
from siting.pipeline import RankOptions, city_from_demo, plan, run


@pytest.fixture(scope="module")
def ranked():
    return run([city_from_demo("helsinki")], RankOptions())


def test_cost_objective_equals_enumeration_of_every_pair(ranked) -> None:
    result = plan(ranked, 2, objective="cost")
    city = ranked.cities["helsinki"]
    # the lanes as the ranking prices them: edge-snapped points, real return legs, trips from demand
    from siting.network.snapping import SNAP_COLUMNS

    cols = list(SNAP_COLUMNS)
    t, length = od_time_length(city.graph, city.candidates[cols], city.stores[cols])
    bt, bl = od_time_length(city.graph, city.stores[cols], city.candidates[cols])
    demand = city.stores["demand_units_per_week"].to_numpy()
    n_s, n_j = t.shape
    per_week = direct_lane_values(
        t.ravel(),
        length.ravel(),
        bt.T.ravel(),
        bl.T.ravel(),
        np.tile(demand, n_s),
        params=RankOptions().lanes.lane_params,
    )["cost_per_week"].reshape(n_s, n_j)
    # the same lanes summed per site are the ranking's own lane cost (each site serves every store here)
    np.testing.assert_allclose(per_week.sum(axis=1), city.candidates["lane_cost_per_week"].to_numpy(), rtol=1e-9)
    trip_per_yr = np.where(demand[None, :] > 0, 52 * per_week, 0.0)
    rent = city.candidates["rent_per_yr"].to_numpy()
    best = min(
        (rent[list(pair)].sum() + trip_per_yr[list(pair)].min(axis=0).sum(), pair)
        for pair in itertools.combinations(range(len(rent)), 2)
    )
    sol = result.solutions["helsinki"]
    assert sol.optimal
    assert sol.objective == pytest.approx(best[0], rel=1e-9)
    chosen = set(result.sites["site_id"])
    assert chosen == set(city.candidates["site_id"].iloc[list(best[1])]) or sol.objective == pytest.approx(best[0])


def test_time_objective_is_unchanged_and_bad_objective_refused(ranked) -> None:
    from siting.errors import InputError

    assert plan(ranked, 2).solutions["helsinki"].model == "p_median"
    with pytest.raises(InputError, match="objective"):
        plan(ranked, 2, objective="money")
