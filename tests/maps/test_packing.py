"""Packed map geometry (prefix-tree lines, delta rings) round-trips; a tour run's folder redraws its tours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from map_cases import unpack
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from siting.maps.geojson import feature_collection, packed_lines, packed_polygons


def _coords(fc: dict) -> list:
    return [f["geometry"]["coordinates"] for f in unpack(fc)["features"]]


def test_packed_lines_round_trip_share_prefixes_and_drop_repeats():
    site = (24.9412345, 60.1712345)
    lines = np.array(
        [
            LineString([site, (24.9422345, 60.1712345), (24.9432345, 60.1722345)]),
            LineString([site, (24.9422345, 60.1712345), (24.9422345, 60.1702345)]),  # shares two vertices
            LineString([site, site, (24.9402345, 60.1712345)]),  # a repeated vertex
            None,
            LineString([(24.95, 60.17), (24.95, 60.17)]),  # a point-long lane (site on the store's road)
        ],
        dtype=object,
    )
    props = [{"i": k} for k in range(len(lines))]
    packed = packed_lines(lines, props, 6)
    assert len(packed["t"]) == 3 * (3 + 1 + 1 + 1)  # 6 distinct tree nodes, not 3 + 3 + 2 + 1
    got = _coords(packed)
    assert [f["properties"]["i"] for f in packed["features"]] == [0, 1, 2, 4]  # the missing one dropped
    want = [
        [list(xy) for xy in np.round(np.asarray(lines[0].coords), 6)],
        [list(xy) for xy in np.round(np.asarray(lines[1].coords), 6)],
        [list(site), [24.9402345, 60.1712345]],
        [[24.95, 60.17], [24.95, 60.17]],
    ]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.allclose(g, np.round(w, 6), atol=1e-9)
    # 5 decimals: about 1.1 m
    coarse = _coords(packed_lines(lines, props, 5))
    assert np.abs(np.asarray(coarse[0]) - np.asarray(lines[0].coords)).max() <= 0.5e-5 + 1e-12


def test_packed_geometry_falls_back_to_geojson_for_other_types():
    pts = np.array([Point(1, 2), Point(3, 4)], dtype=object)
    props = [{}, {}]
    assert packed_lines(pts, props) == feature_collection(pts, props)
    assert packed_polygons(pts, props) == feature_collection(pts, props)


def test_packed_polygons_round_trip_with_holes_and_parts():
    outer = [(14.0, 35.0), (14.1, 35.0), (14.1, 35.1), (14.0, 35.1), (14.0, 35.0)]
    hole = [(14.02, 35.02), (14.04, 35.02), (14.04, 35.04), (14.02, 35.02)]
    geoms = np.array([Polygon(outer, [hole]), MultiPolygon([Polygon(outer), Polygon(hole)])], dtype=object)
    got = unpack(packed_polygons(geoms, [{}, {}], 5))["features"]
    first = shapely.geometry.shape(got[0]["geometry"])
    second = shapely.geometry.shape(got[1]["geometry"])
    assert first.equals(MultiPolygon([geoms[0]])) and first.area == pytest.approx(geoms[0].area)
    assert len(second.geoms) == 2 and second.area == pytest.approx(Polygon(outer).area + Polygon(hole).area)


TOUR_SCENARIO = """name = "tours"
currency = "EUR"
seed = 0
[[cities]]
name = "helsinki"
demo = "helsinki"
[rank]
lanes_for_top = 2
lane_pattern = "tour"
tour_sample_sites = 2
[rank.lane_params]
descent_solution_limit = 100
solution_limit = 0
"""


def test_a_tour_run_writes_its_tours_and_siting_map_redraws_them(tmp_path: Path):
    import geopandas as gpd

    from siting.maps.from_run import map_from_outputs

    (tmp_path / "tours.toml").write_text(TOUR_SCENARIO)
    proc = subprocess.run(
        [sys.executable, "-m", "siting.cli", "rank", "tours.toml", "--no-progress", "-q", "--out", "run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    tours = gpd.read_file(tmp_path / "run" / "helsinki" / "tours.gpkg")
    lanes = gpd.read_file(tmp_path / "run" / "helsinki" / "lanes.gpkg")
    assert set(tours["site_id"]) == set(lanes["site_id"]) and len(set(tours["site_id"])) == 2
    # every store with a remainder load is on exactly one tour of each site
    for sid, rows in tours.groupby("site_id"):
        stops = [s for ids in rows["store_ids"] for s in ids.split(";")]
        assert len(stops) == len(set(stops)) == rows["stops"].sum()
        assert set(stops) <= set(lanes.loc[lanes["site_id"] == sid, "store_id"])
    # a tour's weekly vehicle-km: its length x 2 drops a week (LaneParams.drops_per_week)
    assert np.allclose(tours["vehicle_km_per_week"], tours["length_m"] / 1000.0 * 2.0)
    assert map_from_outputs(tmp_path / "run").siting_layers["tours"] == len(tours)
    html = (tmp_path / "maps" / "helsinki.html").read_text(encoding="utf-8")
    assert "siting-tours" in html and "Access legs to the road" in html
