"""Readers that turn each kind of network source into a raw, unprojected osmnx-style graph."""

from __future__ import annotations

import bz2
import contextlib
import math
import socket
import tempfile
import xml.etree.ElementTree as ET  # noqa: N817
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from siting.errors import InputError, MissingFileError, NetworkUnavailableError, hint

__all__ = [
    "PBF_SUFFIXES",
    "XML_SUFFIXES",
    "GRAPHML_SUFFIXES",
    "source_kind",
    "read_pbf",
    "read_xml",
    "filter_osm_xml",
    "iter_osm_elements",
    "way_allowed",
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
    "osmid",
    "highway",
    "name",
    "ref",
    "maxspeed",
    "oneway",
    "reversed",
    "lanes",
    "access",
    "service",
    "junction",
    "bridge",
    "tunnel",
    "length",
    "geometry",
)
KEEP_NODE_ATTRS = ("x", "y", "street_count", "highway", "ref")

# Way filters for OSM XML (osmnx applies its own filters online; pyrosm its own for .pbf).
# These mirror osmnx 2.x's "drive", "bike" and "walk" network types.
_EXCLUDE_HIGHWAY = {
    "drive": {
        "abandoned",
        "bridleway",
        "bus_guideway",
        "construction",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "no",
        "path",
        "pedestrian",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "steps",
        "track",
        "busway",
    },
    "bike": {
        "abandoned",
        "bus_guideway",
        "construction",
        "corridor",
        "elevator",
        "escalator",
        "footway",
        "motor",
        "motorway",
        "motorway_link",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "steps",
    },
    "walk": {
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motor",
        "motorway",
        "motorway_link",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
    },
}
_MODE_ACCESS_TAG = {"drive": "motor_vehicle", "bike": "bicycle", "walk": "foot"}


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
                raise InputError(f"bbox {tuple(source)} is not (west, south, east, north) in degrees")
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
                    raise MissingFileError(
                        f"network file {source} does not exist; check the path "
                        "(relative paths are relative to the working directory)"
                    )
                return kind
        if isinstance(source, Path) or Path(source).is_file():
            raise InputError(f"network file {source} has an unknown suffix; use .osm.pbf, .osm, .osm.bz2 or .graphml")
        return "place"
    raise InputError(f"cannot build a network from {type(source).__name__} {source!r}")


def _missing(value: Any) -> bool:
    """True for None and NaN (pyrosm's missing tags)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _clean(data: dict[str, Any], keep: tuple[str, ...]) -> None:
    """Drop unused and missing attributes; lists lose NaNs and duplicates (1 item: scalar)."""
    for key in list(data):
        value = data[key]
        if key not in keep or _missing(value):
            del data[key]
        elif isinstance(value, list):
            items = list(dict.fromkeys(v for v in value if not _missing(v)))
            if not items:
                del data[key]
            else:
                data[key] = items if len(items) > 1 else items[0]


def _trim(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep only the node and edge attributes siting uses, without missing values."""
    for _, data in G.nodes(data=True):
        _clean(data, KEEP_NODE_ATTRS)
    for _, _, data in G.edges(data=True):
        _clean(data, KEEP_EDGE_ATTRS)
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
    G = osm.to_graph(nodes, edges, graph_type="networkx", osmnx_compatible=True, retain_all=True)
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


def way_allowed(tags: dict[str, str], mode: str) -> bool:
    """Whether the mode may use an OSM way with these tags (highway type and access tags).

    Parameters
    ----------
    tags
        The way's tags.
    mode
        "drive", "bike" or "walk".

    Returns
    -------
    bool
    """
    hwy = tags.get("highway")
    if hwy is None or hwy in _EXCLUDE_HIGHWAY[mode] or tags.get("area") == "yes":
        return False
    own = tags.get(_MODE_ACCESS_TAG[mode])
    if own is None and mode == "drive":
        own = tags.get("motorcar")
    if own is not None and _blocked(own):
        return False
    if _blocked(tags.get("access", "yes")) and str(own).lower() not in ("yes", "designated"):
        return False
    return not (mode == "drive" and tags.get("service") in ("parking_aisle", "private"))


def _open_xml(path: Path) -> Any:
    """Open plain or bz2-compressed XML for binary reading."""
    return bz2.open(path, "rb") if str(path).lower().endswith(".bz2") else open(path, "rb")


def iter_osm_elements(path: Path) -> Iterator[ET.Element]:
    """Stream the node, way and relation elements of an OSM XML file (bounded memory).

    Parameters
    ----------
    path
        ``.osm`` or ``.osm.bz2``.

    Yields
    ------
    xml.etree.ElementTree.Element
        Each element, cleared after the caller has seen it.
    """
    with _open_xml(path) as f:
        for _, el in ET.iterparse(f, events=("end",)):
            if el.tag in ("node", "way", "relation"):
                yield el
                el.clear()


def filter_osm_xml(src: Path, dst: Path, mode: str) -> int:
    """Write the ways the mode may use, and their nodes, from OSM XML to a new file.

    Extracts cut at a boundary keep ways whose nodes lie partly outside. Each kept way is
    split into runs of consecutive nodes present in the file; the first run keeps the way
    id, further runs get new negative ids. Runs of fewer than two nodes and all relations
    are dropped.

    Parameters
    ----------
    src
        OSM XML (``.osm`` or ``.osm.bz2``).
    dst
        Output ``.osm``.
    mode
        "drive", "bike" or "walk".

    Returns
    -------
    int
        Number of ways written.
    """
    present: set[str] = set()
    ways: list[tuple[dict[str, str], list[tuple[str, str]], list[list[str]]]] = []
    for el in iter_osm_elements(src):
        if el.tag == "node":
            present.add(el.get("id", ""))
        elif el.tag == "way":
            tags = {t.get("k", ""): t.get("v", "") for t in el.iter("tag")}
            if way_allowed(tags, mode):
                runs: list[list[str]] = [[]]
                for nd in el.iter("nd"):
                    ref = nd.get("ref", "")
                    if ref in present:
                        runs[-1].append(ref)
                    elif runs[-1]:
                        runs.append([])
                kept = [r for r in runs if len(r) >= 2]
                if kept:
                    ways.append((dict(el.attrib), list(tags.items()), kept))
    needed = {ref for _, _, runs in ways for run in runs for ref in run}
    with open(dst, "wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for el in iter_osm_elements(src):
            if el.tag == "node" and el.get("id") in needed:
                out.write(ET.tostring(el))
        for attrib, way_tags, way_runs in ways:
            for i, run in enumerate(way_runs):
                way = ET.Element("way", attrib)
                if i:
                    way.set("id", str(-(abs(int(attrib.get("id", "0"))) * 1000 + i)))
                for ref in run:
                    ET.SubElement(way, "nd", ref=ref)
                for k, v in way_tags:
                    ET.SubElement(way, "tag", k=k, v=v)
                out.write(ET.tostring(way))
        out.write(b"</osm>\n")
    return len(ways)


def read_xml(path: Path, mode: str) -> nx.MultiDiGraph:
    """Read the mode's network from OSM XML (``.osm``, ``.osm.bz2``) with osmnx.

    The ways the mode may use are filtered first (see :func:`filter_osm_xml`; the same
    rules as osmnx's network types), then loaded with ``osmnx.graph_from_xml``.

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

    with tempfile.TemporaryDirectory() as tmp:
        filtered = Path(tmp) / "filtered.osm"
        try:
            n_ways = filter_osm_xml(path, filtered, mode)
        except ET.ParseError as exc:
            raise InputError(f"{path} is not valid OSM XML: {exc}") from exc
        if n_ways == 0:
            raise InputError(f"{path} contains no {mode} network; check the file and the mode")
        G = ox.graph_from_xml(filtered, bidirectional=(mode == "walk"), simplify=False, retain_all=True)
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
    "instead, e.g. a Geofabrik extract: {example} "
    "(download it once from https://download.geofabrik.de/ on a connected machine)"
)


def _is_connection_error(exc: BaseException) -> bool:
    """True for the errors a missing or blocked network produces."""
    import requests

    kinds: tuple[type[BaseException], ...] = (
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        socket.error,
        TimeoutError,
    )
    while exc is not None:
        if isinstance(exc, kinds):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def _can_connect(url: str, timeout_s: float) -> bool:
    """Whether a TCP connection to ``url``'s host opens within ``timeout_s`` (any failure to open one is a no)."""
    from urllib.parse import urlparse

    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=timeout_s).close()
    except Exception:  # refused, unresolvable, timed out, or sockets blocked in this process
        return False
    return True


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
    kwargs: dict[str, Any] = {"network_type": _OSMNX_TYPE[mode], "simplify": True, "retain_all": True}
    with _osmnx_settings(
        doh_url_template=None,
        overpass_rate_limit=False,
        requests_timeout=timeout_s,
        use_cache=False,
        log_console=False,
    ):
        offline = NetworkUnavailableError(
            _OFFLINE_HINT.format(
                what=what, example=hint(python="build_network('city.osm.pbf')", cli="--network city.osm.pbf")
            )
        )
        if not _can_connect(str(ox.settings.overpass_url), timeout_s):
            raise offline
        try:
            if kind == "place":
                G = ox.graph_from_place(source, **kwargs)
            elif kind == "bbox":
                west, south, east, north = (float(v) for v in source)
                G = ox.graph_from_bbox((west, south, east, north), **kwargs)
            else:
                G = ox.graph_from_polygon(source, **kwargs)
        except Exception as exc:
            if _is_connection_error(exc):
                raise offline from exc
            raise
    return _trim(G)
