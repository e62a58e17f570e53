"""The lanes a ranking or a plan reports: each top site serving every store, or an allocation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from siting.delivery.lanes import (
    LANE_COLUMNS,
    DirectOD,
    build_lanes,
    direct_lanes,
    tour_lanes,
    tour_lanes_each_site,
    tour_lines,
)
from siting.delivery.totals import TOTAL_COLUMNS, lane_totals
from siting.pipeline.options import RankOptions


def site_lanes(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    options: RankOptions,
    city: str,
    allocation: Mapping[str, str] | None = None,
    *,
    cached: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> gpd.GeoDataFrame:
    """Lanes of each site serving every store (``allocation`` None) or of an allocation store -> site.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The city's projected network.
    sites, stores : geopandas.GeoDataFrame
        Snapped layers (``node`` column); ``sites`` in rank order.
    options : RankOptions
        Its ``lane_pattern``, ``lane_params`` and ``vehicles`` price the lanes.
    city : str
        Written in the ``city`` column.
    allocation : mapping store_id -> site_id, optional
        Without it, each site gets the lanes to every store (with a ``site_rank`` column).
    cached : mapping site_id -> lanes, optional
        Lanes of a site serving every store already built (the tours a tour run solved for its
        calibration): used as they are, not solved again.

    Returns
    -------
    geopandas.GeoDataFrame
        ``city`` + :data:`siting.delivery.lanes.LANE_COLUMNS` (+ ``site_rank``) + geometry.
    """
    return site_lanes_and_tours(G, sites, stores, options, city, allocation, cached_lanes=cached)[0]


#: Columns of the tours layer (one row per tour of one drop round), before the geometry.
TOUR_COLUMNS = [
    "city",
    "site_id",
    "tour",
    "stops",
    "store_ids",
    "length_m",
    "time_s",
    "load_share",
    "vehicle_km_per_week",
    "co2e_wtw_kg_per_week",
]


def site_lanes_and_tours(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    options: RankOptions,
    city: str,
    allocation: Mapping[str, str] | None = None,
    *,
    cached_lanes: Mapping[str, gpd.GeoDataFrame] | None = None,
    cached_plans: Mapping[str, Any] | None = None,
    direct_od: Mapping[str, DirectOD] | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """:func:`site_lanes` and, with ``options.lanes.lane_pattern == "tour"``, the tours behind them.

    Parameters
    ----------
    G, sites, stores, options, city, allocation
        As in :func:`site_lanes`.
    cached_lanes, cached_plans : mapping site_id -> lanes / TourPlan, optional
        A site's lanes serving every store (and its tour plan) already solved, e.g. by a tour
        run's calibration sample (:class:`siting.pipeline.tour_sample.TourSample`): used as
        they are, not solved again. A tour site drawn needs both.
    direct_od : mapping site_id -> DirectOD, optional
        Direct lanes only, without an allocation: a site's travel to and from every store (rows as in
        ``stores``) already computed on ``G``, e.g. by the ranking's OD stage, priced as it is.

    Returns
    -------
    (geopandas.GeoDataFrame, geopandas.GeoDataFrame or None)
        The lanes, and the tours of one drop round (None for direct lanes): :data:`TOUR_COLUMNS`
        (+ ``site_rank`` without an allocation) and the road route site -> stop 1 -> ... -> site
        (LineString, network CRS). ``vehicle_km_per_week`` = length x drops per week; its CO2e
        uses the lanes' own well-to-wheel factor per km (the site's lane CO2e over its lane km).
    """
    tours_wanted = options.lanes.lane_pattern == "tour"

    def build(site_rows: gpd.GeoDataFrame, alloc: Mapping[str, str]) -> tuple[gpd.GeoDataFrame, Any]:
        sid = str(site_rows["site_id"].iloc[0]) if len(site_rows) == 1 and allocation is None else None
        if sid is not None and cached_lanes is not None and sid in cached_lanes:
            lanes = cached_lanes[sid].copy()
            if not tours_wanted or cached_plans is None or sid not in cached_plans:
                return lanes, None
            lines = tour_lines(G, site_rows, stores, alloc, {sid: cached_plans[sid]})
            return lanes, _priced_tours(lines, lanes, options)
        if not tours_wanted and sid is not None and direct_od is not None and sid in direct_od:
            lanes = direct_lanes(
                G,
                site_rows,
                stores,
                alloc,
                params=options.lanes.lane_params,
                vehicles=options.lanes.vehicles,
                od=direct_od[sid],
            )
            return lanes, None
        if not tours_wanted:
            lanes = build_lanes(
                G,
                site_rows,
                stores,
                alloc,
                pattern=options.lanes.lane_pattern,
                params=options.lanes.lane_params,
                vehicles=options.lanes.vehicles,
            )
            return lanes, None
        if sid is not None and sid in solved:
            lanes, plans = solved[sid]
        else:
            lanes, plans = tour_lanes(
                G, site_rows, stores, alloc, params=options.lanes.lane_params, vehicles=options.lanes.vehicles
            )
        return lanes, _priced_tours(tour_lines(G, site_rows, stores, alloc, plans), lanes, options)

    # each site serving every store: the travel among the stores is computed once for all the sites solved here
    solved: dict[str, tuple[gpd.GeoDataFrame, Any]] = {}
    if tours_wanted and allocation is None:
        ids = sites["site_id"].astype(str)
        todo = [i for i, sid in enumerate(ids) if cached_lanes is None or sid not in cached_lanes]
        if len(todo) > 1:
            each = tour_lanes_each_site(
                G,
                sites.iloc[todo],
                stores,
                params=options.lanes.lane_params,
                vehicles=options.lanes.vehicles,
            )
            solved = {ids.iloc[i]: pair for i, pair in zip(todo, each)}

    frames, tour_frames = [], []
    if allocation is not None:
        if len(sites):
            df, tours = build(sites, allocation)
            frames.append(df)
            tour_frames.append(tours)
    else:
        for i in range(len(sites)):
            sid = str(sites["site_id"].iloc[i])
            df, tours = build(sites.iloc[[i]], {s: sid for s in stores["store_id"].astype(str)})
            rank = int(sites["rank"].iloc[i]) if "rank" in sites else i + 1
            df.insert(len(LANE_COLUMNS), "site_rank", rank)
            frames.append(df)
            if tours is not None:
                tours["site_rank"] = rank
            tour_frames.append(tours)
    crs = G.graph["crs"]
    if not frames:
        empty = gpd.GeoDataFrame({c: [] for c in ["city", *LANE_COLUMNS]}, geometry=[], crs=crs)
        return empty, (gpd.GeoDataFrame({c: [] for c in TOUR_COLUMNS}, geometry=[], crs=crs) if tours_wanted else None)
    lanes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    lanes.insert(0, "city", city)
    if not tours_wanted:
        return lanes, None
    tours_all = gpd.GeoDataFrame(
        pd.concat([t for t in tour_frames if t is not None], ignore_index=True), geometry="geometry", crs=crs
    )
    tours_all.insert(0, "city", city)
    return lanes, tours_all


def _priced_tours(tours: gpd.GeoDataFrame, lanes: pd.DataFrame, options: RankOptions) -> gpd.GeoDataFrame:
    """Weekly km and CO2e of each tour: its length x drops per week, at the site's lane CO2e per km."""
    drops = float(options.lanes.lane_params.drops_per_week)
    km_per_week = tours["length_m"].to_numpy(dtype=float) / 1000.0 * drops
    km = lanes.groupby("site_id")["vehicle_km_per_week"].sum()
    kg = lanes.groupby("site_id")["co2e_wtw_kg_per_week"].sum()
    per_km = (kg / km.where(km > 0)).reindex(tours["site_id"].astype(str)).to_numpy(dtype=float)
    return tours.assign(vehicle_km_per_week=km_per_week, co2e_wtw_kg_per_week=km_per_week * per_km)


def totals_with_basis(lanes: gpd.GeoDataFrame, city: str, *, basis: str = "top site") -> pd.DataFrame:
    """Per lane-site weekly totals plus one city row for the recommended configuration.

    Parameters
    ----------
    lanes : geopandas.GeoDataFrame
        From :func:`site_lanes`.
    city : str
    basis : str
        What the city row describes (``"top site"`` or ``"chosen set"``).

    Returns
    -------
    pandas.DataFrame
        :data:`siting.delivery.totals.TOTAL_COLUMNS` + ``basis``.
    """

    if lanes.empty:
        return pd.DataFrame(columns=[*TOTAL_COLUMNS, "basis"])
    per_site = lane_totals(lanes, city=city)
    per_site = per_site[per_site["site_id"] != "ALL"].assign(basis="site")
    recommended = lanes if "site_rank" not in lanes.columns else lanes[lanes["site_rank"] == lanes["site_rank"].min()]
    city_row = lane_totals(recommended, city=city).iloc[[-1]].assign(basis=basis)
    return pd.concat([per_site, city_row], ignore_index=True)
