"""Road networks: build, cache, save and summarise a projected osmnx graph per city and mode."""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias

import networkx as nx

from siting.errors import InputError, MissingFileError, SitingError
from siting.network.cache import cache_key, cache_load, cache_store, default_cache_dir
from siting.network.components import keep_main_component, project_dropped_nodes
from siting.network.ferries import (
    FERRY_SOURCE,
    FERRY_SPEED_KPH,
    FERRY_WAIT_S,
    add_ferries,
    read_ferries_pbf,
    read_ferries_xml,
)
from siting.network.filecheck import FILE_KINDS, check_crs, check_network_file, looks_like_path
from siting.network.osm import read_graphml, read_online, read_pbf, read_xml, source_kind
from siting.network.snapping import store_edge_table

if TYPE_CHECKING:  # pragma: no cover
    import os

    from shapely.geometry.base import BaseGeometry

__all__ = [
    "ModeProfile",
    "MODES",
    "build_network",
    "cached_network",
    "network_summary",
    "format_summary",
    "save_network",
    "default_cache_dir",
    "parse_maxspeed_kph",
]

log = logging.getLogger("siting")


@dataclass(frozen=True)
class ModeProfile:
    """Speeds of one travel mode: km/h per OSM highway type, a fallback, and their source.

    Attributes
    ----------
    name
        "drive", "bike" or "walk".
    speeds_kph
        Speed per OSM ``highway`` value, used where an edge has no usable ``maxspeed``
        (or always, when ``use_maxspeed`` is False).
    fallback_kph
        Speed of highway types missing from ``speeds_kph``.
    use_maxspeed
        Whether a parsable OSM ``maxspeed`` tag overrides the table.
    source, year
        Where the figures come from.
    """

    name: str
    speeds_kph: Mapping[str, float]
    fallback_kph: float
    use_maxspeed: bool
    source: str
    year: int
    description: str = field(default="")


_DRIVE = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 30.0,
    "busway": 30.0,
    "track": 15.0,
}
_BIKE = {
    "cycleway": 15.0,
    "primary": 15.0,
    "primary_link": 15.0,
    "secondary": 15.0,
    "secondary_link": 15.0,
    "tertiary": 15.0,
    "tertiary_link": 15.0,
    "unclassified": 15.0,
    "residential": 15.0,
    "trunk": 15.0,
    "trunk_link": 15.0,
    "road": 15.0,
    "service": 12.0,
    "living_street": 10.0,
    "path": 10.0,
    "track": 10.0,
    "bridleway": 8.0,
    "pedestrian": 6.0,
    "footway": 6.0,
    "steps": 2.0,
}
_WALK = {"steps": 2.0}

MODES: Mapping[str, ModeProfile] = MappingProxyType(
    {
        "drive": ModeProfile(
            "drive",
            MappingProxyType(_DRIVE),
            30.0,
            True,
            source="siting defaults: typical European urban and rural default speed limits "
            "per highway class (OpenStreetMap wiki 'Default speed limits'), used only where "
            "a way has no maxspeed tag",
            year=2026,
            description="vans on roads open to motor vehicles; OSM maxspeed where tagged",
        ),
        "bike": ModeProfile(
            "bike",
            MappingProxyType(_BIKE),
            15.0,
            False,
            source="siting assumption: loaded e-cargo bike cruising in mixed urban traffic, "
            "well below the 25 km/h pedal-assist cut-off of EU Regulation 168/2013; slower "
            "on shared foot space and paths",
            year=2026,
            description="cargo bikes on ways a bicycle may use, about 15 km/h",
        ),
        "walk": ModeProfile(
            "walk",
            MappingProxyType(_WALK),
            4.5,
            False,
            source="siting assumption: 1.25 m/s, a common planning walking speed "
            "(the US Highway Capacity Manual uses 1.07-1.22 m/s for signal timing)",
            year=2026,
            description="pedestrians on every walkable way, 4.5 km/h",
        ),
    }
)

_MPH = 1.609344
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(mph|knots)?", re.IGNORECASE)


def parse_maxspeed_kph(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h; None if it carries no number.

    Handles ``"50"``, ``"30 mph"``, ``"50;70"`` and lists (mean of the parts), and
    returns None for ``"FI:urban"``, ``"none"``, ``"walk"`` and similar.

    Parameters
    ----------
    value
        The raw tag value (str, number, list or None).

    Returns
    -------
    float or None

    Examples
    --------
    >>> from siting.network.build import parse_maxspeed_kph
    >>> parse_maxspeed_kph("30 mph"), parse_maxspeed_kph("50;70"), parse_maxspeed_kph("FI:urban")
    (48.28032, 60.0, None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    parts = value if isinstance(value, (list, tuple)) else re.split(r"[;|,]", str(value))
    speeds = []
    for part in parts:
        m = _NUMBER.fullmatch(str(part).strip())
        if not m:
            continue
        v = float(m.group(1))
        unit = (m.group(2) or "").lower()
        v = v * _MPH if unit == "mph" else v * 1.852 if unit == "knots" else v
        if v > 0:
            speeds.append(v)
    return sum(speeds) / len(speeds) if speeds else None


def _profile(
    mode: str,
    speeds_kph: Mapping[str, float] | None,
    default_speed_kph: float | None,
    use_maxspeed: bool | None,
) -> ModeProfile:
    """The mode's profile with the user's overrides applied."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    base = MODES[mode]
    given = dict(speeds_kph or {})
    if default_speed_kph is not None:
        given["default"] = default_speed_kph
    for name, v in given.items():
        if not (isinstance(v, (int, float)) and v > 0 and math.isfinite(v)):
            raise InputError(f"speed for {name!r} is {v!r}; speeds are positive km/h")
    return ModeProfile(
        mode,
        MappingProxyType({**base.speeds_kph, **(speeds_kph or {})}),
        float(base.fallback_kph if default_speed_kph is None else default_speed_kph),
        base.use_maxspeed if use_maxspeed is None else bool(use_maxspeed),
        base.source if not given else "user override",
        base.year,
        base.description,
    )


def _edge_speed_kph(data: Mapping[str, Any], prof: ModeProfile) -> float:
    """Speed of one edge under a profile."""
    if prof.use_maxspeed:
        v = parse_maxspeed_kph(data.get("maxspeed"))
        if v is not None:
            return v
    hwy = data.get("highway")
    for h in hwy if isinstance(hwy, list) else [hwy]:
        if isinstance(h, str) and h in prof.speeds_kph:
            return float(prof.speeds_kph[h])
    return prof.fallback_kph


def add_speeds(G: nx.MultiDiGraph, prof: ModeProfile) -> None:
    """Set ``speed_kph`` and ``travel_time`` (s) on every road edge from its ``length`` (m).

    Ferry edges (``route="ferry"``) keep the crossing time set by
    :func:`siting.network.ferries.add_ferries`.
    """
    for _, _, d in G.edges(data=True):
        if d.get("route") == "ferry":
            continue
        kph = _edge_speed_kph(d, prof)
        d["speed_kph"] = kph
        d["travel_time"] = float(d["length"]) / (kph / 3.6)


def _project(G: nx.MultiDiGraph, crs: Any) -> nx.MultiDiGraph:
    """Project to ``crs`` (default: local UTM) and store the CRS as a string."""
    import osmnx as ox
    import pyproj

    current = pyproj.CRS.from_user_input(G.graph.get("crs", "EPSG:4326"))
    if crs is None and current.is_projected:
        G.graph["crs"] = current.to_string()
        return G
    for _, d in G.nodes(data=True):  # a 'geometry' node attribute confuses graph_to_gdfs
        d.pop("geometry", None)
    G = ox.project_graph(G, to_crs=crs)
    G.graph["crs"] = pyproj.CRS.from_user_input(G.graph["crs"]).to_string()
    return G


def _read(source: Any, kind: str, mode: str, timeout_s: float) -> nx.MultiDiGraph:
    """Dispatch to the reader of the source kind."""
    if kind == "pbf":
        return read_pbf(Path(source), mode)
    if kind == "xml":
        return read_xml(Path(source), mode)
    if kind == "graphml":
        return read_graphml(Path(source))
    return read_online(source, kind, mode, timeout_s=timeout_s)


#: what a network is built from: an OSM file (.pbf, .osm, .osm.bz2) or GraphML path, a place name,
#: a (west, south, east, north) bbox in degrees, or a shapely polygon in EPSG:4326
NetworkSource: TypeAlias = "str | os.PathLike[str] | tuple[float, float, float, float] | BaseGeometry"


def _cache_options(
    mode: str, prof: Any, explicit_speeds: bool, largest_component: bool, ferries: list[Any], crs: Any
) -> dict[str, Any]:
    """Every option a built network depends on, as its cache key records them."""
    return {
        "mode": mode,
        "speeds_kph": dict(sorted(prof.speeds_kph.items())),
        "fallback_kph": prof.fallback_kph,
        "use_maxspeed": prof.use_maxspeed,
        "explicit_speeds": explicit_speeds,
        "largest_component": largest_component,
        "ferries": ferries,
        "crs": None if crs is None else str(crs),
        "signals": 2,  # nodes carry traffic_signals, road edges give_way (siting.network.signals, timing)
    }


def cached_network(path: str | Path, *, mode: str = "drive") -> nx.MultiDiGraph | None:
    """The network :func:`build_network` built from ``path`` with its default options, if cached; never builds.

    Parameters
    ----------
    path : str or Path
        The local network file (``.osm.pbf``, ``.osm``, ``.graphml``) a run was built from.
    mode : str
        Its mode ("drive", "bike" or "walk").

    Returns
    -------
    networkx.MultiDiGraph or None
        The cached graph, or None when the cache holds no network of that file and options.
    """
    t0 = time.perf_counter()
    if not Path(path).is_file():
        return None
    kind = source_kind(str(path))
    if kind not in FILE_KINDS:
        return None
    prof = _profile(mode, None, None, None)
    options = _cache_options(mode, prof, False, True, [True, float(FERRY_SPEED_KPH), float(FERRY_WAIT_S)], None)
    key = cache_key(str(path), kind, options)
    G = cache_load(default_cache_dir(), key)
    if G is None:
        return None
    G.graph["cache"] = "hit"
    G.graph["network_key"] = key  # what the graph was built from (the isochrone cache keys on it)
    return _finish(G, t0)


def build_network(
    source: NetworkSource,
    *,
    mode: str = "drive",
    speeds_kph: Mapping[str, float] | None = None,
    default_speed_kph: float | None = None,
    use_maxspeed: bool | None = None,
    largest_component: bool = True,
    ferries: bool = True,
    ferry_speed_kph: float = FERRY_SPEED_KPH,
    ferry_wait_s: float = FERRY_WAIT_S,
    crs: Any = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    timeout_s: float = 5.0,
) -> nx.MultiDiGraph:
    """Build a projected road network with lengths, speeds and travel times on every edge.

    Parameters
    ----------
    source
        A local ``.osm.pbf`` (read with pyrosm), ``.osm`` / ``.osm.bz2`` XML (osmnx), a
        ``.graphml`` saved by :func:`save_network` or osmnx, or, online through osmnx, a
        place name, a (west, south, east, north) bbox in degrees or a shapely polygon in
        EPSG:4326. Local files never touch the network; online sources raise
        :class:`~siting.NetworkUnavailableError` within seconds when there is no network.
    mode
        "drive" (vans), "bike" (cargo bikes, about 15 km/h) or "walk"; see :data:`MODES`.
    speeds_kph
        Overrides of the mode's speed per OSM highway type, e.g. ``{"residential": 25}``.
    default_speed_kph
        Speed of highway types not in the table.
    use_maxspeed
        Whether OSM ``maxspeed`` tags override the table (default: True for drive only).
    largest_component
        Keep only the largest strongly connected component (recommended: every pair of
        nodes is then mutually reachable). The dropped components are described in
        ``G.graph["components"]``; see :func:`siting.network.component_report`.
    ferries
        Join the ``route=ferry`` ways the mode may use (local OSM files only) as edges
        whose time is the crossing (``duration`` tag, else length at ``ferry_speed_kph``)
        plus ``ferry_wait_s`` to board; see :mod:`siting.network.ferries`.
    ferry_speed_kph, ferry_wait_s
        Crossing speed of ferries without a ``duration`` tag (default 13 km/h) and the
        boarding wait (default 900 s).
    crs
        Target CRS; default the local UTM zone.
    cache, cache_dir
        Cache the built graph on disk, keyed by a hash of the source bytes (or the query)
        and every option; ``cache_dir`` defaults to :func:`default_cache_dir`.
    timeout_s
        HTTP timeout of online queries.

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph["crs"]`` is the projected CRS; every edge has ``length`` (m),
        ``speed_kph`` and ``travel_time`` (s). A one-line summary is logged on the
        ``"siting"`` logger (see :func:`network_summary`).
    """
    t0 = time.perf_counter()
    kind = source_kind(source)
    check_crs(crs)
    if kind == "place" and looks_like_path(str(source)):
        raise MissingFileError(
            f"network file {source} does not exist; check the path (a place name has no / or file suffix)."
        )
    if kind in FILE_KINDS:
        check_network_file(Path(str(source)), kind)
    for name, value in (("ferry_speed_kph", ferry_speed_kph), ("ferry_wait_s", ferry_wait_s)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise InputError(f"{name} is {value!r}; give a number >= 0")
    if ferry_speed_kph <= 0:
        raise InputError(f"ferry_speed_kph is {ferry_speed_kph!r}; give a positive speed in km/h")
    explicit_speeds = bool(speeds_kph) or default_speed_kph is not None or use_maxspeed is not None
    prof = _profile(mode, speeds_kph, default_speed_kph, use_maxspeed)
    ferry_options = [bool(ferries), float(ferry_speed_kph), float(ferry_wait_s)]
    options = _cache_options(mode, prof, explicit_speeds, largest_component, ferry_options, crs)
    key = folder = None
    if cache:
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        key = cache_key(source, kind, options)
        G = cache_load(folder, key)
        if G is not None:
            G.graph["cache"] = "hit"
            G.graph["network_key"] = key  # what the graph was built from (the isochrone cache keys on it)
            return _finish(G, t0)

    try:
        G = _read(source, kind, mode, timeout_s)
    except SitingError:
        raise
    except Exception as exc:  # a reader's own error on a file that passed the quick check
        if kind not in FILE_KINDS:
            raise
        raise InputError(
            f"network file {source} could not be read ({type(exc).__name__}: {exc}); re-download or re-export it."
        ) from None
    _ensure_lengths(G)
    ferry_report: list[dict[str, Any]] = []
    if ferries and kind in ("pbf", "xml"):
        path = Path(str(source))
        found = read_ferries_pbf(path) if kind == "pbf" else read_ferries_xml(path)
        ferry_report = add_ferries(G, found, mode, speed_kph=ferry_speed_kph, wait_s=ferry_wait_s)
    if kind in ("pbf", "xml"):
        from siting.network.signals import mark_signals, read_signals

        G.graph["traffic_signal_nodes"] = mark_signals(G, read_signals(Path(str(source)), kind))
    raw_crs = G.graph.get("crs", "EPSG:4326")
    if largest_component:
        prior = G.graph.get("nodes_before_scc"), G.graph.get("edges_before_scc")
        G = keep_main_component(G)
        if kind == "graphml" and None not in prior:  # keep the counts of the original build
            G.graph["nodes_before_scc"], G.graph["edges_before_scc"] = map(int, prior)
    G = _project(G, crs)
    project_dropped_nodes(G, raw_crs)
    if kind in ("pbf", "xml"):
        _add_water(G, Path(str(source)))
    has_speeds = G.number_of_edges() > 0 and all(
        "speed_kph" in d and "travel_time" in d for _, _, d in G.edges(data=True)
    )
    if kind != "graphml" or explicit_speeds or not has_speeds:
        add_speeds(G, prof)
    G.graph.update(
        mode=mode if kind != "graphml" else G.graph.get("mode", mode),
        source=str(source) if kind != "polygon" else "polygon",
        source_kind=kind,
        speed_source=prof.source,
        ferries=ferry_report,
        ferry_source=FERRY_SOURCE,
    )
    store_edge_table(G)
    from siting.network.timing import mark_give_way

    mark_give_way(G)
    if cache and folder is not None and key is not None:
        G.graph["cache"] = "miss"
        G.graph["network_key"] = key
        try:
            cache_store(folder, key, G)
        except OSError as exc:  # a read-only or full disk must not fail the build
            log.warning("could not cache the network in %s: %s", folder, exc)
    else:
        G.graph["cache"] = "off"
    return _finish(G, t0)


def _finish(G: nx.MultiDiGraph, t0: float) -> nx.MultiDiGraph:
    """Record the build time and log the summary (only if shown: it walks every edge)."""
    G.graph["build_s"] = time.perf_counter() - t0
    if log.isEnabledFor(logging.INFO):
        log.info(format_summary(network_summary(G)))
    return G


def _add_water(G: nx.MultiDiGraph, path: Path) -> None:
    """Keep the extract's sea and inland water in ``G.graph["water"]`` (graph CRS), for snapping."""
    from siting.network.water import WATER_SOURCE, WATER_TOLERANCE_M, deep_water, read_water, water_in_crs

    try:
        found = read_water(path)
    except (
        RuntimeError
    ) as exc:  # e.g. a hand-edited file whose ids are out of order (the area builder needs them sorted)
        log.warning("%s: water areas not read (%s); access legs are not checked against water", path.name, exc)
        G.graph["water_source"] = f"not read: {exc}"
        return
    G.graph["water"] = water_in_crs(found["water"], G.graph["crs"])
    G.graph["water_deep"] = deep_water(G.graph["water"], WATER_TOLERANCE_M)
    G.graph["water_source"] = WATER_SOURCE if not found["water"].is_empty else "none in the extract"


def _ensure_lengths(G: nx.MultiDiGraph) -> None:
    """Add great-circle ``length`` (m) to edges lacking it (unprojected graph)."""
    if any("length" not in d for _, _, d in G.edges(data=True)):
        import osmnx as ox

        G2 = ox.distance.add_edge_lengths(
            G, edges=[(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if "length" not in d]
        )
        assert G2 is G


def network_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Counts and provenance of a built network, for logs and the CLI.

    Parameters
    ----------
    G
        A graph from :func:`build_network`.

    Returns
    -------
    dict
        ``mode``, ``source``, ``crs``, ``nodes``, ``edges``, ``road_km`` (each two-way
        road counted once), ``lane_km`` (every directed edge), ``nodes_before_scc``,
        ``dropped_nodes``, ``share_nodes_kept``, ``cache`` ("hit", "miss" or "off") and
        ``build_s``.
    """
    seen: dict[tuple[int, int, float], float] = {}
    lane_m = 0.0
    for u, v, d in G.edges(data=True):
        length = float(d.get("length", 0.0))
        lane_m += length
        seen[(min(u, v), max(u, v), round(length, 1))] = length
    n = len(G)
    before = int(G.graph.get("nodes_before_scc", n))
    return {
        "mode": G.graph.get("mode"),
        "source": G.graph.get("source"),
        "crs": G.graph.get("crs"),
        "nodes": n,
        "edges": G.number_of_edges(),
        "road_km": sum(seen.values()) / 1000.0,
        "lane_km": lane_m / 1000.0,
        "nodes_before_scc": before,
        "dropped_nodes": before - n,
        "share_nodes_kept": n / before if before else 1.0,
        "cache": G.graph.get("cache", "off"),
        "build_s": float(G.graph.get("build_s", float("nan"))),
    }


def format_summary(summary: Mapping[str, Any]) -> str:
    """One line from :func:`network_summary`'s dict.

    Parameters
    ----------
    summary
        The dict.

    Returns
    -------
    str
    """
    s = summary
    return (
        f"network {s['mode']} from {Path(str(s['source'])).name}: {s['nodes']:,} nodes, "
        f"{s['edges']:,} edges, {s['road_km']:,.1f} km of road, kept "
        f"{100 * s['share_nodes_kept']:.1f}% of nodes in the largest strongly connected "
        f"component (dropped {s['dropped_nodes']:,}), {s['crs']}, "
        f"{s['build_s']:.2f} s (cache {s['cache']})"
    )


def save_network(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """Save a network as GraphML; :func:`build_network` reads it back with the same types.

    Parameters
    ----------
    G
        The graph.
    path
        Target ``.graphml`` file.

    Returns
    -------
    pathlib.Path
    """
    import osmnx as ox

    path = Path(path)
    if not str(path).lower().endswith(".graphml"):
        raise InputError(f"{path}: a saved network must end in .graphml")
    H = G.copy()
    for key in (
        "build_s",
        "cache",
        "components",
        "dropped_nodes",
        "ferries",
        "network_key",  # a saved file can be edited: build_network keys it by its own bytes
        "snap_edges",
        "water",
        "water_deep",
        "water_source",
    ):
        H.graph.pop(key, None)
    from siting.outputs import atomic_path

    with atomic_path(path) as tmp:
        ox.save_graphml(H, tmp)
    return path
