"""The pieces issue 22's agreement needed, each against an independent computation (Monte Carlo or scipy sums).

* :func:`siting.costs.carry_in.carry_in_chain`: Clark's moments of the Lindley recursion against a seeded
  Monte Carlo of the recursion with correlated normal steps.
* :func:`siting.costs.demand.discrete_pmf` with ``level_var``: the normal-level mixture against scipy's
  negative binomial summed over a fine grid of levels.
* :func:`siting.costs.carry_in.lead_time_split`: the window and arrival-window counts against a Monte Carlo of
  the same normal triple (carry-in, lead-time demand, demand after the arrival).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from siting.costs.carry_in import carry_in_chain, lead_time_split
from siting.costs.demand import discrete_mean, discrete_pmf, expected_sales, negative_level_mean, newsvendor


def _steps_cov() -> tuple[list[float], np.ndarray, np.ndarray]:
    # four steps, positively correlated (as the re-orders' steps are through the learnt level), and a forecast error
    sd = np.array([190.0, 160.0, 150.0, 150.0])
    corr = np.array([[1, 0.4, 0.3, 0.3], [0.4, 1, 0.4, 0.3], [0.3, 0.4, 1, 0.4], [0.3, 0.3, 0.4, 1]])
    g = corr * np.outer(sd, sd)
    h = -0.3 * g  # cov(D_i, r_j)
    return [-190.0, -160.0, -200.0, -100.0], g, h


def test_the_carry_in_chain_against_a_monte_carlo_of_the_recursion():
    offsets, g, h = _steps_cov()
    chain = carry_in_chain(offsets, g, h)
    rng = np.random.default_rng(3)
    n = 400_000
    steps = rng.multivariate_normal(offsets, g, size=n)
    e = np.zeros(n)
    for j in range(len(offsets)):
        e = (np.maximum(e, 0.0) if j else 0.0) + steps[:, j]
        mean, std, _ = chain[j]
        if j < 2:  # exact up to the second step (a maximum of one normal: Clark's moments are exact)
            assert mean == pytest.approx(float(e.mean()), abs=0.005 * std)
            assert std == pytest.approx(float(e.std()), rel=0.005)
        else:  # then E_j is taken normal: Clark's approximation, within 3% of a std on the mean and 7% on the std
            assert mean == pytest.approx(float(e.mean()), abs=0.03 * std)
            assert std == pytest.approx(float(e.std()), rel=0.07)
        # the positive part each re-order carries in: from the second step the normal reads it 6-25% low (the
        # skew of a maximum is lost), a limit of the chain stated in docs/inventory-risk.md
        carried = float(np.maximum(e, 0.0).mean())
        a = mean / std
        model = mean * stats.norm.cdf(a) + std * stats.norm.pdf(a)
        assert model == pytest.approx(carried, rel=0.3 if j >= 1 else 0.01)


def test_the_negative_binomial_window_is_a_normal_level_mixture():
    mean, level_var, ratio = 235.0, 0.45, 29.3  # artist_collab's opener at the demo volume
    std = math.sqrt(mean * mean * level_var + ratio * mean)
    kmax = 4000
    pmf = discrete_pmf(mean, std, "negbin", kmax, level_var)
    # scipy: NB(mu = mean l, var = ratio mu) over a fine grid of the level above 0; the levels below 0 at k <= 0
    grid = np.linspace(1e-6, 1.0 + 9.0 * math.sqrt(level_var), 6001)
    w = stats.norm.pdf(grid, 1.0, math.sqrt(level_var)) * (grid[1] - grid[0])
    k = np.arange(kmax + 1)
    ref = np.zeros(kmax + 1)
    for lv, wi in zip(grid, w):
        mu = mean * lv
        ref += wi * stats.nbinom.pmf(k, mu / (ratio - 1.0), 1.0 / ratio)
    ref[0] += stats.norm.cdf(0.0, 1.0, math.sqrt(level_var))  # a level below 0 brings units back: D <= 0
    assert float(np.abs(pmf - ref).sum()) < 2e-3
    # the table's positive demand has the mean mean (1 + E[l^-]); the levels below 0 bring back mean E[l^-], so the
    # demand's mean is the forecast's and a huge stock sells it exactly (sales net of the returns)
    positive = mean * (1.0 + negative_level_mean(level_var))
    assert float((k * pmf).sum()) == pytest.approx(positive, rel=1e-3)
    assert discrete_mean(mean, std, "negbin", level_var) == mean
    assert float(expected_sales(np.array([kmax]), mean, std, "negbin", level_var)[0]) == pytest.approx(mean, rel=1e-4)
    # its upper tail is lighter than the moment-matched negative binomial's: the 99% quantile is lower
    matched = newsvendor(mean, std, 99.0, 1.0, distribution="negbin").order_qty
    mixed = newsvendor(mean, std, 99.0, 1.0, distribution="negbin", level_var=level_var).order_qty
    assert mixed < 0.95 * matched


def test_the_lead_time_split_against_a_monte_carlo():
    qty, e_mean, e_std = 500.0, -215.0, 110.0
    cov = np.array([[e_std**2, -4000.0, -9000.0], [-4000.0, 5000.0, 9000.0], [-9000.0, 9000.0, 26000.0]])
    means = (100.0, 217.0)
    window, after = lead_time_split(qty, e_mean, e_std, cov, means)
    rng = np.random.default_rng(8)
    e, d_l, d_n = rng.multivariate_normal([e_mean, *means], cov, size=1_000_000).T
    start = qty + np.maximum(e, 0.0)
    on_hand = np.maximum(qty + e, 0.0)
    arrival = start - np.minimum(d_l, on_hand)
    mc_window = float(np.maximum(d_l + d_n - start, 0.0).mean())
    mc_after = float(np.maximum(d_n - arrival, 0.0).mean())
    assert window == pytest.approx(mc_window, rel=0.02)
    assert after == pytest.approx(mc_after, rel=0.02)
    assert after < window  # the lead time's stock-out is the buy before's
