"""Isochrones: the area reachable from a node within a time budget, as polygons."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from siting.forked import THREAD_PREFIX
from siting.network.csr import csr_graph, trees
from siting.network.reach_cache import iso_key, iso_load, iso_store
from siting.workers import n_workers

__all__ = ["isochrones"]

# Pieces are unioned in this many spatial strips (west to east) and the strips then merged:
# GEOS releases the GIL, so strips run on threads (1.6x on 2 cores, measured on Malta). The
# count is fixed, not the number of workers, so that the polygon is the same on any machine.
UNION_STRIPS = 4
# Below this many pieces one union is as fast as strips.
STRIPS_MIN_PIECES = 2_000


def _out_edges(G: nx.MultiDiGraph, tails: set[int] | None) -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    """``G.edges(data=True)`` (same order), only those leaving a node of ``tails`` when given."""
    succ = G._succ if isinstance(getattr(G, "_succ", None), dict) else G.succ
    for u, nbrs in succ.items():
        if tails is not None and u not in tails:
            continue
        for v, keyed in nbrs.items():
            for d in keyed.values():
                yield u, v, d


def _edge_table(G: nx.MultiDiGraph, weight: str, tails: set[int] | None = None) -> tuple[np.ndarray, ...]:
    """Road edges as arrays: u row, v row, weight, geometry (u to v), and the reverse twin drawn instead (-1).

    Ferry crossings are left out: the sea is not an area a van reaches. With ``tails``, only the
    edges leaving those nodes, in the same order: an isochrone needs no other edge, and every
    edge kept gets the twin it gets in the whole table whenever that twin can be drawn (a twin
    leaves the edge's head; both ends of a pair drawn twice are in ``tails``).
    """
    g = csr_graph(G, weight)
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    lengths: list[float] = []
    geoms: list[Any] = []
    for u, v, d in _out_edges(G, tails):
        if d.get("route") == "ferry":
            continue
        us.append(u)
        vs.append(v)
        ws.append(float(d[weight]))
        lengths.append(round(float(d.get("length", 0.0)), 1))
        geoms.append(d.get("geometry"))
    for i in [i for i, geom in enumerate(geoms) if geom is None]:
        a, b = G.nodes[us[i]], G.nodes[vs[i]]
        geoms[i] = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
    ui, vi = g.index(us), g.index(vs)
    # the reverse twin of each edge (same ends reversed, same length): its stretch is drawn once
    first: dict[tuple[int, int, float], int] = {}
    twin = np.full(len(us), -1, dtype=np.int64)
    for i, (a, b, ln) in enumerate(zip(ui.tolist(), vi.tolist(), lengths)):
        j = first.get((b, a, ln))
        if j is not None and a != b:
            twin[i] = j
        else:
            first.setdefault((a, b, ln), i)
    return (ui, vi, np.asarray(ws, dtype=float), np.asarray(geoms, dtype=object), twin)


def _heads(lines: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """The first ``frac`` (0 < frac < 1) of each line, as ``shapely.ops.substring(line, 0, frac, normalized=True)``.

    Vectorised: the cut points in one GEOS call and the kept vertices by numpy, instead of one
    Python-level substring (a few shapely calls) per line, which held the GIL on the isochrone thread.
    """
    if len(lines) == 0:
        return lines
    end_m = frac * shapely.length(lines)
    cut = shapely.get_coordinates(shapely.line_interpolate_point(lines, end_m))
    xy, row = shapely.get_coordinates(lines, return_index=True)
    first = np.searchsorted(row, np.arange(len(lines) + 1))
    step = xy[1:] - xy[:-1]
    seg_m = np.sqrt(step[:, 0] * step[:, 0] + step[:, 1] * step[:, 1])
    coords, ids = [], []
    for i, (a, b) in enumerate(zip(first[:-1].tolist(), first[1:].tolist())):
        along = np.cumsum(seg_m[a : b - 1])  # distance from the start to vertex a+1 .. b-1
        inner = xy[a + 1 : b][(along > 0.0) & (along < end_m[i])]
        part = np.vstack([xy[a : a + 1], inner, cut[i : i + 1]])
        coords.append(part)
        ids.append(np.full(len(part), i))
    return shapely.linestrings(np.vstack(coords), indices=np.concatenate(ids))


def _buffered_union(pieces: np.ndarray, buffer_m: float) -> Any:
    """The union of the pieces buffered by ``buffer_m``, in west-to-east strips on threads."""
    if len(pieces) < STRIPS_MIN_PIECES:
        return shapely.union_all(shapely.buffer(pieces, buffer_m))
    west = shapely.bounds(pieces)[:, 0]
    strips = np.array_split(pieces[np.argsort(west, kind="stable")], UNION_STRIPS)

    def strip_union(strip: np.ndarray) -> Any:
        return shapely.union_all(shapely.buffer(strip, buffer_m))

    workers = min(n_workers(), UNION_STRIPS)
    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix=f"{THREAD_PREFIX}isochrone-strips") as pool:
            parts = list(pool.map(strip_union, strips))
    else:
        parts = [strip_union(s) for s in strips]
    return shapely.union_all(np.asarray(parts, dtype=object))


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
    Ferry crossings count towards the time but are not drawn (the sea is no delivery area).
    The polygons are kept in the isochrone cache beside the OD cache
    (:mod:`siting.network.reach_cache`) and read back, vertex for vertex, by a later call on the
    same network, weights, nodes, budgets and buffer; ``SITING_OD_CACHE=0`` switches it off.

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
    key = iso_key(G, g, starts, budgets, weight, buffer_m)
    cached = None if key is None else iso_load(key, G.graph.get("crs"))
    if cached is not None:
        return cached
    # Dijkstra first, then the table of the edges leaving a reached node only (a quarter of
    # Malta's at 10 min from its top site): no other edge is drawn, whole or in part
    dists = [trees(g, g.index([node]), limit=budgets[-1])[0][0] for node in starts]
    reached = np.zeros(g.n, bool)
    for d in dists:
        reached |= np.isfinite(d)
    ui, vi, w, geoms, twin = _edge_table(G, weight, set(g.node_ids[reached].tolist()))
    has_twin = twin >= 0
    rows = []
    for node, d in zip(starts, dists):
        for t in budgets:
            du = d[ui]
            full = du + w <= t
            part = (du < t) & ~full
            # a two-way road reached whole in both directions is the same stretch twice
            pieces = list(geoms[full & ~(has_twin & full[np.maximum(twin, 0)])])
            # (an edge left part-way takes time, w > 0: du < t < du + w)
            pieces.extend(_heads(geoms[part], (t - du[part]) / w[part]))
            pieces.append(shapely.Point(G.nodes[int(node)]["x"], G.nodes[int(node)]["y"]))
            rows.append(
                {
                    "node": int(node),
                    "time_s": t,
                    "reachable_nodes": int((d <= t).sum()),
                    "geometry": _buffered_union(np.asarray(pieces, dtype=object), buffer_m),
                }
            )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=G.graph.get("crs"))
    if key is not None:
        iso_store(key, out)
    return out
