"""The learning carry-in's covariances and the vectorised chain against independent computations (issue 22).

* :func:`siting.costs.learning.learning_carry_in` propagates a 2 x 2 covariance of (level, estimate) from buy to
  buy (the Markov property); :func:`_basis_carry_in` is the earlier computation, every carry-in step written out on
  the basis of the walk's increments, within-step integrals and noise and its covariances summed over that basis
  (``O(k^2 m)``). They agree to rounding on random seasons, both modes, with and without a test drop.
* :func:`siting.costs.carry_in.carry_in_chains` (several chains at once) against :func:`carry_in_chain` row by row.
* :func:`siting.costs.demand.underflow_exp` against ``numpy.exp``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from siting.costs.carry_in import carry_in_chain, carry_in_chains
from siting.costs.demand import EXP_FLOOR, underflow_exp
from siting.costs.learning import kalman_gains, learning_carry_in, read_test_drop


def _basis_carry_in(mode, season, lead, n, k, mean, noise_var, drift, p_c, test_units=0.0):
    """The carry-in steps' covariances summed over the basis (the computation before the Markov form)."""
    window = lead + n
    read, gain0, p_open = read_test_drop(p_c, test_units, mean, noise_var)
    grid, gains, _ = kalman_gains(season, lead, n, k, mean, noise_var, drift, p_open + drift * lead)
    steps = np.diff(grid)
    m = len(steps)
    o = 3  # basis: e0, the test drop's read noise, the walk before the season; per step: increment,
    # within-step integral, noise
    var_basis = np.concatenate(
        [
            [p_c, read if math.isfinite(read) else 0.0, drift * lead],
            drift * steps,
            drift * steps**3 / 12.0,
            noise_var * steps,
        ]
    )

    def demand_sum(w: np.ndarray) -> np.ndarray:
        """Coefficients of ``sum_i w_i y_i`` (one row of ``w`` each), ``y_i`` the demand of step ``i``: ``mean d_i``
        x the level at its start (e0, the walk before, the increments before ``i``) + ``mean d_i / 2`` x its
        increment + ``mean`` x its within-step integral + its noise."""
        wd = w * mean * steps
        tail = np.concatenate([np.cumsum(wd[:, ::-1], axis=1)[:, ::-1][:, 1:], np.zeros((len(w), 1))], axis=1)
        total = wd.sum(axis=1, keepdims=True)
        return np.concatenate([total, np.zeros_like(total), total, tail + wd / 2.0, w * mean, w], axis=1)

    start_x = np.zeros(o + 3 * m)
    start_x[0] = start_x[1] = gain0  # the test drop's read, xhat at the commitment
    # the filter: xhat_i = a_i xhat_{i-1} + g_i y_i, a_i = 1 - g_i mean d_i
    a = np.clip(1.0 - gains * mean * steps, 1e-300, None) if mode == "kalman" else np.ones(m)
    g = gains if mode == "kalman" else np.zeros(m)
    log_a = np.concatenate([[0.0], np.cumsum(np.log(a))])

    times = [j * n - lead for j in range(k)]
    if k < 2:
        return (), np.zeros((0, 0)), np.zeros((0, 0))
    # grid point of each buy (0 before the season), and the coefficients of ``xhat`` there (less its mean 1)
    at = np.array([0 if t <= 0.0 else int(np.argmin(np.abs(grid - t))) for t in times])
    before = np.arange(m)[None, :] < at[:, None]  # the steps the filter has read at each buy
    decay = np.where(before, log_a[at][:, None] - log_a[None, 1:], 0.0)
    est = demand_sum(np.where(before, g[None, :] * np.exp(decay), 0.0)) + start_x[None, :] * np.exp(log_a[at])[:, None]
    # the level ``x`` at each buy (less 1): e0, the walk before, the increments
    lev = np.zeros((k, o + 3 * m))
    lev[:, 0] = lev[:, 2] = 1.0
    lev[:, o : o + m] = before
    # D_j = c_prev mean xhat_a - window mean xhat_b - (demand seen between the two buys), less its mean
    c_prev = np.array([(window if j >= 2 else n) * (1.0 if j >= 2 or gain0 > 0 else 0.0) for j in range(1, k)])
    seen_w = -(before[1:] & ~before[:-1]).astype(float)  # steps ia .. ib - 1
    d_mat = demand_sum(seen_w) + c_prev[:, None] * mean * est[:-1] - window * mean * est[1:]
    r_mat = window * mean * (lev[1:] - est[1:])
    seen = [max(times[j], 0.0) - max(times[j - 1], 0.0) for j in range(1, k)]
    gdd = (d_mat * var_basis) @ d_mat.T
    gdr = (d_mat * var_basis) @ r_mat.T
    return tuple(seen), gdd, gdr


def _cases(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        season = float(rng.choice([3.3, 8.0, 13.0, 26.0, 52.0]))
        k = int(rng.integers(2, 40))
        n = season / k
        lead = float(rng.choice([0.2, 1.0, 2.5, 14.0, 1.5 * n]))
        mean = float(rng.choice([0.5, 6.0, 100.0, 2400.0]))
        noise_var = mean * float(rng.choice([0.01, 1.0, 1.5, 30.0]))
        drift = float(rng.choice([0.0, 0.001, 0.01, 0.05]))
        mode = str(rng.choice(["kalman", "prior"]))
        test = float(rng.choice([0.0, 40.0])) if mode == "kalman" else 0.0
        yield (mode, season, lead, n, k, mean, noise_var, drift, drift * max(26.0 - lead, 0.0), test)


@pytest.mark.parametrize("case", list(_cases(60, 1)), ids=lambda c: f"{c[0]}-k{c[4]}-L{c[2]:g}-m{c[5]:g}-t{c[9]:g}")
def test_the_markov_carry_in_is_the_basis_sum(case):
    seen, gdd, gdr = learning_carry_in(*case)
    seen0, gdd0, gdr0 = _basis_carry_in(*case)
    assert seen == pytest.approx(seen0, abs=1e-12)
    scale = max(float(np.abs(gdd0).max()), 1e-300)
    assert np.abs(gdd - gdd0).max() <= 1e-11 * scale
    assert np.abs(gdr - gdr0).max() <= 1e-11 * scale
    assert np.allclose(gdd, gdd.T, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("seed", range(6))
def test_the_vectorised_chains_are_the_chain_row_by_row(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 30))
    x = rng.standard_normal((size, size + 3)) * rng.uniform(10.0, 300.0)
    g = x @ x.T / (size + 3)
    h = rng.standard_normal((size, size)) * 0.3 * float(np.sqrt(np.diag(g)).mean()) ** 2
    offsets = rng.normal(-50.0, 150.0, size=(4, size))
    offsets[3] = 0.0  # a chain whose carry-in starts at 0 exactly
    means, sds, covs = carry_in_chains(offsets, g, h)
    for row in range(4):
        want = np.array(carry_in_chain(offsets[row].tolist(), g, h))
        assert np.allclose(means[row], want[:, 0], rtol=1e-10, atol=1e-9)
        assert np.allclose(sds[row], want[:, 1], rtol=1e-10, atol=1e-9)
        assert np.allclose(covs[row], want[:, 2], rtol=1e-10, atol=1e-6)


def test_underflow_exp_is_exp_above_the_floor_and_zero_below():
    x = np.array([0.0, -1.0, -699.9, EXP_FLOOR, EXP_FLOOR - 1e-9, -745.0, -1e300, -np.inf, 3.0])
    got = underflow_exp(x)
    want = np.where(x >= EXP_FLOOR, np.exp(x), 0.0)
    assert np.array_equal(got, want)
    assert math.exp(EXP_FLOOR) < 1e-303  # what the floor drops is below any figure's resolution
    assert float(underflow_exp(np.array(-1.0))) == math.exp(-1.0)
