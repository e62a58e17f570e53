"""Tests of siting.network.od: snapping, exact OD matrices against networkx, routes and isochrones."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from siting.network.od import (
    isochrones,
    od_long,
    od_matrix,
    od_time_length,
    route_lines,
    route_nodes,
    snap,
)


@pytest.fixture(scope="module")
def G(helsinki_drive):
    return helsinki_drive


@pytest.fixture(scope="module")
def sample(G):
    rng = np.random.default_rng(7)
    nodes = np.array(sorted(G.nodes))
    return rng.choice(nodes, 25), rng.choice(nodes, 40)


def _nx_lengths(G, sources, targets, weight):
    out = np.full((len(sources), len(targets)), np.inf)
    for i, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(G, int(s), weight=weight)
        out[i] = [ref.get(int(t), np.inf) for t in targets]
    return out


@pytest.mark.parametrize("weight", ["travel_time", "length"])
def test_od_matrix_equals_networkx(G, sample, weight):
    o, d = sample
    got = od_matrix(G, o, d, weight=weight)
    assert got.shape == (len(o), len(d)) and got.dtype == np.float64
    np.testing.assert_allclose(got, _nx_lengths(G, o, d, weight), rtol=1e-12, atol=0)


def test_no_process_is_forked_while_a_siting_thread_runs():
    import threading

    from siting.forked import THREAD_PREFIX
    from siting.forked import can_fork as _can_fork

    assert _can_fork()
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name=f"{THREAD_PREFIX}isochrones_0")
    worker.start()
    try:
        assert not _can_fork()
    finally:
        release.set()
        worker.join()
    assert _can_fork()


def test_od_matrix_both_orientations_and_processes(G, sample, monkeypatch):
    o, d = sample
    ref = od_matrix(G, o, d, n_jobs=1)
    # fewer destinations than origins: computed on the reversed graph
    # summation order differs on the reversed graph: equal to rounding
    np.testing.assert_allclose(od_matrix(G, o, d[:3]), ref[:, :3], rtol=1e-12)
    expected = _nx_lengths(G, o, d[:3], "travel_time")
    np.testing.assert_allclose(od_matrix(G, o, d[:3]), expected, rtol=1e-12)
    # force small chunks on two forked worker processes (normally only for large jobs)
    from siting.network import csr

    monkeypatch.setattr(csr, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(csr, "CHUNK_BYTES", 8 * len(G) * 3)
    np.testing.assert_array_equal(od_matrix(G, o, d, n_jobs=2), ref)
    cut = od_matrix(G, o, d, n_jobs=2, cutoff=60.0)
    np.testing.assert_array_equal(cut, np.where(ref <= 60.0, ref, np.inf))
    t1, l1 = od_time_length(G, o, d, n_jobs=1)
    t2, l2 = od_time_length(G, o, d, n_jobs=2)
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(l1, l2)


def test_cutoff_and_unreachable(G, sample):
    o, d = sample
    full = od_matrix(G, o, d)
    cut = od_matrix(G, o, d, cutoff=60.0)
    np.testing.assert_array_equal(cut[full <= 60.0], full[full <= 60.0])
    assert np.isinf(cut[full > 60.0]).all()
    # a node added without edges is unreachable from everywhere
    H = G.copy()
    H.add_node(-1, x=0.0, y=0.0)
    m = od_matrix(H, [o[0], -1], [d[0], -1])
    assert np.isinf(m[0, 1]) and np.isinf(m[1, 0]) and m[1, 1] == 0.0


def test_zero_weight_edges_are_kept():
    H = nx.MultiDiGraph(crs="EPSG:32635")
    for n, x in [(1, 0.0), (2, 1.0), (3, 2.0)]:
        H.add_node(n, x=x, y=0.0)
    H.add_edge(1, 2, travel_time=0.0, length=0.0)
    H.add_edge(2, 3, travel_time=5.0, length=50.0)
    H.add_edge(2, 3, travel_time=3.0, length=70.0)  # parallel edge: the faster one counts
    assert od_matrix(H, [1], [2, 3]).tolist() == [[0.0, 3.0]]
    t, length = od_time_length(H, [1], [3])
    assert (t[0, 0], length[0, 0]) == (3.0, 70.0)


def test_unknown_node_is_a_clear_error(G):
    with pytest.raises(ValueError, match="not in the graph"):
        od_matrix(G, [123456789012], list(G.nodes)[:2])


def test_time_length_is_the_length_of_the_fastest_path(G, sample):
    o, d = sample
    t, length = od_time_length(G, o, d)
    np.testing.assert_allclose(t, od_matrix(G, o, d), rtol=1e-12)
    for i in range(3):
        for j in range(3):
            path = nx.dijkstra_path(G, int(o[i]), int(d[j]), weight="travel_time")
            expected = sum(
                min(G[a][b].values(), key=lambda e: e["travel_time"])["length"] for a, b in zip(path[:-1], path[1:])
            )
            # ties between equally fast paths could differ in length; none in this sample
            assert length[i, j] == pytest.approx(expected, rel=1e-9)
    # no path is shorter than the shortest one
    assert (length >= od_matrix(G, o, d, weight="length") - 1e-6).all()


def test_routes_follow_the_graph(G, sample):
    o, d = sample
    pairs = list(zip(o[:8].tolist(), d[:8].tolist())) + [(int(o[0]), int(o[0]))]
    paths = route_nodes(G, pairs)
    lines = route_lines(G, pairs)
    times = od_matrix(G, o[:8], d[:8]).diagonal()
    _, lengths = od_time_length(G, o[:8], d[:8])
    for (a, b), path, line, t, length in zip(pairs, paths, lines, times, lengths.diagonal()):
        assert path[0] == a and path[-1] == b
        walked = sum(min(e["travel_time"] for e in G[u][v].values()) for u, v in zip(path[:-1], path[1:]))
        assert walked == pytest.approx(t, rel=1e-9)
        # geometry in UTM vs great-circle edge lengths: differ by the projection scale (<0.5%)
        assert line.length == pytest.approx(length, rel=5e-3)
        start = Point(G.nodes[a]["x"], G.nodes[a]["y"])
        end = Point(G.nodes[b]["x"], G.nodes[b]["y"])
        assert line.boundary.is_empty or (
            shapely.get_point(line, 0).distance(start) < 1.0 and shapely.get_point(line, -1).distance(end) < 1.0
        )
    assert paths[-1] == [pairs[-1][0]] and lines[-1].length == 0.0


def test_snap(G):
    nodes = sorted(G.nodes)[:3]
    xy = [(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes]
    pts = [Point(x + 3.0, y + 4.0) for x, y in xy] + [Point(xy[0][0] + 50_000, xy[0][1])]
    gdf = gpd.GeoDataFrame({"name": list("abcd")}, geometry=pts, crs=G.graph["crs"], index=["s1", "s2", "s3", "far"])
    with pytest.warns(UserWarning, match="far"):
        out = snap(G, gdf, max_distance_m=100)
    assert list(out.index) == ["s1", "s2", "s3"]
    assert out["node"].dtype == np.int64
    # each point's snap distance is the distance to its nearest node (brute force)
    all_xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in G.nodes])
    for p, (_, row) in zip(pts, out.iterrows()):
        brute = np.hypot(all_xy[:, 0] - p.x, all_xy[:, 1] - p.y).min()
        assert row["snap_distance_m"] == pytest.approx(brute)
        assert row["snap_distance_m"] <= 5.0 + 1e-9
    # other CRS is reprojected; polygons snap by a point inside them
    poly = gpd.GeoDataFrame(geometry=[pts[0].buffer(2)], crs=G.graph["crs"]).to_crs(4326)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out2 = snap(G, poly)
    assert out2["node"].iloc[0] == out["node"].iloc[0]


def test_snap_refuses_layers_without_crs(G):
    from siting import NoCrsError

    with pytest.raises(NoCrsError):
        snap(G, gpd.GeoDataFrame(geometry=[Point(0, 0)]))


def test_od_long(G, sample):
    o, d = sample
    H = G.copy()
    H.add_node(-1, x=0.0, y=0.0)
    origins = list(o[:2]) + [-1]
    table = od_long(H, origins, d[:4], origin_ids=["a", "b", "c"])
    assert list(table.columns) == ["origin_id", "destination_id", "time_s", "length_m"]
    assert len(table) == 12
    assert table.loc[table.origin_id == "c", ["time_s", "length_m"]].isna().all().all()
    m = od_matrix(G, o[:2], d[:4])
    np.testing.assert_allclose(table["time_s"].to_numpy()[:8], m.ravel())


def test_isochrones_grow_with_time(G, sample):
    node = int(sample[0][0])
    iso = isochrones(G, [node], [60, 180])
    assert list(iso["time_s"]) == [60, 180] and iso.crs == G.graph["crs"]
    small, big = iso.geometry
    assert big.area > small.area and big.buffer(1e-6).contains(small)
    times = od_matrix(G, [node], list(G.nodes))[0]
    nodes = np.array(list(G.nodes))
    inside = nodes[times <= 60]
    pts = [Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in inside]
    assert all(small.contains(p) for p in pts)


@st.composite
def _graphs(draw):
    n = draw(st.integers(2, 12))
    edges = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.one_of(st.just(0.0), st.floats(0.0, 100.0, allow_nan=False)),
            ),
            max_size=40,
        )
    )
    H = nx.MultiDiGraph(crs="EPSG:32635")
    H.add_nodes_from((i * 7 + 3, {"x": float(i), "y": 0.0}) for i in range(n))
    for u, v, w in edges:  # repeated (u, v) pairs make parallel edges
        H.add_edge(u * 7 + 3, v * 7 + 3, travel_time=w, length=2.0 * w + 1.0)
    return H


@settings(max_examples=60, deadline=None)
@given(H=_graphs(), cutoff=st.one_of(st.none(), st.floats(0.0, 150.0)))
def test_property_od_equals_networkx(H, cutoff):
    nodes = sorted(H.nodes)
    got = od_matrix(H, nodes, nodes, cutoff=cutoff)
    for i, s in enumerate(nodes):
        ref = nx.single_source_dijkstra_path_length(H, s, weight="travel_time", cutoff=cutoff)
        expected = [ref.get(t, np.inf) for t in nodes]
        np.testing.assert_allclose(got[i], expected, rtol=1e-12, atol=1e-12)
    t, length = od_time_length(H, nodes, nodes)
    np.testing.assert_allclose(t, od_matrix(H, nodes, nodes), rtol=1e-12, atol=1e-12)
    assert (np.isinf(t) == np.isinf(length)).all()
    # the length belongs to a fastest path: walk it and compare
    pairs = [(a, b) for a in nodes[:3] for b in nodes]
    for (a, b), path in zip(pairs, route_nodes(H, pairs)):
        i, j = nodes.index(a), nodes.index(b)
        if not path:
            assert np.isinf(t[i, j])
            continue
        best = [min(H[u][v].values(), key=lambda e: e["travel_time"]) for u, v in zip(path[:-1], path[1:])]
        assert sum(e["travel_time"] for e in best) == pytest.approx(t[i, j], abs=1e-9)
        assert sum(e["length"] for e in best) == pytest.approx(length[i, j], abs=1e-9)


@pytest.mark.parametrize("reverse", [False, True])
def test_tree_lengths_of_wanted_columns_equal_the_full_sums_bit_for_bit(G, sample, reverse):
    from scipy.sparse.csgraph import dijkstra

    from siting.network.csr import csr_graph, tree_lengths

    g = csr_graph(G)
    o, d = sample
    src, cols = g.index(o), g.index(d)
    _, pred = dijkstra(g.transposed if reverse else g.matrix, indices=src, return_predecessors=True)
    full = tree_lengths(g, pred, reverse=reverse)
    part = tree_lengths(g, pred, reverse=reverse, cols=np.concatenate([cols, cols[:5]]))
    assert (full[:, cols] > 0).mean() > 0.5  # real paths, not a trivial case
    np.testing.assert_array_equal(part[:, cols], full[:, cols])
    assert (part == 0).sum() > (full == 0).sum()  # the rest was not summed


def test_csr_cache_is_reused_and_follows_the_graph(G, sample):
    """One CSR per graph object and weight; a new graph (a travel profile's copy) or an added edge gets its own."""
    from siting.network.csr import clear_cache, csr_graph
    from siting.network.traffic import apply_traffic

    H = G.copy()
    g = csr_graph(H)
    assert csr_graph(H) is g  # cached: the same object, not rebuilt
    assert csr_graph(H, "length") is not g  # per weight
    slow = apply_traffic(H, "peak")  # a new graph with new weights
    assert csr_graph(slow) is not g
    src, dst = sample
    np.testing.assert_allclose(od_matrix(slow, src, dst), _nx_lengths(slow, src, dst, "travel_time"))
    # a new node pair on the same graph object: the cache notices and rebuilds
    a, b = (int(n) for n in sample[0][:2])
    fast = od_matrix(H, [a], [b])[0, 0]
    if not H.has_edge(a, b):
        H.add_edge(a, b, key=0, travel_time=0.001, length=1.0)
        assert csr_graph(H) is not g
        assert fast > 0.001
        assert od_matrix(H, [a], [b])[0, 0] == pytest.approx(0.001)
    # a weight changed in place is seen after clear_cache (the documented rule)
    u, v, k = next(iter(H.edges(keys=True)))
    H.edges[u, v, k]["travel_time"] = 0.0
    clear_cache(H)
    assert od_matrix(H, [u], [v])[0, 0] == 0.0


def test_edges_coords_equal_edge_coords_of_every_edge(G):
    """The batched edge geometry (routes) equals the per-edge one exactly, orientation included."""
    from siting.network.edges import edge_coords, edges_coords

    # every third edge without its geometry (drawn straight), every fifth stored against its direction
    edges = []
    for i, (a, b, k, d) in enumerate(G.edges(keys=True, data=True)):
        geom = d.get("geometry")
        if i % 3 == 0:
            geom = None
        elif i % 5 == 0 and geom is not None:
            geom = shapely.reverse(geom)
        edges.append((a, b, k, {**d, "geometry": geom}))
    u, v, data = [e[0] for e in edges], [e[1] for e in edges], [e[3] for e in edges]
    batched = edges_coords(G, u, v, data)
    flipped = 0
    for (a, b, _, d), xy in zip(edges, batched):
        one = edge_coords(G, a, b, d)
        assert xy.shape == one.shape and np.array_equal(xy, one)
        geom = d.get("geometry")
        flipped += geom is not None and not np.array_equal(one, shapely.get_coordinates(geom))
    assert flipped > 0  # osmnx stores some geometries against the edge's direction: those are turned
    assert edges_coords(G, [], [], []) == []


def test_route_lines_join_each_paths_edges_in_travel_order(G, sample):
    """Each route is its path's edge geometries end to end (the least-weight parallel edge), vertex for vertex."""
    from siting.network.edges import edge_coords

    o, d = sample
    isolated = max(G.nodes) + 1
    H = G.copy()
    H.add_node(isolated, x=0.0, y=0.0)  # unreachable: an empty line
    pairs = [(int(a), int(b)) for a, b in zip(o, d)] + [(int(o[0]), int(o[0])), (int(o[1]), isolated)]
    pairs += [(int(d[3]), int(o[5])), (int(o[0]), int(o[0]))]
    lines = route_lines(H, pairs)
    for path, line in zip(route_nodes(H, pairs), lines):
        if not path:
            assert line.is_empty
            continue
        if len(path) == 1:
            n = H.nodes[path[0]]
            assert list(line.coords) == [(n["x"], n["y"])] * 2
            continue
        parts = []
        for u, v in zip(path[:-1], path[1:]):
            k, data = min(H[u][v].items(), key=lambda kd: kd[1]["travel_time"])
            parts.append(edge_coords(H, u, v, data))
        expected = np.concatenate([parts[0]] + [p[1:] for p in parts[1:]])
        assert np.array_equal(shapely.get_coordinates(line), expected)
    assert sum(line.is_empty for line in lines) == 1
