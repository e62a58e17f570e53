"""Multi-criteria scoring of candidate sites: normalise raw criteria, weight them, rank them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.errors import InputError

__all__ = [
    "Criterion",
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "JOIN_WHEN_PRESENT",
    "normalise_weights",
    "normalise",
    "score_sites",
]

log = logging.getLogger("siting")


@dataclass(frozen=True)
class Criterion:
    """One ranking criterion.

    Attributes
    ----------
    name : str
        Column name of the raw value (units in the name).
    better : {"lower", "higher"}
        Which direction is better.
    description : str
        One line for tables, popups and the README.
    units : str
        Units of the raw value (also carried by the name).
    """

    name: str
    better: str
    description: str
    units: str = ""


CRITERIA: dict[str, Criterion] = {
    c.name: c
    for c in (
        Criterion(
            "delivery_time_s",
            "lower",
            "demand-weighted mean drive time (s) from the site to the stores it serves",
            "s",
        ),
        Criterion(
            "population_reachable",
            "higher",
            "residents (proxy) within the reach time of the site by road",
            "persons",
        ),
        Criterion("rent_per_yr", "lower", "yearly rent of the floor area the microfactory needs", "currency/yr"),
        Criterion(
            "co2e_wtw_kg_per_week",
            "lower",
            "well-to-wheel CO2e of the site's weekly out-and-back lanes to the stores it serves",
            "kg CO2e/week",
        ),
        Criterion(
            "landed_cost_local_per_unit",
            "lower",
            "landed cost per unit of the stores' demand, made at the site (production, stock, unsold stock, "
            "lost margin, lanes, rent and set-up)",
            "currency/unit",
        ),
        Criterion(
            "saving_vs_offshore_per_unit",
            "higher",
            "offshore landed cost per unit (from the distribution point) minus the site's, same volume",
            "currency/unit",
        ),
        Criterion(
            "portfolio_value_per_yr",
            "higher",
            "what the site is worth in the best portfolio design: the design's cost per year with the site "
            "forced closed minus its cost with the site allowed (0: not opened)",
            "currency/yr",
        ),
        Criterion(
            "stores_within_sla",
            "higher",
            "stores the site reaches within the service time (e.g. same-day replacement parts)",
            "stores",
        ),
        Criterion(
            "floor_area_fit_ratio",
            "higher",
            "share of the site's floor area the microfactory would use (1 = exact fit)",
            "ratio",
        ),
    )
}

#: Default weights (they sum to 1). Criteria not listed are computed and shown with weight 0. The
#: portfolio value (a city with product families) carries half; the site-level criteria share the
#: other half (0.35 : 0.15 : 0.25 : 0.25). Where a city has no portfolio value its weight is left out
#: and the others are scaled back to 0.35, 0.15, 0.25 and 0.25 (:data:`JOIN_WHEN_PRESENT`).
DEFAULT_WEIGHTS: dict[str, float] = {
    "portfolio_value_per_yr": 0.5,
    "delivery_time_s": 0.175,
    "population_reachable": 0.075,
    "rent_per_yr": 0.125,
    "co2e_wtw_kg_per_week": 0.125,
}

#: Criteria of :data:`DEFAULT_WEIGHTS` that join the default weights only where a city computes them
#: (quietly left out elsewhere, the other weights normalised); a user's own weights are warned about.
JOIN_WHEN_PRESENT: tuple[str, ...] = ("portfolio_value_per_yr",)


def normalise_weights(weights: Mapping[str, float], *, known: Mapping[str, Criterion] = CRITERIA) -> dict[str, float]:
    """Check weights and scale them to sum to 1.

    Parameters
    ----------
    weights : mapping
        Criterion name -> non-negative weight.
    known : mapping
        The criteria that may be weighted.

    Returns
    -------
    dict
        Weights summing to 1 (criteria with weight 0 are kept). When the given weights do not
        sum to 1 a message saying so (and the scaled weights) is logged at INFO level.

    Examples
    --------
    >>> from siting.ranking import normalise_weights
    >>> normalise_weights({"delivery_time_s": 3, "rent_per_yr": 1})
    {'delivery_time_s': 0.75, 'rent_per_yr': 0.25}
    """
    unknown = sorted(set(weights) - set(known))
    if unknown:
        raise InputError(f"weights: unknown criterion {unknown[0]!r}; choose from {sorted(known)}.")
    clean = {}
    for name, w in weights.items():
        try:
            value = float(w)
        except (TypeError, ValueError):
            raise InputError(f"weights: {name!r} must be a number, got {w!r}.") from None
        if not np.isfinite(value) or value < 0:
            raise InputError(f"weights: {name!r} must be a finite number >= 0, got {w!r}.")
        clean[name] = value
    total = sum(clean.values())
    if total <= 0:
        raise InputError("weights: at least one criterion needs a weight above 0.")
    out = {name: value / total for name, value in clean.items()}
    if abs(total - 1.0) > 1e-9:
        log.info(
            "weights sum to %g, not 1: scaled to %s",
            total,
            ", ".join(f"{k}={v:.3g}" for k, v in out.items()),
        )
    return out


def normalise(values: pd.Series, better: str, *, method: str = "minmax") -> pd.Series:
    """Map raw criterion values to 0..1 where 1 is best.

    ``minmax``: (x - worst) / (best - worst); all-equal values all get 1.
    ``rank``: average rank scaled to 0..1 (robust to outliers).
    Missing values (e.g. a site that reaches no store) get 0.

    Parameters
    ----------
    values : pandas.Series
        Raw values.
    better : {"lower", "higher"}
    method : {"minmax", "rank"}

    Returns
    -------
    pandas.Series
    """
    if better not in ("lower", "higher"):
        raise InputError(f"better must be 'lower' or 'higher', got {better!r}.")
    x = values.astype("float64").replace([np.inf, -np.inf], np.nan)
    if better == "lower":
        x = -x
    if method == "minmax":
        lo, hi = x.min(), x.max()
        out = pd.Series(1.0, index=x.index) if not hi > lo else (x - lo) / (hi - lo)
    elif method == "rank":
        ranks = x.rank(method="average")
        n = ranks.notna().sum()
        out = pd.Series(1.0, index=x.index) if n <= 1 else (ranks - 1) / (n - 1)
    else:
        raise InputError(f"normalisation method must be 'minmax' or 'rank', got {method!r}.")
    return out.where(x.notna(), 0.0)


def score_sites(
    criteria: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    method: str = "minmax",
    known: Mapping[str, Criterion] = CRITERIA,
) -> pd.DataFrame:
    """Score and rank candidate sites from their raw criteria.

    Parameters
    ----------
    criteria : pandas.DataFrame
        One row per site with a ``site_id`` column and one column per criterion.
    weights : mapping, optional
        Criterion -> weight; normalised to sum to 1. Default :data:`DEFAULT_WEIGHTS`.
    method : {"minmax", "rank"}
        Normalisation (see :func:`normalise`).
    known : mapping
        Criterion definitions (direction of each).

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``rank`` (1 = best; ties broken by site_id), ``score`` (0..1), then for every
        weighted criterion ``c``: ``c``, ``c_norm`` and ``c_contrib`` (weight x norm). Sorted by rank.

    Examples
    --------
    >>> import pandas as pd
    >>> from siting.ranking import score_sites
    >>> raw = pd.DataFrame({"site_id": ["a", "b", "c"], "delivery_time_s": [100.0, 200.0, 300.0],
    ...                     "rent_per_yr": [90_000.0, 30_000.0, 60_000.0]})
    >>> score_sites(raw, {"delivery_time_s": 0.5, "rent_per_yr": 0.5})[["site_id", "rank", "score"]]
      site_id  rank  score
    0       b     1   0.75
    1       a     2   0.50
    2       c     3   0.25
    """
    w = normalise_weights(weights if weights is not None else DEFAULT_WEIGHTS, known=known)
    missing = [c for c in w if c not in criteria.columns]
    if missing:
        raise InputError(f"criteria table has no column {missing[0]!r} for a weighted criterion.")
    out = pd.DataFrame({"site_id": criteria["site_id"].astype(str).to_numpy()})
    score = np.zeros(len(out))
    for name, weight in w.items():
        raw = criteria[name].reset_index(drop=True).astype("float64")
        norm = normalise(raw, known[name].better, method=method)
        out[name] = raw
        out[f"{name}_norm"] = norm.round(12)
        out[f"{name}_contrib"] = (weight * norm).round(12)
        score += weight * norm.to_numpy()
    out.insert(1, "score", np.round(score, 12))
    order = np.lexsort((out["site_id"].to_numpy(), -out["score"].to_numpy()))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(1, "rank", np.arange(1, len(out) + 1))
    return out
