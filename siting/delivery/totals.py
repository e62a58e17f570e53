"""Weekly totals of lanes per site and per city, and the same deliveries compared across vehicles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from siting.delivery.emissions import Vehicle
from siting.delivery.lanes import LaneParams, build_lanes
from siting.errors import InputError, MissingColumnError

__all__ = ["TOTAL_COLUMNS", "lane_totals", "compare_vehicles"]

#: Columns of :func:`lane_totals`.
TOTAL_COLUMNS = [
    "city",
    "site_id",
    "lanes",
    "trips_per_week",
    "vehicle_km_per_week",
    "co2e_ttw_kg_per_week",
    "co2e_wtt_kg_per_week",
    "co2e_wtw_kg_per_week",
    "ferry_fare_per_week",
    "cost_per_week",
]


def lane_totals(lanes: pd.DataFrame, *, city: str = "") -> pd.DataFrame:
    """Per-site totals of a lanes table plus a total row per city (``site_id == "ALL"``).

    Parameters
    ----------
    lanes : DataFrame
        A lanes table (:data:`LANE_COLUMNS`), from one city or several stacked with a ``city``
        column.
    city : str
        City name written into the ``city`` column when ``lanes`` has none.

    Returns
    -------
    pandas.DataFrame
        :data:`TOTAL_COLUMNS`: ``lanes`` counts store lanes; the other columns are weekly sums.
    """
    sums = TOTAL_COLUMNS[TOTAL_COLUMNS.index("lanes") + 1 :]  # the weekly sums
    if "ferry_fare_per_week" not in lanes.columns:  # lanes priced without fares (e.g. an older run folder)
        lanes = lanes.assign(ferry_fare_per_week=0.0)
    missing = [c for c in ["site_id", *sums] if c not in lanes.columns]
    if missing:
        raise MissingColumnError(f"lanes table lacks column(s) {', '.join(missing)}")
    frame = pd.DataFrame(lanes.drop(columns="geometry", errors="ignore"))
    if "city" not in frame.columns:
        frame = frame.assign(city=city)
    parts = []
    for name, grp in frame.groupby("city", sort=False):
        per_site = grp.groupby("site_id", sort=True)[sums].sum()
        per_site.insert(0, "lanes", grp.groupby("site_id", sort=True).size())
        per_site = per_site.reset_index()
        total = pd.DataFrame([{"site_id": "ALL", "lanes": int(len(grp)), **grp[sums].sum().to_dict()}])
        parts.append(pd.concat([per_site, total], ignore_index=True).assign(city=name))
    if not parts:
        return pd.DataFrame(
            [{"city": city, "site_id": "ALL", "lanes": 0, **{c: 0.0 for c in sums}}], columns=TOTAL_COLUMNS
        )
    return pd.concat(parts, ignore_index=True)[TOTAL_COLUMNS]


def compare_vehicles(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    vehicle_ids: Sequence[str] = ("van_avg_diesel", "van_avg_bev", "ecargo_bike"),
    *,
    params: LaneParams = LaneParams(),
    pattern: str = "tour",
    vehicles: Mapping[str, Vehicle] | None = None,
) -> pd.DataFrame:
    """Weekly totals of the same deliveries with each vehicle (one row per vehicle).

    Returns
    -------
    pandas.DataFrame
        ``vehicle`` then :data:`TOTAL_COLUMNS` without ``city``/``site_id`` (all sites together).
    """
    if pattern not in ("tour", "direct"):
        raise InputError(f"pattern must be 'tour' or 'direct', not {pattern!r}")
    rows = []
    for vid in vehicle_ids:
        p = replace(params, vehicle=vid)
        lanes = build_lanes(G, sites, stores, allocation, pattern=pattern, params=p, vehicles=vehicles)
        tot = lane_totals(lanes).iloc[-1]
        rows.append({"vehicle": vid, **tot.drop(["city", "site_id"]).to_dict()})
    return pd.DataFrame(rows)
