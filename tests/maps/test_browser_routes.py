"""Browser tests of tours, access legs, the land-and-sea base with ferries and clustered site markers (chromium)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from map_cases import synthetic_city
from shapely.ops import substring
from test_browser import CHROMIUM, TILE, Page, browser  # noqa: F401  (browser: a fixture)

from siting.delivery.lanes import LaneParams
from siting.maps.basemap import access_legs, base_features
from siting.maps.draw import make_map, save_map
from siting.maps.legend import fmt
from siting.maps.route_layers import BASE_COLOURS, FERRY_COLOUR
from siting.network.edges import edge_coords
from siting.network.snapping import SNAP_COLUMNS, snap_to_edges
from siting.pipeline.options import LaneOptions, RankOptions
from siting.pipeline.site_lanes import site_lanes_and_tours

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")

MAP = "Object.values(window).find(v => v instanceof L.Map)"
LATLNGS = """key => siting.layers[key].getLayers().map(l => ({
    ll: l.getLatLngs().map(p => [p.lng, p.lat]), tip: l.getTooltip() ? l.getTooltip().getContent() : ''}))"""


def _snapped(G, layer):
    snaps = snap_to_edges(G, layer, warn=False)
    out = layer.loc[snaps.index].to_crs(G.graph["crs"])
    for col in SNAP_COLUMNS:
        out[col] = snaps[col].to_numpy()
    return out


@pytest.fixture(scope="module")
def tour_map(tmp_path_factory, helsinki_inputs, helsinki_drive):
    """The Helsinki demo's two best sites with tours (OR-Tools), access legs and the base, drawn and saved."""
    G = helsinki_drive
    inp = helsinki_inputs()
    stores, cands = _snapped(G, inp["stores"]), _snapped(G, inp["candidates"])
    top = cands.sort_values("rank").head(2)
    # the tours after 100 solutions of greedy descent (deterministic; the drawing does not depend on convergence)
    quick = LaneParams(descent_solution_limit=100, solution_limit=0)
    options = RankOptions(lanes=LaneOptions(lane_pattern="tour", lane_params=quick))
    lanes, tours = site_lanes_and_tours(G, top, stores, options, "helsinki")
    assert tours is not None and len(tours) >= 4
    legs = [access_legs(G, stores, "store_id"), access_legs(G, cands, "site_id")]
    access = gpd.GeoDataFrame(pd.concat(legs, ignore_index=True), geometry="geometry", crs=G.graph["crs"])
    # drawn unsimplified, so that the stop order can be followed vertex by vertex (the 3 m display
    # simplification may fold a dead-end street's out-and-back into one pass)
    m = make_map(
        stores=stores, candidates=cands, lanes=lanes, tours=tours, access=access, title="tours", simplify_m=0.0
    )
    path = tmp_path_factory.mktemp("tours") / "tours.html"
    save_map(m, path)
    return {"path": path, "G": G, "stores": stores, "sites": top, "tours": tours, "access": access, "all": cands}


def _first_pass(line: shapely.LineString, pt: shapely.Point, tol_m: float) -> float | None:
    """How far along ``line`` it first comes within ``tol_m`` of ``pt`` (None if never)."""
    done = 0.0
    xy = list(line.coords)
    for a, b in zip(xy[:-1], xy[1:]):
        seg = shapely.LineString([a, b])
        if seg.distance(pt) < tol_m:
            return done + seg.project(pt)
        done += seg.length
    return None


def _to_metric(G, lonlat: np.ndarray) -> np.ndarray:
    tf = pyproj.Transformer.from_crs(4326, G.graph["crs"], always_xy=True)
    x, y = tf.transform(lonlat[:, 0], lonlat[:, 1])
    return np.c_[x, y]


def test_tours_are_drawn_along_the_roads_in_stop_order(browser, tour_map):  # noqa: F811
    G, tours = tour_map["G"], tour_map["tours"]
    page = Page(browser, tour_map["path"])
    p = page.page
    p.wait_for_selector(".siting-legend")
    assert page.errors == [] and [u for u in page.blocked if not TILE.match(u)] == []
    assert page.count("path.siting-tours") == len(tours)
    assert page.count("path.siting-lanes") == 0  # the per-store spokes start hidden when tours are drawn
    drawn = p.evaluate(LATLNGS, "tours")
    node_of_store = dict(zip(tour_map["stores"]["store_id"].astype(str), tour_map["stores"]["node"]))
    node_of_site = dict(zip(tour_map["sites"]["site_id"].astype(str), tour_map["sites"]["node"]))
    by_tip = {d["tip"].split(":")[0]: d for d in drawn}
    for row in tours.itertuples():
        d = by_tip[f"Tour {row.tour} from {row.site_id}"]
        want = (
            f"{fmt(row.stops)} stops · {fmt(row.length_m / 1000.0)} km · {fmt(row.co2e_wtw_kg_per_week)} kg CO2e/week"
        )
        assert d["tip"].endswith(want), d["tip"]
        line = shapely.LineString(_to_metric(G, np.array(d["ll"])))
        site = G.nodes[int(node_of_site[row.site_id])]
        assert line.coords[0] == pytest.approx(line.coords[-1], abs=0.5)  # back at the site
        assert shapely.Point(site["x"], site["y"]).distance(shapely.Point(line.coords[0])) < 1.0
        # every stop lies on the drawn line, in the tour's order (a spoke from the site reaches one store)
        at = 0.0  # how far along the drawn line the tour has got
        for sid in row.store_ids.split(";"):
            node = G.nodes[int(node_of_store[sid])]
            # (from 10 m back: two stops on one short street may be served in either direction)
            back = max(at - 10.0, 0.0)
            step = _first_pass(substring(line, back, line.length), shapely.Point(node["x"], node["y"]), 1.0)
            assert step is not None, (row.site_id, row.tour, sid)  # not on what is still to be driven
            at = back + step
        # drawn node to node: no longer than the tour's priced length (which adds each stop's access legs
        # and part-edges to its edge point)
        assert line.length <= row.length_m, (row.site_id, row.tour)
    p.get_by_label("Tours", exact=False).uncheck()
    assert page.count("path.siting-tours") == 0
    page.close()


def test_access_legs_are_drawn_thin_dashed_to_the_snapped_road_point(browser, tour_map):  # noqa: F811
    G, access = tour_map["G"], tour_map["access"]
    page = Page(browser, tour_map["path"])
    p = page.page
    p.wait_for_selector(".siting-legend")
    assert page.count("path.siting-access") == len(access) > 400
    first = p.locator("path.siting-access").first
    assert first.get_attribute("stroke-dasharray") == "3 3" and float(first.get_attribute("stroke-width")) < 1.5
    # each drawn leg runs from its store or site to the point snapping found, as long as snapping says
    snaps = {
        **{
            ("store", k): v
            for k, v in zip(tour_map["stores"]["store_id"].astype(str), tour_map["stores"]["snap_distance_m"])
        },
        **{("site", k): v for k, v in zip(tour_map["all"]["site_id"].astype(str), tour_map["all"]["snap_distance_m"])},
    }
    edges = shapely.STRtree([shapely.LineString(edge_coords(G, u, v, d)) for u, v, d in G.edges(data=True)])
    drawn = p.evaluate(LATLNGS, "access")
    for d in drawn:
        kind, ident = (
            d["tip"].removeprefix("Access leg of ").split(":")[0].split(" ", 1)
        )  # store and site ids may clash
        leg = shapely.LineString(_to_metric(G, np.array(d["ll"])))
        assert leg.length == pytest.approx(snaps[kind, ident], abs=0.6), ident
        end = shapely.Point(leg.coords[-1])
        assert edges.geometries[edges.nearest(end)].distance(end) < 0.6, ident  # it ends on a road
    p.get_by_label("Access legs", exact=False).uncheck()
    assert page.count("path.siting-access") == 0
    assert not p.locator('.siting-legend-section[data-layer="access"]').is_visible()
    page.close()


@pytest.fixture(scope="module")
def malta_base_map(tmp_path_factory, malta_graph, malta_inputs):
    """Malta's stores and sites over the land-and-sea base of the shared extract, saved offline."""
    stores, sites = malta_inputs
    base = base_features(malta_graph)
    m = make_map(stores=stores, candidates=sites, base=base, title="Malta base")
    path = tmp_path_factory.mktemp("base") / "malta_base.html"
    save_map(m, path)
    return path, base


def _pixel(png: Path, xy: tuple[float, float]) -> tuple[int, int, int]:
    image = pytest.importorskip("PIL.Image", reason="Pillow is needed to read the screenshot's pixels")
    with image.open(png) as img:
        return img.convert("RGB").getpixel((int(xy[0]), int(xy[1])))


def test_land_and_sea_base_is_drawn_under_the_data_with_ferries_dashed(browser, malta_base_map, tmp_path):  # noqa: F811
    path, base = malta_base_map
    page = Page(browser, path)
    p = page.page
    p.wait_for_selector(".siting-legend")
    assert page.errors == [] and [u for u in page.blocked if not TILE.match(u)] == []
    kinds = set(base["kind"])
    assert {"land", "water", "landuse", "ferry"} <= kinds
    # the base sits in its own pane between the (blocked) tiles and the data
    z = p.evaluate("""() => [getComputedStyle(document.querySelector('.leaflet-sitingBase-pane')).zIndex,
        getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex]""")
    assert int(z[0]) < int(z[1])
    assert p.locator(".leaflet-sitingBase-pane path.siting-base").count() == int((base["kind"] != "ferry").sum())
    assert p.locator(".leaflet-overlay-pane path.siting-stores").count() > 900
    # offline, the sea is sea-coloured and the land land-coloured (not Leaflet's blank grey)
    water = base.loc[base["kind"] == "water"].to_crs(4326).geometry.iloc[0]
    land = base.loc[base["kind"] == "land"].to_crs(4326).geometry.iloc[0]
    sea_pt = shapely.Point(14.30, 35.93)  # open sea off Malta's west coast
    assert water.contains(sea_pt) and not land.contains(sea_pt)
    xy = p.evaluate(f"ll => {{ const q = {MAP}.latLngToContainerPoint(ll); return [q.x, q.y]; }}", [35.93, 14.30])
    shot = tmp_path / "base.png"
    p.screenshot(path=str(shot))
    got, want = _pixel(shot, xy), BASE_COLOURS["water"]
    assert max(abs(a - int(want[i : i + 2], 16)) for a, i in zip(got, (1, 3, 5))) <= 6, (got, want)
    # the Malta-Gozo ferry: dashed blue, named, with a legend entry that is not a road colour
    ferry = p.locator("path.siting-ferries")
    assert ferry.count() == int((base["kind"] == "ferry").sum()) >= 1
    assert ferry.first.get_attribute("stroke-dasharray") == "8 6"
    assert ferry.first.get_attribute("stroke") == FERRY_COLOUR
    tips = p.evaluate(LATLNGS, "ferries")
    assert any("Malta-Gozo" in t["tip"] for t in tips)
    section = p.locator('.siting-legend-section[data-layer="ferries"]')
    assert "ferry" in section.inner_text().lower()
    dash = section.locator(".siting-legend-dash").first.evaluate("e => getComputedStyle(e).borderTopStyle")
    assert dash == "dashed"
    page.close()


def test_site_markers_cluster_at_city_extent_without_hiding_the_stores(browser, tmp_path):  # noqa: F811
    city = synthetic_city(1000, 100)
    path = tmp_path / "cluster.html"
    save_map(make_map(title="Synthetic city", **city), path)
    html = path.read_text(encoding="utf-8")
    assert "Leaflet.markercluster 1.5.3 (MIT)" in html
    page = Page(browser, path)
    p = page.page
    p.wait_for_selector(".siting-legend")
    assert page.errors == [] and [u for u in page.blocked if not TILE.match(u)] == []
    # markercluster settles its icons after the first zoom (animated, slower under load): wait for the
    # settled state, where every site is either a label or counted in a cluster, then check it
    settled = """() => {
        const n = [...document.querySelectorAll('.leaflet-marker-icon.marker-cluster')].map(e => +e.innerText);
        const labels = document.querySelectorAll('.leaflet-marker-icon.siting-rank').length;
        return n.length >= 5 && labels + n.reduce((a, b) => a + b, 0) === 100;
    }"""
    p.wait_for_function(settled, timeout=15_000)
    clusters = p.locator(".leaflet-marker-icon.marker-cluster")
    assert clusters.count() >= 5
    labels = page.count(".leaflet-marker-icon.siting-rank")
    in_clusters = sum(int(t) for t in clusters.all_inner_texts())
    assert labels < 60 and labels + in_clusters == 100  # every site is either a label or counted in a cluster
    assert page.count("path.siting-stores") == 1000
    # zoomed in past the clustering zoom, the sites in view are labels again
    p.evaluate(
        "() => { const m = Object.values(window).find(v => v instanceof L.Map); m.setZoom(16, {animate: false}); }"
    )
    p.wait_for_function(
        "() => !document.querySelector('.leaflet-marker-icon.marker-cluster')"
        " && document.querySelector('.leaflet-marker-icon.siting-rank') !== null",
        timeout=15_000,
    )
    assert page.count(".leaflet-marker-icon.marker-cluster") == 0 < page.count(".leaflet-marker-icon.siting-rank")
    page.close()
