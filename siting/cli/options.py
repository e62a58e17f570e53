"""The `siting` typer app, its shared options and logging set-up (the commands register on ``app``)."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,  # help text is printed as written: "[brands]" is a TOML table, not markup
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Choose where to put microfactories: rank candidate sites on real road networks.",
)
network_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Road networks: build (and cache) a network from an OSM file.",
)
app.add_typer(network_app, name="network")

log = logging.getLogger("siting")


class PlanObjective(StrEnum):
    """What `siting plan` minimises."""

    time = "time"
    cost = "cost"
    portfolio = "portfolio"


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
WideOpt = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="Print every column of the result tables (the default layout fits the terminal, 80 columns "
        "when piped, and says how many columns it left out).",
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
PortfolioOpt = Annotated[
    bool | None,
    typer.Option(
        "--portfolio/--no-portfolio",
        help="The portfolio design (which sites open at which capacity, making which product families, "
        "against offshore) gives every site portfolio_value_per_yr and a verdict, weighted 0.5 in the default "
        "weights, when the run has product families (portfolio.csv, capacity.csv, site_values.csv). On by "
        "default; --portfolio also prices every single-site outage (resilience.csv) and solves one national "
        "design across clusters. Both are solved by work limits alone (the same figures on any machine and "
        "load, unless [rank.portfolio] time_limit_s is set); --no-portfolio switches it off.",
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
