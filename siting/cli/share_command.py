"""The `siting share` command: read the scenario (or the demo), run the shared-network study, write and print it."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from siting.cli.console import plain
from siting.cli.options import QuietOpt, VerboseOpt, _setup_logging, app
from siting.errors import InputError

log = logging.getLogger("siting")

__all__ = ["share_command", "SHARE_OUTPUTS"]

#: Files of a `siting share` run folder (besides the map).
SHARE_OUTPUTS = (
    "network.csv",
    "utilization.csv",
    "lead_times.csv",
    "brands.csv",
    "utilization.png",
    "summary.json",
    "run.json",
)


def _demo() -> tuple[Any, Any, list, str]:
    from siting.config.scenario import parse_scenario
    from siting.share.demo import DEMO_LABEL, demo_share_cities, demo_share_spec

    spec = demo_share_spec()
    doc = {
        "name": "share-demo",
        "cities": [{"name": "helsinki", "demo": "helsinki"}, {"name": "kotka", "demo": "kotka"}],
    }
    scenario = parse_scenario(doc, source="<demo>")
    raw = {**doc, "share_spec": dataclasses.asdict(spec)}
    return dataclasses.replace(scenario, raw=raw), spec, demo_share_cities(), DEMO_LABEL


def _from_file(path: Path) -> tuple[Any, Any, list, str]:
    from siting.config.translate import city_inputs
    from siting.share.inputs import load_share_scenario

    scenario, spec = load_share_scenario(path)
    if "brands" not in scenario.raw:
        raise InputError(
            f"{path}: no [[brands]] table; `siting share` needs brands, e.g.\n"
            '[[brands]]\nname = "A"\nlane_class = "priority"\n(see the README section "Shared networks").'
        )
    return scenario, spec, city_inputs(scenario), ""


def share_command(
    scenario_path: Path | None,
    *,
    out: Path | None,
    no_map: bool = False,
    priority_rule: str | None = None,
    time_limit_s: float | None = None,
) -> list[Path]:
    """Run `siting share` and write its run folder; return the files written.

    Parameters
    ----------
    scenario_path : Path, optional
        A scenario with ``[[brands]]`` (and optionally ``[[seasons]]``, ``[[lane_classes]]``,
        ``[site_capacity]``, ``[share]``); None runs the illustrative demo.
    out : Path, optional
        Output folder (default: the scenario's ``outputs.dir``, else ``share``).
    no_map : bool
    priority_rule : {"strict", "reserved"}, optional
        Overrides ``share.priority_rule``.
    time_limit_s : float, optional
        Overrides ``share.time_limit_s``.
    """
    from siting.cli.staging import check_out_folder, staged_run
    from siting.outputs import write_text
    from siting.runinfo import run_record, to_jsonable, write_run
    from siting.share.figures import share_map, utilization_png
    from siting.share.layers import problem_from_cities
    from siting.share.study import run_share

    t0 = time.perf_counter()
    if scenario_path is None:
        log.info("no scenario given: the illustrative three-brand demo on helsinki and kotka")
        scenario, spec, cities, label = _demo()
    else:
        scenario, spec, cities, label = _from_file(scenario_path)
    settings = spec.settings
    if priority_rule is not None or time_limit_s is not None:
        settings = dataclasses.replace(
            settings,
            **({"priority_rule": priority_rule} if priority_rule is not None else {}),
            **({"time_limit_s": time_limit_s} if time_limit_s is not None else {}),
        )
    # checked before any computation; written to a staged folder that replaces --out only when complete
    final = check_out_folder(Path(out if out is not None else (scenario.outputs.dir or "share")))
    with staged_run(final) as staged:
        assert staged.folder is not None
        target = staged.folder
        layers = problem_from_cities(cities, spec)
        read_s = time.perf_counter() - t0
        names = {spec.lane_class(b).kind: spec.lane_class(b).name for b in spec.brands}
        study = run_share(layers.problem, spec.site_capacity, settings, lane_names=names, seed=scenario.seed)
        written = [
            _write_table(study.network, target / "network.csv"),
            _write_table(study.utilization, target / "utilization.csv"),
            _write_table(study.lead_times, target / "lead_times.csv"),
            _write_table(study.brands, target / "brands.csv"),
        ]
        title = "siting: shared microfactory network" + (" (ILLUSTRATIVE demo)" if label else "")
        written.append(utilization_png(study.utilization, target / "utilization.png", title=title))
        summary = {**study.summary(), "label": label or None, "priority_rule": settings.priority_rule}
        write_text(json.dumps(to_jsonable(summary), indent=2, ensure_ascii=False) + "\n", target / "summary.json")
        written.append(target / "summary.json")
        if not no_map:
            from siting.maps.draw import save_map

            m = share_map(study, layers, title=title, subtitle=label or f"{len(study.design.open_sites)} sites open")
            save_map(m, target / "map.html")
            written.append(target / "map.html")
        written = [final / p.relative_to(target) for p in written]  # where the files are once in place
        timings = {"read_inputs_s": read_s, **study.timings_s, "total_s": time.perf_counter() - t0}
        record = run_record(
            scenario,
            command="share",
            top_sites={"shared": summary["sites_opened"]},
            timings_s=timings,
            outputs=written,
            extra={"solver": summary["solver"], "label": label or None},
        )
        write_run(record, target)
        written.append(final / "run.json")
    _print(study, label)
    return written


def _write_table(frame: Any, path: Path) -> Path:
    """A CSV written atomically with 10 significant digits (money per year needs more than 6)."""
    from siting.outputs import atomic_path

    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.10g")
    return path


def _print(study: Any, label: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    if label:
        console.print(plain(label), highlight=False)
    d = study.design
    state = "proven optimal" if d.gap <= 1e-6 else f"within {100 * d.gap:.2f}% of the optimum"
    net = Table(
        title=f"shared network: {len(d.open_sites)} site(s) open, {d.total_per_yr:,.0f} per year", caption=state
    )
    for col in ("site_id", "capacity (units/wk)", "brands", "peak utilisation"):
        net.add_column(col)
    for _, r in study.network.iterrows():
        net.add_row(
            plain(r["site_id"]),
            f"{r['capacity_units_per_week']:,.0f}",
            plain(r["brands_served"]),
            f"{100 * r['peak_utilization']:.0f}%",
        )
    console.print(net)
    brands = Table(title="each brand: alone vs its share of the shared network (per year)")
    for col in ("brand", "alone", "proportional", "Shapley", "saving (Shapley)", "better off alone"):
        brands.add_column(col)
    for _, r in study.brands.iterrows():
        brands.add_row(
            plain(r["brand"]),
            f"{r['cost_alone']:,.0f}",
            f"{r['cost_shared_proportional']:,.0f}",
            f"{r['cost_shared_shapley']:,.0f}",
            f"{r['saving_shapley_pct']:.1f}%",
            "yes" if r["better_off_alone"] else "no",
        )
    console.print(brands)
    lt = Table(title=f"lead times at peak ({plain(study.peak_season)}), days from order to delivery")
    for col in ("site_id", "class", "mean (Cobham)", "mean (simulated)", "p95 (simulated)", "SLA", "met"):
        lt.add_column(col)
    for _, r in study.lead_times.iterrows():
        lt.add_row(
            plain(r["site_id"]),
            plain(r["lane_class"]),
            *[f"{r[c]:.2f}" for c in ("mean_days_analytic", "mean_days_simulated", "p95_days_simulated", "sla_days")],
            "yes" if r["sla_met"] else "no",
        )
    console.print(lt)


# --------------------------------------------------------------------------- the typer command


class PriorityRule(StrEnum):
    """How priority runs go first in a site's weekly plan."""

    strict = "strict"
    reserved = "reserved"


@app.command()
def share(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help=plain(
                "Scenario TOML with [[brands]] (and [[seasons]], [[lane_classes]], [site_capacity], [share]); "
                "omitted: an illustrative three-brand demo on the demo cities."
            ),
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
    written = share_command(
        scenario,
        out=out,
        no_map=no_map,
        priority_rule=None if priority_rule is None else priority_rule.value,
        time_limit_s=time_limit_s,
    )
    log.info("wrote %d files to %s", len(written), written[-1].parent)
