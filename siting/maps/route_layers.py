"""Map layers of routes and context: tours in stop order, access legs, and the land-and-sea base with ferries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.maps.display import metric_crs, prepare
from siting.maps.elements import DataLayer, packed_lines, packed_polygons
from siting.maps.layers import _cells, _esc, _require, packed_decimals
from siting.maps.legend import Scale, fmt
from siting.maps.palettes import categorical_colours

__all__ = [
    "tours_layer",
    "access_layer",
    "base_layer",
    "ferries_layer",
    "BASE_COLOURS",
    "FERRY_COLOUR",
    "FERRY_DASH",
    "ACCESS_COLOUR",
]

#: Land, sea and land-use fills (the OpenStreetMap Carto style's colours, so the base reads as a map).
BASE_COLOURS = {
    "land": "#f2efe9",
    "water": "#aad3df",
    "residential": "#e0dfdf",
    "commercial": "#f2dad9",
    "industrial": "#ebdbe8",
    "green": "#cdebb0",
}
FERRY_COLOUR = "#1c7ed6"
FERRY_DASH = "8 6"
ACCESS_COLOUR = "#495057"
ACCESS_DASH = "3 3"
#: At most this many tours are named in the legend (the others share its colours, in order).
LEGEND_TOURS = 6


def tours_layer(tours: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale]:
    """Tours as lines along the roads in stop order (site -> stop 1 -> ... -> site), a colour per tour.

    ``tours`` holds ``site_id``, ``tour`` and optionally ``stops``, ``store_ids``, ``length_m``,
    ``time_s``, ``load_share``, ``vehicle_km_per_week``, ``co2e_wtw_kg_per_week`` (as
    :func:`siting.pipeline.site_lanes.site_lanes_and_tours` gives them). The tooltip names the tour,
    its stops, km and CO2e; the popup lists the stores in visit order.
    """
    _require(tours, ["site_id", "tour"], "tours")
    t4 = prepare(tours, "tours", simplify_m=simplify_m)
    n = len(t4)
    palette = categorical_colours(min(max(n, 1), 23))
    colours = [palette[i % len(palette)] for i in range(n)]
    fields = [
        "stops",
        "store_ids",
        "length_m",
        "time_s",
        "load_share",
        "vehicle_km_per_week",
        "co2e_wtw_kg_per_week",
    ]
    shown = [f for f in fields if f in t4.columns]
    cells = [_cells(t4[f].to_numpy()) for f in shown]
    col = {c: t4[c].to_numpy() for c in ("site_id", "tour", "stops", "length_m", "co2e_wtw_kg_per_week") if c in t4}
    props = []
    for i in range(n):
        head = f"Tour {col['tour'][i]} from {col['site_id'][i]}"
        bits = []
        if "stops" in col:
            bits.append(f"{fmt(col['stops'][i])} stops")
        if "length_m" in col:
            bits.append(f"{fmt(float(col['length_m'][i]) / 1000.0)} km")
        if "co2e_wtw_kg_per_week" in col:
            bits.append(f"{fmt(col['co2e_wtw_kg_per_week'][i])} kg CO2e/week")
        tip = head + (": " + " · ".join(bits) if bits else "")
        props.append({"c": colours[i], "h": _esc(head), "t": _esc(tip), "v": [c[i] for c in cells]})
    named = min(n, LEGEND_TOURS)
    labels = tuple(f"tour {col['tour'][i]} from {col['site_id'][i]}" for i in range(named))
    if n > named:
        labels = (*labels[:-1], f"{labels[-1]} (… {n - named} more, colours repeat)")
    scale = Scale(
        "Tours: site → stops → site, one colour each", "swatch", tuple(colours[:named]) or (palette[0],), labels=labels
    )
    layer = DataLayer(
        "tours",
        f"Tours ({n:,})",
        packed_lines(t4.geometry.to_numpy(), props, packed_decimals(simplify_m)),
        fields=[_esc(f) for f in shown],
        class_name="siting-tours",
        style={"weight": 3.5, "opacity": 0.9, "lineCap": "round", "lineJoin": "round"},
    )
    return layer, scale


def access_layer(legs: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale]:
    """Access legs: the straight line from each store or site to its point on the road, thin and dashed."""
    _require(legs, ["layer", "id", "length_m"], "access legs")
    a4 = prepare(legs, "access legs", simplify_m=0.0)  # two points each: nothing to simplify
    heads: dict[str, int] = {}  # "Access leg of store ": written once per layer kind
    props = [
        {"h": [heads.setdefault(_esc(f"Access leg of {kind} "), len(heads)), _esc(f"{i}: {fmt(float(m))} m")]}
        for kind, i, m in zip(a4["layer"], a4["id"], a4["length_m"])
    ]
    layer = DataLayer(
        "access",
        f"Access legs to the road ({len(a4):,})",
        packed_lines(a4.geometry.to_numpy(), props, packed_decimals(simplify_m)),
        class_name="siting-access",
        heads=list(heads),
        style={"color": ACCESS_COLOUR, "weight": 1.2, "opacity": 0.9, "dashArray": ACCESS_DASH},
    )
    return layer, Scale("Access legs", "dashes", (ACCESS_COLOUR,), labels=("store/site → its road (straight)",))


def base_layer(base: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale] | None:
    """Land, water and land use (``kind`` ``land``/``water``/``landuse`` + ``class``) under every data layer."""
    _require(base, ["kind"], "base")
    areas = base[base["kind"].isin(["land", "water", "landuse"])]
    if not len(areas):
        return None
    order = {"land": 0, "landuse": 1, "water": 2}
    areas = areas.assign(_o=areas["kind"].map(order)).sort_values("_o", kind="stable")
    # plain Douglas-Peucker (about 15 times faster on a coastline than the topology-preserving one):
    # a base drawn under the data may bend a ring onto itself at display tolerance, never move it
    metric = areas.to_crs(metric_crs(areas))
    thin = shapely.simplify(metric.geometry.values, max(simplify_m, 3.0), preserve_topology=False)
    a4 = metric.set_geometry(thin, crs=metric.crs)
    a4 = a4[~a4.geometry.is_empty & a4.geometry.notna()].to_crs(4326)
    keys = [
        k if k != "landuse" else str(c) for k, c in zip(a4["kind"], a4["class"] if "class" in a4 else [None] * len(a4))
    ]
    colours = [BASE_COLOURS.get(k, BASE_COLOURS["land"]) for k in keys]
    props = [{"f": c} for c in colours]
    layer = DataLayer(
        "base",
        "Land and sea (OSM extract)",
        packed_polygons(a4.geometry.to_numpy(), props, packed_decimals(max(simplify_m, 3.0))),
        class_name="siting-base",
        style={"stroke": False, "fillOpacity": 1.0},
        pane="sitingBase",
        pane_z=250,
        interactive=False,
    )
    present = list(dict.fromkeys(keys))
    names = {"land": "land", "water": "sea and water", "residential": "residential", "commercial": "commercial"}
    names |= {"industrial": "industrial, port", "green": "farmland, parks, woods"}
    scale = Scale(
        "Land and sea (OSM extract)",
        "swatch",
        tuple(BASE_COLOURS.get(k, BASE_COLOURS["land"]) for k in present),
        labels=tuple(names.get(k, k) for k in present),
    )
    return layer, scale


def ferries_layer(base: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale] | None:
    """Ferry routes of the network (``kind == "ferry"`` rows of the base), dashed blue above the lanes."""
    ferries = base[base["kind"] == "ferry"] if "kind" in base else base.iloc[:0]
    if not len(ferries):
        return None
    f4 = prepare(ferries, "ferries", simplify_m=simplify_m)
    names = f4["name"] if "name" in f4 else pd.Series(["ferry"] * len(f4))
    props = [{"t": _esc(f"Ferry: {n}" if isinstance(n, str) and n != "ferry" else "Ferry")} for n in names]
    layer = DataLayer(
        "ferries",
        f"Ferries ({len(f4):,})",
        packed_lines(np.asarray(f4.geometry.to_numpy(), dtype=object), props, packed_decimals(simplify_m)),
        class_name="siting-ferries",
        style={"color": FERRY_COLOUR, "weight": 4, "opacity": 0.95, "dashArray": FERRY_DASH, "lineCap": "butt"},
    )
    return layer, Scale("Ferries", "dashes", (FERRY_COLOUR,), labels=("ferry crossing (not a road)",))
