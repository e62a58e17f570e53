"""The lanes a ranking or a plan reports: each top site serving every store, or an allocation."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import networkx as nx
import pandas as pd

from siting.delivery.lanes import LANE_COLUMNS, build_lanes
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

    def build(site_rows: gpd.GeoDataFrame, alloc: Mapping[str, str]) -> gpd.GeoDataFrame:
        return build_lanes(
            G,
            site_rows,
            stores,
            alloc,
            pattern=options.lane_pattern,
            params=options.lane_params,
            vehicles=options.vehicles,
        )

    frames = []
    if allocation is not None:
        if len(sites):
            frames.append(build(sites, allocation))
    else:
        for i in range(len(sites)):
            sid = str(sites["site_id"].iloc[i])
            if cached is not None and sid in cached:
                df = cached[sid].copy()
            else:
                df = build(sites.iloc[[i]], {s: sid for s in stores["store_id"].astype(str)})
            df.insert(len(LANE_COLUMNS), "site_rank", int(sites["rank"].iloc[i]) if "rank" in sites else i + 1)
            frames.append(df)
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in ["city", *LANE_COLUMNS]}, geometry=[], crs=G.graph["crs"])
    lanes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=G.graph["crs"])
    lanes.insert(0, "city", city)
    return lanes


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
