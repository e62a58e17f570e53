"""The embedded demo country (Malta): stores, candidate sites and place names from a shipped OSM extract."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.inputs.demo import ATTRIBUTION, RENT_FLOOR_PER_M2_YR, RENT_PEAK_PER_M2_YR, _candidates, _stores
from siting.inputs.layers import validate_layer

__all__ = ["DemoCountry", "DEMO_COUNTRIES", "demo_country", "read_places"]

#: demo name -> OSM extract shipped in siting/data (made by tools/make_malta_extract.py)
DEMO_COUNTRIES: dict[str, str] = {"malta": "malta.osm.pbf"}
#: the local metric CRS of each demo country
_CRS = {"malta": "EPSG:32633"}
RENT_RADIUS_M = 1000.0
RENT_FULL_SHOPS = 40


@dataclass(frozen=True)
class DemoCountry:
    """Validated layers of a demo country and the national OSM extract they come from.

    Attributes
    ----------
    name : str
    stores, candidates : geopandas.GeoDataFrame
        Stores (real shops, illustrative demand by shop type) and candidate sites (real industrial,
        commercial and retail land use, with an illustrative rent).
    places : geopandas.GeoDataFrame
        OSM ``place`` nodes (``name``, ``place``): names for the clusters.
    osm_path : Path
    currency, attribution : str
    """

    name: str
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    osm_path: Path
    currency: str = "EUR"
    attribution: str = ATTRIBUTION


def read_places(path: str | Path, crs: str) -> gpd.GeoDataFrame:
    """OSM ``place`` nodes (city, town, village, suburb) of an extract, with their English name when tagged.

    Parameters
    ----------
    path : str or Path
        An ``.osm.pbf`` file.
    crs : str
        CRS of the result.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name, place`` points, sorted by OSM id.
    """
    import osmium

    rows = []
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if not isinstance(node, osmium.osm.Node):
            continue
        kind = node.tags.get("place")
        name = node.tags.get("name:en") or node.tags.get("name")
        if kind in ("city", "town", "village", "suburb") and name:
            rows.append((node.id, name, kind, node.location.lon, node.location.lat))
    frame = pd.DataFrame(rows, columns=["osm_id", "name", "place", "lon", "lat"]).sort_values("osm_id")
    return gpd.GeoDataFrame(
        frame[["name", "place"]], geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    ).to_crs(crs)


def _rent(candidates: gpd.GeoDataFrame, stores: gpd.GeoDataFrame) -> np.ndarray:
    """Illustrative rent: floor rent plus a premium growing with the shops within RENT_RADIUS_M."""
    from scipy.spatial import cKDTree  # 0.24 s to import: not on a warm run's path

    tree = cKDTree(np.column_stack([stores.geometry.x, stores.geometry.y]))
    pts = candidates.geometry.representative_point()
    shops = np.array([len(n) for n in tree.query_ball_point(np.column_stack([pts.x, pts.y]), RENT_RADIUS_M)])
    share = np.minimum(shops / RENT_FULL_SHOPS, 1.0)
    return np.round(RENT_FLOOR_PER_M2_YR + (RENT_PEAK_PER_M2_YR - RENT_FLOOR_PER_M2_YR) * share, 1)


@lru_cache(maxsize=2)
def _build(key: str) -> DemoCountry:
    import pyrosm

    path = Path(str(resources.files("siting").joinpath("data", DEMO_COUNTRIES[key])))
    crs = _CRS[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(str(path))
        stores = _stores(osm, None, crs)
        landuse = osm.get_landuse()
    candidates = _candidates(landuse, crs)
    candidates["rent_per_m2_yr"] = _rent(candidates, stores)
    candidates["rent_source"] = "illustrative"
    src = f"demo:{key}"
    return DemoCountry(
        name=key,
        stores=validate_layer(stores, "stores", source=f"{src} stores"),
        candidates=validate_layer(candidates, "candidates", source=f"{src} candidates"),
        places=read_places(path, crs),
        osm_path=path,
    )


def demo_country(name: str = "malta") -> DemoCountry:
    """Build (once per process) the layers of a demo country from its shipped OSM extract.

    Stores are real shops with the demo's illustrative weekly demand by shop type; candidate sites
    are real industrial/commercial/retail land-use polygons (500 m2 of land or more) with floor
    area = half the land area and an illustrative rent (120 EUR/m2/yr plus up to 240 more with the
    number of shops within 1 km); no population layer. Nothing is downloaded.

    Parameters
    ----------
    name : {"malta"}

    Returns
    -------
    DemoCountry
        Layers are copies.
    """
    key = name.lower()
    if key not in DEMO_COUNTRIES:
        raise InputError(f"unknown demo country {name!r}; choose one of {sorted(DEMO_COUNTRIES)}.")
    c = _build(key)
    return DemoCountry(
        name=c.name,
        stores=c.stores.copy(),
        candidates=c.candidates.copy(),
        places=c.places.copy(),
        osm_path=c.osm_path,
    )
