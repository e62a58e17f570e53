"""Runs a week in the design (runs_in_design): brute force, and the SLA caps held by the runs the design makes."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from share.test_slacaps import LINE_H, one_site, random_instance
from siting.errors import InfeasibleError, InputError
from siting.share.design import _build, design_network
from siting.share.designsim import simulate_design
from siting.share.mixcaps import caps_excess, design_with_mix_caps
from siting.share.problem import ShareProblem
from siting.share.runcount import catchment_runs, catchment_units, design_run_units, run_brands
from siting.share.slacaps import design_caps


def small_instance(seed: int) -> ShareProblem:
    """Two sites, two levels, five stores (priority, standard, overflow), two seasons, long changeovers."""
    rng = np.random.default_rng(9100 + seed)
    n, m = 2, 5
    procs = ("print", "sew") if seed % 2 else ("any",)
    npr = len(procs)
    return ShareProblem(
        site_ids=("s0", "s1"),
        store_ids=tuple(f"k{j}" for j in range(m)),
        brand_names=("prio", "std", "over"),
        season_names=("low", "peak"),
        store_brand=np.array([0, 1, 2, 0, 1]),
        demand_units_per_week=rng.uniform(30, 200, m),
        season_weeks=np.array([32, 20]),
        multiplier=np.array([[1.0, 1.3], [0.7, 1.9], [1.0, 1.0]]),
        delivery_time_s=rng.uniform(600, 7200, (n, m)),
        delivery_cost_per_unit=rng.uniform(0.1, 1.5, (n, m)),
        rent_per_yr=rng.uniform(8000, 20000, (n, 1)) * np.array([[1.0, 1.6]]),
        setup_per_yr=np.tile([4000.0, 7000.0], (n, 1)),
        capacity_units_per_week=np.array([400.0, 900.0]),
        unit_cost_per_unit=np.array([9.0, 8.5, 8.0]),
        offshore_landed_per_unit=np.array([13.0, 11.0, 10.0]),
        brand_kind=("priority", "standard", "overflow"),
        brand_lead_time_days=np.array([rng.uniform(3.0, 6.0), rng.uniform(2.5, 8.0), np.nan]),
        production_lead_time_days=1.0,
        max_utilisation=0.9,
        process_names=procs,
        hours_per_unit=rng.uniform(0.5, 1.0, (3, npr)) if npr > 1 else np.ones((3, 1)),
        changeover_hours=rng.uniform(4.0, 12.0, (3, npr)),
        run_units=np.array([40.0, 60.0, 100.0]),
        process_hours_per_week=np.array([[400.0] * npr, [900.0] * npr]),
        backlog_cost_per_unit=np.array([rng.uniform(4.0, 12.0), np.nan, np.nan]) if seed % 3 else None,
        line_hours_per_week=LINE_H,
        demand_cv=rng.uniform(0.1, 0.4, 3),
        runs_in_design=True,
    )


def brute_force_runs(pb: ShareProblem) -> float:
    """Every choice of levels and of the brands made per open site and season priced by scipy's LP: a brand
    with an SLA made at site i in season t pays the changeovers of its catchment's runs there and makes at
    most run_units x runs units; the worst-case SLA rows of ``design_caps`` on those hours."""
    n, m, lv, nt = pb.n_sites, len(pb.store_ids), len(pb.capacity_units_per_week), len(pb.season_names)
    nq = len(pb.process_names)
    caps = design_caps(pb)
    runs = catchment_runs(pb)  # (B, n, T)
    paid = set(run_brands(pb).tolist())
    demand = pb.season_demand()
    weeks = pb.season_weeks.astype(float)
    ok = pb.eligible()
    brand = pb.store_brand
    unit_h = np.array(
        [pb.hours_per_unit[b] if b in paid else pb.hours_per_unit_all_in[b] for b in range(len(pb.brand_names))]
    )
    best = np.inf
    for choice in itertools.product(range(-1, lv), repeat=n):
        level = np.array(choice)
        fixed = sum(pb.rent_per_yr[i, c] + pb.setup_per_yr[i, c] for i, c in enumerate(level) if c >= 0)
        cols = [("x", i, j, t) for i in range(n) for j in range(m) for t in range(nt) if level[i] >= 0 and ok[i, j]]
        cols += [("o", j, t) for j in range(m) for t in range(nt) if pb.brand_kind[brand[j]] != "priority"]
        cols += [("w", j, t) for j in range(m) for t in range(nt) if np.isfinite(pb.backlog_cost_per_unit[brand[j]])]
        cost = []
        a_eq = np.zeros((m * nt, len(cols)))
        for a, c in enumerate(cols):
            j, t = c[2 if c[0] == "x" else 1], c[-1]
            if c[0] == "x":
                unit = pb.unit_cost_per_unit[brand[j]] + pb.holding_per_unit + pb.delivery_cost_per_unit[c[1], j]
            else:
                unit = (pb.offshore_landed_per_unit if c[0] == "o" else pb.backlog_cost_per_unit)[brand[j]]
            cost.append(unit * demand[j, t] * weeks[t])
            a_eq[j * nt + t, a] = 1.0

        def row(i, t, per_col, cols=cols):
            out = np.zeros(len(cols))
            for a, c in enumerate(cols):
                if c[0] == "x" and c[1] == i and c[3] == t:
                    out[a] = per_col(brand[c[2]]) * demand[c[2], t]
            return out

        # a brand whose runs cost no hours: its binary only forbids units, so it is 1 wherever the site is open
        keys = [
            (b, i, t)
            for b in sorted(paid)
            for i in range(n)
            for t in range(nt)
            if level[i] >= 0 and runs[b, i, t] and pb.changeover_hours[b].any()
        ]
        for on in itertools.product((0, 1), repeat=len(keys)):
            here = {k for k, v in zip(keys, on, strict=True) if v}
            a_ub, b_ub = [], []
            for b, i, t in keys:  # units of b at i in t <= run size x runs, none without the binary
                a_ub.append(row(i, t, lambda bb, b=b: float(bb == b)))
                b_ub.append(design_run_units(pb)[b] * runs[b, i, t] if (b, i, t) in here else 0.0)
            for i, q, t in itertools.product(range(n), range(nq), range(nt)):
                lvl = level[i]
                if lvl < 0:
                    continue
                h = pb.process_hours_per_week[lvl, q]
                co = np.array([pb.changeover_hours[b, q] * runs[b, i, t] * ((b, i, t) in here) for b in range(3)])

                def add(weight, rhs, i=i, q=q, t=t, co=co, a_ub=a_ub, b_ub=b_ub):
                    a_ub.append(row(i, t, lambda bb: weight[bb] * unit_h[bb, q]))
                    b_ub.append(rhs - float(weight @ co))

                add(np.ones(3), pb.max_utilisation * h)
                cap0 = caps.priority[i, lvl, q, t]
                if not np.isinf(cap0):
                    add(np.array([1.0, 0.0, 0.0]), 0.0 if np.isnan(cap0) else cap0 * h)
                if caps.standard_shut[i, lvl, q, t]:
                    add(np.array([0.0, 1.0, 0.0]), 0.0)
                for alpha, beta in zip(caps.alpha[i, lvl, q, t], caps.beta[i, lvl, q, t], strict=True):
                    if np.isfinite(beta):
                        add(np.array([1.0 + alpha, 1.0, 0.0]), beta * h)
            res = linprog(
                cost,
                A_ub=np.array(a_ub) if a_ub else None,
                b_ub=b_ub or None,
                A_eq=a_eq,
                b_eq=np.ones(m * nt),
                bounds=(0, 1),
            )
            if res.status == 0:
                best = min(best, fixed + res.fun)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_design_with_runs_in_design_equals_brute_force(seed: int) -> None:
    pb = small_instance(seed)
    try:
        design = design_network(pb, mip_gap=1e-9)
    except InfeasibleError:
        assert not np.isfinite(brute_force_runs(pb))
        return
    assert design.status == "optimal"
    assert design.total_per_yr == pytest.approx(brute_force_runs(pb), rel=1e-6)
    # the recorded runs are the catchment's wherever a brand with an SLA is made, and pay for its hours
    runs = catchment_runs(pb)
    made = np.stack([design.made_units_per_week[:, pb.store_brand == b].sum(axis=1) for b in range(3)], axis=1)
    for b in run_brands(pb):
        made_b, runs_b = made[:, b], design.runs_per_week[:, b]
        assert np.allclose(runs_b[made_b > 1e-6], runs[b][made_b > 1e-6])
        assert (made_b <= pb.run_units[b] * runs_b + 1e-6).all()


#: Run sizes the brute force tries for a brand whose runs cost no hours (within run_min_units 50 and run_units 200).
SIZES = (50.0, 100.0, 200.0)


def free_instance(seed: int) -> ShareProblem:
    """:func:`small_instance` with runs that cost no hours (no changeovers), runs of 200 units and the smallest
    run 50: the design chooses the run size of its brands with an SLA."""
    pb = small_instance(seed)
    return dataclasses.replace(
        pb, changeover_hours=np.zeros_like(pb.changeover_hours), run_units=np.full(3, 200.0), run_min_units=50.0
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_run_size_the_design_chooses_equals_brute_force_over_sizes(seed: int) -> None:
    """Runs that cost no hours: the MILP (runs of ``design_run_units``) equals the best of brute force over
    every run size (50, 100, 200) of each brand with an SLA, each priced with the caps of that size."""
    pb = free_instance(seed)
    assert list(design_run_units(pb)) == [50.0, 50.0, 200.0]  # overflow has no SLA: no run in the design
    priced = {}
    for sizes in itertools.product(SIZES, repeat=2):
        fixed = dataclasses.replace(pb, run_units=np.array([*sizes, 200.0]), run_min_units=None)
        priced[sizes] = brute_force_runs(fixed)
    best = min(priced.values())
    try:
        design = design_network(pb, mip_gap=1e-9)
    except InfeasibleError:
        assert not np.isfinite(best)
        return
    assert design.status == "optimal"
    assert design.total_per_yr == pytest.approx(best, rel=1e-6)
    assert priced[(50.0, 50.0)] == pytest.approx(best, rel=1e-9)  # the smallest run is never worse
    assert "runs_here" not in _build(pb, (0, 1, 2), 0.0, 0.0).milp.blocks  # free runs: no binary
    # the runs recorded are the catchment's at runs of 50 wherever the brand is made
    catch = catchment_units(pb)
    for b in (0, 1):
        made = design.made_units_per_week[:, pb.store_brand == b].sum(axis=1)
        on = made > 1e-6
        assert np.allclose(design.runs_per_week[:, b][on], np.maximum(catch[b][on] / 50.0, 1.0))


def test_a_smaller_run_lowers_some_optimum() -> None:
    """The run size matters: on some instance runs of 200 cost more than runs of 50 (the caps bind)."""
    dearer = 0
    for seed in range(6):
        pb = free_instance(seed)
        large = dataclasses.replace(pb, run_min_units=None)  # runs of 200 only
        try:
            small = design_network(pb, mip_gap=1e-9).total_per_yr
        except InfeasibleError:
            continue
        try:
            big = design_network(large, mip_gap=1e-9).total_per_yr
        except InfeasibleError:
            big = np.inf
        assert small <= big * (1 + 1e-9)
        dearer += small < big * (1 - 1e-6)
    assert dearer >= 1


def test_runs_in_design_changes_some_optimum_and_never_lowers_it() -> None:
    """Charging the catchment's changeovers where a brand is made costs at least the per-unit charge."""
    dearer = 0
    for seed in range(8):
        pb = small_instance(seed)
        try:
            runs = design_network(pb, mip_gap=1e-9).total_per_yr
        except InfeasibleError:
            continue
        per_unit = design_network(dataclasses.replace(pb, runs_in_design=False), mip_gap=1e-9).total_per_yr
        assert runs >= per_unit * (1 - 1e-9)
        dearer += runs > per_unit * (1 + 1e-6)
    assert dearer >= 2


def _worst_margin(pb: ShareProblem, seed: int = 1) -> tuple[float, int]:
    """The design of :func:`design_with_mix_caps`, simulated with the runs it makes: the largest
    (simulated percentile + its 95% half-width - SLA) over every site, process, season and lane class."""
    design, _ = design_with_mix_caps(pb, mip_gap=1e-9)
    assert caps_excess(pb, design) <= 1e-6
    table = simulate_design(pb, design, replications=10, seed=seed, runs="made")
    if table.empty:
        return -np.inf, 0
    assert (table["sla_met"] == (table["pct_days"] + table["pct_days_ci"] <= table["sla_days"])).all()
    return float((table["pct_days"] + table["pct_days_ci"] - table["sla_days"]).max()), len(table)


@pytest.mark.parametrize("seed", [0, 3])
def test_caps_hold_for_the_runs_the_design_makes(seed: int) -> None:
    """Seeded random instances on which the per-unit run count breaks an SLA in the simulation of the runs
    the design makes (the p95's interval above the SLA); with the runs in the design every SLA holds."""
    base = dataclasses.replace(random_instance(seed), runs_in_design=False)
    broken, _ = _worst_margin(base)
    assert broken > 0
    held, rows = _worst_margin(dataclasses.replace(base, runs_in_design=True))
    assert rows >= 4 and held <= 0


def test_caps_hold_for_the_runs_the_design_makes_on_more_instances() -> None:
    judged = 0
    for seed in (1, 5, 6, 7, 9):
        margin, rows = _worst_margin(dataclasses.replace(random_instance(seed), runs_in_design=True))
        assert margin <= 0
        judged += rows
    assert judged >= 20


def test_one_site_with_runs_in_design_meets_both_slas_with_its_runs() -> None:
    pb = dataclasses.replace(one_site(sla=(4.0, 3.0)), runs_in_design=True)
    margin, rows = _worst_margin(pb)
    assert rows == 2 and margin <= 0


def test_runs_in_design_must_be_a_bool() -> None:
    with pytest.raises(InputError, match="runs_in_design"):
        dataclasses.replace(one_site(), runs_in_design="yes")


def test_without_a_line_the_runs_stay_per_unit() -> None:
    pb = dataclasses.replace(one_site(), runs_in_design=True, line_hours_per_week=None)
    assert len(run_brands(pb)) == 0
    design = design_network(pb, mip_gap=1e-9)
    made = design.made_units_per_week[0, :, 0]  # one store per brand
    assert made.sum() > 0
    assert np.allclose(design.runs_per_week[0, :, 0], made / pb.run_units)


@pytest.fixture(scope="module")
def demo_eight_sites() -> ShareProblem:
    """The demo's stores, brands, seasons and costs on its 8 cheapest candidate sites (as in test_prebuild_demo)."""
    from siting.share.demo import demo_share_cities, demo_share_spec
    from siting.share.layers import problem_from_cities

    pb = problem_from_cities(demo_share_cities(), demo_share_spec()).problem
    keep = np.argsort(pb.rent_per_yr[:, 0], kind="stable")[:8]
    return dataclasses.replace(
        pb,
        site_ids=tuple(pb.site_ids[i] for i in keep),
        delivery_time_s=pb.delivery_time_s[keep],
        delivery_cost_per_unit=pb.delivery_cost_per_unit[keep],
        rent_per_yr=pb.rent_per_yr[keep],
        setup_per_yr=pb.setup_per_yr[keep],
        dedicated=pb.dedicated[keep],
        level_allowed=pb.level_allowed[keep],
    )


def _demo_with_caps(pb: ShareProblem, runs_in_design: bool, smallest: bool = True) -> ShareProblem:
    """The demo's problem with the SLA caps as ``run_share`` sets them (line hours, smallest run, demand
    noise 0.25, p95); ``smallest`` false: no smallest run, so the runs are of ``run_units`` (500)."""
    from siting.share.demo import demo_share_spec

    cap = demo_share_spec().site_capacity
    return dataclasses.replace(
        pb,
        line_hours_per_week=cap.hours_per_week,
        run_min_units=float(cap.run_min_units) if smallest else None,
        demand_cv=np.full(3, 0.25),
        sla_percentile=np.full(3, 95.0),
        runs_in_design=runs_in_design,
    )


def test_on_the_demo_the_caps_hold_for_the_runs_the_design_makes(demo_eight_sites: ShareProblem) -> None:
    """The demo's stores on its 8 cheapest sites (docs/shared-networks.md, section 9): with changeovers per unit
    the priority brand's simulated p95 passes its 5-day SLA at every open site and season with the runs the
    design makes; with the runs in the design every SLA holds: at about 17% more cost a year with runs of
    500 units, at the cost of changeovers per unit with the run size the design chooses (50: the demo's
    runs cost no machine-hours)."""
    from siting.share.demo import demo_share_spec

    st = demo_share_spec().settings
    kw = dict(
        rounds=st.sla_mix_rounds,
        time_limit_s=120.0,
        mip_gap=st.mip_gap,
        group_time_tolerance_s=st.group_time_tolerance_s,
        group_cost_tolerance_per_unit=st.group_cost_tolerance_per_unit,
    )
    costs, tables = {}, {}
    for mode in ("per unit", "runs of 500", "run chosen"):
        pb = _demo_with_caps(demo_eight_sites, mode != "per unit", smallest=mode != "runs of 500")
        assert list(design_run_units(pb)) == ([500.0] * 3 if mode != "run chosen" else [50.0, 50.0, 500.0])
        design, _ = design_with_mix_caps(pb, **kw)
        assert design.gap <= st.mip_gap
        costs[mode] = design.total_per_yr
        tables[mode] = simulate_design(pb, design, replications=10, seed=1, runs="made")
    per_unit = tables["per unit"]
    prio = per_unit[per_unit["lane_class"] == "priority"]
    assert len(prio) >= 4 and (prio["pct_days"] - prio["pct_days_ci"] > prio["sla_days"]).all()
    for mode, most in (("runs of 500", 4.1), ("run chosen", 1.7)):
        runs = tables[mode]
        assert set(runs["lane_class"]) == {"priority", "standard"} and len(runs) >= 8
        assert np.isfinite(runs["pct_days"]).all() and runs["sla_met"].all()
        assert runs[runs["lane_class"] == "priority"]["pct_days"].max() <= most  # the docs: at most 4.0 / 1.7 days
    assert costs["per unit"] == pytest.approx(2.35e6, rel=0.01) and costs["runs of 500"] == pytest.approx(
        2.74e6, rel=0.01
    )
    # the run size chosen: the +17% is gone (within the demo's 0.5% gap of the per-unit design)
    assert costs["run chosen"] == pytest.approx(costs["per unit"], rel=st.mip_gap)


def test_a_brand_with_a_sequence_changeover_keeps_run_units() -> None:
    """Free runs need no changeover on any process, none into or out of the brand in the changeover matrix:
    a brand with one (even where its own changeover_hours, the matrix's lower bound, is 0) keeps run_units."""
    from siting.share.runcount import free_runs

    pb = free_instance(0)
    assert list(free_runs(pb)) == [True, True, True]
    matrix = np.zeros((len(pb.process_names), 3, 3))
    matrix[0, 1, 2] = 0.5  # from std to over: std's runs move over's changeovers
    seq = dataclasses.replace(pb, changeover_matrix_hours=matrix)
    assert list(free_runs(seq)) == [True, False, False]
    assert list(design_run_units(seq)) == [50.0, 200.0, 200.0]
    assert list(design_run_units(dataclasses.replace(pb, runs_in_design=False))) == [200.0] * 3
