"""The catalogue of bad inputs: each case builds its files, names the command or call, and what must come out."""

from __future__ import annotations

import bz2
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


@dataclass(frozen=True)
class Kit:
    """The Kotka demo inputs as plain files (EPSG:4326) in a read-only-by-convention folder."""

    folder: Path
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    population: gpd.GeoDataFrame
    rents: gpd.GeoDataFrame
    pbf: Path

    def path(self, kind: str) -> Path:
        return self.folder / f"{kind}.gpkg"


def make_kit(folder: Path) -> Kit:
    """Write the Kotka demo layers and extract once."""
    from siting.inputs.demo import demo_city

    data = demo_city("kotka")
    folder.mkdir(parents=True, exist_ok=True)
    layers = {}
    for kind in ("stores", "candidates", "population", "rents"):
        gdf = getattr(data, kind).to_crs("EPSG:4326")
        gdf.to_file(folder / f"{kind}.gpkg", layer=kind)
        layers[kind] = gdf
    pbf = folder / "kotka.osm.pbf"
    shutil.copyfile(data.osm_path, pbf)
    return Kit(folder=folder, pbf=pbf, **layers)


@dataclass(frozen=True)
class CliCase:
    """``siting ARGS`` run in a fresh folder; must exit ``code`` with ``words`` in stderr, writing nothing."""

    id: str
    args: Callable[[Path, Kit], list[str]]
    code: int
    words: tuple[str, ...]
    stdout_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApiCase:
    """A Python call that must raise ``exc`` (a siting exception class name) with ``words`` in its message."""

    id: str
    call: Callable[[Path, Kit], Any]
    exc: str
    words: tuple[str, ...]


# --------------------------------------------------------------------------- file makers


def _orders(name: str, units: float = 100.0, runs: float = 1.0, cv: float = 0.2) -> Any:
    """One brand's orders for the order-driven simulation (52 weeks)."""
    from siting.share.orders import BrandOrders

    return BrandOrders(name, 1, np.full(52, units), np.full(52, runs), cv, 0.1, 10.0)


def _line(**kw: Any) -> Any:
    from siting.share.orders import LineRules

    return LineRules(**{"hours_per_week": 40.0, "minutes_per_unit": 1.0, "changeover_min": 30.0, **kw})


def layer(
    tmp: Path,
    kit: Kit,
    kind: str,
    change: Callable[[gpd.GeoDataFrame], Any] | None = None,
    *,
    name: str | None = None,
    crs: Any = "keep",
) -> str:
    """Write ``kind`` (changed by ``change``) to ``tmp/name``; return the file name."""
    gdf = getattr(kit, kind).copy()
    if change is not None:
        out = change(gdf)
        gdf = gdf if out is None else out
    name = name or f"bad_{kind}.gpkg"
    path = tmp / name
    if name.endswith(".csv"):
        xy = shapely.get_coordinates(gdf.geometry.representative_point().to_numpy())
        pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).assign(lon=xy[:, 0], lat=xy[:, 1]).to_csv(path, index=False)
    elif name.endswith(".parquet"):
        gdf.to_parquet(path)
    else:
        gdf.to_file(path, driver="GeoJSON" if name.endswith(".geojson") else None)
    return name


def text(tmp: Path, name: str, content: str | bytes) -> str:
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return name


def folder(tmp: Path, name: str) -> str:
    (tmp / name).mkdir()
    return name


def files(
    tmp: Path,
    kit: Kit,
    *,
    stores: str | None = None,
    candidates: str | None = None,
    network: str | None = None,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """``siting rank`` on the kit's files with some replaced; writes into ``out`` (a finished earlier run)."""
    return [
        "rank",
        "--stores",
        stores or str(kit.path("stores")),
        "--candidates",
        candidates or str(kit.path("candidates")),
        "--network",
        network or str(kit.pbf),
        "--out",
        "out",
        "--no-map",
        *extra,
    ]


def _set(col: str, value: Any, row: int | None = None) -> Callable[[gpd.GeoDataFrame], None]:
    def change(gdf: gpd.GeoDataFrame) -> None:
        if row is None:
            gdf[col] = value
        else:
            gdf[col] = gdf[col].astype(object) if isinstance(value, str) else gdf[col]
            gdf.loc[gdf.index[row], col] = value

    return change


def _projected_as_4326(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs("EPSG:3067").set_crs("EPSG:4326", allow_override=True)


def _swapped(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    xy = shapely.get_coordinates(gdf.geometry.representative_point().to_numpy())
    return gdf.set_geometry(gpd.points_from_xy(xy[:, 1], xy[:, 0]), crs="EPSG:4326")


def _two_layers(tmp: Path, kit: Kit) -> str:
    kit.stores.to_file(tmp / "both.gpkg", layer="shops")
    kit.candidates.to_file(tmp / "both.gpkg", layer="sites")
    return "both.gpkg"


def _pbf_part(kit: Kit, tmp: Path, fraction: float) -> str:
    data = kit.pbf.read_bytes()
    return text(tmp, "cut.osm.pbf", data[: int(len(data) * fraction)])


def _graphml_without_crs(tmp: Path) -> str:
    return text(
        tmp,
        "nocrs.graphml",
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d0" for="node" attr.name="x" attr.type="double"/>'
        '<graph edgedefault="directed"><node id="1"><data key="d0">1.0</data></node></graph></graphml>',
    )


def _scenario(tmp: Path, kit: Kit, extra: str = "", city: str = "k", layers: str = "") -> str:
    body = (
        f'[[cities]]\nname = "{city}"\nnetwork = "{kit.pbf}"\n'
        f'[cities.layers.stores]\npath = "{kit.path("stores")}"\n{layers}'
        f'[cities.layers.candidates]\npath = "{kit.path("candidates")}"\n{extra}'
    )
    return text(tmp, "scenario.toml", body)


def _earlier_run(tmp: Path) -> str:
    (tmp / "run").mkdir()
    (tmp / "run" / "run.json").write_text("{}")
    return "run"


# --------------------------------------------------------------------------- the catalogue

CLI_CASES: list[CliCase] = [
    # ---- siting share: options of the lead-time promise
    CliCase("share-demand-cv-negative", lambda t, k: ["share", "--demand-cv", "-0.1"], 2, ("--demand-cv",)),
    CliCase("share-demand-cv-nan", lambda t, k: ["share", "--demand-cv", "nan"], 2, ("--demand-cv",)),
    CliCase("share-scenarios-negative", lambda t, k: ["share", "--scenarios", "-1"], 2, ("--scenarios",)),
    CliCase("share-scenarios-text", lambda t, k: ["share", "--scenarios", "ten"], 2, ("--scenarios",)),
    CliCase("share-sla-percentile-100", lambda t, k: ["share", "--sla-percentile", "100"], 2, ("--sla-percentile",)),
    CliCase("share-backlog-unknown", lambda t, k: ["share", "--backlog", "ignore"], 2, ("--backlog", "ignore")),
    # ---- stores layer: files that cannot be read
    CliCase("stores-missing", lambda t, k: files(t, k, stores="nowhere.gpkg"), 2, ("nowhere.gpkg", "not found")),
    CliCase("stores-0-byte-gpkg", lambda t, k: files(t, k, stores=text(t, "s.gpkg", b"")), 2, ("s.gpkg", "empty")),
    CliCase(
        "stores-0-byte-geojson", lambda t, k: files(t, k, stores=text(t, "s.geojson", b"")), 2, ("s.geojson", "0 bytes")
    ),
    CliCase("stores-0-byte-csv", lambda t, k: files(t, k, stores=text(t, "s.csv", b"")), 2, ("s.csv", "empty")),
    CliCase(
        "stores-header-only-csv",
        lambda t, k: files(t, k, stores=text(t, "s.csv", "store_id,lon,lat\n")),
        2,
        ("s.csv", "no rows"),
    ),
    CliCase(
        "stores-xlsx",
        lambda t, k: files(t, k, stores=text(t, "s.xlsx", b"PK\x03\x04 not really")),
        2,
        ("s.xlsx", "spreadsheet", "CSV"),
    ),
    CliCase(
        "stores-text-as-gpkg", lambda t, k: files(t, k, stores=text(t, "s.gpkg", "hello")), 2, ("s.gpkg", "cannot read")
    ),
    CliCase(
        "stores-text-as-parquet",
        lambda t, k: files(t, k, stores=text(t, "s.parquet", "hello")),
        2,
        ("s.parquet", "GeoParquet"),
    ),
    CliCase("stores-folder", lambda t, k: files(t, k, stores=str(t)), 2, ("is a folder",)),
    CliCase(
        "stores-csv-no-lonlat",
        lambda t, k: files(t, k, stores=text(t, "s.csv", "store_id,demand_units_per_week\na,1\n")),
        2,
        ("s.csv", "'lon'", "'lat'"),
    ),
    CliCase(
        "stores-csv-lon-text",
        lambda t, k: files(
            t, k, stores=text(t, "s.csv", "store_id,demand_units_per_week,lon,lat\na,1,26.9,60.4\nb,1,east,60.4\n")
        ),
        2,
        ("s.csv", "line 3", "'east'"),
    ),
    CliCase(
        "stores-csv-projected-no-crs",
        lambda t, k: files(
            t, k, stores=text(t, "s.csv", "store_id,demand_units_per_week,lon,lat\na,1,500000,6700000\n")
        ),
        2,
        ("s.csv", "projected", "--crs"),
    ),
    CliCase(
        "stores-csv-swapped",
        lambda t, k: files(t, k, stores=text(t, "s.csv", "store_id,demand_units_per_week,lon,lat\na,1,60.4,126.9\n")),
        2,
        ("s.csv", "swapped"),
    ),
    CliCase(
        "stores-gpkg-projected-as-4326",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _projected_as_4326)),
        2,
        ("bad_stores.gpkg", "look projected", "--crs"),
    ),
    CliCase(
        "stores-geojson-projected-as-4326",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _projected_as_4326, name="s.geojson")),
        2,
        ("s.geojson", "look projected"),
    ),
    CliCase(
        "stores-parquet-projected-as-4326",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _projected_as_4326, name="s.parquet")),
        2,
        ("s.parquet", "look projected"),
    ),
    CliCase(
        "stores-wrong-area-crs",
        lambda t, k: files(
            t,
            k,
            stores=layer(t, k, "stores", lambda g: g.to_crs("EPSG:3067").set_crs("EPSG:27700", allow_override=True)),
        ),
        2,
        ("bad_stores.gpkg", "outside the area", "EPSG:27700"),
    ),
    CliCase(
        "stores-degrees-as-metres",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", lambda g: g.set_crs("EPSG:3067", allow_override=True))),
        2,
        ("bad_stores.gpkg", "longitude/latitude", "--crs EPSG:4326"),
    ),
    CliCase(
        "stores-lonlat-swapped-in-range",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _swapped)),
        2,
        ("swapped",),
    ),
    CliCase(
        "stores-far-away",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", lambda g: g.set_geometry(g.geometry.translate(5, 0)))),
        2,
        ("no store lies within", "same area"),
    ),
    # ---- stores layer: columns and values
    CliCase(
        "stores-no-demand",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", lambda g: g.drop(columns="demand_units_per_week"))),
        2,
        ("demand_units_per_week", "--column stores.demand="),
    ),
    CliCase(
        "stores-no-id",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", lambda g: g.drop(columns="store_id"))),
        2,
        ("'store_id'", "--column stores.id="),
    ),
    CliCase(
        "stores-demand-negative",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _set("demand_units_per_week", -5.0, 1))),
        2,
        ("negative", "row 2", "demand_units_per_week"),
    ),
    CliCase(
        "stores-demand-nan",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _set("demand_units_per_week", np.nan, 0))),
        2,
        ("not a number", "row 1"),
    ),
    CliCase(
        "stores-demand-huge",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _set("demand_units_per_week", 1e308, 0))),
        2,
        ("plausible maximum", "row 1"),
    ),
    CliCase(
        "stores-demand-inf-csv",
        lambda t, k: files(
            t, k, stores=text(t, "s.csv", "store_id,demand_units_per_week,lon,lat\na,inf,26.94,60.46\n")
        ),
        2,
        ("s.csv", "not a number"),
    ),
    CliCase(
        "stores-demand-all-zero",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _set("demand_units_per_week", 0.0))),
        2,
        ("0 for every store",),
    ),
    CliCase(
        "stores-demand-text",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _set("demand_units_per_week", "ten", 0))),
        2,
        ("not a number", "'ten'"),
    ),
    CliCase(
        "stores-duplicate-ids",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _set("store_id", "same"))),
        2,
        ("duplicate id 'same'",),
    ),
    CliCase(
        "stores-empty-id",
        lambda t, k: files(t, k, stores=layer(t, k, "stores", _set("store_id", None, 0))),
        2,
        ("'store_id' is empty", "row 1"),
    ),
    CliCase(
        "stores-no-rows", lambda t, k: files(t, k, stores=layer(t, k, "stores", lambda g: g.iloc[:0])), 2, ("no rows",)
    ),
    CliCase(
        "stores-lines",
        lambda t, k: files(
            t,
            k,
            stores=layer(
                t,
                k,
                "stores",
                lambda g: g.set_geometry(
                    g.geometry.map(lambda pt: shapely.LineString([pt, shapely.Point(pt.x + 1e-4, pt.y)]))
                ),
            ),
        ),
        2,
        ("LineString", "stores must be"),
    ),
    CliCase(
        "stores-null-geometry",
        lambda t, k: files(
            t,
            k,
            stores=layer(
                t, k, "stores", lambda g: g.set_geometry(gpd.GeoSeries([None, *g.geometry.iloc[1:]], crs=g.crs))
            ),
        ),
        2,
        ("no geometry", "row 1"),
    ),
    CliCase(
        "stores-two-layers",
        lambda t, k: files(t, k, stores=_two_layers(t, k)),
        2,
        ("both.gpkg", "2 layers", "both.gpkg:shops"),
    ),
    CliCase(
        "stores-unknown-layer",
        lambda t, k: files(t, k, stores=_two_layers(t, k) + ":shop"),
        2,
        ("no layer 'shop'", "'shops'"),
    ),
    CliCase(
        "stores-shapefile-no-crs",
        lambda t, k: files(t, k, stores=_shapefile_without_prj(t, k)),
        2,
        ("s.shp", "no CRS", "--crs"),
    ),
    CliCase(
        "stores-bad-crs-option",
        lambda t, k: files(t, k, extra=("--crs", "EPSG:99999999")),
        2,
        ("EPSG:99999999", "--crs"),
    ),
    # ---- candidates, population, rents
    CliCase(
        "candidates-floor-zero",
        lambda t, k: files(t, k, candidates=layer(t, k, "candidates", _set("floor_area_m2", 0.0, 0))),
        2,
        ("floor_area_m2", "greater than 0"),
    ),
    CliCase(
        "candidates-floor-huge",
        lambda t, k: files(t, k, candidates=layer(t, k, "candidates", _set("floor_area_m2", 1e12, 0))),
        2,
        ("floor_area_m2", "plausible maximum"),
    ),
    CliCase(
        "candidates-rent-negative",
        lambda t, k: files(t, k, candidates=layer(t, k, "candidates", _set("rent_per_m2_yr", -1.0, 2))),
        2,
        ("rent_per_m2_yr", "negative", "row 3"),
    ),
    CliCase(
        "candidates-no-id",
        lambda t, k: files(t, k, candidates=layer(t, k, "candidates", lambda g: g.drop(columns="site_id"))),
        2,
        ("'site_id'", "--column candidates.id="),
    ),
    CliCase(
        "candidates-no-rent-no-rents",
        lambda t, k: files(t, k, candidates=layer(t, k, "candidates", lambda g: g.drop(columns="rent_per_m2_yr"))),
        2,
        ("rent_per_m2_yr", "rents layer"),
    ),
    CliCase(
        "population-negative",
        lambda t, k: files(t, k, extra=("--population", layer(t, k, "population", _set("population", -3.0, 0)))),
        2,
        ("population", "negative"),
    ),
    CliCase(
        "population-0-byte",
        lambda t, k: files(t, k, extra=("--population", text(t, "p.gpkg", b""))),
        2,
        ("p.gpkg", "empty"),
    ),
    CliCase(
        "rents-points",
        lambda t, k: files(
            t,
            k,
            extra=(
                "--rents",
                layer(
                    t,
                    k,
                    "stores",
                    lambda g: g.rename(columns={"store_id": "zone_id"}).assign(rent_per_m2_yr=10.0),
                    name="r.gpkg",
                ),
            ),
        ),
        2,
        ("Point", "rents must be"),
    ),
    # ---- network files
    CliCase(
        "network-0-byte-pbf", lambda t, k: files(t, k, network=text(t, "n.osm.pbf", b"")), 2, ("n.osm.pbf", "empty")
    ),
    CliCase(
        "network-truncated-pbf", lambda t, k: files(t, k, network=_pbf_part(k, t, 0.5)), 2, ("cut.osm.pbf", "truncated")
    ),
    CliCase(
        "network-text-as-pbf",
        lambda t, k: files(t, k, network=text(t, "n.osm.pbf", "just some text\n")),
        2,
        ("n.osm.pbf", "OSM PBF"),
    ),
    CliCase(
        "network-corrupt-bz2",
        lambda t, k: files(t, k, network=text(t, "n.osm.bz2", bz2.compress(b"<osm>" * 1000)[:-20])),
        2,
        ("n.osm.bz2", "OSM XML"),
    ),
    CliCase(
        "network-osm-not-xml",
        lambda t, k: files(t, k, network=text(t, "n.osm", "hello, world")),
        2,
        ("n.osm", "OSM XML"),
    ),
    CliCase(
        "network-osm-broken-xml",
        lambda t, k: files(t, k, network=text(t, "n.osm", "<?xml version='1.0'?><osm><way id='1'>")),
        2,
        ("n.osm", "OSM XML"),
    ),
    CliCase(
        "network-graphml-no-crs", lambda t, k: files(t, k, network=_graphml_without_crs(t)), 2, ("nocrs.graphml", "crs")
    ),
    CliCase(
        "network-graphml-garbage",
        lambda t, k: files(t, k, network=text(t, "n.graphml", "no graph here")),
        2,
        ("n.graphml", "GraphML"),
    ),
    CliCase(
        "network-missing-no-suffix", lambda t, k: files(t, k, network="data/kotka"), 2, ("data/kotka", "does not exist")
    ),
    CliCase(
        "network-missing-pbf", lambda t, k: files(t, k, network="kotka2.osm.pbf"), 2, ("kotka2.osm.pbf", "not found")
    ),
    CliCase(
        "network-unknown-suffix",
        lambda t, k: files(t, k, network=text(t, "n.txt", "x")),
        2,
        ("n.txt", "unknown suffix"),
    ),
    # ---- command-line options
    CliCase(
        "column-no-equals",
        lambda t, k: files(t, k, extra=("--column", "stores.demand")),
        2,
        ("--column", "LAYER.ROLE=YOUR_NAME"),
    ),
    CliCase(
        "column-unknown-layer",
        lambda t, k: files(t, k, extra=("--column", "shops.demand=qty")),
        2,
        ("unknown layer 'shops'",),
    ),
    CliCase(
        "column-unknown-role",
        lambda t, k: files(t, k, extra=("--column", "stores.qty=demand")),
        2,
        ("no role 'qty'", "demand"),
    ),
    CliCase(
        "column-layer-not-given",
        lambda t, k: files(t, k, extra=("--column", "population.population=pop")),
        2,
        ("population", "not given"),
    ),
    CliCase(
        "column-names-missing-column",
        lambda t, k: files(t, k, extra=("--column", "stores.demand=qty")),
        2,
        ("no column 'qty'", "mapping"),
    ),
    CliCase("city-dotdot", lambda t, k: files(t, k, extra=("--city", "../../x")), 2, ("city name '../../x'", "--city")),
    CliCase(
        "city-slash",
        lambda t, k: files(t, k, extra=("--city", "Helsinki/Espoo")),
        2,
        ("Helsinki/Espoo", "'Helsinki-Espoo'"),
    ),
    CliCase("city-empty", lambda t, k: files(t, k, extra=("--city", "")), 2, ("city name", "empty")),
    CliCase("city-hidden", lambda t, k: files(t, k, extra=("--city", ".hidden")), 2, ("city name '.hidden'",)),
    CliCase("city-reserved", lambda t, k: files(t, k, extra=("--city", "NUL")), 2, ("reserved",)),
    CliCase(
        "out-is-file",
        lambda t, k: [*files(t, k)[:-3], "--out", text(t, "o.txt", "x"), "--no-map"],
        2,
        ("o.txt", "is a file"),
    ),
    CliCase(
        "out-holds-other-files",
        lambda t, k: [*files(t, k)[:-3], "--out", str(k.folder), "--no-map"],
        2,
        ("not a siting run", "new or empty folder"),
    ),
    CliCase(
        "out-under-a-file",
        lambda t, k: [*files(t, k)[:-3], "--out", text(t, "f", "x") + "/sub", "--no-map"],
        2,
        ("is a file, not a folder",),
    ),
    CliCase(
        "out-is-working-folder", lambda t, k: [*files(t, k)[:-3], "--out", ".", "--no-map"], 2, ("working folder",)
    ),
    CliCase(
        "map-is-folder", lambda t, k: [*files(t, k)[:-1], "--map", folder(t, "maps_dir")], 2, ("--map", "is a folder")
    ),
    CliCase("map-wrong-suffix", lambda t, k: [*files(t, k)[:-1], "--map", "m.png"], 2, ("--map", ".html")),
    CliCase(
        "map-under-a-file",
        lambda t, k: [*files(t, k)[:-1], "--map", text(t, "f", "x") + "/m.html"],
        2,
        ("--map", "is a file"),
    ),
    CliCase("format-unknown", lambda t, k: [*files(t, k), "--format", "xlsx"], 2, ("xlsx",)),
    CliCase("top-zero", lambda t, k: [*files(t, k), "--top", "0"], 2, ("--top",)),
    CliCase("wide-with-a-value", lambda t, k: [*files(t, k), "--wide=yes"], 2, ("--wide", "does not take a value")),
    CliCase("reach-zero", lambda t, k: [*files(t, k), "--reach-min", "0"], 2, ("--reach-min",)),
    CliCase(
        "stores-without-network",
        lambda t, k: ["rank", "--stores", str(k.path("stores")), "--out", "out"],
        2,
        ("--candidates", "--network", "missing"),
    ),
    CliCase(
        "scenario-and-files",
        lambda t, k: ["rank", _scenario(t, k), "--stores", str(k.path("stores"))],
        2,
        ("either a scenario", "not both"),
    ),
    CliCase("crs-without-files", lambda t, k: ["rank", "--crs", "EPSG:3067", "--out", "out"], 2, ("--crs", "--stores")),
    CliCase("plan-k-zero", lambda t, k: ["plan", "--k", "0", "--out", "out"], 2, ("--k",)),
    CliCase(
        "plan-portfolio-without-products",
        lambda t, k: ["plan", _scenario(t, k), "--objective", "portfolio", "--out", "out"],
        2,
        ("--objective portfolio", "product families", "[costs] products"),
    ),
    # ---- plan --prove-all-local and --no-prove-all-local (the proof is plan's default): both need the portfolio
    # design (checked before any network is read)
    *(
        case
        for flag in ("--prove-all-local", "--no-prove-all-local")
        for case in (
            CliCase(
                f"plan{flag[1:]}-no-portfolio",
                lambda t, k, flag=flag: ["plan", flag, "--no-portfolio", "--out", "out"],
                2,
                (flag, "drop --no-portfolio"),
            ),
            CliCase(
                f"plan{flag[1:]}-portfolio-disabled",
                lambda t, k, flag=flag: ["plan", _scenario(t, k, "[rank.portfolio]\nenabled = false\n"), flag],
                2,
                (flag, "enabled = false", "scenario.toml"),
            ),
            CliCase(
                f"plan{flag[1:]}-without-products",
                lambda t, k, flag=flag: ["plan", _scenario(t, k), flag, "--out", "out"],
                2,
                (flag, "product families", "[costs] products"),
            ),
        )
    ),
    CliCase(
        "plan-objective-unknown",
        lambda t, k: ["plan", "--objective", "portfolios", "--out", "out"],
        2,
        ("--objective", "portfolios"),
    ),
    CliCase(
        "scenario-duplicate-cities",
        lambda t, k: ["rank", text(t, "s.toml", (t / _scenario(t, k)).read_text() * 2), "--out", "out"],
        2,
        ("unique", "'k'"),
    ),
    # ---- scenario files
    CliCase("scenario-missing", lambda t, k: ["rank", "nope.toml", "--out", "out"], 2, ("nope.toml", "not found")),
    CliCase(
        "scenario-not-toml",
        lambda t, k: ["rank", text(t, "s.toml", "this is = = not toml"), "--out", "out"],
        2,
        ("s.toml", "TOML"),
    ),
    CliCase(
        "scenario-binary", lambda t, k: ["rank", text(t, "s.toml", b"\xff\xfe\x00bin"), "--out", "out"], 2, ("s.toml",)
    ),
    CliCase(
        "scenario-weight-negative",
        lambda t, k: ["rank", _scenario(t, k, "[rank.weights]\nrent_per_yr = -1\n"), "--out", "out", "--no-map"],
        2,
        ("scenario.toml", "rank", "rent_per_yr"),
    ),
    CliCase(
        "scenario-weights-zero",
        lambda t, k: [
            "rank",
            _scenario(t, k, "[rank.weights]\nrent_per_yr = 0\ndelivery_time_s = 0\n"),
            "--out",
            "out",
            "--no-map",
        ],
        2,
        ("scenario.toml", "weight above 0"),
    ),
    CliCase(
        "scenario-weight-unknown",
        lambda t, k: ["rank", _scenario(t, k, "[rank.weights]\nrent = 1\n"), "--out", "out"],
        2,
        ("scenario.toml", "rank.weights", "'rent'"),
    ),
    # ---- [rank.portfolio] neighbourhood_sites / max_adopted / time_limit_s: checked before any network is read
    *[
        CliCase(
            f"scenario-portfolio-{name}",
            lambda t, k, body=body: ["plan", _scenario(t, k, f"[rank.portfolio]\n{body}\n"), "--out", "out"],
            2,
            ("scenario.toml", "rank.portfolio", key),
        )
        for name, body, key in (
            ("neighbourhood-zero", "neighbourhood_sites = 0", "neighbourhood_sites"),
            ("neighbourhood-negative", "neighbourhood_sites = -6", "neighbourhood_sites"),
            ("neighbourhood-float", "neighbourhood_sites = 6.5", "neighbourhood_sites"),
            ("neighbourhood-nan", "neighbourhood_sites = nan", "neighbourhood_sites"),
            ("neighbourhood-huge", "neighbourhood_sites = 100000", "neighbourhood_sites"),
            ("neighbourhood-text", 'neighbourhood_sites = "six"', "neighbourhood_sites"),
            ("adopted-negative", "max_adopted = -1", "max_adopted"),
            ("adopted-float", "max_adopted = 1.5", "max_adopted"),
            ("adopted-nan", "max_adopted = nan", "max_adopted"),
            ("adopted-huge", "max_adopted = 101", "max_adopted"),
            ("adopted-bool", "max_adopted = true", "max_adopted"),
            ("time-limit-zero", "time_limit_s = 0", "time_limit_s"),
            ("time-limit-negative", "time_limit_s = -5", "time_limit_s"),
            ("time-limit-nan", "time_limit_s = nan", "time_limit_s"),
            ("time-limit-inf", "time_limit_s = inf", "time_limit_s"),
            ("bound-rounds-negative", "all_local_bound_rounds = -1", "all_local_bound_rounds"),
            ("bound-rounds-float", "all_local_bound_rounds = 2.5", "all_local_bound_rounds"),
            ("bound-rounds-nan", "all_local_bound_rounds = nan", "all_local_bound_rounds"),
            ("bound-rounds-huge", "all_local_bound_rounds = 501", "all_local_bound_rounds"),
            ("bound-rounds-bool", "all_local_bound_rounds = true", "all_local_bound_rounds"),
            ("bound-rounds-text", 'all_local_bound_rounds = "60"', "all_local_bound_rounds"),
            ("swaps-negative", "all_local_swaps = -1", "all_local_swaps"),
            ("swaps-float", "all_local_swaps = 2.5", "all_local_swaps"),
            ("swaps-nan", "all_local_swaps = nan", "all_local_swaps"),
            ("swaps-huge", "all_local_swaps = 10001", "all_local_swaps"),
            ("swaps-bool", "all_local_swaps = true", "all_local_swaps"),
            ("swaps-text", 'all_local_swaps = "50"', "all_local_swaps"),
        )
    ],
    CliCase(
        "scenario-city-slash",
        lambda t, k: ["rank", _scenario(t, k, city="Helsinki/Espoo"), "--out", "out", "--no-map"],
        2,
        ("Helsinki/Espoo", "[[cities]]"),
    ),
    CliCase(
        "scenario-city-dotdot",
        lambda t, k: ["plan", _scenario(t, k, city=".."), "--out", "out"],
        2,
        ("city name '..'",),
    ),
    CliCase(
        "scenario-layer-unknown",
        lambda t, k: ["rank", _scenario(t, k, layers='layer = "shops"\n'), "--out", "out"],
        2,
        ("no layer 'shops'", "stores"),
    ),
    CliCase(
        "scenario-unknown-key",
        lambda t, k: ["rank", _scenario(t, k, layers='colums = { demand = "x" }\n'), "--out", "out"],
        2,
        ("scenario.toml", "colums"),
    ),
    # ---- other commands
    CliCase("map-missing-folder", lambda t, k: ["map", "nowhere"], 2, ("nowhere", "not found")),
    CliCase("map-folder-without-layers", lambda t, k: ["map", _earlier_run(t)], 2, ("no saved layers",)),
    CliCase("map-out-is-file", lambda t, k: ["map", str(k.folder), "--out", text(t, "f", "x")], 2, ("is a file",)),
    CliCase(
        "network-build-0-byte",
        lambda t, k: ["network", "build", text(t, "n.osm.pbf", b""), "--no-cache"],
        2,
        ("n.osm.pbf", "empty"),
    ),
    CliCase(
        "network-build-out-folder",
        lambda t, k: ["network", "build", str(k.pbf), "--out", str(t)],
        2,
        ("--out", "is a folder"),
    ),
    CliCase(
        "network-build-out-suffix",
        lambda t, k: ["network", "build", str(k.pbf), "--out", "g.txt"],
        2,
        ("--out", ".graphml"),
    ),
    CliCase("network-build-mode", lambda t, k: ["network", "build", str(k.pbf), "--mode", "fly"], 2, ("--mode", "fly")),
    CliCase(
        "network-build-missing-path",
        lambda t, k: ["network", "build", "maps/kotka"],
        2,
        ("maps/kotka", "does not exist"),
    ),
    CliCase(
        "validate-text-pbf",
        lambda t, k: [
            "validate",
            "--stores",
            str(k.path("stores")),
            "--candidates",
            str(k.path("candidates")),
            "--network",
            text(t, "n.osm.pbf", "text"),
        ],
        2,
        ("n.osm.pbf", "OSM PBF"),
    ),
    CliCase(
        "validate-bad-stores",
        lambda t, k: [
            "validate",
            "--stores",
            text(t, "s.gpkg", b""),
            "--candidates",
            str(k.path("candidates")),
            "--network",
            str(k.pbf),
        ],
        2,
        ("s.gpkg", "empty"),
    ),
    CliCase(
        "validate-scenario-truncated-pbf",
        lambda t, k: ["validate", _scenario_with_network(t, k, _pbf_part(k, t, 0.3))],
        2,
        ("cut.osm.pbf", "truncated"),
    ),
    CliCase("validate-nothing", lambda t, k: ["validate"], 2, ("scenario file", "--stores")),
    CliCase("diff-missing", lambda t, k: ["diff", "a", "b"], 2, ("a",)),
    CliCase("init-exists", lambda t, k: ["init", text(t, "s.toml", "x")], 2, ("already exists", "--force")),
    CliCase("demo-exists", lambda t, k: ["demo", str(k.folder), "--city", "kotka"], 2, ("already exist", "--force")),
]


# ------------------------------------------------ issue 26: share tables, national runs, column maps, workers

_TWO_BRANDS = '[[brands]]\nname = "A"\nlane_class = "standard"\n[[brands]]\nname = "B"\nlane_class = "overflow"\n'


def _brand_stores(tmp: Path, kit: Kit, zero_demand_brand: str | None = None) -> str:
    """The kit's stores dealt to brands A and B in turn (a 'brand' column), written to ``tmp``."""
    gdf = kit.stores.copy()
    gdf["brand"] = ["A" if i % 2 == 0 else "B" for i in range(len(gdf))]
    if zero_demand_brand is not None:
        gdf.loc[gdf["brand"] == zero_demand_brand, "demand_units_per_week"] = 0.0
    gdf.to_file(tmp / "brand_stores.gpkg")
    return "brand_stores.gpkg"


def _share(
    tmp: Path,
    kit: Kit,
    tables: str = "",
    *,
    brands: str = _TWO_BRANDS,
    command: str = "share",
    zero_demand_brand: str | None = None,
) -> list[str]:
    """``siting share`` (or ``validate``) on a Kotka share scenario with ``tables`` added after the brands."""
    stores = tmp / _brand_stores(tmp, kit, zero_demand_brand)
    body = (
        f'[[cities]]\nname = "k"\nnetwork = "{kit.pbf}"\n[cities.layers.stores]\npath = "{stores}"\n'
        f'[cities.layers.candidates]\npath = "{kit.path("candidates")}"\n{brands}{tables}'
    )
    name = text(tmp, "share.toml", body)
    return ["share", name, "--out", "out", "--no-map"] if command == "share" else [command, name]


def _brand_a(extra: str) -> str:
    """Brands A (with ``extra`` keys) and B."""
    return _TWO_BRANDS.replace('lane_class = "standard"\n', f'lane_class = "standard"\n{extra}\n', 1)


def _shadowed_stores(tmp: Path, kit: Kit) -> str:
    """Stores with siting's own demand column and the user's 'qty' beside it."""
    return layer(tmp, kit, "stores", lambda g: g.assign(qty=g["demand_units_per_week"] * 2), name="qty.gpkg")


def _national(tmp: Path, kit: Kit, extra: str = "", *, stores: str | None = None) -> list[str]:
    """``siting rank`` on a clusters = "auto" entry over the Kotka extract."""
    body = (
        f'[[cities]]\nname = "fi"\nclusters = "auto"\nnetwork = "{kit.pbf}"\n{extra}'
        f'[cities.layers.stores]\npath = "{stores or kit.path("stores")}"\n'
        f'[cities.layers.candidates]\npath = "{kit.path("candidates")}"\n'
    )
    return ["rank", text(tmp, "national.toml", body), "--out", "out", "--no-map"]


def _half_far_away(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Half the stores moved 3 degrees east (about 165 km): outside the Kotka extract."""
    far = gdf.index[: len(gdf) // 2]
    gdf.loc[far, "geometry"] = gdf.loc[far].geometry.translate(3.0, 0.0)
    return gdf


ISSUE_26_CASES: list[CliCase] = [
    # ---- share tables: non-finite numbers (a NaN once spun in HiGHS for minutes)
    CliCase(
        "share-nan-unit-cost",
        lambda t, k: _share(t, k, brands=_brand_a("unit_cost_per_unit = nan")),
        2,
        ("share.toml", "brands[0].unit_cost_per_unit", "nan", "finite"),
    ),
    CliCase(
        "share-inf-offshore",
        lambda t, k: _share(t, k, brands=_brand_a("offshore_landed_per_unit = inf")),
        2,
        ("brands[0].offshore_landed_per_unit", "inf"),
    ),
    CliCase(
        "share-nan-setup-cost",
        lambda t, k: _share(t, k, "[site_capacity]\nsetup_cost = [nan, 65000]\n"),
        2,
        ("site_capacity.setup_cost[0]", "nan"),
    ),
    CliCase(
        "share-inf-time-limit",
        lambda t, k: _share(t, k, "[share]\ntime_limit_s = inf\n"),
        2,
        ("share.time_limit_s", "inf"),
    ),
    CliCase(
        "share-inf-amortisation",
        lambda t, k: _share(t, k, "[site_capacity]\namortisation_yrs = inf\n"),
        2,
        ("site_capacity.amortisation_yrs", "inf"),
    ),
    CliCase(
        "share-minus-inf-season-multiplier",
        lambda t, k: _share(t, k, '[[seasons]]\nname = "year"\nweeks = 52\nmultiplier = -inf\n'),
        2,
        ("seasons[0].multiplier", "-inf"),
    ),
    # ---- share: [rank] is checked as for `siting rank` (the network stage's max_snap_distance_m)
    CliCase(
        "share-rank-max-snap-negative",
        lambda t, k: _share(t, k, "[rank]\nmax_snap_distance_m = -5\n"),
        2,
        ("share.toml", "rank", "max_snap_distance_m", ">= 0", "-5"),
    ),
    CliCase(
        "share-rank-max-snap-nan",
        lambda t, k: _share(t, k, "[rank]\nmax_snap_distance_m = nan\n"),
        2,
        ("share.toml", "rank", "max_snap_distance_m", "nan"),
    ),
    CliCase(
        "share-rank-unknown-mode",
        lambda t, k: _share(t, k, '[rank]\nmode = "boat"\n'),
        2,
        ("share.toml", "rank", "mode", "boat"),
    ),
    # ---- share tables: impossible values
    CliCase(
        "share-setup-negative",
        lambda t, k: _share(t, k, "[site_capacity]\nsetup_cost = [-40000, 65000]\n"),
        2,
        ("site_capacity.setup_cost[0]", ">= 0", "-40000"),
    ),
    CliCase(
        "share-floor-area-negative",
        lambda t, k: _share(t, k, "[site_capacity]\nfloor_area_m2 = [-300, 550]\n"),
        2,
        ("site_capacity.floor_area_m2[0]", "> 0"),
    ),
    CliCase(
        "share-offshore-negative",
        lambda t, k: _share(t, k, brands=_brand_a("offshore_landed_per_unit = -12.0")),
        2,
        ("brands[0].offshore_landed_per_unit", "brand 'A'", ">= 0"),
    ),
    CliCase(
        "share-changeover-negative",
        lambda t, k: _share(t, k, "[site_capacity]\nchangeover_min = -30\n"),
        2,
        ("site_capacity.changeover_min", ">= 0"),
    ),
    CliCase(
        "share-delivery-cost-negative",
        lambda t, k: _share(t, k, "[share]\ndelivery_cost_per_unit_km = -0.05\n"),
        2,
        ("share.delivery_cost_per_unit_km", ">= 0"),
    ),
    CliCase(
        "share-holding-cost-negative",
        lambda t, k: _share(t, k, "[share]\nholding_cost_per_unit_week = -0.08\n"),
        2,
        ("share.holding_cost_per_unit_week", ">= 0"),
    ),
    CliCase(
        "share-lead-time-negative",
        lambda t, k: _share(
            t,
            k,
            '[[lane_classes]]\nname = "standard"\nlead_time_days = -10\n'
            '[[lane_classes]]\nname = "overflow"\nkind = "overflow"\n',
        ),
        2,
        ("lane_classes[0].lead_time_days", "class 'standard'", "> 0"),
    ),
    CliCase(
        "share-production-lead-time-negative",
        lambda t, k: _share(t, k, "[site_capacity]\nproduction_lead_time_days = -2\n"),
        2,
        ("site_capacity.production_lead_time_days", ">= 0"),
    ),
    CliCase(
        "share-brand-multiplier-negative",
        lambda t, k: _share(t, k, brands=_brand_a("season_multipliers = { year = -1.0 }")),
        2,
        ("brands[0].season_multipliers.year", "brand 'A'", ">= 0"),
    ),
    CliCase(
        "share-hours-per-week-over-168",
        lambda t, k: _share(t, k, "[site_capacity]\nhours_per_week = 200\n"),
        2,
        ("site_capacity.hours_per_week", "168"),
    ),
    CliCase(
        "share-group-time-tolerance-negative",
        lambda t, k: _share(t, k, "[share]\ngroup_time_tolerance_s = -30\n"),
        2,
        ("share.group_time_tolerance_s", ">= 0"),
    ),
    CliCase(
        "share-group-time-tolerance-nan",
        lambda t, k: _share(t, k, "[share]\ngroup_time_tolerance_s = nan\n"),
        2,
        ("share.group_time_tolerance_s", "nan"),
    ),
    CliCase(
        "share-group-cost-tolerance-negative",
        lambda t, k: _share(t, k, "[share]\ngroup_cost_tolerance_per_unit = -0.01\n"),
        2,
        ("share.group_cost_tolerance_per_unit", ">= 0"),
    ),
    CliCase(
        "share-group-cost-tolerance-inf",
        lambda t, k: _share(t, k, "[share]\ngroup_cost_tolerance_per_unit = inf\n"),
        2,
        ("share.group_cost_tolerance_per_unit", "inf"),
    ),
    CliCase(
        "share-mip-gap-negative", lambda t, k: _share(t, k, "[share]\nmip_gap = -1\n"), 2, ("share.mip_gap", "[0, 1)")
    ),
    CliCase(
        "share-sim-weeks-zero", lambda t, k: _share(t, k, "[share]\nsim_weeks = 0\n"), 2, ("share.sim_weeks", ">= 1")
    ),
    *(
        CliCase(f"share-toml-{name}", lambda t, k, body=body: _share(t, k, f"[share]\n{body}\n"), 2, words)
        for name, body, words in (
            ("scenarios-negative", "scenarios = -2", ("share.scenarios", ">= 0")),
            ("scenarios-float", "scenarios = 2.5", ("share.scenarios", "an integer")),
            ("scenario-cv-negative", "scenario_cv = -0.1", ("share.scenario_cv", ">= 0")),
            ("scenario-cv-nan", "scenario_cv = nan", ("share.scenario_cv", "nan")),
            ("season-correlation-high", "season_correlation = 1.5", ("share.season_correlation", "[-1, 1]")),
            ("season-correlation-inf", "season_correlation = -inf", ("share.season_correlation", "inf")),
            ("scenario-seed-text", 'scenario_seed = "x"', ("share.scenario_seed", "an integer")),
            ("scenario-seed-negative", "scenario_seed = -1", ("share.scenario_seed", ">= 0")),
        )
    ),
    CliCase(
        "share-coalition-max-nodes-zero",
        lambda t, k: _share(t, k, "[share]\ncoalition_max_nodes = 0\n"),
        2,
        ("share.coalition_max_nodes", ">= 1"),
    ),
    CliCase(
        "share-coalition-max-nodes-float",
        lambda t, k: _share(t, k, "[share]\ncoalition_max_nodes = 2.5\n"),
        2,
        ("share.coalition_max_nodes", "an integer"),
    ),
    CliCase(
        "share-sla-caps-in-design-string",
        lambda t, k: _share(t, k, '[share]\nsla_caps_in_design = "yes"\n'),
        2,
        ("share.sla_caps_in_design", "true or false"),
    ),
    CliCase(
        "share-sla-caps-in-design-number",
        lambda t, k: _share(t, k, "[share]\nsla_caps_in_design = 1\n"),
        2,
        ("share.sla_caps_in_design", "true or false"),
    ),
    CliCase(
        "share-runs-in-design-string",
        lambda t, k: _share(t, k, '[share]\nruns_in_design = "no"\n'),
        2,
        ("share.runs_in_design", "true or false"),
    ),
    CliCase(
        "share-runs-in-design-number",
        lambda t, k: _share(t, k, "[share]\nruns_in_design = 0\n"),
        2,
        ("share.runs_in_design", "true or false"),
    ),
    CliCase(
        "share-runs-in-design-nan",
        lambda t, k: _share(t, k, "[share]\nruns_in_design = nan\n"),
        2,
        ("share.runs_in_design", "nan"),
    ),
    CliCase(
        "share-sla-mix-rounds-negative",
        lambda t, k: _share(t, k, "[share]\nsla_mix_rounds = -1\n"),
        2,
        ("share.sla_mix_rounds", ">= 0"),
    ),
    CliCase(
        "share-sla-mix-rounds-too-many",
        lambda t, k: _share(t, k, "[share]\nsla_mix_rounds = 1000\n"),
        2,
        ("share.sla_mix_rounds", "at most 20"),
    ),
    CliCase(
        "share-sla-mix-rounds-float",
        lambda t, k: _share(t, k, "[share]\nsla_mix_rounds = 2.5\n"),
        2,
        ("share.sla_mix_rounds", "an integer"),
    ),
    CliCase(
        "share-sla-mix-rounds-nan",
        lambda t, k: _share(t, k, "[share]\nsla_mix_rounds = nan\n"),
        2,
        ("share.sla_mix_rounds",),
    ),
    CliCase(
        "share-sequence-overrun-unknown",
        lambda t, k: _share(t, k, '[share]\nsequence_overrun = "ignore"\n'),
        2,
        ("share.sequence_overrun", "refuse"),
    ),
    CliCase(
        "share-sequence-overrun-empty",
        lambda t, k: _share(t, k, '[share]\nsequence_overrun = ""\n'),
        2,
        ("share.sequence_overrun",),
    ),
    CliCase(
        "share-shapley-samples-zero",
        lambda t, k: _share(t, k, "[share]\nshapley_samples = 0\n"),
        2,
        ("share.shapley_samples", ">= 1"),
    ),
    CliCase(
        "share-duplicate-lane-class",
        lambda t, k: _share(
            t,
            k,
            '[[lane_classes]]\nname = "standard"\nlead_time_days = 10\n'
            '[[lane_classes]]\nname = "standard"\nlead_time_days = 3\n'
            '[[lane_classes]]\nname = "overflow"\nkind = "overflow"\n',
        ),
        2,
        ("lane_classes[1].name", "'standard' appears twice"),
    ),
    CliCase(
        "share-seasons-13-weeks",
        lambda t, k: _share(t, k, '[[seasons]]\nname = "peak"\nweeks = 13\n'),
        2,
        ("seasons", "add up to 13", "52", "per year", "39 weeks"),
    ),
    CliCase(
        "share-seasons-60-weeks",
        lambda t, k: _share(t, k, '[[seasons]]\nname = "a"\nweeks = 30\n[[seasons]]\nname = "b"\nweeks = 30\n'),
        2,
        ("seasons", "more than 52"),
    ),
    CliCase(
        "share-brand-demand-scale-zero",
        lambda t, k: _share(t, k, brands=_brand_a("demand_scale = 0.0")),
        2,
        ("brands[0].demand_scale", "brand 'A'", "> 0"),
    ),
    CliCase(
        "share-brand-multipliers-all-zero",
        lambda t, k: _share(
            t, k, '[[seasons]]\nname = "year"\nweeks = 52\n', brands=_brand_a("season_multipliers = { year = 0.0 }")
        ),
        2,
        ("brands[0].season_multipliers", "brand 'A'", "no demand"),
    ),
    CliCase(
        "share-brand-no-stores",
        lambda t, k: _share(t, k, brands=_TWO_BRANDS + '[[brands]]\nname = "C"\n'),
        2,
        ("brands[2] 'C'", "no store of this brand"),
    ),
    CliCase(
        "share-brand-stores-zero-demand",
        lambda t, k: _share(t, k, zero_demand_brand="A"),
        2,
        ("brands[0] 'A'", "demand_units_per_week 0"),
    ),
    # ---- share: infeasible designs name their cause (they said "raise the capacity levels")
    CliCase(
        "share-amortisation-zero",
        lambda t, k: _share(t, k, "[site_capacity]\namortisation_yrs = 0\n"),
        2,
        ("site_capacity.amortisation_yrs", "> 0"),
    ),
    CliCase(
        "share-time-limit-zero",
        lambda t, k: _share(t, k, "[share]\ntime_limit_s = 0\n"),
        2,
        ("share.time_limit_s", "> 0"),
    ),
    CliCase(
        "share-floor-larger-than-every-site",
        lambda t, k: _share(t, k, "[site_capacity]\nfloor_area_m2 = [1000000, 2000000]\n"),
        2,
        ("site_capacity.floor_area_m2", "largest candidate site", "no site can open"),
    ),
    # ---- siting validate on a share scenario: accepted, and its share tables checked
    CliCase(
        "validate-share-scenario-ok",
        lambda t, k: _share(t, k, command="validate"),
        0,
        (),
        ("share tables", "2 brand(s)", "1 season(s) covering 52 weeks", "OK"),
    ),
    CliCase(
        "validate-share-nan",
        lambda t, k: _share(t, k, "[share]\nmip_gap = nan\n", command="validate"),
        2,
        ("share.mip_gap", "nan"),
    ),
    CliCase(
        "validate-share-seasons-13-weeks",
        lambda t, k: _share(t, k, '[[seasons]]\nname = "peak"\nweeks = 13\n', command="validate"),
        2,
        ("seasons", "add up to 13"),
    ),
    # ---- --column ROLE=X when the file also has siting's own column: the mapped one wins (a log line)
    CliCase(
        "column-shadows-own-validate",
        lambda t, k: [
            "validate",
            "--stores",
            _shadowed_stores(t, k),
            "--candidates",
            str(k.path("candidates")),
            "--network",
            str(k.pbf),
            "--column",
            "stores.demand=qty",
        ],
        0,
        ("'qty' is used as 'demand_units_per_week'", "ignored"),
    ),
    CliCase(
        "column-shadows-own-scenario-validate",
        lambda t, k: ["validate", _scenario_columns(t, k, 'columns = { demand = "qty" }\n')],
        0,
        ("'qty' is used as 'demand_units_per_week'", "ignored"),
    ),
    CliCase(
        "column-shadows-own-id-validate",
        lambda t, k: [
            "validate",
            "--stores",
            layer(t, k, "stores", lambda g: g.assign(code="c" + g["store_id"].astype(str)), name="code.gpkg"),
            "--candidates",
            str(k.path("candidates")),
            "--network",
            str(k.pbf),
            "--column",
            "stores.id=code",
        ],
        0,
        ("'code' is used as 'store_id'",),
    ),
    # ---- national runs
    CliCase(
        "national-stores-outside-network",
        lambda t, k: _national(t, k, stores=str(t / layer(t, k, "stores", _half_far_away))),
        2,
        ("2 of 4 stores", "(11 of 23 units/week, 48% of the demand)", "outside the road network", "store_id"),
    ),
    CliCase(
        "national-link-distance-negative",
        lambda t, k: _national(t, k, "cluster_link_distance_m = -5\n"),
        2,
        ("national.toml", "cluster_link_distance_m", "> 0"),
    ),
    CliCase(
        "national-buffer-nan",
        lambda t, k: _national(t, k, "cluster_buffer_m = nan\n"),
        2,
        ("cluster_buffer_m", "> 0"),
    ),
    CliCase(
        "scheduler-no-port",
        lambda t, k: [*files(t, k), "--scheduler", "tcp://127.0.0.1"],
        2,
        ("--scheduler", "tcp://127.0.0.1", "no port", "tcp://HOST:PORT"),
    ),
    CliCase(
        "scheduler-no-protocol",
        lambda t, k: [*files(t, k), "--scheduler", "127.0.0.1:8786"],
        2,
        ("--scheduler", "not a scheduler address"),
    ),
    CliCase(
        "scheduler-port-out-of-range",
        lambda t, k: [*files(t, k), "--scheduler", "tcp://127.0.0.1:99999"],
        2,
        ("--scheduler", "99999", "1 to 65535"),
    ),
    CliCase(
        "scheduler-unreachable",
        lambda t, k: [*files(t, k), "--scheduler", "tcp://127.0.0.1:9"],
        2,
        ("tcp://127.0.0.1:9", "cannot reach", "within 10 s"),
    ),
    CliCase(
        "workers-beyond-machine",
        lambda t, k: [*files(t, k), "--scheduler", "local", "--workers", "10000"],
        2,
        ("--workers 10000", "at most", "cores"),
    ),
]
CLI_CASES += ISSUE_26_CASES

# ------------------------------------------------ issue 24: routings, flexible hours, pre-build, contracts

_HOURS = "[site_capacity]\nprocess_hours_per_week = { print = [80, 160] }\n"


def _routing(extra: str = "", brand: str = "A", process: str = "print", hours: str = "0.1") -> str:
    """A routing row for ``brand`` (plus ``extra`` keys)."""
    return f'[[routings]]\nbrand = "{brand}"\nprocess = "{process}"\nhours_per_unit = {hours}\n{extra}'


def _routed(first: str, site: str = _HOURS, more: str = "") -> Callable[[Path, Kit], list[str]]:
    """``siting validate`` on the share scenario with ``first`` (a routing row for A), B's routing and ``site``."""
    return lambda t, k: _share(t, k, first + _routing(brand="B") + more + site, command="validate")


def _contract(body: str) -> Callable[[Path, Kit], list[str]]:
    """``siting validate`` on the share scenario with one [[contracts]] table."""
    return lambda t, k: _share(t, k, f"[[contracts]]\n{body}", command="validate")


ISSUE_24_CASES: list[CliCase] = [
    CliCase("routing-ok", _routed(_routing()), 0, (), ("OK",)),
    CliCase(
        "routing-negative-hours",
        _routed(_routing(hours="-0.1")),
        2,
        ("routings[0].hours_per_unit", "brand 'A'", ">= 0"),
    ),
    CliCase(
        "routing-nan-changeover",
        _routed(_routing("changeover_hours = nan\n")),
        2,
        ("routings[0].changeover_hours", "nan"),
    ),
    CliCase("routing-inf-run-units", _routed(_routing("run_units = inf\n")), 2, ("routings[0].run_units", "inf")),
    CliCase("routing-zero-run-units", _routed(_routing("run_units = 0\n")), 2, ("routings[0].run_units", "> 0")),
    CliCase("routing-empty-process", _routed(_routing(process="")), 2, ("routings[0].process", "empty")),
    CliCase("routing-empty-table", _routed("[[routings]]\n"), 2, ("routings[0]", "missing key")),
    CliCase("routing-duplicate", _routed(_routing() + _routing()), 2, ("routings[1]", "twice")),
    CliCase("routing-unknown-brand", _routed(_routing(brand="Z")), 2, ("routings[0].brand", "unknown brand 'Z'")),
    CliCase(
        "routing-brand-without-routing",
        lambda t, k: _share(t, k, _routing() + _HOURS, command="validate"),
        2,
        ("routings", "brand 'B' has no routing"),
    ),
    CliCase("routing-all-zero-hours", _routed(_routing(hours="0")), 2, ("routings", "brand 'A'", "0 on every process")),
    CliCase(
        "routing-process-without-hours",
        _routed(_routing(), site=""),
        2,
        ("site_capacity.process_hours_per_week", "process 'print'"),
    ),
    CliCase(
        "process-hours-one-level",
        _routed(_routing(), site="[site_capacity]\nprocess_hours_per_week = { print = [80] }\n"),
        2,
        ("site_capacity.process_hours_per_week.print", "one value per capacity level"),
    ),
    CliCase(
        "process-hours-empty",
        _routed(_routing(), site="[site_capacity]\nprocess_hours_per_week = { print = [] }\n"),
        2,
        ("site_capacity.process_hours_per_week.print", "one value per capacity level"),
    ),
    CliCase(
        "process-hours-negative",
        _routed(_routing(), site="[site_capacity]\nprocess_hours_per_week = { print = [-80, 160] }\n"),
        2,
        ("site_capacity.process_hours_per_week.print[0]", ">= 0"),
    ),
    CliCase(
        "process-hours-nan",
        _routed(_routing(), site="[site_capacity]\nprocess_hours_per_week = { print = [nan, 160] }\n"),
        2,
        ("site_capacity.process_hours_per_week.print[0]", "nan"),
    ),
    CliCase(
        "process-hours-beyond-a-week",
        _routed(_routing(), site="[site_capacity]\nprocess_hours_per_week = { print = [80, 1e6] }\n"),
        2,
        ("site_capacity.process_hours_per_week.print[1]", "around the clock"),
    ),
    CliCase(
        "process-hours-unknown-process",
        _routed(_routing(), site=_HOURS.rstrip("}\n") + ", cnc = [1, 2] }\n"),
        2,
        ("site_capacity.process_hours_per_week.cnc", "unknown process 'cnc'"),
    ),
    CliCase(
        "flex-hours-inf",
        _routed(_routing(), site=_HOURS + "flex_hours_per_week = { print = [inf, 10] }\n"),
        2,
        ("site_capacity.flex_hours_per_week.print[0]", "inf"),
    ),
    CliCase(
        "flex-cost-negative",
        _routed(_routing(), site=_HOURS + "flex_cost_per_hour = { print = -30 }\n"),
        2,
        ("site_capacity.flex_cost_per_hour.print", ">= 0"),
    ),
    CliCase(
        "flex-cost-unknown-process",
        lambda t, k: _share(t, k, "[site_capacity]\nflex_cost_per_hour = { print = 30 }\n", command="validate"),
        2,
        ("site_capacity.flex_cost_per_hour.print", "unknown process 'print'"),
    ),
    CliCase(
        "shelf-life-out-of-range",
        lambda t, k: _share(t, k, brands=_brand_a("shelf_life_seasons = 1"), command="validate"),
        2,
        ("brands[0].shelf_life_seasons", "brand 'A'", "[0, 0]"),
    ),
    CliCase(
        "shelf-life-negative",
        lambda t, k: _share(t, k, brands=_brand_a("shelf_life_seasons = -1"), command="validate"),
        2,
        ("brands[0].shelf_life_seasons",),
    ),
    CliCase(
        "carry-cost-negative",
        lambda t, k: _share(t, k, brands=_brand_a("carry_cost_per_unit_season = -0.3"), command="validate"),
        2,
        ("brands[0].carry_cost_per_unit_season", ">= 0"),
    ),
    CliCase(
        "carry-cost-nan",
        lambda t, k: _share(t, k, brands=_brand_a("carry_cost_per_unit_season = nan"), command="validate"),
        2,
        ("brands[0].carry_cost_per_unit_season", "nan"),
    ),
    CliCase("contract-ok", _contract('brand = "A"\nreserved_hours_per_week = { any = 100 }\n'), 0, (), ("OK",)),
    CliCase(
        "contract-negative-reserved",
        _contract('brand = "A"\nreserved_hours_per_week = { any = -5 }\n'),
        2,
        ("contracts[0].reserved_hours_per_week.any", "brand 'A'", ">= 0"),
    ),
    CliCase(
        "contract-unknown-process",
        _contract('brand = "A"\nreserved_hours_per_week = { print = 5 }\n'),
        2,
        ("contracts[0].reserved_hours_per_week.print", "unknown process 'print'", "any"),
    ),
    CliCase(
        "contract-nan-rate",
        _contract('brand = "A"\nreserved_rate_per_hour = nan\n'),
        2,
        ("contracts[0].reserved_rate_per_hour", "nan"),
    ),
    CliCase(
        "contract-inf-spot",
        _contract('brand = "A"\nspot_rate_per_hour = inf\n'),
        2,
        ("contracts[0].spot_rate_per_hour", "inf"),
    ),
    CliCase(
        "contract-negative-penalty",
        _contract('brand = "A"\npenalty_per_late_unit = -1\n'),
        2,
        ("contracts[0].penalty_per_late_unit", ">= 0"),
    ),
    CliCase(
        "contract-negative-fee",
        _contract('brand = "A"\npriority_fee_per_yr = -100\n'),
        2,
        ("contracts[0].priority_fee_per_yr", ">= 0"),
    ),
    *(
        CliCase(
            f"contract-sla-percentile-{name}",
            _contract(f'brand = "A"\nsla_percentile = {v}\n'),
            2,
            ("contracts[0].sla_percentile", why),
        )
        for name, v, why in (
            ("100", "100", "[50, 100)"),
            ("low", "20", "[50, 100)"),
            ("nan", "nan", "nan"),
            ("negative", "-95", "[50, 100)"),
            ("text", '"p95"', "a number"),
        )
    ),
    CliCase("contract-unknown-brand", _contract('brand = "Z"\n'), 2, ("contracts[0].brand", "unknown brand 'Z'")),
    CliCase("contract-empty-table", _contract(""), 2, ("contracts[0]", "missing key 'brand'")),
    CliCase(
        "contract-duplicate-brand",
        _contract('brand = "A"\n[[contracts]]\nbrand = "A"\n'),
        2,
        ("contracts[1].brand", "two contracts"),
    ),
    CliCase(
        "contract-unknown-key",
        _contract('brand = "A"\nreserved_hours = 5\n'),
        2,
        ("contracts[0]", "unknown key 'reserved_hours'"),
    ),
]
CLI_CASES += ISSUE_24_CASES


def _scenario_columns(tmp: Path, kit: Kit, columns: str) -> str:
    body = (
        f'[[cities]]\nname = "k"\nnetwork = "{kit.pbf}"\n'
        f'[cities.layers.stores]\npath = "{tmp / _shadowed_stores(tmp, kit)}"\n{columns}'
        f'[cities.layers.candidates]\npath = "{kit.path("candidates")}"\n'
    )
    return text(tmp, "columns.toml", body)


def _shapefile_without_prj(tmp: Path, kit: Kit) -> str:
    kit.stores.rename(columns={"demand_units_per_week": "demand"}).to_file(tmp / "s.shp")
    (tmp / "s.prj").unlink()
    return "s.shp"


def _scenario_with_network(tmp: Path, kit: Kit, network: str) -> str:
    body = (
        f'[[cities]]\nname = "k"\nnetwork = "{tmp / network}"\n'
        f'[cities.layers.stores]\npath = "{kit.path("stores")}"\n'
        f'[cities.layers.candidates]\npath = "{kit.path("candidates")}"\n'
    )
    return text(tmp, "scenario.toml", body)


def _read(kind: str, name: str) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.inputs.layers import read_layer

        return read_layer(tmp / name if not Path(name).is_absolute() else name, kind)

    return call


def _build(name: str, **kw: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.network.build import build_network

        return build_network(tmp / name if name else kit.pbf, cache=False, **kw)

    return call


def _a_family() -> Any:
    from siting.costs import load_products
    from siting.costs.products import example_products_path

    return load_products(example_products_path())[0]


def _family_with(name: str, value: Any, **more: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        import dataclasses

        return dataclasses.replace(_a_family(), **{name: value, **more})

    return call


def _products_csv(
    column: str, value: str, also: dict[str, tuple[str, str]] | None = None
) -> Callable[[Path, Kit], Any]:
    """The example products CSV with ``column`` added, ``value`` in the first row and 1 in the others.

    ``also`` adds more columns: name -> (the first row's value, the others').
    """

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.costs import load_products
        from siting.costs.products import example_products_path

        table = pd.read_csv(example_products_path())
        table[column] = ["1"] * len(table)
        table.loc[0, column] = value
        for name, (first, others) in (also or {}).items():
            table[name] = [others] * len(table)
            table.loc[0, name] = first
        table.to_csv(tmp / "p.csv", index=False)
        return load_products(tmp / "p.csv")

    return call


def _history_csv(rows: str) -> Callable[[Path, Kit], Any]:
    """The example products with demand from an order history CSV of ``rows`` (after family,sku,week,units)."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.costs import load_products, with_order_history
        from siting.costs.products import example_products_path

        (tmp / "history.csv").write_text("family,sku,week,units\n" + rows)
        return with_order_history(load_products(example_products_path()), tmp / "history.csv")

    return call


def _popularity_csv(rows: str) -> Callable[[Path, Kit], Any]:
    """The example products with a SKU popularity CSV of ``rows`` (after its header family,sku,share)."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.costs import load_products
        from siting.costs.products import example_products_path

        (tmp / "popularity.csv").write_text("family,sku,share\n" + rows)
        return load_products(example_products_path(), sku_popularity=tmp / "popularity.csv")

    return call


def _snap_water(tolerance: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.network import build_network, snap_to_edges

        return snap_to_edges(build_network(kit.pbf), kit.stores, water_tolerance_m=tolerance)

    return call


def _vehicle_file(content: str) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.delivery.emissions import load_vehicles

        return load_vehicles(tmp / text(tmp, "v.csv", content))

    return call


def _then(make: Callable[[Path, Kit], Any], call: Callable[[Path, Kit], Any]) -> Callable[[Path, Kit], Any]:
    def both(tmp: Path, kit: Kit) -> Any:
        make(tmp, kit)
        return call(tmp, kit)

    return both


def _design(key: str, col: str | None, value: Any = None, *, drop: bool = False) -> Callable[[Path, Kit], Any]:
    """``siting.design.design_problem`` on a small valid problem with one hostile change."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.costs import load_products
        from siting.costs.products import example_products_path
        from siting.design import design_problem

        fams = load_products(example_products_path())[:2]
        t: dict[str, Any] = {
            "demand": pd.DataFrame(
                [("j0", f.family, "all", 20.0) for f in fams],
                columns=["store_id", "family", "season", "units_per_week"],
            ),
            "sites": pd.DataFrame(
                [("s0", "L0", 40.0, 50000.0)], columns=["site_id", "level", "hours_per_week", "fixed_cost_per_yr"]
            ),
            "lanes": pd.DataFrame(
                [("s0", "j0", 0.3, True)], columns=["site_id", "store_id", "cost_per_unit", "within_promise"]
            ),
            "direct": pd.DataFrame([("j0", 0.8, True)], columns=["store_id", "cost_per_unit", "within_promise"]),
            "making": pd.DataFrame(
                [(f.family, 0.1, 1.0) for f in fams],
                columns=["family", "machine_hours_per_unit", "changeover_hours_per_run"],
            ),
            "families": fams,
            "seasons": {"all": 52.0},
        }
        if key == "drops":  # the fixed charge per drop (given only for its own cases)
            t["drops"] = pd.DataFrame([("j0", 11.67)], columns=["store_id", "cost_per_week"])
            if col == "drops_per_week":  # the drops that charge stands for (reports only)
                t["drops"] = t["drops"].assign(drops_per_week=2.0)
        if key == "lanes" and col == "crossdock_within_promise":
            t["lanes"] = t["lanes"].assign(crossdock_within_promise=True)
        if key == "seasons":
            t["seasons"] = value
        elif drop:
            t[key] = t[key].iloc[:0] if col is None else pd.concat([t[key], t[key].iloc[:1]])
        else:
            df = t[key].astype({col: object})
            df.loc[0, col] = value
            t[key] = df
        return design_problem(**t)

    return call


def _sla_problem(**changes: Any) -> Callable[[Path, Kit], Any]:
    """A one-site, one-store ShareProblem with the design's SLA caps switched on, one field set to ``changes``."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.share.problem import ShareProblem

        base = dict(
            site_ids=("s",),
            store_ids=("k",),
            brand_names=("A",),
            season_names=("year",),
            store_brand=np.array([0]),
            demand_units_per_week=np.array([100.0]),
            season_weeks=np.array([52]),
            multiplier=np.ones((1, 1)),
            delivery_time_s=np.array([[600.0]]),
            delivery_cost_per_unit=np.array([[0.1]]),
            rent_per_yr=np.array([[1000.0]]),
            setup_per_yr=np.array([[100.0]]),
            capacity_units_per_week=np.array([500.0]),
            unit_cost_per_unit=np.array([9.0]),
            offshore_landed_per_unit=np.array([12.0]),
            brand_kind=("standard",),
            brand_lead_time_days=np.array([5.0]),
            line_hours_per_week=80.0,
        )
        return ShareProblem(**{**base, **changes})

    return call


API_CASES: list[ApiCase] = [
    *(
        ApiCase(f"share-sla-caps-{name}", _sla_problem(**{key: v}), "InputError", (key,))
        for name, key, v in (
            ("line-hours-negative", "line_hours_per_week", -1.0),
            ("line-hours-nan", "line_hours_per_week", float("nan")),
            ("line-hours-over-a-week", "line_hours_per_week", 200.0),
            ("percentile-100", "sla_percentile", np.array([100.0])),
            ("percentile-nan", "sla_percentile", np.array([np.nan])),
            ("demand-cv-negative", "demand_cv", np.array([-0.1])),
            ("demand-cv-inf", "demand_cv", np.array([np.inf])),
            ("demand-cv-two-brands", "demand_cv", np.array([0.2, 0.3])),
            ("run-min-zero", "run_min_units", 0.0),
            ("run-min-nan", "run_min_units", float("nan")),
        )
    ),
    *(
        ApiCase(
            f"vehicle-network-mode-{name}",
            _vehicle_file(f"vehicle_id,network_mode\nvan_avg_diesel,{v}\n"),
            "InputError",
            ("row 2", "network_mode"),
        )
        for name, v in (("unknown", "boat"), ("number", "-1"), ("upper", "DRIVE"))
    ),
    *(
        ApiCase(f"snap-water-tolerance-{name}", _snap_water(v), "InputError", ("water_tolerance_m",))
        for name, v in (("negative", -1.0), ("nan", float("nan")), ("inf", float("inf")), ("text", "10"))
    ),
    ApiCase("read-missing", _read("stores", "nowhere.gpkg"), "MissingFileError", ("nowhere.gpkg",)),
    ApiCase(
        "read-0-byte", _then(lambda t, k: text(t, "s.gpkg", b""), _read("stores", "s.gpkg")), "InputError", ("empty",)
    ),
    ApiCase(
        "read-text-gpkg",
        _then(lambda t, k: text(t, "s.gpkg", "x"), _read("stores", "s.gpkg")),
        "InputError",
        ("cannot read",),
    ),
    ApiCase(
        "read-text-parquet",
        _then(lambda t, k: text(t, "s.parquet", "x"), _read("stores", "s.parquet")),
        "InputError",
        ("GeoParquet",),
    ),
    ApiCase("read-two-layers", _then(_two_layers, _read("stores", "both.gpkg")), "InputError", ("layer='shops'",)),
    ApiCase(
        "read-xlsx",
        _then(lambda t, k: text(t, "s.xlsx", b"PK"), _read("stores", "s.xlsx")),
        "InputError",
        ("spreadsheet",),
    ),
    ApiCase(
        "read-projected-as-4326",
        _then(lambda t, k: layer(t, k, "stores", _projected_as_4326), _read("stores", "bad_stores.gpkg")),
        "InputError",
        ("crs='EPSG:",),
    ),
    ApiCase("read-no-crs", _then(_shapefile_without_prj, _read("stores", "s.shp")), "NoCrsError", ("crs=",)),
    ApiCase(
        "read-bad-crs",
        lambda t, k: __import__("siting.inputs.layers", fromlist=["x"]).read_layer(
            k.path("stores"), "stores", crs="nonsense"
        ),
        "InputError",
        ("nonsense", "crs="),
    ),
    ApiCase(
        "read-missing-column",
        _then(
            lambda t, k: layer(t, k, "stores", lambda g: g.drop(columns="demand_units_per_week")),
            _read("stores", "bad_stores.gpkg"),
        ),
        "MissingColumnError",
        ("columns={'your_name'",),
    ),
    ApiCase("read-unknown-kind", _read("shops", "x.gpkg"), "InputError", ("shops",)),
    ApiCase(
        "build-text-pbf",
        _then(lambda t, k: text(t, "n.osm.pbf", "text"), _build("n.osm.pbf")),
        "InputError",
        ("n.osm.pbf",),
    ),
    ApiCase(
        "build-truncated-pbf",
        _then(lambda t, k: _pbf_part(k, t, 0.6), _build("cut.osm.pbf")),
        "InputError",
        ("truncated",),
    ),
    ApiCase(
        "build-corrupt-bz2",
        _then(lambda t, k: text(t, "n.osm.bz2", b"BZh9garbage"), _build("n.osm.bz2")),
        "InputError",
        ("n.osm.bz2",),
    ),
    ApiCase(
        "build-graphml-no-crs",
        _then(lambda t, k: _graphml_without_crs(t), _build("nocrs.graphml")),
        "InputError",
        ("crs",),
    ),
    ApiCase("build-bad-crs", _build("", crs="EPSG:nonsense"), "InputError", ("EPSG:nonsense",)),
    ApiCase(
        "build-missing-path-like",
        lambda t, k: __import__("siting.network.build", fromlist=["x"]).build_network("data/kotka", cache=False),
        "MissingFileError",
        ("data/kotka",),
    ),
    ApiCase(
        "build-mode",
        lambda t, k: __import__("siting.network.build", fromlist=["x"]).build_network(k.pbf, mode="fly", cache=False),
        "InputError",
        ("fly",),
    ),
    ApiCase(
        "map-corrupt-layer",
        _then(
            lambda t, k: (text(t, "candidates.parquet", "x"), layer(t, k, "stores", name="stores.parquet")),
            lambda t, k: __import__("siting.maps", fromlist=["x"]).map_from_outputs(t),
        ),
        "InputError",
        ("candidates.parquet",),
    ),
    ApiCase(
        "read-run-missing",
        lambda t, k: __import__("siting.app.runinfo", fromlist=["x"]).read_run(t / "nope"),
        "InputError",
        ("nope",),
    ),
    ApiCase(
        "weights-negative",
        lambda t, k: __import__("siting.ranking", fromlist=["x"]).normalise_weights({"rent_per_yr": -1}),
        "InputError",
        ("rent_per_yr",),
    ),
    ApiCase(
        "share-orders-negative-demand",
        lambda t, k: __import__("siting.share.orders", fromlist=["x"]).simulate_orders(
            [_orders("A", units=-1.0)], _line()
        ),
        "InputError",
        ("'A'", "negative"),
    ),
    ApiCase(
        "share-orders-nan-runs",
        lambda t, k: __import__("siting.share.orders", fromlist=["x"]).simulate_orders(
            [_orders("A", runs=np.nan)], _line()
        ),
        "InputError",
        ("'A'", "non-finite"),
    ),
    ApiCase(
        "share-orders-nan-cv",
        lambda t, k: __import__("siting.share.orders", fromlist=["x"]).simulate_orders(
            [_orders("A", cv=np.nan)], _line()
        ),
        "InputError",
        ("'A'", "demand_cv"),
    ),
    ApiCase(
        "share-orders-empty",
        lambda t, k: __import__("siting.share.orders", fromlist=["x"]).simulate_orders([], _line()),
        "InputError",
        ("at least one brand",),
    ),
    ApiCase(
        "share-orders-week-cap-out-of-range",
        lambda t, k: __import__("siting.share.orders", fromlist=["x"]).simulate_orders(
            [_orders("A")], _line(week_cap_utilisation=1.5)
        ),
        "InputError",
        ("week_cap_utilisation",),
    ),
    ApiCase(
        "share-orders-one-replication",
        lambda t, k: __import__("siting.share.orders", fromlist=["x"]).simulate_orders(
            [_orders("A")], _line(), replications=1
        ),
        "InputError",
        ("replications",),
    ),
    ApiCase(
        "share-quantile-percentile-100",
        lambda t, k: __import__("siting.share.caps", fromlist=["x"]).lead_time_quantile(
            100.0, mean_wait=1.0, p_wait=0.5, cycle=1.0
        ),
        "InputError",
        ("percentile",),
    ),
    ApiCase(
        "share-kingman-inf-rate",
        lambda t, k: __import__("siting.share.caps", fromlist=["x"]).kingman_priority_waits(
            [np.inf], [1.0], [0.0], [1.0]
        ),
        "InputError",
        ("finite",),
    ),
    ApiCase(
        "share-plan-cap-zero",
        lambda t, k: __import__("siting.share.schedule", fromlist=["x"]).plan_weeks(
            np.ones((1, 2)), np.zeros(1, int), hours_per_week=40, minutes_per_unit=1, max_utilisation=0.0
        ),
        "InputError",
        ("max_utilisation",),
    ),
    ApiCase(
        "share-shapley-one-sample",
        lambda t, k: __import__("siting.share.sharing", fromlist=["x"]).shapley_sampled(13, len, samples=1),
        "InputError",
        ("sampled",),
    ),
    ApiCase(
        "api-scenario-binary",
        lambda t, k: __import__("siting.config.scenario", fromlist=["x"]).load_scenario(
            t / text(t, "s.toml", b"\xff\xfe")
        ),
        "InputError",
        ("s.toml",),
    ),
    ApiCase(
        "design-demand-negative", _design("demand", "units_per_week", -5.0), "InputError", ("units_per_week", "'j0'")
    ),
    ApiCase("design-demand-nan", _design("demand", "units_per_week", float("nan")), "InputError", ("units_per_week",)),
    ApiCase(
        "design-hours-inf", _design("sites", "hours_per_week", float("inf")), "InputError", ("hours_per_week", "'s0'")
    ),
    ApiCase("design-lanes-empty", _design("lanes", None, drop=True), "InputError", ("lanes", "empty")),
    ApiCase("design-sites-duplicate", _design("sites", "site_id", drop=True), "InputError", ("duplicate", "'s0'")),
    ApiCase("design-season-weeks-out-of-range", _design("seasons", None, {"all": 60.0}), "InputError", ("52.2",)),
]

#: The inventory-risk model's hostile inputs (issue 22), added to API_CASES at the end of this file.
COST_API_CASES: list[ApiCase] = [
    *[
        ApiCase(f"family-{name}-{label}", _family_with(name, value), "InputError", (words,))
        for name, value, label, words in (
            ("incoterm", "FCA", "unknown", "incoterm"),
            ("incoterm", "", "empty", "incoterm"),
            ("transit_offshore_weeks", -1.0, "negative", "transit_offshore_weeks"),
            ("transit_offshore_weeks", float("nan"), "nan", "transit_offshore_weeks"),
            ("markdown_sell_through", 1.5, "above-one", "markdown_sell_through"),
            ("markdown_sell_through", float("inf"), "inf", "markdown_sell_through"),
            ("markdown_price_per_unit", -3.0, "negative", "markdown_price_per_unit"),
            ("embodied_co2e_kg_per_unit", float("-inf"), "minus-inf", "embodied_co2e_kg_per_unit"),
        )
    ],
    *[
        ApiCase(f"family-{name}-{label}", _family_with(name, value), "InputError", (name,))
        for name, value, label in (
            ("skus", 0, "zero"),
            ("skus", -3, "negative"),
            ("skus", 2.5, "fraction"),
            ("skus", float("nan"), "nan"),
            ("skus", float("inf"), "inf"),
            ("skus", 10**9, "too-many"),
            ("skus", "many", "text"),
            ("sku_zipf_exponent", -0.5, "negative"),
            ("sku_zipf_exponent", float("nan"), "nan"),
            ("print_on_demand_below_units_per_week", -1.0, "negative"),
            ("print_on_demand_below_units_per_week", float("inf"), "inf"),
        )
    ],
    ApiCase("products-csv-skus-fraction", _products_csv("skus", "2.5"), "InputError", ("p.csv", "line 2", "'skus'")),
    # learning from sales and test drops
    *[
        ApiCase(f"family-{name}-{label}", _family_with(name, value, **more), "InputError", (name,))
        for name, value, label, more in (
            ("reorder_forecast", "oracle", "unknown", {}),
            ("reorder_forecast", "", "empty", {}),
            ("reorder_forecast", float("nan"), "nan", {}),
            ("test_drop_units", -50.0, "negative", {"reorder_forecast": "kalman"}),
            ("test_drop_units", float("nan"), "nan", {"reorder_forecast": "kalman"}),
            ("test_drop_units", float("inf"), "inf", {"reorder_forecast": "kalman"}),
            ("test_drop_units", 1e6, "out-of-range", {"reorder_forecast": "kalman"}),
            ("test_drop_units", 100.0, "without-learning", {"reorder_forecast": "level"}),
            ("test_drop_units", "a few", "text", {"reorder_forecast": "kalman"}),
        )
    ],
    ApiCase(
        "products-csv-test-drop-without-learning",
        _products_csv("test_drop_units", "100", {"reorder_forecast": ("level", "kalman")}),
        "InputError",
        ("p.csv", "line 2", "'test_drop_units'", "kalman"),
    ),
    *[
        ApiCase(f"sku-popularity-{label}", _popularity_csv(body), "InputError", words)
        for label, body, words in (
            ("negative", "fashion_top,S,-1\n", ("line 2", "'share'")),
            ("nan", "fashion_top,S,nan\n", ("line 2", "'share'")),
            ("inf", "fashion_top,S,inf\n", ("line 2", "'share'")),
            ("zero", "fashion_top,S,0\n", ("line 2", "'share'")),
            ("empty", "", ("no SKUs",)),
            ("duplicate", "fashion_top,S,1\nfashion_top,S,2\n", ("'S'", "twice")),
            ("unknown-family", "nobody,S,1\n", ("'nobody'",)),
        )
    ],
    ApiCase(
        "family-moq-offshore-basis-unknown",
        _family_with("moq_offshore_basis", "pallet"),
        "InputError",
        ("moq_offshore_basis",),
    ),
    ApiCase(
        "family-sku-popularity-negative", _family_with("sku_popularity", (0.5, -0.1)), "InputError", ("sku_popularity",)
    ),
    *[
        ApiCase(f"order-history-{label}", _history_csv(body), "InputError", words)
        for label, body, words in (
            ("units-negative", "spare_parts,a,1,-2\n", ("line 2", "'units'")),
            ("units-nan", "spare_parts,a,1,nan\n", ("line 2", "'units'")),
            ("units-inf", "spare_parts,a,1,inf\n", ("line 2", "'units'")),
            ("week-fraction", "spare_parts,a,1.5,2\n", ("line 2", "'week'")),
            ("week-negative", "spare_parts,a,-1,2\n", ("line 2", "'week'")),
            ("empty", "", ("no orders",)),
            ("duplicate-week", "spare_parts,a,1,2\nspare_parts,a,1,3\n", ("week 1", "twice")),
            ("unknown-family", "nobody,a,1,2\n", ("'nobody'",)),
            ("no-orders-above-zero", "spare_parts,a,1,0\n", ("no order above 0",)),
        )
    ],
    ApiCase(
        "croston-alpha-out-of-range",
        lambda t, k: __import__("siting.costs", fromlist=["x"]).croston(
            pd.DataFrame({"family": ["a"], "week": [1], "units": [1.0]}), alpha=1.5
        ),
        "InputError",
        ("alpha",),
    ),
    ApiCase(
        "products-csv-reorder-forecast-unknown",
        _products_csv("reorder_forecast", "perfect"),
        "InputError",
        ("p.csv", "line 2", "'reorder_forecast'"),
    ),
    ApiCase(
        "information-value-test-drop-zero",
        lambda t, k: __import__("siting.costs", fromlist=["x"]).information_value(_a_family(), test_drop_units=0.0),
        "InputError",
        ("test_drop_units",),
    ),
    ApiCase(
        "information-value-test-drop-nan",
        lambda t, k: __import__("siting.costs", fromlist=["x"]).information_value(
            _a_family(), test_drop_units=float("nan")
        ),
        "InputError",
        ("test_drop_units",),
    ),
    ApiCase(
        "family-markdown-below-salvage",
        _family_with("markdown_sell_through", 0.5, markdown_price_per_unit=0.1),
        "InputError",
        ("markdown_price_per_unit",),
    ),
    ApiCase(
        "origin-unknown",
        lambda t, k: __import__("siting.costs", fromlist=["x"]).with_origin(_a_family(), "Atlantis"),
        "InputError",
        ("Atlantis", "origins.csv"),
    ),
    ApiCase(
        "simulate-seasons-zero",
        lambda t, k: __import__("siting.costs", fromlist=["x"]).simulate_family(_a_family(), "local", seasons=0),
        "InputError",
        ("seasons",),
    ),
    ApiCase(
        "simulate-volume-nan",
        lambda t, k: __import__("siting.costs", fromlist=["x"]).simulate_family(_a_family(), "local", float("nan")),
        "InputError",
        ("units_per_week",),
    ),
]


# --------------------------------------------------------------------------- travel times


def _kotka_graph(kit: Kit) -> Any:
    from siting.network import build_network

    return build_network(kit.pbf)  # the session's private cache: built once


def _an_edge(kit: Kit) -> tuple[int, int]:
    u, v, _ = next(iter(_kotka_graph(kit).edges))
    return int(u), int(v)


def _profile_csv(tmp: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> str:
    from siting.network.profiles import default_profile, write_profile_csv

    write_profile_csv(default_profile(), tmp / "p.csv")
    change(pd.read_csv(tmp / "p.csv", dtype=str)).to_csv(tmp / "p.csv", index=False)
    return "p.csv"


def _set_cell(row: int, col: str, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[row, col] = value
        return df

    return change


def _read_profile(tmp: Path, kit: Kit, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Any:
    from siting.network.profiles import read_profile_csv

    return read_profile_csv(tmp / _profile_csv(tmp, change))


def _speeds(rows: Callable[[int, int], str]) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.network.observed import read_segment_speeds

        u, v = _an_edge(kit)
        (tmp / "speeds.csv").write_text(rows(u, v))
        return read_segment_speeds(tmp / "speeds.csv", _kotka_graph(kit))

    return call


def _trips_file(rows: Callable[[int, int], str]) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.network.calibration import read_trips

        u, v = _an_edge(kit)
        (tmp / "trips.csv").write_text(rows(u, v))
        return read_trips(tmp / "trips.csv", _kotka_graph(kit))

    return call


_TRIPS_HEAD = "origin_osm_node,destination_osm_node,day,hour,observed_time_s\n"


def _calibrate_args(rows: str) -> Callable[[Path, Kit], list[str]]:
    def args(tmp: Path, kit: Kit) -> list[str]:
        text(tmp, "trips.csv", _TRIPS_HEAD + rows)
        return ["network", "calibrate", str(kit.pbf), "--trips", "trips.csv", "--out", "fitted.csv"]

    return args


def _rank_options(**kw: Any) -> Callable[[Path, Kit], Any]:
    """RankOptions with ``kw`` as its travel-time options (``ReachOptions``)."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.pipeline import RankOptions, ReachOptions

        return RankOptions(reach=ReachOptions(**kw))

    return call


def _options_group(group: str, **kw: Any) -> Callable[[Path, Kit], Any]:
    """One group of RankOptions (``reach``, ``lanes``, ``costs``) built with ``kw``; ``rank`` builds RankOptions."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting import pipeline

        cls = {"reach": "ReachOptions", "lanes": "LaneOptions", "costs": "CostOptions", "rank": "RankOptions"}[group]
        return getattr(pipeline, cls)(**kw)

    return call


TRAVEL_API_CASES: list[ApiCase] = [
    ApiCase(
        "profile-negative",
        lambda t, k: _read_profile(t, k, _set_cell(5, "time_factor", "-1")),
        "InputError",
        ("p.csv", "row 7", "time_factor"),
    ),
    ApiCase(
        "profile-nan",
        lambda t, k: _read_profile(t, k, _set_cell(0, "time_factor", "nan")),
        "InputError",
        ("row 2", "time_factor"),
    ),
    ApiCase(
        "profile-inf",
        lambda t, k: _read_profile(t, k, _set_cell(0, "time_factor", "inf")),
        "InputError",
        ("row 2", "time_factor"),
    ),
    ApiCase(
        "profile-duplicate-row",
        lambda t, k: _read_profile(t, k, lambda df: pd.concat([df, df.iloc[[3]]])),
        "InputError",
        ("row 1010", "repeats"),
    ),
    ApiCase(
        "profile-missing-hour",
        lambda t, k: _read_profile(t, k, lambda df: df.drop(index=30)),
        "InputError",
        ("no row for road_class motorway, day tue, hour 6",),
    ),
    ApiCase(
        "profile-missing-column",
        lambda t, k: _read_profile(t, k, lambda df: df.drop(columns="time_factor")),
        "MissingColumnError",
        ("time_factor or speed_kph",),
    ),
    ApiCase("profile-empty", lambda t, k: _read_profile(t, k, lambda df: df.iloc[:0]), "InputError", ("no rows",)),
    ApiCase(
        "profile-bad-class",
        lambda t, k: _read_profile(t, k, _set_cell(0, "road_class", "highway")),
        "InputError",
        ("row 2", "road_class", "highway"),
    ),
    ApiCase(
        "profile-hour-out-of-range",
        lambda t, k: _read_profile(t, k, _set_cell(0, "hour", "24")),
        "InputError",
        ("row 2", "column hour"),
    ),
    ApiCase(
        "speeds-negative",
        _speeds(lambda u, v: f"from_osm_node,to_osm_node,speed_kph\n{u},{v},-5\n"),
        "InputError",
        ("speeds.csv", "row 2", "speed_kph"),
    ),
    ApiCase(
        "speeds-nan",
        _speeds(lambda u, v: f"from_osm_node,to_osm_node,speed_kph\n{u},{v},nan\n"),
        "InputError",
        ("row 2", "speed_kph"),
    ),
    ApiCase(
        "speeds-inf",
        _speeds(lambda u, v: f"from_osm_node,to_osm_node,speed_kph\n{u},{v},inf\n"),
        "InputError",
        ("row 2", "speed_kph"),
    ),
    ApiCase("speeds-zero-osrm", _speeds(lambda u, v: f"{u},{v},0\n"), "InputError", ("row 1", "speed_kph")),
    ApiCase(
        "speeds-unknown-node",
        _speeds(lambda u, v: f"from_osm_node,to_osm_node,speed_kph\n{u},{v},30\n{u},1,30\n"),
        "InputError",
        ("row 3", "to_osm_node", "node 1 is not in the network"),
    ),
    ApiCase(
        "speeds-no-such-road",
        _speeds(lambda u, v: f"from_osm_node,to_osm_node,speed_kph\n{u},{u},30\n"),
        "InputError",
        ("row 2", "no road runs"),
    ),
    ApiCase(
        "speeds-duplicate",
        _speeds(lambda u, v: f"from_osm_node,to_osm_node,speed_kph\n{u},{v},30\n{u},{v},31\n"),
        "InputError",
        ("row 3", "repeats"),
    ),
    ApiCase(
        "speeds-missing-column",
        _speeds(lambda u, v: f"from_osm_node,to_osm_node,speed\n{u},{v},30\n"),
        "MissingColumnError",
        ("speeds.csv", "speed_kph"),
    ),
    ApiCase("speeds-two-columns-osrm", _speeds(lambda u, v: f"{u},{v}\n"), "MissingColumnError", ("from,to,speed",)),
    ApiCase(
        "trips-negative-time",
        _trips_file(lambda u, v: _TRIPS_HEAD + f"{u},{v},mon,8,-3\n"),
        "InputError",
        ("trips.csv", "row 2", "observed_time_s"),
    ),
    ApiCase(
        "trips-nan-time",
        _trips_file(lambda u, v: _TRIPS_HEAD + f"{u},{v},mon,8,NaN\n"),
        "InputError",
        ("row 2", "observed_time_s"),
    ),
    ApiCase(
        "trips-unknown-node",
        _trips_file(lambda u, v: _TRIPS_HEAD + f"{u},{v},mon,8,60\n7,{v},mon,8,60\n"),
        "InputError",
        ("row 3", "origin_osm_node"),
    ),
    ApiCase(
        "trips-bad-day",
        _trips_file(lambda u, v: _TRIPS_HEAD + f"{u},{v},monday,8,60\n"),
        "InputError",
        ("row 2", "column day"),
    ),
    ApiCase(
        "trips-missing-column",
        _trips_file(lambda u, v: f"origin_osm_node,destination_osm_node\n{u},{v}\n"),
        "MissingColumnError",
        ("trips.csv", "observed_time_s"),
    ),
    # ---- the option groups: fixed sets (Literal), ranges, types
    ApiCase("options-mode-unknown", _options_group("reach", mode="boat"), "InputError", ("mode", "'boat'", "'drive'")),
    ApiCase(
        "options-reach-nan", _options_group("reach", reach_time_s=float("nan")), "InputError", ("reach_time_s", ">= 0")
    ),
    ApiCase(
        "options-snap-negative",
        _options_group("reach", max_snap_distance_m=-1.0),
        "InputError",
        ("max_snap_distance_m",),
    ),
    ApiCase(
        "options-isochrones-float",
        _options_group("reach", isochrones_for_top=1.5),
        "InputError",
        ("isochrones_for_top",),
    ),
    ApiCase("options-traffic-unknown", _options_group("reach", traffic="rush"), "InputError", ("traffic", "'rush'")),
    ApiCase(
        "options-pattern-unknown",
        _options_group("lanes", lane_pattern="drone"),
        "InputError",
        ("lane_pattern", "'tour'"),
    ),
    ApiCase(
        "options-lanes-negative", _options_group("lanes", lanes_for_top=-1), "InputError", ("lanes_for_top", ">= 0")
    ),
    ApiCase("options-setup-inf-neg", _options_group("costs", setup_cost=float("-inf")), "InputError", ("setup_cost",)),
    ApiCase(
        "options-dc-inf", _options_group("costs", offshore_dc_lonlat=(float("inf"), 0)), "InputError", ("offshore_dc",)
    ),
    ApiCase("options-grid-negative", _options_group("costs", grid_kg_co2e_per_kwh=-0.1), "InputError", ("grid_kg",)),
    ApiCase("options-normalisation", _options_group("rank", normalisation="zscore"), "InputError", ("normalisation",)),
    ApiCase("options-floor-nan", _options_group("rank", required_floor_area_m2=float("nan")), "InputError", ("floor",)),
    ApiCase("options-group-not-a-group", _options_group("rank", reach=600.0), "InputError", ("reach", "ReachOptions")),
    ApiCase("window-out-of-range", _rank_options(delivery_window="25:00-26:00"), "InputError", ("25:00-26:00",)),
    ApiCase("window-empty", _rank_options(delivery_window="08:00-08:00"), "InputError", ("empty",)),
    ApiCase(
        "window-with-traffic-band",
        _rank_options(delivery_window="06:00-09:00", traffic="peak"),
        "InputError",
        ("delivery_window", "traffic"),
    ),
    ApiCase(
        "window-profile-missing-file",
        _rank_options(delivery_window="06:00-09:00", speed_profile=Path("nowhere.csv")),
        "MissingFileError",
        ("nowhere.csv",),
    ),
    ApiCase(
        "window-speeds-missing-file",
        _rank_options(delivery_window="06:00-09:00", segment_speeds=Path("nowhere_speeds.csv")),
        "MissingFileError",
        ("nowhere_speeds.csv",),
    ),
    ApiCase(
        "profile-without-window",
        _rank_options(speed_profile=Path("p.csv")),
        "InputError",
        ("speed_profile", "delivery_window"),
    ),
    ApiCase(
        "turn-penalty-negative",
        _rank_options(delivery_window="06:00-09:00", turn_penalty_s=-1.0),
        "InputError",
        ("turn_penalty_s",),
    ),
    ApiCase(
        "signal-delay-inf",
        _rank_options(delivery_window="06:00-09:00", signal_delay_s=float("inf")),
        "InputError",
        ("signal_delay_s",),
    ),
]

TRAVEL_CLI_CASES: list[CliCase] = [
    CliCase("calibrate-trips-inf", _calibrate_args("1,2,mon,8,inf\n"), 2, ("trips.csv", "row 2")),
    CliCase(
        "calibrate-trips-missing",
        lambda t, k: ["network", "calibrate", str(k.pbf), "--trips", "none.csv", "--out", "f.csv"],
        2,
        ("none.csv",),
    ),
    CliCase(
        "calibrate-out-folder",
        lambda t, k: ["network", "calibrate", str(k.pbf), "--trips", "x.csv", "--out", folder(t, "fitted.csv")],
        2,
        ("--out", "folder"),
    ),
    CliCase(
        "calibrate-turn-negative",
        lambda t, k: _calibrate_args("1,2,mon,8,60\n2,1,mon,8,60\n")(t, k) + ["--turn-penalty-s", "-1"],
        2,
        ("--turn-penalty-s",),
    ),
]
API_CASES += TRAVEL_API_CASES
CLI_CASES += TRAVEL_CLI_CASES


def _parse_share(body: str) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        import tomllib

        from siting.share.inputs import parse_share

        return parse_share(tomllib.loads(body), source="s.toml")

    return call


API_CASES += [
    ApiCase(
        "api-share-nan",
        _parse_share('[[brands]]\nname = "A"\nunit_cost_per_unit = nan\n'),
        "InputError",
        ("s.toml", "brands[0].unit_cost_per_unit", "nan"),
    ),
    ApiCase(
        "api-share-seasons-short",
        _parse_share('[[brands]]\nname = "A"\n[[seasons]]\nname = "peak"\nweeks = 13\n'),
        "InputError",
        ("seasons", "add up to 13"),
    ),
    ApiCase(
        "api-share-duplicate-lane-class",
        _parse_share(
            '[[brands]]\nname = "A"\nlane_class = "x"\n[[lane_classes]]\nname = "x"\n[[lane_classes]]\nname = "x"\n'
        ),
        "InputError",
        ("lane_classes[1].name", "twice"),
    ),
    ApiCase(
        "api-scheduler-no-port",
        lambda t, k: __import__("siting.national.scheduler", fromlist=["x"]).check_scheduler_address("tcp://h"),
        "InputError",
        ("no port",),
    ),
    ApiCase(
        "api-workers-beyond-machine",
        lambda t, k: __import__("siting.national.scheduler", fromlist=["x"]).check_workers(10**6),
        "InputError",
        ("at most",),
    ),
]


def snapshot(folder: Path) -> dict[str, Any]:
    """Every file and folder under ``folder`` with its size and content digest (to prove nothing changed)."""
    import hashlib

    out: dict[str, Any] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def earlier_output(tmp: Path) -> None:
    """An earlier run's ``out`` folder (what a failed run must leave as it was)."""
    (tmp / "out" / "kotka").mkdir(parents=True)
    (tmp / "out" / "run.json").write_text(json.dumps({"command": "rank"}))
    (tmp / "out" / "ranking.csv").write_text("site_id,rank\na,1\n")
    (tmp / "out" / "kotka" / "chosen.csv").write_text("site_id\na\n")


def _portfolio(**kw: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.pipeline.portfolio import PortfolioOptions

        return PortfolioOptions(**kw)

    return call


def _settled(sites: Any, **kw: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.design.outages import settled_values

        # the sizes are checked before the problem is read
        return settled_values(
            None, None, None, time_limit_s=1.0, mip_gap=0.01, max_nodes=1, neighbourhood_sites=sites, **kw
        )  # type: ignore[arg-type]

    return call


def _design_arg(key: str, value: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.design.solve import portfolio

        # checked before the problem is read
        return portfolio(None, **{key: value})  # type: ignore[arg-type]

    return call


def _lagrange_arg(key: str, value: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.design.lagrange import local_lagrange_bound

        # checked before the problem is read
        return local_lagrange_bound(None, 1.0, (None, None), **{key: value})  # type: ignore[arg-type]

    return call


def _plan_objective(objective: str) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.pipeline import plan

        return plan([], 1, objective=objective)

    return call


#: The portfolio design beside the ranking ([rank.portfolio], siting.pipeline.portfolio.PortfolioOptions).
PORTFOLIO_API_CASES: list[ApiCase] = [
    ApiCase("portfolio-time-limit-zero", _portfolio(time_limit_s=0.0), "InputError", ("portfolio.time_limit_s", "> 0")),
    ApiCase("portfolio-time-limit-nan", _portfolio(time_limit_s=float("nan")), "InputError", ("time_limit_s",)),
    ApiCase("portfolio-gap-negative", _portfolio(mip_gap=-0.01), "InputError", ("portfolio.mip_gap", ">= 0")),
    ApiCase("portfolio-gap-inf", _portfolio(mip_gap=float("inf")), "InputError", ("portfolio.mip_gap",)),
    ApiCase("portfolio-handling-negative", _portfolio(crossdock_handling_per_unit=-1.0), "InputError", ("handling",)),
    ApiCase("portfolio-demand-points-zero", _portfolio(demand_points=0), "InputError", ("demand_points", ">= 1")),
    ApiCase("portfolio-scope-unknown", _portfolio(scope="everything"), "InputError", ("portfolio.scope", "'full'")),
    ApiCase("portfolio-scope-empty", _portfolio(scope=""), "InputError", ("portfolio.scope",)),
    ApiCase("portfolio-explain-negative", _portfolio(explain_sites=-1), "InputError", ("explain_sites", ">= 0")),
    ApiCase("portfolio-explain-float", _portfolio(explain_sites=1.5), "InputError", ("explain_sites",)),
    ApiCase("portfolio-explain-nan", _portfolio(explain_sites=float("nan")), "InputError", ("explain_sites",)),
    ApiCase("portfolio-explain-bool", _portfolio(explain_sites=True), "InputError", ("explain_sites",)),
    ApiCase("portfolio-demand-points-float", _portfolio(demand_points=2.5), "InputError", ("demand_points",)),
    ApiCase("api-plan-objective-unknown", _plan_objective("portfolios"), "InputError", ("objective", "'portfolio'")),
    ApiCase("portfolio-max-sites-zero", _portfolio(max_sites=0), "InputError", ("portfolio.max_sites", ">= 1")),
    ApiCase("portfolio-neighbourhood-zero", _portfolio(neighbourhood_sites=0), "InputError", ("neighbourhood_sites",)),
    ApiCase("portfolio-neighbourhood-negative", _portfolio(neighbourhood_sites=-1), "InputError", ("from 1",)),
    ApiCase(
        "portfolio-neighbourhood-float", _portfolio(neighbourhood_sites=2.5), "InputError", ("neighbourhood_sites",)
    ),
    ApiCase(
        "portfolio-neighbourhood-nan",
        _portfolio(neighbourhood_sites=float("nan")),
        "InputError",
        ("neighbourhood_sites",),
    ),
    ApiCase("portfolio-neighbourhood-huge", _portfolio(neighbourhood_sites=10**5), "InputError", ("10,000",)),
    ApiCase(
        "portfolio-neighbourhood-bool", _portfolio(neighbourhood_sites=True), "InputError", ("neighbourhood_sites",)
    ),
    ApiCase(
        "portfolio-neighbourhood-none", _portfolio(neighbourhood_sites=None), "InputError", ("neighbourhood_sites",)
    ),
    ApiCase(
        "portfolio-adopted-negative", _portfolio(max_adopted=-1), "InputError", ("portfolio.max_adopted", "from 0")
    ),
    ApiCase("portfolio-adopted-float", _portfolio(max_adopted=0.5), "InputError", ("portfolio.max_adopted",)),
    ApiCase("portfolio-adopted-nan", _portfolio(max_adopted=float("nan")), "InputError", ("portfolio.max_adopted",)),
    ApiCase("portfolio-adopted-huge", _portfolio(max_adopted=101), "InputError", ("portfolio.max_adopted", "100")),
    ApiCase("portfolio-adopted-text", _portfolio(max_adopted="3"), "InputError", ("portfolio.max_adopted",)),
    ApiCase("portfolio-time-limit-negative", _portfolio(time_limit_s=-1.0), "InputError", ("portfolio.time_limit_s",)),
    *[
        ApiCase(f"portfolio-{tag}-{name}", _portfolio(**{key: value}), "InputError", (f"portfolio.{key}", high))
        for tag, key, high, huge in (
            ("bound-rounds", "all_local_bound_rounds", "0 to 500", 501),
            ("swaps", "all_local_swaps", "0 to 10,000", 10_001),
        )
        for name, value in (("negative", -1), ("float", 2.5), ("nan", float("nan")), ("huge", huge), ("bool", True))
    ],
    *[
        ApiCase(f"design-{tag}-{name}", _design_arg(key, value), "InputError", (key, high))
        for tag, key, high in (
            ("bound-rounds", "local_bound_rounds", "0 to 500"),
            ("swaps", "local_swaps", "0 to 10,000"),
        )
        for name, value in (("negative", -3), ("none", None), ("huge", 10**6))
    ],
    *[
        ApiCase(f"lagrange-stop-gap-{name}", _lagrange_arg("stop_gap", value), "InputError", ("stop_gap", "below 1"))
        for name, value in (("negative", -0.01), ("nan", float("nan")), ("one", 1.0), ("bool", True), ("text", "1%"))
    ],
    *[
        ApiCase(f"lagrange-rounds-{name}", _lagrange_arg("column_rounds", value), "InputError", ("column_rounds",))
        for name, value in (("negative", -1), ("float", 2.5), ("huge", 501))
    ],
    ApiCase("settled-adopted-negative", _settled(2, max_adopted=-1), "InputError", ("max_adopted", ">= 0")),
    ApiCase("settled-adopted-float", _settled(2, max_adopted=1.5), "InputError", ("max_adopted",)),
    ApiCase("settled-adopted-nan", _settled(2, max_adopted=float("nan")), "InputError", ("max_adopted",)),
    ApiCase("neighbourhood-sites-zero", _settled(0), "InputError", ("neighbourhood_sites", ">= 1")),
    ApiCase("neighbourhood-sites-negative", _settled(-3), "InputError", ("neighbourhood_sites",)),
    ApiCase("neighbourhood-sites-float", _settled(2.5), "InputError", ("neighbourhood_sites",)),
    ApiCase("neighbourhood-sites-nan", _settled(float("nan")), "InputError", ("neighbourhood_sites",)),
    ApiCase("neighbourhood-sites-bool", _settled(True), "InputError", ("neighbourhood_sites",)),
    ApiCase("neighbourhood-sites-none", _settled(None), "InputError", ("neighbourhood_sites",)),
    ApiCase("portfolio-max-sites-negative", _portfolio(max_sites=-2), "InputError", ("portfolio.max_sites",)),
    ApiCase("portfolio-max-sites-float", _portfolio(max_sites=1.5), "InputError", ("portfolio.max_sites",)),
    ApiCase("portfolio-max-sites-bool", _portfolio(max_sites=True), "InputError", ("portfolio.max_sites",)),
    ApiCase("portfolio-max-nodes-zero", _portfolio(max_nodes=0), "InputError", ("portfolio.max_nodes", "from 1")),
    ApiCase("portfolio-max-nodes-negative", _portfolio(max_nodes=-5), "InputError", ("portfolio.max_nodes",)),
    ApiCase("portfolio-max-nodes-nan", _portfolio(max_nodes=float("nan")), "InputError", ("portfolio.max_nodes",)),
    ApiCase("portfolio-max-nodes-float", _portfolio(max_nodes=2.5), "InputError", ("portfolio.max_nodes",)),
    ApiCase(
        "portfolio-max-nodes-huge", _portfolio(max_nodes=10**12), "InputError", ("portfolio.max_nodes", "2147483647")
    ),
    ApiCase("portfolio-max-nodes-bool", _portfolio(max_nodes=True), "InputError", ("portfolio.max_nodes",)),
    ApiCase("portfolio-max-nodes-none", _portfolio(max_nodes=None), "InputError", ("portfolio.max_nodes",)),
    ApiCase(
        "portfolio-value-max-nodes-zero", _portfolio(value_max_nodes=0), "InputError", ("portfolio.value_max_nodes",)
    ),
    ApiCase(
        "portfolio-value-max-nodes-inf", _portfolio(value_max_nodes=float("inf")), "InputError", ("value_max_nodes",)
    ),
]

API_CASES += COST_API_CASES + PORTFOLIO_API_CASES


def _map_with(extra: Callable[[Kit], dict[str, Any]]) -> Callable[[Path, Kit], Any]:
    """``make_map`` of the Kotka kit with the extra layers ``extra(kit)`` (tours, access legs, base)."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.maps import make_map

        return make_map(stores=kit.stores, candidates=kit.candidates, **extra(kit))

    return call


def _kit_line(kit: Kit, crs: Any = "EPSG:4326", **cols: Any) -> gpd.GeoDataFrame:
    """One line from the kit's first candidate to its first store, with ``cols``."""
    from shapely.geometry import LineString

    a, b = kit.candidates.geometry.iloc[0].centroid, kit.stores.geometry.iloc[0].centroid
    return gpd.GeoDataFrame({k: [v] for k, v in cols.items()}, geometry=[LineString([a, b])], crs=crs)


#: The map's route and context layers (issue 25): tours, access legs, the land-and-sea base.
MAP_API_CASES: list[ApiCase] = [
    ApiCase(
        "map-tours-no-tour-column",
        _map_with(lambda k: {"tours": _kit_line(k, site_id="s1", length_m=10.0)}),
        "MissingColumnError",
        ("'tours'", "tour"),
    ),
    ApiCase(
        "map-tours-no-crs",
        _map_with(lambda k: {"tours": _kit_line(k, crs=None, site_id="s1", tour=1)}),
        "NoCrsError",
        ("'tours'", "CRS"),
    ),
    ApiCase(
        "map-access-no-length",
        _map_with(lambda k: {"access": _kit_line(k, layer="store", id="a")}),
        "MissingColumnError",
        ("'access legs'", "length_m"),
    ),
    ApiCase(
        "map-base-no-kind",
        _map_with(lambda k: {"base": _kit_line(k, name="ferry")}),
        "MissingColumnError",
        ("'base'", "kind"),
    ),
]

API_CASES += MAP_API_CASES


def _lane_params(**kw: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.delivery.lanes import LaneParams

        return LaneParams(**kw)

    return call


def _fit(approx: Any, real: Any) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.delivery.calibrate import fit_factor

        return fit_factor(approx, real)

    return call


#: Tour runs and ferry fares (rank.tour_sample_sites, rank.lane_params.ferry_fare_per_vehicle, calibration).
TOUR_FARE_API_CASES: list[ApiCase] = [
    ApiCase("fare-negative", _lane_params(ferry_fare_per_vehicle=-1.0), "InputError", ("ferry_fare_per_vehicle", "0")),
    ApiCase("fare-nan", _lane_params(ferry_fare_per_vehicle=float("nan")), "InputError", ("ferry_fare_per_vehicle",)),
    ApiCase("fare-inf", _lane_params(ferry_fare_per_vehicle=float("inf")), "InputError", ("ferry_fare_per_vehicle",)),
    ApiCase("fare-text", _lane_params(ferry_fare_per_vehicle="ten"), "InputError", ("ferry_fare_per_vehicle", "'ten'")),
    ApiCase("descent-cap-zero", _lane_params(descent_solution_limit=0), "InputError", ("descent_solution_limit", "1")),
    ApiCase(
        "descent-cap-negative", _lane_params(descent_solution_limit=-5), "InputError", ("descent_solution_limit", "-5")
    ),
    ApiCase("descent-cap-float", _lane_params(descent_solution_limit=2.5), "InputError", ("descent_solution_limit",)),
    ApiCase("descent-cap-nan", _lane_params(descent_solution_limit=float("nan")), "InputError", ("nan",)),
    ApiCase("descent-cap-bool", _lane_params(descent_solution_limit=True), "InputError", ("descent_solution_limit",)),
    ApiCase(
        "tour-sample-negative", _options_group("lanes", tour_sample_sites=-1), "InputError", ("tour_sample_sites",)
    ),
    ApiCase("tour-sample-float", _options_group("lanes", tour_sample_sites=2.5), "InputError", ("tour_sample_sites",)),
    ApiCase("calibration-nan", _fit([1.0, float("nan")], [1.0, 2.0]), "InputError", ("finite",)),
    ApiCase("calibration-empty", _fit([], []), "InputError", ("0",)),
    ApiCase("calibration-all-zero", _fit([0.0, 0.0], [1.0, 2.0]), "InputError", ("0",)),
]

API_CASES += TOUR_FARE_API_CASES

CLI_CASES += [
    CliCase(
        "scenario-ferry-fare-negative",
        lambda t, k: [
            "rank",
            _scenario(t, k, "[rank.lane_params]\nferry_fare_per_vehicle = -15.7\n"),
            "--out",
            "out",
            "--no-map",
        ],
        2,
        ("ferry_fare_per_vehicle",),
    ),
    CliCase(
        "scenario-descent-cap-zero",
        lambda t, k: [
            "rank",
            _scenario(t, k, "[rank.lane_params]\ndescent_solution_limit = 0\n"),
            "--out",
            "out",
            "--no-map",
        ],
        2,
        ("descent_solution_limit",),
    ),
    CliCase(
        "scenario-tour-sample-negative",
        lambda t, k: ["rank", _scenario(t, k, "[rank]\ntour_sample_sites = -2\n"), "--out", "out", "--no-map"],
        2,
        ("tour_sample_sites",),
    ),
]


def _brand_run(brand: Any, units: tuple[float, ...] = (10.0, 20.0)) -> Callable[[Path, Kit], Any]:
    """The brand volume frame of a two-city run (siting.pipeline.brand_frame) with ``brand_units_per_week``."""

    def call(tmp: Path, kit: Kit) -> Any:
        import types

        from siting.costs import load_products
        from siting.costs.products import example_products_path
        from siting.pipeline import CostOptions, RankOptions
        from siting.pipeline.brand_frame import brand_frame

        cities = [
            types.SimpleNamespace(
                name=f"c{i}",
                stores=pd.DataFrame({"store_id": ["s"], "demand_units_per_week": [u]}),
                products=(),
                demand_shares=None,
            )
            for i, u in enumerate(units)
        ]
        products = tuple(load_products(example_products_path()))
        return brand_frame(cities, RankOptions(costs=CostOptions(products=products, brand_units_per_week=brand)))

    return call


def _brand_cost(city_units: float, brand_units: float) -> Callable[[Path, Kit], Any]:
    def call(tmp: Path, kit: Kit) -> Any:
        from siting.costs import load_products
        from siting.costs.brand import brand_family_cost
        from siting.costs.products import example_products_path

        return brand_family_cost(load_products(example_products_path())[0], city_units, brand_units)

    return call


#: The brand volume frame of offshore buys ([rank] brand_units_per_week, siting.costs.brand).
BRAND_API_CASES: list[ApiCase] = [
    ApiCase("brand-negative", _options_group("costs", brand_units_per_week=-1.0), "InputError", ("brand_units",)),
    ApiCase("brand-zero", _options_group("costs", brand_units_per_week=0.0), "InputError", ("brand_units", "> 0")),
    ApiCase("brand-nan", _options_group("costs", brand_units_per_week=float("nan")), "InputError", ("brand_units",)),
    ApiCase("brand-inf", _options_group("costs", brand_units_per_week=float("inf")), "InputError", ("brand_units",)),
    ApiCase(
        "brand-family-negative",
        _options_group("costs", brand_units_per_week={"basic_tshirt": -2.0}),
        "InputError",
        ("brand_units_per_week", "basic_tshirt"),
    ),
    ApiCase("brand-below-run", _brand_run(29.0), "InputError", ("brand_units_per_week = 29", "below the run's own")),
    ApiCase("brand-missing-family", _brand_run({"basic_tshirt": 1e6}), "InputError", ("no volume for family",)),
    ApiCase("brand-empty-mapping", _brand_run({}), "InputError", ("no volume for family",)),
    ApiCase("brand-cost-below-city", _brand_cost(100.0, 50.0), "InputError", ("below the city's own demand",)),
    ApiCase("brand-cost-nan", _brand_cost(100.0, float("nan")), "InputError", ("brand volume", "finite")),
]

API_CASES += BRAND_API_CASES

CLI_CASES += [
    CliCase(
        "scenario-brand-negative",
        lambda t, k: ["rank", _scenario(t, k, "[rank]\nbrand_units_per_week = -5\n"), "--out", "out", "--no-map"],
        2,
        ("brand_units_per_week",),
    ),
]


_HUB_HEADER = "hub_id,lon,lat,handling_cost_per_unit,turnaround_s,fixed_cost_per_yr\n"


def _hubs_file(body: str) -> Callable[[Path, Kit], Any]:
    """A hubs CSV (header + ``body``) read by ``siting.design.hubs.read_hubs``."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.design.hubs import read_hubs

        return read_hubs(tmp / text(tmp, "hubs.csv", _HUB_HEADER + body))

    return call


#: Candidate fulfilment hubs of the portfolio design ([costs] hubs, siting.design.hubs).
HUB_API_CASES: list[ApiCase] = [
    ApiCase("hubs-handling-negative", _hubs_file("h,26.9,60.5,-0.1,600,0\n"), "InputError", ("handling_cost",)),
    ApiCase("hubs-handling-nan", _hubs_file("h,26.9,60.5,nan,600,0\n"), "InputError", ("handling_cost", "hub_id='h'")),
    ApiCase("hubs-turnaround-inf", _hubs_file("h,26.9,60.5,0.1,inf,0\n"), "InputError", ("turnaround_s",)),
    ApiCase("hubs-turnaround-over-a-week", _hubs_file("h,26.9,60.5,0.1,700000,0\n"), "InputError", ("at most",)),
    ApiCase("hubs-fixed-negative", _hubs_file("h,26.9,60.5,0.1,600,-5\n"), "InputError", ("fixed_cost_per_yr",)),
    ApiCase("hubs-empty", _hubs_file(""), "InputError", ("no hubs",)),
    ApiCase(
        "hubs-duplicate-id", _hubs_file("h,26.9,60.5,0.1,600,0\nh,26.8,60.4,0.1,600,0\n"), "InputError", ("'h'", "once")
    ),
    ApiCase("hubs-id-missing", _hubs_file(",26.9,60.5,0.1,600,0\n"), "InputError", ("empty hub_id",)),
    ApiCase("hubs-lat-out-of-range", _hubs_file("h,26.9,95,0.1,600,0\n"), "InputError", ("'lat'", "90")),
    ApiCase("hubs-lon-text", _hubs_file("h,east,60.5,0.1,600,0\n"), "InputError", ("'lon'", "'east'")),
    ApiCase(
        "hubs-column-missing",
        lambda t, k: __import__("siting.design.hubs", fromlist=["read_hubs"]).read_hubs(
            t / text(t, "hubs.csv", "hub_id,lon,lat\nh,26.9,60.5\n")
        ),
        "MissingColumnError",
        ("handling_cost_per_unit",),
    ),
    ApiCase(
        "hubs-file-missing", lambda t, k: _portfolio(hubs=str(t / "nowhere.csv"))(t, k), "InputError", ("not found",)
    ),
]

API_CASES += HUB_API_CASES


def _load(**kw: float) -> Callable[[Path, Kit], Any]:
    """A full vehicle's load in units (``siting.design.hubs.vehicle_load_units``), the trunk's divisor."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.design.hubs import vehicle_load_units

        args = dict(payload_kg=3000.0, volume_m3=30.0, unit_weight_kg=0.5, unit_volume_m3=0.004, load_factor=0.8) | kw
        payload, volume = args.pop("payload_kg"), args.pop("volume_m3")
        return vehicle_load_units(payload, volume, **args)

    return call


#: Route pricing from first principles (consolidated trunk to a hub or cross-dock site).
ROUTE_API_CASES: list[ApiCase] = [
    ApiCase("route-trunk-vehicle-empty", _portfolio(trunk_vehicle=""), "InputError", ("trunk_vehicle",)),
    ApiCase("route-trunk-vehicle-number", _portfolio(trunk_vehicle=7.5), "InputError", ("trunk_vehicle",)),
    ApiCase("route-load-payload-negative", _load(payload_kg=-1.0), "InputError", ("vehicle load", "> 0")),
    ApiCase("route-load-volume-nan", _load(volume_m3=float("nan")), "InputError", ("vehicle load",)),
    ApiCase("route-load-unit-inf", _load(unit_volume_m3=float("inf")), "InputError", ("vehicle load",)),
    ApiCase("route-load-unit-zero", _load(unit_weight_kg=0.0), "InputError", ("vehicle load",)),
    ApiCase("route-load-factor-over-one", _load(load_factor=1.2), "InputError", ("load factor at most 1",)),
]

API_CASES += ROUTE_API_CASES

CLI_CASES += [
    CliCase(
        "scenario-hubs-negative-handling",
        lambda t, k: [
            "rank",
            _scenario(t, k, f'[costs]\nhubs = "{text(t, "hubs.csv", _HUB_HEADER + "h,26.9,60.5,-1,600,0")}"\n'),
            "--out",
            "out",
            "--no-map",
        ],
        2,
        ("costs.hubs", "handling_cost_per_unit"),
    ),
    CliCase(
        "scenario-hubs-missing-file",
        lambda t, k: ["rank", _scenario(t, k, '[costs]\nhubs = "no_hubs.csv"\n'), "--out", "out", "--no-map"],
        2,
        ("costs.hubs", "not found"),
    ),
]


def _products_scenario(tmp: Path, kit: Kit, key: str, content: str | None) -> list[str]:
    """``siting rank`` of a scenario with the example products and ``[costs] key`` (a file, or none written)."""
    from siting.costs.products import example_products_path

    name = f"{key}.csv"
    if content is not None:
        text(tmp, name, content)
    products = text(tmp, "products.csv", example_products_path().read_text(encoding="utf-8"))
    body = f'[costs]\nproducts = "{products}"\n{key} = "{name}"\n'
    return ["rank", _scenario(tmp, kit, body), "--out", "out", "--no-map"]


_POPULARITY = "family,sku,share\n"
_HISTORY = "family,sku,week,units\n"

#: [costs] sku_popularity and order_history (siting.app.products): each names the key and the file.
CLI_CASES += [
    CliCase(
        "scenario-sku-popularity-missing-file",
        lambda t, k: _products_scenario(t, k, "sku_popularity", None),
        2,
        ("costs.sku_popularity", "sku_popularity.csv", "not found"),
    ),
    CliCase(
        "scenario-sku-popularity-empty-file",
        lambda t, k: _products_scenario(t, k, "sku_popularity", ""),
        2,
        ("costs.sku_popularity", "sku_popularity.csv", "cannot be read"),
    ),
    CliCase(
        "scenario-sku-popularity-no-rows",
        lambda t, k: _products_scenario(t, k, "sku_popularity", _POPULARITY),
        2,
        ("costs.sku_popularity", "no SKUs"),
    ),
    CliCase(
        "scenario-sku-popularity-nan-share",
        lambda t, k: _products_scenario(t, k, "sku_popularity", _POPULARITY + "basic_tshirt,a,nan\n"),
        2,
        ("costs.sku_popularity", "line 2", "'share'"),
    ),
    CliCase(
        "scenario-sku-popularity-negative-share",
        lambda t, k: _products_scenario(t, k, "sku_popularity", _POPULARITY + "basic_tshirt,a,-3\n"),
        2,
        ("costs.sku_popularity", "line 2", "'share'"),
    ),
    CliCase(
        "scenario-sku-popularity-duplicate-sku",
        lambda t, k: _products_scenario(t, k, "sku_popularity", _POPULARITY + "basic_tshirt,a,3\nbasic_tshirt,a,2\n"),
        2,
        ("costs.sku_popularity", "'a'", "appears twice"),
    ),
    CliCase(
        "scenario-sku-popularity-unknown-family",
        lambda t, k: _products_scenario(t, k, "sku_popularity", _POPULARITY + "jeans,a,3\n"),
        2,
        ("costs.sku_popularity", "sku_popularity.csv", "'jeans'", "products.csv"),
    ),
    CliCase(
        "scenario-order-history-missing-file",
        lambda t, k: _products_scenario(t, k, "order_history", None),
        2,
        ("costs.order_history", "order_history.csv", "not found"),
    ),
    CliCase(
        "scenario-order-history-empty-file",
        lambda t, k: _products_scenario(t, k, "order_history", ""),
        2,
        ("costs.order_history", "order_history.csv", "cannot be read"),
    ),
    CliCase(
        "scenario-order-history-nan-units",
        lambda t, k: _products_scenario(t, k, "order_history", _HISTORY + "basic_tshirt,a,1,nan\n"),
        2,
        ("costs.order_history", "line 2", "'units'"),
    ),
    CliCase(
        "scenario-order-history-duplicate-week",
        lambda t, k: _products_scenario(t, k, "order_history", _HISTORY + "basic_tshirt,a,1,5\nbasic_tshirt,a,1,6\n"),
        2,
        ("costs.order_history", "week 1", "appears twice"),
    ),
    CliCase(
        "scenario-order-history-unknown-family",
        lambda t, k: _products_scenario(t, k, "order_history", _HISTORY + "jeans,a,1,5\n"),
        2,
        ("costs.order_history", "order_history.csv", "'jeans'"),
    ),
    CliCase(
        "scenario-sku-popularity-without-products",
        lambda t, k: [
            "rank",
            _scenario(t, k, '[costs]\nsku_popularity = "' + text(t, "p.csv", _POPULARITY + "x,a,1\n") + '"\n'),
            "--out",
            "out",
            "--no-map",
        ],
        2,
        ("costs.sku_popularity", "products"),
    ),
]


def _draws(**kw: Any) -> Callable[[Path, Kit], Any]:
    """Demand scenario draws for the shared-network SAA (siting.share.scenarios, issue 24)."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.share.scenarios import draw_demand_factors

        args = {"n_brands": 2, "n_seasons": 2, "n_scenarios": 10, "cv": 0.2, "correlation": 0.0} | kw
        return draw_demand_factors(**args)

    return call


#: Demand scenarios of the shared-network design (siting.share.scenarios).
SCENARIO_DRAW_API_CASES: list[ApiCase] = [
    ApiCase("draws-cv-negative", _draws(cv=-0.1), "InputError", ("cv", ">= 0")),
    ApiCase("draws-cv-nan", _draws(cv=float("nan")), "InputError", ("cv", "finite")),
    ApiCase("draws-cv-inf", _draws(cv=[0.2, float("inf")]), "InputError", ("cv", "finite")),
    ApiCase("draws-cv-wrong-length", _draws(cv=[0.2, 0.3, 0.4]), "InputError", ("cv", "per brand")),
    ApiCase("draws-correlation-above-1", _draws(correlation=1.5), "InputError", ("correlation", "[-1, 1]")),
    ApiCase("draws-correlation-nan", _draws(correlation=float("nan")), "InputError", ("correlation", "finite")),
    ApiCase(
        "draws-correlation-not-psd",
        _draws(n_brands=3, correlation=[[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]),
        "InputError",
        ("correlation", "positive semidefinite"),
    ),
    ApiCase("draws-correlation-asymmetric", _draws(correlation=[[1, 0.2], [0.5, 1]]), "InputError", ("symmetric",)),
    ApiCase("draws-correlation-wrong-shape", _draws(correlation=[[1.0]]), "InputError", ("2 x 2",)),
    ApiCase(
        "draws-correlation-too-negative-for-lognormal",
        _draws(cv=2.0, correlation=-0.9),
        "InputError",
        ("correlation", "most negative"),
    ),
    ApiCase("draws-no-scenarios", _draws(n_scenarios=0), "InputError", ("n_scenarios", ">= 1")),
    ApiCase("draws-scenarios-fraction", _draws(n_scenarios=2.5), "InputError", ("n_scenarios", "integer")),
]

API_CASES += SCENARIO_DRAW_API_CASES


def _saa(what: str, rounds: Any) -> Callable[[Path, Kit], Any]:
    """``saa_design`` or ``evaluate_design`` on the one-site capped problem with ``rounds`` (issue 24)."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.share.scenarios import evaluate_design, saa_design

        pb = _sla_problem()(tmp, kit)
        if what == "saa":
            return saa_design(pb, np.ones((1, 1, 1)), rounds=rounds)
        return evaluate_design(pb, np.array([0]), rounds=rounds)

    return call


#: The rounds of a mix in the scenario designs (siting.share.scenarios, issue 24).
API_CASES += [
    ApiCase(f"{what}-rounds-{name}", _saa(what, v), "InputError", (f"{fn}: rounds", "[0, 20]"))
    for what, fn in (("saa", "saa_design"), ("evaluate", "evaluate_design"))
    for name, v in (("negative", -1), ("fraction", 2.5), ("too-many", 21), ("nan", float("nan")), ("bool", True))
]


def _cut_rounds(rounds: Any) -> Callable[[Path, Kit], Any]:
    """``design_network`` on the one-site capped problem with ``presence_cut_rounds`` (issue 24)."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.share.design import design_network

        return design_network(_sla_problem()(tmp, kit), presence_cut_rounds=rounds)

    return call


#: The rounds of presence cuts of the design MILP (siting.share.design, issue 24).
API_CASES += [
    ApiCase(
        f"design-cut-rounds-{name}", _cut_rounds(v), "InputError", ("design_network: presence_cut_rounds", "[0, 20]")
    )
    for name, v in (("negative", -1), ("fraction", 2.5), ("too-many", 21), ("nan", float("nan")), ("bool", True))
]


# ------------------------------------------------ sequence-dependent changeovers (share.changeovers)

_CHANGEOVER_HEAD = "process,from_family,to_family,changeover_min\n"


def _changeovers(body: str | bytes) -> Callable[[Path, Kit], list[str]]:
    """``siting validate`` on the routed share scenario with ``share.changeovers`` naming a CSV holding ``body``."""

    def args(t: Path, k: Kit) -> list[str]:
        text(t, "changeovers.csv", body)
        tables = _routing() + _routing(brand="B") + _HOURS + '[share]\nchangeovers = "changeovers.csv"\n'
        return _share(t, k, tables, command="validate")

    return args


CHANGEOVER_CASES: list[CliCase] = [
    CliCase("changeovers-ok", _changeovers(_CHANGEOVER_HEAD + "print,A,B,12\nprint,B,A,20\n"), 0, (), ("OK",)),
    CliCase(
        "changeovers-negative",
        _changeovers(_CHANGEOVER_HEAD + "print,A,B,12\nprint,B,A,-5\n"),
        2,
        ("changeovers.csv", "row 3", "column 'changeover_min'", ">= 0", "-5"),
    ),
    CliCase(
        "changeovers-nan",
        _changeovers(_CHANGEOVER_HEAD + "print,A,B,nan\n"),
        2,
        ("changeovers.csv", "row 2", "column 'changeover_min'", "nan"),
    ),
    CliCase(
        "changeovers-blank-minutes",
        _changeovers(_CHANGEOVER_HEAD + "print,A,B,\n"),
        2,
        ("changeovers.csv", "row 2", "column 'changeover_min'", "finite"),
    ),
    CliCase(
        "changeovers-inf",
        _changeovers(_CHANGEOVER_HEAD + "print,A,B,inf\n"),
        2,
        ("changeovers.csv", "row 2", "column 'changeover_min'", "inf"),
    ),
    CliCase(
        "changeovers-text-minutes",
        _changeovers(_CHANGEOVER_HEAD + "print,A,B,ten\n"),
        2,
        ("changeovers.csv", "row 2", "column 'changeover_min'", "ten"),
    ),
    CliCase(
        "changeovers-unknown-family",
        _changeovers(_CHANGEOVER_HEAD + "print,A,Z,12\n"),
        2,
        ("changeovers.csv", "row 2", "column 'to_family'", "unknown family 'Z'", "A, B"),
    ),
    CliCase(
        "changeovers-unknown-process",
        _changeovers(_CHANGEOVER_HEAD + "sew,A,B,12\n"),
        2,
        ("changeovers.csv", "row 2", "column 'process'", "unknown process 'sew'", "print"),
    ),
    CliCase(
        "changeovers-duplicate-pair",
        _changeovers(_CHANGEOVER_HEAD + "print,A,B,12\nprint,B,A,3\nprint,A,B,10\n"),
        2,
        ("changeovers.csv", "row 4", "'A' -> 'B'", "already given in row 2"),
    ),
    CliCase("changeovers-empty-file", _changeovers(""), 2, ("changeovers.csv", "empty")),
    CliCase("changeovers-header-only", _changeovers(_CHANGEOVER_HEAD), 2, ("changeovers.csv", "no rows")),
    CliCase(
        "changeovers-missing-column",
        _changeovers("process,from_family,to_family,minutes\nprint,A,B,12\n"),
        2,
        ("changeovers.csv", "missing column 'changeover_min'"),
    ),
    CliCase(
        "changeovers-file-missing",
        lambda t, k: _share(
            t,
            k,
            _routing() + _routing(brand="B") + _HOURS + '[share]\nchangeovers = "nowhere.csv"\n',
            command="validate",
        ),
        2,
        ("nowhere.csv", "not found", "share.changeovers"),
    ),
]
CLI_CASES += CHANGEOVER_CASES


def _changeover_table(minutes: Any, frm: str = "A", to: str = "B", rows: int = 1) -> Callable[[Path, Kit], Any]:
    """:func:`siting.share.sequence.changeover_matrix` on a table of ``rows`` copies of one pair."""

    def call(t: Path, k: Kit) -> Any:
        from siting.share.sequence import changeover_matrix

        table = pd.DataFrame(
            {"process": ["print"] * rows, "from_family": [frm] * rows, "to_family": [to] * rows}
            | {"changeover_min": [minutes] * rows}
        )
        return changeover_matrix(table, ["A", "B"], ["print"], np.zeros((2, 1)), source="my_changeovers")

    return call


def _changeover_problem(matrix: Any) -> Callable[[Path, Kit], Any]:
    """A one-process, two-brand :class:`ShareProblem` given ``changeover_matrix_hours``."""

    def call(t: Path, k: Kit) -> Any:
        from siting.share.problem import ShareProblem

        return ShareProblem(
            site_ids=("s",),
            store_ids=("a", "b"),
            brand_names=("A", "B"),
            season_names=("year",),
            store_brand=np.array([0, 1]),
            demand_units_per_week=np.array([10.0, 10.0]),
            season_weeks=np.array([52.0]),
            multiplier=np.ones((2, 1)),
            delivery_time_s=np.ones((1, 2)),
            delivery_cost_per_unit=np.ones((1, 2)),
            rent_per_yr=np.ones((1, 1)),
            setup_per_yr=np.ones((1, 1)),
            capacity_units_per_week=np.array([100.0]),
            unit_cost_per_unit=np.ones(2),
            offshore_landed_per_unit=np.ones(2),
            brand_kind=("standard", "standard"),
            brand_lead_time_days=np.array([10.0, 10.0]),
            changeover_matrix_hours=np.asarray(matrix, dtype=float),
        )

    return call


CHANGEOVER_API_CASES: list[ApiCase] = [
    ApiCase(
        "changeover-table-negative",
        _changeover_table(-1.0),
        "InputError",
        ("my_changeovers", "row 2", "changeover_min", ">= 0"),
    ),
    ApiCase("changeover-table-nan", _changeover_table(float("nan")), "InputError", ("my_changeovers", "nan")),
    ApiCase("changeover-table-inf", _changeover_table(float("inf")), "InputError", ("changeover_min", "inf")),
    ApiCase(
        "changeover-table-unknown-family",
        _changeover_table(5.0, frm="Q"),
        "InputError",
        ("row 2", "from_family", "unknown family 'Q'"),
    ),
    ApiCase(
        "changeover-table-duplicate",
        _changeover_table(5.0, rows=2),
        "InputError",
        ("row 3", "already given in row 2"),
    ),
    ApiCase("changeover-table-empty", _changeover_table(5.0, rows=0), "InputError", ("my_changeovers", "no rows")),
    ApiCase(
        "changeover-matrix-negative",
        _changeover_problem([[[0.0, -1.0], [0.5, 0.0]]]),
        "InputError",
        ("changeover_matrix_hours", ">= 0"),
    ),
    ApiCase(
        "changeover-matrix-nan",
        _changeover_problem([[[0.0, np.nan], [0.5, 0.0]]]),
        "InputError",
        ("changeover_matrix_hours", "finite"),
    ),
    ApiCase(
        "changeover-matrix-shape",
        _changeover_problem([[0.0, 1.0], [0.5, 0.0]]),
        "InputError",
        ("changeover_matrix_hours", "expected shape (1, 2, 2)"),
    ),
]
API_CASES += CHANGEOVER_API_CASES


def _city_crossdock_time(value: Any, **extra: Any) -> Callable[[Path, Kit], Any]:
    """``siting.design.design_for_city`` with a hostile ``crossdock_time_s`` (trunk + turnaround per site).

    ``extra``: other keywords of the call (e.g. a hostile ``drops_per_week``).
    """
    return _city_design(crossdock_time_s=value, **extra)


def _city_offshore_promise(value: Any) -> Callable[[Path, Kit], Any]:
    """``siting.design.design_for_city`` with a hostile ``offshore_promise_s``."""
    return _city_design(offshore_promise_s=value)


def _city_design(**hostile: Any) -> Callable[[Path, Kit], Any]:
    """``siting.design.design_for_city`` on one site and one store, with ``hostile`` keywords."""

    def call(tmp: Path, kit: Kit) -> Any:
        from siting.costs import load_products
        from siting.costs.products import example_products_path
        from siting.design import design_for_city

        fam = load_products(example_products_path())[0]
        return design_for_city(
            stores=pd.DataFrame({"store_id": ["a"], "units_per_week": [10.0]}),
            candidates=pd.DataFrame({"site_id": ["s"], "rent_per_yr": [1000.0]}),
            levels=pd.DataFrame(
                {"level": ["L"], "hours_per_week": [40.0], "staff_cost_per_yr": [0.0], "setup_cost_per_yr": [0.0]}
            ),
            lane_time_s=np.array([[300.0]]),
            lane_cost_per_unit=np.array([[0.1]]),
            direct_time_s=np.array([100.0]),
            direct_cost_per_unit=np.array([1.0]),
            families=[fam],
            making=pd.DataFrame(
                {"family": [fam.family], "machine_hours_per_unit": [0.1], "changeover_hours_per_run": [0.5]}
            ),
            promise_s=1200.0,
            crossdock_cost_per_unit=0.05,
            outages=False,
            **hostile,
        )

    return call


#: The fixed charge per drop and the cross-dock promise ([rank.portfolio] drop_cost, crossdock_turnaround_s;
#: design_problem's drops table and lanes' crossdock_within_promise; design_for_city's crossdock_time_s).
DROP_API_CASES: list[ApiCase] = [
    ApiCase("portfolio-drop-cost-negative", _portfolio(drop_cost=-1.0), "InputError", ("portfolio.drop_cost", ">= 0")),
    ApiCase("portfolio-drop-cost-nan", _portfolio(drop_cost=float("nan")), "InputError", ("portfolio.drop_cost",)),
    ApiCase("portfolio-drop-cost-inf", _portfolio(drop_cost=float("inf")), "InputError", ("portfolio.drop_cost",)),
    ApiCase("portfolio-drop-cost-bool", _portfolio(drop_cost=True), "InputError", ("portfolio.drop_cost",)),
    ApiCase("portfolio-drop-cost-text", _portfolio(drop_cost="5"), "InputError", ("portfolio.drop_cost",)),
    ApiCase(
        "portfolio-turnaround-negative",
        _portfolio(crossdock_turnaround_s=-60.0),
        "InputError",
        ("portfolio.crossdock_turnaround_s", ">= 0"),
    ),
    ApiCase(
        "portfolio-turnaround-over-a-week",
        _portfolio(crossdock_turnaround_s=8 * 86400.0),
        "InputError",
        ("portfolio.crossdock_turnaround_s", "at most 604800"),
    ),
    ApiCase(
        "portfolio-turnaround-nan",
        _portfolio(crossdock_turnaround_s=float("nan")),
        "InputError",
        ("portfolio.crossdock_turnaround_s",),
    ),
    ApiCase(
        "portfolio-offshore-promise-zero",
        _portfolio(offshore_promise_s=0.0),
        "InputError",
        ("portfolio.offshore_promise_s", "> 0"),
    ),
    ApiCase(
        "portfolio-offshore-promise-negative",
        _portfolio(offshore_promise_s=-3600.0),
        "InputError",
        ("portfolio.offshore_promise_s", "> 0"),
    ),
    ApiCase(
        "portfolio-offshore-promise-nan",
        _portfolio(offshore_promise_s=float("nan")),
        "InputError",
        ("portfolio.offshore_promise_s",),
    ),
    ApiCase(
        "portfolio-offshore-promise-inf",
        _portfolio(offshore_promise_s=float("inf")),
        "InputError",
        ("portfolio.offshore_promise_s", "604800"),
    ),
    ApiCase(
        "portfolio-offshore-promise-over-a-week",
        _portfolio(offshore_promise_s=8 * 86400.0),
        "InputError",
        ("portfolio.offshore_promise_s", "at most 604800"),
    ),
    ApiCase(
        "portfolio-offshore-promise-bool",
        _portfolio(offshore_promise_s=True),
        "InputError",
        ("portfolio.offshore_promise_s",),
    ),
    ApiCase(
        "portfolio-offshore-promise-text",
        _portfolio(offshore_promise_s="1 day"),
        "InputError",
        ("portfolio.offshore_promise_s",),
    ),
    ApiCase("city-offshore-promise-zero", _city_offshore_promise(0.0), "InputError", ("offshore_promise_s", "> 0")),
    ApiCase("city-offshore-promise-nan", _city_offshore_promise(float("nan")), "InputError", ("offshore_promise_s",)),
    ApiCase("design-drops-negative", _design("drops", "cost_per_week", -5.0), "InputError", ("drops", "cost_per_week")),
    ApiCase("design-drops-nan", _design("drops", "cost_per_week", float("nan")), "InputError", ("drops", "'j0'")),
    ApiCase("design-drops-inf", _design("drops", "cost_per_week", float("inf")), "InputError", ("cost_per_week",)),
    ApiCase("design-drops-duplicate", _design("drops", "store_id", drop=True), "InputError", ("drops", "duplicate")),
    ApiCase("design-drops-empty", _design("drops", None, drop=True), "InputError", ("drops", "empty")),
    ApiCase(
        "design-lanes-crossdock-promise-not-bool",
        _design("lanes", "crossdock_within_promise", "yes"),
        "InputError",
        ("crossdock_within_promise", "True or False"),
    ),
    ApiCase("city-crossdock-time-negative", _city_crossdock_time(-1.0), "InputError", ("crossdock_time_s", ">= 0")),
    ApiCase("city-crossdock-time-nan", _city_crossdock_time(float("nan")), "InputError", ("crossdock_time_s",)),
    # the drops a week a drop charge stands for (drops.csv's drops_per_week)
    ApiCase(
        "design-drops-per-week-negative",
        _design("drops", "drops_per_week", -2.0),
        "InputError",
        ("drops", "'drops_per_week'", ">= 0"),
    ),
    ApiCase(
        "design-drops-per-week-nan", _design("drops", "drops_per_week", float("nan")), "InputError", ("drops_per_week",)
    ),
    ApiCase(
        "design-drops-per-week-inf", _design("drops", "drops_per_week", float("inf")), "InputError", ("drops_per_week",)
    ),
    ApiCase("design-drops-per-week-text", _design("drops", "drops_per_week", "two"), "InputError", ("drops_per_week",)),
    ApiCase(
        "city-drops-per-week-negative",
        _city_crossdock_time(None, drop_cost_per_week=11.67, drops_per_week=-2.0),
        "InputError",
        ("drops_per_week", ">= 0"),
    ),
    ApiCase(
        "city-drops-per-week-nan",
        _city_crossdock_time(None, drop_cost_per_week=11.67, drops_per_week=float("nan")),
        "InputError",
        ("drops_per_week",),
    ),
]
API_CASES += DROP_API_CASES

CLI_CASES += [
    CliCase(
        "scenario-portfolio-offshore-promise-negative",
        lambda t, k: [
            "rank",
            _scenario(t, k, "[rank.portfolio]\noffshore_promise_s = -60\n"),
            "--out",
            "out",
            "--no-map",
        ],
        2,
        ("portfolio.offshore_promise_s", "> 0"),
    ),
    CliCase(
        "scenario-portfolio-drop-cost-negative",
        lambda t, k: ["rank", _scenario(t, k, "[rank.portfolio]\ndrop_cost = -5.0\n"), "--out", "out", "--no-map"],
        2,
        ("portfolio.drop_cost", ">= 0"),
    ),
    CliCase(
        "scenario-portfolio-turnaround-nan",
        lambda t, k: [
            "rank",
            _scenario(t, k, "[rank.portfolio]\ncrossdock_turnaround_s = nan\n"),
            "--out",
            "out",
            "--no-map",
        ],
        2,
        ("portfolio.crossdock_turnaround_s",),
    ),
]


def _backroom(values: dict[int, Any]) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Candidates with a ``store_id`` column (back rooms): ``values`` by row, the other rows blank."""

    def change(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        column = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
        for row, value in values.items():
            column.iloc[row] = value
        return gdf.assign(store_id=column)

    return change


def _kit_store(row: int) -> Callable[[Kit], str]:
    return lambda kit: str(kit.stores["store_id"].iloc[row])


# ---- back-room candidates (#23: a candidate's store_id names the store it sits in)
CLI_CASES += [
    CliCase(
        "candidates-backroom-unknown-store",
        lambda t, k: files(t, k, candidates=layer(t, k, "candidates", _backroom({1: "no-such-store"}))),
        2,
        ("'store_id'", "row 2", "no-such-store", "not in the stores layer", "leave it blank"),
    ),
    CliCase(
        "candidates-backroom-duplicate-store",
        lambda t, k: files(
            t, k, candidates=layer(t, k, "candidates", _backroom({0: _kit_store(0)(k), 2: _kit_store(0)(k)}))
        ),
        2,
        ("'store_id'", "rows 1 and 3", "one back room"),
    ),
    CliCase(
        "candidates-backroom-number",
        lambda t, k: files(t, k, candidates=layer(t, k, "candidates", _backroom({0: 1.5}))),
        2,
        ("'store_id'", "row 1", "'1.5'", "not in the stores layer"),
    ),
    CliCase(
        "candidates-backroom-mapped-unknown-csv",
        lambda t, k: files(
            t,
            k,
            candidates=str(t / layer(t, k, "candidates", lambda g: g.assign(shop_ref="007"), name="c.csv")),
            extra=("--column", "candidates.store=shop_ref"),
        ),
        2,
        ("'store_id'", "row 1", "'007'", "not in the stores layer"),
    ),
]

API_CASES += [
    ApiCase(
        "candidates-backroom-bool",
        lambda t, k: __import__("siting.inputs.layers", fromlist=["validate_layer"]).validate_layer(
            k.candidates.assign(store_id=True), "candidates", source="c.gpkg"
        ),
        "InputError",
        ("c.gpkg", "'store_id'", "row 1", "True", "not a store id"),
    ),
    ApiCase(
        "rank-city-backroom-unknown-store",
        lambda t, k: __import__("siting.pipeline", fromlist=["rank_city"]).rank_city(
            __import__("siting.pipeline", fromlist=["CityInputs"]).CityInputs(
                name="k",
                stores=k.stores,
                candidates=k.candidates.assign(store_id=["nowhere"] + [None] * (len(k.candidates) - 1)),
                network_source=k.pbf,
            )
        ),
        "InputError",
        ("k: candidates layer", "'store_id'", "row 1", "'nowhere'", "not in the stores layer"),
    ),
]


def _n_jobs(value: str) -> Callable[[Path, Kit], Any]:
    """:func:`siting.workers.n_workers` with ``SITING_N_JOBS`` set to ``value`` (restored afterwards)."""

    def call(tmp: Path, kit: Kit) -> Any:
        import os

        from siting.workers import n_workers

        old = os.environ.get("SITING_N_JOBS")
        os.environ["SITING_N_JOBS"] = value
        try:
            return n_workers()
        finally:
            if old is None:
                os.environ.pop("SITING_N_JOBS", None)
            else:
                os.environ["SITING_N_JOBS"] = old

    return call


#: ``SITING_N_JOBS`` (the shortest paths' worker processes and the site MILPs' threads): whole numbers 1 to 256
N_JOBS_VALUES = {"text": "abc", "zero": "0", "negative": "-1", "fraction": "1.5", "huge": "257", "nan": "nan"}

API_CASES += [
    ApiCase(f"n-jobs-{name}", _n_jobs(value), "InputError", ("SITING_N_JOBS", repr(value), "from 1 to 256"))
    for name, value in N_JOBS_VALUES.items()
]
