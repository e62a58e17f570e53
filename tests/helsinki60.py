"""The portfolio manual's small Helsinki case: the 60 busiest demo stores, 6 candidates, 8 demand points."""

from __future__ import annotations

import dataclasses
from typing import Any


def helsinki60(**portfolio: Any):
    """(city, rank options) of the 60 busiest Helsinki demo stores and the first 6 candidates.

    The portfolio options are ``time_limit_s=20``, ``mip_gap=1e-4``, ``demand_points=8`` plus ``portfolio``;
    no isochrones and no business-case frontier (the design does not need them).
    """
    from siting.app import city_inputs, demo_scenario, rank_options
    from siting.pipeline.portfolio import PortfolioOptions

    sc = demo_scenario("helsinki")
    city = city_inputs(sc)[0]
    stores = city.stores.sort_values("demand_units_per_week", ascending=False).head(60).reset_index(drop=True)
    city = dataclasses.replace(city, stores=stores, candidates=city.candidates.head(6))
    popt = PortfolioOptions(**{"time_limit_s": 20.0, "mip_gap": 1e-4, "demand_points": 8, **portfolio})
    opts = rank_options(sc, portfolio=popt)
    opts = dataclasses.replace(
        opts,
        reach=dataclasses.replace(opts.reach, isochrones_for_top=0),
        costs=dataclasses.replace(opts.costs, frontier=False),
    )
    return city, opts
