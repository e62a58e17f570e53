"""GeoJSON for the page: FeatureCollections built from one vectorised coordinate read, as script-safe JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import shapely

__all__ = ["js_json", "feature_collection", "geojson_geometries", "COORD_DECIMALS"]

_SCRIPT_BREAK = re.compile(r"<(?=[/!])")
COORD_DECIMALS = 6  # about 0.1 m: more than enough for display, a third of the size of full doubles


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
