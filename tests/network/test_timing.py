"""Window travel times: a hand-worked junction (signal, turn penalty, its node-based approximation) and OD exactness."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from junction_town import JUNCTION_XML

from siting.network import build_network, od_matrix
from siting.network.observed import read_segment_speeds
from siting.network.profiles import HOURS_PER_WEEK, ROAD_CLASSES, SpeedProfile, default_profile, parse_window
from siting.network.signals import read_signals
from siting.network.timing import (
    SIGNAL_DELAY_S,
    TURN_PENALTY_S,
    apply_profile,
    junction_delays_s,
    node_delay_s,
    turn_exact_time_s,
)

OTHER, PRIMARY = 1.5, 2.0


@pytest.fixture(scope="module")
def cross(tmp_path_factory) -> tuple[nx.MultiDiGraph, Path]:
    folder = tmp_path_factory.mktemp("timing")
    (folder / "cross.osm").write_text(JUNCTION_XML)
    return build_network(folder / "cross.osm", cache=False), folder


def _flat() -> SpeedProfile:
    values = np.ones((len(ROAD_CLASSES), HOURS_PER_WEEK))
    values[ROAD_CLASSES.index("other")] = OTHER
    values[ROAD_CLASSES.index("primary")] = PRIMARY
    return SpeedProfile("flat", values, "time_factor", "test")


def _free(G: nx.MultiDiGraph, u: int, v: int) -> float:
    return float(G[u][v][0]["travel_time"])


def test_signal_nodes_are_read_and_marked_on_the_junction(cross):
    G, folder = cross
    assert read_signals(folder / "cross.osm", "xml").tolist() == [[24.0298, 60.0]]
    assert sorted(n for n, s in G.nodes(data="traffic_signals") if s) == [6]
    assert 7 not in G


def test_hand_worked_junction_times(cross):
    G, _ = cross
    H = apply_profile(G, _flat(), parse_window("08:00-09:00"))
    by_hand = {
        (1, 2): _free(G, 1, 2) * OTHER + TURN_PENALTY_S,  # a primary road leaves node 2: give way
        (4, 2): _free(G, 4, 2) * OTHER + TURN_PENALTY_S,
        (3, 2): _free(G, 3, 2) * PRIMARY,  # already on the primary road
        (2, 4): _free(G, 2, 4) * OTHER,
        (4, 6): _free(G, 4, 6) * OTHER + SIGNAL_DELAY_S,  # signalised junction at 6
        (6, 4): _free(G, 6, 4) * OTHER,
        (2, 3): _free(G, 2, 3) * PRIMARY,
    }
    for (u, v), t in by_hand.items():
        assert H[u][v][0]["travel_time"] == pytest.approx(t, rel=1e-12), (u, v)
    assert G[1][2][0]["travel_time"] == pytest.approx(_free(G, 1, 2))  # the input graph is untouched
    od = od_matrix(H, [1], [3, 4, 6])[0]
    assert od[0] == pytest.approx(by_hand[(1, 2)] + by_hand[(2, 3)])
    assert od[1] == pytest.approx(by_hand[(1, 2)] + by_hand[(2, 4)])
    assert od[2] == pytest.approx(by_hand[(1, 2)] + by_hand[(2, 4)] + by_hand[(4, 6)])


def test_node_based_turn_penalty_against_the_edge_expanded_exact_one(cross):
    G, _ = cross
    H = apply_profile(G, _flat(), parse_window("08:00-09:00"))
    base = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        base[(u, v, k)] = d["travel_time"] * (PRIMARY if d["highway"] == "primary" else OTHER)
    approx = od_matrix(H, [1], [3, 4])[0]
    exact = [turn_exact_time_s(G, 1, t, base) for t in (3, 4)]
    # the turn onto the primary road: both charge it once
    assert approx[0] == pytest.approx(exact[0])
    assert exact[0] == pytest.approx(base[(1, 2, 0)] + TURN_PENALTY_S + base[(2, 3, 0)])
    # straight across the primary road: the exact rule charges nothing, the approximation the penalty
    assert exact[1] == pytest.approx(base[(1, 2, 0)] + base[(2, 4, 0)])
    assert approx[1] - exact[1] == pytest.approx(TURN_PENALTY_S)


def test_observed_segment_speed_replaces_the_profile(cross, tmp_path: Path):
    G, _ = cross
    (tmp_path / "speeds.csv").write_text("from_osm_node,to_osm_node,speed_kph\n1,2,36\n")
    H = apply_profile(
        G, _flat(), parse_window("08:00-09:00"), segment_speeds=read_segment_speeds(tmp_path / "speeds.csv", G)
    )
    assert H[1][2][0]["travel_time"] == pytest.approx(G[1][2][0]["length"] / 10.0 + TURN_PENALTY_S)
    assert H[2][1][0]["travel_time"] == pytest.approx(_free(G, 2, 1) * OTHER)  # other direction: profile
    # OSRM's own headerless form reads the same
    (tmp_path / "osrm.csv").write_text("1,2,36\n")
    assert read_segment_speeds(tmp_path / "osrm.csv", G) == {(1, 2): 36.0}


def test_window_od_on_the_demo_equals_networkx(helsinki_drive):
    window = parse_window("06:00-09:00")
    H = apply_profile(helsinki_drive, default_profile(), window)
    factors = default_profile().window_values(window)
    extra = []
    for _u, v, d in H.edges(data=True):
        cls = d["highway"] if d["highway"] in factors else "other"
        cls = {"primary_link": "primary", "tertiary_link": "tertiary"}.get(d["highway"], cls)
        extra.append((d["travel_time"] - d["free_flow_time_s"] * factors[cls], bool(H.nodes[v].get("traffic_signals"))))
    extra_s = np.array([e for e, _ in extra])
    signal = np.array([s for _, s in extra])
    assert np.allclose(extra_s[signal], SIGNAL_DELAY_S)
    assert np.all(np.isclose(extra_s[~signal], 0.0) | np.isclose(extra_s[~signal], TURN_PENALTY_S))
    assert signal.sum() > 20  # the demo's signalised junctions are charged
    nodes = list(H.nodes)
    sources = nodes[::17]
    ours = od_matrix(H, sources, nodes)
    for i, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(H, s, weight="travel_time")
        theirs = np.array([ref.get(t, np.inf) for t in nodes])
        assert np.allclose(ours[i], theirs, rtol=0, atol=1e-9)
    free = od_matrix(helsinki_drive, sources, nodes)
    ok = np.isfinite(free) & (free > 0)
    assert np.median(ours[ok] / free[ok]) > 1.285  # at least the smallest class factor of the window


def test_one_pass_delays_equal_the_per_edge_rule(helsinki_drive, cross):
    assert helsinki_drive.graph["give_way_marked"]  # stored at build time: a warm run reads it
    for G in (helsinki_drive, cross[0]):
        fast = junction_delays_s(G, signal_delay_s=SIGNAL_DELAY_S, turn_penalty_s=TURN_PENALTY_S)
        slow = {
            (u, v, k): node_delay_s(G, u, v, d, signal_delay_s=SIGNAL_DELAY_S, turn_penalty_s=TURN_PENALTY_S)
            for u, v, k, d in G.edges(keys=True, data=True)
            if d.get("route") != "ferry"
        }
        assert fast == slow
        assert len({t for t in slow.values()}) == 3  # none, give way and signal all occur


def test_the_turn_rule_looks_past_the_road_back():
    # a -> b residential, its reverse b -> a primary (two OSM ways), b -> c secondary: leaving b
    # towards c is a turn onto a higher class even though b's best road leads back to a
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", highway="residential")
    G.add_edge("b", "a", highway="primary")
    G.add_edge("b", "c", highway="secondary")
    fast = junction_delays_s(G, signal_delay_s=SIGNAL_DELAY_S, turn_penalty_s=TURN_PENALTY_S)
    assert fast[("a", "b", 0)] == TURN_PENALTY_S
    assert node_delay_s(G, "a", "b", G["a"]["b"][0], signal_delay_s=0, turn_penalty_s=TURN_PENALTY_S) == TURN_PENALTY_S


def test_window_times_survive_a_graphml_round_trip(helsinki_drive, tmp_path: Path):
    from siting.network import save_network

    save_network(helsinki_drive, tmp_path / "g.graphml")
    back = build_network(tmp_path / "g.graphml", cache=False)
    window = parse_window("06:00-09:00")
    a = apply_profile(helsinki_drive, default_profile(), window)
    b = apply_profile(back, default_profile(), window)
    times_a = sorted(d["travel_time"] for *_, d in a.edges(data=True))
    times_b = sorted(d["travel_time"] for *_, d in b.edges(data=True))
    assert np.allclose(times_a, times_b)


def test_graph_copy_is_networkx_copy_in_every_order_and_detached(helsinki_drive):
    """The fast copy apply_profile uses equals ``G.copy()``: nodes, edges, keys, both adjacencies, orders."""
    from siting.network.timing import graph_copy

    G = helsinki_drive
    H, ref = graph_copy(G), G.copy()
    assert H.graph == ref.graph and H.graph is not G.graph
    assert list(H.nodes(data=True)) == list(ref.nodes(data=True))
    assert list(H.edges(keys=True, data=True)) == list(ref.edges(keys=True, data=True))
    assert [(v, list(H.pred[v])) for v in H] == [(v, list(ref.pred[v])) for v in ref]
    assert list(H.in_edges(keys=True)) == list(ref.in_edges(keys=True))
    u, v, k = next(iter(H.edges(keys=True)))
    assert H.pred[v][u][k] is H.succ[u][v][k]  # one key dict for both directions, as networkx keeps it
    before = G.edges[u, v, k]["travel_time"]
    H.edges[u, v, k]["travel_time"] = before + 1.0
    H.nodes[u]["x"] = -1.0
    H.add_edge(u, v, key=999)
    assert G.edges[u, v, k]["travel_time"] == before and G.nodes[u]["x"] != -1.0 and not G.has_edge(u, v, 999)


def test_window_in_place_equals_the_copy_and_drops_the_stale_csr(helsinki_drive):
    """``copy=False`` (a run that owns its graph) gives the copy's times, attributes and orders, on G itself,
    and forgets a CSR matrix built from G's free-flow times (an OD after it sees the window's)."""
    from siting.network.timing import graph_copy

    window = parse_window("06:00-09:00")
    ref = apply_profile(helsinki_drive, default_profile(), window)
    G = graph_copy(helsinki_drive)
    nodes = list(G.nodes)
    free = od_matrix(G, nodes[:5], nodes)  # caches G's CSR matrix of free-flow times
    H = apply_profile(G, default_profile(), window, copy=False)
    assert H is G
    assert list(H.edges(keys=True, data=True)) == list(ref.edges(keys=True, data=True))
    assert H.graph == ref.graph
    window_od = od_matrix(H, nodes[:5], nodes)
    assert np.array_equal(window_od, od_matrix(ref, nodes[:5], nodes))
    assert (window_od[np.isfinite(free)] > free[np.isfinite(free)]).mean() > 0.5  # not the free-flow times
