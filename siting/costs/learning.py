"""Learning from sales: the Kalman filter on the demand level, what each re-order knows, and the last cycle's carry-in.

The demand level is ``x_t = 1 + e0 + B_t`` (a share of the forecast mean): ``B`` the random walk of
:mod:`siting.costs.forecast` (variance ``s^2`` a week), ``e0`` the error of the forecast at the
opener's commitment, ``L`` weeks before the season opens. A family's ``reorder_forecast`` says what
each buy knows of the level when it is placed:

* ``level`` (the model before learning): the level at the buy, exactly (an oracle);
  the opener's forecast is exact at its commitment (``e0 = 0``).
* ``kalman`` (the default): the pre-season forecast made ``H = forecast_horizon_weeks`` before the season
  (``e0 ~ N(0, P_c)``, ``P_c = s^2 max(H - L, 0)``: nothing is learnt between the forecast and the
  commitment), updated by a Kalman filter on the demand observed since the season opened, in
  ``STEPS_PER_WEEK`` steps a week (daily point-of-sale data). Over a step of ``d`` weeks the
  demand ``y = mean (x d + ...) + noise`` (noise variance ``std^2 d``; Poisson ``mean d``) and the
  level at the step's end are jointly normal given the estimate ``xhat`` and its variance ``P``:
  ``C = mean (P d + s^2 d^2 / 2)``, ``V = mean^2 (P d^2 + s^2 d^3 / 3) + std^2 d``, so
  ``xhat <- xhat + (C / V) (y - mean xhat d)`` and ``P <- P + s^2 d - C^2 / V`` (exact for normal
  demand, the best linear update otherwise). Before the season ``P`` only grows (``+ s^2`` a week).
* ``prior``: the pre-season forecast, never updated (``xhat = 1``, ``P = P_c + s^2 (t + L)``): no learning.

A re-order at ``t`` orders up to ``Q_j + mean W (xhat_t - 1)`` for its window of ``W = L + n``
weeks, whose demand given what is known has variance ``mean^2 (P_t W^2 + s^2 W^3 / 3) + W std^2``.

The carry-in to the last cycle (:mod:`siting.costs.carry_in`), ``E = P_b - T_last``, is a linear
function of ``e0``, the walk's increments, their within-step integrals and the demand noise of each
step; its variance is summed exactly over that basis (the filter's gains are deterministic).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from siting.costs.products import cost_default

__all__ = [
    "REORDER_FORECASTS",
    "STEPS_PER_WEEK",
    "commit_var",
    "info_var",
    "kalman_gains",
    "learning_carry_in",
    "season_grid",
    "read_test_drop",
]

#: What a re-order knows of the demand level (see the module docstring).
REORDER_FORECASTS = ("level", "kalman", "prior")

#: Sales observations a week the Kalman filter reads (daily point-of-sale data: ``sales_observations_per_week``).
STEPS_PER_WEEK = int(cost_default("sales_observations_per_week"))


def commit_var(drift: float, horizon: float, lead: float) -> float:
    """``P_c``: variance of the level at the opener's commitment, ``s^2 max(H - L, 0)`` (share of the mean, squared)."""
    return drift * max(horizon - lead, 0.0)


def read_test_drop(p_c: float, test_units: float, mean: float, noise_var: float) -> tuple[float, float, float]:
    """What a test drop of ``q`` units tells of the level at the opener's commitment.

    Its sales ``D = q (1 + e0) + noise`` (noise variance ``std^2 q / mean``: the demand of the
    ``q / mean`` weeks the drop's units stand for) read the level as ``z = D / q - 1 = e0 + nu``,
    ``nu ~ N(0, R)``, ``R = std^2 / (mean q)`` (Poisson: ``1 / q``). Returns ``(R, K, P)``: the
    read's noise, the gain ``K = P_c / (P_c + R)`` (the estimate is ``1 + K z``) and the level's
    variance after it, ``P_c R / (P_c + R)``. Without a test (``q = 0``): ``(inf, 0, P_c)``.
    """
    if test_units <= 0 or p_c <= 0:
        return math.inf, 0.0, p_c
    read = noise_var / (mean * test_units)
    return read, p_c / (p_c + read), p_c * read / (p_c + read)


def season_grid(season: float, lead: float, n: float, k: int) -> np.ndarray:
    """The filter's time steps: the buys and arrivals cut the season, each piece in ``STEPS_PER_WEEK`` steps a week.

    Returns the step boundaries from 0 to ``season`` (weeks from the season's opening); the
    simulation steps on the same boundaries.
    """
    cuts = {0.0, float(season)}
    for j in range(k):
        for t in (j * n - lead, j * n):
            if 0.0 < t < season:
                cuts.add(float(t))
    edges = np.array(sorted(cuts))
    lo, width = edges[:-1], np.diff(edges)
    steps = np.maximum(1, np.ceil(width * STEPS_PER_WEEK - 1e-9)).astype(int)
    piece = np.repeat(np.arange(len(steps)), steps)
    step = np.arange(len(piece)) - np.repeat(np.cumsum(steps) - steps, steps) + 1  # 1 .. steps within each piece
    return np.concatenate([[0.0], lo[piece] + width[piece] * step / steps[piece]])


def kalman_step(p: float, d: float, mean: float, noise_var: float, drift: float) -> tuple[float, float]:
    """One step of ``d`` weeks: the gain ``C / V`` and the level's variance after the update."""
    c = mean * (p * d + drift * d * d / 2.0)
    v = mean * mean * (p * d * d + drift * d**3 / 3.0) + noise_var * d
    if v <= 1e-300:
        return 0.0, p + drift * d
    return c / v, max(p + drift * d - c * c / v, 0.0)


@lru_cache(maxsize=4096)
def kalman_gains(
    season: float, lead: float, n: float, k: int, mean: float, noise_var: float, drift: float, p0: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid, the gain of each step, and ``P`` at each grid point (``p0`` at the season's opening)."""
    grid = season_grid(season, lead, n, k)
    gains, var = [], [p0]
    p = p0
    for d in np.diff(grid).tolist():  # :func:`kalman_step` inlined on Python floats (the same operations)
        c = mean * (p * d + drift * d * d / 2.0)
        v = mean * mean * (p * d * d + drift * d**3 / 3.0) + noise_var * d
        if v <= 1e-300:
            gains.append(0.0)
            p = p + drift * d
        else:
            gains.append(c / v)
            p = max(p + drift * d - c * c / v, 0.0)
        var.append(p)
    return grid, np.array(gains), np.array(var)


def info_var(
    mode: str,
    t: float,
    *,
    season: float,
    lead: float,
    n: float,
    k: int,
    mean: float,
    noise_var: float,
    drift: float,
    p_c: float,
) -> float:
    """``P_t``: variance of the level at ``t`` (weeks from the season's opening) given what a buy placed then knows."""
    if mode == "level":
        return 0.0
    if mode == "prior" or t <= 0.0:  # nothing learnt: the forecast's error grows with the walk
        return p_c + drift * (t + lead)
    grid, _, var = kalman_gains(season, lead, n, k, mean, noise_var, drift, p_c + drift * lead)
    return float(np.interp(t, grid, var))


def _nearest(grid: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the grid point nearest each time (the first on a tie), 0 for a time at or before the opening."""
    hi = np.clip(np.searchsorted(grid, times), 1, len(grid) - 1)
    lo = hi - 1
    pick = np.where(np.abs(grid[hi] - times) < np.abs(grid[lo] - times), hi, lo)
    return np.where(times <= 0.0, 0, pick)


@lru_cache(maxsize=4096)
def learning_carry_in(
    mode: str,
    season: float,
    lead: float,
    n: float,
    k: int,
    mean: float,
    noise_var: float,
    drift: float,
    p_c: float,
    test_units: float = 0.0,
) -> tuple[tuple[float, ...], np.ndarray, np.ndarray]:
    """Every re-order ``j = 1 .. k-1``: weeks of demand seen since the buy before, and the covariances of the
    carry-in steps ``D_j`` and the forecast errors ``r_j``.

    For ``kalman`` and ``prior``: the buy before (at ``a = (j - 1) n - L``) ordered up to ``T_{j-1} =
    Q_{j-1} + W mean (xhat_a - 1)`` (the opener a fixed quantity unless a test drop moved it), the demand
    ``D_w`` between the two buys was sold, and buy ``j`` (at ``b = j n - L``) targets ``T_j = Q_j + W mean
    (xhat_b - 1)``. The stock position less the target is ``E_j = max(E_{j-1}, 0) + D_j`` (a Lindley
    recursion: a carry-in above the previous target is carried on), ``D_j = T_{j-1} - D_w - T_j``, a linear
    function of ``e0``, the walk's increments and within-step integrals and each step's noise (the gains are
    deterministic). Learning lowers the targets as the level's variance falls, so a carry-in above the
    target is not only the last buy's. ``r_j = W mean (x_b - xhat_b)`` is the error of buy ``j``'s forecast
    of its window: uncorrelated with what the filter read, strongly correlated for ``prior`` (a low level
    leaves a large carry-in and a small window demand alike). :func:`siting.costs.carry_in.carry_in_chain`
    runs the recursion.

    Returns
    -------
    (tuple, ndarray, ndarray)
        Weeks seen ``w_j``; ``cov(D_i, D_j)`` and ``cov(D_i, r_j)`` (``i, j = 1 .. k-1``; units squared; read-only).
    """
    window = lead + n
    times = [j * n - lead for j in range(k)]
    if k < 2:
        return (), np.zeros((0, 0)), np.zeros((0, 0))
    read, gain0, p_open = read_test_drop(p_c, test_units, mean, noise_var)
    grid, gains, _ = kalman_gains(season, lead, n, k, mean, noise_var, drift, p_open + drift * lead)
    steps = np.diff(grid)
    m = len(steps)
    # the filter: xhat_i = a_i xhat_{i-1} + g_i y_i, a_i = 1 - g_i mean d_i (``prior``: xhat never moves)
    a = np.clip(1.0 - gains * mean * steps, 1e-300, None) if mode == "kalman" else np.ones(m)
    g = gains if mode == "kalman" else np.zeros(m)
    log_a = np.concatenate([[0.0], np.cumsum(np.log(a))])
    # grid point of each buy (0 before the season); step i lies in interval j when at[j-1] <= i < at[j]
    at = _nearest(grid, np.array(times))
    seg = np.searchsorted(at, np.arange(m), side="right")
    inside = seg < k  # the steps after the last buy play no part
    seg_c = np.minimum(seg, k - 1)
    end = at[seg_c]
    # weight of step i's demand in xhat at its interval's end
    w = np.where(inside, g * np.exp(np.minimum(log_a[end] - log_a[1:], 0.0)), 0.0)
    d_in = np.where(inside, steps, 0.0)
    wd = w * d_in
    # within an interval: sums over the steps after i (reverse cumulative sums, less the interval's end's)
    rd = np.concatenate([np.cumsum(d_in[::-1])[::-1], [0.0]])
    rwd = np.concatenate([np.cumsum(wd[::-1])[::-1], [0.0]])
    tail_d = rd[1:] - rd[end]
    tail_wd = rwd[1:] - rwd[end]
    # each step's walk increment, within-step integral and noise (variances v1, v2, v3) enter the interval's
    # level change, its demand Y and its estimate's change H with these coefficients (x: 1, 0, 0)
    v1, v2, v3 = drift * d_in, drift * d_in**3 / 12.0 * mean * mean, noise_var * d_in
    c_y = mean * (tail_d + d_in / 2.0)
    c_h = mean * (tail_wd + wd / 2.0)

    def per_interval(values: np.ndarray) -> np.ndarray:
        return np.bincount(seg_c[inside], weights=values[inside], minlength=k)

    xx, xy, xh = per_interval(v1), per_interval(v1 * c_y), per_interval(v1 * c_h)
    yy = per_interval(v1 * c_y * c_y + v2 + v3)
    yh = per_interval(v1 * c_y * c_h + v2 * w + v3 * w)
    hh = per_interval(v1 * c_h * c_h + (v2 + v3) * w * w)
    big_b = per_interval(w * mean * d_in)  # E[xhat_b | state at a] = A xhat_a + B x_a
    delta = per_interval(d_in)  # weeks of demand seen
    log_big_a = log_a[at[1:]] - log_a[at[:-1]]
    # D_j = c mean xhat_a - W mean xhat_b - Y_(a, b]: E[D_j | state at a] = ux x_a + uh xhat_a, plus eta_j
    c_prev = np.array([(window if j >= 2 else n) * (1.0 if j >= 2 or gain0 > 0 else 0.0) for j in range(1, k)])
    big_a = np.exp(log_big_a)
    ux = -window * mean * big_b[1:] - mean * delta[1:]
    uh = c_prev * mean - window * mean * big_a
    wm = window * mean
    var_eta = yy[1:] + 2.0 * wm * yh[1:] + wm * wm * hh[1:]
    cov_x_eta, cov_h_eta = -xy[1:] - wm * xh[1:], -yh[1:] - wm * hh[1:]
    # the state (level, estimate) less their means, at the season's opening: e0 + walk before, K (e0 + read noise)
    r0 = read if math.isfinite(read) else 0.0
    sxx, sxh, shh = p_c + drift * lead, gain0 * p_c, gain0 * gain0 * (p_c + r0)
    var_d, v_x, v_h, w_x, w_h = ([0.0] * (k - 1) for _ in range(5))
    for j, (bj, aj, uxj, uhj, ve, cxe, che, dxx, dxh, dhh) in enumerate(
        zip(*(x.tolist() for x in (big_b[1:], big_a, ux, uh, var_eta, cov_x_eta, cov_h_eta, xx[1:], xh[1:], hh[1:])))
    ):  # interval j + 1, buy j to buy j + 1: the 2 x 2 covariance of (level, estimate) carried on
        su_x, su_h = sxx * uxj + sxh * uhj, sxh * uxj + shh * uhj  # Sigma_a u
        var_d[j] = uxj * su_x + uhj * su_h + ve
        v_x[j] = su_x + cxe  # cov(state at b, D): Phi Sigma_a u + cov(xi, eta)
        v_h[j] = bj * su_x + aj * su_h + che
        sxx, sxh, shh = (
            sxx + dxx,
            bj * sxx + aj * sxh + dxh,
            bj * bj * sxx + 2.0 * aj * bj * sxh + aj * aj * shh + dhh,
        )
        w_x[j], w_h[j] = wm * (sxx - sxh), wm * (sxh - shh)  # cov(state at b, r_j)
    vx, vh, wx, wh = (np.array(x)[:, None] for x in (v_x, v_h, w_x, w_h))
    # Phi from buy p to buy q (p <= q): x stays, xhat -> A(p, q) xhat + B(p, q) x
    la = np.concatenate([[0.0], np.cumsum(log_big_a)])
    idx = np.arange(k)
    upper = idx[:, None] <= idx[None, :]
    amat = np.where(upper, np.exp(np.minimum(la[None, :] - la[:, None], 0.0)), 0.0)
    terms = big_b[:, None] * amat
    terms[0] = 0.0  # B_l A(l, q), l = 1 .. q
    bmat = np.zeros((k, k))
    bmat[:-1] = np.cumsum(terms[::-1], axis=0)[::-1][1:]  # B(p, q): the sum over l = p + 1 .. q
    # rows D_i, columns D_j / r_j (i, j = 1 .. k - 1); Phi(i -> j - 1) is [1:, :-1], Phi(i -> j) is [1:, 1:]
    a_prev, b_prev, a_at, b_at = amat[1:, :-1], bmat[1:, :-1], amat[1:, 1:], bmat[1:, 1:]
    uxr, uhr = ux[None, :], uh[None, :]
    tri = np.triu(np.ones((k - 1, k - 1), dtype=bool), 1)  # i < j
    # i < j: cov(D_i, D_j) = u_j . Phi(i -> j - 1) v_i
    gdd = np.where(tri, uxr * vx + uhr * (b_prev * vx + a_prev * vh), 0.0)
    gdd = gdd + gdd.T
    gdd[np.diag_indices(k - 1)] = var_d
    # cov(D_i, r_j): i <= j through Phi(i -> j) on v_i; i > j through u_i . Phi(j -> i - 1) on w_j
    upto = wm * ((1.0 - b_at) * vx - a_at * vh)
    after = ux[:, None] * wx.T + uh[:, None] * (b_prev.T * wx.T + a_prev.T * wh.T)
    gdr = np.where(tri.T, after, upto)
    seen = [max(times[j], 0.0) - max(times[j - 1], 0.0) for j in range(1, k)]
    gdd.flags.writeable = gdr.flags.writeable = False  # cached: shared by every caller
    return tuple(seen), gdd, gdr
