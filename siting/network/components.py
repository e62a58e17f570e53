"""Connectivity: keep the main strongly connected component and report the others and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "REASONS",
    "keep_main_component",
    "project_dropped_nodes",
    "point_components",
    "component_report",
    "format_component_report",
]

REASONS: Mapping[str, str] = {
    "separate": "no road or usable ferry joins it to the main network (an island, or a gap in the extract)",
    "in_only": "one-way roads lead into it but none lead back out",
    "out_only": "one-way roads lead out of it but none lead back in",
    "one_way": "it is joined to the main network only through one-way links via other dropped parts",
}


def keep_main_component(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The largest strongly connected component, with the dropped ones described in G.graph.

    ``G.graph["components"]`` lists each dropped component (``component`` id from 1,
    ``nodes``, ``reason`` key of :data:`REASONS`, ``lon``/``lat`` of a member node) and
    ``G.graph["dropped_nodes"]`` holds (x, y, component) rows of every dropped node and
    road vertex (edge midpoints where an edge has no geometry), in
    the graph's coordinates (see :func:`project_dropped_nodes`).

    Parameters
    ----------
    G
        Any graph with node ``x`` / ``y``.

    Returns
    -------
    networkx.MultiDiGraph
        The main component (G itself when nothing is dropped).
    """
    n_in, m_in = len(G), G.number_of_edges()
    comps = sorted(nx.strongly_connected_components(G), key=len, reverse=True) if n_in else []
    keep = comps[0] if comps else set()
    records: list[dict[str, Any]] = []
    rows: list[tuple[float, float, int]] = []
    if len(comps) > 1:
        root = next(iter(keep))
        reach_out = nx.descendants(G, root) | {root}
        reach_in = nx.ancestors(G, root) | {root}
        weak_main = nx.node_connected_component(G.to_undirected(as_view=True), root)
        for cid, comp in enumerate(comps[1:], start=1):
            member = next(iter(comp))
            if member not in weak_main:
                reason = "separate"
            elif member in reach_out and member not in reach_in:
                reason = "in_only"
            elif member in reach_in and member not in reach_out:
                reason = "out_only"
            else:
                reason = "one_way"
            d = G.nodes[member]
            records.append(
                {"component": cid, "nodes": len(comp), "reason": reason, "x": float(d["x"]), "y": float(d["y"])}
            )
            rows.extend((float(G.nodes[n]["x"]), float(G.nodes[n]["y"]), cid) for n in comp)
            for u, v, d in G.edges(comp, data=True):  # points along its roads, not only its nodes
                geom = d.get("geometry")
                if geom is not None:
                    rows.extend((float(x), float(y), cid) for x, y in shapely.get_coordinates(geom))
                else:
                    a, b = G.nodes[u], G.nodes[v]
                    rows.append(((a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2, cid))
        G = G.subgraph(keep).copy()
    G.graph["nodes_before_scc"] = n_in
    G.graph["edges_before_scc"] = m_in
    G.graph["components"] = records
    G.graph["dropped_nodes"] = np.asarray(rows, dtype=float).reshape(-1, 3)
    return G


def project_dropped_nodes(G: nx.MultiDiGraph, from_crs: Any) -> None:
    """Move the dropped-node coordinates from ``from_crs`` to the graph's CRS, in place.

    Parameters
    ----------
    G
        The projected main component from :func:`keep_main_component`.
    from_crs
        The CRS the coordinates were recorded in (EPSG:4326 for OSM readers).
    """
    import pyproj

    rows = G.graph.get("dropped_nodes")
    if rows is None or len(rows) == 0 or pyproj.CRS(from_crs).equals(pyproj.CRS(G.graph["crs"])):
        return
    t = pyproj.Transformer.from_crs(from_crs, G.graph["crs"], always_xy=True)
    x, y = t.transform(rows[:, 0], rows[:, 1])
    G.graph["dropped_nodes"] = np.column_stack([x, y, rows[:, 2]])
    for rec in G.graph.get("components", []):
        rec["lon"], rec["lat"] = rec.pop("x"), rec.pop("y")


def point_components(G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame, max_distance_m: float) -> np.ndarray:
    """The dropped component each feature sits on (0 = the main network or none).

    A feature sits on a dropped component when no road of the main network lies within
    ``max_distance_m`` (so it cannot be snapped) but a node or road vertex of that
    component does: the features a ranking leaves out for being cut off.

    Parameters
    ----------
    G
        A graph from :func:`siting.network.build_network` (main component kept).
    gdf
        Features in any CRS (polygons by their representative point).
    max_distance_m
        The snap limit.

    Returns
    -------
    numpy.ndarray
        int64 component id per feature.
    """
    rows = G.graph.get("dropped_nodes")
    out = np.zeros(len(gdf), dtype=np.int64)
    if rows is None or len(rows) == 0 or len(gdf) == 0:
        return out
    gdf = gdf.to_crs(G.graph["crs"]) if gdf.crs is not None else gdf
    geom = gdf.geometry.values
    empty = np.asarray(shapely.is_missing(geom) | shapely.is_empty(geom))
    xy = shapely.get_coordinates(shapely.point_on_surface(np.where(empty, shapely.Point(0, 0), geom)))
    from siting.network.snapping import edge_table

    table = edge_table(G)
    d_main = np.full(len(xy), np.inf)
    if len(table["geometry"]):
        (src, _), d = table["tree"].query_nearest(
            shapely.points(xy), max_distance=max_distance_m, return_distance=True, all_matches=False
        )
        d_main[src] = d
    # the nearest dropped node (an STRtree of points: scipy.spatial would cost 0.24 s to import)
    (src, pos_found), d = shapely.STRtree(shapely.points(rows[:, :2])).query_nearest(
        shapely.points(xy), return_distance=True, all_matches=False
    )
    d_drop = np.full(len(xy), np.inf)
    pos = np.zeros(len(xy), dtype=np.int64)
    d_drop[src], pos[src] = d, pos_found
    on = (~empty) & (d_drop <= max_distance_m) & ~(d_main <= max_distance_m)
    out[on] = rows[pos[on], 2].astype(np.int64)
    return out


def component_report(
    G: nx.MultiDiGraph, layers: Mapping[str, gpd.GeoDataFrame], *, max_distance_m: float = 500.0
) -> pd.DataFrame:
    """Every dropped component with how many features of each layer sit on it, and why.

    Parameters
    ----------
    G
        A graph from :func:`siting.network.build_network`.
    layers
        Layer name -> features, e.g. ``{"stores": stores, "sites": candidates}``.
    max_distance_m
        The snap limit (see :func:`point_components`).

    Returns
    -------
    pandas.DataFrame
        Columns ``component``, ``nodes``, one count column per layer, ``reason`` (text),
        ``lon``, ``lat`` (of a member node; graph coordinates if never projected); the
        components holding any feature first, then by size.
    """
    comps = pd.DataFrame(G.graph.get("components", []))
    if comps.empty:
        return pd.DataFrame(columns=["component", "nodes", *layers, "reason", "lon", "lat"])
    comps = comps.rename(columns={"x": "lon", "y": "lat"})
    for name, gdf in layers.items():
        ids = point_components(G, gdf, max_distance_m)
        counts = pd.Series(ids[ids > 0]).value_counts()
        comps[name] = comps["component"].map(counts).fillna(0).astype(int)
    comps["reason"] = comps["reason"].map(REASONS)
    held = comps[list(layers)].sum(axis=1) if layers else 0
    comps = comps.assign(_held=held).sort_values(["_held", "nodes"], ascending=False, kind="stable")
    return comps[["component", "nodes", *layers, "reason", "lon", "lat"]].reset_index(drop=True)


def format_component_report(report: pd.DataFrame, *, limit: int = 5) -> str:
    """A short text of :func:`component_report`: the components holding features, in words.

    Parameters
    ----------
    report
        The table.
    limit
        At most this many components are described.

    Returns
    -------
    str
        Empty when no feature sits on a dropped component.
    """
    layers = [c for c in report.columns if c not in ("component", "nodes", "reason", "lon", "lat")]
    if report.empty or not layers:
        return ""
    held = report[report[layers].sum(axis=1) > 0]
    if held.empty:
        return ""
    parts = []
    for r in held.head(limit).itertuples(index=False):
        counts = ", ".join(f"{int(getattr(r, name))} {name}" for name in layers)
        parts.append(
            f"component {r.component} ({r.nodes:,} road nodes near {r.lat:.4f}, {r.lon:.4f}) holds {counts}: {r.reason}"
        )
    more = f"; and {len(held) - limit} more" if len(held) > limit else ""
    return (
        f"{len(held)} road component(s) not connected to the main network hold features, which are "
        "left out: " + "; ".join(parts) + more
    )
