"""Every figure the manual quotes from a run is what that run gives today: each test runs the command (or the
Python) the page names, with the same options, and finds its figures, formatted as printed, on the page."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from cli_runner import run_cli
from docs_text import REPO

DOCS = REPO / "docs"


def _page(rel: str) -> str:
    return (DOCS / rel).read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def demo_rank(helsinki_demo_rank):
    """`siting rank -q` on the demo, piped at COLUMNS=80, with its run folder and map (shared by the suite)."""
    out, _, folder = helsinki_demo_rank
    return out, folder


def test_the_tutorial_shows_what_siting_rank_prints(demo_rank):
    out, _ = demo_rank
    page = _page("tutorial.md")
    block = re.search(r"<!-- output: siting rank -q --no-map -->\n```text\n(.*?)```", page, flags=re.S)
    assert block is not None
    assert block.group(1) == out  # character for character, at 80 columns
    _, tmp = demo_rank
    samples = json.loads((tmp / "out" / "summary.json").read_text())["cities"]["helsinki"]["robustness"]["samples"]
    assert f"the share of {samples:,} weightings around yours" in _flat(page)


def test_the_demo_map_figures(demo_rank):
    _, tmp = demo_rank
    size_mib = (tmp / "helsinki.html").stat().st_size / 2**20
    counts = {
        layer: len(gpd.read_file(tmp / "out" / "helsinki" / f"{layer}.gpkg"))
        for layer in ("stores", "lanes", "candidates", "population", "rents", "isochrones")
    }
    text = _flat(_page("outputs.md"))
    assert counts["stores"] == counts["lanes"] and counts["isochrones"] == 1
    assert (
        f"{counts['stores']} stores and as many road-routed lanes, {counts['candidates']} ranked candidate sites, "
        f"{counts['population']} population zones, {counts['rents']} rent cells, the top site's isochrone) "
        f"is {size_mib:.2f} MiB offline"
    ) in text


def _row(city: str, top: pd.Series, robust: bool) -> str:
    co2 = top["co2e_wtw_kg_per_week"]
    co2_text = f"{co2:.0f}" if co2 >= 10 else f"{co2:.1f}"
    return (
        f"| {city} | {top['site_id']} | {top['score']:.3f} | {top['p_first']:.2f} | {'yes' if robust else 'no'} | "
        f"{top['delivery_time_s']:.0f} | {co2_text} | {top['rent_per_yr']:,.0f} |"
    )


def test_the_robustness_table_of_the_two_demo_cities(tmp_path):
    code, _, err = run_cli("rank", REPO / "data" / "two_cities.toml", "-q", "--no-map", "--out", tmp_path / "o")
    assert code == 0, err
    ranking = pd.read_csv(tmp_path / "o" / "ranking.csv")
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    page = _page("methods/ranking.md")
    for city, group in ranking.groupby("city", sort=False):
        top = group.sort_values("rank").iloc[0]
        rob = summary["cities"][city]["robustness"]
        assert _row(str(city), top, rob["robust"]) in page, city
    helsinki = summary["cities"]["helsinki"]["robustness"]
    narrow = (
        f"first in {100 * helsinki['p_first']:.0f}% of the draws, and only while the rent weight stays below "
        f"{helsinki['weight_ranges']['rent_per_yr']['max']:.2f}): the run says so and names "
        f"{helsinki['runner_up']['site_id']} to compare it with"
    )
    assert not helsinki["robust"] and narrow in _flat(page)


def test_the_readme_quotes_the_demo_plan(tmp_path):
    """README: `siting plan` on the demo (the portfolio design by default), its three costs as printed."""
    code, out, err = run_cli("plan", "--no-map", "--out", tmp_path / "out")
    assert code == 0, err
    printed = _flat(out + err)
    costs = re.search(r"hybrid ([\d,]+), all-offshore ([\d,]+), all-local ([\d,]+)", printed)
    assert costs, printed
    hybrid, offshore, local = costs.groups()
    assert "the design opens no site (all offshore)" in printed
    readme = _flat((REPO / "README.md").read_text(encoding="utf-8"))
    assert f"the hybrid design costs {hybrid} EUR a year, the same as all-offshore, against {local} all-local" in readme
    assert hybrid == offshore
    # every design proven within the 1% asked for (plan proves the all-local design by default): no hint line
    gaps = re.search(r"proven gaps: hybrid ([\d.]+)%, all-offshore ([\d.]+)%, all-local ([\d.]+)%", printed)
    assert gaps and all(float(g) <= 1.0 for g in gaps.groups()), printed
    assert "not the 1.00% asked for" not in printed, printed
    assert f"(`{gaps.group(0)}`) and what the all-local bound proves" in readme
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())["plan"]["cities"][0]
    assert f"{summary['objective']:,.0f}" == hybrid and summary["k"] == 0
    # the saving the all-local bound proves: its bound (cost x (1 - gap), from summary.json) minus the hybrid's cost
    policies = json.loads((tmp_path / "out" / "summary.json").read_text())["cities"]["helsinki"]["portfolio"]
    loc, hyb = policies["policies"]["all_local"], policies["policies"]["hybrid"]
    assert loc["bound_per_yr"] == pytest.approx(loc["cost_per_yr"] * (1 - loc["gap"]), rel=1e-12)
    assert loc["gap"] <= 0.01 and f"against {loc['cost_per_yr']:,.0f} all-local" in readme
    saving = (
        f"the hybrid saves a year (EUR): at least {loc['bound_per_yr'] - hyb['cost_per_yr']:,.0f} against any "
        f"all-local design (none costs under {loc['bound_per_yr']:,.0f})"
    )
    assert saving in printed and f"(`{saving}`)" in readme and saving in _flat(_page("portfolio.md")), printed
    assert "against any all-offshore design" not in printed  # the hybrid is the all-offshore design here


def test_the_two_site_plan(helsinki_time_plans):
    """`siting plan --k K --objective time -q --no-map` for K = 1, 2 (the suite's shared runs)."""
    tmp_path = helsinki_time_plans
    runs = {}
    for k in (1, 2):
        runs[k] = json.loads((tmp_path / f"k{k}" / "summary.json").read_text())["plan"]["cities"][0]
        assert runs[k]["optimal"] and runs[k]["gap"] <= 1e-9  # proven optimal (a rounding-level gap)
    one, two = runs[1], runs[2]
    # the mean delivery time, recomputed from the chosen sites' demand-weighted times
    plan2 = pd.read_csv(tmp_path / "k2" / "plan.csv")
    # (plan.csv holds rounded values: agree to 1e-5)
    mean_s = plan2["weighted_cost"].sum() / plan2["demand_served"].sum()
    assert mean_s == pytest.approx(two["mean_delivery_time_s"], rel=1e-5)
    sentence = (
        f"cut the demand-weighted mean delivery time from {one['mean_delivery_time_s']:.1f} s with the best single "
        f"site (`siting plan --objective time --k 1`) to {two['mean_delivery_time_s']:.1f} s, and the lanes' CO2e from "
        f"{one['co2e_wtw_kg_per_week']:.1f} to {two['co2e_wtw_kg_per_week']:.1f} kg a week"
    )
    assert sentence in _flat(_page("methods/ranking.md"))


def test_the_lanes_and_tours_of_the_demos_top_site():
    from siting.delivery import LaneParams, compare_vehicles
    from siting.pipeline import RankOptions, city_from_demo, run

    city = run([city_from_demo("helsinki")], RankOptions()).cities["helsinki"]
    top = city.ranking.sort_values("rank").iloc[0]["site_id"]
    site = city.candidates[city.candidates["site_id"] == top]
    allocation = {sid: top for sid in city.stores["store_id"]}
    vehicles = ("van_avg_diesel", "van_avg_bev", "ecargo_bike")
    args = (city.graph, site, city.stores, allocation, vehicles)
    direct = compare_vehicles(*args, params=LaneParams(), pattern="direct")
    # tours solved to a local optimum (no guided local search), with a budget no machine hits: reproducible
    tour = compare_vehicles(*args, params=LaneParams(solution_limit=0, time_limit_s=600), pattern="tour")
    km_direct = direct.set_index("vehicle").loc["van_avg_diesel", "vehicle_km_per_week"]
    km_tour = tour.set_index("vehicle").loc["van_avg_diesel", "vehicle_km_per_week"]
    page = _page("methods/lanes.md")
    text = _flat(page)
    assert f"whose top site is {top};" in text
    assert f"{len(city.stores)} real shops, {city.stores['demand_units_per_week'].sum():,.0f} units a week" in text
    assert (
        f"needs {km_direct:,.1f} vehicle-km a week out-and-back and {km_tour:,.1f} in tours "
        f"({100 * (km_tour / km_direct - 1):.1f} %" in text
    )
    labels = {
        "van_avg_diesel": "diesel van (average)",
        "van_avg_bev": "electric van (average, UK grid)",
        "ecargo_bike": "e-cargo bike (15 km/h)",
    }
    for _, r in tour.iterrows():
        row = (
            f"| {labels[r['vehicle']]} | {r['vehicle_km_per_week']:.1f} | {r['co2e_ttw_kg_per_week']:.2f} | "
            f"{r['co2e_wtt_kg_per_week']:.2f} | {r['co2e_wtw_kg_per_week']:.2f} |"
        )
        assert row in page, row
