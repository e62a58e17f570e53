"""Result records of a run: one city's ranking (CityResult), all cities (RunResult) and a k-site plan (PlanResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting.pipeline.summaries import city_summary, json_records, stack_layers, summary_dict
from siting.ranking.filters import EXCLUDED_COLUMNS, filter_report

if TYPE_CHECKING:  # pragma: no cover
    from siting.pipeline import RankOptions

__all__ = ["CityResult", "RunResult", "PlanResult"]


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
        Weekly totals per lane site (:data:`siting.delivery.lanes.TOTAL_COLUMNS`) and a city row
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


@dataclass(frozen=True)
class RunResult:
    """All cities of one run.

    Attributes
    ----------
    cities : dict
        City name -> :class:`CityResult`.
    options : RankOptions
    """

    cities: dict[str, CityResult]
    options: RankOptions

    @property
    def ranking(self) -> pd.DataFrame:
        """All cities' rankings stacked (``city`` column first): what ``ranking.csv`` holds."""
        return pd.concat([c.ranking for c in self.cities.values()], ignore_index=True)

    @property
    def sensitivity(self) -> pd.DataFrame:
        """All cities' sensitivity tables stacked (``city`` first): what ``sensitivity.csv`` holds."""
        return pd.concat([c.sensitivity for c in self.cities.values()], ignore_index=True)

    @property
    def lanes(self) -> gpd.GeoDataFrame:
        """All cities' lanes stacked (``city`` column; EPSG:4326 when the cities' CRSs differ)."""
        return stack_layers([c.lanes for c in self.cities.values()])

    @property
    def isochrones(self) -> gpd.GeoDataFrame:
        """All cities' isochrones stacked (``city`` column; EPSG:4326 when the cities' CRSs differ)."""
        return stack_layers([c.isochrones.assign(city=n) for n, c in self.cities.items() if c.isochrones is not None])

    @property
    def families(self) -> pd.DataFrame:
        """All cities' per-family business cases stacked: what ``families.csv`` holds."""
        return pd.concat([c.families for c in self.cities.values()], ignore_index=True)

    @property
    def frontier(self) -> pd.DataFrame:
        """All cities' frontier tables stacked: what ``frontier.csv`` holds."""
        return pd.concat([c.frontier for c in self.cities.values()], ignore_index=True)

    @property
    def lane_totals(self) -> pd.DataFrame:
        """All cities' lane totals stacked (per lane site, plus one ``ALL`` row per city)."""
        return pd.concat([c.lane_totals for c in self.cities.values()], ignore_index=True)

    @property
    def excluded(self) -> pd.DataFrame:
        """Everything left out, with a ``city`` column first."""
        return pd.concat(
            [c.excluded.assign(city=n)[["city", *EXCLUDED_COLUMNS]] for n, c in self.cities.items()], ignore_index=True
        )

    @property
    def filter_report(self) -> pd.DataFrame:
        """How many items each filter removed, per city."""
        return filter_report(self.excluded)

    @property
    def summary(self) -> pd.DataFrame:
        """The comparable cross-city table (see :func:`siting.pipeline.summaries.city_summary`)."""
        return city_summary(self)

    def summary_dict(self) -> dict[str, Any]:
        """A JSON-able summary of the run (see :func:`siting.pipeline.summaries.summary_dict`)."""
        return summary_dict(self)


@dataclass(frozen=True)
class PlanResult:
    """The best set of k sites per city (p-median on demand-weighted drive time) and its lanes.

    Attributes
    ----------
    k : dict
        City -> number of sites asked for (capped at the sites left after filtering).
    sites : geopandas.GeoDataFrame
        One row per chosen site: ``city, site_id``, the site's ranking columns, ``n_stores``,
        ``demand_served``, ``weighted_cost`` (demand x seconds).
    lines : geopandas.GeoDataFrame
        Allocation lines (straight store -> site): ``city, site_id, store_id, cost`` (s),
        ``weight``, ``weighted_cost``.
    lanes : geopandas.GeoDataFrame
        Road delivery lanes of the allocation (:data:`siting.delivery.lanes.LANE_COLUMNS` + ``city``).
    lane_totals : pandas.DataFrame
        Per chosen site and per city (``site_id == "ALL"``, ``basis == "chosen set"``).
    solutions : dict
        City -> :class:`siting.locate.Solution` (``objective``, ``lower_bound``, ``gap``,
        ``optimal``, ``method``, ``runtime_s``).
    summary : pandas.DataFrame
        One row per city (see :func:`siting.pipeline.summaries.plan_summary`).
    run : RunResult
        The rankings the plan started from.
    """

    k: dict[str, int]
    sites: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    lanes: gpd.GeoDataFrame
    lane_totals: pd.DataFrame
    solutions: dict[str, Any]
    summary: pd.DataFrame
    run: RunResult

    def summary_dict(self) -> dict[str, Any]:
        """JSON-able summary: the run's summary plus the plan per city."""
        out = self.run.summary_dict()
        out["plan"] = {
            "k": self.k,
            "cities": _records(self.summary),
            "sites": _records(
                pd.DataFrame(self.sites.drop(columns=self.sites.geometry.name))[
                    [c for c in ("city", "site_id", "rank", "score", "n_stores", "demand_served") if c in self.sites]
                ]
            ),
        }
        return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json_records(df)
