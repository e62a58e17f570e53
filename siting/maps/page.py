"""The one offline page skeleton every siting map starts from (Leaflet, the runtime, a title, OSM tiles)."""

from __future__ import annotations

import html
from typing import Any

import folium
from branca.element import Element

from siting.maps.elements import RawHtml, Runtime
from siting.maps.offline import (
    LEAFLET_CSS_URL,
    LEAFLET_JS_URL,
    MARKERCLUSTER_CSS_URLS,
    MARKERCLUSTER_JS_URL,
)

__all__ = ["offline_page", "stable_ids", "use_markercluster", "OSM_TILES", "OSM_ATTRIBUTION"]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def offline_page(title: str) -> folium.Map:
    """An empty folium map that :func:`siting.maps.draw.save_map` can write as one offline page.

    The page loads only Leaflet (inlined when saved; no jQuery, Bootstrap or Font Awesome, so
    ``folium.Icon`` cannot be used), carries the siting runtime (:class:`~siting.maps.elements.Legend`,
    :class:`~siting.maps.elements.Title`, :class:`~siting.maps.elements.Controls`,
    :class:`~siting.maps.elements.DataLayer` need it), a ``<title>`` and the OpenStreetMap tile
    layer (the only thing that needs the network; offline the background stays grey).

    Parameters
    ----------
    title : str
        The browser tab's title (plain text: escaped here).

    Returns
    -------
    folium.Map
        Centred on (0, 0) at zoom 13: set ``location`` or add ``Controls(..., bounds)``, then the layers.
        Call :func:`stable_ids` once every element is added, so that equal maps give equal files.
    """
    m = folium.Map(location=[0.0, 0.0], zoom_start=13, tiles=None)
    m.default_js = [("leaflet", LEAFLET_JS_URL)]  # jQuery (87 KB) is used by nothing on the page
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    m.add_child(Runtime(), name="siting_runtime")
    root: Any = m.get_root()  # a branca Figure (typed as Element)
    root.header.add_child(RawHtml(f"<title>{html.escape(title)}</title>"), name="siting_title")
    folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19).add_to(m)
    return m


def use_markercluster(m: folium.Map) -> None:
    """Make the page load Leaflet.markercluster (inlined when saved), after Leaflet; once.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`offline_page`.
    """
    if ("markercluster", MARKERCLUSTER_JS_URL) not in m.default_js:
        m.default_js = [*m.default_js, ("markercluster", MARKERCLUSTER_JS_URL)]
        m.default_css = [*m.default_css, *((f"markercluster_css{i}", u) for i, u in enumerate(MARKERCLUSTER_CSS_URLS))]


def stable_ids(root: Element) -> None:
    """Replace folium's random element ids by their order in the tree, so equal maps give equal files.

    Done once, before the first render: renaming an element after a render would add its script twice.

    Parameters
    ----------
    root : branca.element.Element
        The map's root (``m.get_root()``).
    """
    stack, i = [root], 0
    while stack:
        element = stack.pop()
        element._id = f"{i:08x}"
        i += 1
        stack.extend(reversed(list(element._children.values())))
