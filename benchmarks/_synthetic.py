"""A seeded synthetic road-like graph (jittered street grid, arterials, one-ways) for benchmarks."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


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
    a = np.where(oneway & flip, v, u)
    b = np.where(oneway & flip, u, v)
    two = ~oneway
    src = np.concatenate([a, b[two]])
    dst = np.concatenate([b, a[two]])
    lm = np.concatenate([length, length[two]])
    sp_kph = np.concatenate([kph, kph[two]])
    # largest strongly connected component, computed on arrays (fast)
    n = side * side
    _, label = connected_components(sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)), connection="strong")
    big = np.bincount(label).argmax()
    ok = (label[src] == big) & (label[dst] == big)
    src, dst, lm, sp_kph = src[ok], dst[ok], lm[ok], sp_kph[ok]
    G = nx.MultiDiGraph(crs="EPSG:32635", name="synthetic road-like grid")
    G.add_nodes_from((int(ids[i]), {"x": float(x[i]), "y": float(y[i])}) for i in np.flatnonzero(label == big))
    tt = lm / (sp_kph / 3.6)
    G.add_edges_from(
        (int(ids[p]), int(ids[q]), {"length": float(L), "speed_kph": float(s), "travel_time": float(t)})
        for p, q, L, s, t in zip(src, dst, lm, sp_kph, tt)
    )
    # a few parallel edges (e.g. a slip road beside a street): slower, so the minimum counts
    for i in range(0, len(src), 97):
        G.add_edge(
            int(ids[src[i]]),
            int(ids[dst[i]]),
            length=float(lm[i]),
            speed_kph=float(sp_kph[i]) / 1.5,
            travel_time=float(tt[i]) * 1.5,
        )
    return G
