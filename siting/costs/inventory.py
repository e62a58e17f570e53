"""The newsvendor model for normal demand: order quantity, expected sales, leftover and profit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from siting.errors import InputError

__all__ = ["NewsvendorResult", "newsvendor", "normal_loss"]

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


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
    z_arr = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):  # z*z overflows to inf for |z| > 1e154: phi is then 0
        phi = _INV_SQRT_2PI * np.exp(-0.5 * z_arr * z_arr)
    loss = np.maximum(phi - z_arr * ndtr(-z_arr), 0.0)
    return float(loss) if np.ndim(loss) == 0 else loss


@dataclass(frozen=True)
class NewsvendorResult:
    """Outcome of one replenishment cycle under normal demand (all quantities in units).

    ``expected_sales + expected_leftover == order_qty`` and
    ``expected_sales + expected_lost_sales == mean``.
    """

    order_qty: float
    expected_sales: float
    expected_leftover: float
    expected_lost_sales: float
    expected_profit: float
    critical_ratio: float
    mean: float
    std: float

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


def newsvendor(
    mean: float,
    std: float,
    price: float,
    unit_cost: float,
    salvage: float = 0.0,
    *,
    moq: float = 0,
    order_qty: float | None = None,
) -> NewsvendorResult:
    """Optimal (or given) order quantity for one selling cycle with normal demand.

    Underage cost ``Cu = price - unit_cost``, overage cost ``Co = unit_cost - salvage``, critical
    ratio ``CR = Cu / (Cu + Co)``; the optimal order is ``Q* = mean + z* std`` with
    ``z* = Phi^-1(CR)``, raised to ``moq`` when it is smaller (profit is concave in Q, so
    ``max(Q*, moq)`` is optimal among orders of at least ``moq``). With ``z = (Q - mean) / std``
    and the standard normal loss ``L(z)``: lost sales ``std L(z)``, sales ``mean - std L(z)``,
    leftover ``Q - sales`` and profit ``(price - unit_cost) sales - (unit_cost - salvage) leftover``.

    Parameters
    ----------
    mean, std : float
        Mean and standard deviation of demand over the cycle (units, >= 0). ``std == 0`` is
        deterministic demand.
    price, unit_cost, salvage : float
        Selling price, cost and end-of-cycle salvage value per unit; ``salvage < unit_cost``.
        If ``price <= unit_cost`` the unconstrained optimum is 0 (only the MOQ is ordered).
    moq : float, keyword-only
        Minimum order quantity (units).
    order_qty : float, optional, keyword-only
        Evaluate this quantity instead of optimising (``moq`` is then not applied).

    Returns
    -------
    NewsvendorResult
    """
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
        lost = std * normal_loss(z)
    else:  # std == 0 (or so small that z overflows): deterministic demand
        lost = max(mean - qty, 0.0)
    sales = mean - lost
    leftover = qty - sales
    profit = under * sales - over * leftover
    return NewsvendorResult(
        order_qty=qty,
        expected_sales=float(sales),
        expected_leftover=float(leftover),
        expected_lost_sales=float(lost),
        expected_profit=float(profit),
        critical_ratio=critical_ratio,
        mean=mean,
        std=std,
    )
