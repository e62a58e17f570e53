"""Stakeholder maps: folium maps of a siting run, saved as self-contained offline HTML."""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siting.errors import SitingError
from siting.maps.elements import Controls, DataLayer, Legend, Title
from siting.maps.flow_layers import offshore_flows_layer
from siting.maps.layers import (
    candidate_layers,
    criteria_columns,
    isochrones_layer,
    lanes_layer,
    stores_layer,
    zones_layer,
)
from siting.maps.legend import Scale, legend_html
from siting.maps.offline import inline_assets, remote_assets
from siting.maps.page import OSM_ATTRIBUTION, offline_page, stable_ids, use_markercluster
from siting.maps.route_layers import access_layer, base_layer, ferries_layer, tours_layer
from siting.outputs import write_text

__all__ = [
    "make_map",
    "save_map",
    "map_html",
    "show_map",
    "criteria_columns",
    "OSM_ATTRIBUTION",
    "map_tolerance_m",
]

DEFAULT_SIMPLIFY_M = 3.0
#: More candidate sites than this and their rank labels cluster by default (a city's worth of
#: labels hides its stores; the 48 sites of the Helsinki demo stay as labels).
CLUSTER_MIN_SITES = 50
# Auto tolerance: the map's larger side over MAP_SCALE_DIVISOR, i.e. half a screen pixel
# when the whole area fills a 1,000-pixel-wide window; never below 3 m.
MAP_SCALE_DIVISOR = 2000.0


# --------------------------------------------------------------------------- public API


def make_map(
    *,
    stores: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    lanes: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | None = None,
    rents: gpd.GeoDataFrame | None = None,
    chosen: gpd.GeoDataFrame | Iterable[str] | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    tours: gpd.GeoDataFrame | None = None,
    access: gpd.GeoDataFrame | None = None,
    base: gpd.GeoDataFrame | None = None,
    offshore_flows: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None,
    currency: str = "",
    cluster_sites: bool | None = None,
    title: str = "Microfactory siting",
    attribution_extra: str | None = None,
    simplify_m: float | None = None,
) -> folium.Map:
    """Draw one city's siting run as a folium map with layers, a legend, a title and controls.

    Parameters
    ----------
    stores, candidates : GeoDataFrame
        Layers as in the data contracts (any CRS; reprojected to EPSG:4326 here). Candidates may
        carry ranking columns ``rank``, ``score`` and, per criterion ``c``, ``c``, ``c_norm`` and
        ``c_contrib``; the popup shows the breakdown of whichever criteria are present.
    lanes, population, rents, isochrones : GeoDataFrame, optional
        Delivery lanes (width by ``trips_per_week``, colour by CO2e), population zones (choropleth
        of people per km², or circles for points), rent zones (choropleth, hidden at first) and
        isochrone polygons (optional ``time_s``, ``site_id``).
    tours : GeoDataFrame, optional
        Tours in stop order (``site_id``, ``tour``; see :func:`siting.maps.route_layers.tours_layer`),
        one colour each. With tours, the per-store lanes layer starts hidden (its spokes from the
        site are not the roads driven).
    access : GeoDataFrame, optional
        Access legs from :func:`siting.maps.basemap.access_legs`: thin dashed lines, toggleable.
    base : GeoDataFrame, optional
        The land-and-sea base from :func:`siting.maps.basemap.base_features`: land, water and land
        use drawn under every layer, ferry routes dashed blue above the lanes.
    offshore_flows : (GeoDataFrame, GeoDataFrame), optional
        The portfolio design's offshore flows and open hubs
        (:func:`siting.pipeline.offshore_flows.offshore_flows`): one toggleable layer "Offshore
        flows", drawn only when the design routes goods through a hub or a cross-dock site.
    currency : str
        Named next to the hubs' costs.
    cluster_sites : bool, optional
        Gather the candidates' rank labels into clusters (Leaflet.markercluster, inlined) so that
        they do not hide the stores at city extent. Default: when there are more than
        :data:`CLUSTER_MIN_SITES` candidates.
    chosen : GeoDataFrame or iterable of str, optional
        The chosen sites, as rows with ``site_id`` or as ``site_id`` values of ``candidates``.
    title : str
        Shown at the top of the map (as text, never as HTML).
    attribution_extra : str, optional
        Extra attribution text (escaped) next to "© OpenStreetMap contributors".
    simplify_m : float, optional
        Tolerance in metres used to simplify lines and polygons for display (0 keeps them).
        Default: at map scale, see :func:`map_tolerance_m` (3 m for a city centre, about
        17 m for Malta); from 5 m up, coordinates are also rounded to 5 decimals (1.1 m).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`. Its ``siting_layers`` attribute maps each layer key
        ("stores", "candidates", ...) to the number of features drawn (a candidate polygon counts
        twice: footprint and rank label).
    """
    if simplify_m is None:
        simplify_m = map_tolerance_m([stores, candidates, lanes, population, rents, isochrones, tours])
    m = offline_page(title)

    sections: list[tuple[str, Scale]] = []
    layers: list[DataLayer] = []
    if base is not None and len(base):
        drawn = base_layer(base, simplify_m)
        if drawn is not None:
            layers.append(drawn[0])
            sections.append(("base", drawn[1]))
    if population is not None:
        layer, scale = zones_layer(
            population, "population", "population", "Blues", "Population", simplify_m, density=True, show=True
        )
        layers.append(layer)
        sections.append(("population", scale))
    if rents is not None:
        layer, scale = zones_layer(
            rents,
            "rents",
            "rent_per_m2_yr",
            "Purples",
            "Rent (per m² per year)",
            simplify_m,
            density=False,
            show=population is None,
        )
        layers.append(layer)
        sections.append(("rents", scale))
    if isochrones is not None and len(isochrones):
        layer, scale = isochrones_layer(isochrones, simplify_m)
        layers.append(layer)
        sections.append(("isochrones", scale))
    has_tours = tours is not None and len(tours) > 0
    if lanes is not None and len(lanes):
        layer, scale = lanes_layer(lanes, simplify_m, show=not has_tours)
        layers.append(layer)
        sections.append(("lanes", scale))
    if tours is not None and has_tours:
        layer, scale = tours_layer(tours, simplify_m)
        layers.append(layer)
        sections.append(("tours", scale))
    if base is not None and len(base):
        ferry = ferries_layer(base, simplify_m)
        if ferry is not None:
            layers.append(ferry[0])
            sections.append(("ferries", ferry[1]))
    if offshore_flows is not None:
        drawn_flows = offshore_flows_layer(*offshore_flows, currency=currency)
        if drawn_flows is not None:
            layers.append(drawn_flows[0])
            sections.append(("offshore flows", drawn_flows[1]))
    if access is not None and len(access):
        layer, scale = access_layer(access, simplify_m)
        layers.append(layer)
        sections.append(("access", scale))
    store_layer, store_scale = stores_layer(stores, simplify_m)
    layers.append(store_layer)
    sections.append(("stores", store_scale))
    if cluster_sites is None:
        cluster_sites = len(candidates) > CLUSTER_MIN_SITES
    if cluster_sites:
        use_markercluster(m)
    site_layers, site_scales = candidate_layers(candidates, chosen, simplify_m, cluster=cluster_sites)
    layers.extend(site_layers)
    sections.extend(site_scales)
    for layer in layers:
        m.add_child(layer)

    bounds = _bounds([stores, candidates])
    fit = None
    if bounds is not None:
        m.location = [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2]
        fit = [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]
    attributions = [OSM_ATTRIBUTION] + ([html.escape(attribution_extra)] if attribution_extra else [])
    m.add_child(Controls(attributions, fit))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(Legend(legend_html(sections)))
    n_sites = len(candidates)
    m.add_child(Title(title, f"{len(stores):,} stores · {n_sites:,} candidate sites"))
    m.siting_layers = {layer.key: layer.n_features for layer in layers}  # type: ignore[attr-defined]
    stable_ids(m.get_root())
    return m


def map_tolerance_m(frames: Iterable[gpd.GeoDataFrame | None]) -> float:
    """Display simplification tolerance at map scale: larger side / 2,000, at least 3 m.

    Parameters
    ----------
    frames
        The layers drawn (any CRS; None and empty ones skipped).

    Returns
    -------
    float
        Metres.
    """
    bounds = _bounds([f for f in frames if f is not None])
    if bounds is None:
        return DEFAULT_SIMPLIFY_M
    w, s_, e, n = bounds
    lat = math.radians((s_ + n) / 2)
    side_m = max((e - w) * 111_320.0 * math.cos(lat), (n - s_) * 110_574.0)
    return max(DEFAULT_SIMPLIFY_M, side_m / MAP_SCALE_DIVISOR)


def _bounds(frames: list[gpd.GeoDataFrame]) -> tuple[float, float, float, float] | None:
    boxes = []
    for f in frames:
        if f is None or not len(f) or f.crs is None:
            continue
        b = _lonlat_bounds(f)
        if np.all(np.isfinite(b)):
            boxes.append(b)
    if not boxes:
        return None
    arr = np.array(boxes)
    return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max())


def _lonlat_bounds(frame: gpd.GeoDataFrame) -> np.ndarray:
    """``frame.to_crs(4326).total_bounds`` without building the reprojected geometries.

    The same pyproj transformer (``always_xy``) is applied to the same 2-D coordinates (each
    distinct point once), so the values are equal; 3-D geometries take geopandas' path. NaN where
    nothing has coordinates.
    """
    geoms = frame.geometry.to_numpy()
    target = pyproj.CRS.from_epsg(4326)
    if frame.crs.is_exact_same(target) or shapely.has_z(geoms).any():
        return np.asarray(frame.to_crs(target).total_bounds, dtype=float)
    xy = shapely.get_coordinates(geoms)
    if not len(xy):
        return np.full(4, np.nan)
    # lanes share their roads: Malta's 1,014 hold 248,018 vertices but 10,248 distinct points
    distinct = pd.unique(np.ascontiguousarray(xy).view(np.complex128).ravel())
    transformer = pyproj.Transformer.from_crs(frame.crs, target, always_xy=True)
    lon, lat = transformer.transform(distinct.real.copy(), distinct.imag.copy())
    return np.array([np.nanmin(lon), np.nanmin(lat), np.nanmax(lon), np.nanmax(lat)], dtype=float)


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> int:
    """Write the map as one HTML file (temporary file + rename).

    Parameters
    ----------
    m : folium.Map
        A map, typically from :func:`make_map`.
    path : path-like
        Destination ``.html`` file; its folder is created if missing.
    offline : bool
        True (default) inlines Leaflet and its marker images from the ``xstatic`` package (and
        Leaflet.markercluster from the copy in ``siting/maps/assets`` when sites cluster),
        so the page needs no network except for base-map tiles. False keeps CDN links (smaller file).

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    SitingError
        With ``offline=True``, if a script or stylesheet still points to http(s) (for example a
        folium plugin or ``folium.Icon`` that loads its code from a CDN).
    """
    return write_text(map_html(m, offline=offline, where=os.fspath(path)), os.fspath(path))


def map_html(m: folium.Map, *, offline: bool = True, where: str = "the page") -> str:
    """The map as one HTML page (what :func:`save_map` writes).

    Parameters
    ----------
    m : folium.Map
    offline : bool
        Inline every script and stylesheet (default) or keep CDN links.
    where : str
        Named in the error message.

    Returns
    -------
    str

    Raises
    ------
    SitingError
        With ``offline=True``, if a script or stylesheet still points to http(s).
    """
    root: Any = m.get_root()  # a branca Figure (typed as Element)
    root.script._children.clear()  # filled by each render: an earlier render (e.g. in Jupyter) would repeat it
    page = root.render()
    if offline:
        page = inline_assets(page)
        remote = remote_assets(page)
        if remote:
            raise SitingError(
                f"cannot write an offline map to {where}: {len(remote)} script(s)/stylesheet(s) still "
                f"load from the network: {remote[:5]}. Build the map with siting.maps.make_map, drop the folium "
                "plugin or folium.Icon that needs them, or pass offline=False."
            )
    return page


def show_map(m: folium.Map, *, height_px: int = 520) -> Any:
    """Show the offline map inline in Jupyter (an iframe holding the self-contained page).

    folium's own inline display loads Leaflet from CDNs, so behind a firewall it stays blank;
    this one needs no network except for base-map tiles.

    Parameters
    ----------
    m : folium.Map
    height_px : int
        Height of the frame.

    Returns
    -------
    IPython.display.HTML
    """
    import warnings

    from IPython.display import HTML

    page = html.escape(map_html(m), quote=True)
    with warnings.catch_warnings():  # IPython suggests IFrame, which cannot take inline content
        warnings.simplefilter("ignore", UserWarning)
        return HTML(f'<iframe srcdoc="{page}" style="width:100%;height:{int(height_px)}px;border:0"></iframe>')
