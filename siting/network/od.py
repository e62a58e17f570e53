"""Snapping points to a network, exact many-to-many travel times and lengths, and routes."""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from siting.errors import InputError
from siting.network.csr import CSRGraph, clear_cache, csr_graph, distances, trees
from siting.network.edges import edges_coords
from siting.network.reach import isochrones
from siting.network.snapping import in_graph_crs, is_edge_snap
from siting.network.virtual import point_distances

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

__all__ = [
    "snap",
    "od_matrix",
    "od_time_length",
    "od_long",
    "route_nodes",
    "route_lines",
    "isochrones",
    "clear_cache",
]


def snap(G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame, *, max_distance_m: float = 500.0) -> pd.DataFrame:
    """Snap each feature to its nearest graph node; drop (with a warning) those too far.

    Parameters
    ----------
    G
        A projected graph from :func:`siting.network.build_network`.
    gdf
        Points, or polygons (snapped by their representative point). Reprojected to the
        graph's CRS if needed; a layer without a CRS raises NoCrsError.
    max_distance_m
        Features farther than this from every node (or with empty geometry) are excluded
        and listed in a warning.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``gdf`` (kept rows only), columns ``node`` (int64) and
        ``snap_distance_m`` (float).
    """
    gdf = in_graph_crs(G, gdf)
    geom = gdf.geometry.values
    empty = np.asarray(shapely.is_missing(geom) | shapely.is_empty(geom))
    pts = shapely.point_on_surface(np.where(empty, shapely.Point(0, 0), geom))
    xy = shapely.get_coordinates(pts)
    node_ids, tree = _node_tree(G)
    dist, pos = tree.query(xy, k=1)
    dist = np.where(empty, np.inf, dist)
    keep = dist <= max_distance_m
    if not keep.all():
        dropped = list(gdf.index[~keep])
        shown = ", ".join(map(str, dropped[:20])) + (" ..." if len(dropped) > 20 else "")
        warnings.warn(
            f"{len(dropped)} of {len(gdf)} features are more than {max_distance_m:g} m from "
            f"the road network (or have no geometry) and are excluded: index {shown}. "
            "Check their coordinates and CRS, or raise max_distance_m; features on roads cut off from "
            "the main network (an island without a usable ferry) are listed by "
            "siting.network.component_report.",
            UserWarning,
            stacklevel=2,
        )
    return pd.DataFrame(
        {"node": node_ids[pos[keep]].astype(np.int64), "snap_distance_m": dist[keep]},
        index=gdf.index[keep],
    )


_TREES: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[int, np.ndarray, cKDTree]]
_TREES = weakref.WeakKeyDictionary()


def _node_tree(G: nx.MultiDiGraph) -> tuple[np.ndarray, cKDTree]:
    """Node ids and a KD-tree of their coordinates, cached per graph (and node count)."""
    hit = _TREES.get(G)
    if hit is not None and hit[0] == len(G):
        return hit[1], hit[2]
    from scipy.spatial import cKDTree  # scipy.spatial costs 0.24 s to import: only when snapping to nodes

    node_ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    nxy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    tree = cKDTree(nxy)
    _TREES[G] = (len(G), node_ids, tree)
    return node_ids, tree


def _nodes_of(x: Any) -> np.ndarray:
    """Node ids from an array-like or a snap() DataFrame."""
    if isinstance(x, pd.DataFrame):
        x = x["node"]
    return np.asarray(x, dtype=np.int64).ravel()


#: Where paths start or end: node ids, or a snap() / snap_to_edges() DataFrame.
NodesOrSnap: TypeAlias = "Sequence[int] | np.ndarray | pd.Series | pd.DataFrame"


def od_matrix(
    G: nx.MultiDiGraph,
    origin_nodes: NodesOrSnap,
    destination_nodes: NodesOrSnap,
    *,
    weight: str = "travel_time",
    cutoff: float | None = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Exact shortest-path weights from every origin to every destination.

    Equal to networkx's ``shortest_path_length`` with the same weight (minimum over
    parallel edges). The graph's CSR matrix is built once per graph and weight, with
    nodes in a spatially local order, and reused. Dijkstra runs once per distinct origin
    (or per distinct destination on the reversed graph, whichever is fewer), in chunks of
    bounded memory, keeping only the requested columns; large jobs use ``n_jobs`` forked
    worker processes on Linux (scipy's Dijkstra holds the GIL, so threads would not help).

    Parameters
    ----------
    G
        The graph.
    origin_nodes, destination_nodes
        Node ids (or snap() DataFrames); duplicates allowed. When both are
        :func:`siting.network.snap_to_edges` DataFrames, paths start and end part-way
        along the snapped edges and include the access legs (exact on the split graph).
    weight
        Edge attribute: "travel_time" (s) or "length" (m), or any other numeric one.
    cutoff
        Stop searching beyond this weight; farther pairs are ``np.inf``.
    n_jobs
        Worker processes for large jobs (default: up to 2; 1 = in process).

    Returns
    -------
    numpy.ndarray
        float64, shape (n_origins, n_destinations), ``np.inf`` where unreachable.
    """
    limit = np.inf if cutoff is None else float(cutoff)
    if is_edge_snap(origin_nodes) and is_edge_snap(destination_nodes):
        out = point_distances(G, origin_nodes, destination_nodes, weight=weight, limit=limit, n_jobs=n_jobs)
        return np.where(out <= limit, out, np.inf) if cutoff is not None else out
    g = csr_graph(G, weight)
    src = g.index(_nodes_of(origin_nodes), "origin")
    dst = g.index(_nodes_of(destination_nodes), "destination")
    return distances(g, src, dst, limit=limit, n_jobs=n_jobs)


def od_time_length(
    G: nx.MultiDiGraph, origin_nodes: Any, destination_nodes: Any, *, n_jobs: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Time of the fastest path and the length of that same path, for every pair.

    Parameters
    ----------
    G
        The graph (edges need ``travel_time`` and ``length``).
    origin_nodes, destination_nodes
        Node ids (or snap() DataFrames; both :func:`siting.network.snap_to_edges`
        DataFrames for point-to-point travel including access legs).
    n_jobs
        Worker processes for large jobs (default: up to 2).

    Returns
    -------
    (time_s, length_m)
        Two float64 arrays of shape (n_origins, n_destinations), ``np.inf`` where
        unreachable.
    """
    if is_edge_snap(origin_nodes) and is_edge_snap(destination_nodes):
        return point_distances(G, origin_nodes, destination_nodes, with_lengths=True, n_jobs=n_jobs)
    g = csr_graph(G, "travel_time")
    src = g.index(_nodes_of(origin_nodes), "origin")
    dst = g.index(_nodes_of(destination_nodes), "destination")
    return distances(g, src, dst, n_jobs=n_jobs, with_lengths=True)


def od_long(
    G: nx.MultiDiGraph,
    origins: Any,
    destinations: Any,
    *,
    origin_ids: Sequence[Any] | None = None,
    destination_ids: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """The OD table in long form: one row per pair, NaN where unreachable.

    Parameters
    ----------
    G
        The graph.
    origins, destinations
        snap() DataFrames (ids taken from their index) or node ids.
    origin_ids, destination_ids
        Labels (default: the DataFrame index, else the node ids).

    Returns
    -------
    pandas.DataFrame
        Columns ``origin_id``, ``destination_id``, ``time_s``, ``length_m``; origins vary
        slowest.
    """

    def labels(x: Any, given: Sequence[Any] | None) -> np.ndarray:
        if given is not None:
            return np.asarray(given)
        return np.asarray(x.index if isinstance(x, pd.DataFrame) else _nodes_of(x))

    o_ids, d_ids = labels(origins, origin_ids), labels(destinations, destination_ids)
    time_s, length_m = od_time_length(G, origins, destinations)
    if time_s.shape != (len(o_ids), len(d_ids)):
        raise InputError("origin_ids / destination_ids must match the origins / destinations")
    unreachable = ~np.isfinite(time_s)
    return pd.DataFrame(
        {
            "origin_id": np.repeat(o_ids, len(d_ids)),
            "destination_id": np.tile(d_ids, len(o_ids)),
            "time_s": np.where(unreachable, np.nan, time_s).ravel(),
            "length_m": np.where(unreachable, np.nan, length_m).ravel(),
        }
    )


def _routes_idx(g: CSRGraph, pairs: Iterable[tuple[int, int]]) -> list[np.ndarray]:
    """Node-index paths (int64 arrays, origin first) for (origin id, destination id) pairs; empty where unreachable.

    All the paths of a chunk of origins are walked back from their destinations together: one
    predecessor step per round for every path not yet at its origin (numpy, not a Python loop per node).
    """
    pairs = list(pairs)
    if not pairs:
        return []
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    o = g.index(arr[:, 0], "origin").astype(np.int64)
    d = g.index(arr[:, 1], "destination").astype(np.int64)
    uniq, inverse = np.unique(o, return_inverse=True)
    out: list[np.ndarray] = [np.empty(0, np.int64)] * len(arr)
    step = max(1, (32 * 2**20) // (12 * g.n))
    for i in range(0, len(uniq), step):
        _, pred = trees(g, uniq[i : i + step])
        js = np.flatnonzero((inverse >= i) & (inverse < i + step))
        row, target = inverse[js] - i, o[js]
        walking, node = np.arange(len(js)), d[js]
        seen_at, seen_node = [walking], [node]  # per round: which paths, at which node
        broken = np.zeros(len(js), bool)
        more = node != target
        walking, node = walking[more], node[more]
        while walking.size:
            node = pred[row[walking], node].astype(np.int64)
            lost = node < 0
            broken[walking[lost]] = True
            walking, node = walking[~lost], node[~lost]
            seen_at.append(walking)
            seen_node.append(node)
            more = node != target[walking]
            walking, node = walking[more], node[more]
        who = np.concatenate(seen_at)
        rounds = np.concatenate([np.full(len(w), r, np.int64) for r, w in enumerate(seen_at)])
        order = np.lexsort((-rounds, who))  # by path, then from the origin (last round) to the destination
        paths = np.split(np.concatenate(seen_node)[order], np.flatnonzero(np.diff(who[order])) + 1)
        for k in np.flatnonzero(~broken):  # path k of the chunk: every k is seen in round 0
            out[js[k]] = paths[k]
    return out


def route_nodes(
    G: nx.MultiDiGraph, pairs: Iterable[tuple[int, int]], *, weight: str = "travel_time"
) -> list[list[int]]:
    """Node sequences of the shortest paths of (origin node, destination node) pairs.

    Parameters
    ----------
    G
        The graph.
    pairs
        (origin node id, destination node id) pairs.
    weight
        Edge attribute minimised.

    Returns
    -------
    list of list of int
        One path per pair, from origin to destination inclusive; ``[]`` if unreachable.
    """
    g = csr_graph(G, weight)
    return [g.node_ids[p].tolist() for p in _routes_idx(g, pairs)]


def _entry_coords(G: nx.MultiDiGraph, g: CSRGraph, entries: list[int]) -> list[np.ndarray]:
    """Coordinates of the edge behind each given CSR entry (travel order), each built once per CSRGraph."""
    memo: dict[int, np.ndarray] = g._memo.setdefault("coords", {})
    missing = [e for e in dict.fromkeys(entries) if e not in memo]
    if missing:
        rows, cols = np.divmod(g.flat[missing], g.n)
        us, vs = g.node_ids[rows].tolist(), g.node_ids[cols].tolist()
        succ = G.succ
        data = [succ[u][v][k] for u, v, k in zip(us, vs, g.edge_keys[missing].tolist())]
        memo.update(zip(missing, edges_coords(G, us, vs, data)))
    return [memo[e] for e in entries]


def route_lines(
    G: nx.MultiDiGraph, pairs: Iterable[tuple[int, int]], *, weight: str = "travel_time"
) -> list[LineString]:
    """Road geometry of the shortest paths of (origin node, destination node) pairs.

    Edge geometries are joined in travel order (the minimum-weight edge between parallel
    edges; a straight segment where an edge has no geometry).

    Parameters
    ----------
    G
        The graph.
    pairs
        (origin node id, destination node id) pairs.
    weight
        Edge attribute minimised.

    Returns
    -------
    list of shapely.LineString
        In the graph's CRS; an empty LineString where unreachable, a zero-length one where
        origin equals destination.
    """
    g = csr_graph(G, weight)
    paths = _routes_idx(g, pairs)
    lines = np.empty(len(paths), dtype=object)
    for k in [k for k, p in enumerate(paths) if len(p) == 0]:
        lines[k] = LineString()
    drawn = [k for k, p in enumerate(paths) if len(p)]
    if drawn:
        lines[drawn] = _joined_lines(G, g, [paths[k] for k in drawn])
    return list(lines)


def _joined_lines(G: nx.MultiDiGraph, g: CSRGraph, paths: list[np.ndarray]) -> np.ndarray:
    """LineStrings of non-empty node-index paths: each edge's coordinates read once (one GEOS call),
    then every path's points gathered with one index, the first edge whole and the next ones without
    their first point (the previous edge's last); a one-node path is that node twice."""
    hops = np.array([len(p) - 1 for p in paths], dtype=np.int64)
    walked = [np.asarray(p) for p in paths if len(p) > 1]
    entries = np.empty(0, np.int64)
    if walked:
        entries = g.entry(np.concatenate([p[:-1] for p in walked]), np.concatenate([p[1:] for p in walked]))
    uniq, which = np.unique(entries, return_inverse=True)
    xy = _entry_coords(G, g, uniq.tolist())
    sizes = np.array([len(c) for c in xy], dtype=np.int64)
    single = np.flatnonzero(hops == 0)
    nodes = G.nodes
    node_xy = [(nodes[int(n)]["x"], nodes[int(n)]["y"]) for n in g.node_ids[[paths[i][0] for i in single]]]
    twice = np.array([pt for pt in node_xy for _ in range(2)], dtype=float).reshape(-1, 2)
    table = np.concatenate([*xy, twice]) if len(xy) else twice
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    path_of = np.repeat(np.arange(len(paths)), hops)  # the path of each edge, edges in travel order
    later = np.ones(len(entries), np.int64)
    later[np.cumsum(hops[hops > 0]) - hops[hops > 0]] = 0  # 0 for each path's first edge
    start = np.concatenate([offsets[which] + later, offsets[-1] + 2 * np.arange(len(single))])
    count = np.concatenate([sizes[which] - later, np.full(len(single), 2, np.int64)])
    owner = np.concatenate([path_of, single])
    order = np.argsort(owner, kind="stable")  # paths in order, each its edges in travel order
    start, count, owner = start[order], count[order], owner[order]
    rows = np.repeat(start - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
    per_path = np.bincount(owner, weights=count, minlength=len(paths)).astype(np.int64)
    return shapely.linestrings(table[rows], indices=np.repeat(np.arange(len(paths)), per_path))
