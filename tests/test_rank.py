"""Scoring and ranking invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting import InputError
from siting.criteria import delivery_time_s, population_reachable
from siting.rank import normalise, normalise_weights, score_sites


def _criteria(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "site_id": [f"s{i}" for i in range(n)],
            "delivery_time_s": rng.uniform(100, 900, n),
            "population_reachable": rng.uniform(0, 5000, n),
            "rent_per_yr": rng.uniform(5e4, 2e5, n),
        }
    )


def test_ranks_are_one_to_n_and_sorted():
    out = score_sites(_criteria())
    assert out["rank"].tolist() == list(range(1, 7))
    assert out["score"].is_monotonic_decreasing
    assert out["score"].between(0, 1).all()
    for c in ("delivery_time_s", "population_reachable", "rent_per_yr"):
        assert {c, f"{c}_norm", f"{c}_contrib"} <= set(out.columns)
    np.testing.assert_allclose(out.filter(like="_contrib").sum(axis=1), out["score"])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), site=st.integers(0, 5), crit=st.sampled_from(["delivery_time_s", "population_reachable", "rent_per_yr"]), factor=st.floats(0.05, 0.95))
def test_improving_a_criterion_never_lowers_score_or_rank(seed, site, crit, factor):
    base = _criteria(seed=seed)
    better = base.copy()
    if crit == "population_reachable":
        better.loc[site, crit] = base.loc[site, crit] / factor
    else:
        better.loc[site, crit] = base.loc[site, crit] * factor
    sid = f"s{site}"
    before = score_sites(base).set_index("site_id").loc[sid]
    after = score_sites(better).set_index("site_id").loc[sid]
    assert after["score"] >= before["score"] - 1e-12
    assert after["rank"] <= before["rank"]


def test_ties_are_broken_by_site_id():
    df = pd.DataFrame({"site_id": ["b", "a", "c"], "delivery_time_s": [1.0, 1.0, 1.0], "population_reachable": [1.0] * 3, "rent_per_yr": [1.0] * 3})
    assert score_sites(df)["site_id"].tolist() == ["a", "b", "c"]


def test_weights_are_normalised_and_checked():
    assert normalise_weights({"delivery_time_s": 2, "rent_per_yr": 2}) == {"delivery_time_s": 0.5, "rent_per_yr": 0.5}
    with pytest.raises(InputError, match="unknown criterion 'speed'"):
        normalise_weights({"speed": 1})
    with pytest.raises(InputError, match=">= 0"):
        normalise_weights({"rent_per_yr": -1})
    with pytest.raises(InputError, match="above 0"):
        normalise_weights({"rent_per_yr": 0})


def test_normalise_directions_methods_and_missing():
    s = pd.Series([10.0, 20.0, np.nan, 40.0])
    assert normalise(s, "lower").tolist() == [1.0, pytest.approx(2 / 3), 0.0, 0.0]
    assert normalise(s, "higher").tolist() == [0.0, pytest.approx(1 / 3), 0.0, 1.0]
    assert normalise(s, "higher", method="rank").tolist() == [0.0, 0.5, 0.0, 1.0]
    assert normalise(pd.Series([3.0, 3.0]), "lower").tolist() == [1.0, 1.0]


def test_delivery_time_is_demand_weighted_and_skips_unreachable():
    t = np.array([[60.0, 120.0, np.inf], [np.inf, np.inf, np.inf]])
    d = np.array([1.0, 3.0, 5.0])
    got = delivery_time_s(t, d)
    assert got[0] == pytest.approx((60 * 1 + 120 * 3) / 4)
    assert np.isnan(got[1])
    assert population_reachable(np.array([[100.0, 700.0, np.inf]]), np.array([5.0, 7.0, 11.0]), 600).tolist() == [5.0]
