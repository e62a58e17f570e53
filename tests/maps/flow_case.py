"""A plan of the Helsinki demo with candidate hubs, and its design re-solved with cheap trunks so the hubs carry goods.

As priced by the pipeline, a hub route costs the trunk (the median direct delivery per unit)
plus handling plus the hub's own out-and-back lane, so on the demo it never beats direct delivery.
The what-if re-solves the same design problem with the trunk at a full-truck 0.05 per unit: the
hubs then carry goods, which is what the map has to draw.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

#: A hub id with markup in it: the map must print it literally.
HOSTILE_HUB = '<b>hub "A" & co</b><img src=x onerror=alert(1)>'
TRUNK_WHAT_IF_PER_UNIT = 0.05
DEMAND_POINTS = 8


def hub_plan():
    """(city result with the what-if design, the hubs table, units/week the pipeline's own design sends via hubs)."""
    from siting.app import city_inputs, demo_scenario, rank_options
    from siting.design.city import CityDesign
    from siting.design.solve import portfolio
    from siting.pipeline import plan
    from siting.pipeline.offshore_flows import route_units
    from siting.pipeline.portfolio import PortfolioOptions

    sc = demo_scenario("helsinki")
    city = city_inputs(sc)[0]
    stores = city.stores.sort_values("demand_units_per_week", ascending=False).head(60).reset_index(drop=True)
    pts = stores.to_crs(4326).geometry.representative_point()
    hubs = pd.DataFrame(
        {
            "hub_id": [HOSTILE_HUB, "hub-B"],
            "lon": [pts.x.iloc[0], pts.x.iloc[30]],
            "lat": [pts.y.iloc[0], pts.y.iloc[30]],
            "handling_cost_per_unit": [0.01, 0.02],
            "turnaround_s": [0.0, 0.0],
            "fixed_cost_per_yr": [100.0, 100.0],
        }
    )
    city = dataclasses.replace(city, stores=stores, candidates=city.candidates.head(6))
    popt = PortfolioOptions(time_limit_s=20.0, mip_gap=1e-4, demand_points=DEMAND_POINTS, hubs=hubs)
    opts = rank_options(sc, portfolio=popt)
    opts = dataclasses.replace(
        opts,
        reach=dataclasses.replace(opts.reach, isochrones_for_top=0),
        costs=dataclasses.replace(opts.costs, frontier=False),
    )
    ranked = plan([city], 1, opts, objective="portfolio").run.cities[city.name]
    pb = ranked.design.problem
    own = route_units(ranked.design)
    own_hub_units = float(own.loc[own["via_kind"] == "hub", "units_per_week"].sum())
    assert pb.hubs is not None and len(pb.hubs.routes)
    trunk = float(np.nanmin(pb.crossdock_cost_per_unit)) - opts.portfolio.crossdock_handling_per_unit
    cheap = pb.hubs.route_cost_per_unit - trunk + TRUNK_WHAT_IF_PER_UNIT
    pb = dataclasses.replace(pb, hubs=dataclasses.replace(pb.hubs, route_cost_per_unit=cheap))
    p, dm = portfolio(pb, time_limit_s=20.0, mip_gap=1e-4)
    design = CityDesign(problem=pb, portfolio=p, site_values=pd.DataFrame(), resilience=pd.DataFrame(), model=dm)
    return dataclasses.replace(ranked, design=design), opts.portfolio.hubs, own_hub_units
