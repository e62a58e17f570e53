"""Sequence-dependent changeovers: the exact cycle against brute force, its lower bound, and a design it changes."""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd
import pytest

from siting.errors import InfeasibleError, InputError
from siting.share.design import design_network
from siting.share.problem import ShareProblem
from siting.share.sequence import (
    changeover_matrix,
    cheapest_cycle,
    cycle_changeover_hours,
    incoming_lower_bound,
    read_changeovers,
    refuse_overloads,
    sequence_table,
    warn_overloads,
)


def brute_cycle(c: np.ndarray) -> float:
    """Cheapest cycle over every permutation (no family fixed first): an independent enumeration."""
    k = len(c)
    if k == 1:
        return float(c[0, 0])
    return min(sum(c[p[i], p[(i + 1) % k]] for i in range(k)) for p in itertools.permutations(range(k)))


def test_three_families_by_hand():
    """A->B 10, B->C 20, C->A 30 min (cycle 60 min = 1.0 h); A->C 40, C->B 50, B->A 60 (cycle 150 min = 2.5 h)."""
    minutes = np.array([[0, 10, 40], [60, 0, 20], [30, 50, 0]], dtype=float)
    cost, order = cheapest_cycle(minutes / 60.0)
    assert cost == pytest.approx(1.0)
    assert order == (0, 1, 2)
    cost_rev, order_rev = cheapest_cycle(minutes.T / 60.0)  # every changeover reversed: A>C>B is the cheap cycle
    assert cost_rev == pytest.approx(1.0)
    assert order_rev == (0, 2, 1)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_cycle_equals_brute_force(k):
    rng = np.random.default_rng(k)
    for _ in range(20):
        c = rng.uniform(0, 5, (k, k))
        cost, order = cheapest_cycle(c)
        assert sorted(order) == list(range(k))
        assert cost == pytest.approx(brute_cycle(c), abs=1e-12)
        assert cost == pytest.approx(sum(c[order[i], order[(i + 1) % k]] for i in range(k)), abs=1e-12)


def test_lower_bound_never_above_the_sequence():
    """Each run of b follows some family a, so sum_b runs_b min_a c[a, b] <= the cheapest weighted cycle."""
    rng = np.random.default_rng(7)
    gaps = []
    for _ in range(200):
        nb = 6
        matrix = rng.uniform(0, 3, (1, nb, nb))
        lb = incoming_lower_bound(matrix)[:, 0]  # (B,)
        fam = sorted(rng.choice(nb, size=rng.integers(1, nb + 1), replace=False))
        runs = rng.uniform(0.5, 4.0, len(fam))
        exact, _ = cheapest_cycle(matrix[0][np.ix_(fam, fam)] * runs[None, :])
        bound = float(runs @ lb[fam])
        assert bound <= exact + 1e-9
        gaps.append(exact - bound)
    assert max(gaps) > 0.1  # the bound is not the sequence itself


def test_matrix_from_a_table_fills_missing_pairs():
    own = np.array([[0.5], [0.25]])  # (B, P) hours
    table = pd.DataFrame({"process": ["cut"], "from_family": ["A"], "to_family": ["B"], "changeover_min": [6.0]})
    m = changeover_matrix(table, ["A", "B"], ["cut"], own)
    assert m.shape == (1, 2, 2)
    assert m[0].tolist() == [[0.5, 0.1], [0.5, 0.25]]
    assert incoming_lower_bound(m)[:, 0].tolist() == [0.5, 0.1]


def two_brand_problem(matrix_min: np.ndarray | None, *, own_h=(4.0, 4.0)) -> ShareProblem:
    """One site, levels of 80 / 160 line hours, brands A and B at 300 units a week, 0.1 h per unit, runs of 100."""
    return ShareProblem(
        site_ids=("s0",),
        store_ids=("kA", "kB"),
        brand_names=("A", "B"),
        season_names=("year",),
        store_brand=np.array([0, 1]),
        demand_units_per_week=np.array([300.0, 300.0]),
        season_weeks=np.array([52.0]),
        multiplier=np.ones((2, 1)),
        delivery_time_s=np.full((1, 2), 600.0),
        delivery_cost_per_unit=np.full((1, 2), 0.5),
        rent_per_yr=np.array([[20000.0, 30000.0]]),
        setup_per_yr=np.zeros((1, 2)),
        capacity_units_per_week=np.array([800.0, 1600.0]),
        unit_cost_per_unit=np.array([9.0, 9.0]),
        offshore_landed_per_unit=np.array([13.0, 13.0]),
        brand_kind=("standard", "standard"),
        brand_lead_time_days=np.array([10.0, 10.0]),
        max_utilisation=0.9,
        holding_per_unit=0.04,
        process_names=("line",),
        hours_per_unit=np.full((2, 1), 0.1),
        changeover_hours=np.array(own_h)[:, None],
        run_units=np.array([100.0, 100.0]),
        process_hours_per_week=np.array([[80.0], [160.0]]),
        changeover_matrix_hours=None if matrix_min is None else matrix_min[None] / 60.0,
    )


def test_the_matrix_changes_the_chosen_plan():
    """Own changeovers of 4 h per run: 600 units take 60 h + 6 runs x 4 h = 84 h > 72 h (80 h x 0.9), so the
    site opens at its larger level. A -> B and B -> A in 30 min: the cycle A>B costs 3 x 0.5 + 3 x 0.5 = 3 h,
    60 + 3 = 63 h fit the smaller level, which is cheaper by 10,000 a year."""
    plain = design_network(two_brand_problem(None), warm_start=False)
    assert plain.level.tolist() == [1]
    quick = np.array([[240.0, 30.0], [30.0, 240.0]])
    pb = two_brand_problem(quick)
    assert pb.changeover_hours[:, 0].tolist() == [0.5, 0.5]
    design = design_network(pb, warm_start=False)
    assert design.level.tolist() == [0]
    assert design.offshore_units_per_week.sum() == pytest.approx(0.0, abs=1e-6)
    seq = sequence_table(pb, design)
    row = seq.iloc[0]
    assert row["sequence"] == "A>B"
    assert row["changeover_hours_per_week_sequence"] == pytest.approx(3.0)
    assert row["hours_per_week_sequence"] == pytest.approx(63.0)
    assert row["available_hours_per_week"] == pytest.approx(72.0)
    assert bool(row["fits"])
    assert sequence_table(two_brand_problem(None), plain).empty  # no matrix: no sequence.csv


def test_an_exact_sequence_over_the_hours_is_named(caplog):
    """Runs of A after A take 30 min, but after B 4 h: the design charges A 0.5 h a run (its cheapest incoming
    changeover), while the cycle A>B pays B->A: 3 runs x 4 h + 3 runs x 0.5 h (A->B) = 13.5 h, not 3 h."""
    slow_back = np.array([[30.0, 30.0], [240.0, 30.0]])
    pb = two_brand_problem(slow_back)
    design = design_network(pb, warm_start=False)
    assert design.level.tolist() == [0]  # 63 h charged, fits 72 h
    seq = sequence_table(pb, design)
    row = seq.iloc[0]
    assert row["changeover_hours_per_week_design"] == pytest.approx(3.0)
    assert row["changeover_hours_per_week_sequence"] == pytest.approx(13.5)
    assert row["hours_per_week_sequence"] == pytest.approx(73.5)
    assert not bool(row["fits"])
    with caplog.at_level(logging.WARNING, logger="siting"):
        msgs = warn_overloads(seq)
    assert len(msgs) == 1 and "site 's0', process 'line'" in msgs[0] and "73.5" in msgs[0]
    assert "site 's0'" in caplog.text


def test_read_changeovers_file(tmp_path):
    path = tmp_path / "changeovers.csv"
    path.write_text("process,from_family,to_family,changeover_min\nline,A,B,12\n", encoding="utf-8")
    m = read_changeovers(path, ["A", "B"], ["line"], np.array([[1.0], [2.0]]))
    assert m[0].tolist() == [[1.0, 0.2], [1.0, 2.0]]
    path.write_text("process,from_family,to_family,changeover_min\nline,A,B,12\nline,A,B,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 3.*already given in row 2"):
        read_changeovers(path, ["A", "B"], ["line"], np.array([[1.0], [2.0]]))


def test_scenario_file_changeovers_reach_the_study(tmp_path):
    """``[share] changeovers`` read with the scenario: the design's hours (hours.csv) less the changeovers it
    charged plus the exact cycle's are sequence.csv's hours, and the charge never exceeds the cycle."""
    from siting.share import demo_share_cities, problem_from_cities
    from siting.share.hours import hours_table
    from siting.share.inputs import parse_share
    from siting.share.study import run_share

    (tmp_path / "changeovers.csv").write_text(
        "process,from_family,to_family,changeover_min\nprint,Birch,Cove,6\nprint,Cove,Birch,90\n", encoding="utf-8"
    )
    doc = {
        "brands": [
            {"name": "Birch", "lane_class": "priority"},
            {"name": "Cove", "lane_class": "overflow", "offshore_landed_per_unit": 16.0},
        ],
        "lane_classes": [
            {"name": "priority", "kind": "priority", "lead_time_days": 5.0},
            {"name": "overflow", "kind": "overflow"},
        ],
        "routings": [
            {"brand": "Birch", "process": "print", "hours_per_unit": 0.08, "changeover_hours": 0.5},
            {"brand": "Cove", "process": "print", "hours_per_unit": 0.06, "changeover_hours": 0.75},
        ],
        "site_capacity": {"process_hours_per_week": {"print": [90, 180]}},
        # without the SLA caps in the design: no Kotka site keeps Birch's 5-day priority SLA under them
        # (tests/share/test_scenario_settings.py checks that message)
        "share": {"time_limit_s": 20, "changeovers": "changeovers.csv", "sla_caps_in_design": False},
    }
    spec = parse_share(doc, base=tmp_path)
    assert spec.settings.changeovers == tmp_path / "changeovers.csv"
    pb = problem_from_cities(demo_share_cities(("kotka",)), spec).problem
    assert pb.changeover_matrix_hours is not None
    assert pb.changeover_hours[:, 0].tolist() == [0.5, 0.1]  # Birch: min(0.5 own, 1.5 after Cove); Cove: 6 min
    st = run_share(pb, spec.site_capacity, spec.settings, replications=2)
    seq = st.sequence
    assert len(seq) > 0 and set(seq["process"]) == {"print"}
    assert (seq["changeover_hours_per_week_design"] <= seq["changeover_hours_per_week_sequence"] + 1e-9).all()
    hours = hours_table(pb, st.design).set_index(["site_id", "process", "season"])["hours_per_week"]
    for row in seq.itertuples(index=False):
        used = hours[(row.site_id, row.process, row.season)]
        expected = used - row.changeover_hours_per_week_design + row.changeover_hours_per_week_sequence
        assert row.hours_per_week_sequence == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_refuse_names_the_site_process_season_and_the_fix():
    """``share.sequence_overrun = "refuse"``: the 73.5 h cycle over 72 h stops the run with the fix; a cycle that
    fits passes."""
    pb = two_brand_problem(np.array([[30.0, 30.0], [240.0, 30.0]]))
    seq = sequence_table(pb, design_network(pb, warm_start=False))
    with pytest.raises(InfeasibleError) as err:
        refuse_overloads(seq)
    msg = str(err.value)
    for part in ("site 's0'", "process 'line'", "season", "73.5", "72.0", "process_hours_per_week", "warn"):
        assert part in msg
    fits = two_brand_problem(np.array([[240.0, 30.0], [30.0, 240.0]]))
    refuse_overloads(sequence_table(fits, design_network(fits, warm_start=False)))  # fits: no error


def test_cycle_changeovers_are_the_exact_cycle_not_the_lower_bound():
    """The cycle A>B with B->A in 4 h: an A run costs 4 h (after B), a B run 0.5 h (after A); the design charged
    0.5 h each. These are what the weekly plans and the design simulation use; without a matrix, the own ones."""
    pb = two_brand_problem(np.array([[30.0, 30.0], [240.0, 30.0]]))
    design = design_network(pb, warm_start=False)
    exact = cycle_changeover_hours(pb, design)
    assert exact[0, :, 0, 0].tolist() == pytest.approx([4.0, 0.5])
    assert pb.changeover_hours[:, 0].tolist() == pytest.approx([0.5, 0.5])
    plain = two_brand_problem(None)
    own = cycle_changeover_hours(plain, design_network(plain, warm_start=False))
    assert np.allclose(own[0, :, 0, 0], plain.changeover_hours[:, 0])
