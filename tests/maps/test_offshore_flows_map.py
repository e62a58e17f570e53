"""The plan map's "Offshore flows" layer: lines follow the design's hub and cross-dock routes; it toggles."""

from __future__ import annotations

import numpy as np
import pytest
from flow_case import DEMAND_POINTS, HOSTILE_HUB, hub_plan
from test_browser import CHROMIUM, TILE, Page, browser  # noqa: F401  (the module's chromium fixture)

from siting.costs.products import cost_default
from siting.maps.draw import make_map, save_map
from siting.maps.legend import fmt
from siting.pipeline.offshore_flows import SPOKES_MAX, offshore_flows, route_units
from siting.pipeline.portfolio_plan import _point_of_store


@pytest.fixture(scope="module")
def flows_case():
    city, hubs, hub_units = hub_plan()
    # docs/portfolio.md: priced from first principles (no forced trunk price), the design routes goods via a hub
    assert hub_units > 0.0
    lines, open_hubs = offshore_flows(city, DEMAND_POINTS, hubs)
    return city, hubs, lines, open_hubs


def test_the_figures_quoted_in_the_manual(flows_case):
    """docs/portfolio.md, "Offshore flows on the plan map": the hub case's design as quoted there."""
    city = flows_case[0]
    p = city.design.portfolio
    assert p.hybrid.hubs == (HOSTILE_HUB,)
    assert p.hybrid.levels == {"way/123921801": "two_shifts"}
    units = p.hybrid.portfolio.groupby("source")["units_per_week"].sum()
    assert units.round().to_dict() == {
        "local": 565,
        "offshore direct": 156,
        "offshore via hub": 1834,
        "offshore via site": 704,
    }
    assert p.hybrid.cost_per_yr == pytest.approx(2_007_414, abs=1.0)
    assert p.all_offshore.cost_per_yr == pytest.approx(2_040_882, abs=1.0)


def _table_routes(city) -> dict[str, set[str]]:
    """Via (``hub:<id>`` or site) -> demand points, read from the design's portfolio table."""
    table = city.design.portfolio.hybrid.portfolio
    off = table[table["source"].str.contains("via", regex=False)]
    out: dict[str, set[str]] = {}
    for site, point in zip(off["site"], off["store_id"]):
        for via in str(site).split("; "):
            out.setdefault(via, set()).add(point)
    return out


def test_flow_lines_follow_the_designs_routes(flows_case):
    city, hubs, lines, open_hubs = flows_case
    routes = _table_routes(city)
    assert any(v.startswith("hub:") for v in routes), "no hub carries goods: the test would check nothing"
    labels = _point_of_store(city, DEMAND_POINTS)
    point_of = np.array([f"point-{p + 1:02d}" for p in labels])
    assert set(lines["via"]) == set(routes)
    for via, points in routes.items():
        n_stores = int(np.isin(point_of, sorted(points)).sum())  # the stores of the design's demand points
        mine = lines[lines["via"] == via]
        spokes = mine[mine["kind"] != "trunk"]
        drawn = int(spokes["n_stores"].sum())
        assert drawn == n_stores, (via, drawn, n_stores)
        assert len(spokes) == (1 if n_stores > SPOKES_MAX else n_stores)
        assert mine.loc[mine["kind"] == "trunk", "n_stores"].tolist() == [n_stores]
        if via.startswith("hub:"):
            row = open_hubs[open_hubs["hub_id"] == via.removeprefix("hub:")]
            assert row["n_stores"].tolist() == [n_stores]
    assert set(open_hubs["hub_id"]) == set(city.design.portfolio.hybrid.hubs)
    # units through a route: a point routed one way only gets all its offshore units that way (year average)
    table = city.design.portfolio.hybrid.portfolio
    weeks = dict(zip(city.design.problem.season_names, city.design.problem.weeks_per_yr))
    off = table[table["source"].str.startswith("offshore")].assign(w=lambda t: t["season"].map(weeks))
    single = off[~off["site"].str.contains(";") & (off["site"] != "") & ~off["source"].str.contains("direct")]
    units = route_units(city.design)
    checked = 0
    for (via, point), part in single.groupby(["site", "store_id"]):
        expected = float((part["units_per_week"] * part["w"]).sum() / sum(weeks.values()))
        got = units.loc[(units["via"] == via) & (units["store_id"] == point), "units_per_week"].sum()
        assert got == pytest.approx(expected, rel=1e-6), (via, point)
        checked += 1
    assert checked > 0


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")
def test_offshore_flows_layer_toggles_and_hub_popup_prints_the_id(browser, flows_case, tmp_path):  # noqa: F811
    city, hubs, lines, open_hubs = flows_case
    path = tmp_path / "flows.html"
    m = make_map(stores=city.stores, candidates=city.candidates, offshore_flows=(lines, open_hubs), currency="EUR")
    assert m.siting_layers["offshore_flows"] == len(lines) + len(open_hubs)
    save_map(m, path)
    page = Page(browser, path)
    try:
        n_paths = page.count("path.siting-flows")
        assert n_paths == len(lines) + len(open_hubs)
        assert page.count("path.siting-hub") == len(open_hubs)
        assert "Offshore flows" in page.page.locator(".siting-legend").inner_text()
        box = page.page.locator(".leaflet-control-layers-overlays label", has_text="Offshore flows")
        box.locator("input").uncheck()
        assert page.count("path.siting-flows") == 0
        box.locator("input").check()
        assert page.count("path.siting-flows") == n_paths
        row = open_hubs[open_hubs["hub_id"] == HOSTILE_HUB]
        assert len(row) == 1, "the hub with markup in its id is not open"
        idx = list(open_hubs["hub_id"]).index(HOSTILE_HUB)
        page.page.locator("path.siting-hub").nth(idx).click(timeout=5000, force=True)
        popup = page.page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert f"Hub {HOSTILE_HUB}" in text  # printed literally, not as markup
        assert page.page.locator(".leaflet-popup-content img, .leaflet-popup-content b").count() == 0
        assert "offshore units/week" in text and "handling cost per unit" in text
        assert f"handling cost per unit\t{fmt(float(row['handling_cost_per_unit'].iloc[0]))} EUR" in text
        assert float(row["handling_cost_per_unit"].iloc[0]) == cost_default("crossdock_handling_cost_per_unit")
        assert f"offshore units/week\t{fmt(float(row['units_per_week'].iloc[0]))}" in text
        assert f"stores served\t{int(row['n_stores'].iloc[0])}" in text
        assert not page.errors and not [u for u in page.blocked if not TILE.match(u)]
    finally:
        page.close()
