"""National runs: store clusters, network cuts, Dask execution against the serial run, failures, Malta, summary."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from siting.errors import ClusterFailedError, InputError
from siting.national import (
    ClusterOptions,
    assign_candidates,
    cluster_cities,
    cluster_info,
    cluster_name,
    cut_network,
    find_clusters,
    national_map,
    national_summary,
    od_to_parquet,
    recommend_sites,
    run_clusters,
)
from siting.national.synthetic import synthetic_country
from siting.pipeline import CityInputs, CostOptions, RankOptions, ReachOptions, run

FAST = RankOptions(reach=ReachOptions(isochrones_for_top=0))


@pytest.fixture(scope="module")
def country():
    c = synthetic_country(n_cities=5, nodes_per_city=1600, stores_per_city=40, candidates_per_city=8, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cities, table = cluster_cities(c.stores, c.candidates, c.network)
    return c, cities, table


@pytest.fixture(scope="module")
def country_serial(country):
    return run(country[1], FAST)


def _tables(result) -> dict[str, bytes]:
    return {
        "ranking": result.ranking.to_csv(index=False).encode(),
        "sensitivity": result.sensitivity.to_csv(index=False).encode(),
        "lane_totals": result.lane_totals.to_csv(index=False).encode(),
        "excluded": result.excluded.to_csv(index=False).encode(),
        "lanes": result.lanes.to_wkt().to_csv(index=False).encode(),
    }


# ----------------------------------------------------------------------------- clustering


def _stores(points, demand):
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {"store_id": [f"s{i}" for i in range(len(points))], "demand_units_per_week": demand},
        geometry=[Point(p) for p in points],
        crs="EPSG:32633",
    )


def test_clusters_of_a_hand_worked_country():
    # town A: 4 stores 500 m apart (demand 40); town B 20 km east: 3 stores (demand 30);
    # a lone shop 3 km from A (demand 5) joins A (within max_radius 6 km); a lone shop 50 km away is left out;
    # hamlet C (2 stores, demand 10 < 20) is not a city and, 30 km from all, is left out too
    a = [(0, 0), (500, 0), (0, 500), (500, 500)]
    b = [(20000, 0), (20500, 0), (20000, 500)]
    pts = a + b + [(3000, 0), (0, 50000), (40000, 0), (40400, 0)]
    demand = [10, 10, 10, 10, 10, 10, 10, 5, 5, 5, 5]
    labels, table = find_clusters(
        _stores(pts, demand), ClusterOptions(link_distance_m=800, min_demand_units_per_week=20)
    )
    assert list(table["cluster"]) == ["cluster-01", "cluster-02"]  # by falling demand: A (45) then B (30)
    assert list(labels) == ["cluster-01"] * 4 + ["cluster-02"] * 3 + ["cluster-01", None, None, None]
    assert list(table["demand_units_per_week"]) == [45.0, 30.0]
    assert list(table["n_stores"]) == [5, 3]
    # radius: the farthest store from the demand-weighted centre of A + the lone shop
    xy = np.array(a + [(3000, 0)], float)
    centre = np.average(xy, axis=0, weights=[10, 10, 10, 10, 5])
    assert table["radius_m"].iloc[0] == pytest.approx(np.hypot(*(xy - centre).T).max(), abs=0.1)


def test_clusters_split_beyond_the_maximum_radius_and_ignore_row_order():
    rng = np.random.default_rng(1)
    line = [(x, float(rng.uniform(-50, 50))) for x in np.arange(0, 30000, 400.0)]  # a 30 km strip of shops
    stores = _stores(line, [8.0] * len(line))
    opts = ClusterOptions(link_distance_m=500, min_demand_units_per_week=10, max_radius_m=5000)
    labels, table = find_clusters(stores, opts)
    assert len(table) >= 3
    assert (table["radius_m"] <= 5000).all()
    for name in table["cluster"]:  # independent check of the radius from the members
        pts = np.array(line)[labels.to_numpy() == name]
        centre = pts.mean(axis=0)
        assert np.hypot(*(pts - centre).T).max() <= 5000 + 1e-6
    shuffled = stores.sample(frac=1.0, random_state=7)
    labels2, table2 = find_clusters(shuffled, opts)
    assert labels2.loc[labels.index].tolist() == labels.tolist()
    assert table2.drop(columns="geometry").equals(table.drop(columns="geometry"))


def test_cluster_names_from_places_are_folder_safe_and_unique():
    import geopandas as gpd

    assert cluster_name("Ħal Qormi") == "hal-qormi"
    assert cluster_name("Għarb") == "gharb"
    pts = [(0, 0), (100, 0), (10000, 0), (10100, 0)]
    places = gpd.GeoDataFrame({"name": ["Il-Belt Valletta"]}, geometry=[Point(50, 10)], crs="EPSG:32633")
    _, table = find_clusters(_stores(pts, [30.0] * 4), ClusterOptions(link_distance_m=500), places=places)
    # the place lies inside the first cluster's area only (hull + 2 km): the far cluster is not named after it
    assert list(table["cluster"]) == ["il-belt-valletta", "cluster-02"]
    assert table["place"].tolist()[0] == "Il-Belt Valletta" and table["place"].isna().tolist()[1]
    near = [(0, 0), (100, 0), (3000, 0), (3100, 0)]  # both areas hold the place: unique names
    places = gpd.GeoDataFrame({"name": ["Il-Belt Valletta"]}, geometry=[Point(1550, 0)], crs="EPSG:32633")
    _, table = find_clusters(_stores(near, [30.0] * 4), ClusterOptions(link_distance_m=500), places=places)
    assert sorted(table["cluster"]) == ["il-belt-valletta", "il-belt-valletta-2"]


def test_bad_cluster_options_are_clear():
    with pytest.raises(InputError, match="max_radius_m must be a number > 0"):
        ClusterOptions(max_radius_m=0)
    with pytest.raises(InputError, match="no city found"):
        find_clusters(_stores([(0, 0)], [1.0]), ClusterOptions(min_demand_units_per_week=50))


# ----------------------------------------------------------------------------- network cut and candidates


def test_cut_network_keeps_the_area_its_ferries_and_one_component():
    G = nx.MultiDiGraph(crs="EPSG:32633")
    for i, (x, y) in enumerate([(0, 0), (100, 0), (200, 0), (5000, 0), (5100, 0), (300, 0)]):
        G.add_node(i, x=x, y=y)
    for u, v in [(0, 1), (1, 2), (3, 4)]:
        G.add_edge(u, v, length=100.0, travel_time=10.0)
        G.add_edge(v, u, length=100.0, travel_time=10.0)
    G.add_edge(2, 5, length=100.0, travel_time=10.0)  # one-way dead end: not strongly connected
    G.add_edge(2, 3, length=4800.0, travel_time=1500.0, route="ferry")
    G.add_edge(3, 2, length=4800.0, travel_time=1500.0, route="ferry")
    both = cut_network(G, box(-50, -50, 5200, 50))
    assert sorted(both.nodes) == [0, 1, 2, 3, 4]
    assert both.get_edge_data(2, 3)[0]["route"] == "ferry"
    assert both.graph["crs"] == "EPSG:32633"
    west = cut_network(G, box(-50, -50, 400, 50))
    assert sorted(west.nodes) == [0, 1, 2]
    west.nodes[0]["x"] = -1.0
    assert G.nodes[0]["x"] == 0  # own attribute dicts
    with pytest.raises(InputError, match="holds no node"):
        cut_network(G, box(9000, 9000, 9100, 9100))


def test_candidates_go_to_the_area_that_holds_them():
    import geopandas as gpd

    hulls = [box(0, 0, 100, 100), box(300, 0, 400, 100)]
    areas = gpd.GeoDataFrame(
        {"cluster": ["a", "b"], "hull": hulls}, geometry=[h.buffer(150) for h in hulls], crs="EPSG:32633"
    )
    cand = gpd.GeoDataFrame(geometry=[Point(50, 50), Point(230, 50), Point(180, 50), Point(1000, 0)], crs="EPSG:32633")
    assert assign_candidates(cand, areas).tolist() == ["a", "b", "a", None]


def test_synthetic_country_clusters_are_its_cities(country):
    c, cities, table = country
    assert len(table) == 5
    centres = np.array([city.stores.geometry.union_all().centroid.coords[0] for city in cities])
    # each cluster is one city: its stores' centre is within 1 km of exactly one true centre
    d = np.hypot(centres[:, None, 0] - c.centres[None, :, 0], centres[:, None, 1] - c.centres[None, :, 1])
    assert sorted(d.argmin(axis=1)) == list(range(5))
    assert (d.min(axis=1) < 1000).all()
    assert sum(len(city.stores) for city in cities) == len(c.stores)
    assert all(city.network_source.number_of_nodes() == 1600 for city in cities)


# ----------------------------------------------------------------------------- Dask against serial


def test_local_cluster_stays_on_loopback(dask_client):
    info = dask_client.scheduler_info(n_workers=-1)
    assert dask_client.scheduler.address.startswith("tcp://127.0.0.1:")
    assert all(addr.startswith("tcp://127.0.0.1:") for addr in info["workers"])
    http = dask_client.cluster.scheduler.http_server  # the health endpoint; no dashboard
    assert {sock.getsockname()[0] for sock in http._sockets.values()} == {"127.0.0.1"}
    import urllib.error
    import urllib.request

    port = next(iter(http._sockets.values())).getsockname()[1]
    assert urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).status == 200
    with pytest.raises(urllib.error.HTTPError, match="404"):  # the dashboard is off
        urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=10)
    assert cluster_info(dask_client, "local") == {"scheduler": "local", "workers": 2, "threads": 2}


def test_synthetic_country_on_dask_equals_serial(dask_client, country, country_serial):
    seen = []
    result = run_clusters(country[1], FAST, client=dask_client, progress=lambda s, d, t: seen.append((s, d, t)))
    assert list(result.cities) == list(country_serial.cities)
    assert _tables(result) == _tables(country_serial)
    assert seen[0] == ("rank cities", 0, 5) and seen[-1] == ("rank cities", 5, 5)
    assert result.ranking["rank_overall"].nunique() == len(result.ranking)


def test_a_failing_cluster_is_named_and_the_others_are_kept(dask_client, country, country_serial):
    cities = list(country[1])
    far = cities[1].stores.copy()
    far["geometry"] = far.geometry.translate(900_000, 0)  # stores nowhere near the cluster's roads
    broken = CityInputs(
        name="broken-town", stores=far, candidates=cities[1].candidates, network_source=cities[1].network_source
    )
    with pytest.raises(ClusterFailedError) as info:
        run_clusters([*cities[:3], broken], FAST, client=dask_client)
    err = info.value
    assert list(err.failures) == ["broken-town"]
    assert "broken-town" in str(err) and "InputError" in str(err) and "no store lies within" in str(err)
    kept = err.partial
    assert list(kept.cities) == [c.name for c in cities[:3]]
    for name in kept.cities:  # the kept clusters' own rankings are those of the serial run
        cols = [c for c in kept.cities[name].ranking.columns if not c.endswith("_overall")]
        assert kept.cities[name].ranking[cols].equals(country_serial.cities[name].ranking[cols])


class _DiesOnWorker(nx.MultiDiGraph):
    """A network whose first use on a Dask worker process kills that process (a crashed worker)."""

    @property
    def graph(self):  # type: ignore[override]
        if multiprocessing.parent_process() is not None:
            os._exit(1)
        return self._graph_attrs

    @graph.setter
    def graph(self, value):
        self._graph_attrs = value


def test_a_killed_worker_is_named_and_the_others_are_kept(dask_client, country, country_serial):
    import cloudpickle

    cloudpickle.register_pickle_by_value(__import__(__name__))
    cities = list(country[1])[:2]
    doomed = _DiesOnWorker(cities[0].network_source)
    victim = CityInputs(name="doomed", stores=cities[0].stores, candidates=cities[0].candidates, network_source=doomed)
    with pytest.raises(ClusterFailedError) as info:
        run_clusters([*cities, victim], FAST, client=dask_client)
    assert list(info.value.failures) == ["doomed"]
    assert "worker running it died" in str(info.value)
    assert list(info.value.partial.cities) == [c.name for c in cities]
    dask_client.wait_for_workers(2, timeout=60)  # the nannies restart the killed workers


def test_od_chunks_stream_to_parquet_the_same_on_dask(dask_client, country, tmp_path):
    from siting.network import od_time_length

    G = country[1][0].network_source
    nodes = np.array(sorted(G.nodes))
    src, dst = nodes[::40], nodes[::97]
    serial = od_to_parquet(G, src, dst, tmp_path / "serial", chunk_sources=7)
    dist = od_to_parquet(G, src, dst, tmp_path / "dask", chunk_sources=7, client=dask_client)
    assert len(serial) == -(-len(src) // 7)
    assert [p.read_bytes() for p in serial] == [p.read_bytes() for p in dist]
    long = pd.read_parquet(tmp_path / "serial")
    t, m = od_time_length(G, src, dst)
    assert len(long) == np.isfinite(t).sum()
    wide = long.pivot(index="source", columns="target", values="time_s").loc[src, dst].to_numpy()
    assert np.allclose(wide, t)
    assert np.allclose(long.pivot(index="source", columns="target", values="length_m").loc[src, dst].to_numpy(), m)


# ----------------------------------------------------------------------------- the national answer


def test_recommended_sites_cover_the_demand_share(country_serial):
    sla = 240.0  # 4 minutes: a city needs several sites
    for city in country_serial.cities.values():
        sites, share = recommend_sites(city, sla, 0.9)
        ids = city.candidates["site_id"].astype(str).tolist()
        rows = [ids.index(s) for s in sites]
        demand = city.stores["demand_units_per_week"].to_numpy()
        covered = [any(city.store_time_s[r, j] <= sla for r in rows) for j in range(len(demand))]
        assert share == pytest.approx(sum(d for d, c in zip(demand, covered) if c) / demand.sum())
        best_possible = (city.store_time_s <= sla).any(axis=0) @ demand / demand.sum()
        assert share >= 0.9 or share == pytest.approx(best_possible)  # reached, or every useful site opened
        if len(sites) > 1 and share >= 0.9:  # greedy stops as soon as the share is reached
            before = [any(city.store_time_s[r, j] <= sla for r in rows[:-1]) for j in range(len(demand))]
            assert sum(d for d, c in zip(demand, before) if c) < 0.9 * demand.sum()
    assert max(len(recommend_sites(c, sla, 0.9)[0]) for c in country_serial.cities.values()) > 1


def test_no_business_case_means_no_site(country):
    from siting.costs import load_products
    from siting.costs.products import example_products_path

    products = load_products(example_products_path())
    cities = country[1][:1]
    costly = [CityInputs(**{**c.__dict__, "candidates": c.candidates.assign(rent_per_m2_yr=5000.0)}) for c in cities]
    options = RankOptions(reach=ReachOptions(isochrones_for_top=0), costs=CostOptions(products=products))
    res = run(costly, options)
    row = national_summary(res).iloc[0]  # the portfolio design (on by default with products) opens none
    assert row["recommended_sites"] == 0 and row["reason"].startswith("the portfolio design opens no site here")
    city = next(iter(res.cities.values()))
    assert (city.candidates["saving_vs_offshore_per_yr"] <= 0).all() and not city.design.portfolio.hybrid.levels
    # without the portfolio: the business case's greedy cover, which no site may join
    off = dataclasses.replace(options, portfolio=dataclasses.replace(options.portfolio, enabled=False))
    row = national_summary(run(costly, off)).iloc[0]
    assert row["recommended_sites"] == 0 and "no site beats offshore" in row["reason"]


def test_national_map_has_a_layer_per_cluster(country_serial):
    from siting.maps.draw import map_html

    html = map_html(national_map(country_serial), offline=True)
    for name in country_serial.cities:
        assert f"{name} (" in html
    assert "cdn.jsdelivr" not in html


def test_national_map_has_a_legend_title_and_areas_with_one_colour_per_cluster(country, country_serial):
    import json
    import re

    from siting.app.run import cluster_areas
    from siting.maps.draw import map_html

    areas = cluster_areas([dataclasses.replace(c, region="country") for c in country[1]])
    assert list(areas["cluster"]) == [c.name for c in country[1]] and areas.crs.to_epsg() == 4326
    assert cluster_areas(country[1]) is None  # cities not found by a scenario's clustering: no areas
    page = map_html(national_map(country_serial, clusters=areas), offline=True)
    legend = json.loads(re.search(r"siting\.legend\(map_\w+, (\".*?\")\);", page).group(1))
    rows = re.findall(r'<i style="background:(#[0-9A-F]{6})"></i>([^<]+) \((\d+) recommended\)', legend)
    assert [name for _, name, _ in rows] == list(country_serial.cities)
    assert len({colour for colour, _, _ in rows}) == len(country_serial.cities) == 5
    summary = national_summary(country_serial)
    assert [int(k) for _, _, k in rows] == [
        dict(zip(summary["cluster"], summary["recommended_sites"]))[n] for n in country_serial.cities
    ]
    assert "siting.title(" in page and f"{len(country_serial.cities)} clusters · " in page
    for colour, _, _ in rows:  # each cluster's area is outlined in its legend colour
        assert f'"color": "{colour}", "fillOpacity": 0.08' in page
    assert page.count('"type": "Polygon"') >= len(country_serial.cities)


def test_national_map_never_runs_names_as_template_code(country_serial):
    """OSM place names and site ids are anyone's text: '{{ }}' or '{#' in them must show as written."""
    import dataclasses

    from siting.maps.draw import map_html

    name, city = next(iter(country_serial.cities.items()))
    top = city.candidates["rank"].idxmin()
    candidates = city.candidates.astype({"site_id": str})
    candidates.loc[top, "site_id"] = "site {# 1"
    odd = dataclasses.replace(city, name="{{ 7*7 }} town", candidates=candidates)
    result = dataclasses.replace(country_serial, cities={"{{ 7*7 }} town": odd})
    page = map_html(national_map(result), offline=True)
    assert "49 town" not in page
    assert "&#123;&#123; 7*7 &#125;&#125; town" in page and "site &#123;# 1" in page


def test_recommended_sites_on_a_hand_worked_cluster(country_serial):
    import dataclasses
    from itertools import combinations

    import geopandas as gpd

    base = next(iter(country_serial.cities.values()))
    stores = gpd.GeoDataFrame({"store_id": list("wxyz"), "demand_units_per_week": [10.0, 10.0, 10.0, 1.0]})
    sites = gpd.GeoDataFrame({"site_id": ["A", "B", "C"]})
    # minutes to each store: A reaches w, x; B reaches w, x, z; C reaches y (SLA 10 min)
    minutes = np.array([[5, 5, 30, 30], [5, 5, 30, 5], [30, 30, 5, 30]], float)
    city = dataclasses.replace(base, stores=stores, candidates=sites, store_time_s=minutes * 60)
    chosen, share = recommend_sites(city, 600.0, 0.95)
    assert chosen == ["B", "C"] and share == 1.0  # B first (21 units), then C adds 10 (A would add none)
    # independent: no single site reaches 95% of 31 units; the smallest set that does has 2 sites
    within = minutes <= 10
    demand = stores["demand_units_per_week"].to_numpy()
    sizes = [
        len(s) for k in (1, 2, 3) for s in combinations(range(3), k) if within[list(s)].any(0) @ demand >= 0.95 * 31
    ]
    assert min(sizes) == len(chosen)
    # the business case: C loses money against offshore, so it may not open and B alone covers 21/31
    costly = dataclasses.replace(city, candidates=sites.assign(saving_vs_offshore_per_yr=[100.0, 50.0, -1.0]))
    assert recommend_sites(costly, 600.0, 0.95) == (["B"], pytest.approx(21 / 31))
