"""SLA caps from a design's own class mix: tight against the scalar model, brute force, fixed point, simulation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from share.test_runcount import brute_force_runs, small_instance
from share.test_slacaps import brute_force, one_site, random_instance, scalar_quantile
from siting.errors import InfeasibleError, InputError
from siting.share.design import cap_hours, design_network
from siting.share.designsim import simulate_design
from siting.share.mixcaps import MIX_ROUNDS, caps_excess, design_with_mix_caps, no_rows
from siting.share.orders import BrandOrders, LineRules, simulate_orders
from siting.share.problem import ShareProblem
from siting.share.slacaps import brand_hours, design_caps


def test_priority_cap_of_a_mix_is_tight_in_the_scalar_model_at_that_mix() -> None:
    """At the mix's priority cap, with the lower classes filling the line in the mix's own proportions,
    kingman_priority_waits + lead_time_quantile give the priority SLA (the worst case fills with the
    worst brand only, so its cap is lower)."""
    pb = one_site(sla=(4.0, 3.0))
    level = 1
    mix = np.zeros((1, 3, 1, 1))
    mix[0, :, 0, 0] = [100.0, 300.0, 200.0]  # hours a week of prio, std, over
    caps = design_caps(pb, None, mix)
    worst = design_caps(pb)
    cap0 = float(caps.priority[0, level, 0, 0])
    assert np.isfinite(cap0) and cap0 > float(worst.priority[0, level, 0, 0]) + 1e-3
    rho = pb.max_utilisation
    lower = (rho - cap0) * np.array([300.0, 200.0]) / 500.0
    q = scalar_quantile(pb, level, np.r_[cap0, lower], 0)
    assert q == pytest.approx(4.0, abs=1e-3)


@pytest.mark.parametrize("seed", [0, 3, 5, 7])
def test_design_with_the_caps_of_a_mix_equals_brute_force(seed: int) -> None:
    pb = random_instance(seed)
    try:
        first = design_network(pb, mip_gap=1e-9)
    except InfeasibleError:
        pytest.skip("no design under the worst-case caps")
    caps = design_caps(pb, None, brand_hours(pb, first.made_units_per_week))
    result = design_network(pb, mip_gap=1e-9, sla_caps=caps)
    assert result.status == "optimal"
    assert result.total_per_yr == pytest.approx(brute_force(pb, caps), rel=1e-6)


def test_fixed_point_is_never_dearer_than_the_worst_case_and_holds_its_own_mix() -> None:
    """The first round of a mix that holds its own caps is returned without solving the worst case: it is
    never dearer than the worst-case design solved apart (a mix's caps admit every load the worst case's
    do), and cheaper on some instance."""
    saved = mixed = 0
    for seed in range(8):
        pb = random_instance(seed)
        try:
            design, rounds = design_with_mix_caps(pb, mip_gap=1e-9)
        except InfeasibleError:
            continue
        assert 1 <= len(rounds) <= MIX_ROUNDS + 3
        assert rounds[0].round == -1 and rounds[-1].consistent
        worst = design_network(pb, mip_gap=1e-9, sla_caps=design_caps(pb, None, lower_load_rows=True))
        assert design.total_per_yr <= worst.total_per_yr * (1 + 1e-9)
        assert caps_excess(pb, design) <= 1e-6
        # the model of the design's own mix admits it at least as easily as the worst case does
        assert caps_excess(pb, design) <= caps_excess(pb, design, own_mix=False) + 1e-9
        saved += design.total_per_yr < worst.total_per_yr * (1 - 1e-6)
        mixed += rounds[-1].round >= 1  # held by a round of a mix: the worst case never solved
    assert saved >= 1 and mixed >= 1


def test_mix_caps_hold_in_the_order_driven_simulation() -> None:
    """The design of the mix's caps (cheaper than the worst case's here) meets every SLA in the seeded
    simulation, its 95% interval included, in every site, process and season."""
    pb = one_site(sla=(5.0, 6.0))
    design, _ = design_with_mix_caps(pb, mip_gap=1e-9)
    worst = design_network(pb, mip_gap=1e-9)  # the worst case over mixes
    assert design.total_per_yr < worst.total_per_yr * (1 - 1e-2)  # over 1%, as the manual says
    table = simulate_design(pb, design, replications=10, seed=1)
    assert set(table["lane_class"]) == {"priority", "standard"}
    assert table["sla_met"].all()
    assert (table["pct_days"] + table["pct_days_ci"] <= table["sla_days"]).all()


def test_the_design_simulation_sees_a_broken_sla() -> None:
    """Not vacuous: the uncapped design of a 1.9-day standard SLA fails it in the same simulation."""
    pb = one_site(sla=(4.0, 1.9))
    plain = design_network(dataclasses.replace(pb, line_hours_per_week=None), mip_gap=1e-9)
    table = simulate_design(pb, plain, replications=10, seed=1).set_index("lane_class")
    assert not bool(table.loc["standard", "sla_met"])
    assert table.loc["standard", "pct_days"] - table.loc["standard", "pct_days_ci"] > 1.9


def test_a_brand_with_its_own_minutes_is_simulated_as_a_line_of_those_minutes() -> None:
    weeks = 20
    own = BrandOrders("a", 1, np.full(weeks, 300.0), np.full(weeks, 2.0), 0.3, 0.1, 5.0, 7.0, 45.0)
    plain = dataclasses.replace(own, minutes_per_unit=None, changeover_min=None)
    line = LineRules(80.0, 3.0, 10.0, 1e12, np.inf)
    a = simulate_orders([own], line, replications=3, seed=4)
    b = simulate_orders(
        [plain], dataclasses.replace(line, minutes_per_unit=7.0, changeover_min=45.0), replications=3, seed=4
    )
    c = simulate_orders([plain], line, replications=3, seed=4)
    assert np.allclose(a.utilisation, b.utilisation)
    assert not np.allclose(a.utilisation, c.utilisation)
    with pytest.raises(InputError, match="minutes_per_unit"):
        simulate_orders([dataclasses.replace(own, minutes_per_unit=float("nan"))], line, replications=3)


def test_rounds_out_of_range_are_refused() -> None:
    with pytest.raises(InputError, match="rounds"):
        design_with_mix_caps(one_site(), rounds=-1)


def test_priority_row_over_the_lower_load_is_tight_in_the_scalar_model() -> None:
    """On the row prio_self s0 + prio_lower lambda = 1, with the lower load carried by the lower brand of the
    largest E[S](ca^2 + cs^2)/2, the scalar Kingman-Cobham percentile is the priority SLA; at lambda = 0
    the cap is above the worst case's (which fills the line with lower classes)."""
    pb = one_site(sla=(4.0, 3.0))
    level = 1
    caps = design_caps(pb, lower_load_rows=True)
    worst = design_caps(pb)
    a, b = float(caps.prio_self[0, level, 0, 0]), float(caps.prio_lower[0, level, 0, 0])
    assert 1.0 / a > float(worst.priority[0, level, 0, 0]) + 1e-3
    clock = 80.0 / pb.process_hours_per_week[level, 0]
    es = (pb.run_units * pb.hours_per_unit[:, 0] + pb.changeover_hours[:, 0]) * clock
    f = pb.run_units * pb.hours_per_unit[:, 0] * clock / es
    runs = np.maximum(pb.demand_units_per_week / pb.run_units, 1.0)
    resid = es * ((f * pb.demand_cv) ** 2 + 1.0 + (runs - 1.0) * pb.demand_cv**2 * f**2) / 2.0
    low = 1 + int(np.argmax(resid[1:]))
    for lam in (0.1, 0.3, 0.5):
        s0 = (1.0 - b * lam) / a
        loads = np.zeros(3)
        loads[0], loads[low] = s0, lam
        assert scalar_quantile(pb, level, loads, 0) == pytest.approx(4.0, abs=1e-3)


def shut_out() -> ShareProblem:
    """The one-site instance whose 3-day priority SLA the worst case shuts out (late units cost 20)."""
    return dataclasses.replace(one_site(sla=(3.0, 8.0)), backlog_cost_per_unit=np.array([20.0, np.nan, np.nan]))


@pytest.mark.parametrize("seed", [-1, 0, 2, 4, 6])
def test_design_with_priority_rows_over_the_lower_load_equals_brute_force(seed: int) -> None:
    """Seed -1: the instance where the rows bind (the priority brand made, the standard one cut back)."""
    pb = shut_out() if seed < 0 else random_instance(seed)
    caps = design_caps(pb, lower_load_rows=True)
    expected = brute_force(pb, caps)
    try:
        result = design_network(pb, mip_gap=1e-9, sla_caps=caps)
    except InfeasibleError:
        assert not np.isfinite(expected)
        return
    assert result.total_per_yr == pytest.approx(expected, rel=1e-6)


def test_priority_shut_out_by_the_worst_case_is_made_and_holds_its_sla_in_the_simulation() -> None:
    """A 3-day priority SLA: the worst case (lower classes filling the line) shuts the priority brand out
    (its demand goes to backlog); judged at the lower classes' own load, the design makes all of it, sends
    part of the standard brand offshore, and the seeded simulation keeps both SLAs (interval included)."""
    pb = shut_out()
    worst = design_network(pb, mip_gap=1e-9)
    assert worst.made_units_per_week[0, 0, 0] < 1e-6
    design, rounds = design_with_mix_caps(pb, mip_gap=1e-9)
    assert design.made_units_per_week[0, 0, 0] == pytest.approx(120.0)
    assert design.made_units_per_week[0, 1, 0] < 700.0 - 1.0
    assert design.total_per_yr < worst.total_per_yr - 10_000.0
    table = simulate_design(pb, design, replications=10, seed=1).set_index("lane_class")
    assert table["sla_met"].all()
    assert table.loc["priority", "pct_days"] + table.loc["priority", "pct_days_ci"] <= 3.0
    # the figures of docs/shared-networks.md section 9
    assert round(float(table.loc["priority", "pct_days"]), 2) == 2.76
    assert round(float(table.loc["priority", "pct_days_ci"]), 2) == 0.12


def test_design_simulation_runs_basis_is_checked() -> None:
    pb = one_site(sla=(5.0, 6.0))
    design = design_network(pb, mip_gap=1e-9)
    with pytest.raises(InputError, match="runs"):
        simulate_design(pb, design, runs="weekly")
    made = simulate_design(pb, design, replications=3, seed=1, runs="made")
    assert set(made["lane_class"]) == {"priority", "standard"}


@pytest.mark.parametrize("seed", [0, 1])
def test_the_rounds_bound_is_valid_and_stops_only_within_the_gap(seed: int) -> None:
    """design_with_mix_caps bounds every round by the design without SLA rows: the bound it returns is at
    most the brute-force optimum of the worst case (every round's optimum is at most that one's), and when
    it stops after round 0 the worst case's design is within the gap of that bound."""
    pb = small_instance(seed)
    brute = brute_force_runs(pb)  # the worst case's optimum (round 0's model)
    if not np.isfinite(brute):
        return
    for gap in (1e-9, 0.05):
        design, log = design_with_mix_caps(pb, mip_gap=gap)
        assert design.lower_bound <= brute * (1 + 1e-7)
        assert design.lower_bound <= design.total_per_yr * (1 + 1e-9) and design.total_per_yr <= brute * (1 + gap)
        free = design_network(pb, sla_caps=no_rows(pb), mip_gap=1e-9).total_per_yr
        assert free <= brute * (1 + 1e-9)
        if len(log) == 1:
            assert (design.total_per_yr - free) / design.total_per_yr <= gap + 1e-9


def test_rounds_stop_after_the_worst_case_where_the_caps_do_not_bind() -> None:
    """Slack SLAs: the worst case's design is the design without SLA rows, so the rounds stop there."""
    pb = dataclasses.replace(random_instance(1), brand_lead_time_days=np.array([60.0, 60.0, np.nan]))
    design, log = design_with_mix_caps(pb, mip_gap=1e-6)
    assert len(log) == 1 and design.gap <= 1e-6


def test_the_design_without_sla_rows_is_kept_only_where_it_holds_its_own_mix() -> None:
    """Round -1: on slack SLAs the design without SLA rows is the design (same cost, its own mix's caps in
    sla_cap_hours_per_week); where that design breaks its caps (the 3-day priority SLA) it is not kept and
    the design returned holds its own mix's caps."""
    pb = dataclasses.replace(random_instance(1), brand_lead_time_days=np.array([60.0, 60.0, np.nan]))
    free = design_network(pb, sla_caps=no_rows(pb), mip_gap=1e-9)
    design, log = design_with_mix_caps(pb, mip_gap=1e-9)
    assert [r.round for r in log] == [-1] and design.total_per_yr == pytest.approx(free.total_per_yr, rel=1e-9)
    own = design_caps(pb, None, brand_hours(pb, design.made_units_per_week, design.runs_per_week), lower_load_rows=True)
    assert np.allclose(
        design.sla_cap_hours_per_week,
        cap_hours(pb, design.level, brand_hours(pb, design.made_units_per_week, design.runs_per_week), own),
    )
    tight = shut_out()
    free = design_network(tight, sla_caps=no_rows(tight), mip_gap=1e-9)
    assert caps_excess(tight, free) > 1e-3  # the design without rows breaks its own mix's caps here
    design, log = design_with_mix_caps(tight, mip_gap=1e-9)
    assert log[0].round == -1 and not log[0].consistent and caps_excess(tight, design) <= 1e-6
    assert design.total_per_yr > free.total_per_yr + 1.0


@pytest.mark.parametrize("seed", [3, 6])
def test_a_round_of_a_mix_that_breaks_its_own_caps_is_not_kept(seed: int) -> None:
    """Instances where round 1 (the caps of the design without rows' mix) breaks the caps of its own mix:
    the rounds go on to one that holds them, never dearer than the worst-case design solved apart."""
    pb = small_instance(seed)
    design, log = design_with_mix_caps(pb, mip_gap=1e-9)
    assert [(r.round, r.consistent) for r in log] == [(-1, False), (1, False), (2, True)]
    assert caps_excess(pb, design) <= 1e-6
    assert design.total_per_yr == pytest.approx(log[-1].total_per_yr, rel=1e-12)
    worst = design_network(pb, mip_gap=1e-9, sla_caps=design_caps(pb, None, lower_load_rows=True))
    assert design.total_per_yr <= worst.total_per_yr * (1 + 1e-9)
