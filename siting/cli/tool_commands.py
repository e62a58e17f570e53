"""The `map`, `network build`, `network calibrate`, `validate`, `demo`, `init` and `diff` commands."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from siting.cli.options import (
    ColumnOpt,
    ProgressOpt,
    QuietOpt,
    VerboseOpt,
    _setup_logging,
    app,
    log,
    network_app,
)
from siting.cli.run_commands import _scenario
from siting.errors import InputError, MissingFileError


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
    from siting.app import check_file_target, staged_run
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
    from siting.app import check_file_target
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


@network_app.command("calibrate")
def network_calibrate(
    network: Annotated[str, typer.Argument(help="The network: a local .osm.pbf, .osm/.osm.bz2 or .graphml file.")],
    trips: Annotated[
        Path,
        typer.Option(help="Known trips CSV: origin_osm_node,destination_osm_node,day,hour,observed_time_s."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the fitted profile (.csv).")],
    profile: Annotated[
        Path | None,
        typer.Option(help="Starting profile CSV (road_class,day,hour,time_factor); default the shipped one."),
    ] = None,
    signal_delay_s: Annotated[float, typer.Option(help="Delay per signalised junction (s).")] = 15.0,
    turn_penalty_s: Annotated[float, typer.Option(help="Delay on a turn onto a higher road class (s).")] = 7.5,
    cache_dir: Annotated[Path | None, typer.Option(help="Network cache folder.")] = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Fit the speed profile to known trips (least squares per road class); print the error before and after."""
    _setup_logging(verbose, quiet)
    from siting.app import check_file_target
    from siting.network.build import build_network
    from siting.network.calibration import calibrate, format_calibration, read_trips
    from siting.network.profiles import default_profile, read_profile_csv, write_profile_csv
    from siting.outputs import atomic_path

    out = check_file_target(out, "--out", (".csv",))
    for option, value in (("--signal-delay-s", signal_delay_s), ("--turn-penalty-s", turn_penalty_s)):
        if not (math.isfinite(value) and value >= 0):
            raise InputError(f"{option} is {value:g}; give seconds >= 0.")
    if not trips.is_file():
        raise MissingFileError(f"--trips {trips} does not exist; check the path.")
    if not Path(network).expanduser().exists():
        raise MissingFileError(f"network file {network} does not exist; check the path.")
    start = default_profile() if profile is None else read_profile_csv(profile)
    G = build_network(Path(network).expanduser(), cache_dir=cache_dir)
    result = calibrate(G, read_trips(trips, G), start, signal_delay_s=signal_delay_s, turn_penalty_s=turn_penalty_s)
    with atomic_path(out) as tmp:
        write_profile_csv(result.profile, tmp)
    print(format_calibration(result))
    print(f"fitted profile: {out} (use it with speed_profile and delivery_window in a scenario's [rank])")


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
    from siting.app import check_inputs

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
    names = [
        "stores.gpkg",
        "candidates.gpkg",
        "population.gpkg",
        "rents.gpkg",
        data.osm_path.name,
        "products.csv",
        "scenario.toml",
    ]
    existing = [n for n in names if (folder / n).exists()]
    if existing and not force:
        raise InputError(
            f"{folder}: {', '.join(existing)} already exist; pass --force to overwrite or choose another folder."
        )
    for kind in ("stores", "candidates", "population", "rents"):
        write_layer(getattr(data, kind).to_crs("EPSG:4326"), folder / f"{kind}.gpkg", layer=kind)
    with atomic_path(folder / data.osm_path.name) as tmp:
        shutil.copyfile(data.osm_path, tmp)
    rank = _demo_rank(city, folder)
    text = _DEMO_SCENARIO.format(city=data.name, osm=data.osm_path.name, currency=data.currency, rank=rank)
    write_text(text, folder / "scenario.toml")
    for n in names:
        print(folder / n)
    log.info("demo inputs of %s written; run: siting rank %s", city, folder / "scenario.toml")


def _demo_rank(name: str, folder: Path) -> str:
    """The demo's own ``[rank]`` and ``[costs]`` tables (from its packaged scenario), its products copied beside."""
    from siting.app import demo_scenario
    from siting.outputs import atomic_path

    demo = demo_scenario(name)
    lines = ["", "[rank]  # as the demo runs (siting/data/demo_*.toml)"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in demo.rank.items()]
    if demo.costs.products is not None:
        with atomic_path(folder / "products.csv") as tmp:
            shutil.copyfile(demo.costs.products, tmp)
        lines += ["", "[costs]", 'products = "products.csv"   # illustrative product families']
    return "\n".join(lines) + "\n"


def _country_demo_files(folder: Path, name: str, force: bool) -> None:
    """Write a demo country's stores, candidates, OSM extract and a clusters = "auto" scenario."""
    from siting.inputs.country_demo import demo_country
    from siting.outputs import atomic_path, write_layer, write_text

    data = demo_country(name)
    names = ["stores.gpkg", "candidates.gpkg", data.osm_path.name, "products.csv", "scenario.toml"]
    existing = [n for n in names if (folder / n).exists()]
    if existing and not force:
        raise InputError(
            f"{folder}: {', '.join(existing)} already exist; pass --force to overwrite or choose another folder."
        )
    for kind in ("stores", "candidates"):
        write_layer(getattr(data, kind).to_crs("EPSG:4326"), folder / f"{kind}.gpkg", layer=kind)
    with atomic_path(folder / data.osm_path.name) as tmp:
        shutil.copyfile(data.osm_path, tmp)
    text = _DEMO_COUNTRY_SCENARIO.format(name=name, osm=data.osm_path.name, rank=_demo_rank(name, folder))
    write_text(text, folder / "scenario.toml")
    for n in names:
        print(folder / n)
    log.info("demo inputs of %s written; run: siting rank %s --scheduler local", name, folder / "scenario.toml")


_DEMO_COUNTRY_SCENARIO = """\
# The demo country {name} as plain files: one store file, one candidate file, one national extract.
# Its cities are found from the stores (clusters = "auto"). Data: OpenStreetMap, (c) OpenStreetMap
# contributors, ODbL. Demand and rents are illustrative models (see the siting manual: docs/tutorial.md).
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

{rank}"""


_DEMO_SCENARIO = """\
# The demo city {city} as plain files: edit them or replace them with your own.
# Data: OpenStreetMap, (c) OpenStreetMap contributors, ODbL. Demand, population and rents are
# illustrative models (see the siting manual: docs/tutorial.md), not measurements.
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
{rank}"""


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
    from siting.app import diff_runs, format_diff, read_run

    print(format_diff(diff_runs(read_run(run_a), read_run(run_b)), name_a=str(run_a), name_b=str(run_b)))
