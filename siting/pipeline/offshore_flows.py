"""The portfolio design's offshore flows for the plan map: distribution point -> hub or cross-dock site -> stores."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.pipeline.portfolio_plan import _point_of_store

__all__ = ["route_units", "offshore_flows", "SPOKES_MAX", "FLOW_COLUMNS", "HUB_COLUMNS"]

#: A hub or site serving more stores than this gets one line to its stores' centroid (the map stays small).
SPOKES_MAX = 25
FLOW_COLUMNS = ["kind", "via", "via_kind", "store_id", "n_stores", "units_per_week"]
HUB_COLUMNS = ["hub_id", "units_per_week", "handling_cost_per_unit", "fixed_cost_per_yr", "n_stores"]


def route_units(design: Any) -> pd.DataFrame:
    """Offshore units per week of the hybrid design through each open hub or cross-dock site, per demand point.

    Read from the solved route variables (``crossdock`` and ``via_hub``), year averages over the
    seasons (weeks-weighted); direct deliveries are not listed.

    Parameters
    ----------
    design : siting.design.city.CityDesign

    Returns
    -------
    DataFrame
        ``via`` (``hub:<id>`` or a site id), ``via_kind`` ("hub" or "site"), ``store_id`` (the
        design's demand point), ``units_per_week`` (> 0).
    """
    pb, dm, hyb = design.problem, design.model, design.portfolio.hybrid
    weeks = np.asarray(pb.weeks_per_yr, dtype=float)
    share = weeks / weeks.sum()
    x = np.asarray(hyb.x, dtype=float)
    rows: list[tuple[str, str, str, float]] = []
    if dm.yx_cols.size:
        yx = x[dm.yx_cols] @ share
        for r in np.flatnonzero(yx > 1e-7):
            s, j = pb.lanes[dm.xd_lanes[r]]
            rows.append((pb.site_ids[s], "site", pb.store_ids[j], float(yx[r])))
    if pb.hubs is not None and dm.yh_cols.size:
        yh = x[dm.yh_cols] @ share
        for q in np.flatnonzero(yh > 1e-7):
            h, j = pb.hubs.routes[q]
            rows.append((f"hub:{pb.hubs.hub_ids[h]}", "hub", pb.store_ids[j], float(yh[q])))
    table = pd.DataFrame(rows, columns=["via", "via_kind", "store_id", "units_per_week"])
    return table.groupby(["via", "via_kind", "store_id"], as_index=False, sort=True)["units_per_week"].sum()


def offshore_flows(
    city: Any, demand_points_max: int, hubs: pd.DataFrame | None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Lines distribution point -> hub/site and hub/site -> its stores, and the open hubs as points.

    A store is served through a hub or site when its demand point receives offshore units that
    way (:func:`route_units`). A hub or site serving more than :data:`SPOKES_MAX` stores gets one
    line to its stores' demand-weighted centroid (``kind="stores"``, ``n_stores`` the count)
    instead of one line per store (``kind="store"``). The trunk (``kind="trunk"``) starts at the
    city's distribution point; without one, only the lines to the stores are drawn.

    Parameters
    ----------
    city : CityResult
        Ranked with the portfolio design (``city.design``); without one both frames are empty.
    demand_points_max : int
        ``RankOptions.portfolio.demand_points`` the design was built with.
    hubs : DataFrame or None
        The candidate hubs (:func:`siting.design.hubs.read_hubs`: ``hub_id, lon, lat, ...``).

    Returns
    -------
    lines, open_hubs : GeoDataFrame (EPSG:4326)
        ``lines``: :data:`FLOW_COLUMNS` (units per week, year average). ``open_hubs``:
        :data:`HUB_COLUMNS` (handling cost per unit, fixed cost per year), one point per open hub.
    """
    empty_lines = gpd.GeoDataFrame({c: [] for c in FLOW_COLUMNS}, geometry=[], crs=4326)
    empty_hubs = gpd.GeoDataFrame({c: [] for c in HUB_COLUMNS}, geometry=[], crs=4326)
    design = getattr(city, "design", None)
    if design is None:
        return empty_lines, empty_hubs
    routes = route_units(design)
    opened = tuple(design.portfolio.hybrid.hubs)
    if routes.empty and not opened:
        return empty_lines, empty_hubs
    stores = city.stores.to_crs(4326) if city.stores.crs is not None else city.stores
    labels = _point_of_store(city, demand_points_max)
    point_of = np.array([f"point-{p + 1:02d}" for p in labels])
    store_xy = shapely.get_coordinates(stores.geometry.representative_point().to_numpy())
    weight = city.stores["demand_units_per_week"].to_numpy(dtype=float)
    where: dict[str, tuple[float, float]] = {}
    if hubs is not None and len(hubs):
        where |= {f"hub:{h}": (float(x), float(y)) for h, x, y in zip(hubs["hub_id"], hubs["lon"], hubs["lat"])}
    cand = city.candidates
    cand = cand.to_crs(4326) if cand.crs is not None else cand
    cxy = shapely.get_coordinates(cand.geometry.representative_point().to_numpy())
    where |= {str(s): (float(x), float(y)) for s, (x, y) in zip(cand["site_id"].astype(str), cxy)}
    dp = getattr(city, "distribution_point", {}) or {}
    start = (float(dp["lon"]), float(dp["lat"])) if "lon" in dp and "lat" in dp else None
    rows: list[tuple[Any, ...]] = []
    geoms = []
    served: dict[str, int] = {}
    for (via, kind), part in routes.groupby(["via", "via_kind"], sort=True):
        if via not in where:
            continue
        end = where[via]
        mine = np.flatnonzero(np.isin(point_of, part["store_id"].to_numpy()))
        units = float(part["units_per_week"].sum())
        served[via] = len(mine)
        if start is not None:
            rows.append(("trunk", via, kind, "", len(mine), units))
            geoms.append(shapely.LineString([start, end]))
        if len(mine) > SPOKES_MAX:
            w = weight[mine] if weight[mine].sum() > 0 else np.ones(len(mine))
            centre = (store_xy[mine] * w[:, None]).sum(axis=0) / w.sum()
            rows.append(("stores", via, kind, "", len(mine), units))
            geoms.append(shapely.LineString([end, tuple(centre)]))
        else:
            for j in mine:
                rows.append(("store", via, kind, str(stores["store_id"].iloc[j]), 1, np.nan))
                geoms.append(shapely.LineString([end, tuple(store_xy[j])]))
    lines = gpd.GeoDataFrame(pd.DataFrame(rows, columns=FLOW_COLUMNS), geometry=geoms, crs=4326)
    hub_rows, hub_geoms = [], []
    if hubs is not None and opened:
        table = hubs.set_index(hubs["hub_id"].astype(str))
        for h in opened:
            via = f"hub:{h}"
            units = float(routes.loc[routes["via"] == via, "units_per_week"].sum())
            row = table.loc[h]
            hub_rows.append(
                (h, units, float(row["handling_cost_per_unit"]), float(row["fixed_cost_per_yr"]), served.get(via, 0))
            )
            hub_geoms.append(shapely.Point(where[via]))
    open_hubs = gpd.GeoDataFrame(pd.DataFrame(hub_rows, columns=HUB_COLUMNS), geometry=hub_geoms, crs=4326)
    return (lines if len(lines) else empty_lines), (open_hubs if len(open_hubs) else empty_hubs)
