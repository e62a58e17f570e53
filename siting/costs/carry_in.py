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

from siting.costs.demand import NewsvendorResult, discrete_mean, discrete_pmf, expected_sales, normal_loss

__all__ = ["CarryInChain", "carry_in_chain", "carry_in_chains", "carry_in_spread", "last_cycle", "last_cycles_normal"]

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)
_GL20 = np.polynomial.legendre.leggauss(20)
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


def carry_in_chain(offsets: list[float], gdd: np.ndarray, gdr: np.ndarray) -> list[tuple[float, float, float]]:
    """Mean, standard deviation and ``cov(E_j, r_j)`` of each re-order's carry-in ``E_j = max(E_{j-1}, 0) + D_j``.

    Clark's (1961) moments of the maximum of normals: ``Y = max(X, 0)``, ``X ~ N(m, s^2)``, ``a = m / s``, has
    ``E[Y] = m Phi(a) + s phi(a)``, ``E[Y^2] = (m^2 + s^2) Phi(a) + m s phi(a)`` and ``cov(Y, Z) = Phi(a)
    cov(X, Z)`` for any ``Z`` jointly normal with ``X``; each ``E_j`` is taken normal with those moments
    (its covariances with the steps ``D`` and the errors ``r`` carried as a combination of the ``D_i``).

    Parameters
    ----------
    offsets : list of float
        ``E[D_j] = Q_{j-1} - Q_j - mean w_j`` (units).
    gdd, gdr : ndarray
        ``cov(D_i, D_j)`` and ``cov(D_i, r_j)`` (:func:`siting.costs.learning.learning_carry_in`).

    Returns
    -------
    list of (float, float, float)
    """
    chain = CarryInChain(gdd, gdr)
    return [chain.step(offset) for offset in offsets]


def carry_in_chains(offsets: np.ndarray, gdd: np.ndarray, gdr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`carry_in_chain` of several rows of offsets at once (the same steps' covariances), vectorised.

    The same moments: ``E_j``'s part in the steps ``D_i`` is a row of coefficients (scaled by ``Phi(a)`` at each
    step, 1 on the new step), its variance ``coef g coef`` and ``cov(E_j, r_j) = (coef h)_j`` taken as dot
    products over the steps so far (the same sums as :class:`CarryInChain`'s running vectors, to rounding).

    Parameters
    ----------
    offsets : ndarray
        ``E[D_j]``, one row per chain (``rows x steps``, units).
    gdd, gdr : ndarray
        As :func:`carry_in_chain`.

    Returns
    -------
    (ndarray, ndarray, ndarray)
        Mean, standard deviation and ``cov(E_j, r_j)`` of each chain's carry-ins (``rows x steps``).
    """
    offs = np.atleast_2d(np.asarray(offsets, dtype=float))
    rows, size = offs.shape
    gh = np.stack([np.asarray(gdd, dtype=float), np.asarray(gdr, dtype=float)], axis=2)  # g_ij, h_ij side by side
    diag = np.diagonal(gdd).tolist()
    offsets_rows = offs.T.tolist()
    coef = np.zeros((rows, size))
    out_mean, out_sd, out_cov = [], [], []
    quad, mean_e, residual = [0.0] * rows, list(offsets_rows[0]), [0.0] * rows
    inv_sqrt_2pi, inv_sqrt_2 = 1.0 / math.sqrt(2.0 * math.pi), 1.0 / math.sqrt(2.0)
    for j in range(size):
        if j > 0:  # Clark's moments of max(E_{j-1}, 0), row by row (a few rows: plain floats)
            scale = [0.0] * rows
            for r in range(rows):
                m, var = mean_e[r], quad[r] + residual[r]
                sd = math.sqrt(max(var, 0.0))
                if sd <= 0:
                    phi_a, cdf_a, carried = 0.0, float(m > 0), max(m, 0.0)
                    second = carried * carried
                else:
                    a = m / sd
                    phi_a, cdf_a = math.exp(-0.5 * a * a) * inv_sqrt_2pi, 0.5 * math.erfc(-a * inv_sqrt_2)
                    carried = m * cdf_a + sd * phi_a
                    second = (m * m + var) * cdf_a + m * sd * phi_a
                scale[r] = cdf_a
                q = quad[r] * cdf_a * cdf_a
                quad[r] = q
                residual[r] = max(second - carried * carried - q, 0.0)
                mean_e[r] = carried + offsets_rows[j][r]
            coef[:, :j] *= np.array(scale)[:, None]
        coef[:, j] = 1.0
        both = (coef[:, : j + 1] @ gh[: j + 1, j]).tolist()  # (g coef)_j + g_jj and (coef h)_j per row
        g_jj = diag[j]
        quad = [q + 2.0 * b[0] - g_jj for q, b in zip(quad, both)]
        out_mean.append(list(mean_e))
        out_sd.append([math.sqrt(max(q + e, 0.0)) for q, e in zip(quad, residual)])
        out_cov.append([b[1] for b in both])
    return np.array(out_mean).T, np.array(out_sd).T, np.array(out_cov).T


class CarryInChain:
    """:func:`carry_in_chain` one re-order at a time: :meth:`step` takes ``E[D_j]`` and returns ``E_j``'s moments,
    so a caller may move the next offset after seeing this one (``prior``: the demand lost in a lead time)."""

    def __init__(self, gdd: np.ndarray, gdr: np.ndarray) -> None:
        self.g, self.h = np.asarray(gdd, dtype=float).tolist(), np.asarray(gdr, dtype=float).tolist()
        # E_j's part in the D_i: coef (implicit), carried as ``gc = g coef``, ``hc = coef h``, ``quad = coef g coef``
        size = len(self.g)
        self.gc, self.hc = [0.0] * size, [0.0] * size
        self.quad, self.mean_e, self.residual, self.j = 0.0, 0.0, 0.0, 0

    def step(self, offset: float) -> tuple[float, float, float]:
        """Mean, standard deviation and ``cov(E_j, r_j)`` of the next re-order's carry-in, ``E[D_j]`` = ``offset``."""
        j, g, h = self.j, self.g, self.h
        gc, hc, quad = self.gc, self.hc, self.quad
        if j == 0:
            mean_e, residual = offset, 0.0
        else:
            mean_e = self.mean_e
            var = quad + self.residual
            sd = math.sqrt(max(var, 0.0))
            if sd <= 0:
                phi_a, cdf_a, carried = 0.0, float(mean_e > 0), max(mean_e, 0.0)
                second = carried * carried
            else:
                a = mean_e / sd
                phi_a, cdf_a = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi), 0.5 * math.erfc(-a / math.sqrt(2.0))
                carried = mean_e * cdf_a + sd * phi_a
                second = (mean_e * mean_e + var) * cdf_a + mean_e * sd * phi_a
            gc = [x * cdf_a for x in gc]
            hc = [x * cdf_a for x in hc]
            quad *= cdf_a * cdf_a
            residual = max(second - carried * carried - quad, 0.0)
            mean_e = carried + offset
        # coef[j] = 1 (it was 0): the quadratic form gains 2 (g coef)_j + g_jj
        quad += 2.0 * gc[j] + g[j][j]
        self.gc = [x + y for x, y in zip(gc, g[j])]
        self.hc = [x + y for x, y in zip(hc, h[j])]
        self.quad, self.mean_e, self.residual, self.j = quad, mean_e, residual, j + 1
        return mean_e, math.sqrt(max(quad + residual, 0.0)), self.hc[j]


def last_cycle(
    prev_qty: float,
    last: NewsvendorResult,
    mean: float,
    w: float,
    e_std: float,
    distribution: str,
    cov: float = 0.0,
    normal_carry_in: bool = False,
) -> tuple[float, float]:
    """Expected leftover and lost sales of a re-order cycle, with the carry-in (units per cycle).

    Parameters
    ----------
    prev_qty : float
        The previous buy's order-up-to level at the base level (the opener's quantity if ``k == 2``).
    last : NewsvendorResult
        The buy: its order-up-to level ``order_qty`` and its window's demand ``mean``, ``std``.
    mean : float
        Weekly demand mean.
    w, e_std : float
        From :func:`carry_in_spread`.
    distribution : {"normal", "poisson", "negbin"}
    cov : float
        ``cov(E, r)``, ``r`` the error of the buy's forecast of its window's demand
        (:func:`siting.costs.learning.learning_carry_in`): given ``E = e`` the window's demand has mean
        ``mean_W + (cov / var E) (e - E[E])`` and variance ``std_W^2 - cov^2 / var E`` (jointly normal).
        0 when the buy knows the level (``level``) or reads the sales (``kalman``).
    normal_carry_in : bool
        A negative-binomial family's carry-in taken normal (the learning modes, whose carry-in is mostly the
        targets' moves) instead of ``c0 - D_w`` with ``D_w`` negative binomial (``level``). Poisson keeps its
        exact discrete carry-in.

    Returns
    -------
    (float, float)
        ``(leftover, lost_sales)``: for the season's last buy the leftover is written off.
    """
    c0 = prev_qty - last.order_qty
    seen = mean * w
    if e_std > 0 and abs(cov) > 1e-6 * e_std * max(last.std, 1e-12):  # the filter's is 0 up to rounding
        return _correlated(c0 - seen, e_std, cov, last)
    if distribution != "normal" and seen > 0 and (distribution == "poisson" or not normal_carry_in):
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
    sales = expected_sales(stock, last.mean, last.std, last.distribution, last.level_var)
    written_off = float((weights * (stock - sales)).sum())
    demand = discrete_mean(last.mean, last.std, last.distribution, last.level_var)
    lost = float((weights * (demand - sales)).sum())
    return max(written_off, 0.0), max(lost, 0.0)


def last_cycles_normal(
    e_mean: np.ndarray, e_std: np.ndarray, qty: np.ndarray, w_mean: np.ndarray, w_std: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`last_cycle` of several normal re-orders at once, their carry-ins ``N(e_mean, e_std^2)`` uncorrelated
    with their windows (``e_std > 0``, ``w_std > 0``; the same Gauss-Legendre rule over ``E > 0``, one row each).

    Parameters
    ----------
    e_mean, e_std : ndarray
        The carry-ins' means and standard deviations (units).
    qty, w_mean, w_std : ndarray
        Each re-order's order-up-to level and its window's demand mean and standard deviation (units).

    Returns
    -------
    (ndarray, ndarray)
        ``(leftover, lost_sales)`` per re-order (units per cycle).
    """
    e_mean, e_std = np.asarray(e_mean, dtype=float)[:, None], np.asarray(e_std, dtype=float)[:, None]
    qty, w_mean, w_std = (np.asarray(a, dtype=float)[:, None] for a in (qty, w_mean, w_std))
    below = ndtr(-e_mean / e_std)
    lo, hi = np.maximum(0.0, e_mean - 10.0 * e_std), np.maximum(0.0, e_mean + 10.0 * e_std)
    e = lo + (hi - lo) * (_GL_NODES[None, :] + 1.0) / 2.0  # hi == lo: the weights are 0, only ``below`` counts
    pdf = np.exp(-0.5 * ((e - e_mean) / e_std) ** 2) / (e_std * math.sqrt(2.0 * math.pi))
    extra = np.concatenate([np.zeros_like(below), e], axis=1)
    weights = np.concatenate([below, _GL_WEIGHTS[None, :] * pdf * (hi - lo) / 2.0], axis=1)
    stock = qty + extra
    sales = w_mean - w_std * np.asarray(normal_loss((stock - w_mean) / w_std))
    leftover = (weights * (stock - sales)).sum(axis=1)
    lost = (weights * (w_mean - sales)).sum(axis=1)
    return np.maximum(leftover, 0.0), np.maximum(lost, 0.0)


def _correlated(e_mean: float, e_std: float, cov: float, cycle: NewsvendorResult) -> tuple[float, float]:
    """:func:`last_cycle` when the carry-in ``E ~ N(e_mean, e_std^2)`` and the window's demand are correlated.

    Gauss-Legendre over ``E`` within 10 standard deviations (split at 0, where the stock's kink is); at each node
    the window's demand is conditioned on ``E`` (its mean shifted, its variance reduced; a discrete family keeps
    its shape with the conditional moments, the level's share of the variance reduced by what ``E`` explains).
    """
    # a discrete window prices each node with its own mixture: fewer nodes (20 a piece within 7 sd)
    width, (gl_x, gl_w) = (10.0, (_GL_NODES, _GL_WEIGHTS)) if cycle.distribution == "normal" else (7.0, _GL20)
    lo, hi = e_mean - width * e_std, e_mean + width * e_std
    pieces = [(lo, min(hi, 0.0)), (max(lo, 0.0), hi)]
    nodes, weights = [], []
    for a, b in pieces:
        if b > a:
            e = a + (b - a) * (gl_x + 1.0) / 2.0
            pdf = np.exp(-0.5 * ((e - e_mean) / e_std) ** 2) / (e_std * math.sqrt(2.0 * math.pi))
            nodes.append(e)
            weights.append(gl_w * pdf * (b - a) / 2.0)
    e, wt = np.concatenate(nodes), np.concatenate(weights)
    wt = wt / float(wt.sum())
    stock = cycle.order_qty + np.maximum(e, 0.0)
    sales, demand = _conditional_sales(e - e_mean, e_std, cov, cycle, stock)
    leftover = float((wt * (stock - sales)).sum())
    lost = float((wt * (demand - sales)).sum())
    return max(leftover, 0.0), max(lost, 0.0)


def _conditional_sales(
    dev: np.ndarray, e_std: float, cov: float, window: NewsvendorResult, stock: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected sales from ``stock`` and the expected demand of ``window``, given the carry-in ``E = E[E] + dev``."""
    beta = cov / (e_std * e_std)
    explained = cov * cov / (e_std * e_std)
    cond_std = math.sqrt(max(window.std * window.std - explained, 0.0))
    cond_mean = window.mean + beta * dev
    if window.distribution == "normal":
        if cond_std > 0:
            sales = cond_mean - cond_std * np.asarray(normal_loss((stock - cond_mean) / cond_std))
        else:
            sales = np.minimum(stock, cond_mean)
        return sales, cond_mean
    # the level's part of the variance less what E explains, the noise given the level as the family's
    mean_w = window.mean
    level_abs = max(mean_w * mean_w * window.level_var - explained, 0.0)
    ratio = (window.std * window.std - mean_w * mean_w * window.level_var) / mean_w if mean_w > 0 else 1.0
    sales, demand = np.zeros(len(stock)), np.zeros(len(stock))
    for i, (y, m) in enumerate(zip(stock, np.maximum(cond_mean, 1e-6))):
        lv = level_abs / (m * m)
        sd = math.sqrt(level_abs + max(ratio, 0.0) * m)
        sales[i] = float(expected_sales(np.array([y]), float(m), sd, window.distribution, lv)[0])
        demand[i] = discrete_mean(float(m), sd, window.distribution, lv)
    return sales, demand


_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(32)
_GH12 = np.polynomial.hermite_e.hermegauss(12)


def lead_time_split(
    qty: float, e_mean: float, e_std: float, cov: np.ndarray, means: tuple[float, float], coarse: bool = False
) -> tuple[float, float]:
    """Lost sales of a re-order counted over its window, and over its arrival window, for the same normal demand.

    A re-order placed with the stock position ``P = qty + E`` orders up to ``qty`` (nothing when ``E > 0``).
    Over its lead time the stock on hand ``max(P, 0)`` serves ``D_L``; the order arrives and the stock
    ``A = max(qty, P) - min(D_L, max(P, 0))`` serves ``D_n`` until the next arrival. The window count
    ``E[(D_L + D_n - max(qty, P))^+]`` (the newsvendor's) also counts the lead time's shortfall, which belongs
    to the buy before; the arrival window's count is ``E[(D_n - A)^+]``. Without learning a level above the
    forecast empties the old stock and the new order alike, and the difference is a large part of the lost
    sales. Gauss-Legendre over ``E`` (split at 0), Gauss-Hermite over ``D_L`` given ``E``; ``D_n`` given both
    is normal (its normal loss).

    Parameters
    ----------
    qty : float
        The order-up-to level.
    e_mean, e_std : float
        The carry-in ``E`` (:func:`carry_in_chain`).
    cov : ndarray
        3 x 3 covariance of ``(E, D_L, D_n)``.
    means : (float, float)
        Means of ``D_L`` and ``D_n``.
    coarse : bool
        20 Gauss-Legendre nodes a piece and 12 Gauss-Hermite instead of 64 and 32 (a caller that averages many
        calls over the forecast's error, whose spread is then smaller).

    Returns
    -------
    (float, float)
        ``(window count, arrival-window count)``, units.
    """
    (gl_x, gl_w), (gh_x, gh_w) = (_GL20, _GH12) if coarse else ((_GL_NODES, _GL_WEIGHTS), (_GH_NODES, _GH_WEIGHTS))
    lo, hi = e_mean - 10.0 * e_std, e_mean + 10.0 * e_std
    nodes, weights = [], []
    for a, b in ((lo, min(hi, 0.0)), (max(lo, 0.0), hi)):
        if b > a:
            e = a + (b - a) * (gl_x + 1.0) / 2.0
            nodes.append(e)
            weights.append(gl_w * np.exp(-0.5 * ((e - e_mean) / e_std) ** 2) * (b - a) / 2.0)
    e = np.concatenate(nodes)[:, None]
    we = np.concatenate(weights)[:, None]
    we = we / we.sum()
    c = np.asarray(cov, dtype=float)
    ve = c[0, 0]
    # D_L given E
    m_l = means[0] + c[0, 1] / ve * (e - e_mean)
    v_l = max(c[1, 1] - c[0, 1] ** 2 / ve, 0.0)
    d_l = m_l + math.sqrt(v_l) * gh_x[None, :]
    wl = (gh_w / gh_w.sum())[None, :]
    # D_n given E and D_L
    sub = c[:2, :2]
    k = np.linalg.solve(sub, c[:2, 2]) if np.linalg.det(sub) > 1e-12 * max(sub[0, 0] * sub[1, 1], 1e-300) else None
    if k is None:
        m_n = means[1] + c[0, 2] / ve * (e - e_mean) + 0.0 * d_l
        v_n = max(c[2, 2] - c[0, 2] ** 2 / ve, 0.0)
    else:
        m_n = means[1] + k[0] * (e - e_mean) + k[1] * (d_l - means[0])
        v_n = max(c[2, 2] - float(c[:2, 2] @ k), 0.0)
    sd_n = math.sqrt(max(v_n, 1e-12))
    start = qty + np.maximum(e, 0.0)
    on_hand = np.maximum(qty + e, 0.0)
    arrival = start - np.minimum(d_l, on_hand)

    def short(stock: np.ndarray) -> np.ndarray:
        return sd_n * np.asarray(normal_loss((stock - m_n) / sd_n))

    window = float((we * wl * short(start - d_l)).sum())
    after = float((we * wl * short(arrival)).sum())
    return window, after
