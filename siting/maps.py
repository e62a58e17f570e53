"""Stakeholder maps: folium maps of a siting run, saved as self-contained offline HTML."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from siting._errors import InputError, MissingColumnError, NoCrsError, SitingError
from siting._html_offline import (
    JQUERY_JS_URL,
    LEAFLET_CSS_URL,
    LEAFLET_JS_URL,
    atomic_write_text,
    inline_assets,
    remote_assets,
)
from siting._legend import PALETTES, Scale, class_scale, fmt, gradient_scale, legend_html, size_scale, swatch_scale
from siting._maplayers import Controls, DataLayer, Legend, Runtime, Title, feature_collection

__all__ = ["make_map", "save_map", "map_from_outputs", "criteria_columns", "OSM_ATTRIBUTION", "OUTPUT_FILES"]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
STORE_COLOR = "#1971c2"
CHOSEN_COLOR = "#c2255c"
DEFAULT_SIMPLIFY_M = 3.0

# Files map_from_outputs() reads from a run's output folder; each layer may also be `<name>.gpkg`.
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


# --------------------------------------------------------------------------- small helpers


def _esc(value: object) -> str:
    return html.escape(fmt(value) if not isinstance(value, str) else value, quote=True)


def _popup(heading: str, rows: Iterable[tuple[str, object]], table: str = "") -> str:
    """Popup HTML: an escaped heading, label/value rows and an optional prebuilt (escaped) table."""
    body = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f'<div class="siting-h">{_esc(heading)}</div><table>{body}</table>{table}'


def _require(gdf: pd.DataFrame, columns: Iterable[str], layer: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise MissingColumnError(
            f"layer {layer!r} lacks column(s) {missing}; it has {list(gdf.columns)}. "
            "Validate it with siting.layers first or rename the columns."
        )


def _metric_crs(gdf: gpd.GeoDataFrame) -> Any:
    return gdf.crs if gdf.crs.is_projected else gdf.estimate_utm_crs()


def _prepare(gdf: gpd.GeoDataFrame, layer: str, *, simplify_m: float) -> gpd.GeoDataFrame:
    """Drop empty geometries, simplify lines/polygons in metres and reproject to EPSG:4326."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"layer {layer!r} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise NoCrsError(
            f"layer {layer!r} has no CRS: set it with gdf.set_crs('EPSG:4326') (or the CRS of its coordinates)"
        )
    out = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    if simplify_m > 0 and len(out) and not out.geom_type.isin(["Point", "MultiPoint"]).all():
        metric = out.to_crs(_metric_crs(out))
        metric = metric.set_geometry(metric.geometry.simplify(simplify_m, preserve_topology=True))
        out = metric
    return out.to_crs(4326)


def _sqrt_sizes(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0).clip(min=0.0)
    vmax = v.max() if v.size else 0.0
    return lo + (hi - lo) * (np.sqrt(v / vmax) if vmax > 0 else np.zeros_like(v))


def _text_color(fill: str) -> str:
    r, g, b = (int(fill.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else "#111111"


def _label(row: pd.Series, id_col: str) -> str:
    name = row.get("name")
    if isinstance(name, str) and name.strip():
        return name
    return str(row[id_col])


def criteria_columns(frame: pd.DataFrame) -> list[str]:
    """The criteria of a ranking: every column ``c`` that has both ``c_norm`` and ``c_contrib``.

    Parameters
    ----------
    frame : DataFrame
        Candidates or a ranking table.

    Returns
    -------
    list of str
        Criterion names in column order.
    """
    cols = set(frame.columns)
    return [c for c in frame.columns if f"{c}_norm" in cols and f"{c}_contrib" in cols]


def _breakdown_table(row: pd.Series, criteria: list[str]) -> str:
    if not criteria:
        return ""
    head = "<tr><th>criterion</th><th>value</th><th>norm</th><th>contrib</th></tr>"
    body = "".join(
        f"<tr><td>{_esc(c)}</td><td>{_esc(row[c])}</td><td>{_esc(row[f'{c}_norm'])}</td>"
        f"<td>{_esc(row[f'{c}_contrib'])}</td></tr>"
        for c in criteria
    )
    return f"<table>{head}{body}</table>"


def _site_popup(row: pd.Series, criteria: list[str], n_sites: int, *, chosen: bool = False) -> str:
    rows: list[tuple[str, object]] = [("site_id", str(row["site_id"]))]
    if "rank" in row.index and pd.notna(row["rank"]):
        rows.append(("rank", f"{int(row['rank'])} of {n_sites}"))
    for col in ("score", "floor_area_m2", "rent_per_m2_yr"):
        if col in row.index:
            rows.append((col, row[col]))
    if chosen:
        rows.append(("chosen", "yes"))
    return _popup(f"{'Chosen site' if chosen else 'Candidate site'}: {_label(row, 'site_id')}", rows,
                  _breakdown_table(row, criteria))


# --------------------------------------------------------------------------- layers


def _stores_layer(stores: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale]:
    _require(stores, ["store_id", "demand_units_per_week"], "stores")
    s = _prepare(stores, "stores", simplify_m=simplify_m)
    pts = s.geometry.representative_point().to_numpy()
    demand = pd.to_numeric(s["demand_units_per_week"], errors="coerce").to_numpy(dtype=float)
    radius = _sqrt_sizes(demand, 3.0, 12.0)
    props = []
    for (_, row), r in zip(s.iterrows(), radius):
        rows: list[tuple[str, object]] = [("store_id", str(row["store_id"]))]
        if "shop" in row.index and isinstance(row["shop"], str):
            rows.append(("shop", row["shop"]))
        rows.append(("demand_units_per_week", row["demand_units_per_week"]))
        props.append({"r": round(float(r), 1), "p": _popup(f"Store: {_label(row, 'store_id')}", rows),
                      "t": _esc(_label(row, "store_id"))})
    finite = demand[np.isfinite(demand) & (demand > 0)]
    if finite.size:
        refs = np.unique(np.array([finite.max(), np.median(finite), finite.min()]))[::-1]
        radii = _sqrt_sizes(np.append(refs, finite.max()), 3.0, 12.0)[: refs.size]
        scale = size_scale("Stores: demand (units/week)", STORE_COLOR, tuple(radii), tuple(fmt(v) for v in refs))
    else:
        scale = swatch_scale("Stores", STORE_COLOR, "store")
    layer = DataLayer(
        "stores", f"Stores ({len(s):,})", feature_collection(pts, props), kind="circle", class_name="siting-stores",
        style={"color": "#ffffff", "weight": 1, "fillColor": STORE_COLOR, "fillOpacity": 0.8, "opacity": 0.9},
    )
    return layer, scale


def _candidate_layers(
    candidates: gpd.GeoDataFrame, chosen: Any, simplify_m: float
) -> tuple[list[DataLayer], list[tuple[str, Scale]]]:
    _require(candidates, ["site_id"], "candidates")
    c = _prepare(candidates, "candidates", simplify_m=simplify_m)
    criteria = criteria_columns(c)
    n = len(c)
    has_rank = "rank" in c.columns and c["rank"].notna().any()
    if has_rank:
        c = c.sort_values("rank", kind="stable")
        ranks = pd.to_numeric(c["rank"], errors="coerce").to_numpy(dtype=float)
        worst = float(np.nanmax(ranks))
        scale = gradient_scale(1, max(worst, 1.0), "YlGn", "Candidate sites by rank",
                               low_label="1 (best)", high_label=f"{fmt(int(worst))}", reverse=True)
        colors = scale.color(ranks)
    else:
        ranks = np.full(n, np.nan)
        scale = swatch_scale("Candidate sites", PALETTES["YlGn"][-1], "candidate site (not ranked)")
        colors = [PALETTES["YlGn"][-1]] * n
    geoms, props = [], []
    for (_, row), color, rank in zip(c.iterrows(), colors, ranks):
        popup = _site_popup(row, criteria, n)
        tip = _esc(f"{'#' + str(int(rank)) + ' ' if np.isfinite(rank) else ''}{_label(row, 'site_id')}")
        if row.geometry.geom_type not in ("Point", "MultiPoint"):
            geoms.append(row.geometry)
            props.append({"c": color, "f": color, "p": popup, "t": tip})
        geoms.append(row.geometry.representative_point())
        props.append({"f": color, "k": _text_color(color), "l": str(int(rank)) if np.isfinite(rank) else "",
                      "z": int(n - rank) * 10 if np.isfinite(rank) else 0, "p": popup, "t": tip})
    layers = [DataLayer(
        "candidates", f"Candidate sites ({n:,})", feature_collection(np.array(geoms, dtype=object), props),
        kind="label", class_name="siting-candidates", icon_class="siting-rank", size_px=22,
        style={"weight": 1.5, "fillOpacity": 0.25, "opacity": 0.9},
    )]
    scales: list[tuple[str, Scale]] = [("candidates", scale)]
    picked = _chosen_rows(c, chosen)
    if picked is not None and len(picked):
        cprops = []
        for _, row in picked.iterrows():
            cprops.append({"f": "#ffffff", "k": CHOSEN_COLOR, "l": "★", "z": 10_000,
                           "p": _site_popup(row, criteria, n, chosen=True),
                           "t": _esc(f"Chosen: {_label(row, 'site_id')}")})
        pts = picked.geometry.representative_point().to_numpy()
        layers.append(DataLayer(
            "chosen", f"Chosen sites ({len(picked):,})", feature_collection(pts, cprops), kind="label",
            class_name="siting-chosen", icon_class="siting-chosen", size_px=30, z_offset=1000,
        ))
        scales.append(("chosen", swatch_scale("Chosen sites", CHOSEN_COLOR, "★ chosen site")))
    return layers, scales


def _chosen_rows(c: gpd.GeoDataFrame, chosen: Any) -> gpd.GeoDataFrame | None:
    if chosen is None:
        return None
    if isinstance(chosen, pd.DataFrame):
        _require(chosen, ["site_id"], "chosen")
        if isinstance(chosen, gpd.GeoDataFrame) and chosen.crs is not None and chosen.geometry.notna().any():
            own = _prepare(chosen, "chosen", simplify_m=0.0)
            extra = [col for col in c.columns if col not in own.columns and col != "geometry"]
            if extra:
                own = own.merge(pd.DataFrame(c[["site_id", *extra]]), on="site_id", how="left")
            return own
        ids = chosen["site_id"].astype(str).tolist()
    elif isinstance(chosen, str):
        ids = [chosen]
    else:
        ids = [str(x) for x in chosen]
    known = set(c["site_id"].astype(str))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InputError(f"chosen site_id(s) {unknown[:5]} are not among the candidates' site_id column")
    return c[c["site_id"].astype(str).isin(ids)]


def _lanes_layer(lanes: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale]:
    _require(lanes, ["site_id", "store_id"], "lanes")
    l4 = _prepare(lanes, "lanes", simplify_m=simplify_m)
    co2_col = next((k for k in ("co2e_wtw_kg_per_week", "co2e_ttw_kg_per_week") if k in l4.columns), None)
    trips = (pd.to_numeric(l4["trips_per_week"], errors="coerce").to_numpy(dtype=float)
             if "trips_per_week" in l4.columns else np.ones(len(l4)))
    widths = _sqrt_sizes(trips, 1.5, 8.0)
    if co2_col is not None:
        co2 = pd.to_numeric(l4[co2_col], errors="coerce").to_numpy(dtype=float)
        finite = co2[np.isfinite(co2)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        label = "well-to-wheel" if "wtw" in co2_col else "tank-to-wheel"
        scale = gradient_scale(lo, hi, "YlOrRd", f"Lanes: CO2e {label} (kg/week); width: trips/week",
                               low_label=fmt(lo), high_label=fmt(hi))
        colors = scale.color(co2)
        order = np.argsort(np.nan_to_num(co2, nan=-np.inf), kind="stable")  # the worst lanes on top
    else:
        scale = swatch_scale("Lanes (width: trips/week)", "#e8590c", "delivery lane")
        colors = ["#e8590c"] * len(l4)
        order = np.arange(len(l4))
    fields = ["vehicle", "pattern", "length_m", "time_s", "trips_per_week", "vehicle_km_per_week",
              "co2e_ttw_kg_per_week", "co2e_wtt_kg_per_week", "co2e_wtw_kg_per_week", "cost_per_week"]
    geoms, props = [], []
    for i in order:
        row = l4.iloc[i]
        rows = [(f, row[f]) for f in fields if f in row.index]
        heading = f"Lane {row['site_id']} → {row['store_id']}"
        geoms.append(row.geometry)
        props.append({"c": colors[i], "w": round(float(widths[i]), 1), "p": _popup(heading, rows),
                      "t": _esc(heading)})
    layer = DataLayer("lanes", f"Delivery lanes ({len(l4):,})", feature_collection(np.array(geoms, dtype=object), props),
                      class_name="siting-lanes", style={"opacity": 0.85, "lineCap": "round", "lineJoin": "round"})
    return layer, scale


def _zones_layer(zones: gpd.GeoDataFrame, key: str, value_col: str, palette: str, title: str,
                 simplify_m: float, *, density: bool, show: bool) -> tuple[DataLayer, Scale]:
    _require(zones, ["zone_id", value_col], key)
    z = zones[zones.geometry.notna() & ~zones.geometry.is_empty]
    values = pd.to_numeric(z[value_col], errors="coerce").to_numpy(dtype=float)
    polygonal = not z.geom_type.isin(["Point", "MultiPoint"]).all()
    shown = values
    if density and polygonal and z.crs is not None:
        area_km2 = z.to_crs(_metric_crs(z)).area.to_numpy() / 1e6
        with np.errstate(divide="ignore", invalid="ignore"):
            shown = np.where(area_km2 > 0, values / area_km2, np.nan)
        title = f"{title} per km²"
    z4 = _prepare(z, key, simplify_m=simplify_m)
    scale = class_scale(shown, palette, title)
    colors = scale.color(shown)
    geoms = z4.geometry.to_numpy() if polygonal else z4.geometry.representative_point().to_numpy()
    radius = _sqrt_sizes(values, 3.0, 14.0)
    props = []
    for (_, row), color, v, r in zip(z4.iterrows(), colors, shown, radius):
        rows: list[tuple[str, object]] = [("zone_id", str(row["zone_id"])), (value_col, row[value_col])]
        if shown is not values:
            rows.append((f"{value_col}_per_km2", v))
        tip = f"{row['zone_id']}: {fmt(row[value_col])} {value_col}"
        props.append({"f": color, "r": round(float(r), 1), "p": _popup(f"Zone {row['zone_id']}", rows),
                      "t": _esc(tip)})
    style = {"color": "#555555", "weight": 0.6, "fillOpacity": 0.55, "opacity": 0.7}
    layer = DataLayer(key, title.split(" (")[0].split(":")[0], feature_collection(geoms, props),
                      kind="shape" if polygonal else "circle", class_name=f"siting-{key}", style=style, show=show)
    return layer, scale


def _isochrones_layer(iso: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale]:
    i4 = _prepare(iso, "isochrones", simplify_m=simplify_m)
    time_col = next((k for k in ("time_s", "cutoff_s", "max_time_s") if k in i4.columns), None)
    if time_col is not None:
        minutes = pd.to_numeric(i4[time_col], errors="coerce").to_numpy(dtype=float) / 60.0
        i4 = i4.assign(_min=minutes).sort_values("_min", ascending=False, kind="stable")  # large ones below
        levels = np.unique(minutes[np.isfinite(minutes)])
        if 0 < levels.size <= 5:
            cols = PALETTES["PuBu"][-levels.size:][::-1]
            scale = Scale("Isochrones (drive time)", "classes", tuple(cols),
                          breaks=(-np.inf, *[(a + b) / 2 for a, b in zip(levels[:-1], levels[1:])], np.inf),
                          labels=tuple(f"≤ {fmt(v)} min" for v in levels))
        else:
            scale = class_scale(minutes, "PuBu", "Isochrones (minutes)")
        colors = scale.color(i4["_min"].to_numpy())
    else:
        scale = swatch_scale("Isochrones", PALETTES["PuBu"][-1], "reachable area")
        colors = [PALETTES["PuBu"][-1]] * len(i4)
    props = []
    for (_, row), color in zip(i4.iterrows(), colors):
        parts = []
        if time_col is not None and pd.notna(row[time_col]):
            parts.append(f"≤ {fmt(float(row[time_col]) / 60.0)} min")
        for k in ("site_id", "node"):
            if k in row.index and pd.notna(row[k]):
                parts.append(f"from {k} {row[k]}")
        props.append({"c": color, "f": color, "t": _esc(" ".join(parts) or "isochrone")})
    layer = DataLayer("isochrones", "Isochrones", feature_collection(i4.geometry.to_numpy(), props),
                      class_name="siting-isochrones", style={"weight": 1.5, "fillOpacity": 0.18, "opacity": 0.8})
    return layer, scale


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
    simplify_m: float = DEFAULT_SIMPLIFY_M,
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
    simplify_m : float
        Tolerance in metres used to simplify lines and polygons for display (0 keeps them).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.
    """
    m = folium.Map(location=[0.0, 0.0], zoom_start=13, tiles=None)
    # Only Leaflet (+ jQuery for folium elements users may add): no Bootstrap or Font Awesome.
    m.default_js = [("leaflet", LEAFLET_JS_URL), ("jquery", JQUERY_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    m.add_child(Runtime(), name="siting_runtime")
    folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19).add_to(m)

    sections: list[tuple[str, Scale]] = []
    layers: list[DataLayer] = []
    if population is not None:
        layer, scale = _zones_layer(population, "population", "population", "Blues", "Population",
                                    simplify_m, density=True, show=True)
        layers.append(layer)
        sections.append(("population", scale))
    if rents is not None:
        layer, scale = _zones_layer(rents, "rents", "rent_per_m2_yr", "Purples", "Rent (per m² per year)",
                                    simplify_m, density=False, show=population is None)
        layers.append(layer)
        sections.append(("rents", scale))
    if isochrones is not None and len(isochrones):
        layer, scale = _isochrones_layer(isochrones, simplify_m)
        layers.append(layer)
        sections.append(("isochrones", scale))
    if lanes is not None and len(lanes):
        layer, scale = _lanes_layer(lanes, simplify_m)
        layers.append(layer)
        sections.append(("lanes", scale))
    store_layer, store_scale = _stores_layer(stores, simplify_m)
    layers.append(store_layer)
    sections.append(("stores", store_scale))
    site_layers, site_scales = _candidate_layers(candidates, chosen, simplify_m)
    layers.extend(site_layers)
    sections.extend(site_scales)
    for layer in layers:
        m.add_child(layer)

    bounds = _bounds([stores, candidates])
    if bounds is not None:
        m.location = [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2]
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(30, 30))
    attributions = [OSM_ATTRIBUTION] + ([html.escape(attribution_extra)] if attribution_extra else [])
    m.add_child(Controls(attributions))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(Legend(legend_html(sections)))
    n_sites = len(candidates)
    m.add_child(Title(title, f"{len(stores):,} stores · {n_sites:,} candidate sites"))
    m.siting_layers = {layer.key: layer.n_features for layer in layers}  # type: ignore[attr-defined]
    return m


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
    page = m.get_root().render()
    if offline:
        page = inline_assets(page)
        remote = remote_assets(page)
        if remote:
            raise SitingError(
                f"cannot write an offline map to {os.fspath(path)}: {len(remote)} script(s)/stylesheet(s) still "
                f"load from the network: {remote[:5]}. Build the map with siting.maps.make_map, drop the folium "
                "plugin or folium.Icon that needs them, or pass offline=False."
            )
    return atomic_write_text(path, page)


def _read_layer(out_dir: Path, name: str) -> gpd.GeoDataFrame | None:
    parquet = out_dir / f"{name}.parquet"
    if parquet.exists():
        return gpd.read_parquet(parquet)
    gpkg = out_dir / f"{name}.gpkg"
    if gpkg.exists():
        return gpd.read_file(gpkg)
    bundle = out_dir / OUTPUT_FILES["bundle"]
    if bundle.exists():
        import pyogrio

        if name in set(pyogrio.list_layers(bundle)[:, 0]):
            return gpd.read_file(bundle, layer=name)
    return None


def map_from_outputs(out_dir: str | os.PathLike[str], *, title: str | None = None,
                     simplify_m: float = DEFAULT_SIMPLIFY_M) -> folium.Map:
    """Redraw the map of a finished run from the files it wrote, without recomputing anything.

    Parameters
    ----------
    out_dir : path-like
        The run's output folder. Layers are read from ``<layer>.parquet`` (GeoParquet),
        ``<layer>.gpkg`` or the layer of that name in ``layers.gpkg``, for ``stores`` and
        ``candidates`` (required) and ``population``, ``rents``, ``lanes``, ``isochrones``
        (optional). ``ranking.csv`` (by ``site_id``) adds rank, score and criteria to the
        candidates; chosen sites come from ``chosen.csv`` (column ``site_id``) or a boolean
        ``chosen`` column of ``ranking.csv``; ``summary.json`` may give a ``title``.
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
    layers = {name: _read_layer(out, name) for name in ("stores", "candidates", "population", "rents", "lanes",
                                                         "isochrones")}
    for name in ("stores", "candidates"):
        if layers[name] is None:
            raise InputError(
                f"{out} holds no {name} layer: expected {OUTPUT_FILES[name]}, {name}.gpkg or a layer "
                f"'{name}' in {OUTPUT_FILES['bundle']}"
            )
    candidates = layers["candidates"]
    candidates["site_id"] = candidates["site_id"].astype(str)
    chosen: list[str] | None = None
    ranking_path = out / OUTPUT_FILES["ranking"]
    if ranking_path.exists():
        ranking = pd.read_csv(ranking_path, dtype={"site_id": str})
        if "site_id" not in ranking.columns:
            raise MissingColumnError(f"{ranking_path} lacks the column 'site_id'")
        keep = [c for c in ranking.columns if c == "site_id" or c not in candidates.columns]
        candidates = candidates.merge(ranking[keep], on="site_id", how="left")
        if "chosen" in ranking.columns:
            flags = ranking["chosen"].astype(str).str.lower().isin(["true", "1", "yes"])
            chosen = ranking.loc[flags, "site_id"].tolist()
    chosen_path = out / OUTPUT_FILES["chosen"]
    if chosen_path.exists():
        chosen_df = pd.read_csv(chosen_path, dtype={"site_id": str})
        if "site_id" not in chosen_df.columns:
            raise MissingColumnError(f"{chosen_path} lacks the column 'site_id'")
        chosen = chosen_df["site_id"].tolist()
    summary_path = out / OUTPUT_FILES["summary"]
    if title is None and summary_path.exists():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{summary_path} is not valid JSON: {exc}") from exc
        if isinstance(summary, dict) and isinstance(summary.get("title"), str):
            title = summary["title"]
    return make_map(
        stores=layers["stores"], candidates=candidates, lanes=layers["lanes"], population=layers["population"],
        rents=layers["rents"], chosen=chosen or None, isochrones=layers["isochrones"],
        title=title or f"Microfactory siting: {out.name}", simplify_m=simplify_m,
    )
