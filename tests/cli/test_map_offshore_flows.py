"""`siting map` redraws a portfolio plan's Offshore flows layer from the run folder, as the plan drew it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from siting.costs.products import example_products_path

HUB = "<b>A</b>"  # markup in an id: written to the layer as given, drawn escaped


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """`siting plan` of the Helsinki demo with two candidate hubs at two busy stores, then `siting map`."""
    from siting.app import city_inputs, demo_scenario

    d = tmp_path_factory.mktemp("map-flows")
    stores = city_inputs(demo_scenario("helsinki"))[0].stores
    pts = stores.sort_values("demand_units_per_week", ascending=False).to_crs(4326).geometry.representative_point()
    (d / "hubs.csv").write_text(
        "hub_id,lon,lat,handling_cost_per_unit,turnaround_s,fixed_cost_per_yr\n"
        f'"{HUB}",{pts.x.iloc[0]:.6f},{pts.y.iloc[0]:.6f},0.04,0,100\n'
        f"B,{pts.x.iloc[30]:.6f},{pts.y.iloc[30]:.6f},0.04,0,100\n",
        encoding="utf-8",
    )
    products = example_products_path()
    (d / "s.toml").write_text(
        'name = "hubs-demo"\ncurrency = "EUR"\nseed = 0\n\n[[cities]]\nname = "helsinki"\ndemo = "helsinki"\nk = 2\n\n'
        f'[rank]\nreach_time_s = 180\n\n[costs]\nproducts = "{products.as_posix()}"\nhubs = "hubs.csv"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "COLUMNS": "120"}
    cli = [sys.executable, "-m", "siting.cli"]
    plan = subprocess.run(
        # the map's layers are the subject, not the all-local proof (about two minutes of CPU more here)
        [*cli, "plan", "s.toml", "--out", "out", "--map", "plan.html", "--no-prove-all-local"],
        cwd=d,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert plan.returncode == 0, plan.stderr
    redraw = subprocess.run(
        [*cli, "map", "out", "--out", "maps2"], cwd=d, capture_output=True, text=True, timeout=300, env=env
    )
    return {"dir": d, "out": d / "out", "redraw": redraw}


def test_the_plan_writes_its_offshore_flows_and_open_hubs(run) -> None:
    folder = run["out"] / "helsinki"
    lines = gpd.read_file(folder / "offshore_flows.gpkg")
    hubs = gpd.read_file(folder / "open_hubs.gpkg")
    portfolio = pd.read_csv(run["out"] / "portfolio.csv", dtype={"site": str})
    routed = portfolio.loc[portfolio["source"].str.contains("via", regex=False), "site"]
    vias = {v for s in routed for v in s.split("; ")}
    assert any(v.startswith("hub:") for v in vias), "no hub carries goods: the test would check nothing"
    assert set(lines["via"]) == vias
    assert set(hubs["hub_id"]) == {v.removeprefix("hub:") for v in vias if v.startswith("hub:")}
    assert HUB in set(hubs["hub_id"])


def test_siting_map_redraws_the_layer_from_the_folder(run) -> None:
    from siting.maps.from_run import map_from_outputs

    assert run["redraw"].returncode == 0, run["redraw"].stderr
    folder = run["out"] / "helsinki"
    n = len(gpd.read_file(folder / "offshore_flows.gpkg")) + len(gpd.read_file(folder / "open_hubs.gpkg"))
    m = map_from_outputs(run["out"])
    assert m.siting_layers["offshore_flows"] == n
    page = (run["dir"] / "maps2" / "helsinki.html").read_text(encoding="utf-8")
    plan_page = (Path(run["dir"]) / "plan.html").read_text(encoding="utf-8")
    assert "Offshore flows" in page and "Offshore flows" in plan_page
    assert "handling cost per unit" in page and "EUR" in page  # the hub popups, with the run's currency
    assert HUB not in page  # the id with markup only escaped
