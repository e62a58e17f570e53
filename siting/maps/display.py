"""Layer geometry for display: empty rows dropped, simplified in metres, reprojected to lon/lat and rounded."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from siting.errors import InputError, NoCrsError

__all__ = ["prepare", "simplify_for_display", "metric_crs"]


def metric_crs(gdf: gpd.GeoDataFrame) -> Any:
    """The layer's own CRS if projected, else its UTM zone (pyproj CRS)."""
    return gdf.crs if gdf.crs.is_projected else gdf.estimate_utm_crs()


def prepare(gdf: gpd.GeoDataFrame, layer: str, *, simplify_m: float) -> gpd.GeoDataFrame:
    """Drop empty geometries, simplify lines/polygons in metres and reproject to EPSG:4326.

    Lines and polygons are simplified by :func:`simplify_for_display`. From a tolerance of 5 m up,
    coordinates are rounded to 5 decimals (about 1.1 m) and repeated points dropped from lines;
    below, the map keeps 6 decimals (about 0.1 m).
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"layer {layer!r} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise NoCrsError(
            f"layer {layer!r} has no CRS: set it with gdf.set_crs('EPSG:4326') (or the CRS of its coordinates)"
        )
    out = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    if simplify_m > 0 and len(out) and not out.geom_type.isin(["Point", "MultiPoint"]).all():
        metric = out.to_crs(metric_crs(out))
        out = metric.set_geometry(simplify_for_display(metric.geometry.to_numpy(), simplify_m), crs=metric.crs)
    out = out.to_crs(4326)
    if simplify_m >= 5 and len(out):
        geoms = shapely.transform(out.geometry.values, lambda xy: np.round(xy, 5))
        lines = np.isin(shapely.get_type_id(geoms), (1, 5))  # (Multi)LineString: drop repeated points
        geoms[lines] = shapely.remove_repeated_points(geoms[lines])
        out = out.set_geometry(geoms, crs=4326)
    return out


def simplify_for_display(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Simplify geometries in a metric CRS for drawing, every point kept within ``tolerance_m``.

    Open LineStrings (delivery lanes) use plain Douglas-Peucker (``preserve_topology=False``),
    about 15 times faster than the topology-preserving simplifier on long routes: a line that
    crosses itself is drawn just the same, and the two endpoints are kept, so an open line
    cannot collapse. Polygons, closed lines (tours back to the site) and multi-part geometries
    keep ``preserve_topology=True``, which never collapses a ring or makes a polygon invalid.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        In a projected CRS with metre units.
    tolerance_m : float
        Douglas-Peucker tolerance (metres).

    Returns
    -------
    ndarray of shapely geometries
    """
    geoms = np.asarray(geoms, dtype=object)
    open_line = (shapely.get_type_id(geoms) == 1) & ~shapely.is_closed(geoms)
    out = np.empty_like(geoms)
    out[open_line] = shapely.simplify(geoms[open_line], tolerance_m, preserve_topology=False)
    out[~open_line] = shapely.simplify(geoms[~open_line], tolerance_m, preserve_topology=True)
    return out
