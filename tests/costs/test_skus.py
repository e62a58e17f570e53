"""SKU granularity (issue 22): Zipf shares, demand classes, per-SKU MOQs, and the simulation's check of the sum.

The simulation runs every SKU at its exact Zipf share with its own policy (not the model's demand
classes), so it also checks the grouping. 4 000 seasons: the cost's standard error is under 0.1%
and the fill rate's under 0.001 in these cases (asserted).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.costs import family_cost, family_costs, load_products, mix_for_demand, simulate_family
from siting.costs.products import example_products_path
from siting.costs.skus import CLASS_WIDTH, sku_classes, sku_family, sku_shares

FAMS = {p.family: p for p in load_products(example_products_path())}

#: Long-tail cases: (family, volume units/week, overrides). Normal, Poisson and negative binomial demand.
LONG_TAIL = [
    ("basic_tshirt", None, {"skus": 60, "sku_zipf_exponent": 1.0, "moq_offshore_units": 500.0}),
    ("fashion_top", None, {"skus": 25, "sku_zipf_exponent": 0.8}),
    ("spare_parts", 20.0, {"skus": 300, "sku_zipf_exponent": 1.0, "moq_offshore_units": 20.0}),
    ("artist_collab", 60.0, {"skus": 12, "sku_zipf_exponent": 1.2}),
    ("spare_parts", 9.0, {"skus": 300, "print_on_demand_below_units_per_week": 0.048}),
]


def test_shares_and_classes():
    shares = sku_shares(1000, 1.0)
    assert shares.sum() == pytest.approx(1.0) and np.all(np.diff(shares) <= 0)
    assert shares[0] / shares[9] == pytest.approx(10.0)  # Zipf: i^-1
    assert np.allclose(sku_shares(7, 0.0), 1 / 7)
    classes = sku_classes(5000, 1.0)
    assert sum(n for n, _ in classes) == 5000
    assert sum(n * s for n, s in classes) == pytest.approx(1.0, rel=1e-12)
    # shares 1 .. 1/5000 span ln(5000) / ln(1.05) = 174.6 class widths: at most 175 classes
    assert len(classes) <= 175
    top = [s for _, s in classes]
    assert all(a > b for a, b in zip(top, top[1:]))


@pytest.mark.parametrize("source", ["local", "offshore"])
def test_classes_match_pricing_every_sku(source):
    """The demand classes against pricing all 2 000 SKUs one by one (the enumeration)."""
    p = dataclasses.replace(FAMS["spare_parts"], demand_mean_units_per_week=50.0, moq_offshore_units=30.0, skus=2000)
    model = family_cost(p, source)
    demand = p.demand_mean_units_per_week
    each = [family_cost(sku_family(p, float(s)), source) for s in sku_shares(p.skus, p.sku_zipf_exponent)]
    total = sum(fc.cost_per_unit * fc.units_per_week for fc in each) / demand
    sold = sum(fc.fill_rate * fc.units_per_week for fc in each) / demand
    assert model.skus == 2000
    assert model.cost_per_unit == pytest.approx(total, rel=2e-3)
    assert model.fill_rate == pytest.approx(sold, abs=1e-3)
    assert CLASS_WIDTH == 0.05  # the tolerance above is for this width


def test_one_sku_is_the_family_as_before():
    p = FAMS["fashion_top"]
    assert family_cost(p, "local", skus=1) == family_cost(p, "local")
    two = family_cost(p, "local", skus=2, sku_zipf_exponent=0.0)
    # two equal SKUs at half the volume each: the half-volume family's cost per unit
    half = family_cost(p, "local", p.demand_mean_units_per_week / 2, demand_std_units_per_week=30.0 / 2**0.5)
    assert two.cost_per_unit == pytest.approx(half.cost_per_unit, rel=1e-12)
    assert two.fill_rate == pytest.approx(half.fill_rate, abs=1e-12)


@pytest.mark.parametrize("mode", ["level", "kalman"])
@pytest.mark.parametrize("source", ["local", "offshore"])
@pytest.mark.parametrize("name,volume,over", LONG_TAIL, ids=[f"{c[0]}-{len(c[2])}" for c in LONG_TAIL])
def test_long_tail_within_one_percent_of_simulation(name, volume, over, source, mode):
    """The SKU split and its demand classes, with ``level`` re-orders and with ``kalman`` ones (each SKU's re-orders
    learn from its own sales; the simulation runs its own filter per SKU): within 1% on cost and 0.005 on fill rate
    (kalman: within 0.19% and 0.002 on every case)."""
    fam = dataclasses.replace(FAMS[name], reorder_forecast=mode)
    model = family_cost(fam, source, volume, **over)
    sim = simulate_family(fam, source, volume, seasons=4_000, seed=11, **over)
    assert model.skus == over["skus"]
    # the 1% is over 6 standard errors (artist_collab local under kalman: 0.14% of its cost)
    assert sim.cost_per_unit_se < 0.0015 * sim.cost_per_unit and sim.fill_rate_se < 0.001
    assert model.cost_per_unit == pytest.approx(sim.cost_per_unit, rel=0.01)
    assert model.fill_rate == pytest.approx(sim.fill_rate, abs=0.005)


def test_families_csv_has_the_sku_count():
    fams = [dataclasses.replace(FAMS["spare_parts"], skus=40), FAMS["basic_tshirt"]]
    table = family_costs(fams)
    assert table["skus"].tolist() == [40, 1]


def _doc_section() -> str:
    text = (Path(__file__).resolve().parents[2] / "docs" / "inventory-risk.md").read_text(encoding="utf-8")
    start = text.index("## SKUs: one family, many items")
    nxt = text.find("\n## ", start + 10)
    return text[start : nxt if nxt > 0 else len(text)]


def test_the_manuals_worked_example():
    """Every figure of docs/inventory-risk.md's spare-parts table, and its hand-worked numbers."""
    section = _doc_section()
    p = next(f for f in mix_for_demand(list(FAMS.values()), 8008.0) if f.family == "spare_parts")
    assert f"{p.demand_mean_units_per_week:.2f} units a week" in section
    rows = re.findall(r"^\| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| (-?[\d.]+) \|$", section, re.M)
    assert [int(r[0]) for r in rows] == [1, 2, 3, 10, 100]
    for m, *figures in rows:
        loc, off = family_cost(p, "local", skus=int(m)), family_cost(p, "offshore", skus=int(m))
        mine = (
            loc.cost_per_unit,
            loc.fill_rate,
            off.cost_per_unit,
            off.fill_rate,
            off.cost_per_unit - loc.cost_per_unit,
        )
        decimals = (2, 3, 2, 3, 2)
        assert [f"{v:.{d}f}" for v, d in zip(mine, decimals)] == figures, m
    ten = family_cost(p, "offshore", skus=10)
    assert round(ten.written_off_units_per_season, -2) == 9500  # "nearly 9 500 units a year"
    assert p.season_weeks == 52
    top = p.demand_mean_units_per_week * sku_shares(10, 1.0)
    assert (f"{top[0]:.2f}", f"{top[-1]:.2f}", round(top[0] * 52)) == ("3.34", "0.33", 174)
    assert "1 000 items at `a = 1` are 92 classes" in section and len(sku_classes(1000, 1.0)) == 92
    assert family_cost(p, "local", skus=100).cost_per_unit > p.price_per_unit == 15


def test_print_on_demand_by_hand():
    """Below the threshold a local SKU is made after each sale: unit cost + carrying while it is made."""
    p = dataclasses.replace(FAMS["spare_parts"], print_on_demand_below_units_per_week=1.0)
    fc = family_cost(p, "local")  # 0.5 a week < 1: the whole family is printed on demand
    by_hand = p.unit_cost_local * (1 + p.carrying_rate_per_yr * p.lead_time_local_weeks / 52)
    assert fc.cost_per_unit == pytest.approx(by_hand, rel=1e-12)
    assert (fc.fill_rate, fc.written_off_units_per_season, fc.orders_per_season) == (1.0, 0.0, 0)
    assert family_cost(p, "offshore") == family_cost(FAMS["spare_parts"], "offshore")  # local only
    # 300 parts at 9 a week, threshold 0.048 a week (parts 29 and 30 sell 0.0494 and 0.0478): no class straddles it
    shares, split = sku_shares(300, 1.0), 0.048 / 9.0
    starts = np.cumsum([0] + [n for n, _ in sku_classes(300, 1.0, CLASS_WIDTH, split)])
    sides = [set(shares[a:b] < split) for a, b in zip(starts[:-1], starts[1:])]
    assert all(len(side) == 1 for side in sides) and sum(True in side for side in sides) > 1


def test_the_manuals_print_on_demand_figures():
    section = _doc_section()
    p = next(f for f in mix_for_demand(list(FAMS.values()), 8008.0) if f.family == "spare_parts")
    pod = family_cost(p, "local", skus=100, print_on_demand_below_units_per_week=0.2)
    made = int((p.demand_mean_units_per_week * sku_shares(100, 1.0) >= 0.2).sum())
    stocked = family_cost(p, "local", skus=100)
    quoted = (
        f"100 part numbers cost {pod.cost_per_unit:.2f} a unit locally (fill rate {pod.fill_rate:.3f}; "
        f"the {made} best sellers"
    )
    assert quoted in " ".join(section.split())
    assert f"against {stocked.cost_per_unit:.2f} with every part stocked" in " ".join(section.split())


def test_products_csv_columns(tmp_path):
    """The optional columns from a CSV: empty cells take the defaults (1 SKU, Zipf 1, never on demand)."""
    table = pd.read_csv(example_products_path())
    table["skus"] = [None] * (len(table) - 1) + [400]
    table["sku_zipf_exponent"] = [None] * (len(table) - 1) + [0.7]
    table["print_on_demand_below_units_per_week"] = [None] * (len(table) - 1) + [0.01]
    table.to_csv(tmp_path / "p.csv", index=False)
    fams = load_products(tmp_path / "p.csv")
    assert [f.skus for f in fams] == [1] * (len(table) - 1) + [400]
    assert isinstance(fams[-1].skus, int)
    assert (fams[0].sku_zipf_exponent, fams[-1].sku_zipf_exponent) == (1.0, 0.7)
    assert (fams[0].print_on_demand_below_units_per_week, fams[-1].print_on_demand_below_units_per_week) == (0, 0.01)
    assert family_costs(fams)["skus"].tolist() == [1] * (len(table) - 1) + [400]
