"""The CSR form of a graph per weight (cached) and chunked, column-selective Dijkstra on it."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from siting.errors import InputError
from siting.forked import can_fork, worker_pool
from siting.network.cache import _collector_paused
from siting.workers import n_workers

__all__ = [
    "CSRGraph",
    "csr_graph",
    "clear_cache",
    "distances",
    "trees",
    "tree_lengths",
    "spatial_order",
    "min_weight_matrix",
]

# Memory budget of one chunk of full Dijkstra rows (bytes); each worker holds one chunk.
CHUNK_BYTES = 64 * 2**20
# Below this many (source x node) pairs a process pool costs more than it saves.
PARALLEL_MIN_WORK = 8_000_000


@dataclass(frozen=True, eq=False)
class CSRGraph:
    """A graph as a CSR matrix of one weight (minimum over parallel edges).

    Rows are numbered in a spatially local order (a Morton curve over node coordinates)
    so that Dijkstra touches nearby memory: on large graphs this is markedly faster.

    Attributes
    ----------
    node_ids
        Graph node id of each matrix row.
    matrix
        n x n CSR matrix; explicit zeros are kept (scipy treats them as edges).
    lengths
        ``length`` of the edge behind each stored entry (aligned with ``matrix.data``).
    edge_keys
        Multigraph key of the edge behind each stored entry.
    flat
        ``row * n + col`` of each stored entry, sorted (for edge look-ups).
    """

    node_ids: np.ndarray
    matrix: sp.csr_matrix
    lengths: np.ndarray
    edge_keys: np.ndarray
    flat: np.ndarray
    weight: str
    _sorted_ids: np.ndarray = field(repr=False)
    _sorted_rows: np.ndarray = field(repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def transposed(self) -> sp.csr_matrix:
        """The reversed graph as CSR (built once)."""
        if "T" not in self._memo:
            self._memo["T"] = self.matrix.T.tocsr()
        return self._memo["T"]

    def index(self, node_ids: Any, what: str = "node") -> np.ndarray:
        """Matrix rows of node ids; InputError naming the ids not in the graph."""
        ids = np.asarray(node_ids, dtype=np.int64).ravel()
        pos = np.minimum(np.searchsorted(self._sorted_ids, ids), self.n - 1)
        bad = self._sorted_ids[pos] != ids
        if bad.any():
            missing = ids[bad][:10].tolist()
            raise InputError(
                f"{int(bad.sum())} {what} id(s) are not in the graph, e.g. {missing}; "
                "snap points to the graph with siting.network.snap first"
            )
        return self._sorted_rows[pos]

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


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """Interleave zeros between the low 16 bits of v (for Morton codes)."""
    v = v.astype(np.uint64) & np.uint64(0xFFFF)
    for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def spatial_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A permutation that sorts points along a Morton (Z-order) curve.

    Parameters
    ----------
    x, y
        Coordinates.

    Returns
    -------
    numpy.ndarray
        Indices into x, y in curve order.
    """

    def q(a: np.ndarray) -> np.ndarray:
        span = float(a.max() - a.min()) or 1.0
        return ((a - a.min()) / span * 65535.0).astype(np.uint64)

    code = _spread_bits(q(x)) | (_spread_bits(q(y)) << np.uint64(1))
    return np.argsort(code, kind="stable")


def _build(G: nx.MultiDiGraph, weight: str) -> CSRGraph:
    """Build the CSRGraph of G for one edge weight."""
    ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    xy = [(d.get("x"), d.get("y")) for _, d in G.nodes(data=True)]
    if ids.size and all(isinstance(a, (int, float)) and isinstance(b, (int, float)) for a, b in xy):
        arr = np.asarray(xy, dtype=float)
        node_ids = ids[spatial_order(arr[:, 0], arr[:, 1])]
    else:
        node_ids = np.sort(ids)
    n = len(node_ids)
    sorted_pos = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[sorted_pos]
    sorted_rows = sorted_pos.astype(np.int32)
    m = len(G.edges)
    with _collector_paused():  # a tuple per edge, no cycles: the collector's passes nearly doubled this
        edges = list(G.edges(keys=True, data=True))
    u = np.fromiter((e[0] for e in edges), np.int64, count=m)
    v = np.fromiter((e[1] for e in edges), np.int64, count=m)
    keys = np.fromiter((e[2] for e in edges), np.int64, count=m)
    missing = [e[:3] for e in edges if e[3].get(weight) is None]
    if missing:
        raise InputError(
            f"{len(missing)} edge(s) have no {weight!r}, e.g. {missing[0]}; build the graph "
            "with siting.network.build_network or choose another weight"
        )
    w = np.fromiter((e[3][weight] for e in edges), np.float64, count=m)
    length = np.fromiter((e[3].get("length", np.nan) for e in edges), np.float64, count=m)
    del edges
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise InputError(f"edge weights {weight!r} must be finite and >= 0")

    def rows_of(a: np.ndarray) -> np.ndarray:
        return sorted_rows[np.searchsorted(sorted_ids, a)].astype(np.int64)

    flat = rows_of(u) * n + rows_of(v)
    A, sel = min_weight_matrix(flat, w, n)
    return CSRGraph(node_ids, A, length[sel], keys[sel], flat[sel], weight, sorted_ids, sorted_rows)


def min_weight_matrix(flat: np.ndarray, w: np.ndarray, n: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """The (n, n) CSR matrix of entries ``flat = row * n + col`` keeping the least weight of repeats.

    Parameters
    ----------
    flat
        int64 entry of each edge.
    w
        Its weight.
    n
        Matrix size.

    Returns
    -------
    (scipy.sparse.csr_matrix, numpy.ndarray)
        The matrix (sorted indices) and the edge kept for each stored entry, in storage order.
    """
    order = np.lexsort((w, flat))  # by entry, then weight: first of each entry is the minimum
    flat_sorted = flat[order]
    first = np.ones(len(order), bool)
    first[1:] = flat_sorted[1:] != flat_sorted[:-1]
    sel = order[first]
    rows, cols = np.divmod(flat[sel], n)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    A = sp.csr_matrix((w[sel], cols.astype(np.int32), indptr.astype(np.int32)), shape=(n, n))
    A.has_sorted_indices = True
    return A, sel


def _fingerprint(G: nx.MultiDiGraph) -> tuple[int, int]:
    """Nodes and adjacent node pairs of G: O(nodes) on the plain adjacency dicts.

    Read from networkx's ``_adj`` (dict of dicts) rather than the ``G.adj`` view, whose per-node
    view objects made this check cost 30 ms a call on Malta (it runs before every OD).
    """
    adj = getattr(G, "_adj", None)
    if not isinstance(adj, dict):
        adj = G.adj
    return len(G), sum(map(len, adj.values()))


def csr_graph(G: nx.MultiDiGraph, weight: str = "travel_time") -> CSRGraph:
    """The CSRGraph of G and weight, built once and cached while G is unchanged in size.

    The cache notices added or removed nodes and node pairs; after changing edge
    attributes or parallel edges in place, call :func:`clear_cache`.

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
    fingerprint = _fingerprint(G)
    per_graph = _CACHE.setdefault(G, {})
    hit = per_graph.get(weight)
    if hit is not None and hit[0] == fingerprint:
        return hit[1]
    g = _build(G, weight)
    per_graph[weight] = (fingerprint, g)
    return g


def _n_jobs(n_jobs: int | None) -> int:
    """Worker processes: n_jobs, or :func:`n_workers`."""
    if n_jobs is None:
        return n_workers()
    return max(1, int(n_jobs))


def _chunks(n_items: int, n_nodes: int, n_jobs: int) -> list[slice]:
    """Slices of sources so that one chunk's full rows fit in CHUNK_BYTES."""
    size = max(1, CHUNK_BYTES // (8 * max(n_nodes, 1)))
    size = min(size, max(1, -(-n_items // n_jobs)))
    return [slice(i, min(i + size, n_items)) for i in range(0, n_items, size)]


# scipy's Dijkstra holds the GIL for the whole call (measured), so threads do not run it
# in parallel; forked worker processes inherit the matrix without copying it.
_JOB: dict[str, Any] = {}
_JOB_LOCK = threading.Lock()


def _ancestors(pred: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Flat (row * n + node) mask of the given columns and every tree node above them."""
    r, n = pred.shape
    flat_pred = pred.ravel()
    need = np.zeros(r * n, bool)
    front = (np.arange(r, dtype=np.int64)[:, None] * n + np.asarray(cols, np.int64)[None, :]).ravel()
    stamp = np.empty(r * n, np.int64)
    while front.size:
        front = front[~need[front]]
        stamp[front] = np.arange(front.size)
        front = front[stamp[front] == np.arange(front.size)]  # each node once
        need[front] = True
        front = front[flat_pred[front] >= 0]
        front = (front // n) * n + flat_pred[front]
    return need


def tree_lengths(g: CSRGraph, pred: np.ndarray, *, reverse: bool = False, cols: np.ndarray | None = None) -> np.ndarray:
    """Length (m) of the tree path to every node, by pointer jumping over predecessors.

    Parameters
    ----------
    g
        The CSRGraph the predecessors come from.
    pred
        (rows, n) predecessor rows from scipy (negative = none).
    reverse
        The predecessors come from Dijkstra on the transposed matrix (paths into the
        sources): tree edge pred -> node is the graph's edge node -> pred.
    cols
        Only these columns are wanted: the sums run over their tree paths alone (same
        additions in the same order, so the same values); other entries are left 0.

    Returns
    -------
    numpy.ndarray
        (rows, n) float64 path lengths (0 at the source and where unreachable).
    """
    r, n = pred.shape
    flat_pred = pred.ravel()
    has_pred = flat_pred >= 0
    if cols is not None:
        has_pred &= _ancestors(pred, cols)
    active = np.flatnonzero(has_pred)
    acc = np.zeros(r * n)
    heads = (active % n).astype(np.int64)
    tails = flat_pred[active].astype(np.int64)
    acc[active] = g.lengths[g.entry(heads, tails) if reverse else g.entry(tails, heads)]
    up = np.full(r * n, -1, np.int64)
    up[active] = (active // n) * n + flat_pred[active]
    while active.size:  # each round doubles the stretch of path summed into acc
        above = up[active]
        new_acc = acc[active] + acc[above]
        new_up = up[above]
        acc[active] = new_acc
        up[active] = new_up
        active = active[new_up >= 0]
    return acc.reshape(r, n)


def _run_chunk(s: slice) -> Any:
    """Dijkstra from one chunk of sources, keeping only the requested columns."""
    A, rows, cols, limit, g, transpose = _JOB["args"]
    if g is None:
        return dijkstra(A, directed=True, indices=rows[s], limit=limit)[:, cols]
    d, p = dijkstra(A, directed=True, indices=rows[s], limit=limit, return_predecessors=True)
    lengths = np.where(np.isfinite(d), tree_lengths(g, p, reverse=transpose, cols=cols), np.inf)
    return d[:, cols], lengths[:, cols]


def distances(
    g: CSRGraph,
    src: np.ndarray,
    dst: np.ndarray,
    *,
    limit: float = np.inf,
    n_jobs: int | None = None,
    with_lengths: bool = False,
) -> Any:
    """Shortest-path weights from rows ``src`` to columns ``dst``: (len(src), len(dst)).

    Runs Dijkstra from the smaller side (on the transposed graph when there are fewer
    destinations than sources), once per distinct source, in chunks whose full rows fit
    in CHUNK_BYTES, keeping only the requested columns. Large jobs run on ``n_jobs``
    forked processes (Linux). With ``with_lengths``, a second matrix holds the ``length``
    of each path found (summed along the reversed trees when run on the transposed graph).
    """
    src = np.asarray(src, np.int32)
    dst = np.asarray(dst, np.int32)
    shape = (len(src), len(dst))
    if len(src) == 0 or len(dst) == 0:
        empty = np.full(shape, np.inf)
        return (empty, empty.copy()) if with_lengths else empty
    A, rows, cols, transpose = g.matrix, src, dst, False
    if len(np.unique(dst)) < len(np.unique(src)):
        A, rows, cols, transpose = g.transposed, dst, src, True
    uniq, inverse = np.unique(rows, return_inverse=True)
    jobs = _n_jobs(n_jobs)
    row_bytes = 8 * g.n * (5 if with_lengths else 1)  # predecessors + pointer jumping
    parts = _chunks(len(uniq), row_bytes // 8, jobs)
    work = len(uniq) * g.n * (3 if with_lengths else 1)
    parallel = jobs > 1 and len(parts) > 1 and work >= PARALLEL_MIN_WORK and can_fork()
    res = [np.empty((len(uniq), len(cols))) for _ in range(2 if with_lengths else 1)]

    def put(s: slice, block: Any) -> None:
        for out, b in zip(res, block if with_lengths else (block,)):
            out[s] = b

    with _JOB_LOCK:
        _JOB["args"] = (A, uniq, cols, limit, g if with_lengths else None, transpose)
        try:
            if parallel:
                with worker_pool(jobs) as ex:
                    for s, block in zip(parts, ex.map(_run_chunk, parts)):
                        put(s, block)
            else:
                for s in parts:
                    put(s, _run_chunk(s))
        finally:
            _JOB.clear()
    full = [r[inverse] for r in res]
    if transpose:
        full = [f.T.copy() for f in full]
    return (full[0], full[1]) if with_lengths else full[0]


def trees(g: CSRGraph, src: Sequence[int] | np.ndarray, *, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Distances and predecessor rows (scipy's -9999 = none) from each source row."""
    d, p = dijkstra(
        g.matrix,
        directed=True,
        indices=np.asarray(src, np.int32),
        limit=limit,
        return_predecessors=True,
    )
    return np.atleast_2d(d), np.atleast_2d(p)
