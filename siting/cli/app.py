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

from siting.errors import InputError, MissingFileError, SitingError

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


def _classes(name: str) -> tuple[type[BaseException], ...]:
    return tuple({getattr(m, name) for m in _exception_modules() if hasattr(m, name)})


_EXIT = _classes("Exit")
_CLICK_ERROR = _classes("ClickException")
_USAGE_ERROR = _classes("UsageError")
_ABORT = _classes("Abort")


class PlanObjective(StrEnum):
    """What `siting plan` minimises."""

    time = "time"
    cost = "cost"


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
TrafficOpt = Annotated[
    str | None,
    typer.Option(
        "--traffic",
        help="Time band of every travel time: free_flow, off_peak or peak (BPR congestion factors per road "
        "class; default: the scenario's rank.traffic, else free_flow).",
    ),
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress of network building, OD, solving and tours on stderr "
        "(default: a bar on a terminal, a log line every 10% otherwise).",
        show_default=False,
    ),
]
ColumnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        help="Map one of your columns: LAYER.ROLE=YOUR_NAME, e.g. stores.demand=qty (repeatable). Roles: "
        "stores id/name/demand/shop; candidates id/name/floor_area/rent; population id/population; rents id/rent.",
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


def _column_maps(specs: list[str] | None) -> dict[str, dict[str, str]]:
    """``--column stores.demand=qty`` options as layer -> {role: your column}."""
    from siting.inputs.layers import LAYER_COLUMNS

    maps: dict[str, dict[str, str]] = {}
    for spec in specs or []:
        key, sep, name = spec.partition("=")
        kind, dot, role = key.strip().partition(".")
        if not sep or not dot or not name.strip():
            raise InputError(f"--column {spec!r}: write LAYER.ROLE=YOUR_NAME, e.g. --column stores.demand=qty.")
        if kind not in LAYER_COLUMNS:
            raise InputError(f"--column {spec!r}: unknown layer {kind!r}; use one of {', '.join(LAYER_COLUMNS)}.")
        roles = LAYER_COLUMNS[kind]
        role = next((r for r, col in roles.items() if col == role), role)  # siting's own name works too
        if role not in roles:
            raise InputError(f"--column {spec!r}: {kind} has no role {role!r}; use one of {', '.join(roles)}.")
        maps.setdefault(kind, {})[role] = name.strip()
    return maps


def _files_scenario(stores, candidates, population, rents, network, crs, city, columns=None):
    """A scenario from --stores/--candidates/--network options (paths relative to the working folder)."""
    from siting.config.scenario import parse_scenario
    from siting.runfolder import safe_name

    safe_name(city, what="city name", hint="--city")
    maps = _column_maps(columns)
    unused = sorted(
        set(maps)
        - {
            k
            for k, v in (("stores", stores), ("candidates", candidates), ("population", population), ("rents", rents))
            if v is not None
        }
    )
    if unused:
        raise InputError(f"--column names the {', '.join(unused)} layer, which is not given (--{unused[0]}).")

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
            layers[kind] = {
                "path": str(path),
                **({"crs": crs} if crs else {}),
                **({"columns": maps[kind]} if kind in maps else {}),
            }
    doc = {"name": city, "cities": [{"name": city, "network": str(network), "layers": layers}]}
    return parse_scenario(doc, source="<command line>", base=Path.cwd())


def _scenario(path: Path | None, demo: str, file_opts: dict[str, Any] | None = None):
    from siting.config.scenario import load_scenario

    file_opts = file_opts or {}
    uses_files = any(file_opts.get(k) is not None for k in ("stores", "candidates", "network"))
    if not uses_files and (file_opts.get("columns") or file_opts.get("crs")):
        raise InputError("--column and --crs apply to --stores/--candidates files; give those (and --network).")
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
    objective: str = "time",
    scheduler: str | None = None,
    workers: int = 2,
) -> None:
    """Compute a validated scenario, write its outputs and print the results of ``rank`` or ``plan``."""
    from siting.cli import runner as runner
    from siting.cli.staging import check_file_target, check_out_folder, staged_run
    from siting.errors import ClusterFailedError
    from siting.progress import make_progress
    from siting.runfolder import safe_name

    out = out if out is not None else scenario.outputs.dir
    fmt_value = fmt.value if fmt is not None else scenario.outputs.format
    make_maps = scenario.outputs.map and not no_map
    # every output location and every name used in a path is checked before any computation
    names = [c.name for c in scenario.cities]
    for name in names:
        safe_name(name, what="city name", hint="--city, or name in the scenario's [[cities]]")
    if out is not None:
        out = check_out_folder(Path(out))
    if make_maps:
        option = "--map" if map_path is not None else "outputs.map_dir"
        for path in runner.map_targets(names, Path(scenario.outputs.map_dir), map_path).values():
            check_file_target(Path(path), option, (".html", ".htm"))
    overrides = runner.rank_overrides(**(overrides or {}))
    callback, ctx = make_progress(progress)
    failure: ClusterFailedError | None = None
    with staged_run(out) as staged:
        with ctx:
            try:
                outcome = runner.execute(
                    scenario,
                    command=command,
                    overrides=overrides,
                    progress=callback,
                    objective=objective,
                    scheduler=scheduler,
                    workers=workers,
                )
            except ClusterFailedError as exc:  # keep what finished (a whole run of it), then report the rest
                partial = getattr(exc, "outcome", None)
                if partial is None or partial.result is None:
                    raise
                failure, outcome, command = exc, partial, "rank"
        written = runner.write_outputs(
            outcome,
            scenario,
            staged,
            fmt_value,
            command=command,
            make_maps=make_maps,
            map_dir=scenario.outputs.map_dir,
            map_path=map_path,
            top=top,
        )
    if failure is not None:
        raise failure
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
    column: ColumnOpt = None,
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
    traffic: TrafficOpt = None,
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
        "traffic": traffic,
    }
    file_opts = {
        "stores": stores,
        "candidates": candidates,
        "population": population,
        "rents": rents,
        "network": network,
        "crs": crs,
        "city": city,
        "columns": column,
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
    objective: Annotated[
        PlanObjective,
        typer.Option(
            help="time: demand-weighted drive time (p-median); cost: total cost per year, rent + delivery + "
            "landed cost of the products (exactly k sites)."
        ),
    ] = "time",  # type: ignore[assignment]
    traffic: TrafficOpt = None,
    progress: ProgressOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Choose the best k sites per city (demand-weighted delivery time or total cost), with the solver's gap."""
    import dataclasses

    _setup_logging(verbose, quiet)
    sc = _scenario(scenario, demo)
    if k is not None:
        sc = dataclasses.replace(sc, cities=tuple(dataclasses.replace(c, k=k) for c in sc.cities))
    _run(
        "plan",
        sc,
        overrides={"traffic": traffic},
        out=out,
        fmt=fmt,
        map_path=map_path,
        no_map=no_map,
        top=top if top is not None else min(sc.outputs.top, 5),
        progress=progress,
        objective=PlanObjective(objective).value,
        scheduler=scheduler,
        workers=workers,
    )


# --------------------------------------------------------------------------- siting share (shared networks)


class PriorityRule(StrEnum):
    """How priority runs go first in a site's weekly plan."""

    strict = "strict"
    reserved = "reserved"


@app.command()
def share(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario TOML with [[brands]] (and [[seasons]], [[lane_classes]], [site_capacity], [share]); "
            "omitted: an illustrative three-brand demo on the demo cities.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output folder: network.csv, utilization.csv, lead_times.csv, brands.csv, utilization.png, "
            "map.html, summary.json, run.json (default: the scenario's outputs.dir, else ./share).",
        ),
    ] = None,
    priority_rule: Annotated[
        PriorityRule | None,
        typer.Option(help="Priority in the weekly plans: strict, or a reserved share of hours (share.reserved_share)."),
    ] = None,
    time_limit_s: Annotated[
        float | None, typer.Option(min=0.1, help="Time limit of each network design solve (seconds).")
    ] = None,
    no_map: Annotated[bool, typer.Option("--no-map", help="Do not write map.html.")] = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Design a microfactory network shared by several brands: sites, capacity, seasons, priority lanes, cost shares."""
    _setup_logging(verbose, quiet)
    from siting.cli.share_cmd import share_command

    written = share_command(
        scenario,
        out=out,
        no_map=no_map,
        priority_rule=None if priority_rule is None else priority_rule.value,
        time_limit_s=time_limit_s,
    )
    log.info("wrote %d files to %s", len(written), written[-1].parent)


# --------------------------------------------------------------------------- end of siting share


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
    from siting.cli.staging import check_file_target, staged_run
    from siting.maps.draw import save_map
    from siting.maps.from_run import map_from_outputs
    from siting.runfolder import city_folders

    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: folder not found; pass the --out folder of a `siting rank` run.")
    folders = city_folders(run_dir)
    if not folders:
        raise InputError(
            f"{run_dir}: holds no saved layers (no candidates.gpkg/.parquet/.geojson or layers.gpkg in it or "
            "its city folders); pass the --out folder of a finished `siting rank` or `siting plan` run."
        )
    target = out if out is not None else Path("maps")
    if target.exists() and not target.is_dir():
        raise InputError(f"--out {target} is a file; give a folder for the HTML maps.")
    paths = {folder: check_file_target(target / f"{folder.name}.html", "--out", (".html",)) for folder in folders}
    sizes = {}
    with staged_run(None) as staged:  # all maps or none
        for folder, path in paths.items():
            m = map_from_outputs(folder, title=f"siting: candidate microfactory sites, {folder.name}")
            sizes[path] = save_map(m, staged.map_file(path), offline=not cdn)
    for path, size in sizes.items():
        print(f"{target / path.name}\t{size / 1024:.0f} KiB")


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
    from siting.cli.staging import check_file_target
    from siting.network.build import MODES, build_network, format_summary, network_summary, save_network
    from siting.network.filecheck import looks_like_path
    from siting.progress import make_progress, report

    if mode not in MODES:
        raise InputError(f"--mode {mode!r} is not a network mode; use one of {', '.join(MODES)}.")
    if out is not None:
        check_file_target(out, "--out", (".graphml",))
    path = Path(source).expanduser()
    if not path.exists() and looks_like_path(source):
        raise MissingFileError(
            f"network file {source} does not exist; check the path (a place name has no / or file suffix)."
        )
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
    scenario: Annotated[Path | None, typer.Argument(help="Scenario TOML file (or give your files below).")] = None,
    stores: Annotated[Path | None, typer.Option(help="Stores layer (as for `siting rank --stores`).")] = None,
    candidates: Annotated[Path | None, typer.Option(help="Candidate sites layer.")] = None,
    population: Annotated[Path | None, typer.Option(help="Population layer.")] = None,
    rents: Annotated[Path | None, typer.Option(help="Rent zones layer.")] = None,
    network: Annotated[
        Path | None, typer.Option(help="Road network file (.osm.pbf, .osm, .osm.bz2, .graphml).")
    ] = None,
    crs: Annotated[str | None, typer.Option(help="CRS of input files that carry none.")] = None,
    column: ColumnOpt = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Check a scenario (or your --stores/--candidates/--network files) and every input it names, without computing."""
    _setup_logging(verbose, quiet)
    from siting.config.scenario import check_inputs

    file_opts = {
        "stores": stores,
        "candidates": candidates,
        "population": population,
        "rents": rents,
        "network": network,
        "crs": crs,
        "city": "city",
        "columns": column,
    }
    if scenario is None and not any(
        v is not None for k, v in file_opts.items() if k in ("stores", "candidates", "network")
    ):
        raise InputError("give a scenario file, or your files with --stores, --candidates and --network.")
    sc = _scenario(scenario, "helsinki", file_opts)
    lines = check_inputs(sc)
    for line in lines:
        print(line)
    print(f"{scenario or 'your files'}: OK ({len(sc.cities)} {'city' if len(sc.cities) == 1 else 'cities'})")


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
    """Entry point of the ``siting`` console script: exit 0 on success, 2 on bad input, 1 on internal error,
    130 when interrupted (Ctrl-C)."""
    saved = (log.handlers[:], log.level, log.propagate)
    try:
        _main(argv)
    finally:  # leave the library's logger as it was (matters when main() is called in-process)
        log.handlers[:], log.level, log.propagate = saved


def _interrupted() -> None:
    print("siting: interrupted; nothing was written or replaced.", file=sys.stderr)
    sys.exit(130)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Python warnings as one log line each, without source lines."""
    log.warning("warning: %s", message)


def _main(argv: list[str] | None) -> None:
    import warnings

    from siting.errors import cli_interface

    with cli_interface(), warnings.catch_warnings():
        warnings.showwarning = _show_warning
        _dispatch(argv)


def _dispatch(argv: list[str] | None) -> None:
    try:
        code = app(args=argv, prog_name="siting", standalone_mode=False)
        if code == 130:  # typer turns Ctrl-C into Exit(130), returned (not raised) outside standalone mode
            _interrupted()
        if isinstance(code, int) and code:
            sys.exit(code)
    except KeyboardInterrupt:
        _interrupted()
    except _EXIT as exc:
        exit_code = getattr(exc, "exit_code", 1)
        if exit_code == 130:
            _interrupted()
        sys.exit(exit_code)
    except _CLICK_ERROR as exc:
        getattr(exc, "show")()  # noqa: B009 (click's method, not typed on BaseException)
        sys.exit(2 if isinstance(exc, _USAGE_ERROR) else getattr(exc, "exit_code", 1))
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
