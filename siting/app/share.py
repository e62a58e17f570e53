"""A shared-network run: the scenario (or the demo) resolved, the study run, its run folder written all or nothing."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

from siting.errors import InputError

log = logging.getLogger("siting")

__all__ = ["run_share", "SHARE_OUTPUTS"]

#: Files of a `siting share` run folder (besides the map).
SHARE_OUTPUTS = (
    "network.csv",
    "utilization.csv",
    "lead_times.csv",
    "brands.csv",
    "backlog.csv",
    "service.csv",
    "coalitions.csv",
    "contracts.csv",
    "hours.csv",
    "scenarios.csv",
    "sequence.csv",
    "excluded.csv",
    "utilization.png",
    "summary.json",
    "run.json",
)


def _demo() -> tuple[Any, Any, list, str]:
    from siting.app.scenario import parse_scenario
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
    from siting.app.inputs import city_inputs
    from siting.share.inputs import load_share_scenario

    scenario, spec = load_share_scenario(path)
    if "brands" not in scenario.raw:
        raise InputError(
            f"{path}: no [[brands]] table; `siting share` needs brands, e.g.\n"
            '[[brands]]\nname = "A"\nlane_class = "priority"\n(see docs/howto/shared-networks.md in the manual).'
        )
    return scenario, spec, city_inputs(scenario), ""


def run_share(
    scenario_path: Path | None,
    *,
    out: Path | None,
    no_map: bool = False,
    priority_rule: str | None = None,
    time_limit_s: float | None = None,
    backlog: str = "cost",
    demand_cv: float | None = None,
    sla_percentile: float = 95.0,
    sla_caps_in_design: bool | None = None,
    scenarios: int | None = None,
) -> tuple[Any, list[Path], str]:
    """Run a shared-network study and write its run folder; return the study, the files written and the demo label.

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
    backlog : {"cost", "refuse"}
        Demand a weekly plan held to its SLA cap cannot make: costed in backlog.csv, or the run refused.
    demand_cv : float, optional
        Week-to-week coefficient of variation of every brand's demand (default 0.25).
    sla_percentile : float
        Percentile at which the lane classes' SLAs are promised.
    sla_caps_in_design : bool, optional
        Overrides ``share.sla_caps_in_design`` (the design MILP's SLA rows).
    scenarios : int, optional
        Overrides ``share.scenarios``: demand scenarios for the SAA regret table (``scenarios.csv``,
        written only when > 0).
    """
    from siting.app.options import rank_options
    from siting.app.runinfo import run_record, to_jsonable, write_run
    from siting.app.staging import check_out_folder, staged_run
    from siting.outputs import write_text
    from siting.share.figures import share_map, utilization_png
    from siting.share.layers import problem_from_cities
    from siting.share.study import run_share as study_share

    t0 = time.perf_counter()
    if scenario_path is None:
        log.info("no scenario given: the illustrative three-brand demo on helsinki and kotka")
        scenario, spec, cities, label = _demo()
    else:
        scenario, spec, cities, label = _from_file(scenario_path)
    # [rank] checked as for `siting rank`: mode, travel times and max_snap_distance_m of the network stage
    options = rank_options(scenario, load_products=False)
    settings = spec.settings
    if scenarios is not None and scenarios < 0:
        raise InputError(f"--scenarios must be >= 0 (0: no demand scenarios), got {scenarios}.")
    overrides = (priority_rule, time_limit_s, sla_caps_in_design, scenarios)
    if any(v is not None for v in overrides):
        settings = dataclasses.replace(
            settings,
            **({"priority_rule": priority_rule} if priority_rule is not None else {}),
            **({"time_limit_s": time_limit_s} if time_limit_s is not None else {}),
            **({"sla_caps_in_design": sla_caps_in_design} if sla_caps_in_design is not None else {}),
            **({"scenarios": int(scenarios)} if scenarios is not None else {}),
        )
    # checked before any computation; written to a staged folder that replaces --out only when complete
    final = check_out_folder(Path(out if out is not None else (scenario.outputs.dir or "share")))
    with staged_run(final) as staged:
        assert staged.folder is not None
        target = staged.folder
        layers = problem_from_cities(cities, spec, options)
        read_s = time.perf_counter() - t0
        names = {spec.lane_class(b).kind: spec.lane_class(b).name for b in spec.brands}
        cvs = None if demand_cv is None else {b.name: demand_cv for b in spec.brands}
        study = study_share(
            layers.problem,
            spec.site_capacity,
            settings,
            lane_names=names,
            seed=scenario.seed,
            demand_cv=cvs,
            sla_percentile=sla_percentile,
            backlog=backlog,
            contracts=spec.contracts,
        )
        written = [
            _write_table(study.network, target / "network.csv"),
            _write_table(study.utilization, target / "utilization.csv"),
            _write_table(study.lead_times, target / "lead_times.csv"),
            _write_table(study.brands, target / "brands.csv"),
            _write_table(study.backlog, target / "backlog.csv"),
            _write_table(study.service, target / "service.csv"),
            _write_table(study.coalitions(), target / "coalitions.csv"),
            _write_table(study.contracts, target / "contracts.csv"),
            _write_table(study.hours, target / "hours.csv"),
            *([_write_table(study.scenarios, target / "scenarios.csv")] if len(study.scenarios) else []),
            *([_write_table(study.sequence, target / "sequence.csv")] if len(study.sequence) else []),
            _write_table(layers.excluded, target / "excluded.csv"),
        ]
        title = "siting: shared microfactory network" + (" (ILLUSTRATIVE demo)" if label else "")
        written.append(utilization_png(study.utilization, target / "utilization.png", title=title))
        summary = {
            **study.summary(),
            "label": label or None,
            "priority_rule": settings.priority_rule,
            "sla_caps_in_design": settings.sla_caps_in_design,
            "runs_in_design": settings.runs_in_design,
        }
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
    return study, written, label


def _write_table(frame: Any, path: Path) -> Path:
    """A CSV written atomically with 10 significant digits (money per year needs more than 6)."""
    from siting.outputs import atomic_path

    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.10g")
    return path
