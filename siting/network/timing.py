"""Edge travel times of a delivery window: profile factors, observed speeds, signal delay and turn penalty."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx

from siting.errors import InputError
from siting.network.cache import _collector_paused
from siting.network.ferry_hours import ferry_service, window_wait_s
from siting.network.profiles import ROAD_CLASSES, DeliveryWindow, SpeedProfile
from siting.network.traffic import _road_class

__all__ = [
    "graph_copy",
    "SIGNAL_DELAY_S",
    "TURN_PENALTY_S",
    "DELAY_SOURCE",
    "class_rank",
    "node_delay_s",
    "junction_delays_s",
    "mark_give_way",
    "apply_profile",
    "turn_exact_time_s",
]

# Mean delay per vehicle at a signalised junction: Webster's (1958) uniform delay
# d = C (1 - g/C)^2 / (2 (1 - x g/C)) for a 90 s cycle, half of it green (g/C = 0.5) and a
# degree of saturation x = 0.6: 90 * 0.25 / (2 * 0.7) = 16.1 s, rounded down to 15 s; inside
# the HCM 2010 level of service B band (10-20 s control delay per vehicle).
SIGNAL_DELAY_S = 15.0
# Turning from a road onto one of a higher class (a give-way / stop approach): OSRM's car
# profile charges up to 7.5 s per turn (car.lua turn_penalty); the HCM two-way-stop critical
# headway for a minor-street left turn onto a two-lane major road is 7.1 s.
TURN_PENALTY_S = 7.5
DELAY_SOURCE = (
    "signal delay 15 s per signalised junction (Webster 1958 uniform delay, 90 s cycle, g/C 0.5, "
    "x 0.6; HCM 2010 LOS B 10-20 s); turn penalty 7.5 s onto a higher road class (OSRM car "
    "profile turn_penalty; HCM two-way-stop critical headway 7.1 s), charged on the approach edge "
    "(node-based approximation, see docs/travel-times.md)"
)


def class_rank(highway: Any) -> int:
    """Rank of a road class: motorway 5, trunk 4, primary 3, secondary 2, tertiary 1, other 0."""
    return len(ROAD_CLASSES) - 1 - ROAD_CLASSES.index(_road_class(highway))


def node_delay_s(
    G: nx.MultiDiGraph, u: Any, v: Any, data: Mapping[str, Any], *, signal_delay_s: float, turn_penalty_s: float
) -> float:
    """Delay charged on road edge u -> v for the junction at v (node-based approximation).

    ``signal_delay_s`` when v is a signalised junction (``traffic_signals`` node attribute);
    else ``turn_penalty_s`` when a road of a higher class than this edge's leaves v (other
    than back to u): the approach gives way. The exact rule charges the penalty only on
    the turn onto the higher road (:func:`turn_exact_time_s`); this one also charges a
    minor road's approach when the route goes on to another minor road or ends at v.

    Parameters
    ----------
    G, u, v, data
        The graph, the edge's ends and its attributes.
    signal_delay_s, turn_penalty_s
        Seconds.

    Returns
    -------
    float
    """
    if G.nodes[v].get("traffic_signals"):
        return signal_delay_s
    if turn_penalty_s <= 0:
        return 0.0
    rank = class_rank(data.get("highway"))
    for w, edges in G.succ[v].items():
        if w == u:
            continue
        for d in edges.values():
            if d.get("route") != "ferry" and class_rank(d.get("highway")) > rank:
                return turn_penalty_s
    return 0.0


def junction_delays_s(
    G: nx.MultiDiGraph, *, signal_delay_s: float, turn_penalty_s: float, ignore_signals: bool = False
) -> dict[tuple[Any, Any, Any], float]:
    """:func:`node_delay_s` of every road edge (u, v, key), in one pass over the graph.

    Parameters
    ----------
    G
        The graph.
    signal_delay_s, turn_penalty_s
        Seconds.
    ignore_signals
        Apply the turn rule at signalised junctions too (for :func:`mark_give_way`).

    Returns
    -------
    dict
        (u, v, key) -> seconds; ferries are left out.
    """
    if G.graph.get("give_way_marked") is True and not ignore_signals:  # not the string of a GraphML
        signals = {n for n, s in G.nodes(data="traffic_signals") if s}
        return {
            (u, v, k): signal_delay_s if v in signals else (turn_penalty_s if d["give_way"] else 0.0)
            for u, v, k, d in G.edges(keys=True, data=True)
            if d.get("route") != "ferry"
        }
    rank_of: dict[Any, int] = {}

    def rank(highway: Any) -> int:
        key = tuple(highway) if isinstance(highway, list) else highway
        if key not in rank_of:
            rank_of[key] = class_rank(highway)
        return rank_of[key]

    # per node: the best rank towards each neighbour, then the two best neighbours
    towards: dict[Any, dict[Any, int]] = {}
    for v, w, d in G.edges(data=True):
        if d.get("route") != "ferry":
            r = rank(d.get("highway"))
            m = towards.setdefault(v, {})
            if r > m.get(w, -1):
                m[w] = r
    top = {v: sorted(((r, w) for w, r in m.items()), key=lambda t: -t[0])[:2] for v, m in towards.items()}
    out: dict[tuple[Any, Any, Any], float] = {}
    signals = set() if ignore_signals else {n for n, s in G.nodes(data="traffic_signals") if s}
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("route") == "ferry":
            continue
        if v in signals:
            out[(u, v, k)] = signal_delay_s
            continue
        r = rank(d.get("highway"))
        onward = next((r0 for r0, w0 in top.get(v, []) if w0 != u), -1)
        out[(u, v, k)] = turn_penalty_s if turn_penalty_s > 0 and onward > r else 0.0
    return out


def mark_give_way(G: nx.MultiDiGraph) -> None:
    """Store on each road edge whether its approach gives way (``give_way``), in place.

    ``give_way`` is True when a road of a higher class than the edge leaves its head node
    (other than back to its tail): :func:`node_delay_s`'s turn rule, computed once when the
    network is built so a warm run does not redo it. Sets ``G.graph["give_way_marked"]``.

    Parameters
    ----------
    G
        The graph.
    """
    flags = junction_delays_s(G, signal_delay_s=0.0, turn_penalty_s=1.0, ignore_signals=True)
    for u, v, k, d in G.edges(keys=True, data=True):
        if d.get("route") != "ferry":
            d["give_way"] = flags[(u, v, k)] > 0
    G.graph["give_way_marked"] = True


def _check_s(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise InputError(f"{name} is {value!r}; give seconds >= 0")
    return float(value)


def graph_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``G.copy()`` of a MultiDiGraph built straight into its adjacency dicts (about 4x faster on Malta).

    The same nodes, edges, keys and insertion orders; every node, edge and graph attribute dict is a
    new (shallow) copy, as networkx's own ``copy()`` makes them. Other graph types use ``G.copy()``.

    Parameters
    ----------
    G
        The graph.

    Returns
    -------
    networkx.MultiDiGraph
    """
    if type(G) is not nx.MultiDiGraph:
        return G.copy()
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    with _collector_paused():  # ~150 000 new dicts, no cycles: the collector's passes cost 2x (Malta)
        nodes = {n: d.copy() for n, d in G._node.items()}
        succ: dict[Any, dict[Any, dict[Any, dict[str, Any]]]] = {n: {} for n in nodes}
        pred: dict[Any, dict[Any, dict[Any, dict[str, Any]]]] = {n: {} for n in nodes}
        for u, nbrs in G._succ.items():
            out = succ[u]
            for v, keys in nbrs.items():
                pair = {k: d.copy() for k, d in keys.items()}
                out[v] = pair
                pred[v][u] = pair  # networkx shares one key dict between both directions
    # pred in networkx's order: by v, the u's in the order their edges were added by the copy
    H._node = nodes
    H._adj = succ
    H._succ = succ
    H._pred = pred
    return H


def apply_profile(
    G: nx.MultiDiGraph,
    profile: SpeedProfile,
    window: DeliveryWindow,
    *,
    signal_delay_s: float = SIGNAL_DELAY_S,
    turn_penalty_s: float = TURN_PENALTY_S,
    segment_speeds: Mapping[tuple[int, int], float] | None = None,
    copy: bool = True,
) -> nx.MultiDiGraph:
    """A copy of G (or G itself, ``copy=False``) whose ``travel_time`` is the delivery window's.

    Per road edge of class c: ``free_flow_time_s * factor_c`` (a ``time_factor`` profile
    averaged over the window) or ``length / speed_c`` (a ``speed_kph`` profile, harmonic
    mean over the window); an observed segment speed (``segment_speeds[(u, v)]``, km/h)
    replaces either. Then :func:`node_delay_s` for the junction the edge ends at.
    A ferry's boarding wait becomes the window's (half its headway in service, the time to
    its first sailing in its night gap; :mod:`siting.network.ferry_hours`).

    Parameters
    ----------
    G
        From :func:`siting.network.build_network` (free flow).
    profile
        From :func:`siting.network.profiles.default_profile` or ``read_profile_csv``.
    window
        From :func:`siting.network.profiles.parse_window`.
    signal_delay_s, turn_penalty_s
        Junction delays (defaults :data:`SIGNAL_DELAY_S`, :data:`TURN_PENALTY_S`).
    segment_speeds
        From :func:`siting.network.observed.read_segment_speeds`.
    copy
        False: change G in place and return it (for a caller that owns G and needs no
        free-flow graph afterwards; skips the copy, about 0.1 s of CPU on Malta).

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph["travel_times"]`` records the profile, window, values and delays.
    """
    signal_delay_s = _check_s("signal_delay_s", signal_delay_s)
    turn_penalty_s = _check_s("turn_penalty_s", turn_penalty_s)
    if G.graph.get("traffic", "free_flow") != "free_flow":
        raise InputError("apply_profile needs a free-flow graph; do not combine a traffic band with a delivery window")
    values = profile.window_values(window)
    observed = segment_speeds or {}
    H = graph_copy(G) if copy else G
    waits: dict[str, float] = {}
    with _collector_paused():  # a key tuple per edge: no cycles, but the collector would walk the graph
        delays = junction_delays_s(H, signal_delay_s=signal_delay_s, turn_penalty_s=turn_penalty_s)
    class_of: dict[Any, str] = {}  # highway value (a list as a tuple) -> its class, worked out once
    for u, v, k, d in H.edges(keys=True, data=True):
        if d.get("route") == "ferry":
            service = ferry_service(d.get("ferry_interval"), d.get("ferry_opening_hours"))
            wait = window_wait_s(service, window)
            d["travel_time"] = float(d["travel_time"]) - float(d.get("ferry_wait_s", 0.0)) + wait
            d["ferry_wait_s"] = wait
            waits[str(d.get("name"))] = wait
            continue
        free = float(d.setdefault("free_flow_time_s", d["travel_time"]))
        highway = d.get("highway")
        hkey = tuple(highway) if isinstance(highway, list) else highway
        cls = class_of.get(hkey)
        if cls is None:
            cls = class_of[hkey] = _road_class(highway)
        if observed and (u, v) in observed:
            base = float(d["length"]) / (observed[(u, v)] / 3.6)
        elif profile.kind == "time_factor":
            base = free * values[cls]
        else:
            base = float(d["length"]) / (values[cls] / 3.6)
        d["travel_time"] = base + delays[(u, v, k)]
    H.graph["travel_times"] = {
        "profile": profile.name,
        "profile_kind": profile.kind,
        "profile_source": profile.source,
        "delivery_window": window.text,
        "window_values": values,
        "signal_delay_s": signal_delay_s,
        "turn_penalty_s": turn_penalty_s,
        "signal_nodes": sum(1 for _, s in H.nodes(data="traffic_signals") if s),
        "observed_segments": len(observed),
        "ferry_wait_s": waits,
        "delay_source": DELAY_SOURCE,
    }
    if not copy:
        from siting.network.csr import clear_cache

        clear_cache(H)  # a CSR matrix of G's free-flow times would be stale now
    return H


def turn_exact_time_s(
    G: nx.MultiDiGraph,
    source: Any,
    target: Any,
    base_time: Mapping[tuple[Any, Any, Any], float],
    *,
    signal_delay_s: float = SIGNAL_DELAY_S,
    turn_penalty_s: float = TURN_PENALTY_S,
) -> float:
    """Shortest time source -> target with turn penalties charged exactly (edge-expanded Dijkstra).

    The reference for the node-based approximation: the search runs on edges, and moving
    from edge (u, v) to edge (v, w) costs ``base_time[(v, w, k)]`` plus the signal delay if
    v is signalised, else ``turn_penalty_s`` if (v, w) is of a higher class than (u, v). The
    last edge's junction is not charged (the trip ends there).

    Parameters
    ----------
    G
        The graph.
    source, target
        Node ids.
    base_time
        Edge (u, v, key) -> time without junction delay (s).
    signal_delay_s, turn_penalty_s
        Seconds.

    Returns
    -------
    float
        Seconds (inf when unreachable).
    """
    if source == target:
        return 0.0
    L = nx.DiGraph()
    for u, v, k, d in G.edges(keys=True, data=True):
        if u == source:
            L.add_edge("s", (u, v, k), weight=base_time[(u, v, k)])
        if v == target:
            L.add_edge((u, v, k), "t", weight=0.0)
        rank = class_rank(d.get("highway"))
        signal = bool(G.nodes[v].get("traffic_signals"))
        for w, edges in G.succ[v].items():
            for k2, d2 in edges.items():
                up = d2.get("route") != "ferry" and d.get("route") != "ferry" and class_rank(d2.get("highway")) > rank
                delay = signal_delay_s if signal and d.get("route") != "ferry" else (turn_penalty_s if up else 0.0)
                L.add_edge((u, v, k), (v, w, k2), weight=base_time[(v, w, k2)] + delay)
    try:
        return float(nx.dijkstra_path_length(L, "s", "t", weight="weight"))
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return math.inf
