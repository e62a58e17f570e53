"""What one open site promises: SLA caps on its weekly plan, its backlog, and the order-driven simulation's verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.errors import InfeasibleError
from siting.share.caps import class_quantiles_days, class_traffic, sla_utilisation_caps
from siting.share.judge import judge_table
from siting.share.orders import BrandOrders, LineRules, simulate_orders
from siting.share.problem import KINDS
from siting.share.schedule import WeeklyPlan

__all__ = [
    "DEFAULT_DEMAND_CV",
    "SiteService",
    "runs_for_slas",
    "site_caps",
    "site_service",
    "backlog_rows",
    "brand_orders",
]

#: Week-to-week coefficient of variation of a brand's demand when none is given: the middle of the
#: package's example families (basic_tshirt 60/300 = 0.2, fashion_top 30/100 = 0.3, in
#: siting/data/products_example.csv; illustrative) and of the 10-40% range the shared-network audit
#: measured lead times over (issue 24, 2026).
DEFAULT_DEMAND_CV = 0.25


@dataclass(frozen=True)
class SiteService:
    """The order-driven simulation of one site and the caps its plan was held to.

    Attributes
    ----------
    caps : ndarray, shape (3,)
        Highest utilisation (hours) at which each lane class's SLA holds (1.0: no SLA or no traffic).
    cap : float
        The cap the weekly plan used (the smallest positive class cap, at most 1).
    analytic_pct_days : ndarray, shape (3,)
        Kingman-Cobham lead time at the contract percentile at the peak's planned load (days).
    table : pandas.DataFrame
        :func:`siting.share.judge.judge_table` rows per brand, lane class and the site.
    """

    caps: np.ndarray
    cap: float
    analytic_pct_days: np.ndarray
    table: pd.DataFrame


def brand_orders(
    units: np.ndarray,
    plan: WeeklyPlan | None,
    names: Sequence[str],
    ranks: Sequence[int] | np.ndarray,
    cv: Sequence[float],
    delivery_days: Sequence[float],
    sla_days: Sequence[float],
) -> list[BrandOrders]:
    out = []
    for j, name in enumerate(names):
        runs = plan.runs[j].astype(float) if plan is not None else np.ceil(units[j] / 500.0)
        runs = np.where(units[j] > 0, np.maximum(runs, 1.0), 0.0)
        out.append(BrandOrders(name, int(ranks[j]), units[j], runs, float(cv[j]), delivery_days[j], sla_days[j]))
    return out


def runs_for_slas(
    orders: Sequence[BrandOrders], line: LineRules, peak_weeks: np.ndarray, percentile: float, run_min_units: float
) -> np.ndarray:
    """Fewest runs a week per brand at which every class's SLA holds at the site's planned peak load.

    Starting from the plan's runs, the brand with the longest run cycle in a class whose cap is below
    the peak load gets one more run a week (a shorter wait for its next run), until every cap covers
    the load or no run can be added (runs of at least ``run_min_units``).

    Returns
    -------
    ndarray of int
        Minimum runs per week of each brand with an SLA, all year (0: no requirement).
    """
    orders = list(orders)
    for _ in range(40):
        traffic, util = class_traffic(orders, line, peak_weeks)
        caps = sla_utilisation_caps(traffic, percentile=percentile, hours_per_week=line.hours_per_week)
        short = [k for k in range(3) if caps[k] < min(util, 1.0)]
        if not short:
            break
        k = short[0]
        best, best_cycle = -1, 0.0
        for j, b in enumerate(orders):
            mu = float(np.mean(b.units_per_week[peak_weeks]))
            n = float(np.mean(b.runs_per_week[peak_weeks]))
            if b.rank == k and mu > 0 and (n + 1) * run_min_units <= mu and 1.0 / n > best_cycle:
                best, best_cycle = j, 1.0 / n
        if best < 0:
            break
        b = orders[best]
        runs = np.where(b.units_per_week > 0, b.runs_per_week + 1.0, 0.0)
        orders[best] = BrandOrders(b.name, b.rank, b.units_per_week, runs, b.demand_cv, b.delivery_days, b.sla_days)
    # every brand with an SLA keeps its peak run rate all year (off-peak weeks must not wait longer for a run)
    peak_runs = [int(np.ceil(np.mean(b.runs_per_week[peak_weeks]))) for b in orders]
    return np.array([r if np.isfinite(b.sla_days) else 0 for r, b in zip(peak_runs, orders, strict=True)])


def site_caps(orders: Sequence[BrandOrders], line: LineRules, peak_weeks: np.ndarray, percentile: float):
    """SLA caps per lane class from the site's peak traffic, the cap to plan with, and the analytic quantiles.

    Returns
    -------
    (caps, cap, analytic_pct_days)
    """
    traffic, util = class_traffic(orders, line, peak_weeks)
    caps = sla_utilisation_caps(traffic, percentile=percentile, hours_per_week=line.hours_per_week)
    positive = caps[caps > 0]
    cap = float(min(positive.min(), 1.0)) if len(positive) else 1.0
    pct = class_quantiles_days(traffic, min(util, 0.999999), percentile, line.hours_per_week)
    return caps, cap, pct


def site_service(
    site_id: str,
    orders: Sequence[BrandOrders],
    line: LineRules,
    caps: np.ndarray,
    analytic_pct_days: np.ndarray,
    *,
    lane_names: dict[str, str],
    percentile: float,
    replications: int,
    seed: int,
    brand_percentiles: Sequence[float] | None = None,
) -> SiteService:
    """Simulate the site's orders (:func:`siting.share.orders.simulate_orders`); judge each brand, class and the site.

    Parameters
    ----------
    site_id : str
    orders : sequence of BrandOrders
    line : LineRules
        The re-planning rules (``week_cap_utilisation`` the share of a week actual orders may fill).
    caps, analytic_pct_days : ndarray
        From :func:`site_caps`.
    lane_names : dict
        Kind -> lane class name.
    percentile : float
        The run's contract percentile.
    replications, seed : int
    brand_percentiles : sequence of float, optional
        Each brand's own contract percentile (``[[contracts]] sla_percentile``; default ``percentile``):
        a brand's row is judged at it, a lane class's at its strictest brand's.

    Returns
    -------
    SiteService
    """
    sim = simulate_orders(orders, line, replications=replications, percentile=percentile, seed=seed)
    pcts = [float(percentile)] * len(orders) if brand_percentiles is None else [float(v) for v in brand_percentiles]
    groups: list[tuple] = [("brand", b.name, site_id, [j], b.sla_days, pcts[j]) for j, b in enumerate(orders)]
    for k in range(3):
        members = [j for j, b in enumerate(orders) if b.rank == k]
        if members:
            slas = [orders[j].sla_days for j in members if np.isfinite(orders[j].sla_days)]
            groups.append(
                (
                    "lane_class",
                    lane_names.get(KINDS[k], KINDS[k]),
                    site_id,
                    members,
                    min(slas) if slas else np.nan,
                    max(pcts[j] for j in members),
                )
            )
    groups.append(("site", site_id, site_id, list(range(len(orders))), np.nan))
    positive = caps[caps > 0]
    cap = float(min(positive.min(), 1.0)) if len(positive) else 1.0
    return SiteService(caps, cap, analytic_pct_days, judge_table(sim, groups))


def backlog_rows(
    site_id: str,
    plan: WeeklyPlan,
    brand_names: Sequence[str],
    season_names: Sequence[str],
    week_season: np.ndarray,
    extra_cost_per_unit: Sequence[float],
    *,
    refuse: bool = False,
    tolerance_units: float = 0.5,
) -> list[dict]:
    """Backlog of a site's weekly plan per brand and season: units unmade at the season's end, unit-weeks late,
    and the units never made in the year with their cost (covering them offshore over the local cost counted).

    Parameters
    ----------
    site_id : str
    plan : WeeklyPlan
    brand_names : sequence of str
        Names of the plan's brands (its rows).
    season_names : sequence of str
    week_season : ndarray of int
        Season of each week of the plan.
    extra_cost_per_unit : sequence of float
        Per brand: what a unit never made costs on top of the local cost the design counted.
    refuse : bool
        Raise :class:`siting.errors.InfeasibleError` naming the first brand, season and site with backlog.
    tolerance_units : float
        Backlog below this is rounding.

    Returns
    -------
    list of dict
    """
    rows = []
    last_week = len(week_season) - 1
    for j, brand in enumerate(brand_names):
        for t, season in enumerate(season_names):
            weeks = np.flatnonzero(week_season == t)
            if not len(weeks):
                continue
            end = float(plan.backlog_units[j, weeks[-1]])
            unit_weeks = float(plan.backlog_units[j, weeks].sum())
            unmade = float(plan.backlog_units[j, last_week]) if weeks[-1] == last_week else 0.0
            if refuse and end > tolerance_units:
                raise InfeasibleError(
                    f"site {site_id!r} leaves {end:,.0f} units of brand {brand!r} unmade at the end of season "
                    f"{season!r} (its weekly plan is held to the SLA cap of its hours); raise the site's capacity "
                    "level or hours, relax the lane classes' SLAs, or accept backlog (--backlog cost)."
                )
            rows.append(
                {
                    "site_id": site_id,
                    "brand": brand,
                    "season": season,
                    "backlog_units_at_season_end": end if end > tolerance_units else 0.0,
                    "late_unit_weeks": unit_weeks if unit_weeks > tolerance_units else 0.0,
                    "unmade_units_per_yr": unmade if unmade > tolerance_units else 0.0,
                    "backlog_cost_per_yr": (unmade if unmade > tolerance_units else 0.0)
                    * float(extra_cost_per_unit[j]),
                }
            )
    return rows
