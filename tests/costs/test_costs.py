"""Tests of the newsvendor, the product-family loader and the landed-cost model (siting.costs)."""

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

from siting.costs.landed import COMPONENTS
from siting.costs.products import cost_default, cost_defaults, example_products_path
from siting.costs.sites import (
    SITE_COLUMNS,
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
    assert more.written_off_units_per_yr > base.written_off_units_per_yr
    assert more.unsold_stock_per_yr > base.unsold_stock_per_yr


def test_longer_lead_time_raises_stock_and_carrying_cost():
    p = _example_family()
    for source, mode in (("local", "kalman"), ("offshore", "level"), ("offshore", "kalman")):
        q = dataclasses.replace(p, reorder_forecast=mode)
        runs = [sourcing_cost(q.scaled(**{f"lead_time_{source}_weeks": f}), source) for f in (0.5, 1, 2, 4)]
        for a, b in zip(runs, runs[1:]):
            if source == "local":  # owned over the whole lead time
                assert b.pipeline_units > a.pipeline_units
            else:  # FOB: owned for the 4.3 weeks at sea only, whatever the production time
                assert b.pipeline_units == pytest.approx(a.pipeline_units, rel=0.05)
            if mode == "kalman" and source == "offshore":
                # one buy on the forecast made 26 weeks ahead: committing it later teaches nothing (the error
                # at the season's opening is s^2 H whatever L < H), so the cost only may not fall
                assert b.carrying_per_yr >= a.carrying_per_yr - 1e-9 and b.total_per_yr >= a.total_per_yr - 1e-9
                continue
            assert b.carrying_per_yr > a.carrying_per_yr
            assert b.total_per_yr > a.total_per_yr


def test_incoterm_sets_when_offshore_goods_are_carried():
    """FOB/EXW/CIF: transit weeks at FOB + freight + insurance; DDP: none; the on-hand stock alike."""
    p = _example_family()
    fob = sourcing_cost(p, "offshore")
    ddp = sourcing_cost(dataclasses.replace(p, incoterm="ddp"), "offshore")
    bought_per_week = (fob.units_sold_per_yr + fob.written_off_units_per_yr) / 52
    assert fob.pipeline_units == pytest.approx(bought_per_week * 4.3, rel=1e-12)
    assert ddp.pipeline_units == 0.0
    value = 12 + 0.5 + 0.005 * 12  # duty is paid on arrival
    assert fob.carrying_per_yr - ddp.carrying_per_yr == pytest.approx(0.2 * value * fob.pipeline_units, rel=1e-12)
    short = sourcing_cost(dataclasses.replace(p, lead_time_offshore_weeks=3.0), "offshore")
    bought_short = (short.units_sold_per_yr + short.written_off_units_per_yr) / 52
    assert short.pipeline_units == pytest.approx(bought_short * 3.0, rel=1e-12)  # transit capped at the lead time
    with pytest.raises(InputError, match="incoterm"):
        dataclasses.replace(p, incoterm="FCA")


def test_markdown_recovers_part_of_the_leftover_before_the_jobber():
    p = _example_family()
    md = dataclasses.replace(p, markdown_price_per_unit=10.0, markdown_sell_through=0.5)
    assert md.recovery_per_unit() == pytest.approx(0.5 * 10 + 0.5 * 5)
    # the same as one salvage value of 7.5 (the recovery is all the model uses at the season's end)
    same = dataclasses.replace(p, salvage_per_unit=7.5)
    for source in ("local", "offshore"):
        assert sourcing_cost(md, source).total_per_yr == pytest.approx(sourcing_cost(same, source).total_per_yr)
        assert sourcing_cost(md, source).total_per_yr < sourcing_cost(p, source).total_per_yr
    with pytest.raises(InputError, match="markdown_sell_through"):
        dataclasses.replace(p, markdown_sell_through=1.5)
    with pytest.raises(InputError, match="markdown_price_per_unit"):
        dataclasses.replace(p, markdown_price_per_unit=4.0, markdown_sell_through=0.2)
    with pytest.raises(InputError, match="recovers"):
        dataclasses.replace(p, markdown_price_per_unit=20.0, markdown_sell_through=0.9)


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
        lead_time_local_weeks=1,
        lead_time_offshore_weeks=10,
        review_period_local_weeks=2,
        review_period_offshore_weeks=26,
        salvage_per_unit=5,
        freight_offshore_per_unit=0.5,
        duty_rate_offshore=0.12,
        insurance_rate_offshore=0.005,
        season_weeks=26,
        carrying_rate_per_yr=0.20,
        forecast_cv_preseason=0.2,
        reorder_forecast="level",  # the worked example is worked by hand for the model where each buy knows the level
    )


#: The worked example's site and delivery costs (README, section "costs").
EXAMPLE_SITE, EXAMPLE_DELIVERY, EXAMPLE_OFFSHORE_DELIVERY = 14_000.0, 5_200.0, 6_240.0

# Hand-checked in the README (section "costs"); values as printed there (per unit of demand).
README_EXAMPLE = {
    "local": {
        "production": "15.0000",
        "freight_duty": "0.0000",
        "carrying": "0.1588",
        "unsold_stock": "0.0551",
        "lost_margin": "0.0622",
        "delivery": "1.0000",
        "site": "2.6923",
        "per_unit": "18.9685",
        "fill_rate": "0.9938",
    },
    "offshore": {
        "production": "12.0000",
        "freight_duty": "2.0672",
        "carrying": "1.0779",
        "unsold_stock": "1.0664",
        "lost_margin": "0.2767",
        "delivery": "1.2000",
        "site": "0.0000",
        "per_unit": "17.6882",
        "fill_rate": "0.9747",
    },
    "saving_per_unit": "-1.2803",
}


def _hand_check() -> dict[str, dict[str, float]]:
    """The README's arithmetic, written out with scipy.stats only (independent of siting.costs)."""
    norm = stats.norm

    def loss(z: float) -> float:
        return norm.pdf(z) - z * norm.sf(z)

    price, salvage, rate, demand = 25.0, 5.0, 0.20, 100.0 * 52
    s2 = 0.2**2 / (26 + 26 / 3)  # level drift per week: CV 0.2 of the season forecast 26 weeks ahead
    out = {}
    # local: R = 2 weeks, L = 1 week, 13 buys a season
    c = 15.0
    hold = rate * c * 2 / 52
    cr = (price - c) / (price - c + hold)

    def cycle(mean: float, sd: float, crit: float, moq: float = 0.0) -> tuple[float, float]:
        q = max(mean + norm.ppf(crit) * sd, moq)
        z = (q - mean) / sd
        lost = sd * loss(z)
        return lost, q - (mean - lost)

    sd0 = math.sqrt(100**2 * s2 * (1 * 2**2 + 2**3 / 3) + 2 * 20**2)
    sd1 = math.sqrt(100**2 * s2 * (3**3 / 3) + 3 * 20**2)
    lost0, left0 = cycle(200, sd0, cr, 50)
    lost_m, left_m = cycle(300, sd1, cr)
    # the last buy: overage = c - salvage + one cycle's carrying, CR = 10 / (20 + hold)
    q_mid, q_last = 300 + norm.ppf(cr) * sd1, 300 + norm.ppf(10 / (20 + hold)) * sd1
    # its write-off and lost sales with the carry-in: position minus target E ~ N(Q_mid - Q_last - 200,
    # sd_e), the end stock (Q_last + max(E, 0) - D)^+ and the shortage (D - Q_last - max(E, 0))^+ with
    # D ~ N(300, sd1), integrated numerically over E
    sd_e = math.sqrt(100**2 * (2**2 * s2 * 11 * 2 + s2 * (3**2 * 2 + 2**3 / 3 + 3 * 2**2)) + 2 * 20**2)

    def end_stock(e: float) -> float:
        z = (q_last + max(e, 0.0) - 300) / sd1
        return sd1 * (z + loss(z))  # E[(x - D)^+] = sd (z + L(z))

    def short(e: float) -> float:
        return sd1 * loss((q_last + max(e, 0.0) - 300) / sd1)  # E[(D - x)^+] = sd L(z)

    mu_e = q_mid - q_last - 200

    def over_e(f) -> float:
        return integrate.quad(
            lambda e: f(e) * norm.pdf(e, mu_e, sd_e), mu_e - 12 * sd_e, mu_e + 12 * sd_e, epsabs=1e-12, limit=200
        )[0]

    left_z, lost_z = over_e(end_stock), over_e(short)
    lost = lost0 + 11 * lost_m + lost_z
    sales = 13 * 200 - lost
    on_hand = (left0 + (200 - lost0) / 2 + 11 * (left_m + (200 - lost_m) / 2) + left_z + (200 - lost_z) / 2) / 13
    pipeline = (sales + left_z) / 26 * 1
    local = {
        "production": c * demand,
        "freight_duty": 0.0,
        "carrying": rate * c * (on_hand + pipeline),
        "unsold_stock": 2 * left_z * (c - salvage),
        "lost_margin": 2 * lost * (price - c),
        "delivery": EXAMPLE_DELIVERY,
        "site": EXAMPLE_SITE,
    }
    out["local"] = {k: v / demand for k, v in local.items()}
    out["local"]["fill_rate"] = sales / 2600
    # offshore: one buy per 26-week season, L = 10 weeks, MOQ 2840; duty 12% of CIF
    fob, freight = 12.0, 0.5
    insurance = 0.005 * fob
    c = fob + freight + insurance + 0.12 * (fob + freight + insurance)
    sd = math.sqrt(100**2 * s2 * (10 * 26**2 + 26**3 / 3) + 26 * 20**2)
    lost, left = cycle(2600, sd, (price - c) / (price - salvage), 2840)
    sales = 2600 - lost
    off = {
        "production": fob * demand,
        "freight_duty": (c - fob) * demand,
        # FOB: owned from departure, so 4.3 of the 10 weeks' lead time are carried, at FOB + freight +
        # insurance (duty is paid on arrival); on hand at c
        "carrying": rate * (c * (left + sales / 2) + (fob + freight + insurance) * (sales + left) / 26 * 4.3),
        "unsold_stock": 2 * left * (c - salvage),
        "lost_margin": 2 * lost * (price - c),
        "delivery": EXAMPLE_OFFSHORE_DELIVERY,
        "site": 0.0,
    }
    out["offshore"] = {k: v / demand for k, v in off.items()}
    out["offshore"]["fill_rate"] = sales / 2600
    for side in out.values():
        side["per_unit"] = sum(v for k, v in side.items() if k != "fill_rate")
    return out


def _readme_costs_section() -> str:
    """The worked example's page (it moved from the README to docs/inventory-risk.md with issue 22)."""
    text = (REPO / "docs" / "inventory-risk.md").read_text(encoding="utf-8")
    start = text.index("## Worked example")
    nxt = text.find("\n## ", start + 10)
    return text[start : nxt if nxt > 0 else len(text)]


def _example_comparison():
    return compare(
        [_example_family()],
        site_cost_per_yr=EXAMPLE_SITE,
        delivery_cost_per_yr=EXAMPLE_DELIVERY,
        offshore_delivery_cost_per_yr=EXAMPLE_OFFSHORE_DELIVERY,
    )


def _example_comparison_site(site: float):
    return compare(
        [_example_family()],
        site_cost_per_yr=site,
        delivery_cost_per_yr=EXAMPLE_DELIVERY,
        offshore_delivery_cost_per_yr=EXAMPLE_OFFSHORE_DELIVERY,
    )


def test_readme_worked_example_reproduced():
    c = _example_comparison()
    hand = _hand_check()
    section = _readme_costs_section()
    for source, lc in (("local", c.local), ("offshore", c.offshore)):
        model = {k: lc.component_per_unit(k) for k in COMPONENTS}
        model.update(per_unit=lc.per_unit, fill_rate=lc.fill_rate)
        for key, printed in README_EXAMPLE[source].items():
            decimals = len(printed.split(".")[1])
            assert f"{model[key]:.{decimals}f}" == printed, (source, key)
            assert model[key] == pytest.approx(hand[source][key], rel=1e-9, abs=1e-12), (source, key)
            assert printed in section, f"README costs section should show {printed} ({source} {key})"
    assert f"{c.saving_per_unit:.4f}" == README_EXAMPLE["saving_per_unit"]
    assert README_EXAMPLE["saving_per_unit"] in section
    # the sentence reading the breakdown
    lo, off = c.local.component_per_unit, c.offshore.component_per_unit
    diffs = {
        "0.93 more": lo("production") - off("production") - off("freight_duty"),
        "2.69 of": lo("site"),
        "0.92 more in carrying": off("carrying") - lo("carrying"),
        "1.23 more in unsold": off("unsold_stock") + off("lost_margin") - lo("unsold_stock") - lo("lost_margin"),
        "0.20 more in delivery": off("delivery") - lo("delivery"),
    }
    for text, value in diffs.items():
        assert text in " ".join(section.split()), text
        assert f"{value:.2f}" == text.split()[0], (text, value)
    assert c.saving_per_unit < 0 < _example_comparison_site(7_000.0).saving_per_unit  # "a site at 7 000 ..."


def test_duty_is_charged_on_the_cif_value():
    p = _example_family()
    cif = 12 + 0.5 + 0.005 * 12
    assert p.duty_offshore_per_unit() == pytest.approx(0.12 * cif, rel=1e-15)
    assert p.acquisition_cost("offshore") == pytest.approx(cif * 1.12, rel=1e-15)
    fob = dataclasses.replace(p, duty_basis="fob")
    assert fob.duty_offshore_per_unit() == pytest.approx(0.12 * 12, rel=1e-15)


def test_total_is_price_times_demand_minus_expected_profit():
    """A lost sale costs its margin: total cost = price x demand - expected profit, both sides."""
    p = _example_family()
    for source in ("local", "offshore"):
        s = sourcing_cost(p, source)
        c = p.acquisition_cost(source)
        revenue = p.price_per_unit * s.units_sold_per_yr + p.salvage_per_unit * s.written_off_units_per_yr
        profit = revenue - c * (s.units_sold_per_yr + s.written_off_units_per_yr) - s.carrying_per_yr
        assert s.total_per_yr == pytest.approx(p.price_per_unit * s.demand_units_per_yr - profit, rel=1e-12)


# --------------------------------------------------------------------------- landed cost, break-even


def test_scale_demand_matches_store_demand():
    products = load_products(example_products_path())
    total = sum(p.demand_mean_units_per_week for p in products)
    scaled = scale_demand(products, 1000.0 / total)
    assert sum(p.demand_mean_units_per_week for p in scaled) == pytest.approx(1000.0)
    for p, q in zip(products, scaled):
        assert q.demand_std_units_per_week / q.demand_mean_units_per_week == pytest.approx(
            p.demand_std_units_per_week / p.demand_mean_units_per_week
        )
    with pytest.raises(InputError, match="factor"):
        scale_demand(products, 0.0)


def test_landed_cost_breakdown_adds_up():
    products = load_products(example_products_path())
    lc = landed_cost(products, "offshore", site_cost_per_yr=0, delivery_cost_per_yr=1000)
    table = lc.breakdown()
    assert list(table["component"]) == [*COMPONENTS, "total"]
    assert table["per_yr"].iloc[:-1].sum() == pytest.approx(table["per_yr"].iloc[-1])
    assert table["per_unit"].iloc[-1] == pytest.approx(lc.per_unit)
    assert lc.units_per_yr == pytest.approx(52 * sum(p.demand_mean_units_per_week for p in products))


def test_break_even_has_zero_saving():
    products = [_example_family()]
    site, delivery, off = 40_000.0, EXAMPLE_DELIVERY, EXAMPLE_OFFSHORE_DELIVERY  # offshore wins at base volume
    be = break_even(products, site_cost_per_yr=site, delivery_cost_per_yr=delivery, offshore_delivery_cost_per_yr=off)
    assert np.isfinite(be.units_per_yr), be.note
    scaled = scale_demand(products, be.scale)
    c = compare(
        scaled,
        site_cost_per_yr=site,
        delivery_cost_per_yr=delivery * be.scale,
        offshore_delivery_cost_per_yr=off * be.scale,
    )
    assert abs(c.saving_per_unit) < 1e-6


def test_no_break_even_is_reported():
    # local 22.5 a unit against offshore 14 landed, no MOQ and no forecast error: offshore always wins
    p = dataclasses.replace(_example_family(), unit_cost_local=22.5, moq_offshore_units=0, forecast_cv_preseason=0.0)
    be = break_even([p], site_cost_per_yr=1000)
    assert np.isnan(be.units_per_yr) and "offshore is cheaper at every volume" in be.note


def test_sensitivity_is_tidy_and_consistent():
    products = [_example_family()]
    table = sensitivity(products, site_cost_per_yr=14000, delivery_cost_per_yr=5200, change=0.1)
    assert set(table["change"]) == {-0.1, 0.1}
    assert table["swing"].is_monotonic_decreasing
    row = table[(table["input"] == "site_cost_per_yr") & (table["change"] == 0.1)].iloc[0]
    c = compare(products, site_cost_per_yr=14000 * 1.1, delivery_cost_per_yr=5200)
    assert row["saving_vs_offshore_per_unit"] == pytest.approx(c.saving_per_unit)
    base = compare(products, site_cost_per_yr=14000, delivery_cost_per_yr=5200)
    assert row["delta_saving_vs_offshore_per_unit"] == pytest.approx(c.saving_per_unit - base.saving_per_unit)
    # an offshore-only input leaves the local landed cost unchanged
    duty = table[table["input"] == "duty_rate_offshore"]
    assert np.allclose(duty["landed_cost_local_per_unit"], base.local.per_unit)


def test_site_landed_costs_for_ranking():
    products = load_products(example_products_path())
    cand = pd.DataFrame(
        {
            "site_id": ["a", "b", "c", "d"],
            "rent_per_m2_yr": [180.0, 360.0, 180.0, 200.0],
            "floor_area_m2": [600.0, 900.0, 600.0, 700.0],
            "city": ["x", "x", "y", "y"],
        }
    )
    lanes = pd.DataFrame({"site_id": ["a", "a", "b", "c"], "cost_per_week": [100.0, 50.0, 300.0, 400.0]})
    per_week = delivery_cost_per_week_by_site(lanes)
    out = site_landed_costs(cand, products, delivery_cost_per_week=per_week, setup_cost=5000, with_break_even=False)
    assert list(out.columns) == SITE_COLUMNS
    a = out.iloc[0]
    c = compare(products, site_cost_per_yr=180 * 600 + 1000, delivery_cost_per_yr=150 * 52)
    assert a["landed_cost_local_per_unit"] == pytest.approx(c.local.per_unit)
    assert a["saving_vs_offshore_per_unit"] == pytest.approx(c.saving_per_unit)
    assert a["saving_vs_offshore_per_yr"] == pytest.approx(c.saving_per_yr)
    assert a["units_per_yr"] == pytest.approx(52 * sum(p.demand_mean_units_per_week for p in products))
    parts = [f"{k}_local_per_unit" for k in COMPONENTS]
    assert a[parts].sum() == pytest.approx(a["landed_cost_local_per_unit"])
    assert out.loc[1, "landed_cost_local_per_unit"] > a["landed_cost_local_per_unit"]  # dearer rent, more delivery
    assert np.isnan(out.loc[3, "landed_cost_local_per_unit"])  # no lanes: not costed
    # sites a and c pay the same rent but c's lanes cost more: the saving is not rent restated
    assert out.loc[2, "saving_vs_offshore_per_unit"] < a["saving_vs_offshore_per_unit"]
    clusters = cluster_landed_costs(cand, products, delivery_cost_per_week=per_week, with_break_even=False)
    assert list(clusters["city"]) == ["x", "y"]
    assert clusters.loc[0, "best_site_id"] == "a"
    fixed = site_landed_costs(
        cand.drop(columns="floor_area_m2"),
        products,
        delivery_cost_per_week=per_week,
        floor_area_m2=500,
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
    assert cost_default("carrying_rate_per_yr") == 0.20  # without obsolescence (unsold stock is costed apart)
    fields = {k: v for k, v in dataclasses.asdict(_example_family()).items() if k != "carrying_rate_per_yr"}
    assert ProductFamily(**fields).carrying_rate_per_yr == 0.20


def test_carrying_rate_default_within_reference_range(shared_dir):
    text = (shared_dir / "reference" / "cost-figures.md").read_text(encoding="utf-8")
    lo, hi = map(float, re.search(r"(\d+)-(\d+)% of inventory value per year", text).groups())
    assert lo / 100 <= cost_default("carrying_rate_per_yr") <= hi / 100


def test_example_products_load_and_demo_copy_matches():
    products = load_products(example_products_path())
    assert len(products) >= 3 and all(isinstance(p, ProductFamily) for p in products)
    for p in products:
        assert 1 <= p.moq_local_units <= 500 and p.moq_offshore_units >= 1000
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
        (_set("distribution", "gamma"), r"line 3 .*'distribution'.*not one of normal, poisson, negbin"),
        (
            lambda t: t.assign(duty_offshore_per_unit=1.0),
            r"'duty_offshore_per_unit' is no longer used.*duty_rate_offshore",
        ),
        (_set("forecast_cv_preseason", 0.3, row=4), r"line 6 .*Poisson.*negbin"),
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


def test_origins_table_is_sourced_and_bangladesh_lands_20_percent_below_china():
    from siting.costs import origins, with_origin

    table = origins()
    assert {"CN", "BD"} <= set(table.index)
    assert table[["source", "year", "grade"]].astype(str).apply(lambda c: c.str.len() > 0).all().all()
    tee = load_products(example_products_path())[0]
    china, bangladesh = with_origin(tee, "cn"), with_origin(tee, "BD")
    assert china.origin == "CN" and bangladesh.duty_rate_offshore == 0.0
    assert china.acquisition_cost("offshore") == pytest.approx(tee.acquisition_cost("offshore"))  # the reference
    # McKinsey 2018: total landed cost about 20% below China's
    ratio = bangladesh.acquisition_cost("offshore") / china.acquisition_cost("offshore")
    assert ratio == pytest.approx(0.80, abs=0.005)
    assert bangladesh.lead_time_offshore_weeks == table.loc["BD", "lead_time_offshore_weeks"]
    with pytest.raises(InputError, match="origins.csv"):
        with_origin(tee, "XX")
