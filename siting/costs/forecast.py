"""Forecast error that grows with the horizon: the demand uncertainty a buy faces when it is committed.

The model (a continuous-time martingale model of forecast evolution, the additive form of Graves
et al. 1986 and Heath & Jackson 1994, with the fashion evidence of Fisher & Raman 1996 that
pre-season forecasts are far less accurate than forecasts updated on early sales):

* Demand in week ``t`` is ``mean x X_t + noise_t``: ``X_t`` is the demand level (1 on average), a
  random walk ``dX = s dW`` whose state is learnt from sales as they come in; ``noise_t`` is
  independent week to week with standard deviation ``std`` (``demand_std_units_per_week``).
* A buy committed ``h`` weeks before a window of ``n`` weeks opens knows the level at commit time
  only, so the window's demand has variance
  ``mean^2 s^2 (h n^2 + n^3 / 3) + n std^2`` (level error growing linearly with the horizon,
  plus the weekly noise).
* ``s`` comes from one figure per family, ``forecast_cv_preseason``: the CV of the season's
  demand as forecast ``H`` weeks before the season opens, when an offshore buy is planned
  (``H = forecast_horizon_weeks``, default 26: the offshore model's 6-month cycle, McKinsey 2018):
  ``s^2 = cv^2 / (H + season / 3)``. With ``cv = 0`` only the independent weekly noise remains:
  the square-root-of-weeks model.

So for a 26-week season the forecast error of the season halves between the planning horizon and
the season's start (``sqrt((26 / 3) / (26 + 26 / 3)) = 0.5``); an offshore buy committed 14 weeks
ahead faces a level CV of ``cv sqrt((14 + 26 / 3) / (26 + 26 / 3)) = 0.81 cv``, while a local
two-week run committed a week ahead faces ``cv sqrt((1 x 4 + 8 / 3) / (26 + 26 / 3)) / 2 = 0.22 cv``
of its own (smaller) window.
"""

from __future__ import annotations

import math

from siting.costs.products import cost_default
from siting.errors import InputError

__all__ = ["level_drift_var_per_week", "window_demand_std", "window_demand_std_sim"]


def level_drift_var_per_week(
    forecast_cv_preseason: float, season_weeks: float, horizon_weeks: float | None = None
) -> float:
    """Variance per week ``s^2`` of the demand-level random walk (share of the mean level, squared).

    Parameters
    ----------
    forecast_cv_preseason : float
        CV of the season's demand as forecast ``horizon_weeks`` before the season opens (>= 0).
    season_weeks : float
        Season length (weeks, > 0).
    horizon_weeks : float, optional
        When that forecast is made; default the cost default ``forecast_horizon_weeks`` (26).

    Returns
    -------
    float
        ``cv^2 / (horizon_weeks + season_weeks / 3)`` (per week).
    """
    horizon = cost_default("forecast_horizon_weeks") if horizon_weeks is None else float(horizon_weeks)
    if not (forecast_cv_preseason >= 0 and season_weeks > 0 and horizon >= 0):
        raise InputError(
            f"forecast: forecast_cv_preseason={forecast_cv_preseason!r} and horizon_weeks={horizon!r} must be "
            f">= 0 and season_weeks={season_weeks!r} > 0."
        )
    return forecast_cv_preseason**2 / (horizon + season_weeks / 3.0)


def window_demand_std(
    mean_per_week: float, std_per_week: float, drift_var_per_week: float, horizon_weeks: float, window_weeks: float
) -> float:
    """Standard deviation of a window's demand as forecast ``horizon_weeks`` before it opens (units).

    Parameters
    ----------
    mean_per_week, std_per_week : float
        Mean demand and the independent weekly noise (units per week).
    drift_var_per_week : float
        ``s^2`` from :func:`level_drift_var_per_week`.
    horizon_weeks, window_weeks : float
        Weeks between commitment and the window's start; the window's length.

    Returns
    -------
    float
        ``sqrt(mean^2 s^2 (h n^2 + n^3 / 3) + n std^2)``.
    """
    h, n = float(horizon_weeks), float(window_weeks)
    if h < 0 or n < 0:
        raise InputError(f"forecast: horizon_weeks={h} and window_weeks={n} must be >= 0.")
    level = mean_per_week**2 * drift_var_per_week * (h * n * n + n**3 / 3.0)
    return math.sqrt(level + n * std_per_week**2)


def window_demand_std_sim(
    mean_per_week: float,
    std_per_week: float,
    drift_var_per_week: float,
    horizon_weeks: float,
    window_weeks: float,
    *,
    n_runs: int = 20_000,
    steps_per_week: int = 50,
    seed: int = 0,
) -> float:
    """Monte Carlo check of :func:`window_demand_std`: simulate the level walk and the weekly noise.

    The level is a random walk on a grid of ``steps_per_week`` steps a week, integrated over the
    window with the trapezoid rule; the noise of a window of ``n`` weeks is normal with variance
    ``n std^2``. Returns the sample standard deviation of the window's demand around the forecast
    made at commitment (``mean x n``).

    Returns
    -------
    float
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    dt = 1.0 / steps_per_week
    h_steps = round(horizon_weeks * steps_per_week)
    n_steps = round(window_weeks * steps_per_week)
    total = h_steps + n_steps
    increments = rng.normal(0.0, math.sqrt(drift_var_per_week * dt), size=(n_runs, total))
    level = np.concatenate([np.zeros((n_runs, 1)), np.cumsum(increments, axis=1)], axis=1)  # X_t - X_commit
    window = level[:, h_steps:]
    integral = (window[:, :-1] + window[:, 1:]).sum(axis=1) * dt / 2.0
    noise = rng.normal(0.0, std_per_week * math.sqrt(window_weeks), size=n_runs)
    error = mean_per_week * integral + noise
    return float(error.std(ddof=1))
