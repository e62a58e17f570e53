"""One family from one source over a selling season: buys, carry-over, write-off, lost sales, yearly costs.

Per family and source (``"local"`` or ``"offshore"``), with weeks as the time unit:

* A season of ``S`` weeks is served by ``k`` buys of ``n = S / k`` weeks each. A cycle lasts at
  least the review period ``R`` and sells at least the MOQ on average (``n >= MOQ / mean``), so
  ``k <= S / max(R, MOQ / mean)`` (:func:`max_buys`); among those ``k`` the model takes the one
  that costs least. Offshore typically makes one season-long buy at its MOQ; a microfactory
  re-orders every couple of weeks. A tighter MOQ or review period only removes choices, so it
  cannot lower the cost.
* The first buy is committed ``L`` weeks before the season opens, on the pre-season forecast: its
  window's demand has the standard deviation of :func:`siting.costs.forecast.window_demand_std`
  at horizon ``L``. It orders at least the MOQ.
* Every later buy is an in-season re-order after observing sales (quick response): an
  order-up-to level protecting the lead time plus the cycle (``L + n`` weeks) from the level
  learnt so far (horizon 0). Leftover carries over into the next cycle.
* Each buy is a newsvendor (:func:`siting.costs.demand.newsvendor`, the family's
  ``distribution``) with underage cost = lost margin ``price - c`` and overage cost = carrying one
  cycle ``rate x c x n / 52`` for a buy whose leftover carries over, or the write-off
  ``c - salvage`` plus that carrying for the season's last buy (``c`` = acquisition cost).
* The season's end is hedged: the in-season re-orders may add a share of the write-off
  ``c - salvage`` to their overage (:data:`HEDGES`), since leftover may end up written off; the
  cheapest is taken with ``k``.
* The last cycle starts from the larger of its target and the stock carried in
  (:mod:`siting.costs.carry_in`): written off ``E[(max(T_last, P) - D)^+]`` and lost sales
  ``E[(D - max(T_last, P))^+]``, with the carry-in's spread from the level walk and the weekly
  noise (Poisson: ``sqrt(mean)`` a week).
* Per season: sales = ``sum(mean n - lost_j)``, lost sales ``sum(lost_j)``, written off = the last
  cycle's leftover. Stock on hand averages ``leftover_j + sales_j / 2`` over the cycles, pipeline
  stock = production per week x ``L`` (Little's law).

Yearly costs (the volume frame is the family's demand, ``mean x 52`` units a year):
production = unit cost x demand; freight and duty (offshore: sea freight + insurance + duty on the
customs value) x demand; carrying = rate x ``c`` x (on hand + pipeline); unsold stock = written off x
``(c - salvage)`` per season; lost margin = lost sales x ``(price - c)`` per season. Their sum is
``price x demand - expected profit``: a lost sale costs exactly the margin it would have made.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import ndtr, ndtri

from siting.costs.carry_in import (
    CarryInChain,
    carry_in_chains,
    carry_in_spread,
    last_cycle,
    last_cycles_normal,
    lead_time_split,
)
from siting.costs.cost_cache import cost_key, cost_load, cost_store
from siting.costs.demand import NewsvendorResult, negative_level_mean, newsvendor, normal_loss
from siting.costs.forecast import level_drift_var_per_week, window_demand_std
from siting.costs.learning import commit_var, info_var, learning_carry_in, read_test_drop
from siting.costs.products import ProductFamily, cost_default
from siting.costs.skus import sum_over_skus
from siting.errors import InputError

__all__ = ["SOURCES", "SourcingCost", "max_buys", "noise_std_per_week", "season_buys", "sourcing_cost"]

SOURCES = ("local", "offshore")

#: Shares of the write-off ``c - salvage`` the in-season re-orders may add to their overage (the season's end).
HEDGES = (0.0, 0.05, 0.15, 0.4)


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
    skus: int = 1

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
        Cached in memory and on disk (:mod:`siting.costs.cost_cache`; ``SITING_COST_CACHE=0`` computes). A
        family of ``skus`` > 1 is the sum of its SKUs' seasons (:mod:`siting.costs.skus`); made
        locally below ``print_on_demand_below_units_per_week`` a SKU is printed on demand.
    """
    if source not in SOURCES:
        raise InputError(f"source must be 'local' or 'offshore', not {source!r}.")
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    if product.forecast_cv_preseason == 0 and product.reorder_forecast != "level":
        # no forecast error: the level is known, nothing to learn (every mode is ``level``; no test drop to read)
        product = dataclasses.replace(product, reorder_forecast="level", test_drop_units=0.0)
    return _cached(product, source, wpy)


@lru_cache(maxsize=8192)
def _cached(product: ProductFamily, source: str, wpy: float) -> SourcingCost:
    """Read from the on-disk cache (:mod:`siting.costs.cost_cache`), else computed and kept there."""
    key = cost_key("sourcing_cost", product, source, wpy)
    hit = cost_load(key)
    if isinstance(hit, SourcingCost):
        return hit
    s = _over_skus(product, source, wpy) if product.skus > 1 else _sourcing_cost(product, source, wpy)
    cost_store(key, s)
    return s


#: The yearly figures of a :class:`SourcingCost` (summed over parts, scaled by an allocation).
YEARLY_FIGURES = (
    "demand_units_per_yr",
    "units_sold_per_yr",
    "lost_sales_units_per_yr",
    "written_off_units_per_yr",
    "on_hand_units",
    "pipeline_units",
    "production_per_yr",
    "freight_duty_per_yr",
    "carrying_per_yr",
    "unsold_stock_per_yr",
    "lost_margin_per_yr",
)


@lru_cache(maxsize=1024)
def _over_skus(product: ProductFamily, source: str, wpy: float) -> SourcingCost:
    """A family of several SKUs: the sum of its SKUs' seasons (:mod:`siting.costs.skus`).

    Units and money add up over the SKUs; the buys, cycle and order sizes are the most popular SKU's.
    """
    parts = sum_over_skus(product, lambda sku: _sourcing_cost(sku, source, wpy))
    top = parts[0][1]
    assert isinstance(top, SourcingCost)
    totals = {f: sum(count * getattr(s, f) for count, s in parts) for f in YEARLY_FIGURES}
    return SourcingCost(
        family=product.family,
        source=source,
        buys_per_season=top.buys_per_season,
        cycle_weeks=top.cycle_weeks,
        cycles=top.cycles,
        skus=product.skus,
        **totals,
    )


def max_buys(product: ProductFamily, source: str) -> int:
    """Most buys a season allows: each cycle lasts at least the review period and sells at least the MOQ on average."""
    mean, season = product.demand_mean_units_per_week, product.season_weeks
    review = getattr(product, f"review_period_{source}_weeks")
    shortest = min(season, max(review, getattr(product, f"moq_{source}_units") / mean))
    return max(1, math.floor(season / shortest + 1e-9))


@lru_cache(maxsize=4096)
def _sourcing_cost(product: ProductFamily, source: str, wpy: float) -> SourcingCost:
    if source == "local" and product.demand_mean_units_per_week < product.print_on_demand_below_units_per_week:
        return _on_demand(product, wpy)
    options = []
    lead = getattr(product, f"lead_time_{source}_weeks")
    drift = level_drift_var_per_week(product.forecast_cv_preseason, product.season_weeks)
    for k in range(1, max_buys(product, source) + 1):
        hedges = HEDGES if k >= 3 else HEDGES[:1]
        n = product.season_weeks / k
        spread = _spread(product, source, drift, lead, n, k)
        options.extend(_seasons(product, source, wpy, _hedged_buys(product, source, k, wpy, hedges), spread))
    return min(options, key=lambda s: s.total_per_yr)


def _spread(product: ProductFamily, source: str, drift: float, lead: float, n: float, k: int) -> tuple:
    """The carry-in: :func:`carry_in_spread` (last buy), or :func:`learning_carry_in` (each re-order) when learning."""
    mean, noise = product.demand_mean_units_per_week, noise_std_per_week(product)
    if product.reorder_forecast == "level" or k < 2:
        return carry_in_spread(mean, noise, drift, lead, n, k)
    p_c = commit_var(drift, cost_default("forecast_horizon_weeks"), lead)
    test = tested_units(product, source)
    return learning_carry_in(
        product.reorder_forecast, product.season_weeks, lead, n, k, mean, noise**2, drift, p_c, test
    )


def tested_units(product: ProductFamily, source: str) -> float:
    """Units of the test drop from ``source``: local with ``kalman`` only, with a forecast error to read (0: none)."""
    if source != "local" or product.reorder_forecast != "kalman" or product.test_drop_units <= 0:
        return 0.0
    drift = level_drift_var_per_week(product.forecast_cv_preseason, product.season_weeks)
    return (
        product.test_drop_units
        if commit_var(drift, cost_default("forecast_horizon_weeks"), product.lead_time_local_weeks) > 0
        else 0.0
    )


def unsold_test_units(product: ProductFamily, source: str) -> float:
    """Expected units of the test drop left unsold (written off) per season.

    Its sales ``D = q (1 + e0) + noise`` are normal with mean ``q`` and variance ``q^2 P_c + std^2 q / mean``
    (:func:`siting.costs.learning.read_test_drop`): ``E[(q - D)^+] = sd / sqrt(2 pi)``. 0 without a test drop or
    without a forecast error to read.
    """
    q = tested_units(product, source)
    if q <= 0:
        return 0.0
    lead = getattr(product, f"lead_time_{source}_weeks")
    drift = level_drift_var_per_week(product.forecast_cv_preseason, product.season_weeks)
    p_c = commit_var(drift, cost_default("forecast_horizon_weeks"), lead)
    if p_c <= 0:
        return 0.0
    mean = product.demand_mean_units_per_week
    sd = math.sqrt(q * q * p_c + noise_std_per_week(product) ** 2 * q / mean)
    return sd / math.sqrt(2.0 * math.pi)


def _on_demand(product: ProductFamily, wpy: float) -> SourcingCost:
    """Printed on demand locally: each unit made after its sale, no stock, nothing lost or written off.

    The customer waits the local lead time; the units being made (``mean x L``, Little's law) are
    carried at the local unit cost. No buys (``buys_per_season`` 0, no cycles).
    """
    mean, cost = product.demand_mean_units_per_week, product.unit_cost_local
    demand = mean * wpy
    making = mean * product.lead_time_local_weeks
    return SourcingCost(
        family=product.family,
        source="local",
        buys_per_season=0,
        cycle_weeks=0.0,
        cycles=(),
        demand_units_per_yr=demand,
        units_sold_per_yr=demand,
        lost_sales_units_per_yr=0.0,
        written_off_units_per_yr=0.0,
        on_hand_units=0.0,
        pipeline_units=making,
        production_per_yr=cost * demand,
        freight_duty_per_yr=0.0,
        carrying_per_yr=product.carrying_rate_per_yr * cost * making,
        unsold_stock_per_yr=0.0,
        lost_margin_per_yr=0.0,
    )


def noise_std_per_week(product: ProductFamily) -> float:
    """The weekly demand noise the model uses: ``sqrt(mean)`` for Poisson, else the family's standard deviation."""
    if product.distribution == "poisson":
        return math.sqrt(product.demand_mean_units_per_week)
    return product.demand_std_units_per_week


def season_buys(
    product: ProductFamily, source: str, k: int, wpy: float, hedge: float = 0.0
) -> tuple[NewsvendorResult, ...]:
    """The ``k`` buys of a season: the opener, the in-season re-orders and the last buy (see the module docstring)."""
    return _hedged_buys(product, source, k, wpy, (hedge,))[0]


def _hedged_buys(
    product: ProductFamily, source: str, k: int, wpy: float, hedges: tuple[float, ...]
) -> list[tuple[NewsvendorResult, ...]]:
    """:func:`season_buys` for each of ``hedges``: the windows (:func:`_windows`) and the last buy, which the hedge
    does not move, are priced once."""
    windows = _windows(product, source, k)
    last = _buy(product, source, k, wpy, windows, k - 1, 0.0)
    # ``level``: buys 1 .. k-2 are the same newsvendor: price the opener and one middle buy once each
    priced = range(k - 1) if product.reorder_forecast != "level" else sorted({0, 1} & set(range(k - 1)))
    out = []
    for hedge in hedges:
        middle = _normal_reorders(product, source, k, wpy, windows, hedge) if len(priced) > 2 else None
        if middle is None:
            distinct = {j: _buy(product, source, k, wpy, windows, j, hedge) for j in priced}
        else:  # a normal family's re-orders 1 .. k-2 at once
            distinct = {0: _buy(product, source, k, wpy, windows, 0, hedge), **dict(enumerate(middle, start=1))}
        distinct[k - 1] = last
        out.append(tuple(distinct[j] if j in distinct else distinct[1] for j in range(k)))
    return out


def _normal_reorders(
    product: ProductFamily,
    source: str,
    k: int,
    wpy: float,
    windows: tuple[tuple[float, float, float, float], ...],
    hedge: float,
) -> list[NewsvendorResult] | None:
    """Re-orders ``1 .. k-2`` of a normal family as :func:`_buy` prices them one by one, vectorised (the same
    critical ratio, no MOQ); ``None`` when :func:`siting.costs.demand.newsvendor`'s own checks or edge cases
    apply (a degenerate window or cost): the caller then prices them one by one."""
    if product.distribution != "normal":
        return None
    cost = product.acquisition_cost(source)
    n = product.season_weeks / k
    carry = product.carrying_rate_per_yr * cost * n / wpy + hedge * (cost - product.recovery_per_unit())
    carry = max(carry, 1e-9 * cost)  # as :func:`_buy`
    price, unit_cost, salvage = product.price_per_unit + carry, cost + carry, cost
    mean = np.array([w[0] for w in windows[1 : k - 1]])
    std = np.array([w[1] for w in windows[1 : k - 1]])
    if not (0.0 <= salvage < unit_cost and price > 0 and math.isfinite(price) and math.isfinite(unit_cost)):
        return None
    under, over = price - unit_cost, unit_cost - salvage
    critical_ratio = max(under, 0.0) / (max(under, 0.0) + over)
    if critical_ratio <= 0.0 or not (np.isfinite(mean).all() and (mean >= 0).all() and (std > 0).all()):
        return None
    qty = np.maximum(mean + float(ndtri(critical_ratio)) * std, 0.0)
    z = (qty - mean) / std
    if not (np.isfinite(z).all() and np.isfinite(std).all()):
        return None
    lost = std * np.asarray(normal_loss(z))
    sales = mean - lost
    leftover = qty - sales
    profit = under * sales - over * leftover
    return [
        NewsvendorResult(q, sa, le, lo, pr, critical_ratio, m, sd)
        for q, sa, le, lo, pr, m, sd in zip(
            qty.tolist(), sales.tolist(), leftover.tolist(), lost.tolist(), profit.tolist(), mean.tolist(), std.tolist()
        )
    ]


def _buy(
    product: ProductFamily,
    source: str,
    k: int,
    wpy: float,
    windows: tuple[tuple[float, float, float, float], ...],
    j: int,
    hedge: float,
) -> NewsvendorResult:
    """Buy ``j`` of ``k``: a newsvendor on its window (``windows[j]``); ``hedge`` of the write-off on a re-order's
    overage."""
    cost = product.acquisition_cost(source)
    n = product.season_weeks / k
    last = j == k - 1
    carry = product.carrying_rate_per_yr * cost * n / wpy  # a unit left over is held one more cycle
    if not last:  # a re-order's leftover carries over; ``hedge`` of the write-off guards the season's end
        carry += hedge * (cost - product.recovery_per_unit())
    # overage: carrying one cycle, plus the write-off for the last buy (shifting price and cost
    # by ``carry`` keeps the underage, the lost margin, and the salvage value >= 0)
    carry = max(carry, 1e-9 * cost)  # a carrying rate of 0 would make a re-order unbounded
    shift, salvage = (carry, product.recovery_per_unit()) if last else (carry, cost)
    cyc_mean, cyc_std, cyc_moq, level_var = windows[j]
    return newsvendor(
        cyc_mean,
        cyc_std,
        product.price_per_unit + shift,
        cost + shift,
        salvage,
        moq=cyc_moq,
        distribution=product.distribution,
        level_var=level_var,
    )


@lru_cache(maxsize=4096)
def _windows(product: ProductFamily, source: str, k: int) -> tuple[tuple[float, float, float, float], ...]:
    """Each buy's window: demand mean and standard deviation, MOQ and a negative binomial's level variance.

    The hedge does not move them: computed once per ``k`` (:func:`season_buys` prices each hedge on them).
    """
    mean, std = product.demand_mean_units_per_week, product.demand_std_units_per_week
    season = product.season_weeks
    lead = getattr(product, f"lead_time_{source}_weeks")
    moq = getattr(product, f"moq_{source}_units")
    n = season / k
    drift = level_drift_var_per_week(product.forecast_cv_preseason, season)

    mode = product.reorder_forecast
    noise_var = noise_std_per_week(product) ** 2
    p_c = commit_var(drift, cost_default("forecast_horizon_weeks"), lead) if mode != "level" else 0.0
    # a local test drop reads the level before the opener is committed (:func:`read_test_drop`)
    p_c = read_test_drop(p_c, tested_units(product, source), mean, noise_var)[2]

    def window_of(j: int) -> tuple[float, float, float, float]:
        if j == 0:  # season opener: committed L weeks ahead on the pre-season forecast, at least the MOQ
            # (the forecast's own error P_c, if not the level, adds ``P_c / s^2`` weeks to the horizon)
            horizon = lead + (p_c / drift if drift > 0 else 0.0)
            cyc_mean, cyc_std, cyc_moq = mean * n, window_demand_std(mean, std, drift, horizon, n), moq
        else:  # quick response: order up to a level protecting L + n weeks, from what is known of the level
            window = lead + n
            known = info_var(
                mode,
                j * n - lead,
                season=season,
                lead=lead,
                n=n,
                k=k,
                mean=mean,
                noise_var=noise_var,
                drift=drift,
                p_c=p_c,
            )
            cyc_mean, cyc_moq = mean * window, 0.0
            cyc_std = math.sqrt(window_demand_std(mean, std, drift, 0.0, window) ** 2 + (mean * window) ** 2 * known)
        weeks = n if j == 0 else lead + n
        # a negative-binomial window facing the forecast's error: a normal level error times the family's noise
        # (demand.discrete_pmf); ``level`` keeps the moment-matched negative binomial of the model before learning
        level_var = (
            max(cyc_std**2 - weeks * std**2, 0.0) / cyc_mean**2
            if product.distribution == "negbin" and cyc_mean > 0 and mode != "level"
            else 0.0
        )
        return cyc_mean, cyc_std, cyc_moq, level_var

    return tuple(window_of(j) for j in range(k))


def _split_moments(
    product: ProductFamily,
    j: int,
    n: float,
    lead: float,
    e_std: float,
    cov_er: float,
    e0: float | None = None,
    noise: float = 1.0,
) -> tuple[np.ndarray, tuple[float, float]]:
    """Covariance of ``(E, D_L, D_n)`` and the means of ``D_L``, ``D_n`` for re-order ``j`` without learning.

    The level at the order ``x_b`` has variance ``P = P_c + s^2 j n`` (``prior``); over the window the walk
    goes on: ``var D_L = mean^2 (L^2 P + s^2 L^3 / 3) + L std^2``, ``var D_n = mean^2 (n^2 P + s^2 (n^2 L +
    n^3 / 3)) + n std^2``, ``cov = mean^2 (L n P + s^2 L^2 n / 2)``; ``E`` meets them through ``x_b`` only, so
    its covariances with ``D_L`` and ``D_n`` are ``cov(E, r)`` (``r`` the window's) times ``L / W`` and ``n / W``.
    Given the forecast's error ``e0`` (:func:`_prior_reorders`) ``P`` loses ``P_c`` and the means scale by ``1 + e0``.
    """
    mean, std = product.demand_mean_units_per_week, noise_std_per_week(product) * math.sqrt(noise)
    drift = level_drift_var_per_week(product.forecast_cv_preseason, product.season_weeks)
    p = (0.0 if e0 is not None else commit_var(drift, cost_default("forecast_horizon_weeks"), lead)) + drift * j * n
    w = lead + n
    v_l = mean**2 * (lead**2 * p + drift * lead**3 / 3.0) + lead * std**2
    v_n = mean**2 * (n**2 * p + drift * (n**2 * lead + n**3 / 3.0)) + n * std**2
    c_ln = mean**2 * (lead * n * p + drift * lead**2 * n / 2.0)
    cov = np.array(
        [
            [e_std**2, cov_er * lead / w, cov_er * n / w],
            [cov_er * lead / w, v_l, c_ln],
            [cov_er * n / w, c_ln, v_n],
        ]
    )
    scale = 1.0 + (e0 or 0.0)
    return cov, (mean * lead * scale, mean * n * scale)


def _normal_batch(
    product: ProductFamily, cycles: tuple[NewsvendorResult, ...], chain: list[tuple[float, float, float]]
) -> set[int]:
    """Re-orders :func:`siting.costs.carry_in.last_cycles_normal` prices at once: a normal family's, with a spread
    carry-in uncorrelated with the window (``last_cycle``'s own test), the others go one by one."""
    if product.distribution != "normal":
        return set()
    return {
        j
        for j, (_, e_std, cov) in enumerate(chain, start=1)
        if e_std > 0 and cycles[j].std > 0 and not abs(cov) > 1e-6 * e_std * max(cycles[j].std, 1e-12)
    }


#: Gauss-Hermite nodes over the forecast's error at the opener's commitment (``prior``, :func:`_prior_reorders`).
_E0_NODES, _E0_WEIGHTS = np.polynomial.hermite_e.hermegauss(8)
_E0_WEIGHTS = _E0_WEIGHTS / _E0_WEIGHTS.sum()


def _prior_reorders(
    product: ProductFamily,
    source: str,
    cycles: tuple[NewsvendorResult, ...],
    spread: tuple,
    left_j: list[float],
    lost_j: list[float],
) -> None:
    """Leftover and lost sales of each re-order without learning (``prior``), in place in ``left_j``, ``lost_j``.

    The targets never move, so the carry-in is driven by the level: a high level empties every cycle, and the
    demand it loses is never sold, so the stock position stays above what a chain linear in the demand says. The
    re-orders are priced at each Gauss-Hermite node of the forecast's error ``e0 ~ N(0, P_c)`` (the carry-in steps'
    means fall by ``mean w e0``, each window's rises by ``mean W e0``, and their covariances lose ``e0``'s part),
    where the Lindley chain, the lost sales per arrival window (:func:`lead_time_split`) and the next position
    raised by the demand lost in the lead time follow that level; the outcomes are averaged over the nodes.
    """
    mean = product.demand_mean_units_per_week
    k = len(cycles)
    n = product.season_weeks / k
    lead = getattr(product, f"lead_time_{source}_weeks")
    seen, gdd, gdr = spread
    drift = level_drift_var_per_week(product.forecast_cv_preseason, product.season_weeks)
    p_c = commit_var(drift, cost_default("forecast_horizon_weeks"), lead)
    window = lead + n
    w = np.asarray(seen, dtype=float)
    # e0's coefficients: -mean w_i in the carry-in step D_i, mean W in the window's error r_j
    gdd_c = gdd - p_c * mean * mean * np.outer(w, w)
    gdr_c = gdr + p_c * mean * mean * window * w[:, None]
    split = 0.0 < lead < n
    base = [cycles[j].order_qty - cycles[j + 1].order_qty - mean * wj for j, wj in enumerate(seen)]
    left, lost = np.zeros(k), np.zeros(k)
    discrete = product.distribution != "normal"
    walk = drift * (lead + product.season_weeks / 2.0)  # the walk's variance at mid-season
    for node, weight in zip(_E0_NODES.tolist(), _E0_WEIGHTS.tolist()):
        e0 = math.sqrt(p_c) * node
        noise = 1.0
        if discrete:  # a count's mean is the level's (signed, demand.discrete_pmf); its noise scales with |level|
            noise = 2.0 * _cut_mean(1.0 + e0, math.sqrt(walk)) - (1.0 + e0)  # E[|level| | e0]
            _, gdd, gdr = learning_carry_in(
                "prior", product.season_weeks, lead, n, k, mean, noise_std_per_week(product) ** 2 * noise, drift, p_c
            )
            gdd_c = gdd - p_c * mean * mean * np.outer(w, w)
            gdr_c = gdr + p_c * mean * mean * window * w[:, None]
        offsets = [o - mean * wj * e0 for o, wj in zip(base, seen)]
        chain = CarryInChain(gdd_c, gdr_c)
        for j in range(1, k):
            cyc = cycles[j]
            cond = _given_e0(cyc, mean * window, p_c, math.sqrt(p_c) * node)
            e_mean, e_std, cov = chain.step(offsets[j - 1])
            if product.distribution != "normal":  # the walk's share left given e0 is small: a discrete window is
                cov = 0.0  # priced on one mixture (the correlated path prices one per carry-in node, far slower)
            prev = cyc.order_qty + e_mean + mean * seen[j - 1]
            lf, ls = last_cycle(prev, cond, mean, seen[j - 1], e_std, product.distribution, cov, True)
            if split:  # count the arrival window's lost sales (:func:`lead_time_split`)
                moments = _split_moments(product, j, n, lead, e_std, cov, e0, noise)
                in_window, after = lead_time_split(cyc.order_qty, e_mean, e_std, *moments, coarse=True)
                ls = max(ls - (in_window - after), 0.0)
                if j < len(offsets):  # demand lost in the lead time was not sold: the next position is higher
                    offsets[j] += in_window - after
            left[j] += weight * lf
            lost[j] += weight * ls
    for j in range(1, k):
        left_j[j], lost_j[j] = float(left[j]), float(lost[j])


def _cut_mean(mu: float, sd: float) -> float:
    """``E[max(l, 0)]`` for ``l ~ N(mu, sd^2)``."""
    if sd <= 0:
        return max(mu, 0.0)
    a = mu / sd
    return mu * 0.5 * math.erfc(-a / math.sqrt(2.0)) + sd * math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)


def _given_e0(cyc: NewsvendorResult, window_mean: float, p_c: float, e0: float) -> NewsvendorResult:
    """A re-order's window given the forecast's error ``e0``: its mean ``+ window_mean e0``, its variance less
    ``window_mean^2 P_c``; a discrete window's level is then ``N(1 + e0, v)`` (``v`` the walk's), its count signed
    as :func:`siting.costs.demand.discrete_pmf` and the simulation have it (a mean below 0 is taken near 0)."""
    var = max(cyc.std * cyc.std - window_mean * window_mean * p_c, 0.0)
    mean = cyc.mean + window_mean * e0
    if cyc.distribution == "normal" or cyc.level_var <= 0 or cyc.mean <= 0:
        return dataclasses.replace(
            cyc, mean=max(mean, 0.0) if cyc.distribution != "normal" else mean, std=math.sqrt(var)
        )
    level_abs = max(cyc.mean * cyc.mean * cyc.level_var - window_mean * window_mean * p_c, 0.0)
    ratio = (cyc.std * cyc.std - cyc.mean * cyc.mean * cyc.level_var) / cyc.mean
    m = max(mean, 1e-6, 1e-3 * math.sqrt(level_abs))
    lv = level_abs / (m * m)
    return dataclasses.replace(cyc, mean=m, std=math.sqrt(level_abs + max(ratio, 0.0) * m), level_var=lv)


def _seasons(
    product: ProductFamily,
    source: str,
    wpy: float,
    policies: list[tuple[NewsvendorResult, ...]],
    spread: tuple,
) -> list[SourcingCost]:
    """Season outcome and yearly costs of each policy, the buys ``policies[i]`` (their order-up-to levels), all with
    the same number of buys (the hedges).

    ``spread`` is :func:`siting.costs.carry_in.carry_in_spread` (or :func:`siting.costs.learning.learning_carry_in`)
    for that number of buys. A normal family's learning re-orders are priced in one
    :func:`siting.costs.carry_in.last_cycles_normal` call.
    """
    mean = product.demand_mean_units_per_week
    outcomes = []
    deferred: list[tuple[int, int, float, float, NewsvendorResult]] = []  # (policy, re-order, E mean, E sd, buy)
    chains = _learning_chains(product, policies, spread)
    for p, cycles in enumerate(policies):
        k = len(cycles)
        lost_j = [c.expected_lost_sales for c in cycles]
        left_j = [c.expected_leftover for c in cycles]
        if k >= 2 and product.reorder_forecast == "prior":  # no learning: over the forecast's error (its nodes)
            _prior_reorders(product, source, cycles, spread, left_j, lost_j)
        elif k >= 2 and product.reorder_forecast != "level":  # learning: every re-order's carry-in (its target falls)
            seen = spread[0]
            chain = chains[p]
            batch = _normal_batch(product, cycles, chain)
            for j, w in enumerate(seen, start=1):
                e_mean, e_std, cov = chain[j - 1]
                if j in batch:  # priced together below
                    deferred.append((p, j, e_mean, e_std, cycles[j]))
                    continue
                # last_cycle's carry-in has the mean ``prev - Q_j - mean w``: the chain's mean, so ``prev`` is set to it
                prev = cycles[j].order_qty + e_mean + mean * w
                left_j[j], lost_j[j] = last_cycle(prev, cycles[j], mean, w, e_std, product.distribution, cov, True)
        elif k >= 2:  # the carry-in from the previous buy can exceed the lower last target
            w, e_std = spread
            left_j[-1], lost_j[-1] = last_cycle(cycles[-2].order_qty, cycles[-1], mean, w, e_std, product.distribution)
        outcomes.append((left_j, lost_j))
    if deferred:
        left, lost = last_cycles_normal(
            np.array([d[2] for d in deferred]),
            np.array([d[3] for d in deferred]),
            np.array([d[4].order_qty for d in deferred]),
            np.array([d[4].mean for d in deferred]),
            np.array([d[4].std for d in deferred]),
        )
        for (p, j, *_), lf, ls in zip(deferred, left.tolist(), lost.tolist()):
            outcomes[p][0][j], outcomes[p][1][j] = lf, ls
    return [_outcome(product, source, wpy, c, *o) for c, o in zip(policies, outcomes)]


def _learning_chains(
    product: ProductFamily, policies: list[tuple[NewsvendorResult, ...]], spread: tuple
) -> list[list[tuple[float, float, float]]]:
    """Each policy's re-order carry-ins with learning (:func:`siting.costs.carry_in.carry_in_chains`, all the
    policies at once: they share the steps' covariances); ``[]`` for ``level`` and ``prior`` or a single buy."""
    if product.reorder_forecast in ("level", "prior") or not policies or len(policies[0]) < 2:
        return []
    mean = product.demand_mean_units_per_week
    seen, gdd, gdr = spread
    offsets = np.array(
        [
            [cycles[j - 1].order_qty - cycles[j].order_qty - mean * w for j, w in enumerate(seen, start=1)]
            for cycles in policies
        ]
    )
    means, sds, covs = carry_in_chains(offsets, gdd, gdr)
    return [list(zip(*(x.tolist() for x in row))) for row in zip(means, sds, covs)]


#: Midpoints of the weeks :func:`unseen_returns` integrates the level's negative part over (per re-order cycle).
_RETURN_STEPS = 64


def unseen_returns(product: ProductFamily, source: str, cycles: tuple[NewsvendorResult, ...]) -> tuple[float, float]:
    """Units a count family's negative level brings back that its learning re-orders' windows do not see, per
    season, and the stock-weeks they are held (``(units, units x weeks)``).

    A count's demand is signed as its level (:func:`siting.costs.demand.discrete_pmf`). A re-order's window is
    priced at the level the filter expects, with the filter's variance ``v_j``: it counts ``mean n E[N(1, v_j)^-]``
    units brought back in its cycle. Over all seasons the level at week ``t`` is ``N(1, P_c + s^2 (t + L))`` (the
    pre-season forecast's error and the walk since the opener's commitment): the seasons whose level falls below 0
    bring back ``mean E[N(1, V_t)^-]`` a week, and the re-orders then order nothing (the filter reads the returns),
    so the difference stays in stock to the season's end and is written off (the seasons whose level is high sell
    as many units more than their windows expect: the sales net of returns stay). ``level`` re-orders (the level
    known) and a normal family (its windows are exact at every level) have none.
    """
    k = len(cycles)
    mode = product.reorder_forecast
    if product.distribution == "normal" or mode == "level" or k < 2:
        return 0.0, 0.0
    mean, season = product.demand_mean_units_per_week, product.season_weeks
    lead = getattr(product, f"lead_time_{source}_weeks")
    drift = level_drift_var_per_week(product.forecast_cv_preseason, season)
    p_c = commit_var(drift, cost_default("forecast_horizon_weeks"), lead)
    n = season / k
    units, weeks = 0.0, 0.0
    mid = (np.arange(_RETURN_STEPS) + 0.5) / _RETURN_STEPS
    for j in range(1, k):
        t = (j + mid) * n
        sd = np.sqrt(np.maximum(p_c + drift * (t + lead), 1e-300))  # E[l^-] of N(1, sd^2), as negative_level_mean
        unconditional = np.maximum(sd * np.exp(-0.5 / (sd * sd)) / math.sqrt(2.0 * math.pi) - ndtr(-1.0 / sd), 0.0)
        extra = np.maximum(unconditional - negative_level_mean(cycles[j].level_var), 0.0) * mean * n / _RETURN_STEPS
        units += float(extra.sum())
        weeks += float((extra * (season - t)).sum())
    return units, weeks


def _outcome(
    product: ProductFamily,
    source: str,
    wpy: float,
    cycles: tuple[NewsvendorResult, ...],
    left_j: list[float],
    lost_j: list[float],
) -> SourcingCost:
    """The season's sales, write-off and stock and the yearly costs, from each buy's leftover and lost sales."""
    mean = product.demand_mean_units_per_week
    season = product.season_weeks
    k = len(cycles)
    n = season / k
    cost = product.acquisition_cost(source)
    returned, returned_weeks = unseen_returns(product, source, cycles)
    # the seasons whose level is high buy as many more units as the low ones bring back: sales net of returns stay
    sold = sum(mean * n - lost for lost in lost_j)
    lost = sum(lost_j)
    written_off = left_j[-1] + unsold_test_units(product, source) + returned
    made = sold + returned + left_j[-1] + tested_units(product, source)  # gross sales; a test drop's units too
    on_hand = sum(left + (mean * n - lost) / 2.0 for left, lost in zip(left_j, lost_j)) / k + returned_weeks / season
    seasons = wpy / season
    demand = mean * wpy
    transit_weeks, transit_value = product.in_transit(source)  # owned from the Incoterm's transfer
    pipeline = made / season * transit_weeks
    unit_cost = getattr(product, f"unit_cost_{source}")
    return SourcingCost(
        family=product.family,
        source=source,
        buys_per_season=k,
        cycle_weeks=n,
        cycles=cycles,
        demand_units_per_yr=demand,
        units_sold_per_yr=sold * seasons,
        lost_sales_units_per_yr=lost * seasons,
        written_off_units_per_yr=written_off * seasons,
        on_hand_units=on_hand,
        pipeline_units=pipeline,
        production_per_yr=unit_cost * demand,
        freight_duty_per_yr=(cost - unit_cost) * demand,
        carrying_per_yr=product.carrying_rate_per_yr * (cost * on_hand + transit_value * pipeline),
        unsold_stock_per_yr=written_off * (cost - product.recovery_per_unit()) * seasons,
        lost_margin_per_yr=lost * (product.price_per_unit - cost) * seasons,
    )
