"""The demand-level mixture pmf (siting.costs.demand.discrete_pmf) against scipy's quad over the level."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import betainc, gammaincc

from siting.costs.demand import (
    discrete_pmf,
    expected_sales,
    negative_level_mean,
    newsvendor,
)

# (mean, std, distribution, level_var): negative binomial and Poisson noise given the level, small and large
# windows, level errors from sd 0.01 to 1 (reaching below 0 from sd 0.3 on), artist_collab's kind of window (sd 0.7,
# Poisson left beside the level: the 64-node rule this replaced was off by 1.3e-4 on the cdf there) and large means
CASES = [
    (12.0, 9.0, "negbin", 0.25),
    (480.0, 160.0, "negbin", 0.04),
    (3.5, 2.5, "negbin", 0.0025),
    (40.0, 6.0, "poisson", 0.01),
    (900.0, 30.0, "poisson", 0.0009),
    (300.0, 120.0, "negbin", 0.49),
    (235.0, 160.0, "negbin", 0.45),
    (1200.0, 400.0, "negbin", 0.09),
    (5000.0, 5100.0, "negbin", 1.0),
    (20_000.0, 2500.0, "poisson", 0.0001),
    (0.3, 0.8, "negbin", 0.5),
    (2.0, 1.5, "negbin", 0.01),
    (60.0, 30.0, "poisson", 1.0),
]


def _quad_cdf(mean: float, std: float, distribution: str, level_var: float, k: int) -> float:
    """An independent computation of ``P(D <= k)``: scipy's adaptive ``quad`` over the level of the count's cdf
    (``betainc`` for the negative binomial, ``gammaincc`` for the Poisson) times the level's normal density, plus
    ``P(l <= 0)`` (a negative level's demand is at most 0)."""
    sd = math.sqrt(level_var)
    ratio = (std * std - mean * mean * level_var) / mean if distribution == "negbin" else 1.0

    def integrand(level: float) -> float:
        if ratio > 1.0 + 1e-9:
            count_cdf = betainc(mean * level / (ratio - 1.0), k + 1.0, 1.0 / ratio)
        else:
            count_cdf = gammaincc(k + 1.0, mean * level)
        return float(count_cdf * stats.norm.pdf(level, 1.0, sd))

    lo, hi = max(0.0, 1.0 - 12.0 * sd), 1.0 + 12.0 * sd
    breaks = [x for x in sorted({1.0, k / mean}) if lo < x < hi]
    value = integrate.quad(integrand, lo, hi, points=breaks or None, limit=500, epsabs=1e-16, epsrel=1e-13)[0]
    return value + float(stats.norm.cdf(-1.0 / sd))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[2]}-{c[0]:g}-{c[3]:g}")
def test_mixture_cdf_matches_quad(case):
    """``P(D <= k)`` from the pmf against scipy's quad at k from 0 to 8 standard deviations above the mean."""
    mean, std, distribution, level_var = case
    kmax = int(mean + 15.0 * math.sqrt(max(std * std, mean, 1.0)) + 30.0)
    pmf = discrete_pmf(mean, std, distribution, kmax, level_var)
    assert len(pmf) == kmax + 1 and float(pmf.min()) >= 0.0
    cdf = np.cumsum(pmf)
    ks = sorted({0, 1, 2, int(0.3 * mean), int(0.7 * mean), int(mean), int(mean + std), int(mean + 3 * std)})
    ks = sorted({k for k in ks + [int(mean + 8 * std)] if k <= kmax})
    for k in ks:
        assert cdf[k] == pytest.approx(_quad_cdf(mean, std, distribution, level_var, k), abs=2e-12), k
    assert abs(cdf[-1] - 1.0) < 2e-12  # the table's cut and the FFT's aliasing leave no mass out


def test_mixture_pmf_matches_the_levels_pmfs_mixed():
    """``P(D = k)`` against scipy's pmfs at each level, integrated by quad, at k across the body and the tail."""
    mean, std, level_var = 120.0, 70.0, 0.2
    sd, ratio = math.sqrt(level_var), (std * std - mean * mean * level_var) / mean
    pmf = discrete_pmf(mean, std, "negbin", 1500, level_var)
    for k in (0, 5, 60, 120, 250, 500, 900):
        ref = integrate.quad(
            lambda lev, k=k: stats.nbinom.pmf(k, mean * lev / (ratio - 1), 1 / ratio) * stats.norm.pdf(lev, 1, sd),
            0.0,
            1.0 + 12.0 * sd,
            points=[1.0, k / mean] if 0 < k / mean < 1.0 + 12.0 * sd else [1.0],
            limit=500,
            epsabs=1e-17,
            epsrel=1e-12,
        )[0] + (float(stats.norm.cdf(-1.0 / sd)) if k == 0 else 0.0)
        assert pmf[k] == pytest.approx(ref, rel=1e-9, abs=1e-16), k


def test_a_table_does_not_depend_on_call_order():
    """A mixture's table is the key's (its length chosen from mean, std and level_var alone): asked for short or
    long, first or second, after other mixtures or none, every entry is the same."""
    from siting.costs import demand

    key = (235.0, math.sqrt(235.0**2 * 0.45 + 29.3 * 235.0), "negbin", 0.45)
    demand._clear_mixtures()
    discrete_pmf.cache_clear()
    long_first = discrete_pmf(key[0], key[1], key[2], 9000, key[3]).copy()
    demand._clear_mixtures()
    discrete_pmf.cache_clear()
    short = discrete_pmf(key[0], key[1], key[2], 700, key[3]).copy()
    long_second = discrete_pmf(key[0], key[1], key[2], 9000, key[3])
    assert np.array_equal(long_first, long_second)
    assert np.array_equal(short, long_first[:701])
    # the sales' running sums too: a stock far above the table's end, asked for before or after a short one
    stock = np.array([0.0, 120.5, 700.0, 2500.0, 40_000.0])
    demand._clear_mixtures()
    far_first = expected_sales(stock, key[0], key[1], key[2], key[3])
    demand._clear_mixtures()
    expected_sales(stock[:2], key[0], key[1], key[2], key[3])
    assert np.array_equal(far_first, expected_sales(stock, key[0], key[1], key[2], key[3]))


@pytest.mark.parametrize("level_var", [0.01, 0.25, 1.0, 2.25])
def test_a_negative_level_brings_units_back_and_keeps_the_mean(level_var):
    """E[l^-] for l ~ N(1, v) against scipy's integral; the newsvendor's demand keeps the forecast's mean."""
    sd = math.sqrt(level_var)
    by_quad = integrate.quad(lambda x: -x * stats.norm.pdf(x, 1.0, sd), -np.inf, 0.0)[0]
    assert negative_level_mean(level_var) == pytest.approx(by_quad, rel=1e-9, abs=1e-15)
    if level_var == 1.0:
        assert negative_level_mean(level_var) == pytest.approx(0.0833155, abs=1e-7)  # E[l^+] = 1.0833 at sd 1
    mean, ratio = 40.0, 3.0
    std = math.sqrt(mean * mean * level_var + ratio * mean)
    for qty in (0.0, 20.0, 40.0, 200.0):
        nv = newsvendor(mean, std, 50.0, 20.0, 5.0, order_qty=qty, distribution="negbin", level_var=level_var)
        assert nv.expected_sales + nv.expected_lost_sales == pytest.approx(mean, rel=1e-12)
        # lost sales are the positive demand's, by scipy's mixture on a long table
        pmf = discrete_pmf(mean, std, "negbin", 20_000, level_var)
        k = np.arange(len(pmf))
        assert nv.expected_lost_sales == pytest.approx(float(pmf @ np.maximum(k - qty, 0.0)), rel=1e-6, abs=1e-9)
    # a wider forecast adds no demand: a buy far above the demand sells the mean, whatever the level's variance
    assert float(expected_sales(np.array([20_000.0]), mean, std, "negbin", level_var)[0]) == pytest.approx(mean)


def test_a_longer_table_shares_its_head():
    """A stock far above the window's demand asks for a longer table (doubled): the head is the same pmf."""
    mean, level_var, ratio = 235.0, 0.45, 29.3
    std = math.sqrt(mean * mean * level_var + ratio * mean)
    stock = np.array([0.0, 120.5, 700.0, 2500.0])
    short = expected_sales(stock, mean, std, "negbin", level_var)
    long = expected_sales(np.append(stock, 40_000.0), mean, std, "negbin", level_var)
    assert np.array_equal(short, long[:-1])
    assert long[-1] == pytest.approx(mean, rel=1e-9)  # a stock far above it sells the forecast's mean


@pytest.mark.parametrize("excess", [2e-9, 1e-6, 1e-3])
def test_a_ratio_near_one_is_near_the_poisson_mixture(excess):
    """A negative binomial given the level whose variance-to-mean ratio is ``1 + excess`` has ``c ~ mean / excess``:
    its pgf's exponent keeps its digits (numpy's complex log1p lost them: the pmf summed to 1 + 1.6e-7 at 2e-9).
    Its mixture sums to 1 and is within ``excess`` of the Poisson mixture (the limit) at every k."""
    mean, level_var = 50.0, 0.1
    std = math.sqrt(mean * mean * level_var + (1.0 + excess) * mean)
    pmf = discrete_pmf(mean, std, "negbin", 400, level_var)
    poisson = discrete_pmf(mean, 0.0, "poisson", 400, level_var)
    assert abs(float(pmf.sum()) - 1.0) < 1e-13
    assert float(np.abs(pmf - poisson).max()) < excess
