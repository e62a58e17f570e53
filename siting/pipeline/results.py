"""Result records of a run: all cities (RunResult) and a k-site plan (PlanResult); CityResult re-exported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from siting.pipeline.city_result import CityResult
from siting.pipeline.options import RankOptions
from siting.pipeline.summaries import city_summary, json_records, stack_layers, summary_dict
from siting.ranking.filters import EXCLUDED_COLUMNS, filter_report

__all__ = ["CityResult", "RunResult", "PlanResult"]


@dataclass(frozen=True)
class RunResult:
    """All cities of one run.

    Attributes
    ----------
    cities : dict
        City name -> :class:`CityResult`.
    options : RankOptions
    national : siting.design.national.NationalDesign, optional
        A run of several cities (clusters) with the portfolio on: the one design across them
        (offshore bought brand-wide); each city's ``design.portfolio`` is then its part of it.
    """

    cities: dict[str, CityResult]
    options: RankOptions
    national: Any = None

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
        return city_summary(self.cities)

    def summary_dict(self) -> dict[str, Any]:
        """A JSON-able summary of the run (see :func:`siting.pipeline.summaries.summary_dict`)."""
        return summary_dict(self.cities, self.options)


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
    isochrones : geopandas.GeoDataFrame or None
        The chosen sites' isochrones (``site_id``, ``city``; ``RankOptions.reach_time_s``).
    tours : geopandas.GeoDataFrame or None
        With ``lane_pattern == "tour"``: the chosen sites' tours of one drop round, in stop order
        (:data:`siting.pipeline.site_lanes.TOUR_COLUMNS`), for the plan map; None for direct lanes.
    """

    k: dict[str, int]
    sites: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    lanes: gpd.GeoDataFrame
    lane_totals: pd.DataFrame
    solutions: dict[str, Any]
    summary: pd.DataFrame
    run: RunResult
    isochrones: gpd.GeoDataFrame | None = None
    tours: gpd.GeoDataFrame | None = None

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
