"""The demand-level mixture pmf (siting.costs.demand.discrete_pmf) against scipy's pmfs mixed over its level nodes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from siting.costs.demand import _LEVEL_NODES, _LEVEL_WEIGHTS, discrete_pmf

# (mean, std, distribution, kmax, level_var): negative binomial and Poisson noise given the level, small and
# large windows, a level error that cuts at 0 (sd 0.5) and one that does not (sd 0.05)
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
