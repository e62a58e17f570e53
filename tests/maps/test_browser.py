"""Browser tests of the saved HTML maps: Debian chromium driven by Playwright, every network request blocked."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from map_cases import XSS_IMG, XSS_SCRIPT, expected_counts, synthetic_city

from siting.maps.draw import make_map, save_map

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium (.ci/run installs it)"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TILE = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")
VIEWPORT = {"width": 1280, "height": 800}
LAYER_SELECTORS = {  # what each layer draws in the page
    "population": "path.siting-population",
    "rents": "path.siting-rents",
    "isochrones": "path.siting-isochrones",
    "lanes": "path.siting-lanes",
    "stores": "path.siting-stores",
    "candidates": "path.siting-candidates, .leaflet-marker-icon.siting-rank",
    "chosen": ".leaflet-marker-icon.siting-chosen",
}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
        )
        yield context
        context.close()


class Page:
    """A page that records page errors and blocks (and records) every request but file: and data:."""

    def __init__(self, context, path: Path):
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page = context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        # no zoom or pan animation running (a screenshot would catch the layers mid-scale)
        self.page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')")

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, helsinki_inputs):
    inputs = helsinki_inputs()
    path = tmp_path_factory.mktemp("maps") / "helsinki.html"
    save_map(make_map(title="Helsinki demo: microfactory sites", **inputs), path)
    return path, inputs


@pytest.fixture()
def demo_page(browser, demo):
    page = Page(browser, demo[0])
    page.page.wait_for_selector(".siting-legend")
    yield page
    page.close()


def test_demo_map_loads_offline_with_only_tile_requests(demo_page):
    assert demo_page.errors == []
    assert demo_page.blocked, "no tile request was seen: the route did not record anything"
    assert [u for u in demo_page.blocked if not TILE.match(u)] == []
    assert demo_page.page.evaluate("typeof L === 'object' && L.version") == "1.9.3"


def test_expected_markers_and_paths_per_layer(demo_page, demo):
    expected = expected_counts(demo[1])
    drawn = {key: demo_page.count(sel) for key, sel in LAYER_SELECTORS.items()}
    assert drawn == {**expected, "rents": 0}  # rents start hidden: population uses the same zones
    demo_page.page.get_by_label("Rent", exact=False).check()
    assert demo_page.count(LAYER_SELECTORS["rents"]) == expected["rents"]
    rent_legend = demo_page.page.locator('.siting-legend-section[data-layer="rents"]')
    assert rent_legend.is_visible()
    demo_page.page.get_by_label("Stores", exact=False).uncheck()
    assert demo_page.count(LAYER_SELECTORS["stores"]) == 0
    assert not demo_page.page.locator('.siting-legend-section[data-layer="stores"]').is_visible()


def test_legend_layer_control_title_and_attribution(demo_page):
    p = demo_page.page
    overlays = p.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.split("(")[0].strip() for t in overlays] == [
        "Population per km²",
        "Rent",
        "Isochrones",
        "Delivery lanes",
        "Stores",
        "Candidate sites",
        "Chosen sites",
    ]
    titles = p.locator(".siting-legend-section .siting-legend-title").all_inner_texts()
    assert len(titles) == 7 and titles[0].startswith("Population")
    assert p.locator(".siting-legend-bar").count() >= 2  # rank and CO2e gradients
    assert "© OpenStreetMap contributors" in p.locator(".leaflet-control-attribution").inner_text()
    assert p.locator(".siting-title").inner_text().startswith("Helsinki demo: microfactory sites")
    assert p.locator(".leaflet-control-scale").count() == 1


def test_best_site_popup_shows_the_score_breakdown(demo_page, demo):
    cands = demo[1]["candidates"]
    rank = len(demo[1]["chosen"]) + 1  # the best site not chosen (a chosen site's star covers its label)
    best = cands.loc[cands["rank"] == rank].iloc[0]
    demo_page.page.locator(".leaflet-marker-icon.siting-rank", has_text=re.compile(rf"^{rank}$")).click(timeout=5000)
    popup = demo_page.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert str(best["site_id"]) in text and f"{rank} of {len(cands)}" in text
    for col in ("delivery_time_s", "rent_per_yr"):
        assert col in text


def test_measure_button_measures_a_distance(demo_page):
    p = demo_page.page
    p.locator('a.siting-btn[title^="Measure"]').click(timeout=5000)
    box = p.locator(".leaflet-container").bounding_box()
    p.mouse.click(box["x"] + 80, box["y"] + box["height"] - 80)
    p.mouse.click(box["x"] + 380, box["y"] + box["height"] - 80)
    assert p.locator("path.siting-measure").count() == 1
    shown = p.locator(".leaflet-tooltip.siting-measure-tip").inner_text()
    assert re.fullmatch(r"\d[\d.]* k?m", shown)
    metres = p.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
        const s = m.getSize(); return m.distance(m.containerPointToLatLng([80, s.y - 80]),
                                                 m.containerPointToLatLng([380, s.y - 80])); }""")
    value = float(shown.split()[0]) * (1000 if shown.endswith("km") else 1)
    assert value == pytest.approx(metres, rel=0.02)


def test_hostile_names_do_not_execute(browser, tmp_path, helsinki_inputs):
    inputs = helsinki_inputs()
    stores = inputs["stores"]
    stores.loc[stores.index[0], "name"] = XSS_IMG
    stores.loc[stores.index[1], "store_id"] = XSS_SCRIPT
    inputs["candidates"].loc[inputs["candidates"]["rank"] == 5, "name"] = XSS_IMG
    path = tmp_path / "xss.html"
    save_map(make_map(title=XSS_IMG, attribution_extra=XSS_SCRIPT, **inputs), path)
    page = Page(browser, path)
    p = page.page
    p.wait_for_selector(".siting-legend")
    # Open every popup and tooltip that shows a hostile string.
    p.evaluate("""() => { const l = siting.layers.stores.getLayers();
        l[0].openPopup(); l[0].openTooltip(); l[1].openPopup(); l[1].openTooltip(); }""")
    p.locator(".leaflet-marker-icon.siting-rank", has_text=re.compile(r"^5$")).click(timeout=5000)
    p.wait_for_timeout(200)
    assert p.evaluate("typeof window.__x") == "undefined"
    assert page.errors == []
    assert [u for u in page.blocked if not TILE.match(u)] == []  # the <img src=x> was never requested
    assert XSS_IMG in p.locator(".siting-title").inner_text()  # shown as text
    assert p.locator(".leaflet-popup-content img, .leaflet-tooltip img, .siting-title img").count() == 0
    assert XSS_SCRIPT in p.locator(".leaflet-control-attribution").inner_text()
    page.close()


def test_cdn_map_is_blank_without_network(browser, demo, tmp_path):
    """The failure offline mode prevents: with CDN links the blocked page has no map at all."""
    inputs = demo[1]
    path = tmp_path / "cdn.html"
    save_map(make_map(stores=inputs["stores"], candidates=inputs["candidates"]), path, offline=False)
    page = Page(browser, path)
    assert any("cdn.jsdelivr.net" in u for u in page.blocked)
    assert any("L is not defined" in e for e in page.errors)
    assert page.count(LAYER_SELECTORS["stores"]) == 0
    page.close()


def test_screenshot_of_the_demo_map(demo_page, tmp_path):
    shot = tmp_path / "helsinki_map.png"
    demo_page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 30_000
    image = pytest.importorskip("PIL.Image", reason="Pillow is needed to inspect the screenshot's pixels")
    with image.open(shot) as img:
        assert img.size == (VIEWPORT["width"], VIEWPORT["height"])
        colours = img.convert("RGB").resize((320, 200)).getcolors(maxcolors=1_000_000)
    assert len(colours) > 200  # layers drawn, not a blank grey page


def test_default_leaflet_marker_icon_works_offline(browser, demo, tmp_path):
    """Leaflet guesses its marker images' folder from its CSS; inlined, the images must be data URIs."""
    import folium

    inputs = demo[1]
    m = make_map(stores=inputs["stores"], candidates=inputs["candidates"])
    lat, lon = inputs["stores"].to_crs(4326).geometry.iloc[0].coords[0][::-1]
    folium.Marker([lat, lon], tooltip="plain folium marker").add_to(m)
    path = tmp_path / "marker.html"
    save_map(m, path)
    page = Page(browser, path)
    icon = page.page.locator("img.leaflet-marker-icon")
    assert icon.count() == 1
    assert icon.get_attribute("src").startswith("data:image/png;base64,")
    assert page.page.evaluate("() => document.querySelector('img.leaflet-marker-icon').naturalWidth") == 25
    assert page.errors == [] and [u for u in page.blocked if not TILE.match(u)] == []
    page.close()


def test_thousand_store_city_draws_every_feature(browser, tmp_path):
    city = synthetic_city(1000, 100)
    path = tmp_path / "big.html"
    size = save_map(make_map(title="Synthetic city", **city), path)
    t0 = time.perf_counter()
    page = Page(browser, path)
    page.page.wait_for_selector(".siting-legend")
    load_s = time.perf_counter() - t0
    print(f"1,000-store map: {size / 1e6:.2f} MB, loaded in {load_s:.2f} s")
    assert page.errors == []
    assert page.count(LAYER_SELECTORS["stores"]) == 1000 and page.count(LAYER_SELECTORS["lanes"]) == 1000
    assert page.count(LAYER_SELECTORS["population"]) == 400
    page.close()


@pytest.fixture(scope="module")
def malta_national(malta_demo_run: Path) -> tuple[Path, Path]:
    """`siting rank --demo malta` (10 clusters found from the stores): its national map and run folder."""
    return malta_demo_run / "maps" / "national.html", malta_demo_run / "run"


def test_malta_national_map_has_a_legend_colour_per_cluster_areas_and_a_title_offline(browser, malta_national):
    import pandas as pd

    path, run = malta_national
    summary = pd.read_csv(run / "national_summary.csv")
    page = Page(browser, path)
    p = page.page
    p.wait_for_selector(".siting-legend")
    assert page.errors == [] and [u for u in page.blocked if not TILE.match(u)] == []
    section = p.locator(".siting-legend-section").first
    assert section.locator(".siting-legend-title").inner_text().startswith("Clusters")
    rows = section.locator(".siting-legend-row")
    labels = rows.all_inner_texts()
    expected = {f"{c} ({k} recommended)" for c, k in zip(summary["cluster"], summary["recommended_sites"])}
    assert len(labels) == len(summary) == 10 and set(labels) == expected
    colours = [rows.nth(i).locator("i").evaluate("e => getComputedStyle(e).backgroundColor") for i in range(10)]
    assert len(set(colours)) == 10  # today's 8-colour cycle gave two pairs of clusters one colour
    swatches = section.locator("i").evaluate_all("es => es.map(e => e.getAttribute('style').split(':')[1])")
    for colour in swatches:  # each cluster's area is outlined in its legend colour
        assert page.count(f'path[stroke="{colour}"][fill-opacity="0.08"]') == 1, colour
    assert p.locator(".siting-title-main").inner_text() == "siting: national answer"
    assert p.locator(".siting-title-sub").inner_text().startswith("10 clusters · ")
    page.close()
