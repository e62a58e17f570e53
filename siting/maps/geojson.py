"""GeoJSON for the page: FeatureCollections built from one vectorised coordinate read, as script-safe JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import shapely

__all__ = [
    "js_json",
    "feature_collection",
    "packed_lines",
    "packed_polygons",
    "geojson_geometries",
    "COORD_DECIMALS",
    "PACKED_DECIMALS",
]

_SCRIPT_BREAK = re.compile(r"<(?=[/!])")
COORD_DECIMALS = 6  # about 0.1 m: more than enough for display, a third of the size of full doubles
PACKED_DECIMALS = 5  # about 1.1 m (latitude): what packed lines keep


def js_json(obj: Any) -> str:
    """JSON that is safe to paste inside a ``<script>`` element.

    Inside a script element only ``</`` (which could close it) and ``<!`` (which could open
    an HTML comment, changing how ``</script`` is read) matter to the HTML parser, so only
    a ``<`` before ``/`` or ``!`` is escaped (``\\u003c``), with the JavaScript line
    separators U+2028/U+2029; popup HTML keeps its other ``<`` and ``>`` as they are,
    which keeps large maps small.
    """
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = _SCRIPT_BREAK.sub("\\\\u003c", text)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def feature_collection(geoms: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of lon/lat shapely geometries rounded to ``COORD_DECIMALS``.

    Missing or empty geometries are dropped together with their properties. The coordinates
    are read in one vectorised pass (see :func:`geojson_geometries`).
    """
    geoms = np.asarray(geoms, dtype=object)
    kept = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    geometries = geojson_geometries(geoms[kept], COORD_DECIMALS)
    feats = [{"type": "Feature", "geometry": g, "properties": props[i]} for g, i in zip(geometries, kept.tolist())]
    return {"type": "FeatureCollection", "features": feats}


_VECTOR_TYPES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon"}


def geojson_geometries(geoms: np.ndarray, decimals: int) -> list[dict[str, Any]]:
    """GeoJSON geometry mappings of non-empty shapely geometries, coordinates rounded to ``decimals``.

    Equal to ``shapely.geometry.mapping`` of each geometry after ``np.round`` of its coordinates
    (as JSON: lists where shapely gives tuples), built from one ``shapely.get_coordinates`` call
    instead of a Python walk over every coordinate. Geometry collections, linear rings, 3-D
    geometries and multi-geometries with an empty part take shapely's own path.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        None and empty geometries are not allowed (drop them first).
    decimals : int
        Decimals kept (``np.round``).

    Returns
    -------
    list of dict
        One ``{"type": ..., "coordinates": ...}`` per geometry, in order.
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    odd = ~np.isin(types, list(_VECTOR_TYPES)) | shapely.has_z(geoms)
    odd[part_owner[shapely.is_empty(parts)]] = True  # e.g. a MultiPolygon holding an empty polygon
    fast = ~odd[part_owner]
    parts, part_owner = parts[fast], part_owner[fast]
    polygon = shapely.get_type_id(parts) == 3
    # leaves: each ring of a polygon part, else the part itself (a point or a line), in order
    rings, ring_owner = shapely.get_rings(parts[polygon], return_index=True)
    n_leaves = np.where(polygon, 0, 1)
    n_leaves[polygon] = np.bincount(ring_owner, minlength=int(polygon.sum()))
    leaves = np.empty(int(n_leaves.sum()), dtype=object)
    leaf_of_part = np.repeat(np.arange(len(parts)), n_leaves)
    leaves[~polygon[leaf_of_part]] = parts[~polygon]
    leaves[polygon[leaf_of_part]] = rings
    coords = np.round(shapely.get_coordinates(leaves), decimals).tolist()
    ends = np.cumsum(shapely.get_num_coordinates(leaves)).tolist()
    sequences = [coords[a:b] for a, b in zip([0, *ends[:-1]], ends)]
    # group leaves into parts, and parts into geometries
    part_ends = np.cumsum(n_leaves).tolist()
    part_coords = [
        sequences[a:b] if is_polygon else sequences[a]
        for a, b, is_polygon in zip([0, *part_ends[:-1]], part_ends, polygon.tolist())
    ]
    out: list[dict[str, Any]] = []
    j = 0
    owners = part_owner.tolist()
    for i, (type_id, slow) in enumerate(zip(types.tolist(), odd.tolist())):
        if slow:
            rounded = shapely.transform(geoms[i], lambda xy: np.round(xy, decimals))
            out.append(shapely.geometry.mapping(rounded))
            continue
        start = j
        while j < len(owners) and owners[j] == i:
            j += 1
        mine = part_coords[start:j]
        if type_id == 0:
            value: Any = mine[0][0]
        elif type_id == 4:
            value = [p[0] for p in mine]
        elif type_id in (1, 3):
            value = mine[0]
        else:
            value = mine
        out.append({"type": _VECTOR_TYPES[type_id], "coordinates": value})
    return out


def packed_lines(geoms: np.ndarray, props: list[dict[str, Any]], decimals: int = PACKED_DECIMALS) -> dict[str, Any]:
    """Lines packed as one prefix tree of integer coordinates, for the page to unpack (``siting.unpack``).

    Routes from one site share their first stretch of road; tours leave and come back along the same
    roads. Each line's vertices, rounded to ``decimals`` (integers at scale ``10**decimals``), are
    inserted into a tree whose nodes are (parent, vertex): a line is the path from a root to its
    last node, and lines with a common start share those nodes. Each node is written as three
    integers (node - parent, dx, dy from the parent; a root has 0 and its own coordinates), so
    most nodes take a few characters instead of about 20 in GeoJSON.

    Parameters
    ----------
    geoms : ndarray of shapely LineStrings
        In lon/lat; missing or empty ones are dropped with their properties. Anything but a
        LineString falls back to :func:`feature_collection`.
    props : list of dict
        The features' properties.
    decimals : int
        Decimals kept.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "s": scale, "t": [...], "features": [{"e": node,
        "properties": ...}, ...]}``; a plain FeatureCollection when a geometry is not a LineString.
    """
    geoms = np.asarray(geoms, dtype=object)
    kept = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    lines = geoms[kept]
    if not len(lines) or (shapely.get_type_id(lines) != 1).any() or shapely.has_z(lines).any():
        return feature_collection(geoms, props)
    scale = 10**decimals
    xy = np.rint(shapely.get_coordinates(lines) * scale).astype(np.int64)
    ends = np.cumsum(shapely.get_num_coordinates(lines)).tolist()
    children: dict[tuple[int, int, int], int] = {}
    parent: list[int] = []
    coords: list[tuple[int, int]] = []
    last: list[int] = []
    start = 0
    for end in ends:
        node = -1
        for x, y in xy[start:end].tolist():
            if node >= 0 and coords[node] == (x, y):
                continue  # a repeated vertex
            key = (node, x, y)
            nxt = children.get(key)
            if nxt is None:
                nxt = children[key] = len(coords)
                parent.append(node)
                coords.append((x, y))
            node = nxt
        last.append(node)
        start = end
    flat: list[int] = []
    for i, (p, (x, y)) in enumerate(zip(parent, coords)):
        if p < 0:
            flat += [0, x, y]
        else:
            px, py = coords[p]
            flat += [i - p, x - px, y - py]
    feats = [{"e": e, "properties": props[i]} for e, i in zip(last, kept.tolist())]
    return {"type": "FeatureCollection", "s": scale, "t": flat, "features": feats}


def packed_polygons(geoms: np.ndarray, props: list[dict[str, Any]], decimals: int = PACKED_DECIMALS) -> dict[str, Any]:
    """Polygons with their rings as integer deltas, for the page to unpack (``siting.unpack``).

    Each ring is written as ``[x0, y0, dx1, dy1, ...]`` in units of ``10**-decimals`` degrees
    (repeated vertices dropped), so a vertex takes a few characters instead of about 20.

    Parameters
    ----------
    geoms : ndarray of shapely Polygons or MultiPolygons
        In lon/lat; missing or empty ones are dropped with their properties. Anything else
        falls back to :func:`feature_collection`.
    props : list of dict
    decimals : int

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "s": scale, "features": [{"g": [[ring, ...], ...],
        "properties": ...}, ...]}`` (one list of rings per polygon part).
    """
    geoms = np.asarray(geoms, dtype=object)
    kept = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(kept) or not np.isin(shapely.get_type_id(geoms[kept]), (3, 6)).all():
        return feature_collection(geoms, props)
    scale = 10**decimals
    parts, part_owner = shapely.get_parts(geoms[kept], return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy = np.rint(shapely.get_coordinates(rings) * scale).astype(np.int64)
    ring_of = np.repeat(np.arange(len(rings)), shapely.get_num_coordinates(rings))
    first = np.r_[True, ring_of[1:] != ring_of[:-1]]
    delta = np.where(first[:, None], xy, xy - np.roll(xy, 1, axis=0))
    keep = first | np.any(delta != 0, axis=1)  # a vertex repeating the one before it is dropped
    # (its successor's delta is then taken from the same point: equal, as it repeated it)
    delta, ring_of = delta[keep], ring_of[keep]
    n_kept = np.bincount(ring_of, minlength=len(rings))
    flat = delta.ravel().tolist()
    ends = np.cumsum(2 * n_kept).tolist()
    ring_lists = [flat[a:b] for a, b in zip([0, *ends[:-1]], ends)]
    by_part: list[list[list[int]]] = [[] for _ in range(len(parts))]
    for r, (p, n) in enumerate(zip(ring_part.tolist(), n_kept.tolist())):
        if n >= 4:  # a ring smaller than the rounding is left out
            by_part[p].append(ring_lists[r])
    by_geom: list[list[list[list[int]]]] = [[] for _ in range(len(kept))]
    for p, owner in enumerate(part_owner.tolist()):
        if by_part[p]:
            by_geom[owner].append(by_part[p])
    feats = [{"g": g, "properties": props[i]} for g, i in zip(by_geom, kept.tolist()) if g]
    return {"type": "FeatureCollection", "s": scale, "features": feats}
