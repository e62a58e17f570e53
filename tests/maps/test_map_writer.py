"""The fast map writer: vectorised GeoJSON, scripts never compiled as templates, display simplification, bounds."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, mapping

from siting.maps.display import simplify_for_display
from siting.maps.draw import make_map, map_html, map_tolerance_m
from siting.maps.geojson import COORD_DECIMALS, feature_collection, geojson_geometries

_RING = [(0.1234567, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.00000049), (0.1234567, 0.0)]
_HOLE = [(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 2.0)]
_HOLE2 = [(6.0, 6.0), (8.0, 6.0), (8.0, 8.0), (6.0, 6.0)]


def _mixed() -> np.ndarray:
    poly = Polygon(_RING, [_HOLE, _HOLE2])
    far = shapely.affinity.translate(poly, 20.123456789, -5.5)
    return np.array(
        [
            Point(24.9412345678, 60.1712345678),
            Point(-0.0000001, -179.9999996),  # rounds to -0.0 and -180.0
            MultiPoint([(1.0, 2.0), (3.0000004, 4.0)]),
            LineString([(0.0, 0.0), (1.23456789, 2.3456789), (3.0, 4.0)]),
            MultiLineString([[(0.0, 0.0), (1.0, 1.0)], [(2.0, 2.0), (3.0, 3.0), (4.0, 4.0)]]),
            poly,
            Polygon(_RING),
            MultiPolygon([poly, Polygon(_RING[::-1]), far]),
            shapely.GeometryCollection([Point(1.0, 2.0), LineString([(0.0, 0.0), (1.0, 1.0)])]),
            LineString([(0.0, 0.0, 1.5), (1.0, 1.0, 2.5)]),  # 3-D
            shapely.from_wkt("MULTILINESTRING ((0 0, 1 1), EMPTY)"),  # empty parts
            shapely.from_wkt("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), EMPTY)"),
        ],
        dtype=object,
    )


def _reference(geoms: np.ndarray, decimals: int) -> list[dict]:
    """shapely's own mapping of each geometry, coordinates rounded like the map does."""
    return [mapping(shapely.transform(g, lambda xy: np.round(xy, decimals))) for g in geoms]


def _mismatches(got: list[dict], expected: list[dict]) -> list[int]:
    """Positions whose JSON differs (as JSON, shapely's tuples and the writer's lists are the same text)."""
    assert len(got) == len(expected)
    return [i for i, (a, b) in enumerate(zip(got, expected)) if json.dumps(a) != json.dumps(b)]


def test_vectorised_geojson_equals_shapely_mapping_on_mixed_geometries():
    geoms = _mixed()
    for decimals in (COORD_DECIMALS, 5, 0):
        assert _mismatches(geojson_geometries(geoms, decimals), _reference(geoms, decimals)) == []
    assert geojson_geometries(geoms[:0], 6) == []


def test_vectorised_geojson_equals_shapely_mapping_on_random_polygons_with_holes():
    rng = np.random.default_rng(7)
    centres = rng.uniform(-170, 170, size=(300, 2))
    outer = shapely.buffer(shapely.points(centres), rng.uniform(0.5, 3.0, 300), quad_segs=int(rng.integers(1, 9)))
    holes = shapely.buffer(shapely.points(centres), 0.2, quad_segs=2)
    shapes = shapely.difference(outer, holes)  # polygons with one hole each
    pairs = shapely.multipolygons([[a, b] for a, b in zip(shapes[::2], shapes[1::2])])
    geoms = np.concatenate([shapes, pairs, shapely.boundary(shapes), shapely.points(centres)])
    rng.shuffle(geoms)
    assert _mismatches(geojson_geometries(geoms, 6), _reference(geoms, 6)) == []


def test_feature_collection_drops_missing_and_empty_geometries_with_their_properties():
    geoms = np.array([Point(1, 2), None, Polygon(), LineString([(0, 0), (1, 1)]), MultiPolygon()], dtype=object)
    props = [{"i": i} for i in range(len(geoms))]
    fc = feature_collection(geoms, props)
    assert [f["properties"]["i"] for f in fc["features"]] == [0, 3]
    assert json.dumps(fc["features"][1]["geometry"]) == json.dumps(mapping(geoms[3]))


def _tiny_city(crs: str = "EPSG:32635") -> dict:
    stores = gpd.GeoDataFrame(
        {"store_id": ["a", "b"], "name": ["Shop {{ 7*7 }}", "Kiosk {# not a comment"], "demand_units_per_week": [1, 2]},
        geometry=gpd.points_from_xy([385000, 386000], [6672000, 6673000]),
        crs=crs,
    )
    cands = gpd.GeoDataFrame({"site_id": ["s{%1%}"]}, geometry=gpd.points_from_xy([385500], [6672500]), crs=crs)
    return {"stores": stores, "candidates": cands}


def test_names_and_titles_are_never_run_as_jinja_templates():
    """branca compiled each rendered script as a template: '{{ 7*7 }}' in a store name became 49, and a
    '{#' made saving fail; OSM names are written by anyone."""
    page = map_html(make_map(title="Plan {{ 6*7 }} {% raw %}", **_tiny_city()))
    assert "Shop {{ 7*7 }}" in page and "Shop 49" not in page
    assert "Kiosk {# not a comment" in page
    assert "s{%1%}" in page
    assert "<title>Plan {{ 6*7 }} {% raw %}</title>" in page
    assert '"Plan {{ 6*7 }} {% raw %}"' in page  # the title box


def test_display_simplification_plain_for_open_lines_topological_for_the_rest():
    tol = 10.0
    zigzag = LineString([(x * 7.0, (x % 2) * 4.0) for x in range(200)])  # within 4 m of its axis
    crossing = LineString([(0, 0), (100, 0), (100, 3), (50, 3), (50, -50), (52, -60)])
    loop = LineString([(0, 0), (6, 0), (6, 5), (0, 5), (0, 0)])  # closed, smaller than the tolerance
    square = Polygon([(0, 0), (8, 0), (8, 8), (0, 8)])  # smaller than the tolerance
    multi = MultiLineString([[(0, 0), (3, 1), (6, 0)], [(0, 9), (3, 8), (6, 9)]])
    geoms = np.array([zigzag, crossing, loop, square, multi], dtype=object)
    out = simplify_for_display(geoms, tol)
    plain = shapely.simplify(geoms, tol, preserve_topology=False)
    kept = shapely.simplify(geoms, tol, preserve_topology=True)
    assert shapely.equals_exact(out[:2], plain[:2], 0).all()  # open lines: Douglas-Peucker
    assert shapely.equals_exact(out[2:], kept[2:], 0).all()  # the rest keeps its topology
    assert len(shapely.get_coordinates(out[0])) == 2  # the zigzag becomes its axis
    assert len(np.unique(shapely.get_coordinates(out[2]), axis=0)) >= 3  # the small loop is still a loop
    assert shapely.is_valid(out[3]) and not out[3].is_empty
    assert (shapely.hausdorff_distance(out, geoms) <= tol).all()


@pytest.mark.filterwarnings("ignore:GeoSeries.notna:UserWarning")  # the empty lane
@pytest.mark.parametrize("crs", ["EPSG:32635", "EPSG:4326", "EPSG:3067"])
def test_map_scale_and_view_use_the_exact_lon_lat_bounds(crs):
    """Bounds reproject each distinct vertex once: equal to reprojecting every geometry (geopandas)."""
    city = _tiny_city("EPSG:32635")
    route = LineString([(384000 + 370.0 * i, 6671000 + (i % 7) * 2110.0) for i in range(120)])  # 44 km
    lanes = gpd.GeoDataFrame(
        {"site_id": ["s{%1%}"] * 4},
        geometry=[route, route, shapely.affinity.rotate(route, 30), LineString()],  # repeated vertices, an empty
        crs="EPSG:32635",
    )
    frames = {k: v.to_crs(crs) for k, v in {**city, "lanes": lanes}.items()}
    lonlat = np.array([f.to_crs(4326).total_bounds for f in frames.values()])
    w, s, e, n = lonlat[:, 0].min(), lonlat[:, 1].min(), lonlat[:, 2].max(), lonlat[:, 3].max()
    lat = np.radians((s + n) / 2)
    side_m = max((e - w) * 111_320.0 * np.cos(lat), (n - s) * 110_574.0)
    assert side_m > 40_000
    assert map_tolerance_m(frames.values()) == side_m / 2000.0
    m = make_map(**frames)
    controls = next(c for c in m._children.values() if type(c).__name__ == "Controls")
    fit = json.loads(controls.bounds_js)
    ll = np.array([f.to_crs(4326).total_bounds for f in (frames["stores"], frames["candidates"])])
    assert fit == [[ll[:, 1].min(), ll[:, 0].min()], [ll[:, 3].max(), ll[:, 2].max()]]
