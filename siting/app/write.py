"""Write a run's outcome into a staged run folder: tables, layers, maps, summary.json and run.json (last)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from siting import runfolder
from siting.app.run import CityPlan, RunOutcome
from siting.app.staging import StagedRun

log = logging.getLogger("siting")

__all__ = ["write_outputs", "map_targets", "write_table", "write_layers"]


def write_table(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write a table atomically as ``path`` with the suffix of ``fmt`` (gpkg tables are written as CSV)."""
    from siting.outputs import atomic_path, write_csv

    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    target = runfolder.table_path(path.parent, path.name, fmt)
    if target.suffix == ".csv":
        return write_csv(frame, target)
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_json(tmp, orient="records", indent=2, force_ascii=False)
    return target


def _clean(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if gdf is None:
        return None
    out = gdf.drop(columns="node", errors="ignore")
    for col in out.columns:  # object columns with mixed content (e.g. lists) cannot go to GPKG
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v, default=str))
    return out


def write_layers(layers: dict[str, gpd.GeoDataFrame | None], folder: Path, fmt: str) -> list[Path]:
    """Write layers atomically: one file each (``.gpkg``/``.parquet``/``.geojson``) or, for ``gpkg``,
    one ``layers.gpkg`` with a layer per name (see :mod:`siting.runfolder`)."""
    from siting.outputs import atomic_path, write_layer

    present = {k: c for k, v in layers.items() if v is not None and len(v) and (c := _clean(v)) is not None}
    if fmt == "gpkg":
        target = runfolder.layer_path(folder, "", fmt)
        with atomic_path(target) as tmp:
            for name, gdf in present.items():
                gdf.to_file(tmp, driver="GPKG", layer=name, mode="a" if tmp.exists() else "w")
        return [target]
    return [write_layer(gdf, runfolder.layer_path(folder, name, fmt), layer=name) for name, gdf in present.items()]


def _national_outputs(
    outcome: RunOutcome, staged: StagedRun, fmt: str, map_dir: Path, make_maps: bool
) -> tuple[list[Path], list[Path]]:
    """national_summary (microfactories per cluster) and the national map, when the run found clusters.

    Returns the table written in the staged folder and the map's final path (staged beside it).
    """
    if not outcome.national.get("clusters") or outcome.result is None:
        return [], []
    from siting.national import national_map, national_summary  # dask and its kin: only for national runs

    tables: list[Path] = []
    summary = national_summary(outcome.result)
    outcome.national["recommended_sites"] = dict(zip(summary["cluster"], summary["recommended_sites"].astype(int)))
    if staged.folder is not None:
        tables.append(write_table(summary, staged.folder / runfolder.NATIONAL_SUMMARY, fmt))
    maps: list[Path] = []
    if make_maps:
        from siting.maps.draw import save_map

        path = Path(map_dir) / "national.html"
        m = national_map(outcome.result, clusters=outcome.clusters, summary=summary)
        size = save_map(m, staged.map_file(path))
        log.info("national map %s (%.0f KiB)", path, size / 1024)
        maps.append(path)
    return tables, maps


def _summary_json(outcome: RunOutcome) -> dict[str, Any]:
    source = outcome.plan_result if outcome.plan_result is not None else outcome.result
    return source.summary_dict()


def write_outputs(
    outcome: RunOutcome,
    scenario: Any,
    staged: StagedRun,
    fmt: str,
    *,
    command: str,
    make_maps: bool,
    map_dir: Path,
    map_path: Path | None,
    top: int,
) -> list[Path]:
    """Write tables, layers, maps and run.json into a staged run; return the files' final paths.

    The layout is :mod:`siting.runfolder`'s: ``ranking.csv`` (all cities), ``sensitivity``,
    ``excluded``, ``lane_totals``, ``plan`` (for plan), ``summary.json``, ``run.json`` (last); per
    city a folder with its ``ranking.csv``, ``chosen.csv`` (plan) and layers ``stores``,
    ``candidates``, ``population``, ``rents``, ``lanes``, ``isochrones`` (plan: the chosen sites'),
    ``allocation`` (plan) in the chosen format. Nothing is in place until :func:`siting.app.staging.staged_run` ends.
    """
    from siting.outputs import write_text

    written: list[Path] = []
    result = outcome.result
    t0 = time.perf_counter()
    out = staged.folder
    if out is not None:
        written.append(write_table(result.ranking, out / "ranking", "csv"))
        if fmt in ("parquet", "json"):
            written.append(write_table(result.ranking, out / "ranking", fmt))
        written += _business_case_files(result, out)
        written += _portfolio_files(result, out)
        for name in runfolder.RUN_TABLES:
            if name == "plan":
                continue
            # plan: the lane totals of the chosen set (the lanes it writes), not of the top-ranked site
            source = outcome.plan_result if name == "lane_totals" and outcome.plan_result is not None else result
            try:
                table = getattr(source, name)
            except (AttributeError, ValueError):  # pipeline without it, or nothing to stack
                continue
            if isinstance(table, pd.DataFrame) and len(table):
                written.append(write_table(table, out / name, fmt))
        for name, city in result.cities.items():
            folder = runfolder.city_folder(out, name)
            written.append(write_table(city.ranking, folder / "ranking", "csv"))
            layers = {
                "stores": city.stores,
                "candidates": city.candidates,
                "population": city.population,
                "rents": city.rents,
                "lanes": city.lanes,
                "isochrones": getattr(city, "isochrones", None),
                "tours": getattr(city, "tours", None),
            }
            if name in outcome.plan:
                plan = outcome.plan[name]
                made = [c for c in plan.sites.columns if c.startswith("portfolio_")]  # `siting map` colours by it
                written.append(write_table(plan.sites[["site_id", *made]], folder / "chosen", "csv"))
                layers["allocation"] = plan.lines
                if plan.lanes is not None and len(plan.lanes):
                    layers["lanes"] = plan.lanes
                if plan.isochrones is not None and len(plan.isochrones):  # so `siting map` redraws the plan map
                    layers["isochrones"] = plan.isochrones
                layers["tours"] = plan.tours  # the chosen sites' tours, not the top-ranked site's
                flows = _offshore_flows(outcome, name)
                if flows is not None:  # so `siting map` redraws the Offshore flows layer
                    layers["offshore_flows"], layers["open_hubs"] = flows
            written += write_layers(layers, folder, fmt)
        if outcome.plan:
            sites = pd.concat(
                [
                    pd.DataFrame(p.sites.drop(columns=p.sites.geometry.name)).assign(city=n)
                    for n, p in outcome.plan.items()
                ],
                ignore_index=True,
            )
            sites = sites[["city", *[c for c in sites.columns if c != "city"]]]
            written.append(write_table(sites, out / "plan", fmt))
        from siting.app.runinfo import to_jsonable

        national_tables, national_maps = _national_outputs(outcome, staged, fmt, map_dir, make_maps)
        written += national_tables
        summary = json.dumps(to_jsonable(_summary_json(outcome)), indent=2, ensure_ascii=False) + "\n"
        write_text(summary, out / runfolder.SUMMARY)
        written.append(out / runfolder.SUMMARY)
    outcome.timings_s["write_s"] = time.perf_counter() - t0
    if staged.out is not None and out is not None:  # name the files where they will be
        written = [staged.out / p.relative_to(out) for p in written]
    if make_maps:
        t0 = time.perf_counter()
        written += _maps(outcome, staged, map_dir, map_path)
        outcome.timings_s["maps_s"] = time.perf_counter() - t0
    if out is None:
        national_maps = _national_outputs(outcome, staged, fmt, map_dir, make_maps)[1]
    written += national_maps
    if out is not None:
        from siting.app.runinfo import run_record, write_run

        tops = {
            name: list(city.ranking.sort_values("rank")["site_id"].astype(str).head(top))
            for name, city in result.cities.items()
        }
        extra: dict[str, Any] = dict(outcome.national)
        from siting.pipeline.travel import travel_record

        extra["travel_times"] = travel_record(result.options.reach)
        tour_runs = {n: c.tour_calibration for n, c in result.cities.items() if getattr(c, "tour_calibration", None)}
        if tour_runs:  # lane_pattern = "tour": the OR-Tools sample and the calibration fitted on it
            extra["tour_calibration"] = tour_runs
        if outcome.plan:
            extra["chosen_sites"] = {n: list(p.sites["site_id"].astype(str)) for n, p in outcome.plan.items()}
            extra["solver"] = {n: _solver_info(p) for n, p in outcome.plan.items()}
        record = run_record(
            scenario, command=command, top_sites=tops, timings_s=outcome.timings_s, outputs=written, extra=extra
        )
        write_run(record, out)  # last: a folder with run.json is a complete run
        written.append(Path(staged.out or out) / runfolder.RUN_RECORD)
    return written


def _business_case_files(result: Any, out: Path) -> list[Path]:
    """``families.csv``, ``frontier.csv`` and ``frontier.png`` when the business case was priced."""
    written: list[Path] = []
    cities = [c for c in result.cities.values() if len(getattr(c, "families", ()))]
    if not cities:
        return written
    families = pd.concat([c.families for c in cities], ignore_index=True)
    written.append(write_table(families, out / runfolder.FAMILIES, "csv"))
    fronts = [c for c in cities if len(c.frontier)]
    if fronts:
        from siting.costs.families import frontier_figure

        frontier = pd.concat([c.frontier for c in fronts], ignore_index=True)
        written.append(write_table(frontier, out / runfolder.FRONTIER, "csv"))
        for c in fronts:  # one city: beside the tables; several: in each city's folder
            folder = out if len(fronts) == 1 else runfolder.city_folder(out, c.name)
            path = folder / runfolder.FRONTIER_FIGURE
            path.parent.mkdir(parents=True, exist_ok=True)
            written.append(frontier_figure(c.frontier_curves, c.frontier, path, currency=c.currency))
    return written


def _portfolio_files(result: Any, out: Path) -> list[Path]:
    """``portfolio.csv``, ``capacity.csv``, ``site_values.csv``, ``resilience.csv``, ``drops.csv`` (design solved).

    ``resilience.csv`` only when the outages were priced, ``drops.csv`` (the hybrid's fixed charge
    per drop) only in the full scope (both: ``plan``, ``rank --portfolio``). With a national design
    (several clusters), ``portfolio.csv``, ``capacity.csv`` and ``drops.csv`` are its rows, with a
    ``cluster`` column in place of ``city``.
    """
    designs = {n: c.design for n, c in result.cities.items() if getattr(c, "design", None) is not None}
    if not designs:
        return []

    def stack(get: Any) -> pd.DataFrame:
        return pd.concat([get(d).assign(city=n) for n, d in designs.items()], ignore_index=True)

    tables = {
        runfolder.PORTFOLIO: stack(lambda d: d.portfolio.hybrid.portfolio),
        runfolder.CAPACITY: stack(lambda d: d.portfolio.hybrid.capacity),
        runfolder.SITE_VALUES: stack(lambda d: d.site_values),
    }
    if any(len(d.resilience.columns) for d in designs.values()):  # outages priced (not by a plain rank)
        tables[runfolder.RESILIENCE] = stack(lambda d: d.resilience)
    if getattr(result.options.portfolio, "scope", "") == "full":  # plan, rank --portfolio
        tables[runfolder.DROPS] = stack(_drops)
    written = []
    national = getattr(result, "national", None)
    for name, table in tables.items():
        table = table[["city", *[c for c in table.columns if c != "city"]]]
        if national is not None and name in (runfolder.PORTFOLIO, runfolder.CAPACITY, runfolder.DROPS):
            # one design across the clusters (siting.design.national): each row's cluster
            table = table.rename(columns={"city": "cluster"})
        written.append(write_table(table, out / name, "csv"))
    return written


def _drops(design: Any) -> pd.DataFrame:
    """The hybrid's drops in ``drops.csv``'s column order (store, origin, season, drops, cost)."""
    from siting.design.solve import DROP_COLUMNS

    drops = design.portfolio.hybrid.drops
    if not len(drops.columns):
        drops = pd.DataFrame(columns=DROP_COLUMNS)
    cols = ["store_id", "origin", "season", "drops_per_week", "cost_per_drop", "units_per_week", "cost_per_yr"]
    return drops[cols]


def map_targets(cities: list[str], map_dir: Path, map_path: Path | None) -> dict[str, Path]:
    """Where each city's HTML map goes: ``map_path`` for a one-city run, else ``map_dir/<city>.html``.

    Parameters
    ----------
    cities : list of str
    map_dir : Path
    map_path : Path, optional

    Returns
    -------
    dict
        City name -> path.
    """
    if map_path is not None and len(cities) == 1:
        return {cities[0]: map_path}
    return {name: map_dir / f"{runfolder.safe_name(name, what='city name')}.html" for name in cities}


def _solver_info(plan: CityPlan) -> dict[str, Any]:
    sol = plan.solution
    if sol is None:
        return {}
    return {
        k: getattr(sol, k)
        for k in ("model", "objective", "lower_bound", "gap", "optimal", "method", "runtime_s")
        if hasattr(sol, k)
    }


def _offshore_flows(outcome: RunOutcome, name: str) -> tuple[Any, Any] | None:
    """The plan's offshore flows and open hubs of city ``name`` (a portfolio plan with a design), else None."""
    result = outcome.result
    plan = outcome.plan.get(name)
    city = result.cities[name] if result is not None else None
    if plan is None or city is None or getattr(plan.solution, "model", "") != "portfolio":
        return None
    if getattr(city, "design", None) is None:
        return None
    from siting.pipeline.offshore_flows import offshore_flows

    popt = result.options.portfolio
    return offshore_flows(city, popt.demand_points, popt.hubs)


def _maps(outcome: RunOutcome, staged: StagedRun, map_dir: Path, map_path: Path | None) -> list[Path]:
    from siting.maps.basemap import map_context
    from siting.maps.draw import make_map, save_map

    written = []
    result = outcome.result
    for name, path in map_targets(list(result.cities), map_dir, map_path).items():
        city = result.cities[name]
        chosen, lanes, iso = None, city.lanes, getattr(city, "isochrones", None)
        flows = None
        candidates = city.candidates
        if name in outcome.plan:  # a plan map shows the chosen sites' lanes and isochrones
            plan = outcome.plan[name]
            chosen = list(plan.sites["site_id"].astype(str))
            if getattr(plan.solution, "model", "") == "portfolio":  # popups say what each chosen site makes
                from siting.pipeline.portfolio_plan import site_makes

                candidates = candidates.merge(site_makes(city), on="site_id", how="left")
                flows = _offshore_flows(outcome, name)  # hubs and cross-docks: the "Offshore flows" layer
            lanes = plan.lanes if plan.lanes is not None and len(plan.lanes) else lanes
            iso = plan.isochrones if plan.isochrones is not None and len(plan.isochrones) else iso
        tours = getattr(city, "tours", None) if name not in outcome.plan else outcome.plan[name].tours
        m = make_map(
            stores=city.stores,
            candidates=candidates,
            lanes=lanes,
            population=city.population,
            rents=city.rents,
            chosen=chosen,
            isochrones=iso,
            tours=tours,
            offshore_flows=flows,
            currency=getattr(city, "currency", ""),
            **map_context(city.graph, city.stores, city.candidates),
            title=f"siting: candidate microfactory sites, {name}",
        )
        size = save_map(m, staged.map_file(Path(path)))
        log.info("map %s (%.0f KiB)", path, size / 1024)
        written.append(Path(path))
    return written
