"""Routings, flexible hours, pre-build and contracts: read from the share tables, reported in contracts.csv."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from share.test_design_terms import hours_instance
from siting.errors import InfeasibleError
from siting.share.contracts import Contract, contracts_table, problem_terms
from siting.share.hours import unit_equivalent
from siting.share.inputs import ShareSettings, SiteCapacity, parse_share
from siting.share.study import run_share

TABLES = {
    "brands": [{"name": "A", "lane_class": "priority", "shelf_life_seasons": 1}, {"name": "B"}],
    "seasons": [{"name": "a", "weeks": 26}, {"name": "b", "weeks": 26}],
    "routings": [
        {"brand": "A", "process": "print", "hours_per_unit": 0.1, "changeover_hours": 0.5, "run_units": 50},
        {"brand": "A", "process": "sew", "hours_per_unit": 0.3},
        {"brand": "B", "process": "sew", "hours_per_unit": 0.2, "changeover_hours": 1.0},
    ],
    "site_capacity": {
        "process_hours_per_week": {"print": [80, 160], "sew": [100, 200]},
        "flex_hours_per_week": {"sew": [10, 20]},
        "flex_cost_per_hour": {"sew": 30},
    },
    "contracts": [
        {"brand": "A", "reserved_hours_per_week": {"sew": 12}, "reserved_rate_per_hour": 20, "penalty_per_late_unit": 3}
    ],
}


def test_share_tables_become_the_problem_arrays() -> None:
    terms = problem_terms(parse_share(TABLES))
    assert terms["process_names"] == ("print", "sew")
    np.testing.assert_array_equal(terms["hours_per_unit"], [[0.1, 0.3], [0.0, 0.2]])
    np.testing.assert_array_equal(terms["changeover_hours"], [[0.5, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(terms["run_units"], [50, 500])  # B: site_capacity.run_max_units
    np.testing.assert_array_equal(terms["process_hours_per_week"], [[80, 100], [160, 200]])
    np.testing.assert_array_equal(terms["flex_hours_per_week"], [[0, 10], [0, 20]])
    np.testing.assert_array_equal(terms["flex_cost_per_hour"], [0, 30])
    np.testing.assert_array_equal(terms["shelf_life_seasons"], [1, 0])
    np.testing.assert_array_equal(terms["reserved_hours_per_week"], [[0, 12], [0, 0]])
    np.testing.assert_array_equal(terms["backlog_cost_per_unit"], [3.0, np.nan])


def test_without_routings_capacity_is_units_on_one_process() -> None:
    terms = problem_terms(parse_share({"brands": [{"name": "A"}]}))
    assert terms["process_names"] == ("any",)
    np.testing.assert_array_equal(terms["hours_per_unit"], [[1.0]])
    np.testing.assert_array_equal(terms["process_hours_per_week"], [[1500.0], [3000.0]])


@pytest.fixture(scope="module")
def study():
    pb = hours_instance(8)  # reservations on both brands, flexible hours and pre-build in use
    # a 5-day priority SLA (the instance's 2.03 days leaves no time to wait for a run in the weekly plan)
    # and 0.5 of the regular hours, leaving the weekly plan room to hold the SLA caps
    pb = dataclasses.replace(pb, brand_lead_time_days=np.array([5.0, 10]), max_utilisation=0.5)
    pb = dataclasses.replace(pb, capacity_units_per_week=unit_equivalent(pb))
    held = pb.reserved_hours_per_week
    contracts = [
        Contract(
            "prio",
            {"print": held[0, 0], "sew": held[0, 1]},
            reserved_rate_per_hour=20.0,
            spot_rate_per_hour=35.0,
            priority_fee_per_yr=5000.0,
            penalty_per_late_unit=4.0,
        ),
        Contract("std", {"print": held[1, 0], "sew": held[1, 1]}, reserved_rate_per_hour=15.0, spot_rate_per_hour=25.0),
    ]
    settings = ShareSettings(time_limit_s=20.0, mip_gap=1e-6, group_time_tolerance_s=0.0)
    return pb, run_share(pb, SiteCapacity(), settings, replications=4, contracts=contracts), contracts


def test_contracts_table_holds_every_reservation_and_adds_up(study) -> None:
    pb, st, contracts = study
    table = st.contracts.set_index("brand")
    assert list(table.index) == ["prio", "std"]
    for c in contracts:
        row = table.loc[c.brand]
        reserved = sum(c.reserved_hours_per_week.values())
        assert row["reserved_hours_per_week"] == pytest.approx(reserved)
        assert row["reserved_cost_per_yr"] == pytest.approx(reserved * c.reserved_rate_per_hour * 52)
        # used within the reservation + reserved hours left idle = every reserved hour of the year
        within = row["hours_used_per_yr"] - row["spot_hours_per_yr"]
        assert within + row["reserved_hours_idle_per_yr"] == pytest.approx(reserved * 52, rel=1e-6)
        assert row["paid_per_yr"] == pytest.approx(
            row["reserved_cost_per_yr"] + row["spot_hours_per_yr"] * c.spot_rate_per_hour + c.priority_fee_per_yr
        )
    # hours used = units made x the routing's hours per unit (changeovers included)
    made = st.design.made_units_per_week.sum(axis=0) * pb.season_weeks  # (m, T) units per year
    for b, name in enumerate(pb.brand_names):
        units = made[pb.store_brand == b].sum()
        assert table.loc[name, "hours_used_per_yr"] == pytest.approx(units * pb.hours_per_unit_all_in[b].sum())
    # the promise is the judge's worst site for the brand
    judged = st.service[(st.service["level"] == "brand") & (st.service["key"] == "prio")]
    assert table.loc["prio", "p95_days_promised"] == pytest.approx(judged["p95_days"].max())
    assert table.loc["prio", "penalty_per_yr"] == pytest.approx(table.loc["prio", "late_units_per_yr"] * 4.0)


def test_hours_table_matches_the_design(study) -> None:
    pb, st, _ = study
    assert set(st.hours["process"]) == {"print", "sew"}
    h = st.hours
    assert (h["hours_per_week"] <= h["regular_hours_per_week"] + h["flex_hours_per_week"] + 1e-6).all()
    total = (st.hours["hours_per_week"] * st.hours["season"].map(dict(zip(pb.season_names, pb.season_weeks)))).sum()
    assert total == pytest.approx(st.design.hours_per_week.sum(axis=(0, 1)) @ pb.season_weeks)


def test_unmade_demand_is_refused_naming_brand_season_and_site() -> None:
    pb = hours_instance(4)  # the priority brand has a penalty: the design leaves some of its demand unmade
    pb = dataclasses.replace(pb, brand_lead_time_days=np.array([5.0, 10]), max_utilisation=0.5)
    pb = dataclasses.replace(pb, capacity_units_per_week=unit_equivalent(pb))
    settings = ShareSettings(time_limit_s=20.0, mip_gap=1e-6, group_time_tolerance_s=0.0)
    with pytest.raises(InfeasibleError, match=r"brand 'prio' unmade in season '\w+' .*site 's\d'"):
        run_share(pb, SiteCapacity(), settings, replications=2, backlog="refuse")


def test_contracts_table_without_contracts_is_zero_paid() -> None:
    pb = hours_instance(1)
    from siting.share.design import design_network

    d = design_network(pb, mip_gap=1e-6)
    import pandas as pd

    t = contracts_table(pb, d, [], pd.DataFrame())
    assert (t["paid_per_yr"] == 0).all() and t["p95_days_promised"].isna().all()


def test_kotka_scenario_with_routings_and_contracts_runs_end_to_end() -> None:
    """Scenario tables -> the road network's problem -> design, plans, judge -> contracts and hours tables."""
    from siting.share import demo_share_cities, problem_from_cities

    doc = {
        "brands": [
            {"name": "Birch", "lane_class": "standard", "shelf_life_seasons": 1, "carry_cost_per_unit_season": 0.3},
            {"name": "Cove", "lane_class": "overflow"},
        ],
        "seasons": [{"name": "low", "weeks": 39}, {"name": "peak", "weeks": 13, "multiplier": 1.8}],
        "routings": [
            {"brand": "Birch", "process": "print", "hours_per_unit": 0.04, "changeover_hours": 0.5},
            {"brand": "Birch", "process": "sew", "hours_per_unit": 0.1},
            {"brand": "Cove", "process": "sew", "hours_per_unit": 0.12, "changeover_hours": 1.0},
        ],
        "site_capacity": {
            "levels_units_per_week": [1000, 2500],
            "floor_area_m2": [250, 500],
            "setup_cost": [40000, 70000],
            "process_hours_per_week": {"print": [40, 100], "sew": [100, 250]},
            "flex_hours_per_week": {"sew": [10, 25]},
            "flex_cost_per_hour": {"sew": 30},
        },
        "contracts": [{"brand": "Birch", "reserved_hours_per_week": {"sew": 5}, "reserved_rate_per_hour": 20}],
        "share": {"time_limit_s": 20, "mip_gap": 1e-4},
    }
    spec = parse_share(doc)
    layers = problem_from_cities(demo_share_cities(("kotka",)), spec)
    pb = layers.problem
    assert pb.process_names == ("print", "sew")
    st = run_share(pb, spec.site_capacity, spec.settings, replications=2, contracts=spec.contracts)
    table = st.contracts.set_index("brand")
    assert table.loc["Birch", "reserved_cost_per_yr"] == pytest.approx(5 * 20 * 52)
    held = st.design.reserved_hours_per_week[:, 0, 1].sum()  # Birch, sew, over the sites
    assert held == pytest.approx(5.0)
    assert set(st.hours["process"]) == {"print", "sew"}
    assert set(st.hours["site_id"]) == {pb.site_ids[i] for i in st.design.open_sites}
