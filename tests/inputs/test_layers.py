"""Loading and validating input layers: formats, CRS policy, every validation error."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from siting import InputError, MissingColumnError, NoCrsError
from siting.inputs.layers import assign_rents, local_utm_crs, read_layer, validate_layer


def _stores(n: int = 4) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "store_id": [f"s{i}" for i in range(n)],
            "name": ["a", None, "c", "d"][:n],
            "demand_units_per_week": [1.0, 2, 3, 4][:n],
        },
        geometry=[Point(24.93 + i / 1000, 60.17) for i in range(n)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".parquet", ".csv"])
def test_each_format_loads_the_same_layer(tmp_path, suffix):
    src = _stores()
    path = tmp_path / f"stores{suffix}"
    if suffix == ".parquet":
        src.to_parquet(path)
    elif suffix == ".csv":
        pd.DataFrame({**src.drop(columns="geometry"), "lon": src.geometry.x, "lat": src.geometry.y}).to_csv(
            path, index=False
        )
    else:
        src.to_file(path)
    got = read_layer(path, "stores")
    assert got.crs.to_epsg() == 4326
    assert got["store_id"].tolist() == ["s0", "s1", "s2", "s3"]
    assert got["name"].tolist() == ["a", "", "c", "d"]
    np.testing.assert_allclose(got.geometry.x, src.geometry.x)
    assert got["demand_units_per_week"].dtype == np.float64


def test_column_mapping_renames_user_columns(tmp_path):
    src = _stores().rename(columns={"demand_units_per_week": "weekly"})
    path = tmp_path / "s.gpkg"
    src.to_file(path)
    got = read_layer(path, "stores", columns={"weekly": "demand_units_per_week"})
    assert got["demand_units_per_week"].sum() == 10


def test_layer_without_crs_is_refused_unless_named(tmp_path):
    path = tmp_path / "nocrs.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"store_id":"a","demand_units_per_week":1},'
        '"geometry":{"type":"Point","coordinates":[400000,6670000]}}]}'
    )
    gdf = gpd.read_file(path).set_crs(None, allow_override=True)
    with pytest.raises(NoCrsError, match="no CRS"):
        validate_layer(gdf, "stores", source="nocrs.geojson")
    ok = validate_layer(gdf.set_crs("EPSG:3067"), "stores")
    assert ok.crs.to_epsg() == 3067


def test_missing_column_names_file_and_fix(tmp_path):
    path = tmp_path / "stores.gpkg"
    _stores().drop(columns="demand_units_per_week").to_file(path)
    with pytest.raises(MissingColumnError) as err:
        read_layer(path, "stores")
    msg = str(err.value)
    assert "stores.gpkg" in msg and "demand_units_per_week" in msg and "columns=" in msg


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda g: g.assign(store_id=["a", "a", "b", "c"]), "duplicate id 'a' \\(rows \\[1, 2\\]\\)"),
        (lambda g: g.assign(store_id=["a", None, "b", "c"]), "empty in row 2"),
        (lambda g: g.assign(demand_units_per_week=[1, -2, 3, 4]), r"negative in row 2 \(store_id 's1', value -2\)"),
        (
            lambda g: g.assign(demand_units_per_week=[1, "x", 3, 4]),
            r"not a number in row 2 \(store_id 's1', value 'x'\)",
        ),
        (lambda g: g.assign(demand_units_per_week=[1, np.inf, 3, 4]), "not a number in row 2"),
        (lambda g: g.set_geometry([Point(0, 0), None, Point(1, 1), Point(2, 2)]), "row 2 .* has no geometry"),
        (lambda g: g.set_geometry([Point(0, 0), LineString([(0, 0), (1, 1)]), Point(1, 1), Point(2, 2)]), "LineString"),
        (lambda g: g.iloc[0:0], "no rows"),
    ],
)
def test_each_validation_error_names_the_row(change, match):
    with pytest.raises(InputError, match=match):
        validate_layer(change(_stores()), "stores", source="stores.gpkg")


def test_candidates_need_positive_floor_area():
    sites = gpd.GeoDataFrame(
        {"site_id": ["x", "y"], "floor_area_m2": [100.0, 0.0]}, geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2)], crs=3067
    )
    with pytest.raises(InputError, match="floor_area_m2.*greater than 0 in row 2.*'y'"):
        validate_layer(sites, "candidates", source="sites.gpkg")


def test_csv_without_coordinates_and_bad_coordinates(tmp_path):
    path = tmp_path / "stores.csv"
    path.write_text("store_id,demand_units_per_week\na,1\n")
    with pytest.raises(MissingColumnError, match="'lon' and 'lat'"):
        read_layer(path, "stores")
    path.write_text("store_id,demand_units_per_week,lon,lat\na,1,24.9,60.1\nb,2,abc,60.2\n")
    with pytest.raises(InputError, match="'lon' on line 3"):
        read_layer(path, "stores")
    path.write_text("store_id,demand_units_per_week,lon,lat\na,1,385000,6672000\n")
    with pytest.raises(InputError, match="pass the CRS"):
        read_layer(path, "stores")
    assert read_layer(path, "stores", crs="EPSG:3067").crs.to_epsg() == 3067


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_layer(tmp_path / "nope.gpkg", "stores")
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a geopackage")
    with pytest.raises(InputError, match="bad.gpkg: cannot read"):
        read_layer(bad, "stores")
    with pytest.raises(InputError, match="unknown layer kind"):
        validate_layer(_stores(), "shops")


def test_polygon_stores_become_points_and_utm_is_local():
    g = _stores().to_crs(3067)
    g.loc[0, "geometry"] = g.geometry.iloc[0].buffer(20)
    got = validate_layer(g, "stores")
    assert (got.geom_type == "Point").all()
    assert local_utm_crs(_stores()).to_epsg() == 32635  # Helsinki lies in UTM zone 35N


def test_assign_rents_prefers_site_value_then_zone_then_nearest():
    rents = gpd.GeoDataFrame({"zone_id": ["z1"], "rent_per_m2_yr": [200.0]}, geometry=[box(0, 0, 100, 100)], crs=3067)
    sites = gpd.GeoDataFrame(
        {"site_id": ["own", "in", "out"], "floor_area_m2": [1.0, 1.0, 1.0], "rent_per_m2_yr": [50.0, np.nan, np.nan]},
        geometry=[box(10, 10, 20, 20), box(30, 30, 40, 40), box(500, 500, 510, 510)],
        crs=3067,
    )
    got = assign_rents(sites, rents)
    assert got["rent_per_m2_yr"].tolist() == [50.0, 200.0, 200.0]
    assert got["rent_source"].tolist() == ["site", "zone", "nearest zone"]
    assert assign_rents(got, rents)["rent_source"].tolist() == ["site", "zone", "nearest zone"]
    with pytest.raises(InputError, match="no rents layer"):
        assign_rents(sites, None)
