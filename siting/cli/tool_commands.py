"""The `map`, `network build`, `validate`, `demo`, `init` and `diff` commands."""

from __future__ import annotations

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
from siting.cli.run_commands import (
    DEMO_COUNTRY_FLOOR_M2,
    DEMO_COUNTRY_SLA_S,
    _scenario,
)
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
    from siting.config.checks import check_inputs
    from siting.config.scenario import SHARE_TABLES

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
    if scenario is not None and any(k in sc.raw for k in SHARE_TABLES):
        lines.extend(_share_lines(scenario))
    for line in lines:
        print(line)
    print(f"{scenario or 'your files'}: OK ({len(sc.cities)} {'city' if len(sc.cities) == 1 else 'cities'})")


def _share_lines(path: Path) -> list[str]:
    """Check a scenario's shared-network tables (read by `siting share` only): one line saying what they hold."""
    from siting.share.inputs import load_share_scenario

    _, spec = load_share_scenario(path)
    return [
        f"share tables (for `siting share`; rank and plan ignore them): {len(spec.brands)} brand(s), "
        f"{len(spec.seasons)} season(s) covering {sum(s.weeks for s in spec.seasons)} weeks, "
        f"{len(spec.lane_classes)} lane class(es), {len(spec.site_capacity.levels_units_per_week)} capacity level(s)"
    ]


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
