"""Tests of siting.maps.draw: layers, escaping, offline HTML, size, redraw from outputs (no browser)."""

from __future__ import annotations

import html
import json
import re

import folium
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from map_cases import XSS_IMG, XSS_SCRIPT, expected_counts, synthetic_city, unpack

from siting import InputError, MissingColumnError, NoCrsError, SitingError
from siting.maps.draw import OSM_ATTRIBUTION, criteria_columns, make_map, save_map
from siting.maps.from_run import map_from_outputs
from siting.maps.legend import class_scale
from siting.maps.offline import LEAFLET_CSS_URL, LEAFLET_JS_URL, inline_assets, remote_assets


def _layer_data(m: folium.Map, key: str) -> dict:
    for child in m._children.values():
        if getattr(child, "key", None) == key:
            return unpack(json.loads(child.data_js))
    raise KeyError(key)


@pytest.fixture(scope="module")
def demo_map(helsinki_inputs) -> folium.Map:
    return make_map(title="Helsinki demo", **helsinki_inputs())


def test_every_layer_has_one_feature_per_input_row(demo_map, helsinki_inputs):
    assert demo_map.siting_layers == expected_counts(helsinki_inputs())


def test_offline_page_is_self_contained(demo_map, tmp_path):
    path = tmp_path / "map.html"
    n = save_map(demo_map, path)
    page = path.read_text(encoding="utf-8")
    assert n == path.stat().st_size
    assert remote_assets(page) == []
    assert "<script src" not in page and "stylesheet" not in page
    assert "url(images/" not in page and "data:image/png;base64," in page
    assert "Leaflet 1.9.3" in page and "jQuery" not in page  # nothing on the page uses jQuery: not shipped
    assert "bootstrap" not in page.lower() and "font-awesome" not in page.lower()
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]  # no temporary file left behind


def test_cdn_option_keeps_links_and_is_smaller(demo_map, tmp_path):
    n_offline = save_map(demo_map, tmp_path / "a.html")
    n_cdn = save_map(demo_map, tmp_path / "b.html", offline=False)
    page = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert f'<script src="{LEAFLET_JS_URL}">' in page and LEAFLET_CSS_URL in page
    assert set(remote_assets(page)) >= {LEAFLET_JS_URL, LEAFLET_CSS_URL}
    assert n_cdn < n_offline - 150_000  # Leaflet's JS, CSS and images are about 170 KB


def test_offline_save_fails_loudly_when_a_cdn_asset_remains(tmp_path):
    path = tmp_path / "plain.html"
    path.write_text("previous")
    m = folium.Map(location=[60.17, 24.94])  # folium's defaults load Bootstrap and Font Awesome from CDNs
    folium.Marker([60.17, 24.94], icon=folium.Icon(icon="info-sign")).add_to(m)
    with pytest.raises(SitingError, match="bootstrap"):
        save_map(m, path)
    assert path.read_text() == "previous"  # nothing half-written
    assert [p.name for p in tmp_path.iterdir()] == ["plain.html"]


def test_remote_assets_finds_scripts_styles_and_css_imports():
    page = (
        '<script src="//cdn.x/a.js"></script><link href="https://cdn.x/b.css" rel="stylesheet">'
        '<style>@import url("http://cdn.x/c.css"); .a{background:url(https://cdn.x/d.png)}</style>'
        '<a href="https://www.openstreetmap.org/copyright">OSM</a><script>var a=1;</script>'
    )
    assert remote_assets(page) == ["//cdn.x/a.js", "https://cdn.x/b.css", "http://cdn.x/c.css", "https://cdn.x/d.png"]


def test_user_strings_are_escaped_everywhere(tmp_path, helsinki_inputs):
    inp = helsinki_inputs()
    stores = inp["stores"]
    stores.loc[stores.index[0], "name"] = XSS_IMG
    stores.loc[stores.index[1], "name"] = XSS_SCRIPT
    stores.loc[stores.index[2], "store_id"] = "<b>id</b>"
    inp["candidates"].loc[inp["candidates"].index[0], "name"] = XSS_SCRIPT
    m = make_map(title=XSS_SCRIPT, attribution_extra=XSS_IMG, **inp)
    save_map(m, tmp_path / "xss.html")
    page = (tmp_path / "xss.html").read_text(encoding="utf-8")
    for raw in (XSS_IMG, XSS_SCRIPT, "<b>id</b>", 'window.__x=1">'):
        assert raw not in page
    clean = make_map(title="clean", **helsinki_inputs()).get_root().render()
    assert page.lower().count("</script") == inline_assets(clean).lower().count("</script")  # no element closed early
    popups = [str(f["properties"]["h"]) + "".join(f["properties"]["v"]) for f in _layer_data(m, "stores")["features"]]
    tips = [f["properties"]["t"] for f in _layer_data(m, "stores")["features"]]
    assert any("&lt;img src=x onerror=&quot;window.__x=1&quot;&gt;" in p for p in popups)
    assert any("&lt;b&gt;id&lt;/b&gt;" in p for p in popups)
    assert "&lt;/script&gt;&lt;script&gt;window.__x=2&lt;/script&gt;" in tips


def test_popup_breakdown_shows_whatever_criteria_exist(helsinki_inputs):
    inp = helsinki_inputs()
    c = inp["candidates"]
    c["co2e_kg_per_week"] = np.linspace(1.0, 2.0, len(c))
    c["co2e_kg_per_week_norm"] = 1.0 - np.linspace(0.0, 1.0, len(c))
    c["co2e_kg_per_week_contrib"] = 0.1 * c["co2e_kg_per_week_norm"]
    crit = criteria_columns(c)
    assert crit == ["delivery_time_s", "rent_per_yr", "co2e_kg_per_week"]
    m = make_map(stores=inp["stores"], candidates=c)
    best = c.loc[c["rank"] == 1].iloc[0]
    popups = [f["properties"]["p"] for f in _layer_data(m, "candidates")["features"] if f["properties"].get("l") == "1"]
    assert len(popups) == 1
    for col in crit:
        assert f"<td>{col}</td>" in popups[0]
    assert f"1 of {len(c)}" in popups[0] and str(best["site_id"]) in popups[0]


def test_ranks_are_coloured_best_darkest(helsinki_inputs):
    m = make_map(**{k: v for k, v in helsinki_inputs().items() if k in ("stores", "candidates")})
    labels = [f["properties"] for f in _layer_data(m, "candidates")["features"] if "l" in f["properties"]]
    by_rank = sorted(labels, key=lambda p: int(p["l"]))

    def lightness(hex_color: str) -> int:
        return sum(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))

    light = [lightness(p["f"]) for p in by_rank]
    assert light == sorted(light) and light[0] < light[-1]


def test_any_crs_in_lonlat_out_rounded(helsinki_inputs):
    inp = helsinki_inputs()
    stores_4326 = inp["stores"].to_crs(4326)
    m = make_map(stores=stores_4326, candidates=inp["candidates"].to_crs(3067), lanes=inp["lanes"])
    lon_min, lat_min, lon_max, lat_max = stores_4326.total_bounds
    for key in ("stores", "candidates", "lanes"):
        text = json.dumps(_layer_data(m, key))
        coords = np.array(re.findall(r"\[(-?\d+\.?\d*), (-?\d+\.?\d*)\]", text), dtype=float)
        assert len(coords)
        assert coords[:, 0].min() > lon_min - 0.05 and coords[:, 0].max() < lon_max + 0.05
        assert coords[:, 1].min() > lat_min - 0.05 and coords[:, 1].max() < lat_max + 0.05
        decimals = [len(s.split(".")[1]) for s in re.findall(r"-?\d+\.\d+", text.split('"properties"')[0])]
        assert max(decimals) <= 6
    first = _layer_data(m, "stores")["features"][0]["geometry"]["coordinates"]
    assert first == pytest.approx([stores_4326.geometry.iloc[0].x, stores_4326.geometry.iloc[0].y], abs=1e-6)


def test_bad_inputs_raise_clear_errors(helsinki_inputs):
    inp = helsinki_inputs()
    with pytest.raises(NoCrsError, match="stores.*set_crs"):
        make_map(stores=inp["stores"].set_crs(None, allow_override=True), candidates=inp["candidates"])
    with pytest.raises(MissingColumnError, match="demand_units_per_week"):
        make_map(stores=inp["stores"].drop(columns="demand_units_per_week"), candidates=inp["candidates"])
    with pytest.raises(InputError, match="nope"):
        make_map(stores=inp["stores"], candidates=inp["candidates"], chosen=["nope"])


def test_attribution_always_shown_and_extra_escaped(helsinki_inputs):
    inp = helsinki_inputs()
    m = make_map(stores=inp["stores"], candidates=inp["candidates"], attribution_extra="Rents © <Acme>")
    controls = [c for c in m._children.values() if type(c).__name__ == "Controls"]
    assert json.loads(controls[0].attributions_js) == [OSM_ATTRIBUTION, "Rents © &lt;Acme&gt;"]
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert [t.options["attribution"] for t in tiles] == [OSM_ATTRIBUTION]


def test_thousand_store_city_stays_under_5_mb(tmp_path):
    city = synthetic_city(1000, 100)
    m = make_map(title="Synthetic city", **city)
    n = save_map(m, tmp_path / "big.html")
    print(f"1,000-store synthetic city: {n / 1e6:.2f} MB offline HTML")
    assert n < 5_000_000
    # Simplification drops the collinear vertices of the 200-vertex lanes (display only).
    n_vertices = sum(len(f["geometry"]["coordinates"]) for f in _layer_data(m, "lanes")["features"])
    assert n_vertices < 0.25 * 200 * 1000
    unsimplified = make_map(simplify_m=0.0, **city)
    # every vertex kept, but a vertex repeating the one before it (the staircase's steps) is written once
    lonlat = shapely.transform(city["lanes"].to_crs(4326).geometry.values, lambda xy: np.round(xy, 6))  # 0.1 m
    distinct = int(shapely.get_num_coordinates(shapely.remove_repeated_points(lonlat)).sum())
    assert 100_000 < distinct < 200_000
    assert sum(len(f["geometry"]["coordinates"]) for f in _layer_data(unsimplified, "lanes")["features"]) == distinct


def test_map_from_outputs_redraws_the_same_layers(tmp_path, helsinki_inputs):
    inp = helsinki_inputs()
    cands = inp["candidates"]
    ranking_cols = ["site_id", "rank", "score"] + [
        c for c in cands.columns if c.startswith(("delivery", "rent_per_yr"))
    ]
    pd.DataFrame(cands[ranking_cols]).assign(chosen=cands["site_id"].isin(inp["chosen"])).to_csv(
        tmp_path / "ranking.csv", index=False
    )
    cands.drop(columns=ranking_cols[1:]).to_parquet(tmp_path / "candidates.parquet")
    inp["stores"].to_parquet(tmp_path / "stores.parquet")
    inp["lanes"].to_file(tmp_path / "layers.gpkg", layer="lanes")
    inp["population"].to_file(tmp_path / "layers.gpkg", layer="population")
    inp["rents"].to_file(tmp_path / "rents.gpkg")
    inp["isochrones"].to_parquet(tmp_path / "isochrones.parquet")
    (tmp_path / "summary.json").write_text(json.dumps({"title": "Saved run"}))
    m = map_from_outputs(tmp_path)
    assert m.siting_layers == expected_counts(inp)
    assert '"Saved run"' in m.get_root().render()
    best = _layer_data(m, "candidates")["features"]
    assert any(f["properties"].get("l") == "1" and "delivery_time_s" in f["properties"]["p"] for f in best)


def test_map_from_outputs_names_the_missing_file(tmp_path, helsinki_inputs):
    helsinki_inputs()["stores"].to_parquet(tmp_path / "stores.parquet")
    with pytest.raises(InputError, match="candidates.parquet, candidates.gpkg, candidates.geojson, layers.gpkg"):
        map_from_outputs(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        map_from_outputs(tmp_path / "nowhere")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60))
def test_class_scale_is_monotone_and_covers_every_value(values):
    scale = class_scale(np.array(values), "Blues", "t")
    colors = scale.color(np.array(values))
    assert set(colors) <= set(scale.colors)
    index = [scale.colors.index(c) for c in colors]
    order = np.argsort(values, kind="stable")
    assert list(np.array(index)[order]) == sorted(index)


def test_tours_and_lanes_without_trips_or_co2_still_draw(helsinki_inputs):
    inp = helsinki_inputs()
    tours = inp["lanes"].dissolve(by="site_id", as_index=False)[["site_id", "geometry"]]
    tours["tour"] = 1
    m = make_map(stores=inp["stores"], candidates=inp["candidates"], lanes=tours)
    feats = _layer_data(m, "lanes")["features"]
    assert len(feats) == len(tours)
    assert {f["properties"]["w"] for f in feats} == {3.0}  # no trips_per_week: one width for all
    assert all(f["properties"]["h"].startswith("Tour 1 from ") for f in feats)  # compact popup heading


def test_unranked_sites_are_grey_and_said_so(helsinki_inputs):
    inp = helsinki_inputs()
    c = inp["candidates"]
    c.loc[c["rank"] > 40, ["rank", "score"]] = np.nan
    m = make_map(stores=inp["stores"], candidates=c, title="A <b>title</b>")
    labels = [f["properties"] for f in _layer_data(m, "candidates")["features"] if "l" in f["properties"]]
    unranked = [p for p in labels if p["l"] == ""]
    assert len(unranked) == int(c["rank"].isna().sum()) > 0
    assert {p["f"] for p in unranked} == {"#adb5bd"}
    assert all(p["t"].endswith("(not ranked)") for p in unranked)
    assert all("of 40</td>" in p["p"] for p in labels if p["l"])
    assert "<title>A &lt;b&gt;title&lt;/b&gt;</title>" in m.get_root().render()


def test_same_inputs_give_the_same_file(tmp_path, helsinki_inputs):
    inp = helsinki_inputs()
    a = save_map(make_map(title="t", **inp), tmp_path / "a.html")
    b = save_map(make_map(title="t", **inp), tmp_path / "b.html")
    assert a == b and (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_point_population_is_drawn_as_circles_sized_by_people(helsinki_inputs):
    inp = helsinki_inputs()
    pop = inp["population"].copy()
    pop["geometry"] = pop.geometry.representative_point()
    m = make_map(stores=inp["stores"], candidates=inp["candidates"], population=pop)
    feats = _layer_data(m, "population")["features"]
    assert {f["geometry"]["type"] for f in feats} == {"Point"} and len(feats) == len(pop)
    radius = np.array([f["properties"]["r"] for f in feats])
    people = pop["population"].to_numpy()
    assert radius[np.argmax(people)] == radius.max() and radius[np.argmin(people)] == radius.min()


def test_saving_twice_or_after_display_writes_the_same_page(tmp_path, helsinki_inputs):
    m = make_map(title="t", **helsinki_inputs())
    m._repr_html_()  # what a notebook does when it shows the map
    a = save_map(m, tmp_path / "a.html")
    save_map(m, tmp_path / "cdn.html", offline=False)
    b = save_map(m, tmp_path / "b.html")
    assert a == b and (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_chosen_sites_as_a_geodataframe_get_the_candidates_breakdown(helsinki_inputs):
    inp = helsinki_inputs()
    c = inp["candidates"]
    picked = c[c["site_id"].isin(inp["chosen"])][["site_id", "geometry"]].to_crs(4326)
    m = make_map(stores=inp["stores"], candidates=c, chosen=picked)
    feats = _layer_data(m, "chosen")["features"]
    assert len(feats) == len(inp["chosen"])
    assert all("delivery_time_s" in f["properties"]["p"] and "Chosen site" in f["properties"]["p"] for f in feats)


def test_inline_notebook_map_is_the_same_offline_page(demo_map):
    import re

    from siting.maps.draw import map_html, show_map

    frame = show_map(demo_map).data
    inner = html.unescape(re.search(r'srcdoc="(.*?)" style', frame, re.S).group(1))
    assert inner == map_html(demo_map)
    assert remote_assets(inner) == []


def test_saved_map_has_ordinary_file_permissions(demo_map, tmp_path):
    """A map for stakeholders is readable like any other file, not private like a temp file."""
    import os
    import stat

    umask = os.umask(0o022)
    try:
        save_map(demo_map, tmp_path / "m.html")
    finally:
        os.umask(umask)
    mode = stat.S_IMODE((tmp_path / "m.html").stat().st_mode)
    assert mode == 0o644


def test_map_from_outputs_reads_the_city_folder(tmp_path, helsinki_inputs):
    inp = helsinki_inputs()
    cands = inp["candidates"]
    city = tmp_path / "helsinki"
    city.mkdir()
    inp["stores"].to_file(city / "layers.gpkg", layer="stores")
    cands.to_file(city / "layers.gpkg", layer="sites")  # the alias of candidates
    ids = cands.sort_values("rank")["site_id"].astype(str).tolist()
    pd.DataFrame({"site_id": ids[:2]}).to_csv(city / "chosen.csv", index=False)
    pd.DataFrame({"site_id": ids[2:5]}).to_csv(tmp_path / "chosen.csv", index=False)  # not the city's
    m = map_from_outputs(tmp_path, city="helsinki")
    assert m.siting_layers["stores"] == len(inp["stores"])
    assert m.siting_layers["chosen"] == 2
    popups = [f["properties"]["p"] for f in _layer_data(m, "chosen")["features"]]
    shown = [html.unescape(re.search(r"<td>site_id</td><td>([^<]*)</td>", p).group(1)) for p in popups]
    assert sorted(shown) == sorted(ids[:2])
    assert map_from_outputs(tmp_path).siting_layers["chosen"] == 2  # a one-city run: its only folder
    with pytest.raises(InputError, match="holds no layers of city 'kotka'"):
        map_from_outputs(tmp_path, city="kotka")


def test_map_from_outputs_colours_chosen_sites_by_what_chosen_csv_says_they_make(tmp_path, helsinki_inputs):
    from siting.maps.palettes import OKABE_ITO

    inp = helsinki_inputs()
    inp["stores"].to_file(tmp_path / "layers.gpkg", layer="stores")
    inp["candidates"].to_file(tmp_path / "layers.gpkg", layer="candidates")
    ids = inp["candidates"]["site_id"].astype(str).tolist()[:3]
    pd.DataFrame(
        {  # as `siting plan --objective portfolio` writes it
            "site_id": ids,
            "portfolio_makes_per_week": ["tee 40; cap 3.5", "cap 12", "none (cross-dock only)"],
            "portfolio_main_family": ["tee", "cap", ""],
            "portfolio_local_families": [2, 1, 0],
        }
    ).to_csv(tmp_path / "chosen.csv", index=False)
    m = map_from_outputs(tmp_path)
    shown = {}
    for f in _layer_data(m, "chosen")["features"]:
        p = f["properties"]
        site = html.unescape(re.search(r"<td>site_id</td><td>([^<]*)</td>", p["p"]).group(1))
        shown[site] = (p["f"], p["l"])
        assert "makes (units/week)" in p["p"]
    assert shown == {ids[0]: (OKABE_ITO[1], "★⁺¹"), ids[1]: (OKABE_ITO[0], "★"), ids[2]: ("#ffffff", "☆")}
