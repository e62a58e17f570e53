"""Lean maps: Malta's rank map at map scale stays under 2.5 MB with every layer kept."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from siting.maps.draw import make_map, map_tolerance_m, save_map
from siting.maps.elements import js_json


def test_malta_rank_map_is_at_most_2_5_mb_with_every_layer(malta_ranked, tmp_path: Path):
    r = malta_ranked
    layers = {"stores": r.stores, "candidates": r.candidates, "lanes": r.lanes, "isochrones": r.isochrones}
    assert 12 < map_tolerance_m(layers.values()) < 25  # about 34 km across / 2,000
    m = make_map(title="malta", **layers)
    size = save_map(m, tmp_path / "malta.html")
    assert size == (tmp_path / "malta.html").stat().st_size
    assert size <= 2.5 * 2**20, size
    drawn = m.siting_layers
    assert drawn["stores"] == len(r.stores) and drawn["lanes"] == len(r.lanes) == len(r.stores)
    assert drawn["isochrones"] == 1 and drawn["candidates"] >= len(r.candidates)


def test_helsinki_demo_map_size_quoted_in_the_readme(tmp_path: Path, helsinki_inputs):
    inp = helsinki_inputs()
    counts = {k: len(inp[k]) for k in ("stores", "lanes", "candidates", "population", "rents", "isochrones")}
    assert counts == {"stores": 429, "lanes": 429, "candidates": 48, "population": 36, "rents": 35, "isochrones": 2}
    size = save_map(make_map(title="Helsinki demo", **inp), tmp_path / "h.html")
    assert round(size / 2**20, 2) == 0.71


def test_city_maps_keep_full_precision():
    from siting.pipeline.options import city_from_demo

    city = city_from_demo("helsinki")
    assert map_tolerance_m([city.stores, city.candidates]) == 3.0


def test_script_json_escapes_only_what_can_break_out():
    text = js_json({"a": "<tr><td>x</td></tr></script><!-- \u2028"})
    assert "</" not in text and "<!" not in text and "\u2028" not in text
    assert text.startswith('{"a":"<tr><td>x')


def test_compact_lane_popups_are_escaped():
    from shapely.geometry import LineString

    lanes = gpd.GeoDataFrame(
        {"site_id": ["s<1>"], "store_id": ["<img src=x onerror=alert(1)>"], "length_m": [np.nan], "time_s": [60.0]},
        geometry=[LineString([(0, 0), (100, 0)])],
        crs="EPSG:32635",
    )
    stores = gpd.GeoDataFrame({"store_id": ["a"]}, geometry=gpd.points_from_xy([0], [0]), crs="EPSG:32635")
    stores["demand_units_per_week"] = 1.0
    cands = gpd.GeoDataFrame({"site_id": ["s<1>"]}, geometry=gpd.points_from_xy([100], [0]), crs="EPSG:32635")
    m = make_map(stores=stores, candidates=cands, lanes=lanes)
    layer = next(ch for ch in m._children.values() if getattr(ch, "key", None) == "lanes")
    assert "<img" not in layer.data_js and "&lt;img" in layer.data_js
    assert '"fields":["length_m","time_s"]' in layer.opts_js
    assert '"v":["","60"]' in layer.data_js
