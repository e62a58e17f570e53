"""The demand-level mixture pmf (siting.costs.demand.discrete_pmf) against scipy's pmfs mixed over its level nodes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammaln

from siting.costs.demand import (
    _LEVEL_NODES,
    _LEVEL_WEIGHTS,
    discrete_pmf,
    expected_sales,
    negative_level_mean,
    newsvendor,
)

# (mean, std, distribution, kmax, level_var): negative binomial and Poisson noise given the level, small and
# large windows, a level error that reaches below 0 (sd 0.5) and one that does not (sd 0.05)
CASES = [
    (12.0, 9.0, "negbin", 120, 0.25),
    (480.0, 160.0, "negbin", 1500, 0.04),
    (3.5, 2.5, "negbin", 60, 0.0025),
    (40.0, 6.0, "poisson", 200, 0.01),
    (900.0, 30.0, "poisson", 1400, 0.0009),
]


def _scipy_mixture(mean: float, std: float, distribution: str, kmax: int, level_var: float) -> np.ndarray:
    """An independent computation: scipy's pmf at each level, weighted by the level's normal density."""
    k = np.arange(kmax + 1)
    sd = math.sqrt(level_var)
    ratio = (std * std - mean * mean * level_var) / mean if distribution == "negbin" else 1.0
    lo, hi = max(0.0, 1.0 - 8.0 * sd), 1.0 + 8.0 * sd
    levels = lo + (hi - lo) * (_LEVEL_NODES + 1.0) / 2.0
    dens = stats.norm(1.0, sd).pdf(levels) * _LEVEL_WEIGHTS * (hi - lo) / 2.0
    total = np.zeros(kmax + 1)
    for lev, w in zip(levels, dens):
        mu = mean * lev
        if ratio > 1.0 + 1e-9:
            total += w * stats.nbinom(mu / (ratio - 1.0), 1.0 / ratio).pmf(k)
        else:
            total += w * stats.poisson(mu).pmf(k)
    total[0] += stats.norm.cdf(-1.0 / sd)
    return total


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[2]}-{c[0]:g}")
def test_mixture_pmf_matches_scipy(case):
    got = discrete_pmf(*case)
    ref = _scipy_mixture(*case)
    assert np.allclose(got, ref, rtol=1e-9, atol=1e-13)
    assert abs(got.sum() - 1.0) < 1e-5  # kmax reaches far enough into the tail in every case


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


def _plain_mixture(mean: float, std: float, kmax: int, level_var: float) -> np.ndarray:
    """The negative-binomial mixture as it was written before the speed-up: ``gammaln`` at every entry."""
    k = np.arange(kmax + 1)[None, :]
    ratio = (std * std - mean * mean * level_var) / mean
    sd = math.sqrt(level_var)
    lo, hi = max(0.0, 1.0 - 8.0 * sd), 1.0 + 8.0 * sd
    levels = lo + (hi - lo) * (_LEVEL_NODES + 1.0) / 2.0
    weights = _LEVEL_WEIGHTS * (hi - lo) / 2.0 * stats.norm.pdf(levels, 1.0, sd)
    shape, prob = mean * levels[:, None] / (ratio - 1.0), 1.0 / ratio
    log_pmf = gammaln(k + shape) - gammaln(shape) - gammaln(k + 1.0) + shape * math.log(prob) + k * math.log1p(-prob)
    pmf = weights @ np.exp(log_pmf)
    pmf[0] += stats.norm.cdf(-1.0 / sd)
    return pmf


def test_the_fast_mixture_is_the_plain_one():
    """The products between exact anchors (``_negbin_mixed``) give the plain ``gammaln`` pmf to 1e-12, over 60
    random windows (means 0.1-3000, level variances 0.001-3, variance ratios 1.01-100)."""
    rng = np.random.default_rng(7)
    for _ in range(60):
        mean, level_var, ratio = 10 ** rng.uniform(-1, 3.5), 10 ** rng.uniform(-3, 0.5), 1 + 10 ** rng.uniform(-2, 2)
        std = math.sqrt(mean * mean * level_var + ratio * mean)
        kmax = int(mean + 15 * std + 30)
        got, want = discrete_pmf(mean, std, "negbin", kmax, level_var), _plain_mixture(mean, std, kmax, level_var)
        assert float(np.abs(got - want).max()) < 1e-12
        # the cdf sums thousands of them: within 1e-10 (gammaln(k + r) itself rounds at about 1e-16 of ~1e5)
        assert float(np.abs(np.cumsum(got) - np.cumsum(want)).max()) < 1e-10


def test_a_longer_table_shares_its_head():
    """A stock far above the window's demand asks for a longer table (doubled): the head is the same pmf."""
    mean, level_var, ratio = 235.0, 0.45, 29.3
    std = math.sqrt(mean * mean * level_var + ratio * mean)
    stock = np.array([0.0, 120.5, 700.0, 2500.0])
    short = expected_sales(stock, mean, std, "negbin", level_var)
    long = expected_sales(np.append(stock, 40_000.0), mean, std, "negbin", level_var)
    assert np.array_equal(short, long[:-1])
    assert long[-1] == pytest.approx(mean, rel=1e-9)  # a stock far above it sells the forecast's mean
