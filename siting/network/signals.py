"""Traffic signals: read ``highway=traffic_signals`` nodes from an OSM file and mark the junctions they control."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np

__all__ = ["SIGNAL_SNAP_M", "read_signals", "mark_signals"]

# A signal node farther than this from every graph node is not charged. OSM maps a signalised
# junction as one node or as a signal node on each approach, a few metres to ~25 m before the
# stop line: snapping each to the nearest junction within 30 m counts a junction once.
SIGNAL_SNAP_M = 30.0


def read_signals(path: Path, kind: str) -> np.ndarray:
    """Lon/lat of every ``highway=traffic_signals`` node of a ``.osm.pbf`` or OSM XML file.

    Parameters
    ----------
    path
        The OSM file.
    kind
        "pbf" or "xml".

    Returns
    -------
    numpy.ndarray
        Shape (n, 2): lon, lat in degrees.
    """
    out: list[tuple[float, float]] = []
    if kind == "pbf":
        import osmium

        reader = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
            osmium.filter.TagFilter(("highway", "traffic_signals"))
        )
        for obj in reader:
            if isinstance(obj, osmium.osm.Node) and obj.location.valid():
                out.append((float(obj.location.lon), float(obj.location.lat)))
    else:
        from siting.network.osm import iter_osm_elements

        for el in iter_osm_elements(path):
            if el.tag == "node" and any(
                t.get("k") == "highway" and t.get("v") == "traffic_signals" for t in el.iter("tag")
            ):
                try:
                    out.append((float(el.get("lon", "nan")), float(el.get("lat", "nan"))))
                except ValueError:
                    continue
    arr = np.array(out, dtype=float).reshape(-1, 2)
    return arr[np.isfinite(arr).all(axis=1)]


def mark_signals(G: nx.MultiDiGraph, lonlat: np.ndarray, *, max_m: float = SIGNAL_SNAP_M) -> int:
    """Set ``traffic_signals=True`` on each graph node with a signal within ``max_m``, in place.

    Each signal marks its nearest node (an unprojected graph: ``x`` = lon, ``y`` = lat);
    signals on the approaches of one junction mark that junction once. Signals farther from
    every node (mid-block crossings on a long simplified edge) are not charged.

    Parameters
    ----------
    G
        Unprojected graph (EPSG:4326).
    lonlat
        From :func:`read_signals`.
    max_m
        Snap limit in metres.

    Returns
    -------
    int
        Number of nodes marked.
    """
    if len(lonlat) == 0 or len(G) == 0:
        return 0
    from scipy.spatial import cKDTree

    ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    lon = np.array([G.nodes[n]["x"] for n in ids], dtype=float)
    lat = np.array([G.nodes[n]["y"] for n in ids], dtype=float)
    lat0 = np.radians(np.median(lat))
    scale = np.array([6_371_000.0 * np.cos(lat0), 6_371_000.0]) * np.pi / 180.0
    tree = cKDTree(np.column_stack([lon, lat]) * scale)
    dist, pos = tree.query(lonlat * scale, k=1)
    marked = {int(ids[p]) for d, p in zip(dist, pos, strict=True) if d <= max_m}
    for n in marked:
        G.nodes[n]["traffic_signals"] = True
    return len(marked)
