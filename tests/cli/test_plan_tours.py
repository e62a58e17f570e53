"""`siting plan` with ``lane_pattern = "tour"``: the plan map and the run folder hold the chosen sites' tours."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from cli_runner import run_cli


@pytest.fixture(scope="module")
def tour_plan(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("plan_tours")
    scenario = d / "siting.toml"
    assert run_cli("init", scenario)[0] == 0
    text = scenario.read_text(encoding="utf-8")
    # tours for the plan's chosen sites only: no tour sample, no lanes or isochrones of the top-ranked site
    extra = 'lane_pattern = "tour"\ntour_sample_sites = 0\nlanes_for_top = 0\nisochrones_for_top = 0\n'
    scenario.write_text(text.replace("[rank]\n", "[rank]\n" + extra, 1), encoding="utf-8")
    out = d / "out"
    code, stdout, stderr = run_cli("plan", scenario, "--out", out, "--map", d / "plan.html")
    assert code == 0, stderr
    return {"dir": d, "out": out}


def test_plan_map_draws_the_chosen_sites_tours(tour_plan) -> None:
    page = (tour_plan["dir"] / "plan.html").read_text(encoding="utf-8")
    drawn = re.findall(r"Tour (\d+) from ([^\"<:]+?)[\":]", page)
    chosen = set(pd.read_csv(tour_plan["out"] / "plan.csv")["site_id"])
    assert len(chosen) == 2
    assert {site for _, site in drawn} == chosen, (drawn, chosen)
    tours = gpd.read_file(tour_plan["out"] / "helsinki" / "tours.gpkg")  # what `siting map` redraws
    assert set(tours["site_id"]) == chosen
    assert {(int(t), s) for t, s in drawn} == set(zip(tours["tour"].astype(int), tours["site_id"]))


def test_plan_tours_visit_exactly_the_stores_allocated_to_each_chosen_site(tour_plan) -> None:
    folder = Path(tour_plan["out"]) / "helsinki"
    tours = gpd.read_file(folder / "tours.gpkg")
    allocation = gpd.read_file(folder / "allocation.gpkg")
    for site, group in tours.groupby("site_id"):
        visited = [s for ids in group["store_ids"] for s in ids.split(";")]
        assert len(visited) == len(set(visited))  # each store once in one drop round
        assert set(visited) == set(allocation.loc[allocation["site_id"] == site, "store_id"].astype(str))
