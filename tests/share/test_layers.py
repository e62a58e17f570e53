"""The share stage on the pipeline's network stage: edge snapping, [rank] max_snap_distance_m, exact drive times."""

from __future__ import annotations

import dataclasses
import logging

import networkx as nx
import numpy as np
import pytest
import shapely
from network.test_snapping import split_graph

from siting.network import build_network, snap_to_edges
from siting.pipeline import RankOptions, ReachOptions
from siting.share import demo_share_cities, demo_share_spec, problem_from_cities


def _spec():
    """The demo's brands found in Kotka (its few shops go to the two non-priority brands)."""
    spec = demo_share_spec()
    return dataclasses.replace(spec, brands=spec.brands[1:])


@pytest.fixture(scope="module")
def kotka():
    city = demo_share_cities(("kotka",))[0]
    G = build_network(city.network_source)
    return city, G


def test_drive_times_are_exact_between_points_on_the_road_edges(kotka) -> None:
    """Sites and stores sit part-way along their roads: times checked by networkx on the graph cut at each point."""
    city, G = kotka
    spec = _spec()
    layers = problem_from_cities([city], spec)
    pb = layers.problem
    crs = G.graph["crs"]
    stores = city.stores.set_index(city.stores["store_id"].astype(str)).to_crs(crs)
    sites = city.candidates.set_index(city.candidates["site_id"].astype(str)).to_crs(crs)
    store_ids = [s.split(":", 1)[1] for s in pb.store_ids]
    site_ids = [s.split(":", 1)[1] for s in pb.site_ids[:4]]
    so, sd = snap_to_edges(G, sites.loc[site_ids]), snap_to_edges(G, stores.loc[store_ids])
    H = split_graph(G, {"o": so, "d": sd})
    per_km = spec.settings.delivery_cost_per_unit_km
    for i, site in enumerate(site_ids):
        dist, paths = nx.single_source_dijkstra(H, ("o", site), weight="travel_time")
        for j, store in enumerate(store_ids):
            want = dist[("d", store)] + so.at[site, "access_time_s"] + sd.at[store, "access_time_s"]
            assert pb.delivery_time_s[i, j] == pytest.approx(want, rel=1e-9, abs=1e-6)
            p = paths[("d", store)]
            length = sum(min(e["length"] for e in H[a][b].values()) for a, b in zip(p[:-1], p[1:]))
            length += so.at[site, "access_length_m"] + sd.at[store, "access_length_m"]
            assert pb.delivery_cost_per_unit[i, j] == pytest.approx(length / 1000 * per_km, rel=1e-6, abs=1e-9)
    assert len(layers.excluded) == 0 and list(layers.excluded.columns[:3]) == ["city", "layer", "id"]


def test_max_snap_distance_leaves_out_exactly_the_far_stores_and_says_which(kotka, caplog) -> None:
    """The scenario's limit, not a fixed 500 m: each store's distance to the nearest road, by shapely."""
    city, G = kotka
    crs = G.graph["crs"]
    roads = shapely.union_all([d["geometry"] for *_, d in G.edges(data=True) if "geometry" in d])
    edges = [
        shapely.LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        for u, v, d in G.edges(data=True)
        if "geometry" not in d
    ]
    roads = shapely.union_all([roads, *edges])
    pts = city.stores.to_crs(crs).geometry.representative_point()
    dist_m = np.array([roads.distance(p) for p in pts])
    limit_m = float(np.quantile(dist_m, 0.8))  # a fifth of the stores lie farther
    far = set("kotka:" + city.stores.loc[dist_m > limit_m + 1e-6, "store_id"].astype(str))
    assert 0 < len(far) < len(city.stores)
    with caplog.at_level(logging.WARNING, logger="siting"):
        layers = problem_from_cities([city], _spec(), RankOptions(reach=ReachOptions(max_snap_distance_m=limit_m)))
    out = layers.excluded[layers.excluded["layer"] == "store_id"]
    assert set(out["id"]) == far
    assert set(out["filter"]) == {"max_snap_distance_m"} and set(out["city"]) == {"kotka"}
    assert not far & set(layers.problem.store_ids)
    assert len(layers.problem.store_ids) == len(city.stores) - len(far)
    said = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert any(m.startswith(f"kotka: {len(far)} of {len(city.stores)} stores are more than") for m in said), said
