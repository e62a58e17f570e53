"""`[rank.portfolio] all_local_bound_rounds` reaches the all-local bound of a city's plan (the Kotka demo)."""

from __future__ import annotations

import dataclasses

from siting.app import city_inputs, demo_scenario, rank_options
from siting.pipeline import plan


def test_the_scenario_key_reaches_the_all_local_bound(bound_rounds_seen):
    """The option's rounds are the ones the all-local bound runs (the real bound, recorded on the way)."""
    sc = demo_scenario("kotka")
    options = rank_options(sc)
    options = dataclasses.replace(
        options, portfolio=dataclasses.replace(options.portfolio, all_local_bound_rounds=2, scope="values")
    )
    planned = plan(city_inputs(sc), 1, options, objective="portfolio")
    loc = planned.run.cities["kotka"].design.portfolio.all_local
    assert bound_rounds_seen == [2]
    assert loc is not None and loc.bound_per_yr <= loc.cost_per_yr * (1 + 1e-9)
