"""`siting plan --objective cost`: exactly k sites minimising rent + delivery + landed cost, against enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.delivery import VEHICLES
from siting.network import od_time_length
from siting.pipeline import RankOptions, city_from_demo, plan, run


@pytest.fixture(scope="module")
def ranked():
    return run([city_from_demo("helsinki")], RankOptions())


def test_cost_objective_equals_enumeration_of_every_pair(ranked) -> None:
    result = plan(ranked, 2, objective="cost")
    city = ranked.cities["helsinki"]
    van = VEHICLES[RankOptions().lane_params.vehicle]
    # independent: a weekly round trip per store, priced per km and per hour, 52 weeks; rent per site
    t, length = od_time_length(city.graph, city.candidates["node"], city.stores["node"])
    trip_per_yr = 52 * 2 * (length / 1000 * van.cost_per_km + t / 3600 * van.cost_per_hour)  # (sites, stores)
    demand = city.stores["demand_units_per_week"].to_numpy()
    trip_per_yr = np.where(demand[None, :] > 0, trip_per_yr, 0.0)
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
