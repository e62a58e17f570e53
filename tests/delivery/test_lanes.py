"""Tests of siting.delivery lanes and tours: plain-array cores, then lanes on the real Helsinki network."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.delivery.emissions import VEHICLES, emissions_for_km
from siting.delivery.lanes import LANE_COLUMNS, LaneParams, direct_lane_table, tour_lane_table, tour_lines
from siting.delivery.totals import lane_totals
from siting.delivery.tours import allocate_by_tonne_km, out_and_back_m, solve_tours
from siting.errors import InputError


def _euclid(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 6000, (n + 1, 2))
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2) * 1.3  # a road is longer than the crow flies
    return d, d / 9.0  # ~32 km/h


def test_direct_lane_table_hand_calculation() -> None:
    p = LaneParams(vehicle="van_avg_diesel", unit_weight_kg=0.5, unit_volume_m3=0.0, load_factor=0.8, drops_per_week=2)
    time_s = np.array([[600.0, 900.0, 300.0], [1200.0, 60.0, 700.0]])
    length_m = np.array([[5000.0, 8000.0, 2500.0], [9000.0, 400.0, 6000.0]])
    units = np.array([1000.0, 4000.0, 0.0])  # 250 kg/drop -> 1 trip; 1000 kg/drop -> 2 trips; none
    df = direct_lane_table(["A", "B"], ["s1", "s2", "s3"], [0, 1, -1], time_s, length_m, units, params=p)
    assert list(df.columns) == LANE_COLUMNS
    assert df["store_id"].tolist() == ["s1", "s2"] and df["site_id"].tolist() == ["A", "B"]
    np.testing.assert_array_equal(df["trips_per_week"], [2, 4])
    km = np.array([2 * 2 * 5.0, 4 * 2 * 0.4])
    np.testing.assert_allclose(df["vehicle_km_per_week"], km)
    e = [emissions_for_km(k, VEHICLES["van_avg_diesel"]) for k in km]
    np.testing.assert_allclose(df["co2e_ttw_kg_per_week"], [x.ttw_kg for x in e])
    np.testing.assert_allclose(df["co2e_wtt_kg_per_week"], [x.wtt_kg for x in e])
    np.testing.assert_allclose(df["co2e_wtw_kg_per_week"], [x.wtw_kg for x in e])
    v = VEHICLES["van_avg_diesel"]
    hours = np.array([2 * (1200 + 600), 4 * (120 + 600)]) / 3600
    np.testing.assert_allclose(df["cost_per_week"], km * v.cost_per_km + hours * v.cost_per_hour)
    with pytest.raises(InputError, match="unknown vehicle"):
        direct_lane_table(["A"], ["s"], [0], [[1.0]], [[1.0]], [1.0], params=LaneParams(vehicle="zeppelin"))


def test_allocate_by_tonne_km_hand_calculation_and_sum() -> None:
    # 100 kg at 1000 m and 200 kg at 500 m have equal tonne-km over the SFD -> equal shares
    np.testing.assert_allclose(allocate_by_tonne_km(10.0, [100, 200], [1000, 500]), [5.0, 5.0])
    # 3 stores: weights 1x1, 1x2, 2x3.5 = 1, 2, 7 of 10
    np.testing.assert_allclose(allocate_by_tonne_km(20.0, [1, 1, 2], [1, 2, 3.5]), [2.0, 4.0, 14.0])
    m = allocate_by_tonne_km(np.array([3.0, 7.0]), [5, 1, 9], [100, 900, 40])
    np.testing.assert_allclose(m.sum(axis=0), [3.0, 7.0])


def test_solve_tours_respects_capacity_shift_and_beats_out_and_back() -> None:
    d, t = _euclid(25, seed=3)
    load = np.random.default_rng(4).uniform(0.05, 0.45, 25)
    plan = solve_tours(d, t, load, shift_s=3 * 3600, service_s=600, time_limit_s=5)
    visited = sorted(i for r in plan.routes for i in r)
    assert visited == list(range(25))
    assert all(x <= 1 + 1e-9 for x in plan.load)
    assert all(x <= 3 * 3600 + 25 for x in plan.time_s)  # +rounding of integer seconds per arc
    assert plan.total_length_m < out_and_back_m(d).sum()
    again = solve_tours(d, t, load, shift_s=3 * 3600, service_s=600, time_limit_s=5)
    assert again.routes == plan.routes  # deterministic


def test_solve_tours_never_longer_than_out_and_back_without_triangle_inequality() -> None:
    # store-to-store legs are absurdly long (as lengths of fastest paths can be): tours must fall back
    d = np.array([[0, 1000, 1000], [1000, 0, 50_000], [1000, 50_000, 0]], dtype=float)
    t = np.array([[0, 100, 100], [100, 0, 10], [100, 10, 0]], dtype=float)  # the solver sees cheap time
    plan = solve_tours(d, t, [0.2, 0.2])
    assert plan.total_length_m <= out_and_back_m(d).sum()
    # the full search already finds out-and-back; its first solution joins both stores in one
    # 52 km tour, so only the fall-back keeps this plan at out-and-back length
    first = solve_tours(d, t, [0.2, 0.2], solution_limit=1)
    assert first.routes == ((0,), (1,))
    assert first.total_length_m == pytest.approx(out_and_back_m(d).sum())


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 9),
    seed=st.integers(0, 10_000),
    metric=st.booleans(),
)
def test_property_tours_never_exceed_out_and_back_and_visit_every_store(n: int, seed: int, metric: bool) -> None:
    rng = np.random.default_rng(seed)
    if metric:
        d, t = _euclid(n, seed)
    else:  # arbitrary asymmetric lengths (no triangle inequality), times unrelated to lengths
        d = rng.uniform(100, 20_000, (n + 1, n + 1))
        t = rng.uniform(30, 900, (n + 1, n + 1))
        np.fill_diagonal(d, 0)
        np.fill_diagonal(t, 0)
    load = rng.uniform(0.01, 1.0, n)
    plan = solve_tours(d, t, load, shift_s=2 * 3600, service_s=300, time_limit_s=2)
    assert sorted(i for r in plan.routes for i in r) == list(range(n))
    assert plan.total_length_m <= out_and_back_m(d).sum() + 1e-6
    assert all(x <= 1 + 1e-9 for x in plan.load)
    shares = allocate_by_tonne_km(plan.total_length_m, load, d[0, 1:])
    assert shares.sum() == pytest.approx(plan.total_length_m)


def test_tour_lane_table_sums_and_never_exceeds_direct() -> None:
    d, t = _euclid(18, seed=7)
    units = np.random.default_rng(8).uniform(200, 3000, 18)  # up to 750 kg a drop vs 800 usable
    units[3] = 7000.0  # 1750 kg a drop: 2 full loads + a remainder on a tour
    units[5] = 0.0
    p = LaneParams(drops_per_week=2, unit_volume_m3=0.0)
    ids = [f"s{i}" for i in range(18)]
    tours, plan = tour_lane_table("A", ids, d, t, units, params=p)
    direct = direct_lane_table(
        ["A"],
        ids,
        np.zeros(18, int),
        t[:1, 1:],
        d[:1, 1:],
        units,
        params=p,
        back_time_s=t[1:, :1],
        back_length_m=d[1:, :1],
    )
    assert "s5" not in set(tours["store_id"])
    assert tours["vehicle_km_per_week"].sum() < direct["vehicle_km_per_week"].sum()
    # the store rows add up to: tours of every drop round + full-load out-and-back trips
    full_km = 2 * (d[0, 4] + d[4, 0]) / 1000 * p.drops_per_week
    assert tours["vehicle_km_per_week"].sum() == pytest.approx(plan.total_length_m / 1000 * p.drops_per_week + full_km)
    row = tours.set_index("store_id").loc["s3"]
    assert row["trips_per_week"] == 3 * p.drops_per_week
    assert tours["co2e_wtw_kg_per_week"].sum() == pytest.approx(
        emissions_for_km(tours["vehicle_km_per_week"].sum(), VEHICLES[p.vehicle]).wtw_kg
    )


def test_lane_totals_per_site_and_city() -> None:
    lanes = pd.DataFrame(
        {
            "site_id": ["A", "A", "B"],
            "store_id": ["1", "2", "3"],
            "trips_per_week": [2.0, 4.0, 1.0],
            "vehicle_km_per_week": [10.0, 5.0, 2.0],
            "co2e_ttw_kg_per_week": [1.0, 2.0, 3.0],
            "co2e_wtt_kg_per_week": [0.5, 0.5, 0.5],
            "co2e_wtw_kg_per_week": [1.5, 2.5, 3.5],
            "cost_per_week": [7.0, 8.0, 9.0],
        }
    )
    tot = lane_totals(lanes, city="X")
    assert tot["site_id"].tolist() == ["A", "B", "ALL"]
    assert tot["lanes"].tolist() == [2, 1, 3]
    assert tot.loc[2, "vehicle_km_per_week"] == 17.0 and tot.loc[0, "cost_per_week"] == 15.0
    assert (tot["city"] == "X").all()
    two = lane_totals(pd.concat([lanes.assign(city="X"), lanes.assign(city="Y").iloc[:1]]))
    assert two[["city", "site_id"]].values.tolist() == [["X", "A"], ["X", "B"], ["X", "ALL"], ["Y", "A"], ["Y", "ALL"]]
    assert two.iloc[-1]["vehicle_km_per_week"] == 10.0


# ----------------------------------------------------------------------------- real network (Helsinki)


@pytest.fixture(scope="module")
def helsinki(helsinki_drive):
    """Real drive network + real shops: two candidate sites, every third shop, nearest-site allocation."""
    from siting.inputs.demo import demo_city
    from siting.network.od import od_matrix, snap

    G = helsinki_drive
    city = demo_city("helsinki")
    crs = G.graph["crs"]
    stores = city.stores.to_crs(crs).iloc[::3]
    cands = city.candidates.to_crs(crs)
    stores = stores.assign(node=snap(G, stores)["node"].to_numpy())
    cands = cands.assign(node=snap(G, cands)["node"].to_numpy())
    order = np.argsort(cands.geometry.centroid.x.to_numpy())
    sites = cands.iloc[order[[len(order) // 4, 3 * len(order) // 4]]]
    t = od_matrix(G, sites["node"].to_numpy(), stores["node"].to_numpy())
    alloc = dict(zip(stores["store_id"], sites["site_id"].to_numpy()[np.argmin(t, axis=0)]))
    return G, sites, stores, alloc


def test_direct_lanes_on_real_network(helsinki) -> None:
    from siting.delivery.lanes import direct_lanes

    G, sites, stores, alloc = helsinki
    lanes = direct_lanes(G, sites, stores, alloc)
    assert list(lanes.columns) == [*LANE_COLUMNS, "geometry"]
    assert lanes.crs == G.graph["crs"] and len(lanes) == len(stores)
    assert set(lanes["pattern"]) == {"direct"}
    assert (lanes.geom_type == "LineString").all()
    moving = lanes["length_m"] > 0
    assert moving.sum() > 0.8 * len(lanes)
    rel = (lanes.geometry.length - lanes["length_m"]).abs() / lanes["length_m"]
    assert rel[moving].max() < 0.01
    # lane served by the site the allocation names
    assert (lanes.set_index("store_id")["site_id"] == pd.Series(alloc)).all()
    tot = lane_totals(lanes, city="helsinki")
    assert tot.iloc[-1]["vehicle_km_per_week"] == pytest.approx(lanes["vehicle_km_per_week"].sum())
    from siting.delivery.lanes import build_lanes

    same = build_lanes(G, sites, stores, alloc, pattern="direct")
    pd.testing.assert_frame_equal(
        pd.DataFrame(same.drop(columns="geometry")), pd.DataFrame(lanes.drop(columns="geometry"))
    )
    with pytest.raises(InputError, match="pattern"):
        build_lanes(G, sites, stores, alloc, pattern="drone")
    with pytest.raises(InputError, match="not in the sites layer"):
        direct_lanes(G, sites, stores, {stores["store_id"].iloc[0]: "no-such-site"})
    with pytest.raises(InputError, match="one site_id per store"):
        direct_lanes(G, sites, stores, ["x"])
    # a store left out of the allocation gets no lane
    part = direct_lanes(G, sites, stores, dict(list(alloc.items())[:5]))
    assert len(part) == 5


def test_tour_lanes_cut_vehicle_km_and_allocation_adds_up(helsinki) -> None:
    from siting.delivery.lanes import direct_lanes, tour_lanes

    G, sites, stores, alloc = helsinki
    p = LaneParams(time_limit_s=5)
    direct = lane_totals(direct_lanes(G, sites, stores, alloc, params=p)).set_index("site_id")
    lanes, plans = tour_lanes(G, sites, stores, alloc, params=p)
    tours = lane_totals(lanes).set_index("site_id")
    assert set(lanes["pattern"]) == {"tour"}
    for sid, plan in plans.items():
        assert tours.loc[sid, "vehicle_km_per_week"] <= direct.loc[sid, "vehicle_km_per_week"] + 1e-9
        # no store needs a full van here, so the site's rows add up exactly to its tours
        assert tours.loc[sid, "vehicle_km_per_week"] == pytest.approx(plan.total_length_m / 1000 * p.drops_per_week)
        assert all(t <= p.shift_s + len(r) + 1 for r, t in zip(plan.routes, plan.time_s))  # whole seconds per arc
    assert tours.loc["ALL", "vehicle_km_per_week"] < direct.loc["ALL", "vehicle_km_per_week"]
    assert tours.loc["ALL", "co2e_wtw_kg_per_week"] < direct.loc["ALL", "co2e_wtw_kg_per_week"]
    # tour geometry for the map follows the same roads as the planned tour lengths
    lines = tour_lines(G, sites, stores, alloc, plans)
    assert len(lines) == sum(len(p.routes) for p in plans.values())
    assert lines["stops"].sum() == len(stores)
    rel = (lines.geometry.length - lines["length_m"]).abs() / lines["length_m"]
    assert rel.max() < 0.01


def test_offshore_baseline_on_real_network(helsinki) -> None:
    from siting.delivery.emissions import FREIGHT_MODES
    from siting.delivery.offshore import OffshoreParams, offshore_lanes

    G, sites, stores, alloc = helsinki
    p = OffshoreParams(sea_km=10_000, port_to_warehouse_km=20, packaging_factor=1.0)
    lp = LaneParams(unit_weight_kg=0.5)
    lanes, legs = offshore_lanes(G, sites.geometry.iloc[0].centroid, stores, pattern="direct", lane_params=lp, params=p)
    legs = legs.set_index("leg")
    tonnes = stores["demand_units_per_week"].sum() * 0.5 / 1000
    ship = FREIGHT_MODES["container_ship_avg"]
    assert legs.loc["sea", "co2e_ttw_kg_per_week"] == pytest.approx(tonnes * 10_000 * ship.ttw_kg_per_tkm)
    assert legs.loc["sea", "co2e_wtt_kg_per_week"] == pytest.approx(tonnes * 10_000 * ship.wtt_kg_per_tkm)
    assert legs.loc["warehouse_to_stores", "vehicle_km_per_week"] == pytest.approx(lanes["vehicle_km_per_week"].sum())
    assert legs.loc["total", "co2e_wtw_kg_per_week"] == pytest.approx(legs.drop("total")["co2e_wtw_kg_per_week"].sum())


def test_time_limit_stopping_the_search_is_reported(caplog):
    """When the safety time limit, not the solution limit, ends the search, the user is told."""
    import logging

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 5000, (121, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    t = d / 10.0
    load = np.full(120, 0.05)
    with caplog.at_level(logging.WARNING, logger="siting"):
        solve_tours(d, t, load, time_limit_s=0.05, solution_limit=100_000)
    assert "time limit" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="siting"):
        solve_tours(d[:6, :6], t[:6, :6], load[:5], time_limit_s=30, solution_limit=5)
    assert "time limit" not in caplog.text


def test_a_descent_solution_limit_stops_before_the_local_optimum_the_same_way_every_run() -> None:
    d, t = _euclid(60, seed=11)
    load = np.random.default_rng(12).uniform(0.02, 0.2, 60)
    kw = dict(shift_s=4 * 3600, service_s=300, time_limit_s=60, solution_limit=0)
    full = solve_tours(d, t, load, **kw)
    assert full.local_optimum and not full.budget_hit
    capped = solve_tours(d, t, load, descent_solution_limit=5, **kw)
    assert not capped.local_optimum and capped.solver_status == "PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED"
    assert not capped.budget_hit and capped.gls_gain == 0.0
    assert capped.descent_length_m > full.descent_length_m  # looser than the local optimum
    assert sorted(i for r in capped.routes for i in r) == list(range(60))
    assert all(x <= 1 + 1e-9 for x in capped.load) and all(x <= 4 * 3600 + 60 for x in capped.time_s)
    again = solve_tours(d, t, load, descent_solution_limit=5, **kw)
    assert (again.routes, again.length_m) == (capped.routes, capped.length_m)  # deterministic, not timed
    more = solve_tours(d, t, load, descent_solution_limit=50, **kw)
    assert capped.descent_length_m >= more.descent_length_m >= full.descent_length_m
    # the lane parameter reaches the solver (a tour run's `[rank.lane_params]`)
    ids = [f"s{i}" for i in range(60)]
    params = LaneParams(shift_s=4 * 3600, service_s=300, solution_limit=0, descent_solution_limit=5)
    _, plan = tour_lane_table("A", ids, d, t, np.full(60, 20.0), params=params)
    assert not plan.local_optimum and plan.solver_status == "PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED"
    _, plan = tour_lane_table(
        "A", ids, d, t, np.full(60, 20.0), params=dataclasses.replace(params, descent_solution_limit=None)
    )
    assert plan.local_optimum


def test_tour_lanes_each_site_equal_tour_lanes_site_by_site(helsinki_drive) -> None:
    """One OD over sites + stores, sliced per site, gives each site's lanes and tours exactly (edge-snapped ends)."""
    from siting.delivery.lanes import tour_lanes, tour_lanes_each_site
    from siting.inputs.demo import demo_city
    from siting.network.snapping import SNAP_COLUMNS, snap_to_edges

    G = helsinki_drive

    def snapped(layer):
        snaps = snap_to_edges(G, layer, warn=False)
        out = layer.loc[snaps.index].to_crs(G.graph["crs"])
        for col in SNAP_COLUMNS:
            out[col] = snaps[col].to_numpy()
        return out

    city = demo_city("helsinki")
    stores, cands = snapped(city.stores.iloc[::4]), snapped(city.candidates)
    sites = cands.iloc[[0, len(cands) // 2, len(cands) - 1]]
    params = LaneParams(descent_solution_limit=40, solution_limit=0)
    each = tour_lanes_each_site(G, sites, stores, params=params)
    assert len(each) == 3
    for k, (lanes, plans) in enumerate(each):
        sid = str(sites["site_id"].iloc[k])
        alone, alone_plans = tour_lanes(G, sites.iloc[[k]], stores, {s: sid for s in stores["store_id"]}, params=params)
        assert list(plans) == [sid] and len(lanes) == len(stores)
        pd.testing.assert_frame_equal(pd.DataFrame(lanes), pd.DataFrame(alone))
        assert lanes.geometry.geom_equals_exact(alone.geometry, 0.0).all()
        got, want = plans[sid], alone_plans[sid]
        assert (got.routes, got.length_m, got.time_s, got.load) == (want.routes, want.length_m, want.time_s, want.load)
