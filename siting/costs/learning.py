"""Learning from sales: the Kalman filter on the demand level, what each re-order knows, and the last cycle's carry-in.

The demand level is ``x_t = 1 + e0 + B_t`` (a share of the forecast mean): ``B`` the random walk of
:mod:`siting.costs.forecast` (variance ``s^2`` a week), ``e0`` the error of the forecast at the
opener's commitment, ``L`` weeks before the season opens. A family's ``reorder_forecast`` says what
each buy knows of the level when it is placed:

* ``level`` (the default, and the model before learning): the level at the buy, exactly (an oracle);
  the opener's forecast is exact at its commitment (``e0 = 0``).
* ``kalman``: the pre-season forecast made ``H = forecast_horizon_weeks`` before the season
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
    gdd.flags.writeable = gdr.flags.writeable = False  # cached: shared by every caller
    return tuple(seen), gdd, gdr
