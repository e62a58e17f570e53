"""Snapping points to the nearest road edge: the projection, the access leg and the split edge."""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from siting.errors import InputError, NoCrsError
from siting.network.edges import edge_coords
from siting.network.water import WATER_TOLERANCE_M, crosses_water, deep_water

__all__ = ["ACCESS_SPEED_KPH", "SNAP_COLUMNS", "snap_to_edges", "is_edge_snap", "edge_table", "store_edge_table"]

# Speed of the leg between a point and the road it snaps to (km/h): the mode's speed on
# OSM ``service`` ways (siting.network.MODES), walking pace for pedestrians.
ACCESS_SPEED_KPH: Mapping[str, float] = {"drive": 20.0, "bike": 12.0, "walk": 4.5}

SNAP_COLUMNS = (
    "node",
    "u",
    "v",
    "key",
    "rev_key",
    "fraction",
    "snap_distance_m",
    "access_time_s",
    "access_length_m",
)

_TABLES: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[tuple[int, int], dict[str, Any]]]
_TABLES = weakref.WeakKeyDictionary()
_WATER: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[Any, float, Any]] = weakref.WeakKeyDictionary()


def _line(G: nx.MultiDiGraph, u: int, v: int, d: Mapping[str, Any]) -> LineString:
    """The edge's geometry oriented from u to v (straight where it has none)."""
    return LineString(edge_coords(G, u, v, d))


def in_graph_crs(G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer to snap, reprojected to the graph's CRS if it is in another.

    Parameters
    ----------
    G
        A graph from :func:`siting.network.build_network` (``G.graph["crs"]`` set).
    gdf
        The layer; it must have a CRS.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    if gdf.crs is None:
        raise NoCrsError("the layer to snap has no CRS; set it first, e.g. gdf.set_crs('EPSG:4326')")
    crs = G.graph.get("crs")
    if crs is None:
        raise InputError("the graph has no G.graph['crs']; build it with build_network")
    if not gdf.crs.equals(crs):
        gdf = gdf.to_crs(crs)
    return gdf


def edge_table(G: nx.MultiDiGraph) -> dict[str, Any]:
    """One row per road (a two-way road once), with its reverse twin; cached per graph.

    A directed edge (u, v, k) with u < v and an edge (v, u, k') of the same length (within
    0.5 m) form one road that may be driven both ways; every other edge is its own road.
    Ferries and self-loops are never snapped to.

    Parameters
    ----------
    G
        A projected graph.

    Returns
    -------
    dict
        Arrays ``u``, ``v``, ``key``, ``rev_key`` (-1 = one-way), ``geometry`` and a
        shapely ``tree`` (STRtree) over the geometries.
    """
    fingerprint = (len(G), len(G.edges))  # len(G.edges): same count, 4x faster than number_of_edges()
    hit = _TABLES.get(G)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    stored = G.graph.get("snap_edges")  # saved with the network cache by build_network
    if stored is not None and tuple(stored["fingerprint"]) == fingerprint:
        table = {k: stored[k] for k in ("u", "v", "key", "rev_key", "geometry")}
        table["tree"] = shapely.STRtree(table["geometry"])
        _TABLES[G] = (fingerprint, table)
        return table
    edges = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if u != v and d.get("route") != "ferry"]
    claimed: set[tuple[int, int, int]] = set()
    rows: list[tuple[int, int, int, int, LineString]] = []
    for u, v, k, d in edges:
        if u > v:
            continue
        rev, best = -1, 0.5
        for k2, d2 in (G.succ[v].get(u) or {}).items():
            if (v, u, k2) in claimed or d2.get("route") == "ferry":
                continue
            gap = abs(float(d2.get("length", np.inf)) - float(d.get("length", 0.0)))
            if gap <= best:
                rev, best = int(k2), gap
        if rev >= 0:
            claimed.add((v, u, rev))
        rows.append((u, v, k, rev, _line(G, u, v, d)))
    for u, v, k, d in edges:
        if u > v and (u, v, k) not in claimed:
            rows.append((u, v, k, -1, _line(G, u, v, d)))
    geoms = np.asarray([r[4] for r in rows], dtype=object)
    table = {
        "u": np.array([r[0] for r in rows], dtype=np.int64),
        "v": np.array([r[1] for r in rows], dtype=np.int64),
        "key": np.array([r[2] for r in rows], dtype=np.int64),
        "rev_key": np.array([r[3] for r in rows], dtype=np.int64),
        "geometry": geoms,
        "tree": shapely.STRtree(geoms),
    }
    _TABLES[G] = (fingerprint, table)
    return table


def store_edge_table(G: nx.MultiDiGraph) -> None:
    """Keep :func:`edge_table`'s arrays in ``G.graph["snap_edges"]`` (pickled with the network cache).

    Parameters
    ----------
    G
        A built graph; later snaps on it (or on a cached copy) skip the walk over its edges.
    """
    table = edge_table(G)
    G.graph["snap_edges"] = {
        **{k: table[k] for k in ("u", "v", "key", "rev_key", "geometry")},
        "fingerprint": (len(G), len(G.edges)),
    }


def is_edge_snap(x: Any) -> bool:
    """Whether ``x`` is a DataFrame from :func:`snap_to_edges`.

    Parameters
    ----------
    x
        Anything.

    Returns
    -------
    bool
    """
    return isinstance(x, pd.DataFrame) and {"u", "v", "key", "rev_key", "fraction"} <= set(x.columns)


def snap_to_edges(
    G: nx.MultiDiGraph,
    gdf: gpd.GeoDataFrame,
    *,
    max_distance_m: float = 500.0,
    access_speed_kph: float | None = None,
    water_tolerance_m: float = WATER_TOLERANCE_M,
    warn: bool = True,
) -> pd.DataFrame:
    """Attach each feature to the nearest road edge, at its projection on the edge.

    Travel from a snapped point starts part-way along its edge (toward ``v``, and toward
    ``u`` too when the road is two-way), after an access leg of ``snap_distance_m`` at
    ``access_speed_kph``. :func:`siting.network.od_time_length` and
    :func:`siting.network.od_matrix` route between such points exactly as on the graph with
    each snapped edge split at the projection.

    Parameters
    ----------
    G
        A projected graph from :func:`siting.network.build_network`.
    gdf
        Points, or polygons (snapped from the point of their boundary nearest the road, with a
        0 m leg when a road touches or crosses them); reprojected to the graph's CRS.
    max_distance_m
        Features farther than this from every road (or without geometry) are excluded,
        with a warning when ``warn``.
    water_tolerance_m
        When the graph carries water (``G.graph["water"]``, from the OSM extract's coastline
        and water areas; see :mod:`siting.network.water`), a feature snaps only to an edge whose
        straight access leg runs at most this far (m) through water: the nearest such edge
        within ``max_distance_m``. Features with none are excluded and listed in
        ``result.attrs["across_water"]``.
    access_speed_kph
        Speed of the access leg; default :data:`ACCESS_SPEED_KPH` of the graph's mode.
    warn
        Warn about excluded features.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``gdf`` (kept rows), columns :data:`SNAP_COLUMNS`: ``node`` (the
        nearer end of the edge, for drawing routes), the edge ``u``, ``v``, ``key``, its
        reverse twin's key ``rev_key`` (-1 one-way), ``fraction`` along u->v (0..1),
        ``snap_distance_m``, ``access_time_s`` and ``access_length_m``. ``attrs["across_water"]``
        lists the index of the features excluded because every road in reach is across water.
    """
    gdf = in_graph_crs(G, gdf)
    speed = access_speed_kph or ACCESS_SPEED_KPH.get(str(G.graph.get("mode", "drive")), 20.0)
    if not speed > 0:
        raise InputError(f"access_speed_kph is {access_speed_kph!r}; give a positive speed")
    if not (
        isinstance(water_tolerance_m, (int, float)) and math.isfinite(water_tolerance_m) and water_tolerance_m >= 0
    ):
        raise InputError(f"water_tolerance_m is {water_tolerance_m!r}; give a distance in metres >= 0")
    table = edge_table(G)
    geom = gdf.geometry.values
    empty = np.asarray(shapely.is_missing(geom) | shapely.is_empty(geom))
    # polygons (sites drawn as land parcels) snap from their nearest boundary point, points from themselves
    src = np.asarray(np.where(empty, shapely.Point(0, 0), geom), dtype=object)
    n = len(gdf)
    edge = np.full(n, -1, dtype=np.int64)
    if len(table["geometry"]) and n:
        (i_src, idx) = table["tree"].query_nearest(src, max_distance=max_distance_m, all_matches=False)
        edge[i_src] = idx
    edge[empty] = -1
    legs = np.full(n, None, dtype=object)
    found = edge >= 0
    if found.any():
        legs[found] = shapely.shortest_line(src[found], table["geometry"][edge[found]])
    wet = np.zeros(n, dtype=bool)
    deep = _deep_water(G, water_tolerance_m) if found.any() else None
    if deep is not None:
        wet[found] = crosses_water(legs[found], deep["tree"])
        if wet.any():
            edge[wet], legs[wet] = _dry_edges(table, src[wet], deep, max_distance_m)
            wet &= edge < 0
    keep = edge >= 0
    if warn and not keep.all():
        dropped = list(gdf.index[~keep])
        shown = ", ".join(map(str, dropped[:20])) + (" ..." if len(dropped) > 20 else "")
        warnings.warn(
            f"{len(dropped)} of {n} features are more than {max_distance_m:g} m from the road network, "
            "reach every road within that distance only across water, "
            f"or have no geometry, and are excluded: index {shown}. See siting.network.component_report "
            "for features on roads not connected to the main network.",
            UserWarning,
            stacklevel=2,
        )
    e = edge[keep]
    leg = legs[keep]
    ends = shapely.get_point(leg, -1) if e.size else np.empty(0, dtype=object)
    frac = shapely.line_locate_point(table["geometry"][e], ends, normalized=True) if e.size else np.empty(0)
    frac = np.clip(np.asarray(frac, dtype=float), 0.0, 1.0)
    u, v = table["u"][e], table["v"][e]
    d_keep = np.asarray(shapely.length(leg), dtype=float) if e.size else np.empty(0)
    out = pd.DataFrame(
        {
            "node": np.where(frac < 0.5, u, v).astype(np.int64),
            "u": u,
            "v": v,
            "key": table["key"][e],
            "rev_key": table["rev_key"][e],
            "fraction": frac,
            "snap_distance_m": d_keep,
            "access_time_s": d_keep / (speed / 3.6),
            "access_length_m": d_keep,
        },
        index=gdf.index[keep],
    )
    out.attrs["across_water"] = list(gdf.index[wet])
    return out


def _deep_water(G: nx.MultiDiGraph, tolerance_m: float) -> dict[str, Any] | None:
    """The graph's water shrunk by ``tolerance_m``, with an index over it (kept per graph), or None."""
    water = G.graph.get("water")
    if water is None:
        return None
    hit = _WATER.get(G)
    if hit is not None and hit[0] is water and hit[1] == tolerance_m:
        return hit[2]
    stored = G.graph.get("water_deep")  # the default tolerance's, saved with the network cache
    deep: dict[str, Any] | None
    if stored is not None and stored["tolerance_m"] == tolerance_m:
        deep = dict(stored)
    else:
        deep = deep_water(water, tolerance_m)
    if deep is not None:
        deep["tree"] = shapely.STRtree(deep["parts"])
        deep["land_tree"] = shapely.STRtree(deep["land"])
    _WATER[G] = (water, tolerance_m, deep)
    return deep


def _dry_edges(
    table: Mapping[str, Any], src: np.ndarray, water: Mapping[str, Any], max_distance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each source, the nearest edge within ``max_distance_m`` whose straight leg stays on its land.

    Only edges touching the source's own piece of dry land can qualify; they are tried nearest
    first in growing batches (a leg qualifies when that piece covers it), so a point beside a
    harbour stops at the first dry road. Returns the edge row (-1 where every edge in reach
    lies across water) and the leg.
    """
    edge = np.full(len(src), -1, dtype=np.int64)
    legs = np.full(len(src), None, dtype=object)
    geoms, land = table["geometry"], water["land"]
    for i, s in enumerate(src):
        pieces = water["land_tree"].query(s, predicate="intersects")
        idx = table["tree"].query(s, predicate="dwithin", distance=max_distance_m)
        if not idx.size or not pieces.size:
            continue
        home = shapely.union_all(land[pieces]) if pieces.size > 1 else land[pieces[0]]
        shapely.prepare(home)
        idx = idx[shapely.intersects(home, geoms[idx])]
        idx = idx[np.argsort(shapely.distance(s, geoms[idx]), kind="stable")]
        start, batch = 0, 16
        while start < idx.size:
            part = idx[start : start + batch]
            cand = shapely.shortest_line(s, geoms[part])
            dry = np.flatnonzero(shapely.covers(home, cand))
            if dry.size:
                edge[i], legs[i] = part[dry[0]], cand[dry[0]]
                break
            start, batch = start + batch, batch * 4
    return edge, legs
