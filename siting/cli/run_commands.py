"""The `rank` and `plan` commands: the scenario from a file, the demo or layer files; run, write, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from siting.cli.options import (
    ColumnOpt,
    Format,
    FormatOpt,
    OutOpt,
    PlanObjective,
    PortfolioOpt,
    ProgressOpt,
    QuietOpt,
    ScenarioArg,
    SchedulerOpt,
    TrafficOpt,
    VerboseOpt,
    WideOpt,
    WorkersOpt,
    _setup_logging,
    app,
    log,
)
from siting.errors import InputError


def _demo_scenario(demo: str):
    from siting.app import demo_scenario

    return demo_scenario(demo)


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
    from siting.app import parse_scenario
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
    from siting.app import load_scenario

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
    wide: bool = False,
) -> None:
    """Compute a validated scenario, write its outputs and print the results of ``rank`` or ``plan``."""
    from siting import app as runner
    from siting.app import check_file_target, check_out_folder, staged_run
    from siting.cli import console
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
    if scheduler is not None:  # --workers and the address are checked before any cluster starts
        runner.check_execution(scheduler, workers)
    if make_maps:
        option = "--map" if map_path is not None else "outputs.map_dir"
        for path in runner.map_targets(names, Path(scenario.outputs.map_dir), map_path).values():
            check_file_target(Path(path), option, (".html", ".htm"))
    runner.rank_options(scenario, load_products=False, **(overrides or {}))  # options checked before work
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
                    make_maps=make_maps,
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
        console.print_plan(outcome, wide=wide)
    else:
        console.print_ranking(outcome.result, top, wide=wide)
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
    portfolio: PortfolioOpt = None,
    progress: ProgressOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    wide: WideOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Rank candidate microfactory sites; with no arguments, rank the embedded demo city (central Helsinki)."""
    _setup_logging(verbose, quiet)
    overrides = {
        "reach_time_s": None if reach_min is None else reach_min * 60.0,
        "required_floor_area_m2": floor_area_m2,
        "traffic": traffic,
        "portfolio_enabled": portfolio,
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
        wide=wide,
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
        PlanObjective | None,
        typer.Option(
            help="portfolio: the portfolio design chooses the sites (at most k when --k is given), their capacity, "
            "the families each makes and what goes offshore (needs product families); time: demand-weighted "
            "drive time (p-median); cost: total cost per year, rent + delivery + landed cost of the products "
            "(exactly k sites). Default: portfolio when every city has product families, else time."
        ),
    ] = None,
    traffic: TrafficOpt = None,
    portfolio: PortfolioOpt = None,
    prove_all_local: Annotated[
        bool | None,
        typer.Option(
            "--prove-all-local/--no-prove-all-local",
            help="The portfolio design proves its all-local design within mip_gap by default: column rounds "
            "until it is (at most 500), whose sites also give cheaper designs, and 400 site swaps that make it "
            "cheaper first (about 80 s of CPU more on the demo city). --no-prove-all-local skips both for a "
            "quick what-if (the all-local gap then stays above mip_gap: 2.55% on the demo); --prove-all-local "
            "proves it even where the scenario's [rank.portfolio] all_local_bound_rounds or all_local_swaps say "
            "less. The hybrid is unchanged either way.",
        ),
    ] = None,
    progress: ProgressOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    wide: WideOpt = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Choose the sites per city: the portfolio design by default (sites, capacity, what each makes vs offshore)."""
    import dataclasses

    _setup_logging(verbose, quiet)
    sc = _scenario(scenario, demo)
    if k is not None:
        sc = dataclasses.replace(sc, cities=tuple(dataclasses.replace(c, k=k) for c in sc.cities))
    _run(
        "plan",
        sc,
        overrides={
            "traffic": traffic,
            "portfolio_enabled": portfolio,
            "portfolio_max_sites": k,
            "portfolio_prove_all_local": prove_all_local,
        },
        out=out,
        fmt=fmt,
        map_path=map_path,
        no_map=no_map,
        top=top if top is not None else min(sc.outputs.top, 5),
        progress=progress,
        objective="auto" if objective is None else PlanObjective(objective).value,
        scheduler=scheduler,
        workers=workers,
        wide=wide,
    )
