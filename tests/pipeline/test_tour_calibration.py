"""One CO2e figure in tour runs: OR-Tools tours of the top sites, the approximation calibrated on them.

Malta's demo clusters (real OSM extract): ranking and lane totals agree on every lane site, the
calibration factor is the least-squares fit of independently recomputed approximations to the
tours, and the hold-out residuals quoted in docs/maps-and-emissions.md are reproduced.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.delivery.approx import approx_tour_totals, store_lengths
from siting.network.od import od_time_length
from siting.network.snapping import SNAP_COLUMNS
from siting.pipeline.city import rank_city


@pytest.fixture(scope="module")
def malta_runs():
    from siting.app.demo import demo_scenario
    from siting.app.inputs import city_inputs
    from siting.app.options import rank_options

    sc = demo_scenario("malta")
    cities = {c.name: c for c in city_inputs(sc)}
    # no portfolio design: the tours are the subject, and its value leaves the top 5 lane sites of both clusters as
    # they are (victoria's ranking took 28.1 s with it and 1.6 s without, warm)
    opts = rank_options(sc, lane_pattern="tour", lanes_for_top=5, isochrones_for_top=0, portfolio_enabled=False)
    return {name: rank_city(cities[name], opts) for name in ("victoria", "bugibba")}


@pytest.mark.parametrize("name", ["victoria", "bugibba"])
def test_ranking_and_lane_totals_agree_on_every_lane_site(malta_runs, name):
    r = malta_runs[name]
    totals = r.lane_totals[r.lane_totals["site_id"] != "ALL"].set_index("site_id")
    ranked = r.ranking.set_index("site_id").loc[totals.index]
    assert len(totals) == 5
    for rank_col, lane_col in [
        ("co2e_wtw_kg_per_week", "co2e_wtw_kg_per_week"),
        ("vehicle_km_per_week", "vehicle_km_per_week"),
        ("lane_cost_per_week", "cost_per_week"),
    ]:
        gap = (ranked[rank_col] / totals[lane_col] - 1).abs()
        assert gap.max() <= 0.03, (rank_col, gap.to_dict())
        np.testing.assert_allclose(ranked[rank_col], totals[lane_col], rtol=1e-9)  # the same tours
    assert set(ranked["lane_basis"]) == {"tours"}
    assert totals["tour_local_optimum"].all() and set(totals["tour_status"]) <= {"SUCCESS", "OPTIMAL"}


@pytest.mark.parametrize("name", ["victoria", "bugibba"])
def test_calibration_is_the_least_squares_fit_to_the_tours(malta_runs, name):
    r = malta_runs[name]
    G, c, s = r.graph, r.candidates, r.stores
    cs, ss = c[list(SNAP_COLUMNS)], s[list(SNAP_COLUMNS)]
    to, lo = od_time_length(G, cs, ss)
    tb, lb = od_time_length(G, ss, cs)
    units = s["demand_units_per_week"].to_numpy()
    approx = approx_tour_totals(to, lo, tb, lb, store_lengths(G, ss), units, params=r_params(r))
    approx.index = c["site_id"].astype(str)
    rec = r.tour_calibration["calibration"]
    sampled = rec["sites"]
    tours_km = r.lanes.groupby("site_id")["vehicle_km_per_week"].sum().loc[sampled].to_numpy()
    a = approx.loc[sampled, "vehicle_km_per_week"].to_numpy()
    factor = float(a @ tours_km / (a @ a))
    assert rec["km_factor"] == pytest.approx(factor, rel=1e-5)
    # hold-out: fit on the other sites, predict this one
    held = []
    for i in range(len(sampled)):
        rest = np.arange(len(sampled)) != i
        f = float(a[rest] @ tours_km[rest] / (a[rest] @ a[rest]))
        held.append(f * a[i] / tours_km[i] - 1)
    np.testing.assert_allclose(rec["holdout_residuals"], held, atol=1e-5)
    assert max(abs(h) for h in held) <= 0.10, held
    # every other site: the calibrated approximation
    ranking = r.ranking.set_index("site_id")
    others = [sid for sid in ranking.index if sid not in sampled]
    assert others and set(ranking.loc[others, "lane_basis"]) == {"calibrated approximation"}
    np.testing.assert_allclose(
        ranking.loc[others, "co2e_wtw_kg_per_week"], factor * approx.loc[others, "co2e_wtw_kg_per_week"], rtol=1e-5
    )
    # the row docs/maps-and-emissions.md quotes for this cluster
    err = a / tours_km - 1

    def pct(x: float) -> str:
        return f"{100 * x:+.1f} %".replace("+-", "-")

    row = (
        f"| {name} | {len(s)} | {pct(err.min())} to {pct(err.max())} | {rec['km_factor']:.3f} | "
        f"{pct(min(held))} to {pct(max(held))} |"
    )
    page = (Path(__file__).parents[2] / "docs" / "maps-and-emissions.md").read_text()
    assert row in page, row


def r_params(r):
    from siting.delivery.lanes import LaneParams

    return LaneParams()


def test_tour_run_writes_one_co2e_figure(tmp_path: Path, malta_runs):
    """A tour run on Malta's Victoria (Gozo) stores through the CLI: ranking.csv and lane_totals.csv agree
    within 3% on every lane site; run.json records the sample and its calibration."""
    from cli_runner import run_cli

    from siting.inputs.country_demo import demo_country

    city = malta_runs["victoria"]
    keep = ["store_id", "demand_units_per_week", "geometry"]
    city.stores[keep].to_crs("EPSG:4326").to_file(tmp_path / "stores.geojson")
    sites = demo_country("malta").candidates
    sites = sites[sites["site_id"].isin(city.candidates["site_id"])]
    sites[["site_id", "floor_area_m2", "rent_per_m2_yr", "geometry"]].to_crs("EPSG:4326").to_file(
        tmp_path / "candidates.geojson"
    )
    pbf = demo_country("malta").osm_path
    (tmp_path / "tour.toml").write_text(
        f"""name = "victoria-tour"
[[cities]]
name = "victoria"
network = "{pbf.as_posix()}"
[cities.layers.stores]
path = "stores.geojson"
[cities.layers.candidates]
path = "candidates.geojson"
[rank]
lane_pattern = "tour"
lanes_for_top = 3
tour_sample_sites = 4
required_floor_area_m2 = 200
isochrones_for_top = 0
"""
    )
    code, _, err = run_cli("rank", tmp_path / "tour.toml", "--out", tmp_path / "run", "--no-map")
    assert code == 0, err
    ranking = pd.read_csv(tmp_path / "run" / "ranking.csv").set_index("site_id")
    totals = pd.read_csv(tmp_path / "run" / "lane_totals.csv")
    totals = totals[totals["site_id"] != "ALL"].set_index("site_id")
    assert len(totals) == 3
    pairs = [("co2e_wtw_kg_per_week", "co2e_wtw_kg_per_week"), ("lane_cost_per_week", "cost_per_week")]
    for rank_col, lane_col in pairs:
        gap = (ranking.loc[totals.index, rank_col] / totals[lane_col] - 1).abs()
        assert gap.max() <= 0.03, gap.to_dict()
    record = json.loads((tmp_path / "run" / "run.json").read_text())["tour_calibration"]["victoria"]
    # 4 in the first round, plus any site the calibrated ranking moved into the top 3
    assert 4 <= len(record["calibration"]["sites"]) <= 4 + 3 * (record["rounds"] - 1)
    assert set(record["sites"]) == set(record["calibration"]["sites"]) >= set(totals.index)
    assert all(s["local_optimum"] and not s["budget_hit"] for s in record["sites"].values())
    assert set(totals["tour_status"]) <= {"SUCCESS", "OPTIMAL"}
    assert set(ranking["lane_basis"]) == {"tours", "calibrated approximation"}
