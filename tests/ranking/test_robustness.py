"""Robustness of rankings to their weights: Monte Carlo probabilities and exact winning weight ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting import InputError
from siting.ranking.robustness import (
    RobustnessOptions,
    robustness_summary,
    sensitivity_table,
    weight_monte_carlo,
    winning_weight_ranges,
)
from siting.ranking.scoring import score_sites

CRIT = ["delivery_time_s", "rent_per_yr", "co2e_wtw_kg_per_week"]


def _ranking(seed=0, n=8, weights=None):
    rng = np.random.default_rng(seed)
    raw = pd.DataFrame({"site_id": [f"s{i:02d}" for i in range(n)], **{c: rng.uniform(1, 10, n) for c in CRIT}})
    w = weights or {"delivery_time_s": 0.5, "rent_per_yr": 0.3, "co2e_wtw_kg_per_week": 0.2}
    return score_sites(raw, w), w


def _winner(X, w, ids):
    """Brute force: the first site under weights w, ties to the smaller id."""
    s = np.round(X @ w, 12)
    best = np.flatnonzero(s == s.max())
    return min(ids[b] for b in best)


def test_p_first_sums_to_one_and_is_identical_for_a_seed():
    ranking, w = _ranking()
    a = sensitivity_table(ranking, w, RobustnessOptions(samples=3000, seed=7, concentration=5))
    b = sensitivity_table(ranking, w, RobustnessOptions(samples=3000, seed=7, concentration=5))
    c = sensitivity_table(ranking, w, RobustnessOptions(samples=3000, seed=8, concentration=5))
    assert a["p_first"].sum() == pytest.approx(1.0, abs=1e-12)
    assert a["p_top_k"].sum() == pytest.approx(3.0, abs=1e-12)  # k = 3 sites in the top 3 of every sample
    pd.testing.assert_frame_equal(a, b)
    assert not a["mean_rank"].equals(c["mean_rank"])
    assert 0 < a["p_first"].max() < 1  # the weighting matters here
    assert (
        (a["p_first"] <= a["p_top_k"]) & (a["rank_p05"] <= a["mean_rank"]) & (a["mean_rank"] <= a["rank_p95"])
    ).all()


def test_monte_carlo_matches_direct_resampling():
    ranking, w = _ranking(seed=4)
    X = ranking[[f"{c}_norm" for c in CRIT]].to_numpy()
    ids = ranking["site_id"].tolist()
    w_arr = np.array([w[c] for c in CRIT])
    mc = weight_monte_carlo(X, w_arr, ids, samples=500, concentration=20, seed=3)
    # the same draws, ranked one by one with the ranking's own scorer
    W = np.random.default_rng(3).dirichlet(20 * w_arr, size=500)
    firsts = pd.Series([_winner(X, wi, ids) for wi in W]).value_counts() / 500
    got = mc.set_index("site_id")["p_first"]
    for sid in ids:
        assert got[sid] == pytest.approx(firsts.get(sid, 0.0))


def test_high_concentration_keeps_the_chosen_winner():
    ranking, w = _ranking(seed=2)
    sens = sensitivity_table(ranking, w, RobustnessOptions(samples=500, concentration=1e7))
    top = sens.iloc[0]
    assert top["rank"] == 1 and top["p_first"] == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 1000), n=st.integers(2, 7))
def test_winning_ranges_agree_with_a_fine_sweep(seed, n):
    rng = np.random.default_rng(seed)
    X = np.round(rng.uniform(0, 1, (n, 3)), 2)
    w = rng.dirichlet([2, 2, 2])
    ids = np.array([f"s{i}" for i in range(n)])
    lo, hi = winning_weight_ranges(X, w, ids.tolist())
    for c in range(3):
        others = np.delete(np.arange(3), c)
        share = w[others] / w[others].sum()
        for t in np.linspace(0, 1, 201):
            wt = np.zeros(3)
            wt[c] = t
            wt[others] = (1 - t) * share
            win = _winner(X, wt, ids)
            k = int(np.flatnonzero(ids == win)[0])
            # the brute-force winner's range contains t ...
            assert lo[k, c] - 1e-9 <= t <= hi[k, c] + 1e-9
            # ... and no other site claims t strictly inside its range
            inside = (lo[:, c] + 1e-6 < t) & (t < hi[:, c] - 1e-6)
            assert set(ids[inside]) <= {win}
    # the chosen weights' winner holds the chosen weight in every one of its ranges
    k = int(np.flatnonzero(ids == _winner(X, w, ids))[0])
    assert np.all(lo[k] <= w + 1e-9) and np.all(w <= hi[k] + 1e-9)


def test_a_narrow_winner_is_flagged_and_a_dominant_one_is_robust():
    w = {"delivery_time_s": 0.5, "rent_per_yr": 0.5}
    # s1 and s2 trade delivery against rent; s0 edges ahead only at equal weights
    narrow = pd.DataFrame(
        {"site_id": ["s0", "s1", "s2"], "delivery_time_s": [5.0, 1.0, 9.0], "rent_per_yr": [4.9, 9.0, 1.0]}
    )
    sens = sensitivity_table(score_sites(narrow, w), w, RobustnessOptions(samples=2000))
    top = sens.iloc[0]
    assert top["site_id"] == "s0" and bool(top["narrow_win"]) and not bool(top["robust"])
    assert top["w_rent_per_yr_max"] - top["w_rent_per_yr_min"] < 0.05
    summary = robustness_summary(sens)
    assert summary["robust"] is False and "narrow weighting" in summary["note"]
    dominant = pd.DataFrame(
        {"site_id": ["s0", "s1", "s2"], "delivery_time_s": [1.0, 5.0, 9.0], "rent_per_yr": [1.0, 4.0, 9.0]}
    )
    sens = sensitivity_table(score_sites(dominant, w), w, RobustnessOptions(samples=2000))
    assert bool(sens.iloc[0]["robust"]) and sens.iloc[0]["p_first"] == 1.0
    assert sens.iloc[0]["w_delivery_time_s_min"] == 0.0 and sens.iloc[0]["w_delivery_time_s_max"] == 1.0
    assert robustness_summary(sens)["robust"] is True


def test_options_are_checked():
    with pytest.raises(InputError):
        RobustnessOptions(concentration=0)
    with pytest.raises(InputError):
        RobustnessOptions(min_p_first=2)
    ranking, w = _ranking()
    off = sensitivity_table(ranking, w, RobustnessOptions(samples=0))
    assert off["p_first"].isna().all() and off["p_top_k"].isna().all()


def test_without_sampling_robustness_rests_on_the_weight_ranges_alone():
    w = {"delivery_time_s": 0.5, "rent_per_yr": 0.5}
    no_samples = RobustnessOptions(samples=0)
    dominant = pd.DataFrame(
        {"site_id": ["s0", "s1", "s2"], "delivery_time_s": [1.0, 5.0, 9.0], "rent_per_yr": [1.0, 4.0, 9.0]}
    )
    sens = sensitivity_table(score_sites(dominant, w), w, no_samples)
    assert sens["robust"].tolist() == [True, False, False]  # only the top site can be robust
    narrow = pd.DataFrame(
        {"site_id": ["s0", "s1", "s2"], "delivery_time_s": [5.0, 1.0, 9.0], "rent_per_yr": [4.9, 9.0, 1.0]}
    )
    sens = sensitivity_table(score_sites(narrow, w), w, no_samples)
    assert sens["robust"].tolist() == [False, False, False] and bool(sens.iloc[0]["narrow_win"])
