"""The geometry of one network edge, oriented in travel direction (the one function route and snap code share)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import shapely

__all__ = ["edge_coords"]


def edge_coords(G: nx.MultiDiGraph, u: int, v: int, data: Mapping[str, Any]) -> np.ndarray:
    """Coordinates of edge ``(u, v)`` with attributes ``data``, from u to v (straight where it has no geometry).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Nodes carry ``x`` and ``y``.
    u, v : int
        The edge's end nodes.
    data : mapping
        The edge's attributes (``geometry`` optional; osmnx may store it in either direction).

    Returns
    -------
    numpy.ndarray
        (n, 2) coordinates, the first nearest u.
    """
    pu = (G.nodes[u]["x"], G.nodes[u]["y"])
    pv = (G.nodes[v]["x"], G.nodes[v]["y"])
    geom = data.get("geometry")
    if geom is None or geom.is_empty:
        return np.array([pu, pv], dtype=float)
    xy = shapely.get_coordinates(geom)
    if np.hypot(*(xy[0] - pu)) > np.hypot(*(xy[-1] - pu)):
        xy = xy[::-1]
    return xy
