"""Tour runs: solve the top sites' tours (OR-Tools), calibrate the approximation on them, re-price the rest."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting.delivery.calibrate import TourCalibration, calibrated_lane_sums, fit_tour_calibration
from siting.delivery.lanes import tour_lanes_each_site
from siting.delivery.tours import TourPlan
from siting.pipeline.options import RankOptions
from siting.ranking.criteria import LANE_SUMS
from siting.ranking.scoring import score_sites

log = logging.getLogger("siting")

__all__ = ["TourSample", "sample_tours", "tour_status_columns"]

#: Rounds of (rank, solve the new top sites, refit); a site that enters the top after the last
#: round keeps its calibrated approximation (its ``lane_basis`` says so).
MAX_ROUNDS = 3
#: Weekly sums of a tour site taken from its lanes.
_SUMS = (
    "trips_per_week",
    "vehicle_km_per_week",
    "co2e_wtw_kg_per_week",
    "co2e_ttw_kg_per_week",
    "ferry_fare_per_week",
    "cost_per_week",
)


@dataclass(frozen=True)
class TourSample:
    """The solved tours of a run's sample and the calibration fitted on them.

    Attributes
    ----------
    lanes : dict
        site_id -> its tour lanes (:func:`siting.delivery.tour_lanes`, every store served).
    plans : dict
        site_id -> its :class:`siting.delivery.tours.TourPlan`.
    calibration : TourCalibration
    record : dict
        JSON-able: calibration, per-site search status, time budget, seconds.
    """

    lanes: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    plans: dict[str, TourPlan] = field(default_factory=dict)
    calibration: TourCalibration | None = None
    record: dict[str, Any] = field(default_factory=dict)


def _site_sums(lanes: pd.DataFrame) -> dict[str, float]:
    return {c: float(lanes[c].sum()) for c in _SUMS}


def _approx_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The ranking's lane criteria under the approximation's column names."""
    back = {v: k for k, v in LANE_SUMS.items()}
    return raw[["site_id", *LANE_SUMS.values()]].rename(columns=back)


def _plan_record(plan: TourPlan) -> dict[str, Any]:
    return {
        "status": plan.solver_status,
        "local_optimum": bool(plan.local_optimum),
        "gls_gain": round(float(plan.gls_gain), 5),
        "search_s": round(float(plan.search_s), 3),
        "budget_hit": bool(plan.budget_hit),
        "tours_per_round": len(plan.routes),
    }


def sample_tours(
    G: nx.MultiDiGraph,
    candidates: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    raw: pd.DataFrame,
    weights: Mapping[str, float],
    options: RankOptions,
    reprice: Callable[[pd.DataFrame], pd.DataFrame],
    city: str = "",
) -> tuple[pd.DataFrame, TourSample]:
    """Solve the tours of the top sites, calibrate the approximation on them, re-price every site.

    Round 1 ranks on the approximation and solves the tours of the top
    ``max(tour_sample_sites, lanes_for_top)`` sites (OR-Tools, :func:`siting.delivery.tours.solve_tours`:
    greedy descent to a local optimum, then guided local search, within
    ``lane_params.time_limit_s`` per site). The km and cost factors are fitted on them by least
    squares (:func:`siting.delivery.calibrate.fit_tour_calibration`); solved sites take their
    tours' sums exactly, the others the calibrated approximation; ``reprice`` recomputes what
    depends on lane cost (the business case). Later rounds solve any top ``lanes_for_top`` site
    still without tours, up to :data:`MAX_ROUNDS` rounds.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    candidates, stores : geopandas.GeoDataFrame
        Snapped layers; ``candidates`` in the rows of ``raw``.
    raw : pandas.DataFrame
        Raw criteria with the approximated lane criteria (:func:`siting.ranking.lane_criteria`).
    weights : mapping
        The city's weights (:func:`siting.pipeline.city.city_weights`).
    options : RankOptions
    reprice : callable
        raw -> raw with the lane-cost-dependent criteria recomputed.
    city : str
        For log lines.

    Returns
    -------
    (pandas.DataFrame, TourSample)
        The raw criteria with calibrated lane criteria (+ ``lane_basis``,
        ``lane_calibration_factor``), and the sample.
    """
    approx = _approx_frame(raw)
    ok = np.isfinite(approx["vehicle_km_per_week"].to_numpy(dtype=float))
    ids = raw["site_id"].astype(str).tolist()
    row_of = {s: i for i, s in enumerate(ids)}
    n_first = max(int(options.lanes.tour_sample_sites), int(options.lanes.lanes_for_top))
    lanes: dict[str, gpd.GeoDataFrame] = {}
    plans: dict[str, TourPlan] = {}
    sums: dict[str, dict[str, float]] = {}
    current = raw
    cal = fit_tour_calibration([], approx.iloc[:0], approx.iloc[:0])
    t0 = time.perf_counter()
    rounds = 0
    for rnd in range(MAX_ROUNDS):
        ranking = score_sites(current, dict(weights), method=options.normalisation)
        order = [s for s in ranking.sort_values("rank", kind="stable")["site_id"].astype(str) if ok[row_of[s]]]
        want = order[: n_first if rnd == 0 else int(options.lanes.lanes_for_top)]
        new = [s for s in want if s not in plans]
        if not new:
            break
        rounds += 1
        # each new site serving every store; the travel among the stores computed once for all of them
        each = tour_lanes_each_site(
            G,
            candidates.iloc[[row_of[s] for s in new]],
            stores,
            params=options.lanes.lane_params,
            vehicles=options.lanes.vehicles,
        )
        for sid, (site_lanes, site_plans) in zip(new, each):
            lanes[sid], plans[sid] = site_lanes, site_plans[sid]
            sums[sid] = _site_sums(site_lanes)
            p = plans[sid]
            log.info(
                "%s: tours of %s: %.1f km/week, %s (local optimum %s, guided local search -%.1f%%) in %.1f s",
                city or "city",
                sid,
                sums[sid]["vehicle_km_per_week"],
                p.solver_status,
                "reached" if p.local_optimum else "NOT reached",
                100 * p.gls_gain,
                p.search_s,
            )
        solved = list(plans)
        rows = [row_of[s] for s in solved]
        cal = fit_tour_calibration(solved, approx.iloc[rows], pd.DataFrame([sums[s] for s in solved]))
        priced = calibrated_lane_sums(approx, cal, sums)
        current = raw.copy()
        for col, name in LANE_SUMS.items():
            current[name] = priced[col].to_numpy()
        current["lane_basis"] = priced["lane_basis"].to_numpy()
        current["lane_calibration_factor"] = priced["lane_calibration_factor"].to_numpy()
        current = reprice(current)
    seconds = time.perf_counter() - t0
    record = {
        "calibration": cal.as_dict(),
        "sites": {s: _plan_record(p) for s, p in plans.items()},
        "time_limit_s_per_site": float(options.lanes.lane_params.time_limit_s),
        "gls_solutions": int(options.lanes.lane_params.solution_limit),
        "rounds": rounds,
        "seconds": round(seconds, 3),
    }
    if plans:
        log.info(
            "%s: tour approximation calibrated on %d site(s): km x %.3f, cost x %.3f (hold-out residuals %s)",
            city or "city",
            len(plans),
            cal.km_factor,
            cal.cost_factor,
            ", ".join(f"{h:+.1%}" for h in cal.holdout_residuals if np.isfinite(h)) or "n/a",
        )
    return current, TourSample(lanes, plans, cal, record)


def tour_status_columns(totals: pd.DataFrame, plans: Mapping[str, TourPlan]) -> pd.DataFrame:
    """Lane totals with each tour site's search status (``tour_status``, ``tour_local_optimum``,
    ``tour_gls_gain``, ``tour_search_s``); empty for the city row and sites without a plan."""
    out = totals.copy()
    ids = out["site_id"].astype(str)
    out["tour_status"] = [plans[s].solver_status if s in plans else "" for s in ids]
    out["tour_local_optimum"] = [bool(plans[s].local_optimum) if s in plans else None for s in ids]
    out["tour_gls_gain"] = [float(plans[s].gls_gain) if s in plans else np.nan for s in ids]
    out["tour_search_s"] = [float(plans[s].search_s) if s in plans else np.nan for s in ids]
    return out
