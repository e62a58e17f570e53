"""The business case of one city: product mix in the stores' volume, offshore distribution point, per-site costs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import Point

from siting.errors import InputError

log = logging.getLogger("siting")

__all__ = ["DistributionPoint", "city_mix", "distribution_point", "site_business_case", "top_site_business_case"]


@dataclass(frozen=True)
class DistributionPoint:
    """Where offshore goods reach the stores from, and its weekly lanes to them (out-and-back)."""

    node: int
    lon: float
    lat: float
    how: str
    lane_cost_per_week: float
    co2e_wtw_kg_per_week: float
    vehicle_km_per_week: float


def city_mix(city: Any, options: Any, stores: pd.DataFrame) -> list[Any]:
    """The city's product mix scaled to its stores' weekly demand (empty list: no business case)."""
    products = tuple(getattr(city, "products", ()) or ()) or options.costs.products
    if not products:
        if city.demand_shares:
            raise InputError(
                f'{city.name}: demand_shares are given but no product families; add [costs] products = "file.csv".'
            )
        return []
    units = float(stores["demand_units_per_week"].sum())
    if units <= 0:
        raise InputError(f"{city.name}: the stores have no demand; the business case needs demand_units_per_week > 0.")
    from siting.costs.mix import mix_for_demand  # scipy.stats: only when there is a business case

    return mix_for_demand(products, units, shares=city.demand_shares, where=f"{city.name}: demand_shares")


def distribution_point(G: nx.MultiDiGraph, stores: gpd.GeoDataFrame, options: Any, city: str) -> DistributionPoint:
    """The offshore distribution point (given or the default) and its lanes to the stores."""
    from siting.network.od import od_time_length
    from siting.ranking.criteria import lane_criteria

    crs = G.graph["crs"]
    if options.costs.offshore_dc_lonlat is not None:
        pt = gpd.GeoDataFrame(
            {"site_id": ["dc"]}, geometry=[Point(*options.costs.offshore_dc_lonlat)], crs=4326
        ).to_crs(crs)
        from siting.network.od import snap

        snapped = snap(G, pt, max_distance_m=options.reach.max_snap_distance_m)
        if snapped.empty:
            raise InputError(
                f"{city}: offshore_dc_lonlat {options.costs.offshore_dc_lonlat} is more than "
                f"{options.reach.max_snap_distance_m:g} m from the road network; give a point on the network."
            )
        node, how = int(snapped["node"].iloc[0]), "given (offshore_dc_lonlat)"
    else:
        w = stores["demand_units_per_week"].to_numpy(dtype=float)
        xy = np.column_stack([stores.geometry.x, stores.geometry.y])
        centre = (xy * w[:, None]).sum(axis=0) / w.sum() if w.sum() > 0 else xy.mean(axis=0)
        nodes = np.array(list(G.nodes))
        nxy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes])
        node = int(nodes[np.argmax(((nxy - centre) ** 2).sum(axis=1))])
        how = "default: network node farthest from the stores' demand-weighted centre"
    time_s, length_m = od_time_length(G, [node], stores["node"].to_numpy())
    lanes = lane_criteria(
        ["dc"],
        stores["store_id"].astype(str).tolist(),
        time_s,
        length_m,
        stores["demand_units_per_week"].to_numpy(),
        params=options.lanes.lane_params,
        vehicles=options.lanes.vehicles,
    ).iloc[0]
    lonlat = gpd.GeoSeries([Point(G.nodes[node]["x"], G.nodes[node]["y"])], crs=crs).to_crs(4326).iloc[0]
    return DistributionPoint(
        node=node,
        lon=float(lonlat.x),
        lat=float(lonlat.y),
        how=how,
        lane_cost_per_week=float(lanes["lane_cost_per_week"]),
        co2e_wtw_kg_per_week=float(lanes["co2e_wtw_kg_per_week"]),
        vehicle_km_per_week=float(lanes["vehicle_km_per_week"]),
    )


def _grids(city: Any, options: Any) -> tuple[float, float | None]:
    from siting.costs.footprint import grid_factor

    local = options.costs.grid_kg_co2e_per_kwh
    if local is None:
        local = grid_factor(getattr(city, "country", None))
    return float(local), options.costs.offshore_grid_kg_co2e_per_kwh


def site_business_case(
    raw: pd.DataFrame, rent_per_m2_yr: np.ndarray, mix: list[Any], dc: DistributionPoint, city: Any, options: Any
) -> pd.DataFrame:
    """Per site: the landed-cost columns (:data:`siting.costs.sites.SITE_COLUMNS`) and CO2e per unit.

    ``raw`` holds the site's lane criteria (``lane_cost_per_week``, ``co2e_wtw_kg_per_week``).
    """
    from siting.costs.footprint import co2e_per_unit
    from siting.ranking.criteria import landed_cost_criteria

    costs = landed_cost_criteria(
        raw["site_id"],
        rent_per_m2_yr,
        raw["lane_cost_per_week"].to_numpy(),
        mix,
        required_floor_area_m2=options.required_floor_area_m2,
        setup_cost=options.costs.setup_cost,
        offshore_delivery_cost_per_week=dc.lane_cost_per_week,
        with_break_even=options.costs.break_even,
        brand_units_per_week=options.costs.brand_units_per_week,
    )
    grid, origin = _grids(city, options)
    units_per_week = sum(p.demand_mean_units_per_week for p in mix)
    fixed = co2e_per_unit(
        mix,
        unit_weight_kg=options.lanes.lane_params.unit_weight_kg,
        grid_kg_co2e_per_kwh=grid,
        offshore_grid_kg_co2e_per_kwh=origin,
        offshore_last_mile_kg_per_week=dc.co2e_wtw_kg_per_week,
        offshore=options.costs.offshore,
    )
    local_fixed = fixed["local"].production_energy + fixed["local"].inbound_freight + fixed["local"].unsold_goods
    costs["co2e_local_kg_per_unit"] = local_fixed + raw["co2e_wtw_kg_per_week"].to_numpy() / units_per_week
    costs["co2e_offshore_kg_per_unit"] = fixed["offshore"].total
    return costs


def top_site_business_case(
    top: pd.Series, mix: list[Any], dc: DistributionPoint, city: str, options: Any
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per family at the top site: landed costs and which source is cheaper, and the frontier."""
    from siting.costs.families import family_costs, frontier
    from siting.costs.products import cost_default

    wpy = cost_default("weeks_per_yr")
    site, delivery = float(top["site_cost_per_yr"]), float(top["delivery_cost_per_yr"])
    offshore_delivery = dc.lane_cost_per_week * wpy
    head = {"city": city, "site_id": str(top["site_id"])}
    families = family_costs(
        mix,
        site_cost_per_yr=site,
        delivery_cost_per_yr=delivery,
        offshore_delivery_cost_per_yr=offshore_delivery,
        brand_units_per_week=options.costs.brand_units_per_week,
    )
    families = pd.concat([pd.DataFrame([head] * len(families)), families], axis=1)
    if not options.costs.frontier:
        return families, pd.DataFrame(), pd.DataFrame()
    table, curves = frontier(
        mix, site_cost_per_yr=site, delivery_cost_per_yr=delivery, offshore_delivery_cost_per_yr=offshore_delivery
    )
    return (
        families,
        pd.concat([pd.DataFrame([head] * len(table)), table], axis=1),
        curves.assign(city=city, site_id=head["site_id"]),
    )
