"""The `siting` command line: parse and check options, call the library, write outputs."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from siting.errors import InputError, SitingError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Choose where to put microfactories: rank candidate sites on real road networks.",
)
network_app = typer.Typer(no_args_is_help=True, help="Road networks: build (and cache) a network from an OSM file.")
app.add_typer(network_app, name="network")

log = logging.getLogger("siting")


def _exception_modules() -> list[Any]:
    """Where click-style exceptions live: click itself, and the copies newer typer versions vendor."""
    mods: list[Any] = []
    for name in ("click.exceptions", "typer._click.exceptions", "typer.exceptions"):
        # older typer uses click itself; typer >= 0.29 vendors its own copy
        with contextlib.suppress(ImportError):
            mods.append(__import__(name, fromlist=["_"]))
    return mods


def _classes(name: str) -> tuple[type, ...]:
    return tuple({getattr(m, name) for m in _exception_modules() if hasattr(m, name)})


_EXIT = _classes("Exit")
_CLICK_ERROR = _classes("ClickException")
_USAGE_ERROR = _classes("UsageError")
_ABORT = _classes("Abort")


class Format(StrEnum):
    """Output format of tables and layers."""

    csv = "csv"
    gpkg = "gpkg"
    parquet = "parquet"
    json = "json"


# Common options (every command that computes takes them).
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Output folder: ranking.csv, run.json and one sub-folder of layers per city."),
]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Tables and layers as csv (+ .gpkg layers), gpkg (one layers.gpkg per city), parquet "
        "(GeoParquet) or json (+ GeoJSON). ranking.csv is always written. Default: the scenario's, else csv.",
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log details (and tracebacks of internal errors).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only print results and errors.")]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress of network building, OD, solving and tours on stderr "
        "(default: a bar on a terminal, a log line every 10% otherwise).",
        show_default=False,
    ),
]
# Distributed execution (siting.national): each city or cluster is one Dask task.
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run each city/cluster as a Dask task: 'local' (a LocalCluster on this machine, see --workers) "
        "or a scheduler address tcp://HOST:PORT. Default: in this process, one city after another.",
    ),
]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="Worker processes of --scheduler local.")]
ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario TOML file (see `siting init`); omitted: the embedded demo city.", show_default=False),
]


@app.callback()
def _root() -> None:
    """Choose where to put microfactories: rank candidate sites on real road networks."""


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


DEMO_REACH_TIME_S = 180.0


#: the demo country's delivery promise (10 minutes, so that the larger clusters need more than one site)
#: and floor area (a 200 m2 microfactory: at 500 m2 the rent outweighs the saving on every Maltese site)
DEMO_COUNTRY_SLA_S = 600.0
DEMO_COUNTRY_FLOOR_M2 = 200.0


def _demo_scenario(demo: str):
    from siting.config.scenario import parse_scenario
    from siting.costs.products import example_products_path
    from siting.inputs.country_demo import DEMO_COUNTRIES

    if demo.lower() in DEMO_COUNTRIES:  # a small country: its cities are found from the stores
        return parse_scenario(
            {
                "name": f"{demo}-demo",
                "cities": [{"name": demo.lower(), "demo": demo.lower(), "clusters": "auto"}],
                "rank": {"sla_time_s": DEMO_COUNTRY_SLA_S, "required_floor_area_m2": DEMO_COUNTRY_FLOOR_M2},
                "costs": {"products": str(example_products_path())},
            },
            source="<demo>",
        )

    # the demo extracts are about 2 km across: every site reaches everyone within the default
    # 10 minutes, so the demo measures reach at 3 minutes to tell its sites apart;
    # the example product families give every site its landed cost against offshore production
    return parse_scenario(
        {
            "name": f"{demo}-demo",
            "cities": [{"name": demo, "demo": demo}],
            "rank": {"reach_time_s": DEMO_REACH_TIME_S},
            "costs": {"products": str(example_products_path())},
        },
        source="<demo>",
    )


def _files_scenario(stores, candidates, population, rents, network, crs, city):
    """A scenario from --stores/--candidates/--network options (paths relative to the working folder)."""
    from siting.config.scenario import parse_scenario

    given = {"--stores": stores, "--candidates": candidates, "--network": network}
    missing = [k for k, v in given.items() if v is None]
    if missing:
        raise InputError(
            f"{', '.join(missing)} missing: a run on your own files needs --stores, --candidates "
            "and --network (or a scenario file)."
        )
    layers: dict[str, Any] = {}
    for kind, path in (("stores", stores), ("candidates", candidates), ("population", population), ("rents", rents)):
        if path is not None:
            layers[kind] = {"path": str(path), **({"crs": crs} if crs else {})}
    doc = {"name": city, "cities": [{"name": city, "network": str(network), "layers": layers}]}
    return parse_scenario(doc, source="<command line>", base=Path.cwd())


def _scenario(path: Path | None, demo: str, file_opts: dict[str, Any] | None = None):
    from siting.config.scenario import load_scenario

    file_opts = file_opts or {}
    uses_files = any(file_opts.get(k) is not None for k in ("stores", "candidates", "network"))
    if path is not None and uses_files:
        raise InputError("give either a scenario file or --stores/--candidates/--network, not both.")
    if path is not None:
        return load_scenario(path)
    if uses_files:
        return _files_scenario(**file_opts)
    log.info("no scenario given: using the embedded demo city %r", demo)
    return _demo_scenario(demo)


def _run(
    command: str,
    scenario: Any,
    *,
    overrides: dict[str, Any] | None = None,
    out: Path | None,
    fmt: Format | None,
    map_path: Path | None,
    no_map: bool,
    top: int,
    progress: bool | None,
    scheduler: str | None = None,
    workers: int = 2,
) -> None:
    """Compute a validated scenario, write its outputs and print the results of ``rank`` or ``plan``."""
    from siting.cli import runner as runner
    from siting.errors import ClusterFailedError
    from siting.progress import make_progress

    out = out if out is not None else scenario.outputs.dir
    fmt_value = fmt.value if fmt is not None else scenario.outputs.format
    callback, ctx = make_progress(progress)
    write = dict(
        command=command,
        make_maps=scenario.outputs.map and not no_map,
        map_dir=scenario.outputs.map_dir,
        map_path=map_path,
        top=top,
    )
    with ctx:
        try:
            outcome = runner.execute(
                scenario,
                command=command,
                overrides=runner.rank_overrides(**(overrides or {})),
                progress=callback,
                scheduler=scheduler,
                workers=workers,
            )
        except ClusterFailedError as exc:  # keep what finished, then report the failed clusters
            partial = getattr(exc, "outcome", None)
            if partial is not None and partial.result is not None:
                write["command"] = "rank"
                runner.write_outputs(partial, scenario, out, fmt_value, **write)
            raise
    written = runner.write_outputs(outcome, scenario, out, fmt_value, **write)
    if command == "plan":
        runner.print_plan(outcome)
    else:
        runner.print_ranking(outcome.result, top)
    for path in written:
        log.debug("wrote %s", path)
    if out is not None:
        log.info("wrote %d files to %s (run record: %s)", len(written), out, Path(out) / "run.json")


@app.command()
def rank(
    scenario: ScenarioArg = None,
    stores: Annotated[
        Path | None,
        typer.Option(
            help="Stores layer (GeoPackage, GeoJSON, GeoParquet or CSV with lon/lat); "
            "needs store_id and demand_units_per_week."
        ),
    ] = None,
    candidates: Annotated[
        Path | None,
        typer.Option(
            help="Candidate sites layer; needs site_id and floor_area_m2 (and rent_per_m2_yr unless --rents is given)."
        ),
    ] = None,
    population: Annotated[
        Path | None, typer.Option(help="Population layer (zone_id, population): points or polygons.")
    ] = None,
    rents: Annotated[
        Path | None,
        typer.Option(help="Rent zones (zone_id, rent_per_m2_yr polygons) for sites without their own rent."),
    ] = None,
    network: Annotated[
        Path | None, typer.Option(help="Road network: a local .osm.pbf, .osm/.osm.bz2 or .graphml file.")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS of input files that carry none (CSV defaults to EPSG:4326).")
    ] = None,
    city: Annotated[str, typer.Option(help="Name of your city in outputs (with --stores/--candidates).")] = "city",
    demo: Annotated[
        str,
        typer.Option(help="Embedded demo used when neither a scenario nor files are given: helsinki, kotka or malta."),
    ] = "helsinki",
    out: OutOpt = None,
    fmt: FormatOpt = None,
    map_path: Annotated[
        Path | None,
        typer.Option("--map", help="Where to write the HTML map of a one-city run (default maps/<city>.html)."),
    ] = None,
    no_map: Annotated[bool, typer.Option("--no-map", help="Do not write the HTML map.")] = False,
    top: Annotated[int | None, typer.Option(min=1, help="How many top sites to print per city (default 10).")] = None,
    reach_min: Annotated[
        float | None,
        typer.Option(
            min=0.1, help="Reach time in minutes for the population criterion (default 10; the 2 km demo city uses 3)."
        ),
    ] = None,
    floor_area_m2: Annotated[
        float | None,
        typer.Option(
            min=0.0, help="Floor area the microfactory needs (m2); smaller sites are filtered out (default 500)."
        ),
    ] = None,
    progress: ProgressOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Rank candidate microfactory sites; with no arguments, rank the embedded demo city (central Helsinki)."""
    _setup_logging(verbose, quiet)
    overrides = {
        "reach_time_s": None if reach_min is None else reach_min * 60.0,
        "required_floor_area_m2": floor_area_m2,
    }
    file_opts = {
        "stores": stores,
        "candidates": candidates,
        "population": population,
        "rents": rents,
        "network": network,
        "crs": crs,
        "city": city,
    }
    sc = _scenario(scenario, demo, file_opts)
    _run(
        "rank",
        sc,
        overrides=overrides,
        out=out,
        fmt=fmt,
        map_path=map_path,
        no_map=no_map,
        top=top if top is not None else sc.outputs.top,
        progress=progress,
        scheduler=scheduler,
        workers=workers,
    )


@app.command()
def plan(
    scenario: ScenarioArg = None,
    demo: Annotated[
        str, typer.Option(help="Embedded demo used when no scenario is given: helsinki, kotka or malta.")
    ] = "helsinki",
    k: Annotated[
        int | None,
        typer.Option(
            "--k", "-k", min=1, help="Sites to choose in every city (default: each city's k in the scenario, else 1)."
        ),
    ] = None,
    out: OutOpt = None,
    fmt: FormatOpt = None,
    map_path: Annotated[
        Path | None, typer.Option("--map", help="Where to write the HTML map of a one-city run.")
    ] = None,
    no_map: Annotated[bool, typer.Option("--no-map", help="Do not write the HTML map.")] = False,
    top: Annotated[int | None, typer.Option(min=1, help="How many top-ranked sites to print per city.")] = None,
    progress: ProgressOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Choose the best k sites per city (p-median on demand-weighted delivery time), with the solver's gap."""
    import dataclasses

    _setup_logging(verbose, quiet)
    sc = _scenario(scenario, demo)
    if k is not None:
        sc = dataclasses.replace(sc, cities=tuple(dataclasses.replace(c, k=k) for c in sc.cities))
    _run(
        "plan",
        sc,
        out=out,
        fmt=fmt,
        map_path=map_path,
        no_map=no_map,
        top=top if top is not None else min(sc.outputs.top, 5),
        progress=progress,
        scheduler=scheduler,
        workers=workers,
    )


def _run_folders(run_dir: Path) -> list[Path]:
    """The folders holding one city's layers: the run folder itself or its sub-folders."""

    def has_layers(p: Path) -> bool:
        return any((p / f).exists() for f in ("candidates.parquet", "candidates.gpkg", "layers.gpkg"))

    if has_layers(run_dir):
        return [run_dir]
    return sorted(p for p in run_dir.iterdir() if p.is_dir() and has_layers(p))


@app.command("map")
def map_(
    run_dir: Annotated[Path, typer.Argument(help="The --out folder of a finished `siting rank` or `siting plan` run.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the HTML maps (default maps/).")] = None,
    cdn: Annotated[
        bool, typer.Option("--cdn", help="Load Leaflet from a CDN (smaller file, needs a network to view).")
    ] = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Redraw the HTML map(s) of a finished run from its saved outputs, without recomputing."""
    _setup_logging(verbose, quiet)
    from siting.maps.draw import map_from_outputs, save_map

    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: folder not found; pass the --out folder of a `siting rank` run.")
    folders = _run_folders(run_dir)
    if not folders:
        raise InputError(
            f"{run_dir}: holds no saved layers (candidates.gpkg/.parquet or layers.gpkg); "
            "rerun `siting rank --out` with --format csv, gpkg or parquet."
        )
    target = out if out is not None else Path("maps")
    for folder in folders:
        name = folder.name
        m = map_from_outputs(folder, title=f"siting: candidate microfactory sites, {name}")
        path = target / f"{name}.html"
        size = save_map(m, path, offline=not cdn)
        print(f"{path}\t{size / 1024:.0f} KiB")


@network_app.command("build")
def network_build(
    source: Annotated[
        str, typer.Argument(help="A local .osm.pbf, .osm/.osm.bz2 or .graphml file (or, online only, a place name).")
    ],
    mode: Annotated[str, typer.Option(help="drive (vans), bike (cargo bikes) or walk.")] = "drive",
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache folder (default $SITING_CACHE_DIR or ~/.cache/siting/networks).")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Build without reading or writing the cache.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also save the network as GraphML here (.graphml).")
    ] = None,
    progress: ProgressOpt = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Build a road network (projected, speeds and travel times, largest connected part), cache it, print a summary."""
    _setup_logging(verbose, quiet)
    from siting.network.build import MODES, build_network, format_summary, network_summary, save_network
    from siting.progress import make_progress, report

    if mode not in MODES:
        raise InputError(f"--mode {mode!r} is not a network mode; use one of {', '.join(MODES)}.")
    path = Path(source).expanduser()
    src: Any = path if path.exists() else source
    callback, ctx = make_progress(progress)
    with ctx:
        report(callback, "network", 0, 1)
        G = build_network(src, mode=mode, cache=not no_cache, cache_dir=cache_dir)
        report(callback, "network", 1, 1)
    print(format_summary(network_summary(G)))
    if out is not None:
        save_network(G, out)
        log.info("saved %s", out)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Check a scenario and every input it names (layers, network files, vehicles, products) without computing."""
    _setup_logging(verbose, quiet)
    from siting.config.scenario import check_inputs, load_scenario

    sc = load_scenario(scenario)
    lines = check_inputs(sc)
    for line in lines:
        print(line)
    print(f"{scenario}: OK ({len(sc.cities)} {'city' if len(sc.cities) == 1 else 'cities'})")


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="Folder to write the demo inputs to (created if needed).")],
    city: Annotated[str, typer.Option(help="Demo: helsinki or kotka (cities), malta (a country).")] = "helsinki",
    force: Annotated[bool, typer.Option("--force", help="Overwrite files already there.")] = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a demo's inputs (GeoPackage layers, its OSM extract, a scenario) for you to copy and edit."""
    _setup_logging(verbose, quiet)
    from siting.inputs.country_demo import DEMO_COUNTRIES
    from siting.inputs.demo import demo_city
    from siting.outputs import atomic_path, write_layer, write_text

    if city.lower() in DEMO_COUNTRIES:
        _country_demo_files(folder, city.lower(), force)
        return
    data = demo_city(city)
    names = ["stores.gpkg", "candidates.gpkg", "population.gpkg", "rents.gpkg", data.osm_path.name, "scenario.toml"]
    existing = [n for n in names if (folder / n).exists()]
    if existing and not force:
        raise InputError(
            f"{folder}: {', '.join(existing)} already exist; pass --force to overwrite or choose another folder."
        )
    for kind in ("stores", "candidates", "population", "rents"):
        write_layer(getattr(data, kind).to_crs("EPSG:4326"), folder / f"{kind}.gpkg", layer=kind)
    with atomic_path(folder / data.osm_path.name) as tmp:
        shutil.copyfile(data.osm_path, tmp)
    write_text(
        _DEMO_SCENARIO.format(city=data.name, osm=data.osm_path.name, currency=data.currency), folder / "scenario.toml"
    )
    for n in names:
        print(folder / n)
    log.info("demo inputs of %s written; run: siting rank %s", city, folder / "scenario.toml")


def _country_demo_files(folder: Path, name: str, force: bool) -> None:
    """Write a demo country's stores, candidates, OSM extract and a clusters = "auto" scenario."""
    from siting.inputs.country_demo import demo_country
    from siting.outputs import atomic_path, write_layer, write_text

    data = demo_country(name)
    names = ["stores.gpkg", "candidates.gpkg", data.osm_path.name, "scenario.toml"]
    existing = [n for n in names if (folder / n).exists()]
    if existing and not force:
        raise InputError(
            f"{folder}: {', '.join(existing)} already exist; pass --force to overwrite or choose another folder."
        )
    for kind in ("stores", "candidates"):
        write_layer(getattr(data, kind).to_crs("EPSG:4326"), folder / f"{kind}.gpkg", layer=kind)
    with atomic_path(folder / data.osm_path.name) as tmp:
        shutil.copyfile(data.osm_path, tmp)
    text = _DEMO_COUNTRY_SCENARIO.format(
        name=name, osm=data.osm_path.name, sla=DEMO_COUNTRY_SLA_S, floor=DEMO_COUNTRY_FLOOR_M2
    )
    write_text(text, folder / "scenario.toml")
    for n in names:
        print(folder / n)
    log.info("demo inputs of %s written; run: siting rank %s --scheduler local", name, folder / "scenario.toml")


_DEMO_COUNTRY_SCENARIO = """\
# The demo country {name} as plain files: one store file, one candidate file, one national extract.
# Its cities are found from the stores (clusters = "auto"). Data: OpenStreetMap, (c) OpenStreetMap
# contributors, ODbL. Demand and rents are illustrative models (see the siting README).
name = "{name}-files"
currency = "EUR"

[[cities]]
name = "{name}"
clusters = "auto"
network = "{osm}"
cluster_link_distance_m = 1500
cluster_min_demand_units_per_week = 60
cluster_max_radius_m = 6000
cluster_buffer_m = 2000

[cities.layers.stores]
path = "stores.gpkg"

[cities.layers.candidates]
path = "candidates.gpkg"

[rank]
sla_time_s = {sla:g}
required_floor_area_m2 = {floor:g}
"""


_DEMO_SCENARIO = """\
# The demo city {city} as plain files: edit them or replace them with your own.
# Data: OpenStreetMap, (c) OpenStreetMap contributors, ODbL. Demand, population and rents are
# illustrative models (see the siting README), not measurements.
name = "{city}-files"
currency = "{currency}"

[[cities]]
name = "{city}"
network = "{osm}"        # local OSM extract (relative to this file)
k = 2

[cities.layers.stores]
path = "stores.gpkg"
# columns = {{ id = "store_id", demand = "demand_units_per_week" }}   # map your own column names

[cities.layers.candidates]
path = "candidates.gpkg"

[cities.layers.population]
path = "population.gpkg"

[cities.layers.rents]
path = "rents.gpkg"
"""


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the example scenario.")] = Path("siting.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a commented example scenario (it runs as is on the demo city; edit it for your own files)."""
    _setup_logging(verbose, quiet)
    from importlib import resources

    from siting.outputs import write_text

    if path.exists() and not force:
        raise InputError(f"{path} already exists; pass --force to overwrite or give another path.")
    write_text(resources.files("siting").joinpath("data/scenario_template.toml").read_text(encoding="utf-8"), path)
    print(path)
    log.info("next: siting validate %s && siting rank %s", path, path)


@app.command()
def diff(
    run_a: Annotated[Path, typer.Argument(help="run.json (or --out folder) of the first run.")],
    run_b: Annotated[Path, typer.Argument(help="run.json (or --out folder) of the second run.")],
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Show what changed between two runs: settings, input files (by hash), versions and top sites."""
    _setup_logging(verbose, quiet)
    from siting.runinfo import diff_runs, format_diff, read_run

    print(format_diff(diff_runs(read_run(run_a), read_run(run_b)), name_a=str(run_a), name_b=str(run_b)))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``siting`` console script: exit 0 on success, 2 on bad input, 1 on internal error."""
    saved = (log.handlers[:], log.level, log.propagate)
    try:
        _main(argv)
    finally:  # leave the library's logger as it was (matters when main() is called in-process)
        log.handlers[:], log.level, log.propagate = saved


def _main(argv: list[str] | None) -> None:
    try:
        app(args=argv, prog_name="siting", standalone_mode=False)
    except _EXIT as exc:
        sys.exit(exc.exit_code)
    except _CLICK_ERROR as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, _USAGE_ERROR) else exc.exit_code)
    except _ABORT:
        print("siting: aborted", file=sys.stderr)
        sys.exit(1)
    except SitingError as exc:
        print(f"siting: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:  # the last line of defence: no traceback unless asked for
        if log.isEnabledFor(logging.DEBUG):
            traceback.print_exc()
        print(
            f"siting: internal error: {type(exc).__name__}: {exc}. Rerun with --verbose for details and report it.",
            file=sys.stderr,
        )
        sys.exit(1)
    sys.exit(0)
