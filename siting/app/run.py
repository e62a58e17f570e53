"""Run a resolved scenario: rank every city (in-process or on Dask) and, for ``plan``, choose its sites."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

log = logging.getLogger("siting")

__all__ = ["RunOutcome", "CityPlan", "check_execution", "execute"]


@dataclass
class RunOutcome:
    """What one run produced (its result, plan and timings) and the files written from it."""

    result: Any
    plan: dict[str, Any] = field(default_factory=dict)
    plan_result: Any = None
    written: list[Path] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    national: dict[str, Any] = field(default_factory=dict)
    clusters: gpd.GeoDataFrame | None = None  # areas of the cities found by clustering (EPSG:4326)


@dataclass(frozen=True)
class CityPlan:
    """The chosen sites of one city: sites, allocation lines, lanes and the solver record."""

    sites: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame | None = None
    lanes: gpd.GeoDataFrame | None = None
    solution: Any = None
    isochrones: gpd.GeoDataFrame | None = None  # the chosen sites'
    tours: gpd.GeoDataFrame | None = None  # the chosen sites' tours (lane pattern "tour")


def _split_plan(planned: Any, names: list[str]) -> dict[str, CityPlan]:
    """Per-city views of a :class:`siting.pipeline.PlanResult` (stacked layers with a ``city`` column)."""

    def part(gdf: Any, name: str) -> Any:
        if gdf is None or "city" not in getattr(gdf, "columns", ()):
            return None
        return gdf[gdf["city"] == name].reset_index(drop=True)

    return {
        n: CityPlan(
            sites=part(planned.sites, n),
            lines=part(planned.lines, n),
            lanes=part(planned.lanes, n),
            solution=planned.solutions.get(n),
            isochrones=part(getattr(planned, "isochrones", None), n),
            tours=part(getattr(planned, "tours", None), n),
        )
        for n in names
    }


def check_execution(scheduler: str | None, workers: int) -> None:
    """Check ``--scheduler`` and ``--workers`` before any work (a local cluster's size, a remote address).

    Parameters
    ----------
    scheduler : str, optional
        ``"local"``, ``"tcp://HOST:PORT"`` or None (in-process).
    workers : int
        Worker processes of a local cluster.
    """
    if scheduler is None:
        return
    from siting.national.scheduler import check_scheduler_address, check_workers

    if scheduler == "local":
        check_workers(workers)
    else:
        check_scheduler_address(scheduler)


def execute(
    scenario: Any,
    *,
    command: str,
    overrides: dict[str, Any] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    objective: str = "time",
    scheduler: str | None = None,
    workers: int = 2,
    make_maps: bool = False,
) -> RunOutcome:
    """Rank (and for ``plan``, choose k sites per city) for a validated scenario.

    Parameters
    ----------
    scenario : siting.config.Scenario
        Checked (:func:`siting.app.load_scenario`).
    command : {"rank", "plan"}
    overrides : dict, optional
        RankOptions fields given on the command line.
    progress : callable, optional
        ``progress(stage, done, total)`` (see :mod:`siting.progress`).
    objective : {"auto", "time", "cost", "portfolio"}
        What ``plan`` minimises (see :func:`siting.pipeline.plan`); ``"portfolio"`` switches the
        portfolio design on and needs product families; ``"auto"`` (the CLI's default) is
        ``"portfolio"`` when every city has product families, else ``"time"`` (logged).
    scheduler : str, optional
        ``"local"`` or ``"tcp://HOST:PORT"``: rank each city as a Dask task (see
        :func:`siting.national.run_clusters`); None ranks them here one after another.
    workers : int
        Worker processes of a ``"local"`` cluster.
    make_maps : bool
        The maps will be written next (:func:`siting.app.write_outputs`): their modules are
        imported while a city's isochrones are still being drawn, by the thread that would
        otherwise wait idle for them (in-process runs).
    """
    from siting import pipeline
    from siting.app.inputs import city_inputs
    from siting.app.options import rank_options

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if objective not in ("auto", "time", "cost", "portfolio"):
        from siting.errors import InputError

        raise InputError(f"objective must be auto, time, cost or portfolio, not {objective!r}.")
    inputs = city_inputs(scenario)
    proving = None if not overrides else overrides.get("portfolio_prove_all_local")  # --[no-]prove-all-local
    bare = ""  # the first city without product families (read once: the options read the products file)
    if proving is not None or (command == "plan" and objective == "auto"):
        bare = _without_products(inputs, rank_options(scenario, **(overrides or {})))
    if proving is not None and bare:
        from siting.errors import InputError

        flag = "--prove-all-local" if proving else "--no-prove-all-local"
        raise InputError(
            f"{bare}: {flag} sets how far the portfolio design's all-local cost is proven, which needs product "
            f'families; add [costs] products = "file.csv" to the scenario (or drop {flag}).'
        )
    if command == "plan" and objective == "auto":  # the portfolio design when every city has product families
        objective = "time" if bare else "portfolio"
        if bare:
            log.info(
                "%s: no product families, so plan minimises delivery time (--objective time); "
                'add [costs] products = "file.csv" to the scenario for the portfolio design',
                bare,
            )
    if command == "plan" and objective == "portfolio":  # the design is solved while ranking
        overrides = {**(overrides or {}), "portfolio_enabled": True}
    options = rank_options(scenario, **(overrides or {}))
    if command == "plan" and objective == "portfolio":
        _need_products(inputs, options)
    timings["read_inputs_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    national: dict[str, Any] = {"execution": {"scheduler": "in-process", "workers": 1}}
    national["clusters"] = [_cluster_record(c) for c in inputs if c.region is not None]
    if scheduler is None:
        result = pipeline.run(inputs, options, progress=progress, while_waiting=_import_maps if make_maps else None)
    else:
        from siting.errors import ClusterFailedError
        from siting.national import cluster_info, dask_client, run_clusters

        with dask_client(scheduler, workers) as client:
            national["execution"] = cluster_info(client, scheduler)
            try:
                result = run_clusters(inputs, options, client=client, progress=progress)
            except ClusterFailedError as exc:
                exc.outcome = RunOutcome(result=exc.partial, national=national)  # type: ignore[attr-defined]
                raise
    timings["rank_s"] = time.perf_counter() - t0
    for name, city in result.cities.items():
        for stage, seconds in city.timings_s.items():
            timings[f"{name}.{stage}"] = seconds
    outcome = RunOutcome(result=result, timings_s=timings, national=national, clusters=cluster_areas(inputs))
    if command == "plan":
        t0 = time.perf_counter()
        ks = {c.name: c.k for c in scenario.cities}
        ks.update({c.name: ks[c.region] for c in inputs if c.region in ks})  # a found city takes its region's k
        outcome.plan_result = pipeline.plan(result, ks, seed=scenario.seed, progress=progress, objective=objective)
        outcome.plan = _split_plan(outcome.plan_result, list(result.cities))
        timings["plan_s"] = time.perf_counter() - t0
    return outcome


def _import_maps() -> None:
    """Import the map modules (folium, branca, jinja2 templates) ahead of the map stage."""
    import siting.maps.basemap  # noqa: F401
    import siting.maps.draw  # noqa: F401


def portfolio_sites(city: Any) -> tuple[pd.DataFrame, Callable[[float], str]]:
    """What each site of a portfolio plan makes and how its units per week are printed (for the CLI).

    Parameters
    ----------
    city : siting.pipeline.CityResult
        Planned with ``objective="portfolio"``.

    Returns
    -------
    table : pandas.DataFrame
        :func:`siting.pipeline.portfolio_plan.design_summary`.
    units_text : callable
        :func:`siting.pipeline.portfolio_plan.units_text`.
    """
    from siting.pipeline.portfolio_plan import design_summary, units_text

    return design_summary(city), units_text


def national_totals(outcome: RunOutcome) -> tuple[Any, dict[str, Any]] | None:
    """A national portfolio plan's hybrid design and its pure policies' figures (for the CLI's summary).

    Parameters
    ----------
    outcome : RunOutcome
        A ``plan`` run.

    Returns
    -------
    (Design, dict) or None
        The national hybrid and :func:`siting.pipeline.portfolio_plan.policy_figures` of the national
        designs (at the cities' ``mip_gap``); None unless the run solved a national portfolio design.
    """
    from siting.pipeline.portfolio_plan import policy_figures

    nd = getattr(outcome.result, "national", None)
    sols = [p.solution for p in outcome.plan.values() if getattr(p.solution, "model", "") == "portfolio"]
    if nd is None or not sols:
        return None
    extra = sols[0].extra
    return nd.portfolio.hybrid, policy_figures(nd.portfolio, extra.get("mip_gap"), extra.get("local_bound_rounds", 0))


def _without_products(inputs: list[Any], options: Any) -> str:
    """The first city with no product families (empty string: every city has some)."""
    for c in inputs:
        if not (tuple(getattr(c, "products", ()) or ()) or options.costs.products):
            return str(c.name)
    return ""


def _need_products(inputs: list[Any], options: Any) -> None:
    """Refuse ``plan --objective portfolio`` before ranking when a city has no product families."""
    from siting.errors import InputError

    for c in inputs:
        if not (tuple(getattr(c, "products", ()) or ()) or options.costs.products):
            raise InputError(
                f'{c.name}: --objective portfolio needs product families; add [costs] products = "file.csv" '
                "to the scenario (or use --objective time / cost)."
            )


def cluster_areas(inputs: list[Any]) -> gpd.GeoDataFrame | None:
    """The areas of the cities found by clustering (``cluster``, ``region``, geometry in EPSG:4326).

    Parameters
    ----------
    inputs : list of siting.pipeline.CityInputs

    Returns
    -------
    geopandas.GeoDataFrame or None
        None when no city was found by clustering.
    """
    parts = [
        gpd.GeoDataFrame({"cluster": [c.name], "region": [c.region]}, geometry=[c.area], crs=c.stores.crs)
        for c in inputs
        if c.region is not None and c.area is not None
    ]
    if not parts:
        return None
    return gpd.GeoDataFrame(pd.concat([p.to_crs("EPSG:4326") for p in parts], ignore_index=True), crs="EPSG:4326")


def _cluster_record(city: Any) -> dict[str, Any]:
    """What run.json records about a city found by clustering."""
    graph = city.network_source
    return {
        "cluster": city.name,
        "region": city.region,
        "n_stores": len(city.stores),
        "demand_units_per_week": float(city.stores["demand_units_per_week"].sum()),
        "n_candidates": len(city.candidates),
        "network_nodes": graph.number_of_nodes() if hasattr(graph, "number_of_nodes") else None,
    }
