"""Scenario files: a TOML description of one run, validated once with the exact key path of each error."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from siting.config.schema import SchemaError as _Bad
from siting.config.schema import read_any_layer as _read_any
from siting.config.schema import table_fields as _fields
from siting.config.schema import tomltype as _tomltype
from siting.errors import InputError
from siting.inputs.layers import LAYER_COLUMNS

__all__ = [
    "LayerSpec",
    "CitySpec",
    "VehiclesSpec",
    "CostsSpec",
    "OutputsSpec",
    "Scenario",
    "LAYER_COLUMNS",
    "FORMATS",
    "load_scenario",
    "parse_scenario",
    "rank_options",
    "city_inputs",
    "check_inputs",
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
        :data:`LAYER_COLUMNS`).
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
    """Cost inputs: a product-family CSV (see :func:`siting.costs.products.load_products`)."""

    products: Path | None = None


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
        Keyword arguments of :class:`siting.pipeline.RankOptions` (validated against its fields).
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


def _check_rank(table: Any, base: Path) -> dict[str, Any]:
    from siting.pipeline import RankOptions as cls

    if not isinstance(table, dict):
        raise _Bad("rank", f"expected a table, got {_tomltype(table)}")
    if "products" in table:
        raise _Bad("rank.products", 'give product families as a CSV file in [costs]: products = "products.csv"')
    kwargs = _fields(table, cls, "rank", base)
    if "weights" in kwargs:
        from siting.ranking.scoring import CRITERIA

        unknown = sorted(set(kwargs["weights"]) - set(CRITERIA))
        if unknown:
            raise _Bad("rank.weights", f"unknown criterion {unknown[0]!r}; expected one of {', '.join(CRITERIA)}")
        from siting.ranking.scoring import normalise_weights

        try:
            normalise_weights(kwargs["weights"])
        except InputError as exc:
            raise _Bad("rank.weights", str(exc).removeprefix("weights: ")) from None
    try:
        cls(**kwargs)
    except InputError as exc:
        raise _Bad("rank", str(exc)) from None
    return kwargs


def _check_city(city: CitySpec, path: str) -> None:
    from siting.inputs.country_demo import DEMO_COUNTRIES
    from siting.inputs.demo import DEMO_CITIES
    from siting.network.build import MODES

    demos = {**DEMO_CITIES, **DEMO_COUNTRIES}
    if city.demo is not None and city.demo.lower() not in demos:
        raise _Bad(f"{path}.demo", f"unknown demo city {city.demo!r}; expected one of {', '.join(sorted(demos))}")
    if city.clusters not in (None, "auto"):
        raise _Bad(
            f"{path}.clusters", f'expected "auto" (find this country\'s cities from its stores), got {city.clusters!r}'
        )
    if city.clusters is None and city.demo is not None and city.demo.lower() in DEMO_COUNTRIES:
        raise _Bad(f"{path}.clusters", f'the demo country {city.demo!r} needs clusters = "auto"')
    if city.mode is not None and city.mode not in MODES:
        raise _Bad(f"{path}.mode", f"unknown mode {city.mode!r}; expected one of {', '.join(MODES)}")
    if city.k < 1:
        raise _Bad(f"{path}.k", f"must be at least 1, got {city.k}")
    if city.demo is None:
        for kind in ("stores", "candidates"):
            if getattr(city.layers, kind) is None:
                raise _Bad(f"{path}.layers", f"missing the {kind} layer ([cities.layers.{kind}] with a path)")
        if city.network is None:
            raise _Bad(path, "missing key 'network': the OSM file (.osm.pbf, .osm, .graphml) of this city")
    for kind in LAYER_COLUMNS:
        spec = getattr(city.layers, kind)
        if spec is None:
            continue
        for role in spec.columns:
            if role not in LAYER_COLUMNS[kind]:
                raise _Bad(
                    f"{path}.layers.{kind}.columns",
                    f"unknown key {role!r}; expected one of {', '.join(LAYER_COLUMNS[kind])}",
                )


def parse_scenario(doc: Mapping[str, Any], *, source: str | Path = "<scenario>", base: Path | None = None) -> Scenario:
    """Validate a parsed TOML document and build the :class:`Scenario`.

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
        top = {k: v for k, v in doc.items() if k != "rank"}
        kwargs = _fields(top, Scenario, "", base, skip=("source", "raw"))
        kwargs["rank"] = _check_rank(doc.get("rank", {}), base)
        cities = kwargs.get("cities", ())
        if not cities:
            raise _Bad("cities", "a scenario needs at least one city ([[cities]] with a name)")
        seen: set[str] = set()
        for i, city in enumerate(cities):
            _check_city(city, f"cities[{i}]")
            if city.name in seen:
                raise _Bad(f"cities[{i}].name", f"{city.name!r} appears twice; city names must be unique")
            seen.add(city.name)
        if "use" in doc.get("vehicles", {}):
            _vehicle_table(kwargs["vehicles"], "vehicles.use")
    except _Bad as exc:
        raise InputError(f"{source}: {exc}") from None
    return Scenario(**kwargs, source=Path(source) if isinstance(source, Path) else None, raw=dict(doc))


def _vehicle_table(spec: VehiclesSpec, path: str = "vehicles.file") -> dict:
    from siting.delivery.emissions import VEHICLES, load_vehicles

    table = dict(VEHICLES)
    if spec.file is not None:
        try:
            table = load_vehicles(spec.file)
        except InputError as exc:
            raise _Bad("vehicles.file", str(exc)) from None
    if spec.use is not None and spec.use not in table:
        raise _Bad(path, f"unknown vehicle {spec.use!r}; expected one of {', '.join(sorted(table))}")
    return table


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file (checks keys and types, not the input files' contents).

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


# --------------------------------------------------------------------------- to the pipeline


def rank_options(scenario: Scenario, **overrides: Any):
    """The :class:`siting.pipeline.RankOptions` of a scenario (plus ``overrides``).

    ``[rank]`` gives the fields; scenario-level settings fill the fields ``[rank]`` leaves
    unset: ``vehicles.use`` -> ``lane_params.vehicle``, ``seed`` ->
    ``robustness.seed``, ``costs.products`` -> ``products``.
    """
    from siting.pipeline import RankOptions

    kwargs: dict[str, Any] = dict(scenario.rank)
    written = scenario.raw.get("rank", {})  # what the file itself sets wins over scenario-level settings
    defaults = RankOptions()
    if scenario.vehicles.use is not None and "vehicle" not in written.get("lane_params", {}):
        lp = kwargs.get("lane_params", defaults.lane_params)
        kwargs["lane_params"] = dataclasses.replace(lp, vehicle=scenario.vehicles.use)
    if scenario.vehicles.file is not None:
        kwargs["vehicles"] = _vehicles_or_raise(scenario)
    if "seed" not in written.get("robustness", {}):
        kwargs["robustness"] = dataclasses.replace(kwargs.get("robustness", defaults.robustness), seed=scenario.seed)
    if scenario.costs.products is not None:
        from siting.costs.products import load_products

        kwargs["products"] = load_products(scenario.costs.products)
    kwargs.update({k: v for k, v in overrides.items() if v is not None})
    return RankOptions(**kwargs)


def _vehicles_or_raise(scenario: Scenario) -> dict:
    try:
        return _vehicle_table(scenario.vehicles)
    except _Bad as exc:
        raise InputError(f"{scenario.source or '<scenario>'}: {exc}") from None


def base_dir(scenario: Scenario) -> Path:
    """The folder a scenario's relative paths are resolved against (the file's, else the working folder)."""
    return scenario.source.resolve().parent if scenario.source is not None else Path.cwd()


def network_source(city: CitySpec, base: Path) -> Path | str:
    """What a city's network is built from: a local file resolved against ``base``, a place name, or the demo's.

    Parameters
    ----------
    city : CitySpec
    base : Path
        The folder relative paths are resolved against (:func:`base_dir`).

    Returns
    -------
    Path or str
        A path to an existing network file, or a place name (queried online).
    """
    src = city.network
    if src is None:
        from siting.inputs.demo import demo_osm_path

        return demo_osm_path(city.demo or "helsinki")
    p = Path(src).expanduser()
    p = p if p.is_absolute() else base / p
    looks_like_file = any(str(src).lower().endswith(s) for s in (".pbf", ".osm", ".bz2", ".graphml", ".xml"))
    if p.exists() or looks_like_file:
        if not p.exists():
            raise InputError(f"{p}: network file not found; pass a local .osm.pbf, .osm or .graphml file.")
        return p
    return src  # a place name (online)


def _read_layer(spec: LayerSpec, kind: str):
    from siting.inputs.layers import read_layer

    renames = {user: LAYER_COLUMNS[kind][role] for role, user in spec.columns.items()}
    return read_layer(spec.path, kind, crs=spec.crs, columns=renames, layer=spec.layer)


def city_inputs(scenario: Scenario, city: CitySpec | str | None = None) -> list:
    """Read and validate every city's layers: the :class:`siting.pipeline.CityInputs` of a run.

    Parameters
    ----------
    scenario : Scenario
    city : CitySpec or str, optional
        Only this city.

    Returns
    -------
    list of CityInputs
    """
    from siting.pipeline import CityInputs

    base = base_dir(scenario)
    chosen = [c for c in scenario.cities if city is None or c is city or c.name == city]
    out = []
    for c in chosen:
        layers: dict[str, Any] = {}
        demo: Any = None
        if c.clusters == "auto":  # a whole country: its cities are found from the stores
            from siting.national.extract import scenario_clusters

            layers = {k: _read_layer(getattr(c.layers, k), k) for k in _given(c)}
            out += scenario_clusters(scenario, c, layers, None if c.demo is not None else network_source(c, base))
            continue
        if c.demo is not None:
            from siting.inputs.demo import demo_city

            demo = demo_city(c.demo)
            layers = {k: getattr(demo, k) for k in LAYER_COLUMNS}
        for kind in LAYER_COLUMNS:
            spec = getattr(c.layers, kind)
            if spec is not None:
                layers[kind] = _read_layer(spec, kind)
        kwargs = dict(
            name=c.name,
            stores=layers["stores"],
            candidates=layers["candidates"],
            population=layers.get("population"),
            rents=layers.get("rents"),
            network_source=network_source(c, base),
            currency=c.currency or scenario.currency,
        )
        if demo is not None and c.currency is None and "currency" not in scenario.raw:
            kwargs["currency"] = demo.currency
        kwargs.update(_city_business_case(c, demo is not None))
        # per-city settings the pipeline knows about (e.g. mode, k) are passed when it has the field
        fields = {f.name for f in dataclasses.fields(CityInputs)}
        kwargs.update({k: getattr(c, k) for k in ("mode", "k") if k in fields and getattr(c, k) is not None})
        out.append(CityInputs(**kwargs))
    return out


def _city_business_case(c: CitySpec, is_demo: bool) -> dict[str, Any]:
    """A city's country, own product families and demand shares, as CityInputs keywords."""
    out: dict[str, Any] = {"country": c.country or ("FI" if is_demo else None)}
    if c.products is not None:
        from siting.costs.products import load_products

        out["products"] = load_products(c.products)
    if c.demand_shares:
        out["demand_shares"] = dict(c.demand_shares)
    return out


def _given(city: CitySpec) -> list[str]:
    return [k for k in LAYER_COLUMNS if getattr(city.layers, k) is not None]


_GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet", ".shp", ".fgb")


def _option_files(options: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(key path, file) of every option value that names a layer file (e.g. filters.excluded_zones)."""
    found = []
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            found += _option_files(value, f"{prefix}{f.name}.")
        elif isinstance(value, (str, Path)) and str(value).lower().endswith(_GEO_SUFFIXES):
            found.append((f"{prefix}{f.name}", str(value)))
    return found


def check_inputs(scenario: Scenario) -> list[str]:
    """Check every input of a scenario without computing anything (no network is built, except for
    ``clusters = "auto"`` entries, whose cities are found and cut from their national network).

    Reads and validates each layer, checks each network file exists and is a known kind, loads
    the vehicle and product files and builds the ranking options.

    Returns
    -------
    list of str
        One line per checked input, for the CLI.
    """
    from siting.network.osm import source_kind

    lines = []
    opts = rank_options(scenario)
    lines.append(f"rank options: {', '.join(f'{k}={v!r}' for k, v in scenario.rank.items()) or 'defaults'}")
    if scenario.vehicles.file is not None:
        lines.append(f"vehicles: {len(opts.vehicles)} profiles from {scenario.vehicles.file}")
    if scenario.costs.products is not None:
        lines.append(f"products: {len(opts.products)} families from {scenario.costs.products}")
    for key, path in _option_files(opts):
        layer = _read_any(Path(path))
        if layer.crs is None:
            raise InputError(f"{path}: the layer given as rank.{key} has no CRS; set one in the file.")
        lines.append(f"rank.{key}: {len(layer):,} features from {path}")
    from siting.network.filecheck import FILE_KINDS, check_network_file

    for inputs in city_inputs(scenario):
        src = inputs.network_source
        counts = ", ".join(f"{len(g):,} {k}" for k in LAYER_COLUMNS if (g := getattr(inputs, k)) is not None)
        if inputs.region is not None:  # found by clustering: its network is cut from the region's
            lines.append(f"city {inputs.name} (found in {inputs.region}): {counts}; network {len(src):,} nodes")
            continue
        kind = source_kind(src)
        if kind in FILE_KINDS:
            check_network_file(Path(str(src)), kind)  # opened far enough to know it is readable
        lines.append(f"city {inputs.name}: {counts}; network {source_kind(src)} {src}")
    return lines
