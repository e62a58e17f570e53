"""The `siting` command line: parse and check options, call the pipeline, write outputs."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import Optional

import click
import typer

from siting._errors import InputError, SitingError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Choose where to put microfactories: rank candidate sites on real road networks.",
)

log = logging.getLogger("siting")


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


def _print_top(ranking, top: int, currency: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 120)
    for city, rows in ranking.groupby("city", sort=False):
        table = Table(title=f"{city}: top {min(top, len(rows))} of {len(rows)} candidate sites")
        for col in ("rank", "site_id", "score", "delivery (min)", "population reached", f"rent/yr ({currency})"):
            table.add_column(col, justify="left" if col == "site_id" else "right")
        for r in rows.head(top).itertuples(index=False):
            table.add_row(
                str(r.rank),
                str(r.site_id),
                f"{r.score:.3f}",
                f"{r.delivery_time_s / 60:.1f}",
                f"{r.population_reachable:,.0f}",
                f"{r.rent_per_yr:,.0f}",
            )
        console.print(table)


def _user_city(stores, candidates, population, rents, network, crs, name):
    from siting.layers import read_layer
    from siting.pipeline import CityInputs

    if not network.exists():
        raise InputError(f"{network}: network file not found; pass a local .osm.pbf, .osm or .graphml file.")
    return CityInputs(
        name=name,
        stores=read_layer(stores, "stores", crs=crs),
        candidates=read_layer(candidates, "candidates", crs=crs),
        population=None if population is None else read_layer(population, "population", crs=crs),
        rents=None if rents is None else read_layer(rents, "rents", crs=crs),
        network_source=network,
    )


@app.command()
def rank(
    stores: Optional[Path] = typer.Option(None, help="Stores layer (GeoPackage, GeoJSON, GeoParquet or CSV with lon/lat); needs store_id and demand_units_per_week."),
    candidates: Optional[Path] = typer.Option(None, help="Candidate sites layer; needs site_id and floor_area_m2 (and rent_per_m2_yr unless --rents is given)."),
    population: Optional[Path] = typer.Option(None, help="Population layer (zone_id, population): points or polygons."),
    rents: Optional[Path] = typer.Option(None, help="Rent zones (zone_id, rent_per_m2_yr polygons) for sites without their own rent."),
    network: Optional[Path] = typer.Option(None, help="Road network: a local .osm.pbf, .osm/.osm.bz2 or .graphml file."),
    crs: Optional[str] = typer.Option(None, help="CRS of input files that carry none (CSV defaults to EPSG:4326)."),
    city: str = typer.Option("city", help="Name of your city in outputs (ignored for the demo)."),
    demo: str = typer.Option("helsinki", help="Embedded demo city used when no --stores/--candidates are given."),
    out: Optional[Path] = typer.Option(None, help="Folder for ranking.csv and the lanes/sites layers (nothing is written there when omitted)."),
    map_path: Optional[Path] = typer.Option(None, "--map", help="Where to write the HTML map (default maps/<city>.html)."),
    no_map: bool = typer.Option(False, "--no-map", help="Do not write the HTML map."),
    top: int = typer.Option(10, min=1, help="How many top sites to print per city."),
    reach_min: float = typer.Option(10.0, min=0.1, help="Reach time in minutes for the population criterion."),
    floor_area_m2: float = typer.Option(500.0, min=0.0, help="Floor area the microfactory needs (m2); smaller sites are filtered out."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details (and tracebacks of internal errors)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only print results and errors."),
) -> None:
    """Rank candidate microfactory sites; with no options, rank the embedded demo city (central Helsinki)."""
    _setup_logging(verbose, quiet)
    from siting.pipeline import RankOptions, city_from_demo, run

    given = {"--stores": stores, "--candidates": candidates, "--network": network}
    if any(v is not None for v in given.values()):
        missing = [k for k, v in given.items() if v is None]
        if missing:
            raise InputError(f"{', '.join(missing)} missing: a run on your own files needs --stores, --candidates and --network.")
        inputs = _user_city(stores, candidates, population, rents, network, crs, city)
    else:
        log.info("no input files given: ranking the embedded demo city %r", demo)
        inputs = city_from_demo(demo)
    options = RankOptions(reach_time_s=reach_min * 60.0, required_floor_area_m2=floor_area_m2)
    result = run([inputs], options)
    written = _write_outputs(result, out, map_path, no_map)
    _print_top(result.ranking, top, inputs.currency)
    for path in written:
        log.info("wrote %s", path)


def _write_outputs(result, out: Path | None, map_path: Path | None, no_map: bool) -> list[Path]:
    from siting.outputs import write_csv, write_layer

    written: list[Path] = []
    if out is not None:
        written.append(write_csv(result.ranking, out / "ranking.csv"))
        for name, city in result.cities.items():
            written.append(write_layer(city.candidates.drop(columns=["node"]), out / f"{name}_sites.gpkg", layer="sites"))
            written.append(write_layer(city.lanes, out / f"{name}_lanes.gpkg", layer="lanes"))
            written.append(write_csv(city.excluded, out / f"{name}_excluded.csv"))
    if not no_map:
        from siting.maps import make_map, save_map

        for name, city in result.cities.items():
            path = map_path if (map_path is not None and len(result.cities) == 1) else Path("maps") / f"{name}.html"
            m = make_map(
                stores=city.stores,
                candidates=city.candidates,
                lanes=city.lanes,
                population=city.population,
                rents=city.rents,
                title=f"siting: candidate microfactory sites, {name}",
            )
            size = save_map(m, path)
            log.info("map %s (%.0f KiB)", path, size / 1024)
            written.append(Path(path))
    return written


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``siting`` console script: exit 0 on success, 2 on bad input, 1 on internal error."""
    try:
        app(args=argv, prog_name="siting", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.exceptions.UsageError) else exc.exit_code)
    except click.exceptions.Abort:
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


if __name__ == "__main__":  # pragma: no cover
    main()
