"""One city's ranking and what it was computed from (CityResult), the record every summary reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["CityResult"]


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class CityResult:
    """The ranking of one city and what it was computed from.

    Attributes
    ----------
    name : str
    ranking : pandas.DataFrame
        One row per ranked site, sorted by rank: ``city, site_id, rank, score``, then per
        criterion ``c`` the raw ``c``, ``c_norm`` (0..1, 1 = best) and ``c_contrib`` (weight x
        norm; they add up to ``score``), then unweighted extras (``stores_within_reach``,
        ``stores_unreachable``, ``trips_per_week``, ``vehicle_km_per_week``,
        ``co2e_ttw_kg_per_week``, ``lane_cost_per_week``, landed-cost details), then the
        robustness columns ``p_first``, ``p_top_k``, ``robust``, ``narrow_win``; after
        :func:`run`, also ``rank_overall`` and ``score_overall`` (across all cities of the run).
    candidates : geopandas.GeoDataFrame
        Ranked sites with their geometry and the ranking columns, in the network CRS.
    stores, population, rents : geopandas.GeoDataFrame or None
        Layers in the network CRS (stores and zones with their ``node``).
    lanes : geopandas.GeoDataFrame
        Delivery lanes of the top ``lanes_for_top`` sites, each serving every store it reaches:
        :data:`siting.delivery.lanes.LANE_COLUMNS` + ``city``, ``site_rank``; geometry the road route.
    excluded : pandas.DataFrame
        Sites, stores and zones left out: ``layer, id, filter, reason, value``.
    graph : networkx.MultiDiGraph
    store_time_s : numpy.ndarray
        Ranked-site x store travel times, rows in ``candidates`` order, columns in ``stores`` order.
    currency, attribution : str
    timings_s : dict
    lane_totals : pandas.DataFrame
        Weekly totals per lane site (:data:`siting.delivery.totals.TOTAL_COLUMNS`) and a city row
        (``site_id == "ALL"``) for the top site serving every store.
    sensitivity : pandas.DataFrame
        Per-site robustness (see :func:`siting.ranking.robustness.sensitivity_table`) with ``city``.
    robustness : dict
        JSON-able summary of the sensitivity (see :func:`siting.ranking.robustness.robustness_summary`).
    weights : dict
        The weights actually used in this city (normalised; 0 for shown-only criteria).
    isochrones : geopandas.GeoDataFrame or None
        Reach-time polygons of the top sites: ``site_id, node, time_s, reachable_nodes``.
    families : pandas.DataFrame
        The business case per product family at the top site (``city, site_id`` then
        :data:`siting.costs.families.FAMILY_COLUMNS`); empty without product families.
    frontier, frontier_curves : pandas.DataFrame
        Where local wins per family at the top site (:func:`siting.costs.frontier`), with ``city``.
    distribution_point : dict
        Where offshore goods reach the stores from: ``lon, lat, how`` and its weekly lanes
        (``lane_cost_per_week``, ``co2e_wtw_kg_per_week``, ``vehicle_km_per_week``).
    filter_report : pandas.DataFrame
        How many items each filter removed (``layer, filter, reason, removed``).
    tours : geopandas.GeoDataFrame or None
        With ``lane_pattern = "tour"``, the tours of one drop round of the lane sites, one row
        per tour (:data:`siting.pipeline.site_lanes.TOUR_COLUMNS` + ``site_rank``), geometry the
        road route site -> stops -> site; None for direct lanes.
    design : siting.design.city.CityDesign or None
        The portfolio design (hybrid, all-offshore, all-local, site values, outages) when the run
        has product families and ``RankOptions.portfolio.enabled``.
    tour_calibration : dict
        Tour runs (``lane_pattern="tour"``): the OR-Tools sample's search status per site and the
        calibration of the approximation fitted on it (:func:`siting.pipeline.tour_sample.sample_tours`).
    """

    name: str
    ranking: pd.DataFrame
    candidates: gpd.GeoDataFrame
    stores: gpd.GeoDataFrame
    population: gpd.GeoDataFrame | None
    rents: gpd.GeoDataFrame | None
    lanes: gpd.GeoDataFrame
    excluded: pd.DataFrame
    graph: nx.MultiDiGraph
    store_time_s: np.ndarray
    currency: str
    attribution: str
    timings_s: dict[str, float]
    lane_totals: pd.DataFrame = field(default_factory=_empty_frame)
    sensitivity: pd.DataFrame = field(default_factory=_empty_frame)
    robustness: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    isochrones: gpd.GeoDataFrame | None = None
    filter_report: pd.DataFrame = field(default_factory=_empty_frame)
    families: pd.DataFrame = field(default_factory=_empty_frame)
    frontier: pd.DataFrame = field(default_factory=_empty_frame)
    frontier_curves: pd.DataFrame = field(default_factory=_empty_frame)
    distribution_point: dict[str, Any] = field(default_factory=dict)
    design: Any = None
    tours: gpd.GeoDataFrame | None = None
    tour_calibration: dict[str, Any] = field(default_factory=dict)
