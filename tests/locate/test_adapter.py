"""Tests of the GeoDataFrame adapter and the multi-city wrapper of siting.locate."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from siting.errors import InputError, MissingColumnError
from siting.locate import locate, locate_cities, p_median


def _layers(seed=0, n=30, m=6, crs=32635):
    rng = np.random.default_rng(seed)
    xy, cxy = rng.random((n, 2)) * 10_000, rng.random((m, 2)) * 10_000
    stores = gpd.GeoDataFrame(
        {"store_id": [f"s{i}" for i in range(n)], "demand_units_per_week": rng.integers(1, 20, n).astype(float)},
        geometry=shapely.points(xy),
        crs=crs,
    )
    cands = gpd.GeoDataFrame(
        {"site_id": [f"c{j}" for j in range(m)], "fixed_cost_per_yr": np.full(m, 1e4)},
        geometry=shapely.buffer(shapely.points(cxy), 50.0),
        crs=crs,
    )
    cost = np.linalg.norm(xy[:, None] - cxy[None], axis=2)
    return stores, cands, cost


def test_locate_returns_sites_and_lines():
    stores, cands, cost = _layers()
    res = locate(stores, cands, cost, p=2)
    sol = p_median(cost, 2, stores.demand_units_per_week.to_numpy())
    assert list(res.sites.site_id) == [f"c{j}" for j in sol.selected]
    assert {"site_id", "store_id", "cost", "weight", "weighted_cost"} <= set(res.lines.columns)
    assert len(res.lines) == len(stores) and res.lines.crs == stores.crs
    assert res.lines.weighted_cost.sum() == pytest.approx(res.solution.objective)
    assert res.sites.n_stores.sum() == len(stores)
    assert res.sites.demand_served.sum() == pytest.approx(stores.demand_units_per_week.sum())
    # each line runs from its store to the chosen site's representative point
    first = res.lines.iloc[0]
    store_pt = stores.set_index("store_id").geometry[first.store_id]
    assert shapely.get_coordinates(first.geometry)[0] == pytest.approx(shapely.get_coordinates(store_pt)[0])
    site_geom = cands.set_index("site_id").geometry[first.site_id]
    assert site_geom.contains(shapely.points(shapely.get_coordinates(first.geometry)[-1]))


def test_locate_other_models():
    stores, cands, cost = _layers(1)
    fl = locate(stores, cands, cost, model="facility_location")
    assert fl.solution.model == "facility_location" and len(fl.lines) == len(stores)
    cov = locate(stores, cands, cost, model="mclp", p=1, radius=3000.0)
    assert len(cov.lines) == int((cov.solution.assignment >= 0).sum())
    assert (cov.lines.cost <= 3000.0).all()
    pc = locate(stores, cands, cost, model="p_center", p=2)
    assert pc.lines.cost.max() == pytest.approx(pc.solution.objective)


def test_locate_input_errors():
    stores, cands, cost = _layers(2)
    with pytest.raises(InputError, match="cost.T"):
        locate(stores, cands, cost.T, p=2)
    with pytest.raises(MissingColumnError, match="demand"):
        locate(stores.drop(columns="demand_units_per_week"), cands, cost, p=2)
    with pytest.raises(InputError, match="model"):
        locate(stores, cands, cost, model="best", p=2)


def test_locate_cities_stacks_with_city_column():
    a = _layers(3)
    b = _layers(4, n=20, m=5)
    res = locate_cities(
        {
            "north": dict(stores=a[0], candidates=a[1], cost=a[2]),
            "south": dict(stores=b[0], candidates=b[1], cost=b[2], p=3),
        },
        p=2,
    )
    assert list(res.sites.columns[:2]) == ["city", "site_id"]
    assert res.sites.groupby("city").size().to_dict() == {"north": 2, "south": 3}
    assert res.lines.groupby("city").size().to_dict() == {"north": 30, "south": 20}
    assert res.solutions["south"].objective == pytest.approx(
        p_median(b[2], 3, b[0].demand_units_per_week.to_numpy()).objective
    )
    assert res.sites.crs == a[0].crs
    mixed = locate_cities(
        {
            "x": dict(stores=a[0], candidates=a[1], cost=a[2]),
            "y": dict(stores=b[0].to_crs(32634), candidates=b[1].to_crs(32634), cost=b[2]),
        },
        p=2,
    )
    assert mixed.sites.crs.to_epsg() == 4326 and mixed.lines.crs.to_epsg() == 4326


def test_real_helsinki_network_matches_brute_force(helsinki_drive):
    """Real OSM data: Helsinki shops and land-use sites, exact drive times, best 3 sites."""
    from itertools import combinations

    from siting.inputs.demo import demo_city
    from siting.network.od import od_matrix, snap

    city = demo_city("helsinki")
    G = helsinki_drive
    s_snap, c_snap = snap(G, city.stores), snap(G, city.candidates)
    stores, cands = city.stores.loc[s_snap.index], city.candidates.loc[c_snap.index]
    time_s = od_matrix(G, c_snap.node.to_numpy(), s_snap.node.to_numpy()).T  # stores x candidates
    res = locate(stores, cands, time_s, p=3)
    w = stores.demand_units_per_week.to_numpy()
    served = np.where(np.isfinite(time_s), time_s, 1e12)
    best = min(float(w @ served[:, list(s)].min(axis=1)) for s in combinations(range(served.shape[1]), 3))
    assert res.solution.optimal
    assert res.solution.objective == pytest.approx(best)
    assert res.lines.weighted_cost.sum() == pytest.approx(best)
    assert set(res.lines.store_id) == set(stores.store_id.astype(str))
