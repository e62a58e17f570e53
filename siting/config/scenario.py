"""Scenario files: the TOML schema of one run, parsed with the exact key path of each error (no stage imported)."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from siting.config.schema import SchemaError as _Bad
from siting.config.schema import table_fields as _fields
from siting.config.schema import tomltype as _tomltype
from siting.errors import InputError

#: Top-level tables only `siting share` reads (checked by `siting validate`); `rank` and `plan` ignore them.
SHARE_TABLES = ("brands", "seasons", "lane_classes", "site_capacity", "share", "routings", "contracts")

__all__ = [
    "LayerSpec",
    "CitySpec",
    "VehiclesSpec",
    "CostsSpec",
    "OutputsSpec",
    "Scenario",
    "FORMATS",
    "load_scenario",
    "parse_scenario",
]

#: Output formats of tables and layers (``--format`` and ``outputs.format``).
FORMATS = ("csv", "gpkg", "parquet", "json")


@dataclass(frozen=True)
class LayerSpec:
    """One input layer file.

    Attributes
    ----------
    path : Path
        GeoPackage, GeoJSON, GeoParquet, Shapefile or CSV with lon/lat (relative paths are
        relative to the scenario file).
    crs : str, optional
        CRS to assume when the file carries none.
    columns : mapping
        Column role -> your column name, e.g. ``{demand = "weekly_units"}`` (roles in
        :data:`siting.inputs.layers.LAYER_COLUMNS`).
    layer : str, optional
        The layer to read from a file holding several (GeoPackage); also ``path = "file.gpkg:layer"``.
    """

    path: Path
    crs: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    layer: str | None = None


@dataclass(frozen=True)
class CityLayers:
    """The layer files of one city (stores and candidates required unless the city is a demo)."""

    stores: LayerSpec | None = None
    candidates: LayerSpec | None = None
    population: LayerSpec | None = None
    rents: LayerSpec | None = None


@dataclass(frozen=True)
class CitySpec:
    """One city (cluster) of a run.

    Attributes
    ----------
    name : str
        Unique name, used in outputs.
    demo : str, optional
        An embedded demo city ("helsinki" or "kotka"): its layers and network, unless
        ``layers`` / ``network`` override them.
    network : str, optional
        Local ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.graphml`` file (relative to the
        scenario file) or, online only, a place name.
    mode : str, optional
        Network mode: "drive", "bike" or "walk" (default: ``rank.mode``).
    k : int
        How many sites to choose in this city (``siting plan``).
    currency : str, optional
        Overrides the scenario's currency.
    country : str, optional
        ISO 3166 alpha-2 code (the grid factor of local production; demo cities are "FI").
    products : Path, optional
        This city's own product-family CSV (a regional assortment priced with its own demand).
    demand_shares : mapping, optional
        Family -> share of this city's demand, from the run's (or the city's) families.
    layers : CityLayers
    clusters : str, optional
        ``"auto"``: the layers and network are a whole country's; its cities are found from the
        stores (see :mod:`siting.national`) with the ``cluster_*`` distances (metres) and demand
        (units/week) below, each one a city of the run.
    """

    name: str
    clusters: str | None = None
    cluster_link_distance_m: float = 1500.0
    cluster_min_demand_units_per_week: float = 60.0
    cluster_max_radius_m: float = 6000.0
    cluster_buffer_m: float = 2000.0
    demo: str | None = None
    network: str | None = None
    mode: str | None = None
    k: int = 1
    currency: str | None = None
    country: str | None = None
    products: Path | None = None
    demand_shares: Mapping[str, float] = field(default_factory=dict)
    layers: CityLayers = field(default_factory=CityLayers)


@dataclass(frozen=True)
class VehiclesSpec:
    """Vehicles: an optional file of extra or overriding profiles and the vehicle to use."""

    file: Path | None = None
    use: str | None = None


@dataclass(frozen=True)
class CostsSpec:
    """Cost inputs: a product-family CSV (see :func:`siting.costs.products.load_products`) and candidate hubs.

    ``hubs``: a CSV of candidate fulfilment hubs for the portfolio design
    (:func:`siting.design.hubs.read_hubs`). ``sku_popularity``: a ``family,sku,share`` CSV of the
    SKUs' shares (:func:`siting.costs.products.load_sku_popularity`); ``order_history``: a
    ``family,sku,week,units`` CSV whose Croston estimates set the families' demand
    (:func:`siting.costs.history.with_order_history`); both apply to the products read for a run
    (:func:`siting.app.products.scenario_products`).
    """

    products: Path | None = None
    hubs: Path | None = None
    sku_popularity: Path | None = None
    order_history: Path | None = None


@dataclass(frozen=True)
class OutputsSpec:
    """Where and how results are written.

    Attributes
    ----------
    dir : Path, optional
        Output folder (``--out`` overrides it).
    format : {"csv", "gpkg", "parquet", "json"}
    map : bool
        Write the HTML map(s).
    map_dir : Path
        Folder of the HTML maps.
    top : int
        How many top sites to print per city.
    """

    dir: Path | None = None
    format: Literal["csv", "gpkg", "parquet", "json"] = "csv"
    map: bool = True
    map_dir: Path = Path("maps")
    top: int = 10


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Attributes
    ----------
    name : str
    currency : str
    cities : tuple of CitySpec
    rank : mapping
        The ``[rank]`` table as written; :func:`siting.app.rank_options` turns it into
        :class:`siting.pipeline.RankOptions` (the one place it is validated).
    vehicles, costs, outputs
    source : Path, optional
        The scenario file.
    raw : mapping
        The TOML document as read (recorded in run.json).
    """

    name: str = "run"
    currency: str = "EUR"
    seed: int = 0
    cities: tuple[CitySpec, ...] = ()
    rank: Mapping[str, Any] = field(default_factory=dict)
    vehicles: VehiclesSpec = field(default_factory=VehiclesSpec)
    costs: CostsSpec = field(default_factory=CostsSpec)
    outputs: OutputsSpec = field(default_factory=OutputsSpec)
    source: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- the scenario


def _check_rank(table: Any) -> dict[str, Any]:
    """The ``[rank]`` table as written (its fields are checked by :func:`siting.app.rank_options`)."""
    if not isinstance(table, dict):
        raise _Bad("rank", f"expected a table, got {_tomltype(table)}")
    if "products" in table:
        raise _Bad("rank.products", 'give product families as a CSV file in [costs]: products = "products.csv"')
    return dict(table)


def _check_city(city: CitySpec, path: str) -> None:
    """What a city entry must hold, whatever the stages know (demo names, modes, column roles: the app checks)."""
    if city.clusters not in (None, "auto"):
        raise _Bad(
            f"{path}.clusters", f'expected "auto" (find this country\'s cities from its stores), got {city.clusters!r}'
        )
    if city.k < 1:
        raise _Bad(f"{path}.k", f"must be at least 1, got {city.k}")
    if city.demo is None:
        for kind in ("stores", "candidates"):
            if getattr(city.layers, kind) is None:
                raise _Bad(f"{path}.layers", f"missing the {kind} layer ([cities.layers.{kind}] with a path)")
        if city.network is None:
            raise _Bad(path, "missing key 'network': the OSM file (.osm.pbf, .osm, .graphml) of this city")


def parse_scenario(doc: Mapping[str, Any], *, source: str | Path = "<scenario>", base: Path | None = None) -> Scenario:
    """Parse a TOML document into a :class:`Scenario`: keys, types and structure.

    What only the stages know (demo names, modes, vehicles, column roles and the ``[rank]``
    fields) is checked by :func:`siting.app.parse_scenario`, which calls this first.

    Parameters
    ----------
    doc : mapping
        The document (as from :func:`tomllib.loads`).
    source : str or Path
        Named in error messages.
    base : Path, optional
        Folder relative paths are resolved against (default: the current folder).

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        ``"<source>: <key path>: <problem>"`` for the first problem found.
    """
    base = Path(base) if base is not None else Path.cwd()
    try:
        top = {k: v for k, v in doc.items() if k != "rank" and k not in SHARE_TABLES}
        kwargs = _fields(top, Scenario, "", base, skip=("source", "raw"))
        kwargs["rank"] = _check_rank(doc.get("rank", {}))
        cities = kwargs.get("cities", ())
        if not cities:
            raise _Bad("cities", "a scenario needs at least one city ([[cities]] with a name)")
        seen: set[str] = set()
        for i, city in enumerate(cities):
            _check_city(city, f"cities[{i}]")
            if city.name in seen:
                raise _Bad(f"cities[{i}].name", f"{city.name!r} appears twice; city names must be unique")
            seen.add(city.name)
    except _Bad as exc:
        raise InputError(f"{source}: {exc}") from None
    return Scenario(**kwargs, source=Path(source) if isinstance(source, Path) else None, raw=dict(doc))


def load_scenario(path: str | Path) -> Scenario:
    """Read a TOML scenario file and parse it (keys, types and structure; see :func:`parse_scenario`).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Scenario
        Relative paths inside are resolved against the scenario file's folder.

    Raises
    ------
    InputError
        For a missing or unparsable file, an unknown key or a wrong type, naming the key path,
        e.g. ``scenario.toml: cities[1].layers.stores.columns: unknown key 'demnd'``.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: scenario file not found; check the path (or write one with `siting init`).")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file; a scenario is a TOML text file.") from None
    sc = parse_scenario(doc, source=str(path), base=p.resolve().parent)
    return dataclasses.replace(sc, source=p)
