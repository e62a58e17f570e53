"""Scoring and ranking invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting import InputError
from siting.ranking.criteria import (
    delivery_time_s,
    floor_area_fit_ratio,
    lane_criteria,
    population_reachable,
    site_criteria,
    stores_within,
)
from siting.ranking.scoring import CRITERIA, DEFAULT_WEIGHTS, normalise, normalise_weights, score_sites


def _criteria(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "site_id": [f"s{i}" for i in range(n)],
            "delivery_time_s": rng.uniform(100, 900, n),
            "population_reachable": rng.uniform(0, 5000, n),
            "rent_per_yr": rng.uniform(5e4, 2e5, n),
            "co2e_wtw_kg_per_week": rng.uniform(10, 400, n),
            "landed_cost_local_per_unit": rng.uniform(8, 30, n),
            "saving_vs_offshore_per_unit": rng.uniform(-5, 5, n),
            "portfolio_value_per_yr": rng.uniform(0, 2e5, n),
            "stores_within_sla": rng.integers(0, 40, n).astype(float),
            "floor_area_fit_ratio": rng.uniform(0.1, 1.0, n),
        }
    )


ALL = list(CRITERIA)


def test_ranks_are_one_to_n_and_sorted():
    out = score_sites(_criteria())
    assert out["rank"].tolist() == list(range(1, 7))
    assert out["score"].is_monotonic_decreasing
    assert out["score"].between(0, 1).all()
    for c in DEFAULT_WEIGHTS:
        assert {c, f"{c}_norm", f"{c}_contrib"} <= set(out.columns)
    np.testing.assert_allclose(out.filter(like="_contrib").sum(axis=1), out["score"])


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    site=st.integers(0, 5),
    crit=st.sampled_from(ALL),
    factor=st.floats(0.05, 0.95),
    method=st.sampled_from(["minmax", "rank"]),
    raw_weights=st.lists(st.floats(0.0, 1.0), min_size=len(ALL), max_size=len(ALL)).filter(lambda w: sum(w) > 0.01),
)
def test_improving_a_criterion_never_worsens_score_or_rank(seed, site, crit, factor, method, raw_weights):
    base = _criteria(seed=seed)
    better = base.copy()
    x = base.loc[site, crit]
    if CRITERIA[crit].better == "higher":
        better.loc[site, crit] = x + abs(x) * (1 / factor - 1) + 1e-3
    else:
        better.loc[site, crit] = x - abs(x) * (1 - factor) - 1e-3
    weights = dict(zip(ALL, raw_weights))
    sid = f"s{site}"
    before = score_sites(base, weights, method=method).set_index("site_id").loc[sid]
    after = score_sites(better, weights, method=method).set_index("site_id").loc[sid]
    assert after["score"] >= before["score"] - 1e-12
    assert after["rank"] <= before["rank"]


def test_ties_are_broken_by_site_id():
    df = pd.DataFrame({"site_id": ["b", "a", "c"], **{c: [1.0, 1.0, 1.0] for c in DEFAULT_WEIGHTS}})
    assert score_sites(df)["site_id"].tolist() == ["a", "b", "c"]
    shuffled = _criteria(8, seed=3).sample(frac=1.0, random_state=1)
    assert score_sites(shuffled).equals(score_sites(_criteria(8, seed=3)))


def test_weights_are_normalised_and_checked():
    assert normalise_weights({"delivery_time_s": 2, "rent_per_yr": 2}) == {"delivery_time_s": 0.5, "rent_per_yr": 0.5}
    with pytest.raises(InputError, match="unknown criterion 'speed'"):
        normalise_weights({"speed": 1})
    with pytest.raises(InputError, match=">= 0"):
        normalise_weights({"rent_per_yr": -1})
    with pytest.raises(InputError, match="above 0"):
        normalise_weights({"rent_per_yr": 0})
    with pytest.raises(InputError, match="must be a number"):
        normalise_weights({"rent_per_yr": "lots"})


def test_weights_not_summing_to_one_are_scaled_with_a_message(caplog):
    with caplog.at_level("INFO", logger="siting"):
        w = normalise_weights({"delivery_time_s": 3, "rent_per_yr": 1})
    assert w == {"delivery_time_s": 0.75, "rent_per_yr": 0.25}
    assert "sum to 4" in caplog.text and "delivery_time_s=0.75" in caplog.text
    caplog.clear()
    with caplog.at_level("INFO", logger="siting"):
        normalise_weights({"delivery_time_s": 0.5, "rent_per_yr": 0.5})
    assert caplog.text == ""
    # the score uses the scaled weights: contributions are weight x norm
    out = score_sites(_criteria(), {"delivery_time_s": 3, "rent_per_yr": 1})
    np.testing.assert_allclose(out["delivery_time_s_contrib"], 0.75 * out["delivery_time_s_norm"], atol=1e-12)


def test_every_criterion_has_direction_units_and_description():
    for c in CRITERIA.values():
        assert c.better in ("lower", "higher") and c.units and c.description
    assert set(DEFAULT_WEIGHTS) <= set(CRITERIA)
    assert sum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)


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


def test_sla_stores_and_floor_area_fit():
    t = np.array([[100.0, 1300.0, np.inf], [1199.0, 1200.0, 1201.0]])
    assert stores_within(t, 1200).tolist() == [1, 2]
    np.testing.assert_allclose(floor_area_fit_ratio(np.array([500.0, 2000.0]), 500), [1.0, 0.25])
    raw = site_criteria(
        pd.Series(["a", "b"]),
        t,
        np.ones(3),
        rent_per_m2_yr=np.array([100.0, 200.0]),
        required_floor_area_m2=500,
        sla_time_s=1200,
        floor_area_m2=np.array([500.0, 2000.0]),
    )
    assert raw["stores_within_sla"].tolist() == [1, 2]
    assert raw["rent_per_yr"].tolist() == [50_000.0, 100_000.0]
    assert raw["floor_area_fit_ratio"].tolist() == [1.0, 0.25]


def test_lane_criteria_match_a_hand_computation():
    from siting.delivery.emissions import VEHICLES
    from siting.delivery.lanes import LaneParams

    params = LaneParams(
        vehicle="van_avg_diesel", unit_weight_kg=2.0, unit_volume_m3=0.0, load_factor=0.8, drops_per_week=2.0
    )
    van = VEHICLES["van_avg_diesel"]
    units = np.array([100.0, 0.0, 3000.0])
    length = np.array([[1000.0, 2000.0, 5000.0], [np.inf, 500.0, 800.0]])
    time = length / 10.0
    out = lane_criteria(["a", "b"], ["x", "y", "z"], time, length, units, params=params).set_index("site_id")
    # trips: per drop units/2 x 2 kg against payload x 0.8, rounded up, twice a week; 0 demand -> 0 trips
    per_drop_trips = np.ceil(units / 2 * 2.0 / (van.payload_kg * 0.8))
    trips = per_drop_trips * 2
    for site, row in (("a", 0), ("b", 1)):
        reach = np.isfinite(length[row])
        km = float((trips * 2 * np.where(reach, length[row], 0.0) / 1000).sum())
        assert out.loc[site, "trips_per_week"] == pytest.approx(trips[reach].sum())
        assert out.loc[site, "vehicle_km_per_week"] == pytest.approx(km)
        assert out.loc[site, "co2e_wtw_kg_per_week"] == pytest.approx(km * (van.ttw_kg_per_km + van.wtt_kg_per_km))
    none = lane_criteria(["c"], ["x"], np.array([[np.inf]]), np.array([[np.inf]]), np.array([1.0]))
    assert np.isnan(none["co2e_wtw_kg_per_week"].iloc[0])
