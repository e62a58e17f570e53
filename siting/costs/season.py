"""One family from one source over a selling season: buys, carry-over, write-off, lost sales, yearly costs.

Per family and source (``"local"`` or ``"offshore"``), with weeks as the time unit:

* A season of ``S`` weeks is served by ``k`` buys of ``n = S / k`` weeks each, where
  ``k = round(S / R_eff)`` and ``R_eff = min(S, max(R, MOQ / mean))`` (a batch of at least the MOQ
  must last that long). Offshore typically makes one season-long buy at its MOQ; a microfactory
  re-orders every couple of weeks.
* The first buy is committed ``L`` weeks before the season opens, on the pre-season forecast: its
  window's demand has the standard deviation of :func:`siting.costs.forecast.window_demand_std`
  at horizon ``L``. It orders at least the MOQ.
* Every later buy is an in-season re-order after observing sales (quick response): an
  order-up-to level protecting the lead time plus the cycle (``L + n`` weeks) from the level
  learnt so far (horizon 0). Leftover carries over into the next cycle.
* Each buy is a newsvendor (:func:`siting.costs.demand.newsvendor`, the family's
  ``distribution``) with underage cost = lost margin ``price - c`` and overage cost = carrying one
  cycle ``rate x c x n / 52`` for a buy whose leftover carries over, or the write-off
  ``c - salvage`` for the season's last buy (``c`` = acquisition cost).
* Per season: sales = ``sum(mean n - lost_j)``, lost sales ``sum(lost_j)``, written off = the last
  buy's leftover, where the stock position when the last buy is placed may already exceed its
  (lower, write-off-priced) target: ``E[(max(T_last, P) - D)^+]`` with the position
  ``P = T_prev - D_prev`` normal (level learnt at the previous buy, its drift over ``n`` weeks and
  the weekly noise), integrated by Gauss-Legendre quadrature (``k >= 3``). Stock on hand averages
  ``leftover_j + sales_j / 2`` over the cycles, pipeline stock = production per week x ``L``
  (Little's law).

Yearly costs (the volume frame is the family's demand, ``mean x 52`` units a year):
production = unit cost x demand; freight and duty (offshore: sea freight + insurance + duty on the
customs value) x demand; carrying = rate x ``c`` x (on hand + pipeline); unsold stock = written off x
``(c - salvage)`` per season; lost margin = lost sales x ``(price - c)`` per season. Their sum is
``price x demand - expected profit``: a lost sale costs exactly the margin it would have made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import ndtr

from siting.costs.demand import NewsvendorResult, newsvendor
from siting.costs.forecast import level_drift_var_per_week, window_demand_std
from siting.costs.products import ProductFamily, cost_default

__all__ = ["SOURCES", "SourcingCost", "sourcing_cost"]

SOURCES = ("local", "offshore")


@dataclass(frozen=True)
class SourcingCost:
    """One family from one source: the season's buys and the yearly costs (money per year)."""

    family: str
    source: str
    buys_per_season: int
    cycle_weeks: float
    cycles: tuple[NewsvendorResult, ...]
    demand_units_per_yr: float
    units_sold_per_yr: float
    lost_sales_units_per_yr: float
    written_off_units_per_yr: float
    on_hand_units: float
    pipeline_units: float
    production_per_yr: float
    freight_duty_per_yr: float
    carrying_per_yr: float
    unsold_stock_per_yr: float
    lost_margin_per_yr: float

    @property
    def fill_rate(self) -> float:
        """Share of demand sold (units sold / demand)."""
        return self.units_sold_per_yr / self.demand_units_per_yr

    @property
    def total_per_yr(self) -> float:
        """Production + freight and duty + carrying + unsold stock + lost margin per year."""
        return (
            self.production_per_yr
            + self.freight_duty_per_yr
            + self.carrying_per_yr
            + self.unsold_stock_per_yr
            + self.lost_margin_per_yr
        )


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)


def _last_write_off(
    prev: NewsvendorResult, last: NewsvendorResult, mean: float, std: float, drift: float, lead: float, n: float, k: int
) -> float:
    """Expected stock written off after the last buy, with the carry-in from the previous re-order.

    ``E = P - T_last`` (position minus the last target, both at the level learnt when each buy is
    placed) is normal with mean ``Q_prev - Q_last - mean n`` and variance from the level at the
    previous buy (``s^2 (k - 2) n``), its drift to the last buy and the demand in between (``n``
    weeks); the end stock is ``(T_last + max(E, 0) - D_last)^+`` with ``D_last`` the last
    protection window's demand (independent of the past), normal with the last buy's mean and
    standard deviation.
    """
    w = lead + n
    var_x1 = drift * (k - 2) * n
    var_shift = drift * (w * w * n + n**3 / 3.0 + w * n * n)  # m^2 x [(L+n) Delta + I_a]
    e_mean = prev.order_qty - last.order_qty - mean * n
    e_std = math.sqrt(mean * mean * (n * n * var_x1 + var_shift) + n * std * std)

    def end_stock(extra: np.ndarray) -> np.ndarray:
        if last.std <= 0:
            return np.maximum(last.order_qty + extra - last.mean, 0.0)
        z = (last.order_qty + extra - last.mean) / last.std
        return last.std * (z * ndtr(z) + np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi))

    # E[f(max(E, 0))] = P(E <= 0) f(0) + integral over e > 0 (Gauss-Legendre, 10 sd wide)
    below = float(ndtr(-e_mean / e_std))
    lo, hi = max(0.0, e_mean - 10.0 * e_std), max(0.0, e_mean + 10.0 * e_std)
    if hi <= lo:
        return below * float(end_stock(np.zeros(1))[0])
    e = lo + (hi - lo) * (_GL_NODES + 1.0) / 2.0
    pdf = np.exp(-0.5 * ((e - e_mean) / e_std) ** 2) / (e_std * math.sqrt(2.0 * math.pi))
    above = float((_GL_WEIGHTS * end_stock(e) * pdf).sum() * (hi - lo) / 2.0)
    return below * float(end_stock(np.zeros(1))[0]) + above


def sourcing_cost(product: ProductFamily, source: str, *, weeks_per_yr: float | None = None) -> SourcingCost:
    """Season model of one family from one source, as yearly costs (see the module docstring).

    Parameters
    ----------
    product : ProductFamily
    source : {"local", "offshore"}
    weeks_per_yr : float, optional
        Default from the package cost defaults (52).

    Returns
    -------
    SourcingCost
        Cached: the same family and source are priced once (sweeps vary one side at a time).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be 'local' or 'offshore', not {source!r}")
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    return _sourcing_cost(product, source, wpy)


@lru_cache(maxsize=4096)
def _sourcing_cost(product: ProductFamily, source: str, wpy: float) -> SourcingCost:
    mean, std = product.demand_mean_units_per_week, product.demand_std_units_per_week
    season = product.season_weeks
    lead = getattr(product, f"lead_time_{source}_weeks")
    moq = getattr(product, f"moq_{source}_units")
    review = min(season, max(getattr(product, f"review_period_{source}_weeks"), moq / mean))
    k = max(1, round(season / review))
    n = season / k
    cost = product.acquisition_cost(source)
    drift = level_drift_var_per_week(product.forecast_cv_preseason, season)

    def buy(j: int) -> NewsvendorResult:
        last = j == k - 1
        over = cost - product.salvage_per_unit if last else product.carrying_rate_per_yr * cost * n / wpy
        if j == 0:  # season opener: committed L weeks ahead on the pre-season forecast, at least the MOQ
            cyc_mean, cyc_std, cyc_moq = mean * n, window_demand_std(mean, std, drift, lead, n), moq
        else:  # quick response: order up to a level protecting L + n weeks, from the level learnt so far
            cyc_mean, cyc_std, cyc_moq = mean * (lead + n), window_demand_std(mean, std, drift, 0.0, lead + n), 0.0
        return newsvendor(
            cyc_mean,
            cyc_std,
            product.price_per_unit,
            cost,
            cost - over,
            moq=cyc_moq,
            distribution=product.distribution,
        )

    # buys 1 .. k-2 are the same newsvendor: price the opener, one middle buy and the last once each
    distinct = {j: buy(j) for j in sorted({0, min(1, k - 1), k - 1})}
    cycles = [distinct[j] if j in distinct else distinct[1] for j in range(k)]
    sold = lost = on_hand = 0.0
    for cyc in cycles:
        sales_j = mean * n - cyc.expected_lost_sales
        sold += sales_j
        lost += cyc.expected_lost_sales
        on_hand += (cyc.expected_leftover + sales_j / 2.0) / k
    written_off = cycles[-1].expected_leftover
    if k >= 3:  # the carry-in from the previous re-order can exceed the lower last target
        written_off = _last_write_off(cycles[-2], cycles[-1], mean, std, drift, lead, n, k)
        on_hand += (written_off - cycles[-1].expected_leftover) / k
    seasons = wpy / season
    demand = mean * wpy
    pipeline = (sold + written_off) / season * lead
    unit_cost = getattr(product, f"unit_cost_{source}")
    return SourcingCost(
        family=product.family,
        source=source,
        buys_per_season=k,
        cycle_weeks=n,
        cycles=tuple(cycles),
        demand_units_per_yr=demand,
        units_sold_per_yr=sold * seasons,
        lost_sales_units_per_yr=lost * seasons,
        written_off_units_per_yr=written_off * seasons,
        on_hand_units=on_hand,
        pipeline_units=pipeline,
        production_per_yr=unit_cost * demand,
        freight_duty_per_yr=(cost - unit_cost) * demand,
        carrying_per_yr=product.carrying_rate_per_yr * cost * (on_hand + pipeline),
        unsold_stock_per_yr=written_off * (cost - product.salvage_per_unit) * seasons,
        lost_margin_per_yr=lost * (product.price_per_unit - cost) * seasons,
    )
