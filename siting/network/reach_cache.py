"""On-disk cache of isochrone polygons, keyed like the OD cache (and kept beside it)."""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from siting.network.csr import CSRGraph
from siting.network.od_cache import od_cache_enabled, od_key, od_load, od_store

__all__ = ["iso_key", "iso_load", "iso_store", "ISO_ENGINE"]

log = logging.getLogger(__name__)

# The source files (in siting/network/) whose code draws an isochrone: an edited one misses.
ISO_ENGINE = ("csr.py", "reach.py", "reach_cache.py", "od_cache.py")
# Bump when what an isochrone entry holds changes.
ISO_CACHE_FORMAT = 1


def _edge_weights(G: nx.MultiDiGraph, weight: str) -> np.ndarray:
    """Every edge's ``weight`` in ``G.edges`` order (parallel edges too: the CSR keeps only their minimum)."""
    succ = G._succ if isinstance(getattr(G, "_succ", None), dict) else G.succ
    return np.fromiter(
        (d.get(weight, np.nan) for nbrs in succ.values() for keyed in nbrs.values() for d in keyed.values()),
        dtype=float,
    )


def iso_key(
    G: nx.MultiDiGraph, g: CSRGraph, starts: np.ndarray, budgets: list[float], weight: str, buffer_m: float
) -> str | None:
    """The cache key of one :func:`siting.network.reach.isochrones` call, or None when it is not cached.

    The key holds what the graph was built from (``G.graph["network_key"]``: the source file's
    sha256 and every build option, hence every edge's geometry and length), the graph's CSR
    arrays (node order, topology, weights), every edge's weight (the travel profile, delivery
    window and junction delays as applied), the start nodes, the budgets, ``buffer_m``, the
    weight name, the shapely/GEOS versions and the isochrone code's own source.

    Parameters
    ----------
    G, g
        The graph and its CSR matrix of ``weight``.
    starts
        Start node ids.
    budgets
        Time budgets, sorted.
    weight
        Edge attribute.
    buffer_m
        Half-width of the band around reachable roads (m).

    Returns
    -------
    str or None
        None when the cache is off (``SITING_OD_CACHE=0``), the graph was built with
        ``cache=False`` or does not come from :func:`siting.network.build.build_network`.
    """
    network_key = G.graph.get("network_key")
    if not od_cache_enabled() or G.graph.get("cache") == "off" or not isinstance(network_key, str):
        return None
    arrays = {
        "node_ids": g.node_ids,
        "indptr": g.matrix.indptr,
        "indices": g.matrix.indices,
        "data": g.matrix.data,
        "edge_weights": _edge_weights(G, weight),
        "starts": np.asarray(starts, dtype=np.int64),
        "budgets": np.asarray(budgets, dtype=float),
    }
    options = {
        "kind": "isochrones",
        "format": ISO_CACHE_FORMAT,
        "network_key": network_key,
        "weight": weight,
        "buffer_m": float(buffer_m),
        "shapely": metadata.version("shapely"),
        "geos": shapely.geos_version_string,
    }
    return od_key(arrays, options, engine=ISO_ENGINE)


def iso_load(key: str, crs: Any) -> gpd.GeoDataFrame | None:
    """The isochrones stored under ``key``, or None on a miss (or an unreadable entry, logged).

    Parameters
    ----------
    key
        From :func:`iso_key`.
    crs
        The graph's CRS (the polygons' coordinates are stored, not the CRS).

    Returns
    -------
    geopandas.GeoDataFrame or None
        As :func:`siting.network.reach.isochrones` built it, polygon vertex for vertex.
    """
    arrays = od_load(key)
    if arrays is None:
        return None
    try:
        node, time_s, reachable, wkb, ends = arrays
        starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
        blobs = [wkb[a:b].tobytes() for a, b in zip(starts.tolist(), ends.tolist())]
        geoms = shapely.from_wkb(np.asarray(blobs, dtype=object))
        if len(geoms) != len(node) or len(time_s) != len(node) or len(reachable) != len(node):
            raise ValueError("columns of different lengths")
        out = gpd.GeoDataFrame(
            {
                "node": node.astype(np.int64),
                "time_s": time_s.astype(float),
                "reachable_nodes": reachable.astype(np.int64),
            },
            geometry=list(geoms),
            crs=crs,
        )
    except Exception as exc:  # a damaged entry (wrong arrays, bad WKB) is a miss, drawn again and overwritten
        log.warning("isochrone cache entry %s is unreadable (%s: %s); drawing it again", key, type(exc).__name__, exc)
        return None
    return out


def iso_store(key: str, iso: gpd.GeoDataFrame) -> None:
    """Store isochrones under ``key`` (atomically, beside the OD entries; an unwritable folder is skipped).

    Parameters
    ----------
    key
        From :func:`iso_key`.
    iso
        From :func:`siting.network.reach.isochrones`.
    """
    blobs = shapely.to_wkb(iso.geometry.to_numpy())
    wkb = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    ends = np.cumsum([len(b) for b in blobs], dtype=np.int64)
    od_store(
        key,
        (
            iso["node"].to_numpy(np.int64),
            iso["time_s"].to_numpy(float),
            iso["reachable_nodes"].to_numpy(np.int64),
            wkb,
            ends,
        ),
    )
