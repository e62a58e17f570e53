"""Demand from order history: Croston's intervals and sizes per SKU, fed to the intermittent-demand model.

An order history is a table of ``family, sku, week, units`` (``sku`` optional: one series per
family): a row per week with an order, weeks not listed sold nothing; ``week`` is a whole week number
and the history spans the first to the last week listed (or ``weeks`` given). Per series, Croston's
method (Croston 1972) smooths, at each week with demand, the demand size ``z`` and the interval
``p`` (weeks since the last demand) with ``alpha``:

    zhat <- zhat + alpha (z - zhat),   phat <- phat + alpha (p - phat)

starting from the first demand (its interval counted from the history's start); the mean demand
per week is the Syntetos-Boylan approximation ``(1 - alpha / 2) zhat / phat`` (Syntetos & Boylan
2005, which removes Croston's bias). Demand in a week is a size with probability ``1 / p``, so its
variance is ``(var_z + zhat^2) / phat - (zhat / phat)^2`` (``var_z`` the sample variance of the sizes).

:func:`with_order_history` sets each family's weekly mean (the sum over its SKUs), standard
deviation (the SKUs' variances add up), its SKUs' popularity (their means' shares) and the
``negbin`` demand class (the model uses Poisson where the variance is not above the mean).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from siting.costs.products import ProductFamily, cost_default
from siting.errors import InputError, MissingColumnError

__all__ = ["CROSTON_COLUMNS", "croston", "load_order_history", "with_order_history"]

#: Columns of :func:`croston`.
CROSTON_COLUMNS = [
    "family",
    "sku",
    "weeks",
    "orders",
    "mean_interval_weeks",
    "mean_size_units",
    "demand_mean_units_per_week",
    "demand_std_units_per_week",
]


def load_order_history(path: str | Path) -> pd.DataFrame:
    """Read and check an order history CSV (``family, week, units`` and optionally ``sku``).

    Raises
    ------
    InputError
        Naming the file, the line and the column to fix (negative, NaN, infinite or fractional
        weeks, negative or non-finite units, duplicate weeks of one SKU, an empty file).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: order history not found; give a CSV with family,sku,week,units.")
    try:
        table = pd.read_csv(path, dtype={"family": str, "sku": str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc}); fix the file.") from None
    table.columns = [str(c).strip() for c in table.columns]
    return _checked(table, str(path))


def _checked(table: pd.DataFrame, where: str) -> pd.DataFrame:
    missing = [c for c in ("family", "week", "units") if c not in table.columns]
    if missing:
        raise MissingColumnError(f"{where}: missing column(s) {', '.join(map(repr, missing))}; add them.")
    if table.empty:
        raise InputError(f"{where}: no orders; add one row per week with an order (family, sku, week, units).")
    table = table.copy()
    if "sku" not in table.columns:
        table["sku"] = table["family"]
    for col in ("week", "units"):
        values = pd.to_numeric(table[col], errors="coerce")
        for i, (v, raw) in enumerate(zip(values, table[col])):
            bad = not math.isfinite(v) or v < 0 or (col == "week" and v != math.floor(v))
            if bad:
                need = "a whole week number >= 0" if col == "week" else "a finite number of units >= 0"
                raise InputError(f"{where}, line {i + 2}, column {col!r}: {raw!r} is not {need}.")
        table[col] = values
    if table["family"].isna().any() or table["sku"].isna().any():
        i = int(np.flatnonzero(table["family"].isna() | table["sku"].isna())[0])
        raise InputError(f"{where}, line {i + 2}: columns 'family' and 'sku' must not be empty; fill them in.")
    dup = table[table.duplicated(["family", "sku", "week"])]
    if not dup.empty:
        r = dup.iloc[0]
        raise InputError(
            f"{where}: week {int(r['week'])} of SKU {r['sku']!r} (family {r['family']!r}) appears twice; "
            "sum the orders into one row."
        )
    return table


def croston(history: pd.DataFrame, *, alpha: float | None = None, weeks: int | None = None) -> pd.DataFrame:
    """Croston-SBA mean and standard deviation of weekly demand per SKU (see the module docstring).

    Parameters
    ----------
    history : DataFrame
        ``family, week, units`` and optionally ``sku`` (as :func:`load_order_history` returns).
    alpha : float, optional
        Smoothing constant in (0, 1]; default the cost default ``croston_alpha`` (0.1).
    weeks : int, optional
        Length of the history in weeks (default: from the first to the last week listed).

    Returns
    -------
    DataFrame
        :data:`CROSTON_COLUMNS`, one row per SKU.
    """
    a = cost_default("croston_alpha") if alpha is None else float(alpha)
    if not (math.isfinite(a) and 0 < a <= 1):
        raise InputError(f"croston: alpha={alpha!r}; give a smoothing constant in (0, 1].")
    table = _checked(history, "order history")
    start, end = int(table["week"].min()), int(table["week"].max())
    span = end - start + 1 if weeks is None else int(weeks)
    if span < end - start + 1:
        raise InputError(f"croston: weeks={weeks!r} is shorter than the history ({end - start + 1} weeks).")
    rows = []
    for (fam, sku), g in table.groupby(["family", "sku"], sort=False):
        orders = g[g["units"] > 0].sort_values("week")
        if orders.empty:
            raise InputError(f"order history: SKU {sku!r} of family {fam!r} has no order above 0; drop it.")
        sizes = orders["units"].to_numpy(float)
        gaps = np.diff(np.concatenate([[start - 1], orders["week"].to_numpy(float)]))
        z, p = sizes[0], gaps[0]
        for size, gap in zip(sizes[1:], gaps[1:]):
            z += a * (size - z)
            p += a * (gap - p)
        mean = (1.0 - a / 2.0) * z / p
        var_z = float(np.var(sizes, ddof=1)) if len(sizes) > 1 else 0.0
        var = max((var_z + z * z) / p - (z / p) ** 2, 0.0)
        rows.append((str(fam), str(sku), span, len(sizes), float(p), float(z), float(mean), math.sqrt(var)))
    return pd.DataFrame(rows, columns=CROSTON_COLUMNS)


def with_order_history(
    products: Sequence[ProductFamily], history: pd.DataFrame | str | Path, *, alpha: float | None = None
) -> tuple[ProductFamily, ...]:
    """The families with their demand estimated from order history (families without history unchanged).

    Returns
    -------
    tuple of ProductFamily
        Each family with history: ``demand_mean_units_per_week`` the sum of its SKUs' Croston-SBA
        means, ``demand_std_units_per_week`` the root of their variances' sum, ``sku_popularity``
        the SKUs' shares (when it has more than one), distribution ``negbin``.
    """
    table = load_order_history(history) if isinstance(history, str | Path) else history
    est = croston(table, alpha=alpha)
    known = {p.family for p in products}
    unknown = sorted(set(est["family"]) - known)
    if unknown:
        raise InputError(
            f"order history names family {unknown[0]!r}, which the products do not have; "
            f"check the name (families: {', '.join(sorted(known))})."
        )
    out = []
    for p in products:
        mine = est[est["family"] == p.family]
        if mine.empty:
            out.append(p)
            continue
        means = mine["demand_mean_units_per_week"].to_numpy(float)
        std = float(np.sqrt((mine["demand_std_units_per_week"].to_numpy(float) ** 2).sum()))
        out.append(
            dataclasses.replace(
                p,
                demand_mean_units_per_week=float(means.sum()),
                demand_std_units_per_week=std,
                distribution="negbin",
                sku_popularity=tuple(means) if len(means) > 1 else (),
                skus=len(means),
            )
        )
    return tuple(out)
