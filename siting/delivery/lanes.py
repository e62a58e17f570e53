"""Delivery lanes on a road network: each site's direct lanes or tours to its stores, with road routes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from siting.delivery.emissions import Vehicle
from siting.delivery.lane_tables import (
    LANE_COLUMNS,
    LaneParams,
    direct_lane_table,
    direct_lane_values,
    tour_lane_table,
)
from siting.delivery.tours import TourPlan
from siting.errors import InputError, MissingColumnError

__all__ = [
    "LaneParams",
    "LANE_COLUMNS",
    "DirectOD",
    "direct_lane_table",
    "direct_lane_values",
    "tour_lane_table",
    "direct_lanes",
    "tour_lanes",
    "tour_lanes_each_site",
    "build_lanes",
    "tour_lines",
]


@dataclass(frozen=True, eq=False)
class DirectOD:
    """Travel between sites and stores, both ways, as the lanes price it.

    Attributes
    ----------
    time_s, length_m
        (sites, stores): the fastest path site -> store and its length.
    back_time_s, back_length_m
        (stores, sites): the way back.
    fare
        (sites, stores) ferry fares of the trip there and back, or None (no fare on the network).
    """

    time_s: np.ndarray
    length_m: np.ndarray
    back_time_s: np.ndarray
    back_length_m: np.ndarray
    fare: np.ndarray | None = None


def _nodes(G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame, id_col: str) -> gpd.GeoDataFrame:
    if id_col not in gdf.columns:
        raise MissingColumnError(f"layer has no {id_col!r} column; add it (unique ids)")
    if "node" in gdf.columns:
        return gdf
    from siting.network.od import snap

    snapped = snap(G, gdf.to_crs(G.graph["crs"]))
    return gdf.loc[snapped.index].assign(node=snapped["node"].to_numpy())


def _ends(sites: gpd.GeoDataFrame, stores: gpd.GeoDataFrame) -> tuple[Any, Any]:
    """What OD is computed between: edge-snap frames when both layers carry them, else node ids."""
    from siting.network.snapping import SNAP_COLUMNS

    cols = list(SNAP_COLUMNS)
    if set(cols) <= set(sites.columns) and set(cols) <= set(stores.columns):
        return pd.DataFrame(sites[cols]), pd.DataFrame(stores[cols])
    return sites["node"].to_numpy(), stores["node"].to_numpy()


def _rows(ends: Any, rows: Any) -> Any:
    """Rows of node ids or of a snap frame."""
    return ends.iloc[rows] if isinstance(ends, pd.DataFrame) else ends[rows]


def _stack(a: Any, b: Any) -> Any:
    """Depot first, then stores (node ids or snap frames)."""
    return pd.concat([a, b], ignore_index=True) if isinstance(a, pd.DataFrame) else np.r_[a, b]


def _assignment(allocation: Any, stores: gpd.GeoDataFrame, site_ids: list[str]) -> np.ndarray:
    """Row of ``site_ids`` serving each store (-1 = none).

    ``allocation`` is a mapping or Series ``store_id -> site_id`` (stores absent or NaN are not
    served), or a sequence with one site_id (or None) per store row.
    """
    if isinstance(allocation, Mapping):
        per_store = stores["store_id"].map(pd.Series(allocation, dtype=object))
    elif isinstance(allocation, pd.Series):
        per_store = stores["store_id"].map(allocation)
    else:
        seq = list(allocation)
        if len(seq) != len(stores):
            raise InputError(f"allocation has {len(seq)} entries for {len(stores)} stores; give one site_id per store")
        per_store = pd.Series(seq, index=stores.index, dtype=object)
    pos = {s: k for k, s in enumerate(site_ids)}
    served = per_store.notna().to_numpy()
    unknown = sorted({str(v) for v in per_store[served] if str(v) not in pos})
    if unknown:
        raise InputError(f"allocation names site(s) {', '.join(unknown[:5])} that are not in the sites layer")
    return np.array([pos[str(v)] if ok else -1 for v, ok in zip(per_store, served)], dtype=np.int64)


def _prepare(
    G: nx.MultiDiGraph, sites: gpd.GeoDataFrame, stores: gpd.GeoDataFrame, allocation: Any, *, demand: bool = True
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[str], np.ndarray]:
    """Snapped sites and stores, the site ids and the row of the site serving each store."""
    sites = _nodes(G, sites, "site_id")
    stores = _nodes(G, stores, "store_id")
    if demand and "demand_units_per_week" not in stores.columns:
        raise MissingColumnError("stores layer has no 'demand_units_per_week' column")
    site_ids = sites["site_id"].astype(str).tolist()
    return sites, stores, site_ids, _assignment(allocation, stores, site_ids)


def _geometries(G: nx.MultiDiGraph, pairs: list[tuple[int, int]]) -> list[LineString]:
    from siting.network.od import route_lines

    lines = route_lines(G, pairs, weight="travel_time") if pairs else []
    out = []
    for (u, _v), line in zip(pairs, lines):
        if line is None or line.is_empty:
            x, y = G.nodes[u]["x"], G.nodes[u]["y"]
            line = LineString([(x, y), (x, y)])
        out.append(line)
    return out


def _fare_edges(G: nx.MultiDiGraph, params: LaneParams) -> list[Any]:
    """The ferry edges that charge a fare (none on most networks)."""
    from siting.network.ferry_fares import fare_edges

    return fare_edges(G, fare_per_vehicle=params.ferry_fare_per_vehicle)


def _round_trip_fares(
    G: nx.MultiDiGraph, a: Any, b: Any, time_s: np.ndarray, back_time_s: np.ndarray, params: LaneParams
) -> np.ndarray | None:
    """Ferry fares of a trip there and back for every (site, store); None without fares."""
    edges = _fare_edges(G, params)
    if not edges:
        return None
    from siting.network.ferry_fares import path_fares

    return path_fares(G, a, b, time_s, edges) + path_fares(G, b, a, back_time_s, edges).T


def direct_lanes(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
    od: DirectOD | None = None,
) -> gpd.GeoDataFrame:
    """Out-and-back delivery lanes for an allocation of stores to sites, on the road network.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Network from :func:`siting.network.build_network` (projected, ``travel_time`` on edges).
    sites, stores : GeoDataFrame
        Layers with ``site_id`` / ``store_id`` (+ ``demand_units_per_week``); a ``node`` column is
        used when present, otherwise they are snapped with :func:`siting.network.snap`.
    allocation : mapping, Series or sequence
        ``store_id -> site_id`` (missing/NaN = not served), or one site_id per store row.
    params : LaneParams
    vehicles : mapping, optional
    od : DirectOD, optional
        The travel between these very sites and stores (same rows, same order) already computed on
        ``G``, e.g. by the ranking's OD stage: used as it is instead of being computed again.

    Returns
    -------
    GeoDataFrame
        :data:`LANE_COLUMNS` + the one-way road route (LineString) in the network CRS.
    """
    from siting.network.od import od_time_length

    sites, stores, site_ids, assign = _prepare(G, sites, stores, allocation)
    s_nodes, t_nodes = sites["node"].to_numpy(), stores["node"].to_numpy()
    if od is not None:
        if od.time_s.shape != (len(sites), len(stores)) or od.back_time_s.shape != (len(stores), len(sites)):
            raise InputError(
                f"od holds {od.time_s.shape} / {od.back_time_s.shape} pairs for {len(sites)} sites and "
                f"{len(stores)} stores; give the travel of these sites and stores"
            )
        time_s, length_m, back_t, back_l, fare = od.time_s, od.length_m, od.back_time_s, od.back_length_m, od.fare
    else:
        a, b = _ends(sites, stores)
        time_s, length_m = od_time_length(G, a, b)
        back_t, back_l = od_time_length(G, b, a)
        fare = _round_trip_fares(G, a, b, time_s, back_t, params)
    df = direct_lane_table(
        site_ids,
        stores["store_id"].astype(str).tolist(),
        assign,
        time_s,
        length_m,
        stores["demand_units_per_week"].to_numpy(),
        params=params,
        vehicles=vehicles,
        back_time_s=back_t,
        back_length_m=back_l,
        ferry_fare=fare,
    )
    node_of_site = dict(zip(site_ids, s_nodes))
    node_of_store = dict(zip(stores["store_id"].astype(str), t_nodes))
    pairs = [(int(node_of_site[a]), int(node_of_store[b])) for a, b in zip(df["site_id"], df["store_id"])]
    return gpd.GeoDataFrame(df, geometry=_geometries(G, pairs), crs=G.graph["crs"])


def tour_lanes(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, TourPlan]]:
    """Multi-stop tour lanes (one vehicle routing problem per site) for an allocation.

    Same inputs as :func:`direct_lanes`. Returns the lanes GeoDataFrame (``pattern == "tour"``,
    geometry = the direct route site -> store for the map) and the tours of one drop round per
    site (store positions refer to that site's stores in layer order).
    """
    from siting.network.ferry_fares import path_fares
    from siting.network.od import od_matrix, od_time_length

    sites, stores, site_ids, assign = _prepare(G, sites, stores, allocation)
    a, b = _ends(sites, stores)
    edges = _fare_edges(G, params)

    def travel(k: int, members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        ends = _stack(_rows(a, [k]), _rows(b, members))
        time_s, length_m = od_time_length(G, ends, ends)
        sfd = od_matrix(G, _rows(ends, [0]), _rows(ends, np.arange(1, len(members) + 1)), weight="length")[0]
        return time_s, length_m, sfd, (path_fares(G, ends, ends, time_s, edges) if edges else None)

    return _tour_lanes_of(G, sites, stores, site_ids, assign, travel, params, vehicles)


def tour_lanes_each_site(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> list[tuple[gpd.GeoDataFrame, dict[str, TourPlan]]]:
    """:func:`tour_lanes` of each site serving every store, the travel among the stores computed once.

    Equal, site by site, to ``tour_lanes(G, sites.iloc[[k]], stores, every store -> site k)``: one
    OD over the sites and the stores (sources: sites + stores) instead of one per site (sites x (1 + stores)).

    Returns
    -------
    list of (GeoDataFrame, dict)
        Per site, in layer order: its lanes and its tours, as :func:`tour_lanes` returns them.
    """
    from siting.network.ferry_fares import path_fares
    from siting.network.od import od_matrix, od_time_length

    sites, stores, site_ids, _ = _prepare(G, sites, stores, [None] * len(stores))
    a, b = _ends(sites, stores)
    ends = _stack(a, b)
    n = len(site_ids)
    time_all, length_all = od_time_length(G, ends, ends)
    edges = _fare_edges(G, params)
    fare_all = path_fares(G, ends, ends, time_all, edges) if edges else None
    sfd_all = od_matrix(G, a, b, weight="length")  # shortest road distance site -> store (the allocation key)
    out = []
    for k in range(n):
        rows = np.r_[k, n + np.arange(len(stores))]
        sub = np.ix_(rows, rows)

        def travel(_k: int, members: np.ndarray, sub: Any = sub, k: int = k) -> tuple[Any, Any, Any, Any]:
            fare = fare_all[sub] if fare_all is not None else None
            return time_all[sub], length_all[sub], sfd_all[k], fare

        out.append(
            _tour_lanes_of(
                G, sites.iloc[[k]], stores, [site_ids[k]], np.zeros(len(stores), np.int64), travel, params, vehicles
            )
        )
    return out


def _tour_lanes_of(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    site_ids: list[str],
    assign: np.ndarray,
    travel: Any,
    params: LaneParams,
    vehicles: Mapping[str, Vehicle] | None,
) -> tuple[gpd.GeoDataFrame, dict[str, TourPlan]]:
    """The body of :func:`tour_lanes`: ``travel(k, members)`` gives (time_s, length_m, sfd_m, fare) of a site."""
    frames, plans, pairs = [], {}, []
    for k, sid in enumerate(site_ids):
        members = np.flatnonzero(assign == k)
        if members.size == 0:
            continue
        nodes = np.r_[sites["node"].iloc[k], stores["node"].to_numpy()[members]]
        time_s, length_m, sfd, fare = travel(k, members)
        df, plan = tour_lane_table(
            sid,
            stores["store_id"].astype(str).to_numpy()[members],
            length_m,
            time_s,
            stores["demand_units_per_week"].to_numpy()[members],
            sfd,
            params=params,
            vehicles=vehicles,
            fare=fare,
        )
        frames.append(df)
        plans[sid] = plan
        node_of = dict(zip(stores["store_id"].astype(str).to_numpy()[members], nodes[1:]))
        pairs += [(int(nodes[0]), int(node_of[s])) for s in df["store_id"]]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LANE_COLUMNS)
    return gpd.GeoDataFrame(df, geometry=_geometries(G, pairs), crs=G.graph["crs"]), plans


def build_lanes(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    *,
    pattern: str = "tour",
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> gpd.GeoDataFrame:
    """Lanes for an allocation with either delivery pattern (the call the pipeline makes).

    Parameters
    ----------
    G, sites, stores, allocation, params, vehicles
        As in :func:`direct_lanes`.
    pattern : {"tour", "direct"}
        Multi-stop tours per site, or out-and-back per store.

    Returns
    -------
    GeoDataFrame
        :data:`LANE_COLUMNS` + geometry (one-way road route site -> store).
    """
    if pattern == "tour":
        return tour_lanes(G, sites, stores, allocation, params=params, vehicles=vehicles)[0]
    if pattern == "direct":
        return direct_lanes(G, sites, stores, allocation, params=params, vehicles=vehicles)
    raise InputError(f"pattern must be 'tour' or 'direct', not {pattern!r}")


def tour_lines(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    plans: Mapping[str, TourPlan],
) -> gpd.GeoDataFrame:
    """Road geometry of the tours of one drop round (for maps), one row per tour.

    Parameters
    ----------
    G, sites, stores, allocation
        The inputs given to :func:`tour_lanes`.
    plans : mapping
        Its second return value.

    Returns
    -------
    GeoDataFrame
        ``site_id``, ``tour`` (1-based), ``stops``, ``store_ids`` (";"-joined, visit order),
        ``length_m``, ``time_s``, ``load_share`` (of one vehicle load); geometry LineString.
    """
    sites, stores, site_ids, assign = _prepare(G, sites, stores, allocation, demand=False)
    ids = stores["store_id"].astype(str).to_numpy()
    nodes = stores["node"].to_numpy()
    rows, seqs = [], []
    for k, sid in enumerate(site_ids):
        if sid not in plans:
            continue
        members = np.flatnonzero(assign == k)
        depot = int(sites["node"].iloc[k])
        for t, (route, ln, tm, load) in enumerate(
            zip(plans[sid].routes, plans[sid].length_m, plans[sid].time_s, plans[sid].load)
        ):
            stops = members[list(route)]
            rows.append(
                {
                    "site_id": sid,
                    "tour": t + 1,
                    "stops": len(route),
                    "store_ids": ";".join(ids[stops]),
                    "length_m": ln,
                    "time_s": tm,
                    "load_share": load,
                }
            )
            seqs.append([depot, *[int(n) for n in nodes[stops]], depot])
    pairs = [(a, b) for seq in seqs for a, b in zip(seq[:-1], seq[1:])]
    legs = iter(_geometries(G, pairs))
    lines = []
    for seq in seqs:
        coords: list[tuple[float, float]] = []
        for _ in range(len(seq) - 1):
            for xy in next(legs).coords:
                if not coords or coords[-1] != tuple(xy):
                    coords.append(tuple(xy))
        lines.append(LineString(coords if len(coords) > 1 else coords * 2))
    cols = ["site_id", "tour", "stops", "store_ids", "length_m", "time_s", "load_share"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=lines, crs=G.graph["crs"])
