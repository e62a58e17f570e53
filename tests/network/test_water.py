"""Snapping that cannot cross water: the extract's sea and lakes, hand-built cases and Malta."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from siting.errors import InputError
from siting.network.snapping import edge_table, snap_to_edges
from siting.network.water import WATER_TOLERANCE_M, read_water

CRS = "EPSG:32633"


def _graph(roads: list[tuple[tuple[float, float], tuple[float, float]]], water=None) -> nx.MultiDiGraph:
    """Two-way straight roads between the given metric points; ``water`` a polygon in the same CRS."""
    G = nx.MultiDiGraph(crs=CRS, mode="drive")
    for i, (a, b) in enumerate(roads):
        u, v = 2 * i, 2 * i + 1
        G.add_node(u, x=a[0], y=a[1])
        G.add_node(v, x=b[0], y=b[1])
        length = float(np.hypot(b[0] - a[0], b[1] - a[1]))
        G.add_edge(u, v, 0, length=length, travel_time=length / 10)
        G.add_edge(v, u, 0, length=length, travel_time=length / 10)
    if water is not None:
        G.graph["water"] = water
    return G


def _legs(G: nx.MultiDiGraph, src: gpd.GeoSeries, s: pd.DataFrame) -> np.ndarray:
    """The access legs rebuilt from snap rows: from each feature to the point at ``fraction`` on its edge."""
    t = edge_table(G)
    row = {(u, v, k): i for i, (u, v, k) in enumerate(zip(t["u"], t["v"], t["key"]))}
    edges = t["geometry"][[row[(u, v, k)] for u, v, k in zip(s["u"], s["v"], s["key"])]]
    on_edge = shapely.line_interpolate_point(edges, s["fraction"].to_numpy(), normalized=True)
    return shapely.shortest_line(src.loc[s.index].to_numpy(), on_edge)


def test_a_lake_between_a_point_and_the_nearest_road_sends_it_to_the_dry_one():
    lake = box(0, 10, 1000, 300)  # the point at y=0 is 10 m from the lake, 300 m from the road beyond it
    G = _graph([((0, 310), (1000, 310)), ((600, -400), (600, -1000))], water=lake)
    pts = gpd.GeoDataFrame(geometry=[Point(500, 0)], crs=CRS)
    s = snap_to_edges(G, pts, max_distance_m=1000)
    assert (s.iloc[0].u, s.iloc[0].v) == (2, 3)  # the road south, not the nearer one across the lake
    assert s.iloc[0].snap_distance_m == pytest.approx(np.hypot(100, 400))  # to its end (600, -400)
    G.graph.pop("water")
    dry = snap_to_edges(G, pts, max_distance_m=1000)  # without water: straight over the lake
    assert (dry.iloc[0].u, dry.iloc[0].v) == (0, 1) and dry.iloc[0].snap_distance_m == pytest.approx(310)


def test_a_point_with_only_wet_roads_in_reach_is_reported_across_water():
    sea = box(-5000, 10, 5000, 300)  # a strait: land south of it and north of it
    G = _graph([((0, 400), (1000, 400))], water=sea)
    pts = gpd.GeoDataFrame(geometry=[Point(500, 0), Point(500, 420)], crs=CRS, index=["shore", "north"])
    with pytest.warns(UserWarning, match="only across water"):
        s = snap_to_edges(G, pts, max_distance_m=1000)
    assert list(s.index) == ["north"] and s.attrs["across_water"] == ["shore"]


def test_a_point_just_off_the_drawn_shore_still_snaps():
    sea = box(0, 0, 1000, 1000)  # the quay point sits 5 m inside the drawn water
    G = _graph([((-100, 500), (-100, 600))], water=sea)
    pts = gpd.GeoDataFrame(geometry=[Point(5, 550)], crs=CRS)
    s = snap_to_edges(G, pts, max_distance_m=500)
    assert len(s) == 1 and s.iloc[0].snap_distance_m == pytest.approx(105)
    with pytest.warns(UserWarning):
        assert snap_to_edges(G, pts, max_distance_m=500, water_tolerance_m=1).empty


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_a_bad_water_tolerance_is_refused(bad):
    G = _graph([((0, 0), (100, 0))], water=box(0, 50, 100, 100))
    with pytest.raises(InputError, match="water_tolerance_m"):
        snap_to_edges(G, gpd.GeoDataFrame(geometry=[Point(0, 10)], crs=CRS), water_tolerance_m=bad)


def test_polygon_sites_snap_from_their_boundary():
    G = _graph([((0, 0), (1000, 0))])
    touching = box(100, 0, 700, 600)  # 36 ha touching the road: its centre is 300 m away
    near = box(100, 40, 200, 140)  # 40 m from the road
    sites = gpd.GeoDataFrame(geometry=[touching, near, Polygon()], crs=CRS)
    with pytest.warns(UserWarning):
        s = snap_to_edges(G, sites, max_distance_m=500)
    assert list(s.index) == [0, 1]
    assert s["snap_distance_m"].tolist() == pytest.approx([0.0, 40.0])
    assert 0.1 <= s.at[0, "fraction"] <= 0.7 and 0.1 <= s.at[1, "fraction"] <= 0.2


def test_malta_water_is_the_sea_round_its_three_islands(malta_pbf):
    found = read_water(malta_pbf)
    assert found["sea"] and found["open_coastlines"] == 0 and found["inland_areas"] > 100
    frame = shapely.box(*found["water"].bounds)
    land = gpd.GeoSeries([shapely.difference(frame, found["water"])], crs=4326).to_crs(32633)
    # Malta's land area is 316 km2 (National Statistics Office, Malta); lakes and reservoirs are holes in it
    assert land.area.iloc[0] / 1e6 == pytest.approx(316, rel=0.03)


@pytest.fixture(scope="module")
def malta_snaps(malta_graph, malta_inputs):
    stores, candidates = malta_inputs
    return {
        (kind, limit): (layer, snap_to_edges(malta_graph, layer, max_distance_m=limit, warn=False))
        for kind, layer in (("stores", stores), ("candidates", candidates))
        for limit in (500.0, 15_000.0)
    }


def test_no_snapped_access_leg_crosses_water_on_malta(malta_graph, malta_snaps):
    # independent of the package's index: a leg lies out of the shrunk water when its source is out of it
    # and it meets none of the water's shore segments
    deep = malta_graph.graph["water"].buffer(-WATER_TOLERANCE_M)
    shapely.prepare(deep)
    rings = shapely.get_parts(shapely.get_rings(shapely.get_parts(deep)))
    segments = []
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        segments.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
    tree = shapely.STRtree(np.concatenate(segments))
    for (kind, limit), (layer, s) in malta_snaps.items():
        src = layer.to_crs(malta_graph.graph["crs"]).geometry
        legs = _legs(malta_graph, src, s)
        assert shapely.length(legs) == pytest.approx(s["snap_distance_m"].to_numpy(), abs=1e-6)
        wet = shapely.intersects(deep, shapely.get_point(legs, 0))
        wet[np.unique(tree.query(legs, predicate="intersects")[0])] = True
        assert not wet.any(), f"{kind} at {limit:g} m: {list(s.index[wet])} cross water"
        assert len(s) + len(s.attrs["across_water"]) >= len(layer) - 3


def test_the_comino_store_is_unreachable_not_snapped_to_gozo(malta_graph, malta_inputs, malta_snaps):
    stores, _ = malta_inputs
    comino = stores.index[stores["store_id"] == "shop-5395412121"][0]
    _, s = malta_snaps[("stores", 15_000.0)]
    assert comino not in s.index and comino in s.attrs["across_water"]
    H = malta_graph.copy()
    H.graph.pop("water")
    H.graph.pop("water_deep", None)
    old = snap_to_edges(H, stores.loc[[comino]], max_distance_m=15_000)  # the behaviour the issue reported
    assert old.iloc[0].snap_distance_m == pytest.approx(1504, abs=5)


def test_malta_ranking_reports_the_store_only_reachable_across_water(malta_ranked):
    ex = malta_ranked.excluded
    wet = ex[ex["filter"] == "water_crossing"]
    assert "shop-5194483207" in set(wet["id"].astype(str))
    assert wet["reason"].str.contains("without crossing water").all()
