"""The geometry of one network edge, oriented in travel direction (the one function route and snap code share)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import shapely

__all__ = ["edge_coords", "edges_coords"]


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


def edges_coords(
    G: nx.MultiDiGraph, u: Sequence[int], v: Sequence[int], data: Sequence[Mapping[str, Any]]
) -> list[np.ndarray]:
    """:func:`edge_coords` of many edges at once (the same arrays, built with one GEOS call).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Nodes carry ``x`` and ``y``.
    u, v : sequence of int
        The edges' end nodes.
    data : sequence of mappings
        Their attributes.

    Returns
    -------
    list of numpy.ndarray
        One (n, 2) array per edge, the first point nearest its u.
    """
    nodes = G.nodes
    pu = np.array([(nodes[a]["x"], nodes[a]["y"]) for a in u], dtype=float).reshape(-1, 2)
    pv = np.array([(nodes[b]["x"], nodes[b]["y"]) for b in v], dtype=float).reshape(-1, 2)
    geoms = np.array([d.get("geometry") for d in data] + [None], dtype=object)[:-1]  # 1-D even if all None
    drawn = np.flatnonzero(~shapely.is_missing(geoms))
    drawn = drawn[~shapely.is_empty(geoms[drawn])]
    out = [np.array([a, b]) for a, b in zip(pu, pv)]
    if drawn.size:
        xy, which = shapely.get_coordinates(geoms[drawn], return_index=True)
        counts = np.bincount(which, minlength=drawn.size)
        ends = np.cumsum(counts)
        starts = ends - counts
        p0 = pu[drawn]
        flip = np.hypot(*(xy[starts] - p0).T) > np.hypot(*(xy[ends - 1] - p0).T)
        for i, a, b, f in zip(drawn.tolist(), starts.tolist(), ends.tolist(), flip.tolist()):
            out[i] = xy[a:b][::-1] if f else xy[a:b]
    return out
