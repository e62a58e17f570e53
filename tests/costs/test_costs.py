"""Tests of the newsvendor, the product-family loader and the landed-cost model (siting.costs.sites)."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from siting.costs.products import cost_default, cost_defaults, example_products_path
from siting.costs.sites import (
    ProductFamily,
    break_even,
    cluster_landed_costs,
    compare,
    delivery_cost_per_week_by_site,
    landed_cost,
    load_products,
    newsvendor,
    normal_loss,
    scale_demand,
    sensitivity,
    site_landed_costs,
    sourcing_cost,
)
from siting.errors import InputError, MissingColumnError

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- newsvendor


def _integrated(mean: float, std: float, q: float) -> tuple[float, float, float]:
    """Expected sales, leftover and lost sales by numerical integration over the normal density."""
    pdf = stats.norm(mean, std).pdf
    opts = dict(epsabs=1e-11, epsrel=1e-11, limit=200)
    lo, hi = mean - 40 * std, mean + 40 * std
    below = integrate.quad(lambda x: x * pdf(x), lo, q, **opts)[0] + q * stats.norm.sf(q, mean, std)
    leftover = integrate.quad(lambda x: (q - x) * pdf(x), lo, q, **opts)[0]
    lost = integrate.quad(lambda x: (x - q) * pdf(x), q, hi, **opts)[0]
    return below, leftover, lost


CASES = [
    # mean, std, price, cost, salvage, moq
    (200.0, 40.0, 25.0, 15.0, 5.0, 0.0),
    (2600.0, 120.0, 25.0, 14.0, 5.0, 2840.0),  # MOQ binds
    (80.0, 50.0, 49.0, 17.0, 4.0, 100.0),
    (500.0, 10.0, 10.0, 9.5, 0.0, 0.0),  # critical ratio below 0.5
    (30.0, 25.0, 90.0, 30.0, 12.0, 0.0),  # high uncertainty, Q far in the tail
]


@pytest.mark.parametrize("mean,std,price,cost,salvage,moq", CASES)
def test_newsvendor_matches_numerical_integration(mean, std, price, cost, salvage, moq):
    r = newsvendor(mean, std, price, cost, salvage, moq=moq)
    sales, leftover, lost = _integrated(mean, std, r.order_qty)
    assert r.expected_sales == pytest.approx(sales, abs=1e-6)
    assert r.expected_leftover == pytest.approx(leftover, abs=1e-6)
    assert r.expected_lost_sales == pytest.approx(lost, abs=1e-6)
    profit = price * sales + salvage * leftover - cost * r.order_qty
    assert r.expected_profit == pytest.approx(profit, abs=1e-6)


@pytest.mark.parametrize("mean,std,price,cost,salvage,moq", CASES)
def test_newsvendor_order_is_optimal(mean, std, price, cost, salvage, moq):
    r = newsvendor(mean, std, price, cost, salvage, moq=moq)
    cr = (price - cost) / (price - salvage)
    assert r.critical_ratio == pytest.approx(cr, abs=1e-12)
    unconstrained = stats.norm.ppf(cr, mean, std)
    assert r.order_qty == pytest.approx(max(unconstrained, moq), rel=1e-12)

    def neg_profit(q: float) -> float:
        s, left, _ = _integrated(mean, std, q)
        return -(price * s + salvage * left - cost * q)

    best = optimize.minimize_scalar(
        neg_profit, bounds=(max(moq, mean - 6 * std), mean + 6 * std + moq), method="bounded", options={"xatol": 1e-6}
    )
    assert -best.fun <= r.expected_profit + 1e-6


def test_normal_loss_closed_forms():
    assert normal_loss(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-15)
    z = np.linspace(-6, 6, 49)
    direct = [integrate.quad(lambda t, a=a: (t - a) * stats.norm.pdf(t), a, np.inf, epsabs=1e-13)[0] for a in z]
    np.testing.assert_allclose(normal_loss(z), direct, atol=1e-10)
    np.testing.assert_allclose(normal_loss(z) - normal_loss(-z), -z, atol=1e-12)  # L(z) - L(-z) = -z
    # table values (standard normal loss function tables): L(1) = 0.0833, L(2) = 0.0085
    assert normal_loss(1.0) == pytest.approx(0.0833, abs=5e-5)
    assert normal_loss(2.0) == pytest.approx(0.0085, abs=5e-5)


def test_newsvendor_zero_std_and_given_quantity():
    r = newsvendor(100, 0, 10, 4, 1)
    assert (r.order_qty, r.expected_sales, r.expected_leftover, r.expected_lost_sales) == (100, 100, 0, 0)
    r = newsvendor(100, 0, 10, 4, 1, moq=130)
    assert (r.order_qty, r.expected_sales, r.expected_leftover) == (130, 100, 30)
    assert r.expected_profit == pytest.approx(6 * 100 - 3 * 30)
    r = newsvendor(100, 0, 10, 4, 1, order_qty=80)
    assert (r.expected_sales, r.expected_lost_sales, r.expected_leftover) == (80, 20, 0)
    # a given quantity is evaluated, not optimised, and ignores the MOQ
    r = newsvendor(100, 20, 10, 4, 1, moq=500, order_qty=90)
    assert r.order_qty == 90
    assert r.expected_lost_sales == pytest.approx(20 * normal_loss(-0.5), abs=1e-12)
    # no margin: the optimum is not to order, only the MOQ is bought
    assert newsvendor(100, 20, 4, 4, 1).order_qty == 0
    assert newsvendor(100, 20, 4, 5, 1, moq=50).order_qty == 50


def test_newsvendor_bad_inputs():
    with pytest.raises(InputError, match="salvage"):
        newsvendor(100, 20, 10, 4, 4)
    with pytest.raises(InputError, match="std"):
        newsvendor(100, -1, 10, 4, 1)
    with pytest.raises(InputError, match="mean"):
        newsvendor(float("nan"), 1, 10, 4, 1)


@settings(max_examples=60, deadline=None)
@given(
    mean=st.floats(0, 1e4),
    cv=st.floats(0, 2),
    price=st.floats(1, 200),
    margin=st.floats(0.05, 0.95),
    salvage_share=st.floats(0, 0.95),
    moq=st.floats(0, 2e4),
)
def test_newsvendor_identities(mean, cv, price, margin, salvage_share, moq):
    cost = price * (1 - margin)
    r = newsvendor(mean, mean * cv, price, cost, cost * salvage_share, moq=moq)
    scale = max(1.0, mean, moq)
    assert r.order_qty >= moq
    assert r.expected_sales + r.expected_leftover == pytest.approx(r.order_qty, abs=1e-9 * scale)
    assert r.expected_sales + r.expected_lost_sales == pytest.approx(mean, abs=1e-9 * scale)
    assert min(r.expected_leftover, r.expected_lost_sales) >= -1e-9 * scale


def test_larger_moq_raises_expected_leftover():
    leftovers = [newsvendor(2600, 120, 25, 14, 5, moq=m).expected_leftover for m in (0, 2700, 2900, 3200, 5000)]
    assert all(b > a for a, b in zip(leftovers, leftovers[1:]))
    p = _example_family()
    base = sourcing_cost(p, "offshore")
    more = sourcing_cost(p.scaled(moq_offshore_units=1.5), "offshore")
    assert more.safety_stock_units > base.safety_stock_units
    assert more.obsolescence_per_yr > base.obsolescence_per_yr


def test_longer_lead_time_raises_safety_stock_and_carrying_cost():
    p = _example_family()
    for source in ("local", "offshore"):
        runs = [sourcing_cost(p.scaled(**{f"lead_time_{source}_weeks": f}), source) for f in (0.5, 1, 2, 4)]
        for a, b in zip(runs, runs[1:]):
            assert b.safety_stock_units > a.safety_stock_units
            assert b.pipeline_stock_units > a.pipeline_stock_units
            assert b.carrying_per_yr > a.carrying_per_yr
    # safety stock = std sqrt(L + R) (z + L(z)) at the optimum, L and R in weeks
    s = sourcing_cost(p, "local")
    sigma = 20 * math.sqrt(2 + 2)
    z = stats.norm.ppf((25 - 15) / (25 - 5))
    assert s.safety_stock_units == pytest.approx(sigma * (z + normal_loss(z)), rel=1e-12)


# --------------------------------------------------------------------------- README worked example


def _example_family() -> ProductFamily:
    return ProductFamily(
        family="example",
        price_per_unit=25,
        demand_mean_units_per_week=100,
        demand_std_units_per_week=20,
        unit_cost_local=15,
        unit_cost_offshore=12,
        moq_local_units=50,
        moq_offshore_units=2840,
        lead_time_local_weeks=2,
        lead_time_offshore_weeks=10,
        review_period_local_weeks=2,
        review_period_offshore_weeks=26,
        salvage_per_unit=5,
        freight_offshore_per_unit=0.5,
        duty_offshore_per_unit=1.5,
        season_weeks=26,
        carrying_rate_per_yr=0.25,
    )


# Hand-checked in the README (section "costs"): 80 m2 at 150 per m2 and year, set-up 10 000 over
# 5 years, delivery 100 per week. Values as printed there.
README_EXAMPLE = {
    "local": {
        "units_sold_per_yr": "4785.1",
        "production": "71776.50",
        "carrying": "1095.08",
        "obsolescence": "319.15",
        "delivery": "5200.00",
        "site": "14000.00",
        "total": "92390.73",
        "per_unit": "19.31",
    },
    "offshore": {
        "units_sold_per_yr": "5198.0",
        "production": "62375.55",
        "freight": "2598.98",
        "duty": "7796.94",
        "carrying": "8890.41",
        "obsolescence": "4338.34",
        "delivery": "5648.66",
        "total": "91648.88",
        "per_unit": "17.63",
    },
    "saving_per_unit": "-1.68",
}


def _hand_check() -> dict[str, dict[str, float]]:
    """The README's arithmetic, written out with scipy.stats only (independent of siting.costs.sites)."""
    phi0, phi2, sf2 = stats.norm.pdf(0), stats.norm.pdf(2), stats.norm.sf(2)
    # local: R = 2, L = 2 weeks; cycle demand N(200, 20*sqrt(4) = 40); CR = 10/20 -> z = 0, Q = 200
    lost = 40 * phi0
    sales, left = 200 - lost, lost
    sold = sales * 52 / 2
    local = {
        "units_sold_per_yr": sold,
        "production": 15 * sold,
        "carrying": 0.25 * 15 * (sales / 2 + left + sold / 52 * 2),
        "obsolescence": left * (15 - 5) * 52 / 26,
        "delivery": 5200.0,
        "site": 80 * 150 + 10000 / 5,
    }
    local["total"] = sum(local[k] for k in ("production", "carrying", "obsolescence", "delivery", "site"))
    local["per_unit"] = local["total"] / sold
    # offshore: R = 26, L = 10 weeks; N(2600, 20*sqrt(36) = 120); Q* < MOQ 2840 -> z = 2
    lost = 120 * (phi2 - 2 * sf2)
    sales, left = 2600 - lost, 2840 - (2600 - lost)
    sold_o = sales * 52 / 26
    off = {
        "units_sold_per_yr": sold_o,
        "production": 12 * sold_o,
        "freight": 0.5 * sold_o,
        "duty": 1.5 * sold_o,
        "carrying": 0.25 * 14 * (sales / 2 + left + sold_o / 52 * 10),
        "obsolescence": left * (14 - 5) * 52 / 26,
        "delivery": 5200 / sold * sold_o,
    }
    off["total"] = sum(v for k, v in off.items() if k != "units_sold_per_yr")
    off["per_unit"] = off["total"] / sold_o
    return {"local": local, "offshore": off}


def _readme_costs_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- section:costs -->")
    nxt = text.find("<!-- section:", start + 10)
    return text[start : nxt if nxt > 0 else len(text)]


def test_readme_worked_example_reproduced():
    c = compare([_example_family()], site_cost_per_yr=80 * 150 + 10000 / 5, delivery_cost_per_yr=100 * 52)
    hand = _hand_check()
    section = _readme_costs_section()
    for source, lc in (("local", c.local), ("offshore", c.offshore)):
        model = {"units_sold_per_yr": lc.units_sold_per_yr, "per_unit": lc.per_unit, "total": lc.total_per_yr}
        model.update({k: lc.component_per_yr(k) for k in README_EXAMPLE[source] if k not in model})
        for key, printed in README_EXAMPLE[source].items():
            decimals = len(printed.split(".")[1])
            assert f"{model[key]:.{decimals}f}" == printed, (source, key)
            assert model[key] == pytest.approx(hand[source][key], rel=1e-12), (source, key)
            shown = f"{float(printed):,.{decimals}f}"
            assert shown in section, f"README costs section should show {shown} ({source} {key})"
    assert f"{c.saving_per_unit:.2f}" == README_EXAMPLE["saving_per_unit"]
    assert README_EXAMPLE["saving_per_unit"] in section


# --------------------------------------------------------------------------- landed cost, break-even


def test_scale_demand_matches_store_demand():
    products = load_products(example_products_path())
    total = sum(p.demand_mean_units_per_week for p in products)
    scaled = scale_demand(products, 1000.0 / total)
    assert sum(p.demand_mean_units_per_week for p in scaled) == pytest.approx(1000.0)
    for p, q in zip(products, scaled):
        cv = p.demand_std_units_per_week / p.demand_mean_units_per_week
        assert q.demand_std_units_per_week / q.demand_mean_units_per_week == pytest.approx(cv)
    with pytest.raises(InputError, match="factor"):
        scale_demand(products, 0.0)


def test_landed_cost_breakdown_adds_up():
    products = load_products(example_products_path())
    lc = landed_cost(products, "offshore", site_cost_per_yr=0, delivery_cost_per_yr=1000)
    table = lc.breakdown()
    assert list(table["component"])[-1] == "total"
    assert table["per_yr"].iloc[:-1].sum() == pytest.approx(lc.total_per_yr)
    assert table["per_unit"].iloc[-1] == pytest.approx(lc.per_unit)
    per_family = sum(f.total_per_yr for f in lc.families) + 1000
    assert lc.total_per_yr == pytest.approx(per_family)


def test_break_even_has_zero_saving():
    products = load_products(example_products_path())
    site, delivery = 40000.0, 15600.0
    be = break_even(products, site_cost_per_yr=site, delivery_cost_per_yr=delivery)
    assert np.isfinite(be.units_per_yr) and be.crossings_units_per_yr[-1] == be.units_per_yr
    base_units = 52 * sum(p.demand_mean_units_per_week for p in products)
    for units in be.crossings_units_per_yr:
        k = units / base_units
        scaled = [p.scaled(demand_mean_units_per_week=k, demand_std_units_per_week=k) for p in products]
        c = compare(scaled, site_cost_per_yr=site, delivery_cost_per_yr=delivery * k)
        assert abs(c.saving_per_unit) < 1e-8
    # README example: two crossings, local cheaper above the larger one
    ex = break_even([_example_family()], site_cost_per_yr=14000, delivery_cost_per_yr=5200)
    assert len(ex.crossings_units_per_yr) == 2 and "above" in ex.note


def test_no_break_even_is_reported():
    # local 22.5 a unit against offshore 14 landed, and no offshore MOQ to make small volumes dear
    p = dataclasses.replace(_example_family(), unit_cost_local=22.5, moq_offshore_units=0)
    be = break_even([p], site_cost_per_yr=14000, delivery_cost_per_yr=5200)
    assert math.isnan(be.units_per_yr)
    assert "offshore is cheaper at every volume" in be.note


def test_sensitivity_is_tidy_and_consistent():
    products = [_example_family()]
    table = sensitivity(products, site_cost_per_yr=14000, delivery_cost_per_yr=5200, change=0.1)
    assert table.groupby("input").size().eq(2).all()
    assert set(table["change"]) == {-0.1, 0.1}
    swings = table.drop_duplicates("input")["swing"].to_numpy()
    assert np.all(np.diff(swings) <= 0)
    row = table[(table["input"] == "site_cost_per_yr") & (table["change"] == 0.1)].iloc[0]
    c = compare(products, site_cost_per_yr=14000 * 1.1, delivery_cost_per_yr=5200)
    assert row["saving_vs_offshore"] == pytest.approx(c.saving_per_unit)
    base = compare(products, site_cost_per_yr=14000, delivery_cost_per_yr=5200)
    assert row["delta_saving_vs_offshore"] == pytest.approx(c.saving_per_unit - base.saving_per_unit)
    # an offshore-only input leaves the local landed cost unchanged
    duty = table[table["input"] == "duty_offshore_per_unit"]
    assert np.allclose(duty["landed_cost_per_unit"], base.local.per_unit)


def test_site_landed_costs_for_ranking():
    products = load_products(example_products_path())
    cand = pd.DataFrame(
        {
            "site_id": ["a", "b", "c", "d"],
            "floor_area_m2": [150.0, 150.0, 300.0, 100.0],
            "rent_per_m2_yr": [180.0, 360.0, 180.0, 200.0],
            "city": ["x", "x", "y", "y"],
        }
    )
    lanes = pd.DataFrame(
        {
            "site_id": ["a", "a", "b", "c"],
            "store_id": ["s1", "s2", "s1", "s1"],
            "cost_per_week": [100.0, 150.0, 240.0, 260.0],
        }
    )
    per_week = delivery_cost_per_week_by_site(lanes)
    out = site_landed_costs(cand, products, delivery_cost_per_week=per_week, setup_cost=5000)
    assert list(out["site_id"]) == ["a", "b", "c", "d"]
    for col in (
        "landed_cost_per_unit",
        "saving_vs_offshore",
        "saving_vs_offshore_per_yr",
        "offshore_landed_cost_per_unit",
        "break_even_units_per_yr",
    ):
        assert col in out.columns
    a = out.iloc[0]
    c = compare(
        products,
        site_cost_per_yr=150 * 180 + 5000 / cost_default("setup_amortisation_yr"),
        delivery_cost_per_yr=250 * 52,
    )
    assert a["landed_cost_per_unit"] == pytest.approx(c.local.per_unit)
    assert a["saving_vs_offshore"] == pytest.approx(c.saving_per_unit)
    assert a["saving_vs_offshore_per_yr"] == pytest.approx(c.saving_per_yr)
    assert out.loc[1, "landed_cost_per_unit"] > a["landed_cost_per_unit"]  # dearer rent, more delivery
    assert np.isnan(out.loc[3, "landed_cost_per_unit"])  # no lanes: not costed
    clusters = cluster_landed_costs(cand, products, delivery_cost_per_week=per_week, with_break_even=False)
    assert list(clusters["best_site_id"]) == ["a", "c"]
    # the area the microfactory needs, priced at every site (as the rent criterion of the ranking)
    fixed = site_landed_costs(
        cand.drop(columns="floor_area_m2"),
        products,
        floor_area_m2=500.0,
        delivery_cost_per_week=per_week,
        with_break_even=False,
    )
    assert fixed.loc[0, "site_cost_per_yr"] == pytest.approx(500 * 180)
    assert fixed.loc[1, "site_cost_per_yr"] == pytest.approx(500 * 360)
    with pytest.raises(MissingColumnError, match="rent_per_m2_yr"):
        site_landed_costs(cand.drop(columns="rent_per_m2_yr"), products)


# --------------------------------------------------------------------------- inputs and defaults


def test_cost_defaults_are_sourced():
    table = cost_defaults()
    assert {"parameter", "value", "unit", "source", "year", "grade"} <= set(table.columns)
    assert table["parameter"].is_unique
    assert table[["source", "year", "grade"]].notna().all().all()
    assert set(table["grade"]) <= {"A", "B", "C", "assumption"}
    assert cost_default("carrying_rate_per_yr") == 0.25
    assert _example_family().carrying_rate_per_yr == 0.25


def test_carrying_rate_default_within_reference_range(shared_dir):
    text = (shared_dir / "reference" / "cost-figures.md").read_text(encoding="utf-8")
    lo, hi = map(float, re.search(r"(\d+)-(\d+)% of inventory value per year", text).groups())
    assert lo / 100 <= cost_default("carrying_rate_per_yr") <= hi / 100


def test_example_products_load_and_demo_copy_matches():
    products = load_products(example_products_path())
    assert len(products) >= 3 and all(isinstance(p, ProductFamily) for p in products)
    for p in products:
        assert 50 <= p.moq_local_units <= 500 and p.moq_offshore_units >= 1000
    assert (REPO / "data" / "products.csv").read_bytes() == example_products_path().read_bytes()


def _write(tmp_path: Path, edit) -> Path:
    table = pd.read_csv(example_products_path())
    table = edit(table)
    path = tmp_path / "products.csv"
    table.to_csv(path, index=False)
    return path


def _set(col, value, row=1):
    def edit(t):
        t[col] = t[col].astype(object)
        t.loc[row, col] = value
        return t

    return edit


@pytest.mark.parametrize(
    "edit,expected",
    [
        (lambda t: t.drop(columns="unit_cost_local"), r"missing column.*'unit_cost_local'"),
        (lambda t: t.rename(columns={"season_weeks": "seasn_weeks"}), r"unknown column.*'seasn_weeks'"),
        (_set("price_per_unit", "abc"), r"line 3 .*'price_per_unit'.*not a number"),
        (_set("demand_std_units_per_week", -5), r"line 3 .*'demand_std_units_per_week'.*>= 0"),
        (_set("salvage_per_unit", 50.0), r"line 3 .*'salvage_per_unit'.*below"),
        (_set("moq_offshore_units", None), r"line 3, column 'moq_offshore_units'.*empty"),
        (_set("family", "basic_tshirt"), r"'basic_tshirt' appears twice"),
        (lambda t: t.iloc[0:0], r"no product families"),
    ],
)
def test_bad_product_csv_gives_clear_errors(tmp_path, edit, expected):
    path = _write(tmp_path, edit)
    with pytest.raises(InputError, match=expected) as info:
        load_products(path)
    assert str(path) in str(info.value)


def test_missing_product_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_products(tmp_path / "nope.csv")
