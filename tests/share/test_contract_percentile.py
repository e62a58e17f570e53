"""A percentile per contract: each brand judged (sla_met, promised lead time) at its own contract percentile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from share.test_design_terms import hours_instance  # the hours/contracts instance of the design tests
from siting.share.contracts import Contract, brand_percentiles, contracts_table
from siting.share.design import design_network
from siting.share.judge import judge_table
from siting.share.orders import BrandOrders, LineRules, simulate_orders
from siting.share.service import site_service


def _orders(sla: float) -> list[BrandOrders]:
    weeks = 104
    return [
        BrandOrders("A", 0, np.full(weeks, 300.0), np.full(weeks, 3.0), 0.3, 0.1, sla),
        BrandOrders("B", 1, np.full(weeks, 400.0), np.full(weeks, 2.0), 0.3, 0.2, np.nan),
    ]


LINE = LineRules(80.0, 60.0 * 80.0 / 1000.0, 30.0, 1e9, np.inf)


def _on_time_by_hand(sim, brand: int, sla: float) -> float:
    """Mean over replications of the share of the brand's ordered units delivered within ``sla`` days."""
    rates = []
    for rep in range(len(sim.lead_days)):
        vals, wts = sim.lead_days[rep][brand]
        rates.append(float(wts[vals <= sla].sum()) / float(sim.ordered_units[rep, brand]))
    return float(np.mean(rates))


def test_each_group_is_judged_at_its_own_percentile() -> None:
    sim = simulate_orders(_orders(4.0), LINE, replications=6, percentile=95.0, seed=11)
    pooled = np.concatenate([sim.lead_days[r][0][0] for r in range(6)])
    sla = float(np.quantile(pooled, 0.9))  # between the 80th and the 99th percentile of brand A's lead times
    groups = [
        ("brand", "A80", "s", [0], sla, 80.0),
        ("brand", "A99", "s", [0], sla, 99.0),
        ("brand", "A", "s", [0], sla),
    ]
    table = judge_table(sim, groups).set_index("key")
    on_time = _on_time_by_hand(sim, 0, sla)
    assert 0.8 < on_time < 0.99
    assert table.loc["A80", "on_time_rate"] == pytest.approx(on_time)
    assert bool(table.loc["A80", "sla_met"]) and not bool(table.loc["A99", "sla_met"])
    assert list(table["percentile"]) == [80.0, 99.0, 95.0]  # no sixth element: the simulation's percentile
    assert table.loc["A99", "contract_pct_days"] > sla > table.loc["A80", "contract_pct_days"]


def test_site_service_judges_brands_at_their_contracts_and_a_class_at_its_strictest() -> None:
    orders = _orders(4.0)
    svc = site_service(
        "s",
        orders,
        LINE,
        np.ones(3),
        np.zeros(3),
        lane_names={},
        percentile=95.0,
        replications=4,
        seed=5,
        brand_percentiles=[80.0, 99.0],
    ).table.set_index(["level", "key"])
    assert svc.loc[("brand", "A"), "percentile"] == 80.0
    assert svc.loc[("brand", "B"), "percentile"] == 99.0
    assert svc.loc[("lane_class", "priority"), "percentile"] == 80.0
    assert np.isnan(svc.loc[("site", "s"), "sla_days"])


def test_brand_percentiles_and_contracts_csv_show_each_contracts_percentile() -> None:
    pb = hours_instance(1)
    contracts = [Contract("prio", sla_percentile=99.0), Contract("std")]
    assert brand_percentiles(pb.brand_names, contracts, 95.0).tolist() == [99.0, 95.0]
    design = design_network(pb, mip_gap=1e-6)
    table = contracts_table(pb, design, contracts, pd.DataFrame())
    assert table.set_index("brand")["sla_percentile"].to_dict() == {"prio": 99.0, "std": 95.0}
