"""Snapping points to the nearest road edge: the projection, the access leg and the split edge."""

from __future__ import annotations

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
        Points, or polygons (by their representative point); reprojected to the graph's CRS.
    max_distance_m
        Features farther than this from every road (or without geometry) are excluded,
        with a warning when ``warn``.
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
        ``snap_distance_m``, ``access_time_s`` and ``access_length_m``.
    """
    gdf = in_graph_crs(G, gdf)
    speed = access_speed_kph or ACCESS_SPEED_KPH.get(str(G.graph.get("mode", "drive")), 20.0)
    if not speed > 0:
        raise InputError(f"access_speed_kph is {access_speed_kph!r}; give a positive speed")
    table = edge_table(G)
    geom = gdf.geometry.values
    empty = np.asarray(shapely.is_missing(geom) | shapely.is_empty(geom))
    pts = shapely.point_on_surface(np.where(empty, shapely.Point(0, 0), geom))
    n = len(gdf)
    edge = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    if len(table["geometry"]) and n:
        (src, idx), d = table["tree"].query_nearest(
            pts, max_distance=max_distance_m, return_distance=True, all_matches=False
        )
        edge[src] = idx
        dist[src] = d
    keep = (edge >= 0) & ~empty
    if warn and not keep.all():
        dropped = list(gdf.index[~keep])
        shown = ", ".join(map(str, dropped[:20])) + (" ..." if len(dropped) > 20 else "")
        warnings.warn(
            f"{len(dropped)} of {n} features are more than {max_distance_m:g} m from the road network "
            f"(or have no geometry) and are excluded: index {shown}. See siting.network.component_report "
            "for features on roads not connected to the main network.",
            UserWarning,
            stacklevel=2,
        )
    e = edge[keep]
    frac = shapely.line_locate_point(table["geometry"][e], pts[keep], normalized=True) if e.size else np.empty(0)
    frac = np.clip(np.asarray(frac, dtype=float), 0.0, 1.0)
    u, v = table["u"][e], table["v"][e]
    d_keep = dist[keep]
    return pd.DataFrame(
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
