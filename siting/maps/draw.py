"""Stakeholder maps: folium maps of a siting run, saved as self-contained offline HTML."""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element

from siting.errors import InputError, MissingColumnError, SitingError
from siting.maps.elements import Controls, DataLayer, Legend, Runtime, Title
from siting.maps.layers import (
    candidate_layers,
    criteria_columns,
    isochrones_layer,
    lanes_layer,
    stores_layer,
    zones_layer,
)
from siting.maps.legend import Scale, legend_html
from siting.maps.offline import (
    JQUERY_JS_URL,
    LEAFLET_CSS_URL,
    LEAFLET_JS_URL,
    inline_assets,
    remote_assets,
)
from siting.outputs import write_text

__all__ = [
    "make_map",
    "save_map",
    "map_html",
    "show_map",
    "map_from_outputs",
    "criteria_columns",
    "OSM_ATTRIBUTION",
    "OUTPUT_FILES",
    "map_tolerance_m",
]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
DEFAULT_SIMPLIFY_M = 3.0
# Auto tolerance: the map's larger side over MAP_SCALE_DIVISOR, i.e. half a screen pixel
# when the whole area fills a 1,000-pixel-wide window; never below 3 m.
MAP_SCALE_DIVISOR = 2000.0

# Files map_from_outputs() reads from a run's output folder (see its docstring for the alternatives).
OUTPUT_FILES = {
    "stores": "stores.parquet",
    "candidates": "candidates.parquet",
    "population": "population.parquet",
    "rents": "rents.parquet",
    "lanes": "lanes.parquet",
    "isochrones": "isochrones.parquet",
    "ranking": "ranking.csv",
    "chosen": "chosen.csv",
    "summary": "summary.json",
    "bundle": "layers.gpkg",
}


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
        simplify_m = map_tolerance_m([stores, candidates, lanes, population, rents, isochrones])
    m = folium.Map(location=[0.0, 0.0], zoom_start=13, tiles=None)
    # Only Leaflet (+ jQuery for folium elements users may add): no Bootstrap or Font Awesome.
    m.default_js = [("leaflet", LEAFLET_JS_URL), ("jquery", JQUERY_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    m.add_child(Runtime(), name="siting_runtime")
    m.get_root().header.add_child(Element(f"<title>{html.escape(title)}</title>"), name="siting_title")
    folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19).add_to(m)

    sections: list[tuple[str, Scale]] = []
    layers: list[DataLayer] = []
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
    if lanes is not None and len(lanes):
        layer, scale = lanes_layer(lanes, simplify_m)
        layers.append(layer)
        sections.append(("lanes", scale))
    store_layer, store_scale = stores_layer(stores, simplify_m)
    layers.append(store_layer)
    sections.append(("stores", store_scale))
    site_layers, site_scales = candidate_layers(candidates, chosen, simplify_m)
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
    _stable_ids(m.get_root())
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
        b = f.to_crs(4326).total_bounds
        if np.all(np.isfinite(b)):
            boxes.append(b)
    if not boxes:
        return None
    arr = np.array(boxes)
    return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max())


def _stable_ids(root: Element) -> None:
    """Replace folium's random element ids by their order in the tree, so equal maps give equal files.

    Done once, before the first render: renaming an element after a render would add its script twice.
    """
    stack, i = [root], 0
    while stack:
        element = stack.pop()
        element._id = f"{i:08x}"
        i += 1
        stack.extend(reversed(list(element._children.values())))


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool = True) -> int:
    """Write the map as one HTML file (temporary file + rename).

    Parameters
    ----------
    m : folium.Map
        A map, typically from :func:`make_map`.
    path : path-like
        Destination ``.html`` file; its folder is created if missing.
    offline : bool
        True (default) inlines Leaflet, jQuery and the marker images from the ``xstatic`` packages,
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
    return write_text(map_html(m, offline=offline, where=os.fspath(path)), path)


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
    root = m.get_root()
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


_ALIASES = {"candidates": ("candidates", "sites")}


def _city_first(out_dir: Path, name: str, city: str | None) -> list[Path]:
    """``<city>_<name>`` (when a city is given), then ``<name>``: where a run's file may be."""
    return ([out_dir / f"{city}_{name}"] if city else []) + [out_dir / name]


def _read_layer(out_dir: Path, name: str, city: str | None) -> gpd.GeoDataFrame | None:
    """The first of ``[<city>_]<name>.parquet|.gpkg|.geojson`` or layer ``<name>`` of ``[<city>_]layers.gpkg``."""
    aliases = _ALIASES.get(name, (name,))
    stems = [f"{city}_{a}" for a in aliases] if city else []
    stems += list(aliases)
    for stem in stems:
        if (out_dir / f"{stem}.parquet").exists():
            return gpd.read_parquet(out_dir / f"{stem}.parquet")
        for ext in (".gpkg", ".geojson"):
            if (out_dir / f"{stem}{ext}").exists():
                return gpd.read_file(out_dir / f"{stem}{ext}")
    import pyogrio

    for bundle in _city_first(out_dir, OUTPUT_FILES["bundle"], city):
        if bundle.exists():
            names = set(pyogrio.list_layers(bundle)[:, 0])
            for a in aliases:
                if a in names:
                    return gpd.read_file(bundle, layer=a)
    return None


def _read_ranking(path: Path, city: str | None) -> pd.DataFrame:
    ranking = pd.read_csv(path, dtype={"site_id": str, "city": str})
    if "site_id" not in ranking.columns:
        raise MissingColumnError(f"{path} lacks the column 'site_id'")
    if "city" in ranking.columns:
        cities = sorted(ranking["city"].dropna().unique())
        if city is None and len(cities) > 1:
            raise InputError(f"{path} ranks several cities {cities}: pass city=... (siting map --city NAME)")
        if city is not None:
            if city not in cities:
                raise InputError(f"{path} has no rows for city {city!r}; its cities are {cities}")
            ranking = ranking[ranking["city"] == city]
        ranking = ranking.drop(columns="city")
    return ranking


def map_from_outputs(
    out_dir: str | os.PathLike[str],
    *,
    city: str | None = None,
    title: str | None = None,
    simplify_m: float | None = None,
) -> folium.Map:
    """Redraw the map of a finished run from the files it wrote, without recomputing anything.

    Parameters
    ----------
    out_dir : path-like
        The run's output folder. Each layer is read from the first file found among
        ``<city>_<layer>.parquet`` (GeoParquet), ``<city>_<layer>.gpkg``, ``<city>_<layer>.geojson``,
        the same without the ``<city>_`` prefix, and the layer ``<layer>`` of ``<city>_layers.gpkg``
        or ``layers.gpkg``,
        for ``stores`` and ``candidates`` (also found as ``sites``), both required, and
        ``population``, ``rents``, ``lanes`` and ``isochrones``, optional. ``ranking.csv`` (rows of
        ``city`` if it has that column) adds the ranking columns missing from the candidates by
        ``site_id``; chosen sites come from ``[<city>_]chosen.csv`` (column ``site_id``) or a boolean
        ``chosen`` column of the ranking; ``summary.json`` may give a ``title``.
    city : str, optional
        The city to draw, for runs with several cities.
    title : str, optional
        Overrides the title.
    simplify_m : float
        As in :func:`make_map`.

    Returns
    -------
    folium.Map
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise InputError(f"output folder {out} does not exist: run the pipeline first or pass the folder it wrote")
    names = ("stores", "candidates", "population", "rents", "lanes", "isochrones")
    layers = {name: _read_layer(out, name, city) for name in names}
    for name in ("stores", "candidates"):
        if layers[name] is None:
            prefix = f"{city}_" if city else ""
            raise InputError(
                f"{out} holds no {name} layer: expected {prefix}{OUTPUT_FILES[name]}, {prefix}{name}.gpkg or a "
                f"layer '{name}' in {OUTPUT_FILES['bundle']}; write it with siting.outputs.write_layer"
            )
    candidates = layers["candidates"]
    candidates["site_id"] = candidates["site_id"].astype(str)
    chosen: list[str] | None = None
    ranking_path = out / OUTPUT_FILES["ranking"]
    if ranking_path.exists():
        ranking = _read_ranking(ranking_path, city)
        keep = [c for c in ranking.columns if c == "site_id" or c not in candidates.columns]
        candidates = candidates.merge(ranking[keep], on="site_id", how="left")
        if "chosen" in ranking.columns:
            flags = ranking["chosen"].astype(str).str.lower().isin(["true", "1", "yes"])
            chosen = ranking.loc[flags, "site_id"].tolist()
    for chosen_path in _city_first(out, OUTPUT_FILES["chosen"], city):
        if chosen_path.exists():
            chosen_df = pd.read_csv(chosen_path, dtype={"site_id": str})
            if "site_id" not in chosen_df.columns:
                raise MissingColumnError(f"{chosen_path} lacks the column 'site_id'")
            chosen = chosen_df["site_id"].tolist()
            break
    summary_path = out / OUTPUT_FILES["summary"]
    if title is None and summary_path.exists():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{summary_path} is not valid JSON: {exc}") from exc
        if isinstance(summary, dict) and isinstance(summary.get("title"), str):
            title = summary["title"]
    return make_map(
        stores=layers["stores"],
        candidates=candidates,
        lanes=layers["lanes"],
        population=layers["population"],
        rents=layers["rents"],
        chosen=chosen or None,
        isochrones=layers["isochrones"],
        title=title or f"Microfactory siting: {city or out.name}",
        simplify_m=simplify_m,
    )
