"""Stakeholder maps: folium maps of a run, saved as self-contained offline HTML."""

from siting.maps.draw import make_map, map_html, save_map, show_map
from siting.maps.from_run import map_from_outputs

__all__ = ["make_map", "map_from_outputs", "map_html", "save_map", "show_map"]
