"""The plan map of ``plan --objective portfolio`` in real chromium: a chosen site's popup says what it makes."""

from __future__ import annotations

import dataclasses

import pytest
from test_browser import CHROMIUM, Page, browser  # noqa: F401  (the module's chromium fixture)

from siting.maps.draw import make_map, save_map
from siting.pipeline.portfolio_plan import units_text

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def portfolio_map(tmp_path_factory):
    """The 60 busiest Helsinki demo stores, 6 candidates, 8 demand points: the design opens one site."""
    from siting.app import city_inputs, demo_scenario, rank_options
    from siting.pipeline import plan
    from siting.pipeline.portfolio import PortfolioOptions
    from siting.pipeline.portfolio_plan import design_summary, site_makes

    sc = demo_scenario("helsinki")
    city = city_inputs(sc)[0]
    stores = city.stores.sort_values("demand_units_per_week", ascending=False).head(60)
    city = dataclasses.replace(city, stores=stores.reset_index(drop=True), candidates=city.candidates.head(6))
    opts = rank_options(sc, portfolio=PortfolioOptions(time_limit_s=20.0, mip_gap=1e-4, demand_points=8))
    opts = dataclasses.replace(
        opts,
        reach=dataclasses.replace(opts.reach, isochrones_for_top=0),
        costs=dataclasses.replace(opts.costs, frontier=False),
    )
    planned = plan([city], 1, opts, objective="portfolio")
    ranked = planned.run.cities[city.name]
    chosen = list(planned.sites["site_id"].astype(str))
    assert chosen, "the design opens no site on this instance: the test would check nothing"
    path = tmp_path_factory.mktemp("maps") / "portfolio.html"
    candidates = ranked.candidates.merge(site_makes(ranked), on="site_id", how="left")
    save_map(make_map(stores=ranked.stores, candidates=candidates, chosen=chosen), path)
    return path, design_summary(ranked)


def test_a_chosen_sites_popup_lists_the_families_it_makes(browser, portfolio_map):  # noqa: F811
    path, made = portfolio_map
    page = Page(browser, path)
    try:
        page.page.locator(".leaflet-marker-icon.siting-chosen").first.click(timeout=5000)
        popup = page.page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        site = next(s for s in made["site_id"] if s in text)
        part = made[made["site_id"] == site]
        assert "makes (units/week)" in text and "capacity level" in text
        assert str(part["level"].iloc[0]) in text
        for family, units in zip(part["family"], part["units_per_week"]):
            assert f"{family} {units_text(units)}" in text
        assert f"{100 * part['utilisation'].iloc[0]:.0f}%" in text
        assert not page.errors
    finally:
        page.close()
