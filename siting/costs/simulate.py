"""Seeded Monte Carlo of one family's season policy, the reference check of :func:`siting.costs.family_cost`.

The simulation runs the policy :func:`siting.costs.season.sourcing_cost` chose (its number of buys
and order-up-to levels) on sampled seasons, vectorised over seasons with numpy, in continuous time
between events (the buys, the arrivals, the season's end), so fractional lead times and cycles are
exact:

* The demand level is ``1 + B_t``, ``B`` a Brownian motion with variance ``s^2`` a week from the
  opener's commitment (:func:`siting.costs.forecast.level_drift_var_per_week`); over an interval
  of ``d`` weeks the pair (``B``'s increment, its integral) is drawn exactly (variances ``s^2 d``,
  ``s^2 d^3 / 3``, covariance ``s^2 d^2 / 2``).
* The demand of an interval has mean ``mean x`` (the level's integral over it): normal with
  variance ``std^2 d`` (as the model, it may be negative), Poisson, or negative binomial with the
  family's variance-to-mean ratio ``std^2 / mean`` (a gamma-Poisson mixture) with mean ``mean |x|``,
  signed as ``x``: a negative level brings units back, as a normal family's negative demand does, so
  the expected demand is the forecast's mean whatever its error (:func:`siting.costs.demand.discrete_pmf`).
* Stock only falls between events, so sales ``min(stock, D)`` and lost sales are exact; the stock
  held over the interval is integrated assuming demand at a constant rate within it.
* A SKU printed on demand (no buys) sells its whole demand; each unit is in the making (carried)
  for the local lead time.
* The opener orders its quantity; each re-order orders up to ``Q_j + mean_j (x - 1)`` (``x`` the
  level then) minus the stock position (on hand + in transit), never below 0.

Costs follow the model's accounting per unit of expected demand (``mean x season``):
production and freight are the same per unit on both sides; carrying = rate x ``c`` x (stock-weeks
on hand + ordered units x lead time) / weeks a year; unsold stock = end stock x ``(c - salvage)``;
lost margin = lost sales x ``(price - c)``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.costs.forecast import level_drift_var_per_week
from siting.costs.learning import STEPS_PER_WEEK, commit_var, kalman_step, read_test_drop
from siting.costs.products import ProductFamily, cost_default
from siting.costs.season import noise_std_per_week, sourcing_cost, tested_units
from siting.costs.skus import family_shares, sku_family
from siting.costs.unit_cost import Source, family_cost
from siting.errors import InputError

__all__ = ["SimulatedCost", "simulate_family"]


@dataclass(frozen=True)
class SimulatedCost:
    """The simulated outcome of one family's policy: means over ``seasons`` and their standard errors.

    Money per unit of expected demand; units per season.
    """

    family: str
    source: str
    units_per_week: float
    seasons: int
    seed: int
    components_per_unit: dict[str, float]
    cost_per_unit: float
    cost_per_unit_se: float
    fill_rate: float
    fill_rate_se: float
    written_off_units_per_season: float
    lost_units_per_season: float
    orders_per_season: int


def _demand(rng: np.random.Generator, level_integral: np.ndarray, d: float, p: ProductFamily, std: float) -> np.ndarray:
    mean = p.demand_mean_units_per_week
    if p.distribution == "normal":
        return mean * level_integral + rng.normal(0.0, std * math.sqrt(d), level_integral.shape)
    mu = mean * np.abs(level_integral)
    sign = np.where(level_integral < 0.0, -1.0, 1.0)  # a negative level's count is units brought back
    ratio = std * std / mean if mean > 0 else 1.0
    if p.distribution == "poisson" or ratio <= 1.0:
        return sign * rng.poisson(mu)
    # negative binomial with mean mu and variance ratio x mu: Poisson(Gamma(mu / (ratio - 1), ratio - 1))
    return sign * rng.poisson(rng.gamma(mu / (ratio - 1.0), ratio - 1.0))


def simulate_family(
    family: ProductFamily,
    source: Source,
    units_per_week: float | None = None,
    *,
    seasons: int = 20_000,
    seed: int = 0,
    demand_std_units_per_week: float | None = None,
    weeks_per_yr: float | None = None,
    **overrides: Any,
) -> SimulatedCost:
    """Simulate ``seasons`` seasons of the policy :func:`siting.costs.family_cost` prices.

    Parameters
    ----------
    family, source, units_per_week, demand_std_units_per_week, weeks_per_yr, **overrides
        As :func:`siting.costs.family_cost`.
    seasons : int, keyword-only
        Seasons sampled (>= 100). The standard errors fall with its square root.
    seed : int, keyword-only
        Seed of numpy's default generator: the same inputs and seed give the same result.

    Returns
    -------
    SimulatedCost
    """
    if not (isinstance(seasons, int) and seasons >= 100):
        raise InputError(f"simulate_family: seasons={seasons!r}; give a whole number >= 100.")
    model = family_cost(
        family,
        source,
        units_per_week,
        demand_std_units_per_week=demand_std_units_per_week,
        weeks_per_yr=weeks_per_yr,
        **overrides,
    )
    given = dataclasses.replace(family, **overrides) if overrides else family
    p = dataclasses.replace(
        given,
        demand_mean_units_per_week=model.units_per_week,
        demand_std_units_per_week=model.demand_std_units_per_week,
    )
    if p.forecast_cv_preseason == 0 and p.reorder_forecast != "level":
        # no forecast error: every buy knows the level and there is nothing to learn (as the season model has it,
        # siting.costs.season.sourcing_cost); the filter's daily steps would only cost time
        p = dataclasses.replace(p, reorder_forecast="level", test_drop_units=0.0)
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    rng = np.random.default_rng(seed)
    N = seasons
    # every SKU on its own, at its exact Zipf share (not the model's demand classes), with the policy
    # the model chooses for it; the family's season is the sum of its SKUs'
    skus = [sku_family(p, float(share)) for share in family_shares(p)] if p.skus > 1 else [p]
    cost = p.acquisition_cost(source)
    transit_weeks, transit_value = p.in_transit(source)
    carrying, unsold, lost_margin = np.zeros(N), np.zeros(N), np.zeros(N)
    sold, lost, end_stock = np.zeros(N), np.zeros(N), np.zeros(N)
    for sku in skus:
        s_sold, s_lost, held, ordered, stock = _simulate_one(sku, source, wpy, rng, N)
        carrying += p.carrying_rate_per_yr * (cost * held + transit_value * ordered * transit_weeks) / wpy
        unsold += stock * (cost - p.recovery_per_unit())
        lost_margin += s_lost * (p.price_per_unit - cost)
        sold += s_sold
        lost += s_lost
        end_stock += stock
    unit_cost = getattr(p, f"unit_cost_{source}")
    expected_demand = p.demand_mean_units_per_week * p.season_weeks
    per_season = {"carrying": carrying, "unsold_stock": unsold, "lost_margin": lost_margin}
    risk = np.sum(list(per_season.values()), axis=0) / expected_demand
    components = {"production": unit_cost, "freight_duty": cost - unit_cost}
    components.update({c: float(v.mean()) / expected_demand for c, v in per_season.items()})
    demand_total = sold + lost
    fill = float(sold.sum() / demand_total.sum())
    # the fill rate is a ratio of means: its standard error by the delta method
    fill_se = float(np.std(sold - fill * demand_total, ddof=1) / math.sqrt(N) / demand_total.mean())
    return SimulatedCost(
        family=p.family,
        source=source,
        units_per_week=p.demand_mean_units_per_week,
        seasons=N,
        seed=seed,
        components_per_unit=components,
        cost_per_unit=float(sum(components.values())),
        cost_per_unit_se=float(risk.std(ddof=1) / math.sqrt(N)),
        fill_rate=fill,
        fill_rate_se=fill_se,
        written_off_units_per_season=float(end_stock.mean()),
        lost_units_per_season=float(lost.mean()),
        orders_per_season=model.orders_per_season,
    )


def _simulate_one(
    p: ProductFamily, source: str, wpy: float, rng: np.random.Generator, N: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``N`` seasons of one single-SKU family's policy: per season sold, lost, stock-weeks held, ordered, end stock."""
    policy = sourcing_cost(p, source, weeks_per_yr=wpy)
    k, n, S = policy.buys_per_season, policy.cycle_weeks, p.season_weeks
    lead = getattr(p, f"lead_time_{source}_weeks")
    drift = level_drift_var_per_week(p.forecast_cv_preseason, S)
    if k == 0:  # printed on demand: every sale made to order, each unit in the making for the lead time
        dW = rng.standard_normal((2, N))
        integral = S + math.sqrt(drift) * (S**1.5 / 2.0 * dW[0] + S**1.5 / math.sqrt(12.0) * dW[1])
        demand = _demand(rng, integral, S, p, p.demand_std_units_per_week)
        zero = np.zeros(N)
        return demand, zero, zero, demand, zero

    # events: (time, kind, buy) with kind 0 = arrival, 1 = order; the season runs from 0 to S
    events = sorted([(j * n - lead, 1, j) for j in range(k)] + [(j * n, 0, j) for j in range(k)] + [(S, 2, -1)])
    mode = p.reorder_forecast
    noise_var = noise_std_per_week(p) ** 2
    p_c = commit_var(drift, cost_default("forecast_horizon_weeks"), lead) if mode != "level" else 0.0
    stock, level = np.zeros(N), np.ones(N)
    if p_c > 0:  # the pre-season forecast's own error at the opener's commitment
        level = level + math.sqrt(p_c) * rng.standard_normal(N)
    estimate, known_var = np.ones(N), p_c  # the Kalman filter's level and its variance
    test, test_left = tested_units(p, source), np.zeros(N)
    read, gain0, p_open = read_test_drop(p_c, test, p.demand_mean_units_per_week, noise_var)
    if gain0 > 0:  # the test drop sells before the opener is committed: its sales read the level
        sales = test * level + math.sqrt(noise_var * test / p.demand_mean_units_per_week) * rng.standard_normal(N)
        test_left = np.maximum(test - sales, 0.0)
        estimate, known_var = 1.0 + gain0 * (sales / test - 1.0), p_open
    transit = np.zeros((N, k))
    sold, lost, held, ordered = np.zeros(N), np.zeros(N), np.zeros(N), np.zeros(N)
    now = events[0][0]
    for time, kind, j in events:
        d = time - now
        if d > 1e-12:
            # learning reads sales in the filter's steps (:func:`siting.costs.learning.season_grid`)
            steps = max(1, math.ceil(d * STEPS_PER_WEEK - 1e-9)) if mode == "kalman" and now >= 0.0 else 1
            for _ in range(steps):
                dd = d / steps
                dW = rng.standard_normal((2, N))
                step = math.sqrt(drift * dd) * dW[0]
                # integral of B over the step given its start: cov with the step s^2 d^2 / 2, var s^2 d^3 / 3
                integral = level * dd + math.sqrt(drift) * (dd**1.5 / 2.0 * dW[0] + dd**1.5 / math.sqrt(12.0) * dW[1])
                if now >= 0.0:  # selling season: demand, sales, stock held
                    demand = _demand(rng, integral, dd, p, p.demand_std_units_per_week)
                    sale = np.minimum(stock, demand)
                    out = demand > stock
                    rate = np.where(demand != 0.0, demand, 1.0)
                    held += np.where(out, np.maximum(stock, 0.0) ** 2 * dd / (2.0 * rate), dd * (stock - demand / 2.0))
                    sold += sale
                    lost += demand - sale
                    stock -= sale
                    if mode == "kalman":  # the demand seen (sales and the requests turned away) updates the level
                        gain, known_var = kalman_step(known_var, dd, p.demand_mean_units_per_week, noise_var, drift)
                        estimate = estimate + gain * (demand - p.demand_mean_units_per_week * estimate * dd)
                    else:
                        known_var += drift * dd
                else:
                    known_var += drift * dd
                level = level + step
            now = time
        if kind == 0:
            stock += transit[:, j]
            transit[:, j] = 0.0
        elif kind == 1:
            cyc = policy.cycles[j]
            if j == 0 and gain0 > 0:  # after a test drop the opener scales with what it read
                qty = np.maximum(cyc.order_qty + cyc.mean * (estimate - 1.0), 0.0)
            elif j == 0:
                qty = np.full(N, cyc.order_qty)
            else:
                seen = level if mode == "level" else estimate
                target = cyc.order_qty + cyc.mean * (seen - 1.0)
                qty = np.maximum(target - stock - transit.sum(axis=1), 0.0)
            transit[:, j] = qty
            ordered += qty
    return sold, lost, held, ordered + test, stock + test_left
