"""Readers that turn each kind of network source into a raw, unprojected osmnx-style graph."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from siting._errors import InputError, NetworkUnavailableError

__all__ = [
    "PBF_SUFFIXES",
    "XML_SUFFIXES",
    "GRAPHML_SUFFIXES",
    "source_kind",
    "read_pbf",
    "read_xml",
    "read_graphml",
    "read_online",
]

PBF_SUFFIXES = (".osm.pbf", ".pbf")
XML_SUFFIXES = (".osm", ".osm.bz2", ".xml", ".osm.xml", ".xml.bz2")
GRAPHML_SUFFIXES = (".graphml",)

# pyrosm's and osmnx's names of the same travel modes.
_PYROSM_TYPE = {"drive": "driving", "bike": "cycling", "walk": "walking"}
_OSMNX_TYPE = {"drive": "drive", "bike": "bike", "walk": "walk"}

# Edge attributes kept from OSM (everything else pyrosm carries is dropped so that GraphML
# and cache files stay small and every kept attribute has a known type on reload).
KEEP_EDGE_ATTRS = (
    "osmid", "highway", "name", "ref", "maxspeed", "oneway", "reversed", "lanes",
    "access", "service", "junction", "bridge", "tunnel", "length", "geometry",
)
KEEP_NODE_ATTRS = ("x", "y", "street_count", "highway", "ref")

# Way filters for OSM XML (osmnx applies its own filters online; pyrosm its own for .pbf).
# These mirror osmnx 2.x's "drive", "bike" and "walk" network types.
_EXCLUDE_HIGHWAY = {
    "drive": {
        "abandoned", "bridleway", "bus_guideway", "construction", "corridor", "cycleway",
        "elevator", "escalator", "footway", "no", "path", "pedestrian", "planned",
        "platform", "proposed", "raceway", "razed", "steps", "track", "busway",
    },
    "bike": {
        "abandoned", "bus_guideway", "construction", "corridor", "elevator", "escalator",
        "footway", "motor", "motorway", "motorway_link", "no", "planned", "platform",
        "proposed", "raceway", "razed", "steps",
    },
    "walk": {
        "abandoned", "bus_guideway", "construction", "cycleway", "motor", "motorway",
        "motorway_link", "no", "planned", "platform", "proposed", "raceway", "razed",
    },
}
_MODE_ACCESS_TAG = {"drive": "motor_vehicle", "bike": "bicycle", "walk": "foot"}
_EXTRA_WAY_TAGS = ["motor_vehicle", "motorcar", "bicycle", "foot", "area"]


def source_kind(source: Any) -> str:
    """Classify a network source: "pbf", "xml", "graphml", "place", "bbox" or "polygon".

    Parameters
    ----------
    source
        A path, a place name, a (west, south, east, north) tuple or a shapely polygon.

    Returns
    -------
    str
        The kind of source.
    """
    if hasattr(source, "geom_type"):
        if source.geom_type in ("Polygon", "MultiPolygon"):
            return "polygon"
        raise InputError(
            f"network source is a {source.geom_type}; pass a Polygon or MultiPolygon, a "
            "(west, south, east, north) bbox, a place name or a local OSM file"
        )
    if isinstance(source, Sequence) and not isinstance(source, (str, bytes)):
        if len(source) == 4 and all(isinstance(v, (int, float)) for v in source):
            w, s, e, n = (float(v) for v in source)
            if not (w < e and s < n and -180 <= w <= 180 and -90 <= s <= 90):
                raise InputError(
                    f"bbox {tuple(source)} is not (west, south, east, north) in degrees"
                )
            return "bbox"
        raise InputError(f"network source {source!r} is not a (west, south, east, north) bbox")
    if isinstance(source, (str, Path)):
        name = str(source).lower()
        for kind, suffixes in (
            ("pbf", PBF_SUFFIXES),
            ("graphml", GRAPHML_SUFFIXES),
            ("xml", XML_SUFFIXES),
        ):
            if name.endswith(suffixes):
                if not Path(source).is_file():
                    raise InputError(
                        f"network file {source} does not exist; check the path "
                        "(relative paths are relative to the working directory)"
                    )
                return kind
        if isinstance(source, Path) or Path(source).is_file():
            raise InputError(
                f"network file {source} has an unknown suffix; use .osm.pbf, .osm, .osm.bz2 "
                "or .graphml"
            )
        return "place"
    raise InputError(f"cannot build a network from {type(source).__name__} {source!r}")


def _trim(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep only the node and edge attributes siting uses."""
    for _, data in G.nodes(data=True):
        for key in [k for k in data if k not in KEEP_NODE_ATTRS]:
            del data[key]
    for _, _, data in G.edges(data=True):
        for key in [k for k in data if k not in KEEP_EDGE_ATTRS]:
            del data[key]
    return G


def read_pbf(path: Path, mode: str) -> nx.MultiDiGraph:
    """Read the mode's network from a ``.osm.pbf`` with pyrosm; simplified, all components.

    Parameters
    ----------
    path
        The ``.osm.pbf`` file.
    mode
        "drive", "bike" or "walk".

    Returns
    -------
    networkx.MultiDiGraph
        Unprojected (EPSG:4326) graph with osmnx-style attributes.
    """
    import pyrosm

    osm = pyrosm.OSM(str(path))
    nodes, edges = osm.get_network(network_type=_PYROSM_TYPE[mode], nodes=True)
    if edges is None or len(edges) == 0:
        raise InputError(f"{path} contains no {mode} network; check the file and the mode")
    G = osm.to_graph(
        nodes, edges, graph_type="networkx", osmnx_compatible=True, retain_all=True
    )
    G.graph = {"crs": "EPSG:4326"}
    return _trim(G)


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[None]:
    """Temporarily set osmnx settings, restoring the previous values afterwards."""
    import osmnx as ox

    old = {k: getattr(ox.settings, k) for k in values}
    try:
        for k, v in values.items():
            setattr(ox.settings, k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(ox.settings, k, v)


def _blocked(value: Any) -> bool:
    """True if an OSM access-tag value forbids use."""
    return str(value).lower() in ("no", "private")


def _mode_filter(G: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    """Drop edges the mode may not use (highway type and access tags), then isolated nodes."""
    exclude = _EXCLUDE_HIGHWAY[mode]
    own_tag = _MODE_ACCESS_TAG[mode]
    drop = []
    for u, v, k, d in G.edges(keys=True, data=True):
        hwy = d.get("highway")
        hwys = set(hwy) if isinstance(hwy, list) else {hwy}
        own = d.get(own_tag, d.get("motorcar") if mode == "drive" else None)
        if (
            hwy is None
            or hwys & exclude
            or str(d.get("area", "no")).lower() == "yes"
            or (own is not None and _blocked(own))
            or (_blocked(d.get("access", "yes")) and str(own).lower() not in ("yes", "designated"))
            or (mode == "drive" and str(d.get("service", "")).lower() in ("parking_aisle", "private"))
        ):
            drop.append((u, v, k))
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    return G


def read_xml(path: Path, mode: str) -> nx.MultiDiGraph:
    """Read the mode's network from OSM XML (``.osm``, ``.osm.bz2``) with osmnx.

    Parameters
    ----------
    path
        The XML file.
    mode
        "drive", "bike" or "walk".

    Returns
    -------
    networkx.MultiDiGraph
        Unprojected graph, simplified, all components.
    """
    import osmnx as ox

    tags = list(dict.fromkeys([*ox.settings.useful_tags_way, *_EXTRA_WAY_TAGS]))
    with _osmnx_settings(useful_tags_way=tags):
        G = ox.graph_from_xml(path, bidirectional=(mode == "walk"), simplify=False, retain_all=True)
    G = _mode_filter(G, mode)
    if G.number_of_edges() == 0:
        raise InputError(f"{path} contains no {mode} network; check the file and the mode")
    G = ox.simplify_graph(G)
    return _trim(G)


def read_graphml(path: Path) -> nx.MultiDiGraph:
    """Load a GraphML graph saved by siting or osmnx, with attribute types restored.

    Parameters
    ----------
    path
        The ``.graphml`` file.

    Returns
    -------
    networkx.MultiDiGraph
        The graph as saved (possibly projected already).
    """
    import osmnx as ox

    try:
        return ox.load_graphml(path)
    except Exception as exc:  # malformed file: say which
        raise InputError(f"cannot read GraphML {path}: {exc}") from exc


_OFFLINE_HINT = (
    "no network connection for the online OpenStreetMap query {what}; pass a local OSM file "
    "instead, e.g. a Geofabrik extract: build_network('city.osm.pbf') "
    "(download it once from https://download.geofabrik.de/ on a connected machine)"
)


def _is_connection_error(exc: BaseException) -> bool:
    """True for the errors a missing or blocked network produces."""
    import requests

    try:
        from pytest_socket import SocketBlockedError
    except ImportError:  # pytest-socket is a test-only dependency
        SocketBlockedError = ()  # type: ignore[assignment,misc]  # noqa: N806
    kinds: tuple[type[BaseException], ...] = (
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        socket.error,
        TimeoutError,
    )
    if SocketBlockedError:
        kinds = (*kinds, SocketBlockedError)  # type: ignore[misc]
    while exc is not None:
        if isinstance(exc, kinds):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def read_online(source: Any, kind: str, mode: str, *, timeout_s: float = 5.0) -> nx.MultiDiGraph:
    """Query OpenStreetMap through osmnx; fail fast with NetworkUnavailableError when offline.

    Parameters
    ----------
    source
        A place name, a (west, south, east, north) bbox or a shapely polygon (EPSG:4326).
    kind
        "place", "bbox" or "polygon".
    mode
        "drive", "bike" or "walk".
    timeout_s
        osmnx's HTTP timeout in seconds.

    Returns
    -------
    networkx.MultiDiGraph
        Unprojected graph, simplified, all components.
    """
    import osmnx as ox

    what = repr(source) if kind != "polygon" else "for a polygon"
    kwargs = {"network_type": _OSMNX_TYPE[mode], "simplify": True, "retain_all": True}
    with _osmnx_settings(
        doh_url_template=None,
        overpass_rate_limit=False,
        requests_timeout=timeout_s,
        use_cache=False,
        log_console=False,
    ):
        try:
            if kind == "place":
                G = ox.graph_from_place(source, **kwargs)
            elif kind == "bbox":
                G = ox.graph_from_bbox(tuple(float(v) for v in source), **kwargs)
            else:
                G = ox.graph_from_polygon(source, **kwargs)
        except Exception as exc:
            if _is_connection_error(exc):
                raise NetworkUnavailableError(_OFFLINE_HINT.format(what=what)) from exc
            raise
    return _trim(G)
