"""`[rank.portfolio] all_local_bound_rounds` and `all_local_swaps` reach a city's all-local design (Kotka)."""

from __future__ import annotations

import dataclasses

from siting.app import city_inputs, demo_scenario, rank_options
from siting.pipeline import plan


def test_the_scenario_keys_reach_the_all_local_design(bound_rounds_seen, swaps_seen):
    """The options' rounds and swaps are the ones the all-local bound and start run (the real ones, recorded)."""
    sc = demo_scenario("kotka")
    options = rank_options(sc)
    popt = dataclasses.replace(options.portfolio, all_local_bound_rounds=2, all_local_swaps=3, scope="values")
    options = dataclasses.replace(options, portfolio=popt)
    planned = plan(city_inputs(sc), 1, options, objective="portfolio")
    loc = planned.run.cities["kotka"].design.portfolio.all_local
    assert bound_rounds_seen == [2]
    assert swaps_seen == [3]
    assert loc is not None and loc.bound_per_yr <= loc.cost_per_yr * (1 + 1e-9)
