"""The fixed charge per drop and the cross-dock promise, against enumeration and by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from design_instances import FAMS, brute_force, instance, single_sourced

from siting.design import design_for_city
from siting.design.model import build_model, set_drops
from siting.design.problem import design_problem
from siting.design.solve import portfolio
from siting.errors import InputError

SEEDS = range(24)


def _shape(seed: int) -> dict:
    return dict(n_t=1 + seed % 2, n_j=3 if seed % 2 == 0 else 2, drops=True)


@pytest.fixture(scope="module")
def solved():
    out = []
    for seed in SEEDS:
        pb = instance(seed, **_shape(seed))
        p, dm = portfolio(pb, time_limit_s=30, mip_gap=1e-6)
        # the same instance without the drop charge: its optimum, then priced with the charge
        free = dataclasses.replace(pb, drop_cost_per_week=None)
        q, dm_free = portfolio(free, time_limit_s=30, mip_gap=1e-6)
        x = np.zeros(dm.model.num_cols)
        x[: dm_free.model.num_cols] = q.hybrid.x  # the drop columns come last
        repriced = dm.model.objective(set_drops(dm, x))
        out.append((seed, pb, p, repriced))
    return out


def test_milp_with_drops_equals_enumeration(solved):
    single = changed = 0
    for seed, pb, p, repriced in solved:
        hyb = p.hybrid
        assert hyb.status == "optimal", seed
        brute = brute_force(pb)
        assert hyb.cost_per_yr <= brute * (1 + 1e-6) + 1e-6, (seed, hyb.cost_per_yr, brute)
        if single_sourced(hyb):
            single += 1
            assert hyb.cost_per_yr == pytest.approx(brute, rel=1e-6), seed
        # the design chosen without the charge costs more with it than the design chosen with it
        assert hyb.cost_per_yr <= repriced + 1e-6, seed
        changed += bool(repriced > hyb.cost_per_yr * (1 + 1e-6))
    assert single >= 12, single  # 16 of 24 measured
    assert changed >= 5, changed  # the charge changes the design in some instances (7 of 24 measured)


def test_each_delivering_origin_pays_one_drop_a_season(solved):
    """Independent of the model: the origins read off the portfolio table, each x its store's charge x weeks."""
    for seed, pb, p, _ in solved:
        hyb = p.hybrid
        table = hyb.portfolio
        cost = dict(zip(pb.store_ids, pb.drop_cost_of_store()))
        weeks = dict(zip(pb.season_names, pb.weeks_per_yr))
        expected = 0.0
        for (j, t), rows in table.groupby(["store_id", "season"]):
            origins = set(rows.loc[rows["source"] == "local", "site"])
            for _, r in rows[rows["source"] != "local"].iterrows():
                if "direct" in r["source"]:
                    origins.add("direct")
                origins |= {s for s in str(r["site"]).split("; ") if s}
            expected += len(origins) * cost[j] * weeks[t]
        assert hyb.drops["cost_per_yr"].sum() == pytest.approx(expected, rel=1e-9), seed
        fixed = sum(
            pb.fixed_cost_per_yr[pb.site_ids.index(s), pb.level_names.index(lv)] for s, lv in hyb.levels.items()
        )
        assert table["cost_per_yr"].sum() + fixed == pytest.approx(hyb.cost_per_yr, rel=1e-6), seed


def test_no_crossdock_outside_the_promise(solved):
    blocked = 0
    for seed, pb, p, _ in solved:
        ok = {(pb.site_ids[s], pb.store_ids[j]) for s, j in pb.lanes[pb.crossdock_lanes()]}
        on_time = {(pb.site_ids[s], pb.store_ids[j]) for s, j in pb.lanes}
        blocked += len(on_time - ok) > 0
        via = p.hybrid.portfolio[p.hybrid.portfolio["source"].str.contains("via site")]
        for _, r in via.iterrows():
            for site in str(r["site"]).split("; "):
                assert (site, r["store_id"]) in ok, (seed, site, r["store_id"])
    assert blocked >= 10, blocked


def _hand_case(drop_per_week: float | None) -> tuple:
    """One site, one store of two families; the local family is made at the site, the other is bought offshore.

    Per unit: the site's lane 0.30, direct delivery 0.50, the cross-dock's trunk and handling 0.40.
    """
    local_fam = next(f for f in FAMS if f.family == "regional_print")
    off_fam = next(f for f in FAMS if f.family == "basic_tshirt")
    demand = pd.DataFrame(
        {
            "store_id": ["j", "j"],
            "family": [local_fam.family, off_fam.family],
            "season": ["year", "year"],
            "units_per_week": [100.0, 100.0],
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": ["s"],
            "level": ["L"],
            "hours_per_week": [200.0],
            "fixed_cost_per_yr": [0.0],
            "crossdock_cost_per_unit": [0.40],
        }
    )
    lanes = pd.DataFrame({"site_id": ["s"], "store_id": ["j"], "cost_per_unit": [0.30], "within_promise": [True]})
    direct = pd.DataFrame({"store_id": ["j"], "cost_per_unit": [0.50], "within_promise": [True]})
    making = pd.DataFrame(
        {
            "family": [local_fam.family, off_fam.family],
            "machine_hours_per_unit": [0.1, 0.1],
            "changeover_hours_per_run": [0.5, 0.5],
        }
    )
    drops = None if drop_per_week is None else pd.DataFrame({"store_id": ["j"], "cost_per_week": [drop_per_week]})
    pb = design_problem(
        demand=demand,
        sites=sites,
        lanes=lanes,
        direct=direct,
        families=[local_fam, off_fam],
        making=making,
        seasons={"year": 52.0},
        drops=drops,
    )
    p, _ = portfolio(pb, time_limit_s=30, mip_gap=1e-9)
    return pb, p


@pytest.mark.parametrize(
    "drop,route,extra",
    [
        # direct: two drops (the site's, the distribution point's): 2 x 5 = 10 a week; cross-dock: one drop
        # (5) + 100 x (0.40 + 0.30 - 0.50) = 25 a week: direct stays
        (5.0, "offshore direct", 52 * 2 * 5.0),
        # 2 x 30 = 60 a week against 30 + 20 = 50: the offshore goods ride the site's drop
        (30.0, "offshore via site", 52 * (30.0 + 100 * (0.40 + 0.30 - 0.50))),
        # 2 x 20 = 40 against 20 + 20 = 40: a tie (either route, the same cost)
        (20.0, None, 52 * 40.0),
    ],
)
def test_hand_worked_split_against_cross_dock(drop, route, extra):
    """docs/portfolio.md "A fixed charge per drop": the extra cost a year the charge adds, by hand."""
    _, base = _hand_case(None)
    pb, p = _hand_case(drop)
    for d in (base.hybrid, p.hybrid):  # the same production in both: the local family at the site
        local = d.portfolio[d.portfolio["source"] == "local"]
        assert set(local["family"]) == {"regional_print"} and set(d.levels) == {"s"}
    assert set(base.hybrid.portfolio.loc[base.hybrid.portfolio["source"] != "local", "source"]) == {"offshore direct"}
    if route is not None:
        assert set(p.hybrid.portfolio.loc[p.hybrid.portfolio["source"] != "local", "source"]) == {route}
    assert p.hybrid.cost_per_yr - base.hybrid.cost_per_yr == pytest.approx(extra, abs=1e-4)


def test_a_colocated_site_drops_for_free():
    """A site in the store delivers its own goods without a drop; only the offshore route's drop is charged."""
    t = instance_tables(3)
    t["sites"]["colocated_store_id"] = np.where(t["sites"]["site_id"] == "s0", "j0", None)
    colo = design_problem(**t)
    assert colo.lane_no_drop is not None
    free = [(colo.site_ids[s], colo.store_ids[j]) for (s, j), f in zip(colo.lanes, colo.lane_no_drop) if f]
    assert free == [(colo.site_ids[0], colo.store_ids[0])]
    dm = build_model(colo)
    p = int(np.flatnonzero(colo.lane_no_drop)[0])
    assert (dm.drop_lane_cols[p] < 0).all()  # no binary: nothing to pay
    assert (dm.drop_lane_cols[~colo.lane_no_drop] >= 0).all()


def instance_tables(seed: int) -> dict:
    from design_instances import tables

    return tables(seed, n_j=2, drops=True)


def test_crossdock_promise_counts_the_trunk_and_turnaround():
    """``design_for_city``: a cross-dock keeps the promise when trunk + turnaround + lane <= promise (as a hub)."""
    fam = next(f for f in FAMS if f.family == "basic_tshirt")
    common = dict(
        stores=pd.DataFrame({"store_id": ["a", "b"], "units_per_week": [100.0, 100.0]}),
        candidates=pd.DataFrame({"site_id": ["s"], "rent_per_yr": [0.0]}),
        levels=pd.DataFrame(
            {"level": ["L"], "hours_per_week": [40.0], "staff_cost_per_yr": [0.0], "setup_cost_per_yr": [0.0]}
        ),
        lane_time_s=np.array([[300.0, 301.0]]),
        lane_cost_per_unit=np.array([[0.1, 0.1]]),
        direct_time_s=np.array([100.0, 100.0]),
        direct_cost_per_unit=np.array([1.0, 1.0]),
        families=[fam],
        making=pd.DataFrame(
            {"family": [fam.family], "machine_hours_per_unit": [0.1], "changeover_hours_per_run": [0.5]}
        ),
        promise_s=1200.0,
        crossdock_cost_per_unit=0.05,
        outages=False,
    )
    design = design_for_city(**common, crossdock_time_s=900.0)
    pb = design.problem
    # 900 + 300 = 1200 keeps the promise for a; 900 + 301 = 1201 does not for b
    assert [pb.store_ids[j] for _, j in pb.lanes[pb.crossdock_lanes()]] == ["a"]
    assert {pb.store_ids[j] for _, j in pb.lanes} == {"a", "b"}  # both lanes keep the promise for local goods
    off = design.portfolio.all_offshore.portfolio  # the free site cross-docks where the promise allows
    assert set(off.loc[off["store_id"] == "a", "source"]) == {"offshore via site"}
    assert set(off.loc[off["store_id"] == "b", "source"]) == {"offshore direct"}
    with pytest.raises(InputError, match="crossdock_time_s"):
        design_for_city(**common, crossdock_time_s=np.array([-1.0]))
    # direct delivery out of the promise for a, and the cross-dock too (901 + 300 > 1200): no offshore route
    # keeps the promise, so a's offshore units go direct, late (a lane still brings local goods in time)
    late = design_for_city(**{**common, "direct_time_s": np.array([2000.0, 100.0])}, crossdock_time_s=901.0)
    assert late.problem.direct_fallback.tolist() == [True, False]
    off = late.portfolio.all_offshore.portfolio
    assert set(off["source"]) == {"offshore direct"}
    in_time = design_for_city(**{**common, "direct_time_s": np.array([2000.0, 100.0])}, crossdock_time_s=900.0)
    assert in_time.problem.direct_fallback.tolist() == [False, False]  # a's cross-dock keeps the promise
    off = in_time.portfolio.all_offshore.portfolio
    assert set(off.loc[off["store_id"] == "a", "source"]) == {"offshore via site"}
    # offshore goods keep their own promise (stock from the distribution point): with one of 1,201 s
    # b's cross-dock (900 + 301) keeps it too, while the lanes' promise for local goods stays 1,200 s
    own = design_for_city(**common, crossdock_time_s=900.0, offshore_promise_s=1201.0)
    assert [own.problem.store_ids[j] for _, j in own.problem.lanes[own.problem.crossdock_lanes()]] == ["a", "b"]
    assert set(own.portfolio.all_offshore.portfolio["source"]) == {"offshore via site"}
    # and direct delivery is judged on it: a at 1,300 s from the distribution point is in time for 1,301 s
    far = {**common, "direct_time_s": np.array([1300.0, 100.0]), "crossdock_time_s": 5000.0}
    assert design_for_city(**far).problem.direct_fallback.tolist() == [True, False]
    assert design_for_city(**far, offshore_promise_s=1301.0).problem.direct_fallback.tolist() == [False, False]
    for bad in (0.0, -1.0, float("nan"), True):
        with pytest.raises(InputError, match="offshore_promise_s"):
            design_for_city(**common, offshore_promise_s=bad)


@pytest.mark.parametrize(
    "cost,words",
    [
        ([-1.0, 5.0], "cost_per_week"),
        ([float("nan"), 5.0], "cost_per_week"),
        ([float("inf"), 5.0], "cost_per_week"),
    ],
)
def test_bad_drop_tables_refused(cost, words):
    t = instance_tables(1)
    t["drops"] = pd.DataFrame({"store_id": ["j0", "j1"], "cost_per_week": cost})
    with pytest.raises(InputError, match=words):
        design_problem(**t)


def test_duplicate_and_missing_drop_columns_refused():
    t = instance_tables(1)
    t["drops"] = pd.DataFrame({"store_id": ["j0", "j0"], "cost_per_week": [1.0, 2.0]})
    with pytest.raises(InputError, match="duplicate"):
        design_problem(**t)
    t["drops"] = pd.DataFrame({"store_id": ["j0"]})
    with pytest.raises(InputError, match="cost_per_week"):
        design_problem(**t)
    t["drops"] = t["drops"].iloc[0:0].assign(cost_per_week=[])
    with pytest.raises(InputError, match="empty"):
        design_problem(**t)


def test_the_defaults_are_the_lanes_own_stop_as_recorded():
    """``drop_cost`` and ``crossdock_turnaround_s`` default to the lanes' stop (cost_defaults.csv records both)."""
    from siting.costs.products import cost_default
    from siting.pipeline import RankOptions
    from siting.pipeline.portfolio import _stop_cost_per_drop

    opts = RankOptions()
    assert opts.portfolio.drop_cost is None and opts.portfolio.crossdock_turnaround_s is None
    assert _stop_cost_per_drop(opts) == pytest.approx(35.0 * 600 / 3600)
    assert _stop_cost_per_drop(opts) == pytest.approx(cost_default("drop_cost_per_drop"), abs=1e-4)
    assert opts.lanes.lane_params.service_s == cost_default("crossdock_turnaround_s")
    assert opts.portfolio.offshore_promise_s == cost_default("offshore_promise_s") == 86400.0


def test_colocated_sites_equal_enumeration():
    """A store's back-room site (free drops at its store) on random instances: the MILP against enumeration.

    Enumeration charges each (store, season) one drop per delivering origin except a site in that
    store's back room, and lets cross-docked goods ride its (free) delivery.
    """
    from design_instances import enumerate_designs

    checked = opened = 0
    for seed in range(16):
        t = instance_tables(seed)
        t["sites"]["colocated_store_id"] = np.where(t["sites"]["site_id"] == "s0", "j0", None)
        t["sites"]["fixed_cost_per_yr"] *= 0.5
        pb = design_problem(**t)
        p, _ = portfolio(pb, time_limit_s=30, mip_gap=1e-6)
        brute = enumerate_designs(pb)
        hyb = p.hybrid
        assert hyb.cost_per_yr <= brute * (1 + 1e-6) + 1e-6, seed
        assert hyb.cost_per_yr <= p.all_offshore.cost_per_yr + 1e-6, seed
        if "s0" in hyb.levels:
            opened += 1
            at_j0 = hyb.drops[(hyb.drops["store_id"] == "j0") & (hyb.drops["origin"] == "s0")]
            assert at_j0.empty, seed  # the back-room site drops nothing at its own store
        if single_sourced(hyb):
            checked += 1
            assert hyb.cost_per_yr == pytest.approx(brute, rel=1e-6), seed
    assert checked >= 9 and opened >= 8, (checked, opened)  # 11, 10 measured
