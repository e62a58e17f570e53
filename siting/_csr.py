"""The CSR form of a graph per weight (cached) and chunked, column-selective Dijkstra on it."""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from siting._errors import InputError

__all__ = ["CSRGraph", "csr_graph", "clear_cache", "distances", "trees"]

# Memory budget of one chunk of full Dijkstra rows (bytes); two chunks run at once.
CHUNK_BYTES = 64 * 2**20


@dataclass(frozen=True, eq=False)
class CSRGraph:
    """A graph as a CSR matrix of one weight (minimum over parallel edges).

    Attributes
    ----------
    nodes
        Graph node ids, sorted; row/column i of ``matrix`` is ``nodes[i]``.
    matrix
        n x n CSR matrix; explicit zeros are kept (scipy treats them as edges).
    lengths
        ``length`` of the edge behind each stored entry (aligned with ``matrix.data``).
    edge_keys
        Multigraph key of the edge behind each stored entry.
    flat
        ``row * n + col`` of each stored entry, sorted (for edge look-ups).
    """

    nodes: np.ndarray
    matrix: sp.csr_matrix
    lengths: np.ndarray
    edge_keys: np.ndarray
    flat: np.ndarray
    weight: str
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def transposed(self) -> sp.csr_matrix:
        """The reversed graph as CSR (built once)."""
        if "T" not in self._memo:
            self._memo["T"] = self.matrix.T.tocsr()
        return self._memo["T"]

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def index(self, node_ids: Any, what: str = "node") -> np.ndarray:
        """Row indices of node ids; InputError naming the ids not in the graph."""
        ids = np.asarray(node_ids, dtype=np.int64).ravel()
        pos = np.searchsorted(self.nodes, ids)
        pos = np.minimum(pos, self.n - 1)
        bad = self.nodes[pos] != ids
        if bad.any():
            missing = ids[bad][:10].tolist()
            raise InputError(
                f"{int(bad.sum())} {what} id(s) are not in the graph, e.g. {missing}; "
                "snap points to the graph with siting.od.snap first"
            )
        return pos.astype(np.int32)

    def entry(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Positions in ``matrix.data`` of the entries (rows[i], cols[i]) (must exist)."""
        return np.searchsorted(self.flat, rows.astype(np.int64) * self.n + cols)


_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[str, tuple[tuple[int, int], CSRGraph]]]
_CACHE = weakref.WeakKeyDictionary()


def clear_cache(G: nx.MultiDiGraph | None = None) -> None:
    """Forget cached CSR matrices (of G, or all); call after changing edge weights in place.

    Parameters
    ----------
    G
        The graph, or None for every graph.
    """
    if G is None:
        _CACHE.clear()
    else:
        _CACHE.pop(G, None)


def _build(G: nx.MultiDiGraph, weight: str) -> CSRGraph:
    """Build the CSRGraph of G for one edge weight."""
    nodes = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    nodes.sort()
    n = len(nodes)
    m = G.number_of_edges()
    u = np.empty(m, np.int64)
    v = np.empty(m, np.int64)
    w = np.empty(m, np.float64)
    length = np.empty(m, np.float64)
    keys = np.empty(m, np.int64)
    for i, (a, b, k, d) in enumerate(G.edges(keys=True, data=True)):
        u[i], v[i], keys[i] = a, b, k
        val = d.get(weight)
        if val is None:
            raise InputError(
                f"edge ({a}, {b}, {k}) has no {weight!r}; build the graph with "
                "siting.network.build_network or choose another weight"
            )
        w[i] = val
        length[i] = d.get("length", np.nan)
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise InputError(f"edge weights {weight!r} must be finite and >= 0")
    ui = np.searchsorted(nodes, u)
    vi = np.searchsorted(nodes, v)
    flat = ui * n + vi
    order = np.lexsort((w, flat))  # by entry, then weight: first of each entry is the minimum
    flat_sorted = flat[order]
    first = np.ones(len(order), bool)
    first[1:] = flat_sorted[1:] != flat_sorted[:-1]
    sel = order[first]
    flat_sel = flat[sel]
    rows, cols = np.divmod(flat_sel, n)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    A = sp.csr_matrix((w[sel], cols.astype(np.int32), indptr), shape=(n, n))
    A.has_sorted_indices = True
    return CSRGraph(nodes, A, length[sel], keys[sel], flat_sel, weight)


def csr_graph(G: nx.MultiDiGraph, weight: str = "travel_time") -> CSRGraph:
    """The CSRGraph of G and weight, built once and cached while G is unchanged in size.

    Parameters
    ----------
    G
        The graph.
    weight
        Edge attribute to minimise.

    Returns
    -------
    CSRGraph
    """
    fingerprint = (len(G), G.number_of_edges())
    per_graph = _CACHE.setdefault(G, {})
    hit = per_graph.get(weight)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    g = _build(G, weight)
    per_graph[weight] = (fingerprint, g)
    return g


def _n_jobs(n_jobs: int | None) -> int:
    """Worker threads: n_jobs, or the CPU count (at most 2 by default)."""
    if n_jobs is None:
        return max(1, min(2, os.cpu_count() or 1))
    return max(1, int(n_jobs))


def _chunks(n_items: int, n_nodes: int, n_jobs: int, chunk_size: int | None) -> list[slice]:
    """Slices of sources so that one chunk's full rows fit in CHUNK_BYTES."""
    if chunk_size is None:
        chunk_size = max(1, CHUNK_BYTES // (8 * max(n_nodes, 1)))
        chunk_size = min(chunk_size, max(1, -(-n_items // n_jobs)))
    return [slice(i, min(i + chunk_size, n_items)) for i in range(0, n_items, chunk_size)]


def distances(
    g: CSRGraph,
    src: np.ndarray,
    dst: np.ndarray,
    *,
    limit: float = np.inf,
    n_jobs: int | None = None,
    chunk_size: int | None = None,
) -> np.ndarray:
    """Shortest-path weights from rows ``src`` to columns ``dst``: (len(src), len(dst)).

    Runs Dijkstra from the smaller side (on the transposed graph when there are fewer
    destinations than sources), in chunks, keeping only the requested columns.
    """
    src = np.asarray(src, np.int32)
    dst = np.asarray(dst, np.int32)
    out = np.full((len(src), len(dst)), np.inf)
    if len(src) == 0 or len(dst) == 0:
        return out
    A, rows, cols, transpose = g.matrix, src, dst, False
    if len(np.unique(dst)) < len(np.unique(src)):
        A, rows, cols, transpose = g.transposed, dst, src, True
    uniq, inverse = np.unique(rows, return_inverse=True)
    jobs = _n_jobs(n_jobs)
    parts = _chunks(len(uniq), g.n, jobs, chunk_size)
    res = np.empty((len(uniq), len(cols)))

    def run(s: slice) -> None:
        d = dijkstra(A, directed=True, indices=uniq[s], limit=limit)
        res[s] = d[:, cols]

    if jobs > 1 and len(parts) > 1:
        with ThreadPoolExecutor(jobs) as ex:
            list(ex.map(run, parts))
    else:
        for s in parts:
            run(s)
    full = res[inverse]
    return full.T.copy() if transpose else full


def trees(
    g: CSRGraph, src: Sequence[int] | np.ndarray, *, limit: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and predecessor indices (scipy's -9999 = none) from each source row."""
    d, p = dijkstra(
        g.matrix, directed=True, indices=np.asarray(src, np.int32), limit=limit,
        return_predecessors=True,
    )
    return np.atleast_2d(d), np.atleast_2d(p)
