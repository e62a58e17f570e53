"""The design MILP with machine-hours, flexible hours, pre-build and contracts against brute force."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from siting.errors import InfeasibleError
from siting.share.design import design_network
from siting.share.problem import ShareProblem


def hours_instance(seed: int, n: int = 3, m: int = 6) -> ShareProblem:
    """Three seasons, two processes, a priority and a standard brand, random contracts and shelf lives."""
    rng = np.random.default_rng(1000 + seed)
    with_backlog = seed % 2 == 0
    return ShareProblem(
        site_ids=tuple(f"s{i}" for i in range(n)),
        store_ids=tuple(f"k{j}" for j in range(m)),
        brand_names=("prio", "std"),
        season_names=("low", "mid", "peak"),
        store_brand=np.array([0, 1] * (m // 2)),
        demand_units_per_week=rng.uniform(50, 250, m),
        season_weeks=np.array([20, 20, 12]),
        multiplier=np.array([[1.0, 1.0, 1.5], [0.6, 1.0, 2.2]]),
        delivery_time_s=rng.uniform(300, 3000, (n, m)),
        delivery_cost_per_unit=rng.uniform(0.1, 1.5, (n, m)),
        rent_per_yr=rng.uniform(20000, 40000, (n, 1)) * np.array([[1.0, 1.7]]),
        setup_per_yr=np.tile([8000.0, 13000.0], (n, 1)),
        capacity_units_per_week=np.array([400.0, 900.0]),
        unit_cost_per_unit=np.array([9.0, 8.5]),
        offshore_landed_per_unit=np.array([13.0, 12.0]),
        brand_kind=("priority", "standard"),
        brand_lead_time_days=np.array([2.03, 10.0]),
        production_lead_time_days=2.0,
        max_utilisation=0.9,
        holding_per_unit=0.04,
        process_names=("print", "sew"),
        hours_per_unit=rng.uniform(0.05, 0.4, (2, 2)) * (rng.uniform(size=(2, 2)) > 0.2),
        changeover_hours=rng.uniform(0.0, 2.0, (2, 2)),
        run_units=np.array([100.0, 250.0]),
        process_hours_per_week=np.array([[60.0, 80.0], [140.0, 160.0]]) * rng.uniform(0.6, 1.2),
        flex_hours_per_week=np.array([[10.0, 12.0], [20.0, 25.0]]) * rng.integers(0, 2),
        flex_cost_per_hour=rng.uniform(2.0, 12.0, 2),
        shelf_life_seasons=rng.integers(0, 3, 2),
        carry_cost_per_unit_season=rng.uniform(0.1, 1.5, 2),
        reserved_hours_per_week=rng.uniform(0, 40, (2, 2)) * (rng.uniform(size=(2, 2)) > 0.5),
        backlog_cost_per_unit=np.array([rng.uniform(3.0, 20.0), np.nan]) if with_backlog else np.full(2, np.nan),
    )


def brute_force(pb: ShareProblem, brands=(0, 1)) -> float:
    """Cheapest total over every (site -> closed or level) choice, each priced by its own store-level LP."""
    n, m, lv, t = pb.n_sites, len(pb.store_ids), len(pb.capacity_units_per_week), len(pb.season_names)
    nq, nb = len(pb.process_names), len(pb.brand_names)
    demand = pb.demand_units_per_week[:, None] * pb.multiplier[pb.store_brand]
    weeks = pb.season_weeks.astype(float)
    active = np.isin(pb.store_brand, brands)
    ok = pb.eligible(brands)
    hours = pb.hours_per_unit + pb.changeover_hours / pb.run_units[:, None]
    keys = [(b, q) for b in brands for q in range(nq) if pb.reserved_hours_per_week[b, q] > 0]
    best = np.inf
    for choice in itertools.product(range(-1, lv), repeat=n):
        level = np.array(choice)
        if any(lv_ >= 0 and not pb.level_allowed[i, lv_] for i, lv_ in enumerate(level)):
            continue
        fixed = sum(pb.rent_per_yr[i, lv_] + pb.setup_per_yr[i, lv_] for i, lv_ in enumerate(level) if lv_ >= 0)
        cols: list[
            tuple
        ] = []  # ("x", i, j, made, sold), ("o", j, s), ("w", j, s), ("f", i, q, s), ("r", i, k), ("e", i, k, s)
        cost: list[float] = []
        upper: list[float] = []
        for i, j in itertools.product(range(n), range(m)):
            b = pb.store_brand[j]
            if level[i] < 0 or not ok[i, j] or not active[j]:
                continue
            for made in range(t):
                for sold in range(made, min(t, made + pb.shelf_life_seasons[b] + 1)):
                    unit = pb.unit_cost_per_unit[b] + pb.delivery_cost_per_unit[i, j] + pb.holding_per_unit
                    unit += pb.carry_cost_per_unit_season[b] * (sold - made)
                    cols.append(("x", i, j, made, sold))
                    cost.append(unit * demand[j, sold] * weeks[sold])
                    upper.append(1.0)
        for j, s in itertools.product(range(m), range(t)):
            b = pb.store_brand[j]
            if pb.brand_kind[b] != "priority":
                cols.append(("o", j, s))
                cost.append(pb.offshore_landed_per_unit[b] * demand[j, s] * weeks[s])
                upper.append(1.0)
            if np.isfinite(pb.backlog_cost_per_unit[b]):
                cols.append(("w", j, s))
                cost.append(pb.backlog_cost_per_unit[b] * demand[j, s] * weeks[s])
                upper.append(1.0)
        for i, q, s in itertools.product(range(n), range(nq), range(t)):
            cols.append(("f", i, q, s))
            cost.append(pb.flex_cost_per_hour[q] * weeks[s])
            upper.append(pb.flex_hours_per_week[level[i], q] if level[i] >= 0 else 0.0)
        for i, k in itertools.product(range(n), range(len(keys))):
            cols.append(("r", i, k))
            cost.append(0.0)
            upper.append(np.inf)
            for s in range(t):
                cols.append(("e", i, k, s))
                cost.append(0.0)
                upper.append(np.inf)
        index = {c: a for a, c in enumerate(cols)}
        nv = len(cols)

        def load_row(i, b_set, q, s, index=index, nv=nv):
            row = np.zeros(nv)
            for c, a in index.items():
                if c[0] == "x" and c[1] == i and c[3] == s and pb.store_brand[c[2]] in b_set:
                    b, j, sold = pb.store_brand[c[2]], c[2], c[4]
                    row[a] = hours[b, q] * demand[j, sold] * weeks[sold] / weeks[s]
            return row

        a_eq, b_eq, a_ub, b_ub = [], [], [], []
        for j, s in itertools.product(range(m), range(t)):
            row = np.zeros(nv)
            for c, a in index.items():
                if (c[0] == "x" and c[2] == j and c[4] == s) or (c[0] in "ow" and c[1] == j and c[2] == s):
                    row[a] = 1.0
            a_eq.append(row)
            b_eq.append(1.0 if active[j] else 0.0)
        for k, (b, q) in enumerate(keys):
            row = np.zeros(nv)
            for i in range(n):
                row[index[("r", i, k)]] = 1.0
            a_eq.append(row)
            b_eq.append(pb.reserved_hours_per_week[b, q])
        for i, q, s in itertools.product(range(n), range(nq), range(t)):
            row = load_row(i, range(nb), q, s)
            row[index[("f", i, q, s)]] = -1.0
            for k, (_, q2) in enumerate(keys):
                if q2 == q:
                    row[index[("e", i, k, s)]] = 1.0
            a_ub.append(row)
            b_ub.append(pb.process_hours_per_week[level[i], q] * pb.max_utilisation if level[i] >= 0 else 0.0)
        for i, (k, (b, q)), s in itertools.product(range(n), enumerate(keys), range(t)):
            row = -load_row(i, {b}, q, s)  # r - load - e <= 0
            row[index[("r", i, k)]] = 1.0
            row[index[("e", i, k, s)]] = -1.0
            a_ub.append(row)
            b_ub.append(0.0)
        res = linprog(
            cost, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=b_eq, bounds=[(0, u) for u in upper]
        )
        if res.status == 0:
            best = min(best, fixed + res.fun)
    return best


@pytest.mark.parametrize("seed", range(32))
def test_design_with_hours_contracts_and_carry_equals_brute_force(seed: int) -> None:
    pb = hours_instance(seed)
    expected = brute_force(pb)
    try:
        result = design_network(pb, mip_gap=1e-9, group_time_tolerance_s=0.0)
    except InfeasibleError:
        assert not np.isfinite(expected)
        return
    assert result.status == "optimal"
    assert result.total_per_yr == pytest.approx(expected, rel=1e-6)
    # the reported parts add up to what the solver minimised, and every reservation is held in full
    assert sum(v for k, v in result.cost_per_yr.items() if k != "total") == pytest.approx(result.total_per_yr)
    np.testing.assert_allclose(result.reserved_hours_per_week.sum(axis=0), pb.reserved_hours_per_week, atol=1e-6)
    # hours never exceed the regular hours at max_utilisation plus the flexible hours of the level
    for i in result.open_sites:
        top = pb.process_hours_per_week[result.level[i]] * pb.max_utilisation + pb.flex_hours_per_week[result.level[i]]
        assert (result.hours_per_week[i] <= top[:, None] + 1e-6).all()
    demand = pb.demand_units_per_week[:, None] * pb.multiplier[pb.store_brand]
    np.testing.assert_allclose(
        result.flow_units_per_week.sum(axis=0) + result.offshore_units_per_week + result.backlog_units_per_week,
        demand,
        rtol=1e-6,
    )


def test_unit_capacity_is_one_process_at_one_hour_per_unit() -> None:
    """The default (no routing) and its explicit form: process "any", 1 h/unit, hours = unit capacities."""
    pb = hours_instance(3)
    plain = dataclasses.replace(
        pb,
        process_names=("any",),
        hours_per_unit=None,
        changeover_hours=None,
        run_units=None,
        process_hours_per_week=None,
        flex_hours_per_week=None,
        flex_cost_per_hour=None,
        shelf_life_seasons=None,
        carry_cost_per_unit_season=None,
        reserved_hours_per_week=None,
        backlog_cost_per_unit=None,
    )
    explicit = dataclasses.replace(
        plain, hours_per_unit=np.ones((2, 1)), process_hours_per_week=plain.capacity_units_per_week[:, None]
    )
    a, b = design_network(plain, mip_gap=1e-9), design_network(explicit, mip_gap=1e-9)
    assert a.total_per_yr == pytest.approx(b.total_per_yr, rel=1e-9)
    assert a.total_per_yr == pytest.approx(brute_force(plain), rel=1e-6)


def test_prebuild_moves_peak_production_into_earlier_seasons() -> None:
    """With a shelf life, a capacity-bound peak is partly made earlier and less goes offshore."""
    pb = hours_instance(5)
    tight = dataclasses.replace(
        pb,
        reserved_hours_per_week=np.zeros((2, 2)),
        flex_hours_per_week=np.zeros((2, 2)),
        shelf_life_seasons=np.array([0, 0]),
        carry_cost_per_unit_season=np.array([0.2, 0.2]),
    )
    carried = dataclasses.replace(tight, shelf_life_seasons=np.array([2, 2]))
    a, b = design_network(tight, mip_gap=1e-9), design_network(carried, mip_gap=1e-9)
    assert b.total_per_yr <= a.total_per_yr + 1e-6
    assert a.carried_units_per_yr.sum() == 0
    peak = 2
    assert b.carried_units_per_yr[:, peak].sum() > 0  # pre-built for the peak ...
    assert b.offshore_units_per_week[:, peak].sum() < a.offshore_units_per_week[:, peak].sum() - 1.0  # ... not shipped
    made = b.made_units_per_week.sum(axis=(0, 1)) * pb.season_weeks
    assert made.sum() == pytest.approx((b.flow_units_per_week.sum(axis=(0, 1)) * pb.season_weeks).sum())
    assert b.total_per_yr == pytest.approx(brute_force(carried), rel=1e-6)


def test_reservations_beyond_every_sites_hours_are_refused_naming_them() -> None:
    pb = hours_instance(1)
    huge = dataclasses.replace(pb, reserved_hours_per_week=np.array([[0.0, 0.0], [0.0, 5000.0]]))
    assert not np.isfinite(brute_force(huge))
    with pytest.raises(InfeasibleError, match=r"reserved hours of \[\[contracts\]\] \(std 5000 h/week of sew\)"):
        design_network(huge, mip_gap=1e-9)
