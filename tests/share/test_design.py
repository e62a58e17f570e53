"""The design MILP against brute force: every site-level combination, each priced by its own LP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from siting.errors import InfeasibleError
from siting.share.design import design_network
from siting.share.problem import ShareProblem


def tiny(seed: int, n: int = 3, m: int = 6) -> ShareProblem:
    rng = np.random.default_rng(seed)
    return ShareProblem(
        site_ids=tuple(f"s{i}" for i in range(n)),
        store_ids=tuple(f"k{j}" for j in range(m)),
        brand_names=("prio", "std"),
        season_names=("low", "peak"),
        store_brand=np.array([0, 1] * (m // 2)),
        demand_units_per_week=rng.uniform(50, 250, m),
        season_weeks=np.array([39, 13]),
        multiplier=np.array([[1.0, 1.6], [0.8, 2.0]]),
        delivery_time_s=rng.uniform(300, 3000, (n, m)),
        delivery_cost_per_unit=rng.uniform(0.1, 1.5, (n, m)),
        rent_per_yr=rng.uniform(20000, 40000, (n, 1)) * np.array([[1.0, 1.7]]),
        setup_per_yr=np.tile([8000.0, 13000.0], (n, 1)),
        capacity_units_per_week=np.array([400.0, 900.0]),
        unit_cost_per_unit=np.array([9.0, 8.5]),
        offshore_landed_per_unit=np.array([13.0, 12.0]),
        brand_kind=("priority", "standard"),
        brand_lead_time_days=np.array([2.02, 10.0]),
        production_lead_time_days=2.0,
        max_utilisation=0.9,
        holding_per_unit=0.04,
    )


def brute_force(pb: ShareProblem, brands=(0, 1)) -> float:
    """Cheapest total over every (site -> closed or level) choice, each with its flows from scipy's LP."""
    n, m, lv, t = pb.n_sites, len(pb.store_ids), len(pb.capacity_units_per_week), len(pb.season_names)
    demand = pb.demand_units_per_week[:, None] * pb.multiplier[pb.store_brand]
    active = np.isin(pb.store_brand, brands)
    ok = pb.eligible(brands)
    best = np.inf
    for choice in itertools.product(range(-1, lv), repeat=n):
        level = np.array(choice)
        if any(lv_ >= 0 and not pb.level_allowed[i, lv_] for i, lv_ in enumerate(level)):
            continue  # that site's floor area does not fit the level
        fixed = sum(pb.rent_per_yr[i, lv_] + pb.setup_per_yr[i, lv_] for i, lv_ in enumerate(level) if lv_ >= 0)
        # variables x[i, j, s] then o[j, s]
        nx = n * m * t
        c = np.zeros(nx + m * t)
        ub = np.zeros(nx + m * t)
        a_eq = np.zeros((m * t, nx + m * t))
        b_eq = np.zeros(m * t)
        a_ub = np.zeros((n * t, nx + m * t))
        b_ub = np.zeros(n * t)
        for i, j, s in itertools.product(range(n), range(m), range(t)):
            k = (i * m + j) * t + s
            b = pb.store_brand[j]
            unit = pb.unit_cost_per_unit[b] + pb.delivery_cost_per_unit[i, j] + pb.holding_per_unit
            c[k] = unit * demand[j, s] * pb.season_weeks[s]
            ub[k] = 1.0 if (level[i] >= 0 and ok[i, j] and active[j]) else 0.0
            a_eq[j * t + s, k] = 1.0
            a_ub[i * t + s, k] = demand[j, s]
        for j, s in itertools.product(range(m), range(t)):
            k = nx + j * t + s
            b = pb.store_brand[j]
            c[k] = pb.offshore_landed_per_unit[b] * demand[j, s] * pb.season_weeks[s]
            ub[k] = 1.0 if pb.brand_kind[b] != "priority" else 0.0
            a_eq[j * t + s, k] = 1.0
            b_eq[j * t + s] = 1.0 if active[j] else 0.0
        for i, s in itertools.product(range(n), range(t)):
            b_ub[i * t + s] = pb.capacity_units_per_week[level[i]] * pb.max_utilisation if level[i] >= 0 else 0.0
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=list(zip(np.zeros_like(ub), ub)))
        if res.status == 0:
            best = min(best, fixed + res.fun)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_design_equals_brute_force(seed: int) -> None:
    pb = tiny(seed)
    try:
        result = design_network(pb, mip_gap=1e-9)
    except InfeasibleError:
        assert not np.isfinite(brute_force(pb))
        return
    assert result.status == "optimal"
    assert result.total_per_yr == pytest.approx(brute_force(pb), rel=1e-6)
    assert result.gap <= 1e-6
    assert result.warm_start_cost >= result.total_per_yr - 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_single_brand_coalition_equals_brute_force(seed: int) -> None:
    pb = tiny(seed + 10)
    result = design_network(pb, [1], mip_gap=1e-9)
    assert result.total_per_yr == pytest.approx(brute_force(pb, (1,)), rel=1e-6)
    assert result.flow_units_per_week[:, pb.store_brand == 0].sum() == 0


@pytest.mark.parametrize("seed", range(6))
def test_capacity_never_exceeded_and_priority_within_sla(seed: int) -> None:
    pb = tiny(seed)
    try:
        result = design_network(pb, mip_gap=1e-9)
    except InfeasibleError:
        return
    load = result.flow_units_per_week.sum(axis=1)  # (n, T)
    for i in range(pb.n_sites):
        cap = pb.capacity_units_per_week[result.level[i]] * pb.max_utilisation if result.level[i] >= 0 else 0.0
        assert (load[i] <= cap + 1e-6).all()
    prio = pb.store_brand == 0
    assert result.offshore_units_per_week[prio].sum() == 0
    served = result.flow_units_per_week.sum(axis=2) > 1e-9  # (n, m)
    days = pb.production_lead_time_days + pb.delivery_time_s / 86400
    assert (days[:, prio][served[:, prio]] <= pb.brand_lead_time_days[0] + 1e-9).all()
    demand = pb.demand_units_per_week[:, None] * pb.multiplier[pb.store_brand]
    np.testing.assert_allclose(
        result.flow_units_per_week.sum(axis=0) + result.offshore_units_per_week, demand, rtol=1e-6
    )


def test_priority_store_without_a_site_in_sla_is_refused() -> None:
    pb = tiny(0)
    import dataclasses

    far = dataclasses.replace(pb, delivery_time_s=pb.delivery_time_s + 86400)
    with pytest.raises(InfeasibleError, match="SLA"):
        design_network(far)


@pytest.mark.parametrize("seed", [1, 3])
def test_identical_stores_merge_without_changing_the_optimum(seed: int) -> None:
    import dataclasses

    pb = tiny(seed)
    # store 3 becomes a copy of store 1 (same brand, same drive times and costs), with its own demand
    time_s, cost = pb.delivery_time_s.copy(), pb.delivery_cost_per_unit.copy()
    time_s[:, 3], cost[:, 3] = time_s[:, 1], cost[:, 1]
    twin = dataclasses.replace(pb, delivery_time_s=time_s, delivery_cost_per_unit=cost)
    result = design_network(twin, mip_gap=1e-9)
    assert result.total_per_yr == pytest.approx(brute_force(twin), rel=1e-6)
    demand = twin.demand_units_per_week[:, None] * twin.multiplier[twin.store_brand]
    np.testing.assert_allclose(result.flow_units_per_week.sum(axis=0) + result.offshore_units_per_week, demand)


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_dedicated_site_serves_only_its_brand(seed: int) -> None:
    import dataclasses

    pb = tiny(seed)
    dedicated = np.array([1, -1, -1])  # site 0 only for brand 1 ("std")
    only = dataclasses.replace(pb, dedicated=dedicated)
    try:
        result = design_network(only, mip_gap=1e-9)
    except InfeasibleError:  # a priority store whose only site within the SLA is now another brand's
        assert not np.isfinite(brute_force(only))
        return
    assert result.flow_units_per_week[0][only.store_brand == 0].sum() == 0
    assert result.total_per_yr >= design_network(pb, mip_gap=1e-9).total_per_yr - 1e-6  # a restriction never helps
    assert result.total_per_yr == pytest.approx(brute_force(only), rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_levels_that_do_not_fit_a_site_are_never_opened(seed: int) -> None:
    import dataclasses

    pb = tiny(seed)
    allowed = np.array([[True, False], [True, True], [False, False]])  # site 0 small only, site 2 none
    fit = dataclasses.replace(pb, level_allowed=allowed)
    try:
        result = design_network(fit, mip_gap=1e-9)
    except InfeasibleError:
        assert not np.isfinite(brute_force(fit))
        return
    assert result.level[0] in (-1, 0) and result.level[2] == -1
    assert result.total_per_yr == pytest.approx(brute_force(fit), rel=1e-6)
