"""The pipeline end to end on the real demo cities: criteria, filters, robustness, lanes, overall rank, plan."""

from __future__ import annotations

import dataclasses
import itertools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from siting import InputError
from siting.delivery.lanes import LANE_COLUMNS
from siting.delivery.totals import TOTAL_COLUMNS
from siting.inputs.layers import assign_rents
from siting.pipeline import (
    CostOptions,
    LaneOptions,
    RankOptions,
    ReachOptions,
    RobustnessOptions,
    city_from_demo,
    plan,
    rank_city,
    run,
)
from siting.ranking.filters import SiteFilters
from siting.ranking.scoring import CRITERIA, DEFAULT_WEIGHTS, JOIN_WHEN_PRESENT

FAST = RobustnessOptions(samples=500)


@pytest.fixture(scope="module")
def cities(helsinki_drive):
    """Helsinki and Kotka demo inputs with their road networks built once."""
    from siting.network.build import build_network

    kotka = city_from_demo("kotka")
    return {
        "helsinki": dataclasses.replace(city_from_demo("helsinki"), network_source=helsinki_drive),
        "kotka": dataclasses.replace(kotka, network_source=build_network(kotka.network_source, mode="drive")),
    }


@pytest.fixture(scope="module")
def two(cities):
    return run([cities["helsinki"], cities["kotka"]], RankOptions(robustness=FAST))


def test_overall_score_pools_every_city_under_the_run_weights(two):
    """Recomputed by hand: min-max over the sites of both cities, weighted by the run's weights."""
    r = two.ranking
    common = [c for c in CRITERIA if all(c in res.weights for res in two.cities.values())]
    weights = {c: two.options.weights.get(c, 0.0) for c in common}
    total = sum(weights.values())
    expected = np.zeros(len(r))
    for c, w in weights.items():
        x = r[c].astype(float).replace([np.inf, -np.inf], np.nan)
        x = -x if CRITERIA[c].better == "lower" else x
        expected += w / total * ((x - x.min()) / (x.max() - x.min())).fillna(0.0).to_numpy()
    assert sum(w > 0 for w in weights.values()) >= 3
    np.testing.assert_allclose(r["score_overall"], expected, atol=1e-9)
    by_score = r.sort_values(["score_overall"], ascending=False, kind="stable")
    assert by_score["rank_overall"].is_monotonic_increasing


def test_two_cities_ranked_in_one_call(two):
    r = two.ranking
    assert list(r.columns[:4]) == ["city", "site_id", "rank", "score"]
    assert set(r["city"]) == {"helsinki", "kotka"}
    for _name, g in r.groupby("city"):
        assert g["rank"].tolist() == list(range(1, len(g) + 1))
        assert g["score"].is_monotonic_decreasing
    assert sorted(r["rank_overall"]) == list(range(1, len(r) + 1))
    # every computed criterion carries raw, norm and contrib; contributions add up to the score
    for c in (
        "delivery_time_s",
        "population_reachable",
        "rent_per_yr",
        "co2e_wtw_kg_per_week",
        "stores_within_sla",
        "floor_area_fit_ratio",
    ):
        assert {c, f"{c}_norm", f"{c}_contrib"} <= set(r.columns)
    contrib = r[[f"{c}_contrib" for c in CRITERIA if f"{c}_contrib" in r.columns]].sum(axis=1)
    np.testing.assert_allclose(contrib, r["score"], atol=1e-9)
    assert r[["p_first", "p_top_k", "robust", "narrow_win"]].notna().all().all()
    assert r.groupby("city")["p_first"].sum().tolist() == pytest.approx([1.0, 1.0])
    # criteria recomputed independently from the result's own matrices
    hel = two.cities["helsinki"]
    demand = hel.stores["demand_units_per_week"].to_numpy()
    t = hel.store_time_s
    expected = (np.where(np.isfinite(t), t, 0) @ demand) / (np.isfinite(t) @ demand)
    np.testing.assert_allclose(hel.candidates["delivery_time_s"], expected)
    np.testing.assert_array_equal(hel.candidates["stores_within_sla"], (t <= 1200).sum(axis=1))
    np.testing.assert_allclose(hel.candidates["rent_per_yr"], hel.candidates["rent_per_m2_yr"] * 500)


def test_lanes_and_totals_of_the_top_site(two):
    for _name, city in two.cities.items():
        lanes = city.lanes
        assert isinstance(lanes, gpd.GeoDataFrame) and lanes.crs == city.graph.graph["crs"]
        assert set(LANE_COLUMNS) | {"city", "site_rank", "geometry"} <= set(lanes.columns)
        top = city.ranking["site_id"].iloc[0]
        assert set(lanes["site_id"]) == {top}
        assert len(lanes) == int((city.stores["demand_units_per_week"] > 0).sum())
        assert (lanes["trips_per_week"] > 0).all() and (lanes["co2e_wtw_kg_per_week"] >= 0).all()
        assert lanes["co2e_wtw_kg_per_week"].sum() > 0
        totals = city.lane_totals
        assert set(TOTAL_COLUMNS) <= set(totals.columns)
        site_row = totals[totals["site_id"] == top].iloc[0]
        all_row = totals[totals["site_id"] == "ALL"].iloc[0]
        for col in ("trips_per_week", "vehicle_km_per_week", "co2e_wtw_kg_per_week", "cost_per_week"):
            assert site_row[col] == pytest.approx(lanes[col].sum())
            assert all_row[col] == pytest.approx(lanes[col].sum())
        # the criterion (return leg = way out) is close to the exact lanes of the same site
        crit = city.ranking.iloc[0]["co2e_wtw_kg_per_week"]
        assert crit == pytest.approx(all_row["co2e_wtw_kg_per_week"], rel=0.1)
        assert city.isochrones is not None and city.isochrones["site_id"].tolist() == [top]
    stacked = two.lane_totals
    assert (stacked["site_id"] == "ALL").sum() == 2
    assert set(two.lanes["city"]) == {"helsinki", "kotka"} and len(two.lanes) == sum(
        len(c.lanes) for c in two.cities.values()
    )
    assert set(two.isochrones["city"]) == {"helsinki", "kotka"}


def test_options_are_checked():
    with pytest.raises(InputError, match="lane_pattern"):
        RankOptions(lanes=LaneOptions(lane_pattern="drone"))
    with pytest.raises(InputError, match="reach_time_s"):
        RankOptions(reach=ReachOptions(reach_time_s="ten"))
    with pytest.raises(InputError, match="lanes_for_top"):
        RankOptions(lanes=LaneOptions(lanes_for_top=-1))
    with pytest.raises(InputError, match="max_rent_per_yr"):
        SiteFilters(max_rent_per_yr=-5)


def test_sensitivity_summary_and_json(two):
    sens = two.sensitivity
    assert {"city", "site_id", "rank", "p_first", "p_top_k", "robust", "narrow_win"} <= set(sens.columns)
    for c in DEFAULT_WEIGHTS:  # the portfolio value joins only with product families (this run has none)
        wanted = {f"w_{c}", f"w_{c}_min", f"w_{c}_max"}
        assert wanted.isdisjoint(sens.columns) if c in JOIN_WHEN_PRESENT else wanted <= set(sens.columns)
    assert sens.groupby("city")["p_first"].sum().tolist() == pytest.approx([1.0, 1.0])
    summary = two.summary
    assert summary["city"].tolist() == ["helsinki", "kotka"]
    assert summary["best_site_id"].tolist() == [two.cities[c].ranking["site_id"].iloc[0] for c in ("helsinki", "kotka")]
    assert summary["n_stores"].tolist() == [len(two.cities[c].stores) for c in ("helsinki", "kotka")]
    blob = json.loads(json.dumps(two.summary_dict(), allow_nan=False))
    assert set(blob["cities"]) == {"helsinki", "kotka"}
    assert blob["cities"]["kotka"]["robustness"]["top_site"] == summary["best_site_id"].iloc[1]


def test_run_is_deterministic(cities):
    opts = RankOptions(robustness=FAST)
    a, b = rank_city(cities["kotka"], opts), rank_city(cities["kotka"], opts)
    pd.testing.assert_frame_equal(a.ranking, b.ranking)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)


def test_filters_remove_what_they_say(cities):
    hel = cities["helsinki"]
    cands = assign_rents(hel.candidates, hel.rents)
    big = cands[cands["floor_area_m2"] >= 500]
    limit = float(big["rent_per_m2_yr"].median())
    expected = set(big.loc[big["rent_per_m2_yr"] > limit, "site_id"])
    base = rank_city(hel, RankOptions(robustness=FAST))
    top = base.candidates[~base.candidates["site_id"].isin(expected)].iloc[0]
    zone = gpd.GeoDataFrame({"name": ["flood zone"]}, geometry=[top.geometry.buffer(1.0)], crs=base.candidates.crs)
    opts = RankOptions(robustness=FAST, filters=SiteFilters(max_rent_per_m2_yr=limit, excluded_zones=zone))
    res = rank_city(hel, opts)
    ex = res.excluded
    assert list(ex.columns) == ["layer", "id", "filter", "reason", "value"]
    assert set(ex.loc[ex["filter"] == "max_rent_per_m2_yr", "id"]) == expected
    zoned = set(ex.loc[ex["filter"] == "excluded_zones", "id"])
    touching = set(base.candidates.loc[base.candidates.intersects(zone.geometry.iloc[0]), "site_id"]) - expected
    assert zoned == touching and top["site_id"] in zoned
    assert (ex.loc[ex["filter"] == "excluded_zones", "reason"] == "inside the excluded zone 'flood zone'").all()
    assert not (set(res.ranking["site_id"]) & (expected | zoned))
    assert len(res.ranking) == len(big) - len(expected | zoned) - int((ex["filter"] == "max_snap_distance_m").sum())
    report = res.filter_report.set_index("filter")["removed"]
    assert report["max_rent_per_m2_yr"] == len(expected)
    # a limit on a computed criterion
    cutoff = float(base.ranking["delivery_time_s"].median())
    res = rank_city(hel, RankOptions(robustness=FAST, filters=SiteFilters(max_delivery_time_s=cutoff)))
    assert (res.ranking["delivery_time_s"] <= cutoff).all()
    assert set(res.excluded.loc[res.excluded["filter"] == "max_delivery_time_s", "id"]) == set(
        base.ranking.loc[base.ranking["delivery_time_s"] > cutoff, "site_id"]
    )
    with pytest.raises(InputError, match="every candidate site was filtered out.*max_rent_per_m2_yr"):
        rank_city(hel, RankOptions(filters=SiteFilters(max_rent_per_m2_yr=0.0)))


def test_landed_cost_criterion_and_missing_criteria(cities):
    from siting.costs.products import example_products_path
    from siting.costs.sites import load_products

    kotka = cities["kotka"]
    products = load_products(example_products_path())
    opts = RankOptions(
        robustness=FAST,
        weights={"landed_cost_local_per_unit": 1.0, "delivery_time_s": 1.0},
        costs=CostOptions(products=products),
    )
    res = rank_city(kotka, opts)
    r = res.ranking
    assert {"landed_cost_local_per_unit", "saving_vs_offshore_per_unit", "landed_cost_local_per_unit_contrib"} <= set(
        r.columns
    )
    np.testing.assert_allclose(
        r["saving_vs_offshore_per_unit"], r["landed_cost_offshore_per_unit"] - r["landed_cost_local_per_unit"]
    )
    assert res.weights["landed_cost_local_per_unit"] == pytest.approx(0.5)
    # a weighted criterion without data (no population layer) is dropped with a warning
    nopop = dataclasses.replace(kotka, population=None)
    res = rank_city(nopop, RankOptions(robustness=FAST))
    assert "population_reachable" not in res.weights
    assert sum(res.weights.values()) == pytest.approx(1.0)


def test_plan_best_k_sites_per_city(two):
    result = plan(two, 2)
    assert set(result.solutions) == {"helsinki", "kotka"}
    assert result.sites.groupby("city").size().tolist() == [2, 2]
    for name, sol in result.solutions.items():
        city = two.cities[name]
        cost = city.store_time_s.T
        w = city.stores["demand_units_per_week"].to_numpy()
        # brute force over every pair of sites gives the optimum the bound must not exceed
        best = min(float(w @ cost[:, list(p)].min(axis=1)) for p in itertools.combinations(range(cost.shape[1]), 2))
        assert sol.lower_bound <= best + 1e-6 * best
        assert sol.objective == pytest.approx(float(w @ cost[np.arange(len(w)), sol.assignment]))
        assert sol.objective <= best * (1 + sol.gap) + 1e-6
        lanes = result.lanes[result.lanes["city"] == name]
        chosen = set(result.sites.loc[result.sites["city"] == name, "site_id"])
        assert set(lanes["site_id"]) <= chosen
        iso = result.isochrones[result.isochrones["city"] == name]  # the chosen sites' reach, for the plan map
        assert sorted(iso["site_id"]) == sorted(chosen) and iso.crs == city.stores.crs
        assert len(result.lines[result.lines["city"] == name]) == len(city.stores)
        tot = result.lane_totals[(result.lane_totals["city"] == name) & (result.lane_totals["site_id"] == "ALL")]
        assert tot["co2e_wtw_kg_per_week"].iloc[0] == pytest.approx(lanes["co2e_wtw_kg_per_week"].sum())
    s = result.summary.set_index("city")
    assert (s["k"] == 2).all() and (s["gap"] >= 0).all()
    json.dumps(result.summary_dict(), allow_nan=False)


def test_lanes_for_several_top_sites_tours_and_progress(cities):
    calls = []
    opts = RankOptions(
        robustness=FAST,
        reach=ReachOptions(isochrones_for_top=0),
        lanes=LaneOptions(lanes_for_top=2, lane_pattern="tour", tour_sample_sites=2),
    )
    res = run([cities["kotka"]], opts, progress=lambda *a: calls.append(a))
    city = res.cities["kotka"]
    assert calls[0] == ("rank cities", 0, 1) and calls[-1] == ("rank cities", 1, 1)
    lanes = city.lanes
    top2 = city.ranking["site_id"].head(2).tolist()
    assert sorted(set(lanes["site_id"])) == sorted(top2) and set(lanes["pattern"]) == {"tour"}
    assert lanes.groupby("site_id")["site_rank"].first().to_dict() == {top2[0]: 1, top2[1]: 2}
    totals = city.lane_totals.set_index("site_id")
    # the city row is the top site's configuration, not the sum of alternatives
    first = lanes[lanes["site_id"] == top2[0]]
    assert totals.loc["ALL", "vehicle_km_per_week"] == pytest.approx(first["vehicle_km_per_week"].sum())
    assert city.isochrones is None
    # tours never drive more than out-and-back lanes of the same site
    direct = run([cities["kotka"]], RankOptions(robustness=FAST, reach=ReachOptions(isochrones_for_top=0))).cities[
        "kotka"
    ]
    assert (
        totals.loc["ALL", "vehicle_km_per_week"]
        <= direct.lane_totals.set_index("site_id").loc["ALL", "vehicle_km_per_week"] + 1e-9
    )
