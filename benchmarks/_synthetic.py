"""A seeded synthetic road-like graph (jittered street grid, arterials, one-ways) for benchmarks."""

from __future__ import annotations

import networkx as nx
import numpy as np


def road_like_graph(n_nodes: int = 200_000, *, seed: int = 0) -> nx.MultiDiGraph:
    """A strongly connected, road-like MultiDiGraph of about ``n_nodes`` nodes.

    A street grid at 100 m spacing with jittered junctions, 8% of street segments removed
    (irregular blocks, dead ends), 4% diagonal links, 12% one-way segments, arterials
    (50 km/h) on every 12th row and column, expressways (80 km/h) on every 60th, residential
    streets at 30 km/h, lengths 0-12% longer than the straight line (curvature), a few
    parallel edges, and random node ids (like OSM ids, not in spatial order). The largest
    strongly connected component is returned. Deterministic for a seed.

    Parameters
    ----------
    n_nodes
        Approximate number of nodes before taking the largest component.
    seed
        Random seed.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes carry ``x``, ``y`` (m); edges ``length`` (m), ``speed_kph``, ``travel_time`` (s).
    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes)))
    rows, cols = np.divmod(np.arange(side * side), side)
    x = cols * 100.0 + rng.uniform(-30, 30, side * side)
    y = rows * 100.0 + rng.uniform(-30, 30, side * side)
    ids = 10**6 + rng.permutation(side * side) * 37 + rng.integers(0, 37, side * side)
    grid = np.arange(side * side).reshape(side, side)
    pairs = [
        (grid[:, :-1].ravel(), grid[:, 1:].ravel(), "h"),
        (grid[:-1, :].ravel(), grid[1:, :].ravel(), "v"),
    ]
    u_all, v_all, kph_all = [], [], []
    for u, v, axis in pairs:
        keep = rng.random(len(u)) > 0.08
        u, v = u[keep], v[keep]
        line = rows[u] if axis == "h" else cols[u]
        kph = np.where(line % 60 == 0, 80.0, np.where(line % 12 == 0, 50.0, 30.0))
        u_all.append(u), v_all.append(v), kph_all.append(kph)
    diag = grid[:-1, :-1].ravel()
    pick = rng.random(len(diag)) < 0.04
    u_all.append(diag[pick]), v_all.append(diag[pick] + side + 1)
    kph_all.append(np.full(pick.sum(), 30.0))
    u = np.concatenate(u_all)
    v = np.concatenate(v_all)
    kph = np.concatenate(kph_all)
    straight = np.hypot(x[u] - x[v], y[u] - y[v])
    length = straight * (1.0 + rng.uniform(0.0, 0.12, len(u)))
    oneway = rng.random(len(u)) < 0.12
    flip = rng.random(len(u)) < 0.5
    G = nx.MultiDiGraph(crs="EPSG:32635", name="synthetic road-like grid")
    G.add_nodes_from((int(ids[i]), {"x": float(x[i]), "y": float(y[i])}) for i in range(side * side))
    edges = []
    for a, b, lm, s, ow, fl in zip(u, v, length, kph, oneway, flip):
        if ow and fl:
            a, b = b, a
        attrs = {"length": float(lm), "speed_kph": float(s), "travel_time": float(lm / (s / 3.6))}
        edges.append((int(ids[a]), int(ids[b]), attrs))
        if not ow:
            edges.append((int(ids[b]), int(ids[a]), dict(attrs)))
    G.add_edges_from(edges)
    # a few parallel edges (e.g. a slip road beside a street): slower, so the minimum counts
    for a, b, attrs in edges[:: 97]:
        slow = dict(attrs, travel_time=attrs["travel_time"] * 1.5)
        G.add_edge(a, b, **slow)
    keep = max(nx.strongly_connected_components(G), key=len)
    return G.subgraph(keep).copy()
