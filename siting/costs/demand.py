"""The newsvendor for normal, Poisson and negative-binomial demand: order, sales, leftover, lost sales, profit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.fft import next_fast_len
from scipy.special import erfcx, gammaln, ndtr, ndtri

from siting.errors import InputError

__all__ = [
    "DISTRIBUTIONS",
    "NewsvendorResult",
    "newsvendor",
    "normal_loss",
    "discrete_demand",
    "discrete_mean",
    "discrete_pmf",
    "expected_sales",
    "negative_level_mean",
]

#: Demand distributions :func:`newsvendor` knows.
DISTRIBUTIONS = ("normal", "poisson", "negbin")

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)


#: Below this exponent ``exp`` is taken as 0 (``exp(-700)`` is 1e-304): numpy's ``exp`` of an argument whose result
#: underflows takes about ten times as long as of any other, and the pmf tables are mostly such far tails.
EXP_FLOOR = -700.0


def underflow_exp(x: np.ndarray) -> np.ndarray:
    """``exp(x)``, with 0 where ``x < EXP_FLOOR`` (``exp(x) < 1e-304`` there) instead of numpy's slow underflow."""
    x = np.asarray(x, dtype=float)
    out = np.maximum(x, EXP_FLOOR, out=np.empty_like(x))
    np.exp(out, out=out)
    out *= x >= EXP_FLOOR
    return out


def normal_loss(z: float | np.ndarray) -> float | np.ndarray:
    """Standard normal loss function ``L(z) = E[(Z - z)^+] = phi(z) - z (1 - Phi(z))``.

    Parameters
    ----------
    z : float or ndarray
        Standardised order quantity ``(Q - mean) / std``.

    Returns
    -------
    float or ndarray
        ``L(z) >= 0``; for large negative ``z`` it tends to ``-z``, for large positive ``z`` to 0.
    """
    if isinstance(z, float):  # a scalar without numpy's overhead (the newsvendor's per-buy call)
        phi = _INV_SQRT_2PI * math.exp(-0.5 * z * z) if abs(z) < 1e154 else 0.0
        return max(phi - z * 0.5 * math.erfc(z * _INV_SQRT_2), 0.0)
    z_arr = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):  # z*z overflows to inf for |z| > 1e154: phi is then 0
        phi_arr = _INV_SQRT_2PI * underflow_exp(-0.5 * z_arr * z_arr)
    loss = np.maximum(phi_arr - z_arr * ndtr(-z_arr), 0.0)
    return float(loss) if np.ndim(loss) == 0 else loss


@dataclass(frozen=True)
class NewsvendorResult:
    """Outcome of one replenishment cycle (all quantities in units).

    ``expected_sales + expected_leftover == order_qty`` and
    ``expected_sales + expected_lost_sales == mean`` (a discrete mixture with ``level_var`` > 0 included: its
    sales are net of the returns a negative level brings, :func:`discrete_pmf`).
    """

    order_qty: float
    expected_sales: float
    expected_leftover: float
    expected_lost_sales: float
    expected_profit: float
    critical_ratio: float
    mean: float
    std: float
    distribution: str = "normal"
    level_var: float = 0.0

    @property
    def fill_rate(self) -> float:
        """Expected share of demand served, ``expected_sales / mean`` (1.0 when mean is 0)."""
        return self.expected_sales / self.mean if self.mean > 0 else 1.0


def _check(name: str, value: float, *, positive: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "> 0" if positive else ">= 0"
        raise InputError(f"newsvendor: {name}={value!r} is invalid; give a finite number {need}.")
    return value


def discrete_demand(mean: float, std: float, distribution: str):
    """The frozen scipy distribution of a discrete demand with this mean (and standard deviation).

    ``poisson`` uses the mean only (its variance is the mean). ``negbin`` matches mean and
    variance with ``n = mean^2 / (var - mean)``, ``p = mean / var``; a variance not above the
    mean has no negative binomial, and the Poisson (the limit ``n -> inf``) is used instead.

    Parameters
    ----------
    mean, std : float
        Demand mean and standard deviation over the cycle (units).
    distribution : {"poisson", "negbin"}

    Returns
    -------
    scipy.stats frozen distribution
    """
    from scipy import stats  # about 0.3 s to import: only when a discrete demand is asked for, not on `siting rank`

    var = std * std
    if distribution == "negbin" and var > mean > 0:
        return stats.nbinom(mean * mean / (var - mean), mean / var)
    return stats.poisson(mean)


#: A mixture's table longer than its base length grows in steps of this many units (:func:`_discrete_table`).
_TABLE_STEP = 256


def _table_length(mean: float, std: float, upto: float, level_var: float) -> int:
    """The last ``k`` of :func:`_discrete_table`'s tables: far enough into the tail, and ``>= upto``."""
    spread = math.sqrt(max(std * std, mean, 1.0))
    base = int(math.ceil(mean + 15.0 * spread + 30.0))
    kmax = int(max(math.ceil(upto), base))
    if level_var > 0 and kmax > base:  # a longer table of the same mixture grows in steps (as it did when a longer
        # table extended the one computed; its entries beyond the mixture's own table are 0)
        kmax = base + _TABLE_STEP * math.ceil((kmax - base) / _TABLE_STEP)
    return kmax


def _discrete_table(
    mean: float, std: float, distribution: str, upto: float, level_var: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """``P(D <= k)`` and ``P(D > k)`` for ``k = 0 .. K``, K far enough into the tail (and >= ``upto``)."""
    kmax = _table_length(mean, std, upto, level_var)
    if level_var > 0 and mean > 0:
        full = _mixture_tables(mean, std, distribution, level_var, kmax)  # the key's sums, cut (a prefix's sums
        return full.cdf[: kmax + 1], full.sf[: kmax + 1]  # are the whole's, in order)
    pmf = discrete_pmf(mean, std, distribution, kmax, level_var)
    cdf = np.minimum(np.cumsum(pmf), 1.0)
    return cdf, np.maximum(1.0 - cdf, 0.0)


def _sf_sums(
    mean: float, std: float, distribution: str, upto: float, level_var: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_discrete_table`'s ``P(D > k)`` and its running sums ``sum_{j < k} P(D > j)`` (``k = 0 .. K + 1``)."""
    kmax = _table_length(mean, std, upto, level_var)
    if level_var > 0 and mean > 0:
        full = _mixture_tables(mean, std, distribution, level_var, kmax)
        return full.sf[: kmax + 1], full.sf_sums[: kmax + 2]
    _, sf = _discrete_table(mean, std, distribution, upto, level_var)
    return sf, np.concatenate([[0.0], np.cumsum(sf)])


def negative_level_mean(level_var: float) -> float:
    """``E[max(-l, 0)]`` for a demand level ``l ~ N(1, level_var)``: ``sd phi(1 / sd) - Phi(-1 / sd)`` (0.083 at sd 1).

    A count family's demand is ``mean l`` on average whatever the sign of ``l`` (:func:`discrete_pmf`): the demand
    a negative level brings back is ``mean E[l^-]``, and the positive demand's mean ``mean (1 + E[l^-])``.
    """
    if not level_var > 0:
        return 0.0
    sd = math.sqrt(level_var)
    return max(sd * math.exp(-0.5 / level_var) * _INV_SQRT_2PI - float(ndtr(-1.0 / sd)), 0.0)


def discrete_mean(mean: float, std: float, distribution: str, level_var: float = 0.0) -> float:
    """Mean of the demand :func:`discrete_pmf` describes: ``mean`` (the forecast's, whatever ``level_var``)."""
    return mean


@dataclass(frozen=True)
class _MixtureTables:
    """A mixture's whole pmf (:func:`_mixture_table`) and the sums :func:`_discrete_table` and
    :func:`expected_sales` take of it (read-only)."""

    pmf: np.ndarray
    cdf: np.ndarray
    sf: np.ndarray
    sf_sums: np.ndarray


#: A mixture's tables (:class:`_MixtureTables`), by ``(mean, std, distribution, level_var)``; bounded (the least
#: recently used dropped first).
_MIXTURE_TABLES: dict[tuple[float, float, str, float], _MixtureTables] = {}
_MIXTURE_TABLES_MAX = 1024
#: ... and at most this many entries in their arrays together (about 256 MB): a long table (a stock far above
#: the demand) counts as what it holds.
_MIXTURE_TABLES_MAX_FLOATS = 32_000_000
_mixture_floats = [0]  # the entries the kept tables hold (a list: updated in place)

#: A mixture's table ends where ``P(D >= N)`` is below this (a Chernoff bound, :func:`_mixture_length`): the
#: aliasing of the FFT moves no ``P(D = k)`` and no ``P(D <= k)`` by more, and the table's cut none by more.
_MIXTURE_TAIL = 1e-18

#: The ``s = log z`` at which :func:`_mixture_length` tries the Chernoff bound ``P(D >= N) <= M(z) z^-N``.
_CHERNOFF_S = np.geomspace(1e-8, 20.0, 400)


def _mixture_counts(mean: float, std: float, distribution: str, level_var: float) -> tuple[float, float, float]:
    """``(c, q, mu)`` of the count given the level ``l``: ``NB(c l, 1 - q)`` (``c > 0``, ``q = 1 - prob``, taken
    from ``ratio - 1`` so that a ratio near 1 keeps its digits), or ``Poisson(mu l)`` (``c == 0``) when the
    variance-to-mean ratio left beside the level's part is not above 1."""
    excess = (std * std - mean * mean * level_var) / mean - 1.0 if distribution == "negbin" else 0.0
    if excess > 1e-9:
        return mean / excess, excess / (1.0 + excess), mean
    return 0.0, 0.0, mean


def _level_exponent(z: np.ndarray, c: float, q: float, mu: float) -> np.ndarray:
    """``t(z)`` with ``E[z^D | l] = exp(l t(z))``: ``c (log(1 - q) - log(1 - q z))`` or ``mu (z - 1)``."""
    if c > 0:
        if q >= 0.25:
            return c * (math.log1p(-q) - np.log1p(-q * z))
        # numpy's complex log1p is log(1 + x), which loses the digits of a small q z (c ~ mean / q multiplies the
        # error): log|1 + x| by the real log1p of 2 Re x + |x|^2 (above -0.6 here), the angle by atan2
        a, b = -q * z.real, -q * z.imag
        log1p_qz = 0.5 * np.log1p(a * (2.0 + a) + b * b) + 1j * np.arctan2(b, 1.0 + a)
        return c * (math.log1p(-q) - log1p_qz)
    return mu * (z - 1.0)


def _mixture_length(c: float, q: float, mu: float, level_var: float) -> int:
    """The table's length ``N``: ``P(D >= N) < _MIXTURE_TAIL`` by ``P(D >= N) <= E[z^D] z^-N`` (any real ``z > 1``
    where the pgf is finite), ``E[z^D] <= exp(t + level_var t^2 / 2) + Phi(-1 / sd)`` (the whole normal level's
    moment generating function, with the mass at 0), the best of 400 ``z``; rounded up to a fast FFT length."""
    s = _CHERNOFF_S
    if c > 0:  # the pgf is finite below z = 1 / q
        s_max = -math.log(q)
        s = np.concatenate([s[s < s_max * 0.999], s_max * np.array([0.3, 0.6, 0.9, 0.99])])
    t = np.real(_level_exponent(np.exp(s), c, q, mu))
    log_m = np.logaddexp(t + 0.5 * level_var * t * t, math.log(max(float(ndtr(-1.0 / math.sqrt(level_var))), 1e-300)))
    n = float(np.min((log_m - math.log(_MIXTURE_TAIL)) / s))
    return int(next_fast_len(int(math.ceil(n)) + 1, real=True))


def _truncated_level_mgf(t: np.ndarray, level_var: float) -> np.ndarray:
    """``E[exp(l t) 1{l > 0}]`` for ``l ~ N(1, level_var)`` and complex ``t`` with ``Re t <= 0``.

    ``0.5 exp(-1 / (2 v)) erfcx(w)`` with ``w = -(1 + v t) / (sd sqrt 2)``; where ``Re w < 0`` (``erfcx`` grows as
    ``exp(w^2)`` there, and overflows at a small ``v``) by ``erfcx(w) = 2 exp(w^2) - erfcx(-w)``: the whole normal's
    ``exp(t + v t^2 / 2)`` less the part below 0. Both terms are then at most 1 in modulus (``Re t <= 0``).
    """
    sd = math.sqrt(level_var)
    w = -(1.0 + level_var * t) / (sd * math.sqrt(2.0))
    half_tail = 0.5 * math.exp(-0.5 / level_var)
    above = w.real < 0
    out = np.empty_like(t)
    out[~above] = half_tail * erfcx(w[~above])
    ta = t[above]
    out[above] = np.exp(ta + 0.5 * level_var * ta * ta) - half_tail * erfcx(-w[above])
    return out


def _mixture_table(mean: float, std: float, distribution: str, level_var: float) -> np.ndarray:
    """:func:`discrete_pmf`'s normal-level mixture over ``k = 0 .. N - 1``, ``N`` from the key alone.

    Given the level ``l > 0`` the count's pgf is ``exp(l t(z))`` (:func:`_level_exponent`), so the mixture's is
    ``E[exp(l t(z)) 1{l > 0}] + Phi(-1 / sd)`` in closed form (:func:`_truncated_level_mgf`); on the ``N``-th roots
    of unity its inverse FFT is the pmf, each entry off by the mass at ``k + N, k + 2N, ...`` (below
    ``_MIXTURE_TAIL`` together) and rounding (about 1e-17; a rounding below 0 is set to 0).
    """
    c, q, mu = _mixture_counts(mean, std, distribution, level_var)
    # at most 4 times the newsvendor's base length (a variance ratio in the millions has a tail beyond any table;
    # the mass beyond N, aliased, is then what the base length's table would leave out)
    n = min(_mixture_length(c, q, mu, level_var), next_fast_len(4 * (_table_length(mean, std, 0.0, 0.0) + 1)))
    z = np.exp(2j * np.pi * np.arange(n // 2 + 1) / n)
    pgf = _truncated_level_mgf(_level_exponent(z, c, q, mu), level_var)
    pmf = np.fft.irfft(np.conj(pgf), n)  # sum_k P(k) z^k: the conjugate's inverse transform (1/N sum g z^-k)
    pmf[0] += float(ndtr(-1.0 / math.sqrt(level_var)))  # a negative level's demand is at most 0 (it brings units back)
    np.maximum(pmf, 0.0, out=pmf)
    pmf.flags.writeable = False
    return pmf


def _mixture_tables(mean: float, std: float, distribution: str, level_var: float, kmax: int = 0) -> _MixtureTables:
    """The key's one table (computed once, :func:`_mixture_table`) and its cumulative sums, over ``k = 0 .. kmax``
    at least: zeros after the table, their sums carried on from the table's (the same numbers, in the same order,
    as the sums of the longer table: whatever length was asked for first, every entry is the key's)."""
    key = (mean, std, distribution, level_var)
    tables = _MIXTURE_TABLES.pop(key, None)
    if tables is None:
        pmf = _mixture_table(mean, std, distribution, level_var)
        cdf = np.minimum(np.cumsum(pmf), 1.0)
        sf = np.maximum(1.0 - cdf, 0.0)
        tables = _MixtureTables(pmf, cdf, sf, np.concatenate([[0.0], np.cumsum(sf)]))
    else:
        _mixture_floats[0] -= 4 * len(tables.pmf)
    n = len(tables.pmf)
    if kmax >= n:  # zeros after the table (its mass beyond is below _MIXTURE_TAIL): P(D <= k) stays, the sums go on
        more = max(kmax + 1 - n, _TABLE_STEP)
        pmf = np.concatenate([tables.pmf, np.zeros(more)])
        cdf = np.concatenate([tables.cdf, np.full(more, tables.cdf[-1])])
        sf = np.concatenate([tables.sf, np.full(more, tables.sf[-1])])
        sums = np.concatenate([tables.sf_sums[:-1], np.cumsum(np.concatenate([tables.sf_sums[-1:], sf[n:]]))])
        tables = _MixtureTables(pmf, cdf, sf, sums)
    for arr in (tables.pmf, tables.cdf, tables.sf, tables.sf_sums):
        arr.flags.writeable = False
    while _MIXTURE_TABLES and (
        len(_MIXTURE_TABLES) >= _MIXTURE_TABLES_MAX
        or _mixture_floats[0] + 4 * len(tables.pmf) > _MIXTURE_TABLES_MAX_FLOATS
    ):  # the least recently used first
        _mixture_floats[0] -= 4 * len(_MIXTURE_TABLES.pop(next(iter(_MIXTURE_TABLES))).pmf)
    _MIXTURE_TABLES[key] = tables
    _mixture_floats[0] += 4 * len(tables.pmf)
    return tables


def _clear_mixtures() -> None:
    """Forget every kept mixture table (:func:`_mixture_tables`; tests that ask in a chosen order)."""
    _MIXTURE_TABLES.clear()
    _mixture_floats[0] = 0


def _mixture_pmf(mean: float, std: float, distribution: str, kmax: int, level_var: float) -> np.ndarray:
    """:func:`discrete_pmf`'s normal-level mixture for ``k = 0 .. kmax``: the key's one table
    (:func:`_mixture_tables`), cut or followed by zeros (the mass beyond it is below ``_MIXTURE_TAIL``)."""
    return _mixture_tables(mean, std, distribution, level_var, kmax).pmf[: kmax + 1]


@lru_cache(maxsize=8192)
def discrete_pmf(mean: float, std: float, distribution: str, kmax: int, level_var: float = 0.0) -> np.ndarray:
    """``P(D = k)`` for ``k = 0 .. kmax`` (read-only; parameters as :func:`discrete_demand`).

    ``level_var`` > 0: the demand is a mixture over a normal demand level ``l ~ N(1, level_var)`` (a share of the
    mean) of counts with mean ``mean |l|`` and the variance-to-mean ratio left when the level's part
    ``mean^2 level_var`` is taken out of ``std^2`` (Poisson when it is not above 1), signed as ``l``: the model's
    demand, whose level error is normal (the Kalman filter's) and whose noise given the level is the family's (a
    moment-matched negative binomial has a far heavier upper tail when the level error is large). A negative level
    brings units back (returns, as a normal family's negative demand does), so the demand's mean stays the
    forecast's ``mean`` whatever the forecast's error (a level cut at 0 would add ``mean E[l^-]``,
    :func:`negative_level_mean`, and make a wider forecast sell more). The table is over ``k >= 0`` with the mass
    at or below 0 at ``k = 0``: ``P(D <= k)`` is exact for every ``k >= 0``, which is all the lost sales need.
    """
    if level_var > 0 and mean > 0:
        return _mixture_pmf(mean, std, distribution, kmax, level_var)
    k = np.arange(kmax + 1)
    var = std * std
    if distribution == "negbin" and var > mean > 0:  # the same parameters as discrete_demand()
        r, p = mean * mean / (var - mean), mean / var
        log_pmf = gammaln(k + r) - gammaln(r) - gammaln(k + 1.0) + r * math.log(p) + k * math.log1p(-p)
    elif mean > 0:
        log_pmf = k * math.log(mean) - mean - gammaln(k + 1.0)
    else:
        log_pmf = np.where(k == 0, 0.0, -np.inf)
    pmf = underflow_exp(log_pmf)
    pmf.flags.writeable = False
    return pmf


def _discrete_lost(sf: np.ndarray, mean: float, qty: float) -> float:
    """Expected lost sales ``E[(D - Q)^+]`` of a discrete demand (Q may be fractional)."""
    whole = int(math.floor(qty))
    # E[min(D, Q)] = sum_{k=0}^{floor(Q)-1} P(D > k) + (Q - floor(Q)) P(D > floor(Q))
    sales = float(sf[:whole].sum()) + (qty - whole) * float(sf[whole])
    return max(mean - sales, 0.0)


def _discrete_optimum(cdf: np.ndarray, critical_ratio: float) -> float:
    """Smallest whole ``Q`` with ``P(D <= Q) >= CR`` (the exact discrete newsvendor optimum)."""
    if critical_ratio <= 0.0:
        return 0.0
    return float(np.searchsorted(cdf, critical_ratio - 1e-15, side="left"))


def expected_sales(stock: np.ndarray, mean: float, std: float, distribution: str, level_var: float = 0.0) -> np.ndarray:
    """Expected sales ``E[min(D, y)]`` from ``y`` units of stock, vectorised over ``y >= 0``.

    Parameters
    ----------
    stock : ndarray
        Stock ``y`` at the start of the window (units; may be fractional).
    mean, std : float
        The window's demand mean and standard deviation (Poisson: the std is ``sqrt(mean)``).
    distribution : {"normal", "poisson", "negbin"}
    level_var : float
        A discrete demand's level variance (:func:`discrete_pmf`).

    Returns
    -------
    ndarray
        Normal: ``mean - std L((y - mean) / std)``; discrete: ``sum_{k < y} P(D > k)`` (linear
        between whole numbers, as :func:`newsvendor`) less the returns of a negative level,
        ``mean E[l^-]`` (:func:`negative_level_mean`).
    """
    y = np.maximum(np.asarray(stock, dtype=float), 0.0)
    if distribution == "normal":
        if std <= 0:
            return np.minimum(y, mean)
        return mean - std * np.asarray(normal_loss((y - mean) / std))
    sf, cum = _sf_sums(mean, std, distribution, float(y.max(initial=0.0)) + 1.0, level_var)
    whole = np.floor(y).astype(int)
    return cum[whole] + (y - whole) * sf[whole] - mean * negative_level_mean(level_var)


def newsvendor(
    mean: float,
    std: float,
    price: float,
    unit_cost: float,
    salvage: float = 0.0,
    *,
    moq: float = 0,
    order_qty: float | None = None,
    distribution: str = "normal",
    level_var: float = 0.0,
) -> NewsvendorResult:
    """Optimal (or given) order quantity for one selling cycle.

    Underage cost ``Cu = price - unit_cost``, overage cost ``Co = unit_cost - salvage``, critical
    ratio ``CR = Cu / (Cu + Co)``. Normal demand: ``Q* = mean + z* std`` with ``z* = Phi^-1(CR)``
    and, with ``z = (Q - mean) / std`` and the standard normal loss ``L(z)``, lost sales
    ``std L(z)``. Poisson / negative binomial demand (exact, discrete): ``Q*`` is the smallest whole
    number with ``P(D <= Q*) >= CR`` and lost sales ``E[(D - Q)^+] = mean - sum_{k<Q} P(D > k)``.
    ``Q*`` is raised to ``moq`` when smaller (profit is concave in Q, so ``max(Q*, moq)`` is
    optimal among orders of at least ``moq``). Sales ``mean - lost``, leftover ``Q - sales`` and
    profit ``(price - unit_cost) sales - (unit_cost - salvage) leftover``.

    Parameters
    ----------
    mean, std : float
        Mean and standard deviation of demand over the cycle (units, >= 0). ``std == 0`` is
        deterministic demand (normal). Poisson ignores ``std`` (its variance is the mean).
    price, unit_cost, salvage : float
        Selling price, cost and end-of-cycle salvage value per unit; ``salvage < unit_cost``.
        If ``price <= unit_cost`` the unconstrained optimum is 0 (only the MOQ is ordered).
    moq : float, keyword-only
        Minimum order quantity (units).
    order_qty : float, optional, keyword-only
        Evaluate this quantity instead of optimising (``moq`` is then not applied).
    distribution : {"normal", "poisson", "negbin"}, keyword-only
        Demand distribution; the discrete ones suit small runs (tens of units a cycle), where the
        normal overstates the order and the leftover.
    level_var : float, keyword-only
        Discrete demand only: the variance of the window's demand level (a share of the mean, squared)
        within ``std^2``; the demand is then the mixture of :func:`discrete_pmf` (``mean`` its level's mean).

    Returns
    -------
    NewsvendorResult
    """
    if distribution not in DISTRIBUTIONS:
        raise InputError(f"newsvendor: distribution={distribution!r}; choose one of {', '.join(DISTRIBUTIONS)}.")
    mean = _check("mean", mean)
    std = _check("std", std)
    price = _check("price", price, positive=True)
    unit_cost = _check("unit_cost", unit_cost)
    salvage = _check("salvage", salvage)
    moq = _check("moq", moq)
    if salvage >= unit_cost:
        raise InputError(
            f"newsvendor: salvage={salvage} must be below unit_cost={unit_cost} "
            "(otherwise ordering without limit is optimal); lower the salvage value."
        )
    under, over = price - unit_cost, unit_cost - salvage
    critical_ratio = max(under, 0.0) / (max(under, 0.0) + over)
    if distribution == "normal":
        if order_qty is None:
            if critical_ratio <= 0.0:
                q_star = 0.0
            elif std == 0.0:
                q_star = mean
            else:
                q_star = max(mean + float(ndtri(critical_ratio)) * std, 0.0)
            qty = max(q_star, moq)
        else:
            qty = _check("order_qty", order_qty)
        z = (qty - mean) / std if std > 0.0 else math.nan
        if math.isfinite(z):
            lost = std * float(normal_loss(z))
        else:  # std == 0 (or so small that z overflows): deterministic demand
            lost = max(mean - qty, 0.0)
    else:
        if distribution == "poisson":
            std = math.sqrt(mean)
        upto = max(moq, order_qty or 0.0) + 1.0
        level_var = _check("level_var", level_var) if mean > 0 else 0.0
        cdf, sf = _discrete_table(mean, std, distribution, upto, level_var)
        qty = max(_discrete_optimum(cdf, critical_ratio), moq) if order_qty is None else _check("order_qty", order_qty)
        # lost sales are the positive demand's: E[(D - Q)^+] = mean (1 + E[l^-]) - sum_{k < Q} P(D > k)
        lost = _discrete_lost(sf, mean * (1.0 + negative_level_mean(level_var)), qty)
    sales = discrete_mean(mean, std, distribution, level_var) - lost if distribution != "normal" else mean - lost
    leftover = qty - sales
    profit = under * sales - over * leftover
    return NewsvendorResult(
        order_qty=qty,
        expected_sales=sales,
        expected_leftover=leftover,
        expected_lost_sales=lost,
        expected_profit=profit,
        critical_ratio=critical_ratio,
        mean=mean,
        std=std,
        distribution=distribution,
        level_var=level_var if distribution != "normal" else 0.0,
    )
