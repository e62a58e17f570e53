"""The map's land use clipped to the network's area is cached per extract, CRS and area, and equals a fresh clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from siting.maps import basemap


def test_clipped_land_use_is_cached_per_area_and_equals_a_fresh_clip(helsinki_pbf: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path))
    crs = "EPSG:32635"
    fresh = basemap.cached_landuse(helsinki_pbf).to_crs(crs)
    x0, y0, x1, y1 = fresh.total_bounds
    aoi = shapely.box(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)  # a quarter: the clip cuts areas
    expected = shapely.intersection(fresh.geometry.values, aoi)
    first = basemap._clipped_landuse(helsinki_pbf, crs, aoi)
    files = sorted(tmp_path.glob("landuse-clip-*.parquet"))
    assert len(files) == 1
    again = basemap._clipped_landuse(helsinki_pbf, crs, aoi)  # read back from the cache file
    for got in (first, again):
        assert list(got["class"]) == list(fresh["class"])
        assert np.all(shapely.equals_exact(got.geometry.values, expected, 0.0))
        assert got.crs == fresh.crs
    assert shapely.area(expected).sum() < shapely.area(fresh.geometry.values).sum()  # really clipped
    other = shapely.box(x0, y0, x1, y1)
    whole = basemap._clipped_landuse(helsinki_pbf, crs, other)  # another area: its own entry
    assert len(list(tmp_path.glob("landuse-clip-*.parquet"))) == 2
    assert np.all(shapely.equals_exact(whole.geometry.values, shapely.intersection(fresh.geometry.values, other), 0.0))
