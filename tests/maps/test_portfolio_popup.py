"""The plan map of ``plan --objective portfolio`` in real chromium: a chosen site's popup says what it makes."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from test_browser import CHROMIUM, Page, browser  # noqa: F401  (the module's chromium fixture)

from siting.maps.draw import make_map, save_map
from siting.maps.palettes import OKABE_ITO
from siting.pipeline.portfolio_plan import units_text

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def portfolio_map(tmp_path_factory, helsinki60_plan):
    """The 60 busiest Helsinki demo stores, 6 candidates, 8 demand points: the design opens one site."""
    from siting.pipeline.portfolio_plan import design_summary, site_makes

    planned = helsinki60_plan
    ranked = next(iter(planned.run.cities.values()))
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


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _rgb(hex_colour: str) -> str:
    """``#RRGGBB`` as the browser's computed ``rgb(r, g, b)``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _chosen_marks(page: Page) -> dict[str, tuple[str, str]]:
    """Each chosen star on the page: site id (from its popup) -> (computed fill, label text)."""
    shown = page.page.evaluate(
        """() => Object.values(siting.layers.chosen._layers).map(l => {
            const span = l._icon.querySelector('span');
            return [l.getPopup().getContent(), getComputedStyle(span).backgroundColor, span.textContent];
        })"""
    )
    out = {}
    for popup, fill, label in shown:
        site = html.unescape(re.search(r"<td>site_id</td><td>([^<]*)</td>", popup).group(1))
        out[site] = (fill, label)
    return out


def test_each_chosen_site_is_coloured_by_the_family_it_makes_most(browser, portfolio_map):  # noqa: F811
    path, made = portfolio_map
    # independently of the map code: each site's main family from the design's own table, and the
    # Okabe-Ito colour of that family among the main families sorted by name
    local = made[made["family"] != ""]
    main = {
        s: part.sort_values(["units_per_week", "family"], ascending=[False, True])["family"].iloc[0]
        for s, part in local.groupby("site_id")
    }
    families = sorted(set(main.values()))
    assert families, "no chosen site makes anything locally: the test would check nothing"
    page = Page(browser, path)
    try:
        marks = _chosen_marks(page)
        assert set(marks) == set(made["site_id"])
        for site, (fill, label) in marks.items():
            if site in main:
                assert fill == _rgb(OKABE_ITO[families.index(main[site])])
                others = local.loc[local["site_id"] == site, "family"].nunique() - 1
                assert label == ("★⁺" + str(others).translate(SUPERSCRIPT) if others else "★")
            else:
                assert (fill, label) == (_rgb("#ffffff"), "☆")
        legend = page.page.locator('.siting-legend-section[data-layer="chosen"]').inner_text()
        for family in families:
            assert f"makes most: {family}" in legend
        assert not page.errors
    finally:
        page.close()


def test_families_get_distinct_colours_and_hostile_names_stay_text(browser, tmp_path, helsinki_inputs):  # noqa: F811
    """Six chosen sites (hand-made plan columns): two make one family, one another, one cross-docks, two bad counts."""
    inp = helsinki_inputs()
    cand = inp["candidates"].head(6).copy()
    hostile = '<img src=x onerror="window.__x=1">'
    ids = cand["site_id"].astype(str).tolist()
    cand["portfolio_main_family"] = ["fashion_top", "fashion_top", hostile, "", "bad_inf", "bad_negative"]
    cand["portfolio_local_families"] = [3, 1, 1, 0, np.inf, -1]  # the last two: not counts, plain stars
    path = tmp_path / "families.html"
    save_map(make_map(stores=inp["stores"], candidates=cand, chosen=ids), path)
    assert hostile not in path.read_text(encoding="utf-8")
    page = Page(browser, path)
    try:
        marks = _chosen_marks(page)
        first, second, third, fourth = (marks[i] for i in ids[:4])
        assert first == (_rgb(OKABE_ITO[1]), "★⁺²") and second == (_rgb(OKABE_ITO[1]), "★")  # sorted: "<img" first
        assert third == (_rgb(OKABE_ITO[0]), "★")
        assert fourth == (_rgb("#ffffff"), "☆")
        assert marks[ids[4]] == marks[ids[5]] == (_rgb("#ffffff"), "★")
        legend = page.page.locator('.siting-legend-section[data-layer="chosen"]').inner_text()
        assert "makes most: fashion_top" in legend and f"makes most: {hostile}" in legend
        assert "cross-dock only" in legend and "chosen site" in legend and "bad_" not in legend
        assert page.page.evaluate("() => window.__x === undefined")
        assert not page.errors
    finally:
        page.close()
