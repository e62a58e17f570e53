"""Reader for Beasley's OR-Library p-median instances (pmed1..pmed40) into a cost matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import shortest_path

__all__ = ["read_orlib_pmed"]


def read_orlib_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an OR-Library ``pmedN.txt`` file; return (all-pairs shortest-path cost (n, n), p).

    Edge lines are applied in order, so when a pair is listed twice the LAST cost wins (the
    OR-Library rule; taking the minimum gives different optima). The graph is undirected.
    """
    tokens = Path(path).read_text().split()
    n, m, p = (int(t) for t in tokens[:3])
    edges: dict[tuple[int, int], float] = {}
    vals = tokens[3 : 3 + 3 * m]
    for k in range(m):
        i, j, c = int(vals[3 * k]) - 1, int(vals[3 * k + 1]) - 1, float(vals[3 * k + 2])
        edges[(min(i, j), max(i, j))] = c
    a = np.full((n, n), np.inf)
    for (i, j), c in edges.items():
        a[i, j] = a[j, i] = c
    np.fill_diagonal(a, 0.0)
    dist = shortest_path(a, method="FW", directed=False)
    return dist, p
