"""Lead-time, fill-rate and on-time figures with confidence intervals from the order simulation's replications."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.share.orders import OrderSim

__all__ = ["weighted_quantile", "judge_table", "JUDGE_COLUMNS"]

JUDGE_COLUMNS = [
    "level",
    "key",
    "site_id",
    "percentile",
    "sla_days",
    "mean_days",
    "mean_days_ci",
    "p95_days",
    "p95_days_ci",
    "p99_days",
    "p99_days_ci",
    "contract_pct_days",
    "contract_pct_days_ci",
    "fill_rate",
    "fill_rate_ci",
    "on_time_rate",
    "on_time_rate_ci",
    "sla_met",
]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float, total: float | None = None) -> float:
    """The ``q`` quantile (0-1) of weighted samples; mass ``total - sum(weights)`` counts as ``+inf`` (never made).

    Parameters
    ----------
    values, weights : ndarray
    q : float
    total : float, optional
        Total mass (default: the weights' sum).

    Returns
    -------
    float
    """
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    mass = float(weights.sum()) if total is None else float(total)
    if mass <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(weights[order]) / mass
    hit = np.searchsorted(cdf, q - 1e-12)
    return float(values[order][hit]) if hit < len(cdf) else float("inf")


def _ci(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Mean over replications and the half-width of its Student-t confidence interval."""
    from scipy.stats import t

    x = np.asarray(samples, float)
    if np.isnan(x).any():
        return float("nan"), float("nan")
    if not np.isfinite(x).all():
        return float(np.mean(x)) if (x == np.inf).all() else float("inf"), float("nan")
    half = t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half)


def judge_table(
    sim: OrderSim,
    groups: Sequence[tuple[Any, ...]],
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean, p95, p99 and contract-percentile lead time, fill rate and on-time rate of groups of brands.

    Each replication gives one estimate of each figure; the table shows their mean and the half-width
    of a Student-t ``confidence`` interval over the replications (independent years). Units never
    made count as infinitely late in the percentiles and as not filled. ``sla_met`` compares the
    on-time rate at the SLA with the contract percentile (equivalently, the contract percentile of the
    lead time with the SLA).

    Parameters
    ----------
    sim : OrderSim
    groups : sequence of (level, key, site_id, brand indices, sla_days[, percentile])
        E.g. ``("brand", "Aurora", site, [0], 5.0)`` or ``("lane_class", "priority", site, [0, 3], 5.0)``;
        a sixth element judges that group at its own contract percentile (default ``sim.percentile``).
    confidence : float

    Returns
    -------
    pandas.DataFrame
        Columns :data:`JUDGE_COLUMNS`; lead times in calendar days, rates 0-1.
    """
    rows = []
    for group in groups:
        level, key, site, members, sla = group[:5]
        pct = float(group[5]) if len(group) > 5 else float(sim.percentile)
        p = pct / 100.0
        stats = []
        for rep in range(len(sim.lead_days)):
            vals = np.concatenate([sim.lead_days[rep][i][0] for i in members])
            wts = np.concatenate([sim.lead_days[rep][i][1] for i in members])
            ordered = float(sim.ordered_units[rep, list(members)].sum())
            made = float(wts.sum())
            stats.append(
                (
                    float(np.dot(vals, wts) / made) if made > 0 else float("nan"),
                    weighted_quantile(vals, wts, 0.95, ordered),
                    weighted_quantile(vals, wts, 0.99, ordered),
                    weighted_quantile(vals, wts, p, ordered),
                    made / ordered if ordered > 0 else float("nan"),
                    float(wts[vals <= sla].sum()) / ordered if ordered > 0 and np.isfinite(sla) else float("nan"),
                )
            )
        arr = np.array(stats)
        figures = [_ci(arr[:, c], confidence) for c in range(6)]
        on_time = figures[5][0]
        rows.append(
            [level, key, site, pct, sla]
            + [v for f in figures for v in f]
            + [bool(on_time >= p) if np.isfinite(sla) else True]
        )
    return pd.DataFrame(rows, columns=JUDGE_COLUMNS)
