"""Exact OD between edge-snapped points: the CSR graph plus one virtual node per point."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from siting.network.csr import CSRGraph, csr_graph, distances, min_weight_matrix
from siting.network.od_cache import od_cache_enabled, od_key, od_load, od_store

__all__ = ["point_distances"]


def _edge_attr(G: nx.MultiDiGraph, u: np.ndarray, v: np.ndarray, k: np.ndarray, name: str) -> np.ndarray:
    """Attribute ``name`` of edges (u[i], v[i], k[i]); NaN where k < 0."""
    return np.array(
        [float(G.edges[a, b, c][name]) if c >= 0 else np.nan for a, b, c in zip(u.tolist(), v.tolist(), k.tolist())],
        dtype=float,
    )


def _legs(G: nx.MultiDiGraph, snap: pd.DataFrame, weight: str) -> dict[str, np.ndarray]:
    """Per point: edge ends (as matrix rows later), fraction, forward/reverse weight and length."""
    u = snap["u"].to_numpy(np.int64)
    v = snap["v"].to_numpy(np.int64)
    k = snap["key"].to_numpy(np.int64)
    rk = snap["rev_key"].to_numpy(np.int64)
    return {
        "u": u,
        "v": v,
        "edge": np.stack([u, v, k], axis=1),
        "f": snap["fraction"].to_numpy(float),
        "w": _edge_attr(G, u, v, k, weight),
        "L": _edge_attr(G, u, v, k, "length"),
        "wr": _edge_attr(G, v, u, rk, weight),
        "Lr": _edge_attr(G, v, u, rk, "length"),
    }


def _augmented(g: CSRGraph, o: dict[str, np.ndarray], d: dict[str, np.ndarray]) -> CSRGraph:
    """g with origin rows n.. (out-edges only) and destination rows n+len(o).. (in-edges only)."""
    n, no, nd = g.n, len(o["f"]), len(d["f"])
    big = n + no + nd
    base_rows, base_cols = np.divmod(g.flat, n)
    rows = [
        base_rows,
    ]
    cols = [base_cols]
    w = [g.matrix.data]
    L = [g.lengths]
    orow = np.arange(n, n + no)
    drow = np.arange(n + no, n + no + nd)
    ou, ov = g.index(o["u"]), g.index(o["v"])
    du, dv = g.index(d["u"]), g.index(d["v"])

    def add(r: np.ndarray, c: np.ndarray, ww: np.ndarray, ll: np.ndarray) -> None:
        ok = np.isfinite(ww)
        rows.append(r[ok].astype(np.int64))
        cols.append(c[ok].astype(np.int64))
        w.append(ww[ok])
        L.append(ll[ok])

    f = o["f"]
    add(orow, ov, (1 - f) * o["w"], (1 - f) * o["L"])  # along the edge to v
    add(orow, ou, f * o["wr"], f * o["Lr"])  # back along the twin to u (NaN if one-way)
    f = d["f"]
    add(du, drow, f * d["w"], f * d["L"])
    add(dv, drow, (1 - f) * d["wr"], (1 - f) * d["Lr"])
    # origin and destination on the same road: straight along it, without reaching an end
    if no and nd:
        ko = pd.DataFrame(o["edge"], columns=["u", "v", "k"]).assign(i=np.arange(no))
        kd = pd.DataFrame(d["edge"], columns=["u", "v", "k"]).assign(j=np.arange(nd))
        pairs = ko.merge(kd, on=["u", "v", "k"])
        if len(pairs):
            i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
            step = d["f"][j] - o["f"][i]
            fwd = step >= 0
            add(orow[i[fwd]], drow[j[fwd]], step[fwd] * o["w"][i[fwd]], step[fwd] * o["L"][i[fwd]])
            back = step <= 0
            add(orow[i[back]], drow[j[back]], -step[back] * o["wr"][i[back]], -step[back] * o["Lr"][i[back]])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    ww = np.concatenate(w)
    ll = np.concatenate(L)
    flat = r * big + c
    A, sel = min_weight_matrix(flat, ww, big)
    ids = np.concatenate([g.node_ids, -1 - np.arange(no + nd, dtype=np.int64)])
    pos = np.argsort(ids, kind="stable")
    return CSRGraph(ids, A, ll[sel], np.zeros(len(sel), np.int64), flat[sel], g.weight, ids[pos], pos.astype(np.int32))


def _cache_key(
    g: CSRGraph, o: dict[str, np.ndarray], d: dict[str, np.ndarray], weight: str, with_lengths: bool, limit: float
) -> str:
    """The OD cache key of one :func:`point_distances` call: every array the Dijkstra reads, and the options.

    The graph's CSR arrays (weights, lengths, node order) and each point's snapped edge ends,
    fraction and leg weights/lengths (read from the graph's edges) cover the augmented graph;
    the access legs are added after the cache (they are not part of the key).
    """
    arrays = {
        "node_ids": g.node_ids,
        "indptr": g.matrix.indptr,
        "indices": g.matrix.indices,
        "data": g.matrix.data,
        "lengths": g.lengths,
    }
    for side, legs in (("o", o), ("d", d)):
        arrays.update({f"{side}_{name}": a for name, a in legs.items()})
    return od_key(arrays, {"weight": weight, "with_lengths": bool(with_lengths), "limit": float(limit)})


def point_distances(
    G: nx.MultiDiGraph,
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    *,
    weight: str = "travel_time",
    with_lengths: bool = False,
    limit: float = np.inf,
    n_jobs: int | None = None,
) -> Any:
    """Exact shortest paths between edge-snapped points, access legs included.

    Equal to Dijkstra on the graph with every snapped edge (and its two-way twin) split at
    each point's projection, plus each point's access leg at both ends of the trip.
    The Dijkstra results are kept in the OD cache (:mod:`siting.network.od_cache`, keyed by a
    hash of the graph's CSR arrays, the points' snapped edges and legs, and the options) and
    read back on a later call with the same inputs; ``SITING_OD_CACHE=0`` switches it off, and
    a graph built with ``build_network(..., cache=False)`` never uses it.

    Parameters
    ----------
    G
        The graph the points were snapped to.
    origins, destinations
        DataFrames from :func:`siting.network.snapping.snap_to_edges`.
    weight
        Edge attribute ("travel_time" adds ``access_time_s``, "length" ``access_length_m``,
        any other weight no access leg).
    with_lengths
        Also return the length (m) of each fastest path, access legs included.
    limit
        Stop searching beyond this weight (access legs not counted); farther pairs are inf.
    n_jobs
        Worker processes for large jobs.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        (len(origins), len(destinations)) weights, and lengths with ``with_lengths``.
    """
    g = csr_graph(G, weight)
    o, d = _legs(G, origins, weight), _legs(G, destinations, weight)
    use_cache = od_cache_enabled() and G.graph.get("cache") != "off"  # build_network(cache=False): no disk
    key = _cache_key(g, o, d, weight, with_lengths, limit) if use_cache else None
    cached = None if key is None else od_load(key)
    out: Any
    if cached is not None and len(cached) == (2 if with_lengths else 1):
        out = cached if with_lengths else cached[0]
    else:
        aug = _augmented(g, o, d)
        src = np.arange(g.n, g.n + len(origins))
        dst = np.arange(g.n + len(origins), g.n + len(origins) + len(destinations))
        out = distances(aug, src, dst, limit=limit, n_jobs=n_jobs, with_lengths=with_lengths)
        if key is not None:
            od_store(key, out if with_lengths else (out,))
    acc_col = {"travel_time": "access_time_s", "length": "access_length_m"}.get(weight)
    times = out[0] if with_lengths else out
    if acc_col is not None:
        times = times + origins[acc_col].to_numpy(float)[:, None] + destinations[acc_col].to_numpy(float)[None, :]
    if not with_lengths:
        return times
    lengths = out[1] + origins["access_length_m"].to_numpy(float)[:, None]
    lengths = lengths + destinations["access_length_m"].to_numpy(float)[None, :]
    return times, lengths
