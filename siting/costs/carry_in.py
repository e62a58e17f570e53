"""The season's last re-order cycle with the stock carried in from the buy before it: write-off and lost sales.

When the last buy is placed, the stock position ``P`` (stock on hand and in transit) may already
exceed the last buy's order-up-to level ``T_last`` (lower than the earlier ones: its overage is the
write-off, not one cycle's carrying). Then nothing is ordered and the last window starts from ``P``:

* written off = ``E[(max(T_last, P) - D_last)^+]``,
* lost sales in the last cycle = ``E[(D_last - max(T_last, P))^+]``,

with ``D_last`` the demand over the last buy's protection window (lead time + cycle), independent
of the past given the level learnt when the last buy is placed. ``E = P - T_last`` has mean
``Q_prev - Q_last - mean x w`` (``w`` = weeks of demand seen between the two buys) and a variance
made of the weekly noise over ``w`` and of the demand level's random walk (the level moves both
targets and the demand seen in between: a linear functional of the walk whose variance is an
integral of a piecewise-linear kernel squared, integrated exactly by Gauss-Legendre per piece).
Normal families take ``E`` normal (Gauss-Legendre over ``E > 0``); Poisson and negative-binomial
families take ``E = (Q_prev - Q_last) - D_w`` with ``D_w`` discrete with those moments (exact for
Poisson, which has no level drift).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from siting.costs.demand import NewsvendorResult, discrete_pmf, expected_sales

__all__ = ["carry_in_spread", "last_cycle"]

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)
_GL2_NODES, _GL2_WEIGHTS = np.polynomial.legendre.leggauss(2)


def carry_in_spread(
    mean: float,
    noise_std: float,
    drift: float,
    lead: float,
    n: float,
    k: int,
) -> tuple[float, float]:
    """Weeks of demand seen between the last two buys, and the standard deviation of ``E = P - T_last``.

    Parameters
    ----------
    mean, noise_std : float
        Weekly demand mean and independent weekly noise (units; Poisson: ``sqrt(mean)``).
    drift : float
        Variance per week of the demand level (:func:`siting.costs.forecast.level_drift_var_per_week`).
    lead, n : float
        Lead time and cycle length (weeks).
    k : int
        Buys per season (>= 2). With ``k == 2`` the previous buy is the season opener, a fixed
        quantity; later buys order up to a level that moves with the learnt level.

    Returns
    -------
    (float, float)
        ``w`` (weeks) and ``std(E)`` (units).
    """
    # time since the opener was committed (level 1 then); buys at (j n), the season opens at ``lead``
    a, b = (k - 2) * n, (k - 1) * n
    u0, u1 = max(a, lead), max(b, lead)
    w = u1 - u0
    window = lead + n
    c_prev = 1.0 if k >= 3 else 0.0

    def kernel(t: np.ndarray) -> np.ndarray:  # E's level part = integral of kernel(t) dW_t (times mean)
        seen = np.where(t < u1, u1 - np.maximum(t, u0), 0.0)
        return c_prev * window * (t < a) - window * (t < b) - seen

    cuts = sorted({0.0, a, u0, u1, b})
    level_var = 0.0
    for lo, hi in zip(cuts, cuts[1:]):
        if hi > lo:
            t = lo + (hi - lo) * (_GL2_NODES + 1.0) / 2.0
            level_var += float((_GL2_WEIGHTS * kernel(t) ** 2).sum()) * (hi - lo) / 2.0
    var = mean * mean * drift * level_var + w * noise_std * noise_std
    return w, math.sqrt(max(var, 0.0))


def last_cycle(
    prev_qty: float, last: NewsvendorResult, mean: float, w: float, e_std: float, distribution: str
) -> tuple[float, float]:
    """Expected write-off and lost sales of the last cycle, with the carry-in (units per season).

    Parameters
    ----------
    prev_qty : float
        The previous buy's order-up-to level at the base level (the opener's quantity if ``k == 2``).
    last : NewsvendorResult
        The last buy: its order-up-to level ``order_qty`` and its window's demand ``mean``, ``std``.
    mean : float
        Weekly demand mean.
    w, e_std : float
        From :func:`carry_in_spread`.
    distribution : {"normal", "poisson", "negbin"}

    Returns
    -------
    (float, float)
        ``(written_off, lost_sales)``.
    """
    c0 = prev_qty - last.order_qty
    seen = mean * w
    if distribution != "normal" and seen > 0:
        kmax = int(seen + 15.0 * max(e_std, math.sqrt(seen), 1.0) + 30.0)
        d = np.arange(kmax + 1)
        weights = discrete_pmf(seen, e_std, distribution, kmax)
        extra = np.maximum(c0 - d, 0.0)
    else:
        e_mean = c0 - seen
        if e_std <= 0:
            extra, weights = np.array([max(e_mean, 0.0)]), np.ones(1)
        else:
            below = float(ndtr(-e_mean / e_std))
            lo, hi = max(0.0, e_mean - 10.0 * e_std), max(0.0, e_mean + 10.0 * e_std)
            if hi <= lo:
                extra, weights = np.zeros(1), np.array([below])
            else:
                e = lo + (hi - lo) * (_GL_NODES + 1.0) / 2.0
                pdf = np.exp(-0.5 * ((e - e_mean) / e_std) ** 2) / (e_std * math.sqrt(2.0 * math.pi))
                extra = np.concatenate([[0.0], e])
                weights = np.concatenate([[below], _GL_WEIGHTS * pdf * (hi - lo) / 2.0])
    stock = last.order_qty + extra
    sales = expected_sales(stock, last.mean, last.std, last.distribution)
    written_off = float((weights * (stock - sales)).sum())
    lost = float((weights * (last.mean - sales)).sum())
    return max(written_off, 0.0), max(lost, 0.0)
