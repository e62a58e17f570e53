"""Isochrone polygons against a point-by-point check on networkx travel times."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.ops import substring

import siting.network.reach as reach
from siting.network.reach import isochrones

BUDGET_S = 240.0
BUFFER_M = 50.0


def _reached_stretches(G: nx.MultiDiGraph, node: int, budget_s: float) -> list:
    """Road stretches reachable within the budget, from networkx Dijkstra (ferries left out)."""
    t = nx.single_source_dijkstra_path_length(G, node, weight="travel_time")
    out = []
    for u, v, d in G.edges(data=True):
        if u not in t or t[u] >= budget_s or d.get("route") == "ferry":
            continue
        geom = d.get("geometry") or shapely.LineString(
            [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
        )
        left_s = budget_s - t[u]
        w = float(d["travel_time"])
        out.append(geom if w <= left_s else substring(geom, 0.0, left_s / w, normalized=True))
    return out


def test_isochrone_holds_exactly_the_points_near_a_reachable_road(helsinki_drive, monkeypatch):
    G = helsinki_drive
    node = max(G.nodes, key=lambda n: G.degree(n))
    monkeypatch.setattr(reach, "STRIPS_MIN_PIECES", 0)  # the strip union on this small network too
    poly = isochrones(G, [node], BUDGET_S, buffer_m=BUFFER_M).geometry.iloc[0]
    roads = shapely.MultiLineString(_reached_stretches(G, node, BUDGET_S))
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = roads.buffer(2 * BUFFER_M).bounds
    pts = shapely.points(rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000))
    dist_m = shapely.distance(pts, roads)
    clear = np.abs(dist_m - BUFFER_M) > 0.5  # the buffer's polygonal arcs sit within 0.25 m of the circle
    inside = shapely.contains(poly, pts)
    assert clear.sum() > 3500 and 0.1 < inside.mean() < 0.9
    np.testing.assert_array_equal(inside[clear], dist_m[clear] < BUFFER_M)


def test_isochrone_is_the_same_on_one_worker_or_two(helsinki_drive, monkeypatch):
    G = helsinki_drive
    node = max(G.nodes, key=lambda n: G.degree(n))
    monkeypatch.setattr(reach, "STRIPS_MIN_PIECES", 0)
    polys = []
    for workers in ("1", "2"):
        monkeypatch.setenv("SITING_N_JOBS", workers)
        polys.append(isochrones(G, [node], BUDGET_S).geometry.iloc[0])
    assert polys[0].equals_exact(polys[1], tolerance=0.0)
    monkeypatch.setattr(reach, "STRIPS_MIN_PIECES", 10**9)  # one union of every piece
    single = isochrones(G, [node], BUDGET_S).geometry.iloc[0]
    assert shapely.symmetric_difference(single, polys[0]).area == pytest.approx(0.0, abs=1e-3)


def test_ferry_crossings_count_in_time_but_are_not_drawn(malta_graph):
    G = malta_graph
    ferry = next((u, v, d) for u, v, d in G.edges(data=True) if d.get("route") == "ferry" and d["length"] > 4000)
    u, v, d = ferry
    budget = float(d["travel_time"]) + 120.0
    poly = isochrones(G, [u], budget).geometry.iloc[0]
    far_end = shapely.Point(G.nodes[v]["x"], G.nodes[v]["y"])
    mid_crossing = d["geometry"].interpolate(0.5, normalized=True)
    assert poly.contains(far_end), "the landing across the water is reached"
    assert not poly.contains(mid_crossing), "the sea under the crossing is not a delivery area"


def test_isochrones_from_the_reached_edges_equal_those_from_every_edge(helsinki_drive, monkeypatch):
    """The edge table of the reached nodes alone draws the very polygon the whole table draws (vertex for vertex)."""
    G = helsinki_drive
    nodes = sorted(G.nodes, key=lambda n: -G.degree(n))[:3]
    budgets = [60.0, BUDGET_S]
    fast = isochrones(G, nodes, budgets)
    whole_table = reach._edge_table
    monkeypatch.setattr(reach, "_edge_table", lambda G, weight, tails=None: whole_table(G, weight))
    slow = isochrones(G, nodes, budgets)
    assert len(fast) == len(slow) == 6
    assert (fast["reachable_nodes"] > 0).all()
    for a, b in zip(fast.geometry, slow.geometry):
        assert a.equals_exact(b, tolerance=0.0)


def test_heads_of_edges_cut_part_way_are_the_substrings_vertex_for_vertex(helsinki_drive):
    """The vectorised cut of edges left part-way draws what shapely.ops.substring drew before it (the reference)."""
    G = helsinki_drive
    lines = np.array([d["geometry"] for _, _, d in G.edges(data=True) if d.get("geometry") is not None], dtype=object)
    frac = np.random.default_rng(3).uniform(0.001, 0.999, len(lines))
    assert len(lines) > 100 and shapely.get_num_coordinates(lines).max() > 5
    heads = reach._heads(lines, frac)
    for head, line, f in zip(heads, lines, frac):
        assert head.equals_exact(substring(line, 0.0, f, normalized=True), tolerance=0.0)


def test_malta_isochrone_is_the_region_networkx_reaches(malta_graph):
    """Malta, 10 min from its best-connected junction: same reached nodes, same region as an independent drawing.

    The reference is networkx Dijkstra's reached stretches, each buffered and unioned; the
    polygons must agree to a symmetric difference under 1e-3 of the area (the vertices may differ).
    """
    G = malta_graph
    node = max(G.nodes, key=lambda n: (G.degree(n), n))
    budget_s = 600.0
    iso = isochrones(G, [node], budget_s, buffer_m=BUFFER_M).iloc[0]
    t = nx.single_source_dijkstra_path_length(G, node, cutoff=budget_s, weight="travel_time")
    assert iso["reachable_nodes"] == sum(1 for s in t.values() if s <= budget_s) > 1000
    start = shapely.Point(G.nodes[node]["x"], G.nodes[node]["y"])
    pieces = np.array([*_reached_stretches(G, node, budget_s), start], dtype=object)
    ref = shapely.union_all(shapely.buffer(pieces, BUFFER_M))
    assert shapely.symmetric_difference(iso.geometry, ref).area / ref.area < 1e-3
