"""The `siting share` command: parse its options, run the shared-network study (siting.app), print the tables."""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from siting.cli.options import QuietOpt, VerboseOpt, _setup_logging, app

log = logging.getLogger("siting")

__all__ = ["share"]


def _print(study: Any, label: str) -> None:
    from siting.cli.console import Column, make_console, print_line, print_table

    console = make_console()
    if label:
        print_line(console, label)
    d = study.design
    state = "proven optimal" if d.gap <= 1e-6 else f"within {100 * d.gap:.2f}% of the optimum"
    rows = [
        [
            str(r["site_id"]),
            f"{r['capacity_units_per_week']:,.0f}",
            str(r["brands_served"]),
            f"{100 * r['peak_utilization']:.0f}%",
        ]
        for _, r in study.network.iterrows()
    ]
    cols = [Column("site_id", "left"), Column("capacity (units/wk)"), Column("brands", "left"), Column("peak use")]
    title = f"shared network: {len(d.open_sites)} site(s) open, {d.total_per_yr:,.0f} per year"
    print_table(console, title, cols, rows, caption=state)
    rows = [
        [
            str(r["brand"]),
            f"{r['cost_alone']:,.0f}",
            f"{r['cost_shared_proportional']:,.0f}",
            f"{r['cost_shared_shapley']:,.0f}",
            f"{r['saving_shapley_pct']:.1f}%",
            "yes" if r["better_off_alone"] else "no",
        ]
        for _, r in study.brands.iterrows()
    ]
    cols = [Column("brand", "left"), Column("alone"), Column("proportional", drop=1), Column("Shapley")]
    cols += [Column("saving (Shapley)"), Column("better off alone")]
    print_table(console, "each brand: alone vs its share of the shared network (per year)", cols, rows)
    rows = [
        [
            str(r["site_id"]),
            str(r["lane_class"]),
            f"{r['mean_days_analytic']:.2f}",
            f"{r['mean_days_simulated']:.2f} +- {r['mean_days_ci']:.2f}",
            f"{r['p95_days_simulated']:.2f} +- {r['p95_days_ci']:.2f}",
            f"{100 * r['on_time_rate']:.1f}%" if r["on_time_rate"] == r["on_time_rate"] else "-",
            f"{r['sla_days']:.2f} at p{r['percentile']:g}",
            "yes" if r["sla_met"] else "no",
            f"{100 * r['utilisation_cap']:.0f}%",
        ]
        for _, r in study.lead_times.iterrows()
    ]
    cols = [Column("site_id", "left"), Column("class", "left"), Column("mean (Cobham)", drop=2)]
    cols += [Column("mean (sim)"), Column("p95 (sim)"), Column("on time", drop=1), Column("SLA"), Column("met")]
    cols += [Column("cap", drop=1)]
    title = (
        "lead times, days from order to delivery: Cobham (quick analytic mean at peak) and the order-driven "
        "simulation (the judge; +- 95% confidence interval)"
    )
    print_table(console, title, cols, rows)
    unmade = study.backlog.groupby(["site_id", "brand"])[["unmade_units_per_yr", "backlog_cost_per_yr"]].sum()
    unmade = unmade[unmade["unmade_units_per_yr"] > 0]
    for (site, brand), r in unmade.iterrows():
        print_line(
            console,
            f"backlog: {site} leaves {r['unmade_units_per_yr']:,.0f} units of {brand} "
            f"unmade a year (cost {r['backlog_cost_per_yr']:,.0f} per year; see backlog.csv)",
        )


# --------------------------------------------------------------------------- the typer command


class PriorityRule(StrEnum):
    """How priority runs go first in a site's weekly plan."""

    strict = "strict"
    reserved = "reserved"


class BacklogRule(StrEnum):
    """What happens to demand a weekly plan held to its SLA cap cannot make."""

    cost = "cost"
    refuse = "refuse"


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
    backlog: Annotated[
        BacklogRule,
        typer.Option(help="Demand a capped weekly plan cannot make: cost it (backlog.csv), or refuse the run."),
    ] = BacklogRule.cost,
    demand_cv: Annotated[
        float | None,
        typer.Option(min=0.0, max=3.0, help="Week-to-week coefficient of variation of each brand's demand [0.25]."),
    ] = None,
    sla_percentile: Annotated[
        float, typer.Option(min=50.0, max=99.9, help="Percentile at which lane-class SLAs are promised.")
    ] = 95.0,
    sla_caps_in_design: Annotated[
        bool | None,
        typer.Option(
            "--sla-caps-in-design/--no-sla-caps-in-design",
            help="Cap each lane class's hours per site and season in the design where its SLA holds "
            "(share.sla_caps_in_design) [on; --no-sla-caps-in-design: only the weekly plans].",
            show_default=False,
        ),
    ] = None,
    scenarios: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Demand scenarios: choose among candidate designs by SAA and write their regret to "
            "scenarios.csv (share.scenarios) [0].",
            show_default=False,
        ),
    ] = None,
    no_map: Annotated[bool, typer.Option("--no-map", help="Do not write map.html.")] = False,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Design a microfactory network shared by several brands: sites, capacity, seasons, priority lanes, cost shares."""
    _setup_logging(verbose, quiet)
    from siting.app.share import run_share

    study, written, label = run_share(
        scenario,
        out=out,
        no_map=no_map,
        priority_rule=None if priority_rule is None else priority_rule.value,
        time_limit_s=time_limit_s,
        backlog=backlog.value,
        demand_cv=demand_cv,
        sla_percentile=sla_percentile,
        sla_caps_in_design=sla_caps_in_design,
        scenarios=scenarios,
    )
    _print(study, label)
    log.info("wrote %d files to %s", len(written), written[-1].parent)
