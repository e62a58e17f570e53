"""Sea and inland water from an OSM extract: the areas an access leg may not cross."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["WATER_SOURCE", "WATER_TOLERANCE_M", "read_water", "water_in_crs", "deep_water", "crosses_water"]

log = logging.getLogger("siting")

#: What counts as water, for provenance in ``G.graph["water_source"]``.
WATER_SOURCE = (
    "OSM natural=coastline ways (closed rings, land on their left; the sea is the extract's bounding box "
    "less the land) plus natural=water, water=* and waterway=riverbank areas (ways and multipolygons)"
)

#: How far off the drawn shore (m) a point may lie, or an access leg run, before it counts as in water:
#: OSM coastlines and shop points are drawn to a few metres, so a shop on a quay may sit just off the
#: drawn coast. A harbour, a strait or a lake is far wider than twice this.
WATER_TOLERANCE_M = 10.0

_LAND_PAD_M = 1_000_000.0


def _is_water_area(tags: Any) -> bool:
    return tags.get("natural") == "water" or "water" in tags or tags.get("waterway") == "riverbank"


def read_water(path: str | Path) -> dict[str, Any]:
    """The land and water of a local OSM file (``.osm.pbf`` or XML), in EPSG:4326.

    Closed coastline rings drawn anticlockwise (land on the left, as OSM draws them) are land;
    rings drawn clockwise are water inside land. Coastline chains cut open by the extract's
    edge cannot say which side is sea and are left out (counted in ``open_coastlines``).

    Parameters
    ----------
    path
        The OSM file.

    Returns
    -------
    dict
        ``water`` (shapely geometry of sea plus inland water, lon/lat; empty when the extract
        has neither), ``sea`` (bool: whether a coastline was found), ``inland_areas`` and
        ``open_coastlines`` (counts).
    """
    import osmium
    from osmium.geom import WKBFactory

    wkb = WKBFactory()
    coast: list[BaseGeometry] = []
    inland: list[BaseGeometry] = []
    area_filter = osmium.filter.KeyFilter("natural", "water", "waterway")
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(area_filter)
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY | osmium.osm.AREA))
    )
    for obj in processor:
        try:
            if isinstance(obj, osmium.osm.Way):
                if obj.tags.get("natural") == "coastline" and len(obj.nodes) >= 2:
                    coast.append(shapely.from_wkb(wkb.create_linestring(obj)))
            elif isinstance(obj, osmium.osm.Area) and _is_water_area(obj.tags):
                inland.append(shapely.from_wkb(wkb.create_multipolygon(obj)))
        except (RuntimeError, osmium.InvalidLocationError):  # a way or relation with nodes missing from a cut extract
            continue
    land: list[BaseGeometry] = []
    holes: list[BaseGeometry] = []
    n_open = 0
    if coast:
        merged = shapely.line_merge(shapely.union_all(coast))
        for chain in getattr(merged, "geoms", [merged]):
            if not chain.is_closed or len(chain.coords) < 4:
                n_open += 1
                continue
            ring = shapely.LinearRing(chain.coords)
            (land if ring.is_ccw else holes).append(shapely.Polygon(ring).buffer(0))
    if n_open:
        log.warning("%s: %d coastline chains are cut by the extract's edge and not used as sea", path, n_open)
    parts: list[BaseGeometry] = []
    if land:
        land_geom = shapely.difference(shapely.union_all(land), shapely.union_all(holes))
        xmin, ymin, xmax, ymax = land_geom.bounds
        pad = max(xmax - xmin, ymax - ymin, 0.1)  # degrees: the sea reaches well past the coast
        frame = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
        parts.append(shapely.difference(frame, land_geom))
    parts.extend(g for g in inland if g is not None and not g.is_empty)
    water = shapely.union_all(shapely.make_valid(np.asarray(parts, dtype=object))) if parts else shapely.Polygon()
    return {"water": water, "sea": bool(land), "inland_areas": len(inland), "open_coastlines": n_open}


def water_in_crs(water: BaseGeometry, crs: Any) -> BaseGeometry:
    """Reproject a lon/lat water geometry to ``crs`` (a graph's projected CRS).

    Parameters
    ----------
    water
        From :func:`read_water`.
    crs
        The target CRS.

    Returns
    -------
    shapely geometry
    """
    import pyproj

    if water.is_empty:
        return water
    tf = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return shapely.transform(water, lambda xy: np.column_stack(tf.transform(xy[:, 0], xy[:, 1])))


def _subdivide(geom: BaseGeometry, max_coords: int, out: list[BaseGeometry]) -> None:
    """Cut ``geom`` in halves of its bounding box until each piece has at most ``max_coords`` vertices."""
    if geom.is_empty:
        return
    if shapely.get_num_coordinates(geom) <= max_coords:
        out.extend(g for g in shapely.get_parts(geom) if not g.is_empty and g.area > 0)
        return
    x0, y0, x1, y1 = geom.bounds
    if x1 - x0 >= y1 - y0:
        xm = (x0 + x1) / 2
        halves = (shapely.box(x0, y0, xm, y1), shapely.box(xm, y0, x1, y1))
    else:
        ym = (y0 + y1) / 2
        halves = (shapely.box(x0, y0, x1, ym), shapely.box(x0, ym, x1, y1))
    for half in halves:
        _subdivide(shapely.intersection(geom, half), max_coords, out)


def deep_water(water: BaseGeometry | None, tolerance_m: float) -> dict[str, Any] | None:
    """The water farther than ``tolerance_m`` from every shore, and the dry land between it.

    Parameters
    ----------
    water
        The graph's water geometry (metric CRS), or None.
    tolerance_m
        How far a point may lie off the drawn shore, or a leg run along it, before it counts
        as being in water.

    Returns
    -------
    dict or None
        ``tolerance_m``; ``parts``, the shrunk water cut into pieces of at most 256 vertices
        (an index over them answers "does this leg enter water" in microseconds where one
        sea polygon with every island as a hole takes milliseconds); ``land``, the connected
        pieces of dry land (islands, each with its lakes as holes). None when there is no
        water to avoid.
    """
    if water is None or water.is_empty:
        return None
    deep = water.buffer(-tolerance_m) if tolerance_m > 0 else water
    if deep.is_empty:
        return None
    parts: list[BaseGeometry] = []
    _subdivide(deep, 256, parts)
    xmin, ymin, xmax, ymax = water.bounds
    pad = _LAND_PAD_M  # land reaches past the water's frame: roads and points beyond inland lakes
    dry = shapely.difference(shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad), deep)
    return {
        "tolerance_m": float(tolerance_m),
        "parts": np.asarray(parts, dtype=object),
        "land": np.asarray(shapely.get_parts(dry), dtype=object),
    }


def crosses_water(legs: np.ndarray, parts_tree: shapely.STRtree | None) -> np.ndarray:
    """Whether each straight access leg enters water farther than the tolerance from shore.

    Parameters
    ----------
    legs
        Array of LineStrings in the graph's metric CRS.
    parts_tree
        An STRtree over ``deep_water(...)["parts"]``, or None.

    Returns
    -------
    numpy.ndarray of bool
    """
    out = np.zeros(len(legs), dtype=bool)
    if parts_tree is None or not len(legs):
        return out
    hit, _ = parts_tree.query(legs, predicate="intersects")
    out[hit] = True
    return out
