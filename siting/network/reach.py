"""Isochrones: the area reachable from a node within a time budget, as polygons."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from shapely.ops import substring

from siting.network.csr import csr_graph, trees

__all__ = ["isochrones"]


def _edge_table(G: nx.MultiDiGraph, weight: str) -> tuple[np.ndarray, ...]:
    """Edge arrays: u index, v index, weight, geometry (straight line where missing), reverse twin (-1)."""
    g = csr_graph(G, weight)
    us, vs, ws, geoms = [], [], [], []
    for u, v, d in G.edges(data=True):
        us.append(u)
        vs.append(v)
        ws.append(float(d[weight]))
        geom = d.get("geometry")
        if geom is None:
            geom = shapely.LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        geoms.append(geom)
    ui, vi = g.index(us), g.index(vs)
    # the reverse twin of each edge (same ends reversed, same length): its stretch is drawn once
    lengths = [round(float(d.get("length", 0.0)), 1) for _, _, d in G.edges(data=True)]
    first: dict[tuple[int, int, float], int] = {}
    twin = np.full(len(us), -1, dtype=np.int64)
    for i, (a, b, ln) in enumerate(zip(ui.tolist(), vi.tolist(), lengths)):
        j = first.get((b, a, ln))
        if j is not None and a != b:
            twin[i] = j
        else:
            first.setdefault((a, b, ln), i)
    return (ui, vi, np.asarray(ws), np.asarray(geoms, dtype=object), twin)


def isochrones(
    G: nx.MultiDiGraph,
    nodes: Any,
    time_s: float | list[float],
    *,
    weight: str = "travel_time",
    buffer_m: float = 50.0,
) -> gpd.GeoDataFrame:
    """Polygons of the area reachable from each node within each time budget.

    The polygon is the union of the road stretches reachable in time (whole edges, and
    the reachable fraction of edges left part-way, assuming constant speed along an edge),
    buffered by ``buffer_m`` on each side: the area within a short walk of a reachable road.

    Parameters
    ----------
    G
        The graph.
    nodes
        Start node ids.
    time_s
        One budget or a list of budgets, in the units of ``weight`` (seconds by default).
    weight
        Edge attribute.
    buffer_m
        Half-width of the band around reachable roads (m).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per (node, budget): ``node``, ``time_s``, ``reachable_nodes``, geometry
        (Polygon or MultiPolygon) in the graph's CRS.
    """
    g = csr_graph(G, weight)
    starts = np.asarray(nodes, dtype=np.int64).ravel()
    budgets = sorted(float(t) for t in np.atleast_1d(time_s))
    ui, vi, w, geoms, twin = _edge_table(G, weight)
    has_twin = twin >= 0
    rows = []
    for node in starts:
        dist, _ = trees(g, g.index([node]), limit=budgets[-1])
        d = dist[0]
        for t in budgets:
            du = d[ui]
            full = du + w <= t
            part = (du < t) & ~full
            # a two-way road reached whole in both directions is the same stretch twice
            pieces = list(geoms[full & ~(has_twin & full[np.maximum(twin, 0)])])
            for j in np.flatnonzero(part):
                frac = (t - du[j]) / w[j] if w[j] > 0 else 1.0
                pieces.append(substring(geoms[j], 0.0, frac, normalized=True))
            pt = shapely.Point(G.nodes[int(node)]["x"], G.nodes[int(node)]["y"])
            pieces.append(pt)
            area = shapely.union_all(shapely.buffer(np.asarray(pieces, dtype=object), buffer_m))
            rows.append(
                {
                    "node": int(node),
                    "time_s": t,
                    "reachable_nodes": int((d <= t).sum()),
                    "geometry": area,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=G.graph.get("crs"))
