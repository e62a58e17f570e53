"""Malta as a planner would run it: the extract's shops as stores, industrial/commercial land use as sites."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np

# beside the checkout; SITING_SHARED_DIR points elsewhere (e.g. from a git worktree one level deeper)
MALTA_PBF = (
    Path(os.environ.get("SITING_SHARED_DIR") or Path(__file__).resolve().parents[1] / ".." / "shared")
    / "osm"
    / "malta.osm.pbf"
)
# Gozo and Comino lie north of 36.0 N; Malta's northern tip (Cirkewwa) is at 35.99 N.
_GOZO_MIN_LAT = 36.0


def malta_layers(path: Path = MALTA_PBF) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Stores (every ``shop=*`` POI, 10 units/week each) and candidate sites (land-use polygons).

    Parameters
    ----------
    path
        The Malta extract.

    Returns
    -------
    (stores, candidates)
        Validated layers in EPSG:4326; stores carry ``on_gozo`` (north of the North
        Comino Channel); candidates have ``floor_area_m2`` = the polygon area and a flat
        ``rent_per_m2_yr`` of 120 (an assumption: rents do not vary in this benchmark).
    """
    import pyrosm

    from siting.inputs.layers import validate_layer

    osm = pyrosm.OSM(str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shops = osm.get_pois(custom_filter={"shop": True})
        land = osm.get_landuse(custom_filter={"landuse": ["industrial", "commercial"]})
    shops = shops[shops.geometry.notna() & ~shops.geometry.is_empty].reset_index(drop=True)
    land = land[land.geometry.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    stores = gpd.GeoDataFrame(
        {"store_id": [f"shop-{i}" for i in shops["id"]], "demand_units_per_week": 10.0},
        geometry=shops.geometry.to_numpy(),
        crs=shops.crs,
    )
    stores = stores.drop_duplicates("store_id").reset_index(drop=True)
    area = land.geometry.to_crs(32633).area.to_numpy()
    candidates = gpd.GeoDataFrame(
        {
            "site_id": [f"land-{i}" for i in land["id"]],
            "floor_area_m2": np.maximum(area, 1.0),
            "rent_per_m2_yr": 120.0,
        },
        geometry=land.geometry.to_numpy(),
        crs=land.crs,
    )
    candidates = candidates.drop_duplicates("site_id").reset_index(drop=True)
    stores = validate_layer(stores, "stores", source="malta shops")
    candidates = validate_layer(candidates, "candidates", source="malta land use")
    stores["on_gozo"] = on_gozo(stores)
    candidates["on_gozo"] = on_gozo(candidates)
    return stores, candidates


def on_gozo(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """True for features north of the North Comino Channel (Gozo and Comino)."""
    pts = gdf.geometry.to_crs(4326).representative_point()
    return pts.y.to_numpy() > _GOZO_MIN_LAT
