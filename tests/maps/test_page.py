"""Tests of siting.maps.page: the one offline page skeleton of the city, share and national maps."""

from __future__ import annotations

import re

import folium

from siting.maps.draw import map_html
from siting.maps.offline import remote_assets
from siting.maps.page import offline_page, stable_ids


def _page(title: str) -> str:
    m = offline_page(title)
    folium.CircleMarker([60.17, 24.94], radius=4).add_to(m)
    stable_ids(m.get_root())
    return map_html(m)


def test_offline_page_is_self_contained_titled_and_has_the_osm_layer():
    page = _page("<b>Brand</b> {{ 7*7 }} & co")
    assert remote_assets(page) == []
    assert "<title>&lt;b&gt;Brand&lt;/b&gt; {{ 7*7 }} &amp; co</title>" in page
    assert "siting.geoLayer = function" in page  # the runtime the legend, title and layers call
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in page and "openstreetmap.org/copyright" in page
    assert "bootstrap" not in page.lower() and "font-awesome" not in page.lower()


def test_stable_ids_make_equal_maps_equal_files():
    first, second = _page("x"), _page("x")
    assert re.search(r"circle_marker_[0-9a-f]{8}\b", first)
    assert first == second
