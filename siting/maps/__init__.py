"""Stakeholder maps: folium maps of a run, saved as self-contained offline HTML."""

from siting.maps.basemap import access_legs, base_features, map_context
from siting.maps.draw import make_map, map_html, save_map, show_map
from siting.maps.from_run import map_from_outputs

__all__ = [
    "make_map",
    "map_from_outputs",
    "map_html",
    "save_map",
    "show_map",
    "base_features",
    "access_legs",
    "map_context",
]
