"""A plan of the Helsinki demo with candidate hubs, priced as the pipeline prices every route.

Direct delivery is each store's own out-and-back van drop from the distribution point; a hub route
is the consolidated trunk (a full 7.5 t rigid's round trip over its load), the hub's handling
(the sourced default, ``crossdock_handling_cost_per_unit``) and the hub's own drop at the store.
No price is forced: the hubs carry goods because they are cheaper for some demand points.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

#: A hub id with markup in it: the map must print it literally.
HOSTILE_HUB = '<b>hub "A" & co</b><img src=x onerror=alert(1)>'
DEMAND_POINTS = 8


def hub_plan():
    """(city result of the plan, the hubs table, units/week its design sends via hubs)."""
    from siting.app import city_inputs, demo_scenario, rank_options
    from siting.costs.products import cost_default
    from siting.pipeline import plan
    from siting.pipeline.offshore_flows import route_units
    from siting.pipeline.portfolio import PortfolioOptions

    sc = demo_scenario("helsinki")
    city = city_inputs(sc)[0]
    stores = city.stores.sort_values("demand_units_per_week", ascending=False).head(60).reset_index(drop=True)
    pts = stores.to_crs(4326).geometry.representative_point()
    handling = cost_default("crossdock_handling_cost_per_unit")
    hubs = pd.DataFrame(
        {
            "hub_id": [HOSTILE_HUB, "hub-B"],
            "lon": [pts.x.iloc[0], pts.x.iloc[30]],
            "lat": [pts.y.iloc[0], pts.y.iloc[30]],
            "handling_cost_per_unit": [handling, handling],
            "turnaround_s": [0.0, 0.0],
            "fixed_cost_per_yr": [100.0, 100.0],
        }
    )
    city = dataclasses.replace(city, stores=stores, candidates=city.candidates.head(6))
    # stops free (``drop_cost = 0``): with the default charge per drop every demand point already gets
    # the open site's drop (its local goods), a hub's drop would be a second one, and no hub opens
    popt = PortfolioOptions(time_limit_s=20.0, mip_gap=1e-4, demand_points=DEMAND_POINTS, hubs=hubs, drop_cost=0.0)
    opts = rank_options(sc, portfolio=popt)
    opts = dataclasses.replace(
        opts,
        reach=dataclasses.replace(opts.reach, isochrones_for_top=0),
        costs=dataclasses.replace(opts.costs, frontier=False),
    )
    ranked = plan([city], 1, opts, objective="portfolio").run.cities[city.name]
    own = route_units(ranked.design)
    hub_units = float(own.loc[own["via_kind"] == "hub", "units_per_week"].sum())
    return ranked, opts.portfolio.hubs, hub_units
