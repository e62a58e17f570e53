"""Cross-city tables of a run: stacked layers, the comparable per-city summary and the JSON summary."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from siting.pipeline.city_result import CityResult
    from siting.pipeline.options import RankOptions

__all__ = ["stack_layers", "city_summary", "plan_summary", "summary_dict", "json_records", "CITY_SUMMARY_COLUMNS"]

#: Columns of :func:`city_summary`, in order (missing figures are NaN).
CITY_SUMMARY_COLUMNS = [
    "city",
    "n_candidates_ranked",
    "n_sites_excluded",
    "n_stores",
    "demand_units_per_week",
    "best_site_id",
    "best_score",
    "best_rank_overall",
    "best_p_first",
    "best_robust",
    "delivery_time_s",
    "stores_within_sla",
    "population_reachable",
    "co2e_wtw_kg_per_week",
    "vehicle_km_per_week",
    "trips_per_week",
    "rent_per_yr",
    "units_per_yr",
    "landed_cost_local_per_unit",
    "landed_cost_offshore_per_unit",
    "saving_vs_offshore_per_unit",
    "fill_rate_local",
    "fill_rate_offshore",
    "co2e_local_kg_per_unit",
    "co2e_offshore_kg_per_unit",
    "currency",
]


def stack_layers(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Stack per-city GeoDataFrames; converted to EPSG:4326 when their CRSs differ.

    Parameters
    ----------
    frames : sequence of GeoDataFrame
        Each with its own ``city`` column.

    Returns
    -------
    GeoDataFrame
    """
    frames = [f for f in frames if f is not None]
    if not frames:
        return gpd.GeoDataFrame(geometry=[])
    crss = {str(f.crs) for f in frames if len(f)}
    same = len(crss) <= 1
    parts = []
    for f in frames:
        g = f if same or f.crs is None else f.to_crs(4326)
        if g.geometry.name != "geometry":
            g = g.rename_geometry("geometry")
        parts.append(g)
    crs = next((p.crs for p in parts if len(p)), parts[0].crs)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=crs)


def _get(row: pd.Series | None, col: str) -> Any:
    if row is None or col not in row.index:
        return np.nan
    return row[col]


def city_summary(cities: Mapping[str, CityResult]) -> pd.DataFrame:
    """One comparable row per city: its best site and that site's figures.

    Parameters
    ----------
    cities : mapping of city name -> CityResult

    Returns
    -------
    pandas.DataFrame
        :data:`CITY_SUMMARY_COLUMNS`: counts, the best site's id, score, overall rank,
        probability of ranking first and robustness, its delivery time (s), stores within the
        service time, population reached, weekly lane CO2e (kg, WTW), vehicle-km and trips (the
        site serving every store, out-and-back), rent per year, landed cost and saving per unit
        (when product families were given), and the currency.
    """
    rows = []
    for name, city in cities.items():
        best = city.ranking.iloc[0] if len(city.ranking) else None
        sites_out = city.excluded[city.excluded["layer"] == "site_id"] if len(city.excluded) else city.excluded
        rows.append(
            {
                "city": name,
                "n_candidates_ranked": len(city.ranking),
                "n_sites_excluded": len(sites_out),
                "n_stores": len(city.stores),
                "demand_units_per_week": float(city.stores["demand_units_per_week"].sum()),
                "best_site_id": _get(best, "site_id"),
                "best_score": _get(best, "score"),
                "best_rank_overall": _get(best, "rank_overall"),
                "best_p_first": _get(best, "p_first"),
                "best_robust": _get(best, "robust"),
                **{c: _get(best, c) for c in CITY_SUMMARY_COLUMNS[10:-1]},
                "currency": city.currency,
            }
        )
    return pd.DataFrame(rows, columns=CITY_SUMMARY_COLUMNS)


def plan_summary(
    cities: Mapping[str, CityResult], sites: pd.DataFrame, totals: pd.DataFrame, solutions: Mapping[str, Any]
) -> pd.DataFrame:
    """One row per city for a k-site plan.

    Returns
    -------
    pandas.DataFrame
        ``city, k, site_ids`` (``;``-joined), ``objective`` (demand x s), ``lower_bound``, ``gap``,
        ``optimal``, ``method``, ``runtime_s``, ``mean_delivery_time_s`` (objective / demand
        served), ``demand_served``, the chosen set's weekly ``trips_per_week``,
        ``vehicle_km_per_week``, ``co2e_wtw_kg_per_week``, ``cost_per_week`` and ``rent_per_yr``.
    """
    rows = []
    for name in cities:
        sol = solutions[name]
        chosen = sites[sites["city"] == name]
        served = float(chosen["demand_served"].sum()) if "demand_served" in chosen else np.nan
        tot = totals[(totals["city"] == name) & (totals["site_id"] == "ALL")]
        t = tot.iloc[0] if len(tot) else None
        rows.append(
            {
                "city": name,
                "k": int(sol.p),
                "site_ids": ";".join(chosen["site_id"].astype(str)),
                "objective": float(sol.objective),
                "lower_bound": float(sol.lower_bound),
                "gap": float(sol.gap),
                "optimal": bool(sol.optimal),
                "method": str(sol.method),
                "runtime_s": float(sol.runtime_s),
                "mean_delivery_time_s": float(sol.objective) / served if served > 0 else np.nan,
                "demand_served": served,
                **{
                    c: _get(t, c)
                    for c in ("trips_per_week", "vehicle_km_per_week", "co2e_wtw_kg_per_week", "cost_per_week")
                },
                "rent_per_yr": float(chosen["rent_per_yr"].sum()) if "rent_per_yr" in chosen else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _clean(value: Any) -> Any:
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is pd.NA or value is None:
        return None
    return value if isinstance(value, (str, int)) else str(value)


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a table as JSON-able dicts (NaN -> None, numpy scalars -> Python)."""
    return [{str(k): _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def summary_dict(cities: Mapping[str, CityResult], options: RankOptions, *, top: int = 5) -> dict[str, Any]:
    """A JSON-able summary of a run (what ``summary.json`` holds).

    Parameters
    ----------
    cities : mapping of city name -> CityResult
    options : RankOptions
        The options the run used.
    top : int
        Sites listed per city with their breakdown.

    Returns
    -------
    dict
        ``title``, ``criteria`` (name -> direction, units, description), ``options`` (weights,
        times, normalisation, lane pattern, vehicle), ``cities`` (per city: ``currency``,
        ``weights`` used, ``top_sites`` with score breakdown, ``robustness``, ``lane_totals``,
        ``filters`` report, ``timings_s``) and ``summary`` (the :func:`city_summary` rows).
    """
    from siting.ranking.scoring import CRITERIA

    opts = options
    per_city = {}
    for name, city in cities.items():
        per_city[name] = {
            "currency": city.currency,
            "weights": _clean(city.weights),
            "top_sites": json_records(city.ranking.head(top)),
            "robustness": _clean(city.robustness),
            "lane_totals": json_records(city.lane_totals),
            "filters": json_records(city.filter_report),
            "timings_s": _clean(city.timings_s),
            "attribution": city.attribution,
        }
        if getattr(city, "design", None) is not None:
            per_city[name]["portfolio"] = portfolio_summary(city.design)
        if len(city.families):
            per_city[name]["business_case"] = {
                "volume_frame": "per unit of the stores' demand (units_per_yr); both sides share it",
                "offshore_distribution_point": _clean(city.distribution_point),
                "families": json_records(city.families),
                "frontier": json_records(city.frontier),
            }
    return {
        "title": "siting: candidate microfactory sites, " + ", ".join(cities),
        "criteria": {
            c.name: {"better": c.better, "units": c.units, "description": c.description} for c in CRITERIA.values()
        },
        "options": _clean(
            {
                "weights": dict(opts.weights),
                "reach_time_s": opts.reach.reach_time_s,
                "sla_time_s": opts.reach.sla_time_s,
                "required_floor_area_m2": opts.required_floor_area_m2,
                "normalisation": opts.normalisation,
                "lane_pattern": opts.lanes.lane_pattern,
                "vehicle": opts.lanes.lane_params.vehicle,
                "traffic": opts.reach.traffic,
                "traffic_factors": _traffic_factors(opts),
                "junction_delay_s": opts.reach.junction_delay_s,
                "travel_times": _travel(opts),
                "robustness": {
                    "samples": opts.robustness.samples,
                    "concentration": opts.robustness.concentration,
                    "seed": opts.robustness.seed,
                    "top_k": opts.robustness.top_k,
                },
                "products": [p.family for p in opts.costs.products],
                "portfolio": {  # how hard the design was solved (the last two: by scope, or the flags')
                    "enabled": opts.portfolio.enabled,
                    "mip_gap": opts.portfolio.mip_gap,
                    "all_local_bound_rounds": opts.portfolio.local_bound_rounds(),
                    "all_local_swaps": opts.portfolio.local_swaps(),
                },
            }
        ),
        "cities": per_city,
        "summary": json_records(city_summary(cities)),
    }


def _travel(opts: Any) -> dict[str, Any]:
    """Which travel times the run used (band or delivery window, profile, delays)."""
    from siting.pipeline.travel import travel_record

    return travel_record(opts.reach)


def _traffic_factors(opts: Any) -> dict[str, float]:
    """The congestion factors per road class of the run's traffic band."""
    from siting.network.traffic import congestion_factors

    return congestion_factors(opts.reach.traffic, opts.reach.traffic_factors)


def portfolio_summary(design: Any) -> dict[str, Any]:
    """The portfolio design in summary.json: the hybrid against all-offshore and all-local, per year.

    Parameters
    ----------
    design : siting.design.city.CityDesign

    Returns
    -------
    dict
        Per policy ``cost_per_yr`` (on the piecewise-linear curves), ``exact_cost_per_yr``, ``status``,
        ``gap`` and ``bound_per_yr`` (proven: no design of that policy costs less; a national run's
        city slice has the national solve's status, gap and bound); ``sites_open`` (site -> level);
        ``hybrid_saving_vs_offshore_per_yr``.
    """
    p = design.portfolio
    policies = {"hybrid": p.hybrid, "all_offshore": p.all_offshore, "all_local": p.all_local}
    out: dict[str, Any] = {
        "volume_frame": "money per year; the stores' demand grouped into demand points",
        "policies": {
            k: None
            if d is None
            else {
                "cost_per_yr": float(d.cost_per_yr),
                "exact_cost_per_yr": float(d.exact_cost_per_yr),
                "status": d.status,
                "gap": float(d.gap),
                "bound_per_yr": float(d.bound_per_yr),
            }
            for k, d in policies.items()
        },
        "sites_open": dict(p.hybrid.levels),
        "hybrid_saving_vs_offshore_per_yr": float(p.all_offshore.cost_per_yr - p.hybrid.cost_per_yr),
    }
    return out
