"""Robustness of a ranking to its weights: Monte Carlo over Dirichlet weights and exact one-at-a-time weight ranges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError

__all__ = [
    "RobustnessOptions",
    "weight_monte_carlo",
    "winning_weight_ranges",
    "sensitivity_table",
    "robustness_summary",
]


@dataclass(frozen=True)
class RobustnessOptions:
    """How the ranking's sensitivity to its weights is measured.

    Attributes
    ----------
    samples : int
        Monte Carlo weight vectors (0 switches the Monte Carlo off).
    concentration : float
        Dirichlet concentration: weights are drawn from ``Dirichlet(concentration x w)``, centred on
        the chosen weights ``w``; larger = closer to them (a weight of 0.25 varies with a standard
        deviation of about 0.08 at 30, 0.04 at 100). Criteria with weight 0 stay at 0.
    seed : int
        Random seed (same seed, same probabilities).
    top_k : int
        ``p_top_k`` is the probability of ranking in the top ``top_k``.
    min_p_first : float
        The top site is robust only if it ranks first in at least this share of the samples ...
    min_weight_margin : float
        ... and stays first while any one weight moves at least this much (absolute, either way,
        the other weights rescaled), within 0..1.
    """

    samples: int = 2000
    concentration: float = 30.0
    seed: int = 0
    top_k: int = 3
    min_p_first: float = 0.5
    min_weight_margin: float = 0.1

    def __post_init__(self) -> None:
        if int(self.samples) < 0 or not float(self.concentration) > 0 or int(self.top_k) < 1:
            raise InputError("robustness: samples >= 0, concentration > 0 and top_k >= 1 are required.")
        if not 0 <= float(self.min_p_first) <= 1 or not 0 <= float(self.min_weight_margin) <= 1:
            raise InputError("robustness: min_p_first and min_weight_margin must lie in 0..1.")


def _order(site_ids: Sequence[str]) -> np.ndarray:
    """Column order that puts site ids ascending, so argmax breaks ties like the ranking does."""
    return np.argsort(np.asarray(site_ids, dtype=str), kind="stable")


def weight_monte_carlo(
    norm: np.ndarray,
    weights: np.ndarray,
    site_ids: Sequence[str],
    *,
    samples: int = 2000,
    concentration: float = 30.0,
    seed: int = 0,
    top_k: int = 3,
) -> pd.DataFrame:
    """Rank the sites under random weights drawn around the chosen ones.

    Parameters
    ----------
    norm : ndarray, shape (n_sites, n_criteria)
        Normalised criteria (0..1, 1 = best), as in the ranking.
    weights : ndarray, shape (n_criteria,)
        Chosen weights (summing to 1).
    site_ids : sequence of str
        Ties in a sample go to the smaller site id (as in :func:`siting.ranking.scoring.score_sites`).
    samples, concentration, seed, top_k : see :class:`RobustnessOptions`.

    Returns
    -------
    pandas.DataFrame
        One row per site (input order): ``site_id``, ``p_first`` (sums to 1 over sites),
        ``p_top_k``, ``mean_rank``, ``rank_p05``, ``rank_p95``.
    """
    X = np.asarray(norm, dtype=float)
    w = np.asarray(weights, dtype=float)
    n = X.shape[0]
    if X.ndim != 2 or w.shape != (X.shape[1],) or len(site_ids) != n:
        raise InputError("weight_monte_carlo: norm must be (n_sites, n_criteria) with matching weights and ids.")
    if samples <= 0 or n == 0:
        return pd.DataFrame(
            {
                "site_id": list(map(str, site_ids)),
                "p_first": np.nan,
                "p_top_k": np.nan,
                "mean_rank": np.nan,
                "rank_p05": np.nan,
                "rank_p95": np.nan,
            }
        )
    rng = np.random.default_rng(seed)
    W = np.zeros((samples, w.size))
    pos = np.flatnonzero(w > 0)
    W[:, pos] = rng.dirichlet(concentration * w[pos], size=samples) if pos.size > 1 else 1.0
    order = _order(site_ids)
    scores = np.round(W @ X[order].T, 12)  # (samples, sites) in id order; rounding = score_sites ties
    # rank within each sample: higher score first, ties to the smaller id (the earlier column)
    idx = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(idx)
    np.put_along_axis(ranks, idx, np.arange(1, n + 1)[None, :].repeat(samples, 0), axis=1)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    ranks = ranks[:, back]  # columns in input order again
    return pd.DataFrame(
        {
            "site_id": list(map(str, site_ids)),
            "p_first": (ranks == 1).mean(axis=0),
            "p_top_k": (ranks <= top_k).mean(axis=0),
            "mean_rank": ranks.mean(axis=0),
            "rank_p05": np.percentile(ranks, 5, axis=0, method="lower").astype(float),
            "rank_p95": np.percentile(ranks, 95, axis=0, method="higher").astype(float),
        }
    )


def winning_weight_ranges(
    norm: np.ndarray, weights: np.ndarray, site_ids: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """For every site and criterion, the range of that criterion's weight over which the site ranks first.

    One weight ``t`` moves over 0..1 while the others keep their proportions and sum to ``1 - t``
    (if they are all 0, they share ``1 - t`` equally). Every score is then linear in ``t``, so the
    set where a site scores at least as high as every other site is an exact interval. Ties go
    to the smaller site id, as in the ranking: a site tied for good with a smaller id (identical
    normalised values) never ranks first, and a single-point range is kept only if the site wins
    the tie-break there.

    Parameters
    ----------
    norm : ndarray, shape (n_sites, n_criteria)
    weights : ndarray, shape (n_criteria,), summing to 1
    site_ids : sequence of str, optional
        For the tie-break (default: row order).

    Returns
    -------
    (lo, hi) : two ndarrays, shape (n_sites, n_criteria)
        The interval of the weight; NaN where the site never ranks first.
    """
    X = np.asarray(norm, dtype=float)
    w = np.asarray(weights, dtype=float)
    n, m = X.shape
    ids = np.asarray(site_ids if site_ids is not None else [f"{i:012d}" for i in range(n)], dtype=str)
    lo = np.full((n, m), np.nan)
    hi = np.full((n, m), np.nan)
    for c in range(m):
        rest = np.delete(w, c)
        share = rest / rest.sum() if rest.sum() > 0 else np.full(rest.size, 1.0 / max(rest.size, 1))
        a = X[:, c]  # score at t = 1
        b = np.delete(X, c, axis=1) @ share if rest.size else np.zeros(n)  # score at t = 0
        slope = a - b
        for s in range(n):
            # need b_s + t (a_s - b_s) >= b_o + t (a_o - b_o) for every other site o
            d0 = b[s] - b  # value of the difference at t = 0
            d1 = slope[s] - slope  # its slope
            low, high = 0.0, 1.0
            tol = 1e-12
            up = d1 > tol
            down = d1 < -tol
            flat = ~(up | down)
            flat[s] = False
            if np.any(d0[flat] < -tol) or np.any(flat & (np.abs(d0) <= tol) & (ids < ids[s])):
                continue
            if up.any():
                low = max(low, float(np.max(-d0[up] / d1[up])))
            if down.any():
                high = min(high, float(np.min(-d0[down] / d1[down])))
            if low > high + tol:
                continue
            high = max(low, high)
            if high - low <= 1e-9:  # a single point: first only if it wins the tie-break there
                at = np.round(b + low * slope, 12)
                best = np.flatnonzero(at == at.max())
                if ids[s] != min(ids[best]):
                    continue
            lo[s, c], hi[s, c] = low, high
    return lo, hi


def sensitivity_table(
    ranking: pd.DataFrame, weights: Mapping[str, float], options: RobustnessOptions = RobustnessOptions()
) -> pd.DataFrame:
    """Per-site robustness of a ranking (what ``sensitivity.csv`` holds).

    Parameters
    ----------
    ranking : DataFrame
        From :func:`siting.ranking.scoring.score_sites`: ``site_id``, ``rank``, ``score`` and ``<c>_norm``
        for every weighted criterion ``c``.
    weights : mapping
        The normalised weights used for the ranking (criterion -> weight).
    options : RobustnessOptions

    Returns
    -------
    pandas.DataFrame
        Sorted by rank: ``site_id, rank, score, p_first, p_top_k, top_k, mean_rank, rank_p05,
        rank_p95``, then for each criterion ``c`` with a weight: ``w_<c>`` (the chosen weight),
        ``w_<c>_min`` and ``w_<c>_max`` (the range of that weight, the others rescaled, over which
        the site ranks first; NaN if never), then ``robust`` (True for a top site that wins in at
        least ``min_p_first`` of the samples and keeps first place while every weight moves by
        ``min_weight_margin``) and ``narrow_win`` (a top site that is not robust).
    """
    crit = [c for c, v in weights.items() if f"{c}_norm" in ranking.columns]
    if not crit:
        raise InputError("sensitivity: the ranking has no normalised criteria (<c>_norm columns).")
    r = ranking.sort_values("rank", kind="stable").reset_index(drop=True)
    X = r[[f"{c}_norm" for c in crit]].to_numpy(dtype=float)
    w = np.array([float(weights[c]) for c in crit])
    w = w / w.sum()
    mc = weight_monte_carlo(
        X,
        w,
        r["site_id"].astype(str).tolist(),
        samples=options.samples,
        concentration=options.concentration,
        seed=options.seed,
        top_k=options.top_k,
    )
    out = r[["site_id", "rank", "score"]].copy()
    for col in ("p_first", "p_top_k"):
        out[col] = mc[col].to_numpy()
    out["top_k"] = int(options.top_k)
    for col in ("mean_rank", "rank_p05", "rank_p95"):
        out[col] = mc[col].to_numpy()
    lo, hi = winning_weight_ranges(X, w, r["site_id"].astype(str).tolist())
    narrow = np.zeros(len(r), dtype=bool)
    for j, c in enumerate(crit):
        if w[j] <= 0:
            continue
        out[f"w_{c}"] = round(float(w[j]), 12)
        out[f"w_{c}_min"] = np.round(lo[:, j], 9)
        out[f"w_{c}_max"] = np.round(hi[:, j], 9)
        need_lo = max(0.0, w[j] - options.min_weight_margin)
        need_hi = min(1.0, w[j] + options.min_weight_margin)
        narrow |= ~((lo[:, j] <= need_lo + 1e-9) & (hi[:, j] >= need_hi - 1e-9))
    top = (out["rank"] == 1).to_numpy()
    p_ok = (out["p_first"].to_numpy() >= options.min_p_first) | (options.samples == 0)
    out["robust"] = top & p_ok & ~narrow
    out["narrow_win"] = top & ~out["robust"].to_numpy()
    return out


def robustness_summary(sensitivity: pd.DataFrame, options: RobustnessOptions = RobustnessOptions()) -> dict[str, Any]:
    """A JSON-able summary of one city's sensitivity table.

    Returns
    -------
    dict
        ``top_site``, ``p_first``, ``p_top_k``, ``top_k``, ``robust``, ``weight_ranges``
        (criterion -> {weight, min, max}), ``runner_up`` (the site most often first after the top
        site, with its ``p_first``), ``note`` (one sentence for a planner) and the Monte Carlo
        settings.
    """
    if sensitivity.empty:
        return {}
    top = sensitivity.sort_values("rank").iloc[0]
    ranges: dict[str, dict[str, float | None]] = {}
    for col in sensitivity.columns:
        if col.startswith("w_") and not col.endswith(("_min", "_max")):
            c = col[2:]
            ranges[c] = {"weight": float(top[col]), "min": _num(top[f"{col}_min"]), "max": _num(top[f"{col}_max"])}
    others = sensitivity[sensitivity["site_id"] != top["site_id"]].sort_values(
        ["p_first", "rank"], ascending=[False, True]
    )
    runner = (
        None
        if others.empty
        else {"site_id": str(others.iloc[0]["site_id"]), "p_first": _num(others.iloc[0]["p_first"])}
    )
    robust = bool(top["robust"])
    if robust:
        note = (
            f"{top['site_id']} ranks first in {top['p_first']:.0%} of the weightings tried and keeps first place "
            f"while any one weight moves by {options.min_weight_margin:g}: a robust choice."
        )
    else:
        narrowest = min(ranges.items(), key=lambda kv: (kv[1]["max"] or 0) - (kv[1]["min"] or 0), default=None)
        detail = (
            f"; its narrowest range is {narrowest[0]} between {narrowest[1]['min']:.2f} and {narrowest[1]['max']:.2f}"
            if narrowest is not None and narrowest[1]["min"] is not None
            else ""
        )
        note = (
            f"{top['site_id']} wins only under a narrow weighting: first in {top['p_first']:.0%} of the "
            f"weightings tried{detail}. Compare it with "
            f"{runner['site_id'] if runner else 'the next sites'} before deciding."
        )
    return {
        "top_site": str(top["site_id"]),
        "p_first": _num(top["p_first"]),
        "p_top_k": _num(top["p_top_k"]),
        "top_k": int(options.top_k),
        "robust": robust,
        "weight_ranges": ranges,
        "runner_up": runner,
        "note": note,
        "samples": int(options.samples),
        "concentration": float(options.concentration),
        "seed": int(options.seed),
    }


def _num(x: Any) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else x
