"""SLA caps in the design MILP: the rows against the scalar Kingman-Cobham model, brute force, and the simulation."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from siting.errors import InfeasibleError
from siting.share.caps import kingman_priority_waits, lead_time_quantile
from siting.share.design import design_network
from siting.share.judge import judge_table
from siting.share.orders import BrandOrders, LineRules, simulate_orders
from siting.share.problem import ShareProblem
from siting.share.slacaps import design_caps

LINE_H = 80.0  # clock hours a week


def one_site(std_units: float = 700.0, sla: tuple[float, float] = (4.0, 3.0), cv: float = 0.3) -> ShareProblem:
    """One site, two levels, one store per brand (priority, standard, overflow), one season, uniform routing."""
    return ShareProblem(
        site_ids=("s0",),
        store_ids=("a", "b", "c"),
        brand_names=("prio", "std", "over"),
        season_names=("year",),
        store_brand=np.array([0, 1, 2]),
        demand_units_per_week=np.array([120.0, std_units, 150.0]),
        season_weeks=np.array([52]),
        multiplier=np.ones((3, 1)),
        delivery_time_s=np.array([[1800.0, 3600.0, 3600.0]]),
        delivery_cost_per_unit=np.full((1, 3), 0.2),
        rent_per_yr=np.array([[20000.0, 30000.0]]),
        setup_per_yr=np.array([[5000.0, 8000.0]]),
        capacity_units_per_week=np.array([500.0, 1000.0]),
        unit_cost_per_unit=np.array([9.0, 8.5, 8.0]),
        offshore_landed_per_unit=np.array([13.0, 12.0, 11.5]),
        brand_kind=("priority", "standard", "overflow"),
        brand_lead_time_days=np.array([sla[0], sla[1], np.nan]),
        production_lead_time_days=0.5,
        max_utilisation=0.9,
        changeover_hours=np.full((3, 1), 6.0),
        run_units=np.array([40.0, 60.0, 100.0]),
        line_hours_per_week=LINE_H,
        demand_cv=np.full(3, cv),
        sla_percentile=np.full(3, 95.0),
    )


def scalar_quantile(pb: ShareProblem, level: int, loads: np.ndarray, k: int) -> float:
    """Brand k's lead-time percentile by caps.kingman_priority_waits + caps.lead_time_quantile (one brand a
    class; runs of run_units; the line busy at max_utilisation, as the caps assume), in days."""
    clock = LINE_H / pb.process_hours_per_week[level, 0]
    prod = pb.run_units * pb.hours_per_unit[:, 0] * clock
    es = prod + pb.changeover_hours[:, 0] * clock
    f = prod / es
    runs = np.maximum(pb.demand_units_per_week / pb.run_units, 1.0)
    cs2 = (f * pb.demand_cv) ** 2
    ca2 = 1.0 + (runs - 1.0) * pb.demand_cv**2 * f**2
    waits = kingman_priority_waits(loads / es, es, cs2, ca2)
    day = 7.0 / LINE_H
    return lead_time_quantile(
        float(pb.sla_percentile[k]),
        mean_wait=float(waits[k]) * day,
        p_wait=pb.max_utilisation,
        cycle=7.0 / runs[k],
        fixed=es[k] * day + pb.delivery_time_s[0, k] / 86400.0,
    )


@pytest.mark.parametrize("sla", [(4.0, 3.0), (5.0, 6.0), (3.5, 8.0)])
def test_rows_admit_only_loads_where_the_scalar_model_holds_the_sla(sla) -> None:
    pb = one_site(sla=sla)
    caps = design_caps(pb)
    rng = np.random.default_rng(7)
    inside = 0
    for level in (0, 1):
        rho = pb.max_utilisation
        cap0 = caps.priority[0, level, 0, 0]
        # class 0: tight at its cap when the lower classes fill the line (the worst case the cap assumes)
        if np.isfinite(cap0):
            worst = max(
                scalar_quantile(pb, level, np.array([cap0, rho - cap0, 0.0]), 0),
                scalar_quantile(pb, level, np.array([cap0, 0.0, rho - cap0]), 0),
            )
            assert worst == pytest.approx(sla[0], abs=1e-3)
        for _ in range(400):
            s0 = rng.uniform(0, 0.0 if np.isnan(cap0) else min(cap0, rho))
            s1 = rng.uniform(s0, rho)
            room = caps.standard_cap(np.full((1, 2, 1, 1), s0))[0, level, 0, 0]
            if s1 > room:
                continue
            inside += 1
            loads = np.array([s0, s1 - s0, rho - s1])
            if s0 > 1e-9:  # a class shut out (nan cap) has no load to judge
                assert scalar_quantile(pb, level, loads, 0) <= sla[0] + 1e-6
            if s1 - s0 > 1e-9:
                assert scalar_quantile(pb, level, loads, 1) <= sla[1] + 1e-6
    assert inside > 20


def random_instance(seed: int) -> ShareProblem:
    """Three sites, two levels, six stores of three lane classes, two seasons, one or two processes."""
    rng = np.random.default_rng(4400 + seed)
    n, m = 3, 6
    procs = ("print", "sew") if seed % 2 else ("any",)
    npr = len(procs)
    return ShareProblem(
        site_ids=tuple(f"s{i}" for i in range(n)),
        store_ids=tuple(f"k{j}" for j in range(m)),
        brand_names=("prio", "std", "over"),
        season_names=("low", "peak"),
        store_brand=np.array([0, 1, 2] * 2),
        demand_units_per_week=rng.uniform(40, 260, m),
        season_weeks=np.array([32, 20]),
        multiplier=np.array([[1.0, 1.2], [0.7, 1.9], [1.0, 1.0]]),
        delivery_time_s=rng.uniform(600, 7200, (n, m)),
        delivery_cost_per_unit=rng.uniform(0.1, 1.5, (n, m)),
        rent_per_yr=rng.uniform(15000, 30000, (n, 1)) * np.array([[1.0, 1.6]]),
        setup_per_yr=np.tile([6000.0, 9000.0], (n, 1)),
        capacity_units_per_week=np.array([400.0, 900.0]),
        unit_cost_per_unit=np.array([9.0, 8.5, 8.0]),
        offshore_landed_per_unit=np.array([13.0, 11.0, 10.0]),
        brand_kind=("priority", "standard", "overflow"),
        brand_lead_time_days=np.array([rng.uniform(3.0, 6.0), rng.uniform(2.5, 8.0), np.nan]),
        production_lead_time_days=1.0,
        max_utilisation=0.9,
        process_names=procs,
        hours_per_unit=rng.uniform(0.5, 1.0, (3, npr)) if npr > 1 else np.ones((3, 1)),
        changeover_hours=rng.uniform(1.0, 6.0, (3, npr)),
        run_units=np.array([40.0, 60.0, 100.0]),
        process_hours_per_week=np.array([[400.0] * npr, [900.0] * npr]),
        backlog_cost_per_unit=np.array([rng.uniform(4.0, 12.0), np.nan, np.nan]) if seed % 3 else None,
        line_hours_per_week=LINE_H,
        run_min_units=20.0 if seed % 4 == 0 else None,
        demand_cv=rng.uniform(0.1, 0.4, 3),
        sla_percentile=np.full(3, 95.0),
    )


def brute_force(pb: ShareProblem, caps=None) -> float:
    """Every (site -> closed or level) choice priced by its own store-level LP with the SLA rows written out
    (``caps``: these rows, default the worst case over mixes)."""
    n, m, lv, nt = pb.n_sites, len(pb.store_ids), len(pb.capacity_units_per_week), len(pb.season_names)
    nq = len(pb.process_names)
    caps = design_caps(pb) if caps is None else caps
    demand = pb.season_demand()
    weeks = pb.season_weeks.astype(float)
    ok = pb.eligible()
    hours = pb.hours_per_unit + pb.changeover_hours / pb.run_units[:, None]
    brand = pb.store_brand
    best = np.inf
    for choice in itertools.product(range(-1, lv), repeat=n):
        level = np.array(choice)
        fixed = sum(pb.rent_per_yr[i, c] + pb.setup_per_yr[i, c] for i, c in enumerate(level) if c >= 0)
        cols = [("x", i, j, t) for i in range(n) for j in range(m) for t in range(nt) if level[i] >= 0 and ok[i, j]]
        cols += [("o", j, t) for j in range(m) for t in range(nt) if pb.brand_kind[brand[j]] != "priority"]
        cols += [("w", j, t) for j in range(m) for t in range(nt) if np.isfinite(pb.backlog_cost_per_unit[brand[j]])]
        cost = []
        for c in cols:
            j, t = c[2 if c[0] == "x" else 1], c[-1]
            if c[0] == "x":
                unit = pb.unit_cost_per_unit[brand[j]] + pb.holding_per_unit + pb.delivery_cost_per_unit[c[1], j]
            else:
                unit = (pb.offshore_landed_per_unit if c[0] == "o" else pb.backlog_cost_per_unit)[brand[j]]
            cost.append(unit * demand[j, t] * weeks[t])
        a_eq = np.zeros((m * nt, len(cols)))
        for a, c in enumerate(cols):
            j, t = c[2 if c[0] == "x" else 1], c[-1]
            a_eq[j * nt + t, a] = 1.0
        a_ub, b_ub = [], []

        def hours_row(i, q, t, weight, cols=cols):
            row = np.zeros(len(cols))
            for a, c in enumerate(cols):
                if c[0] == "x" and c[1] == i and c[3] == t:
                    row[a] = weight[brand[c[2]]] * hours[brand[c[2]], q] * demand[c[2], t]
            return row

        for i, q, t in itertools.product(range(n), range(nq), range(nt)):
            lvl = level[i]
            if lvl < 0:
                continue
            h = pb.process_hours_per_week[lvl, q]
            a_ub.append(hours_row(i, q, t, np.ones(3)))
            b_ub.append(pb.max_utilisation * h)
            cap0 = caps.priority[i, lvl, q, t]
            if not np.isinf(cap0):
                a_ub.append(hours_row(i, q, t, np.array([1.0, 0.0, 0.0])))
                b_ub.append(0.0 if np.isnan(cap0) else cap0 * h)
            if caps.standard_shut[i, lvl, q, t]:
                a_ub.append(hours_row(i, q, t, np.array([0.0, 1.0, 0.0])))
                b_ub.append(0.0)
            for alpha, beta in zip(caps.alpha[i, lvl, q, t], caps.beta[i, lvl, q, t], strict=True):
                if np.isfinite(beta):
                    a_ub.append(hours_row(i, q, t, np.array([1.0 + alpha, 1.0, 0.0])))
                    b_ub.append(beta * h)
        opened = [int(i) for i in np.flatnonzero(level >= 0)]
        # priority rows over the lower classes' load: each open site with or without priority units (z)
        for z in itertools.product((0, 1), repeat=len(opened) if caps.prio_self is not None else 0):
            z_ub, z_b = list(a_ub), list(b_ub)
            for i, here in zip(opened if caps.prio_self is not None else [], z, strict=True):
                lvl = level[i]
                for q, t in itertools.product(range(nq), range(nt)):
                    h = pb.process_hours_per_week[lvl, q]
                    a, b = caps.prio_self[i, lvl, q, t], caps.prio_lower[i, lvl, q, t]
                    if not here or np.isnan(a):
                        z_ub.append(hours_row(i, q, t, np.array([1.0, 0.0, 0.0])))
                        z_b.append(0.0)
                    elif a > 0 or b > 0:
                        z_ub.append(hours_row(i, q, t, np.array([a, b, b])))
                        z_b.append(h)
            res = linprog(
                cost,
                A_ub=np.array(z_ub) if z_ub else None,
                b_ub=z_b or None,
                A_eq=a_eq,
                b_eq=np.ones(m * nt),
                bounds=(0, 1),
            )
            if res.status == 0:
                best = min(best, fixed + res.fun)
    return best


@pytest.mark.parametrize("seed", range(16))
def test_design_with_sla_rows_equals_brute_force(seed: int) -> None:
    pb = random_instance(seed)
    expected = brute_force(pb)
    try:
        result = design_network(pb, mip_gap=1e-9, group_time_tolerance_s=0.0)
    except InfeasibleError as exc:
        assert not np.isfinite(expected)
        assert "SLA caps" in str(exc)
        return
    assert result.status == "optimal"
    assert result.total_per_yr == pytest.approx(expected, rel=1e-6)
    # the hours of the classes up to k never pass the caps reported for the design
    rank = np.array([0, 1, 2])
    for i in result.open_sites:
        made = result.made_units_per_week[i]  # (m, T)
        for q in range(len(pb.process_names)):
            per_brand = np.array([made[pb.store_brand == b].sum(axis=0) for b in range(3)])  # (B, T)
            h = per_brand * pb.hours_per_unit_all_in[:, q][:, None]
            assert (h[rank == 0].sum(axis=0) <= result.sla_cap_hours_per_week[i, q, :, 0] + 1e-6).all()
            assert (h[rank <= 1].sum(axis=0) <= result.sla_cap_hours_per_week[i, q, :, 1] + 1e-6).all()


def test_some_random_instance_binds_its_sla_rows() -> None:
    """The brute-force comparison is not vacuous: on some instances the rows change the optimum."""
    changed = 0
    for seed in range(16):
        pb = random_instance(seed)
        try:
            with_caps = design_network(pb, mip_gap=1e-9, group_time_tolerance_s=0.0).total_per_yr
        except InfeasibleError:
            changed += 1
            continue
        plain = design_network(dataclasses.replace(pb, line_hours_per_week=None), mip_gap=1e-9).total_per_yr
        assert with_caps >= plain - 1e-6 * plain
        changed += with_caps > plain * (1 + 1e-6)
    assert changed >= 3


def simulate(pb: ShareProblem, design, seed: int = 3, reps: int = 10):
    """The order-driven simulation of the design's one site, the brands released as often as the caps assumed."""
    lvl = design.level[0]
    clock = LINE_H / pb.process_hours_per_week[lvl, 0]
    made = design.made_units_per_week[0, :, 0]
    orders = [
        BrandOrders(
            pb.brand_names[b],
            b,
            np.full(104, made[b]),
            np.full(104, max(pb.demand_units_per_week[b] / pb.run_units[b], 1.0)),
            float(pb.demand_cv[b]),
            pb.delivery_time_s[0, b] / 86400.0,
            float(pb.brand_lead_time_days[b]),
        )
        for b in range(3)
        if made[b] > 1e-9
    ]
    line = LineRules(LINE_H, clock * 60.0, pb.changeover_hours[0, 0] * clock * 60.0, 1e9, np.inf)
    sim = simulate_orders(orders, line, replications=reps, percentile=95.0, seed=seed)
    table = judge_table(sim, [("brand", o.name, "s0", [j], o.sla_days) for j, o in enumerate(orders)])
    return table.set_index("key"), float(sim.utilisation.mean())


def test_caps_derived_from_slas_hold_in_the_order_driven_simulation() -> None:
    pb = one_site(sla=(4.0, 3.0))
    design = design_network(pb, mip_gap=1e-9)
    made = design.made_units_per_week[0, :, 0]
    assert 0 < made[1] < 700 - 1  # part of the standard brand goes offshore ...
    hours = made * pb.hours_per_unit_all_in[:, 0]
    assert hours[:2].sum() == pytest.approx(design.sla_cap_hours_per_week[0, 0, 0, 1], rel=1e-6)  # ... at its SLA row
    table, util = simulate(pb, design)
    for key, sla in (("prio", 4.0), ("std", 3.0)):
        row = table.loc[key]
        assert row["p95_days"] + row["p95_days_ci"] <= sla  # the 95% interval of the p95 lies within the SLA
    assert util > 0.5


def test_without_caps_the_design_breaks_a_tight_sla_and_with_them_it_holds() -> None:
    pb = one_site(sla=(4.0, 1.9))
    plain = design_network(dataclasses.replace(pb, line_hours_per_week=None), mip_gap=1e-9)
    table, _ = simulate(pb, plain)
    assert table.loc["std", "p95_days"] - table.loc["std", "p95_days_ci"] > 1.9
    capped = design_network(pb, mip_gap=1e-9)
    assert capped.made_units_per_week[0, 1, 0] < 1e-6  # the 1.9-day standard SLA cannot hold at this site
    table, _ = simulate(pb, capped)
    for key in table.index.intersection(["prio", "std"]):
        sla = float(table.loc[key, "sla_days"])
        assert table.loc[key, "p95_days"] + table.loc[key, "p95_days_ci"] <= sla


def test_within_days_answers_as_the_quantile_does() -> None:
    """within_days (one CDF evaluation) says yes exactly where quantile_days' bisection is within the SLA,
    including SLAs a hair above and below the quantile, no wait, a certain wait and a fixed part at or past the SLA,
    and lead_time_quantile's scalar model (design_caps' bisections ask within_days; the tests above check
    their rows against that model)."""
    from siting.share.slacaps import quantile_days, within_days

    rng = np.random.default_rng(7)
    n = 4000
    pct = rng.uniform(50.0, 99.9, n)
    wait = np.where(rng.random(n) < 0.1, 0.0, rng.exponential(2.0, n))
    p = np.where(rng.random(n) < 0.1, rng.choice([0.0, 1.0], n), rng.uniform(0.0, 1.0, n))
    cycle = rng.uniform(0.01, 7.0, n)  # a week over 1 to 700 runs
    fixed = rng.uniform(0.0, 3.0, n)
    q = quantile_days(pct, mean_wait=wait, p_wait=p, cycle=cycle, fixed=fixed)
    for sla in (q * (1 + 1e-6), q * (1 - 1e-6), q + rng.normal(0.0, 1.0, n), fixed - 0.5, fixed):
        yes = within_days(pct, sla, mean_wait=wait, p_wait=p, cycle=cycle, fixed=fixed)
        np.testing.assert_array_equal(yes, q <= sla)
    # the scalar model, one element at a time
    for i in range(0, n, 97):
        scalar = lead_time_quantile(float(pct[i]), mean_wait=wait[i], p_wait=p[i], cycle=cycle[i], fixed=fixed[i])
        for sla in (scalar * (1 + 1e-6), scalar * (1 - 1e-6)):
            assert within_days(pct[i], sla, mean_wait=wait[i], p_wait=p[i], cycle=cycle[i], fixed=fixed[i]) == (
                scalar <= sla
            )


@pytest.mark.parametrize("lower_load_rows", [False, True])
def test_the_caps_are_those_of_the_bisection_on_the_quantile(monkeypatch, lower_load_rows) -> None:
    """design_caps asking within_days gives, bit for bit, the caps it gave bisecting for each percentile
    (quantile_days within the SLA, the question as it was asked before within_days) on random instances."""
    import siting.share.slacaps as sc

    def by_quantile(percentile, sla_days, *, mean_wait, p_wait, cycle, fixed):
        return sc.quantile_days(percentile, mean_wait=mean_wait, p_wait=p_wait, cycle=cycle, fixed=fixed) <= sla_days

    for seed in range(6):
        pb = random_instance(seed)
        fast = design_caps(pb, lower_load_rows=lower_load_rows)
        with monkeypatch.context() as m:
            m.setattr(sc, "within_days", by_quantile)
            slow = design_caps(pb, lower_load_rows=lower_load_rows)
        for field in ("priority", "alpha", "beta", "standard_shut", "prio_self", "prio_lower"):
            a, b = getattr(fast, field), getattr(slow, field)
            assert (a is None) == (b is None), field
            if a is not None:
                np.testing.assert_array_equal(a, b, err_msg=f"seed {seed}: {field}")
