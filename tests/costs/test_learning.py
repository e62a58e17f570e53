"""Learning from sales and test drops (issue 22): the Kalman re-orders and the test drop vs the simulation and by hand.

The model (:mod:`siting.costs.learning`) is held to the seeded simulation of the same policy
(:func:`siting.costs.simulate_family`, which runs its own Kalman filter on sampled sales) within 1% on
cost and 0.005 on fill rate, for every demo family (normal, Poisson and the negative-binomial
artist_collab) at the CSV's volume and at the demo city's, both sources, with 20,000 seasons (each
case asserts the simulation's own standard error below 0.2% of the cost and 0.0015 of the fill rate,
a fifth of the tolerance or less). ``prior`` (no learning) is held on six cases, fashion_top and artist_collab
at the demo's volume among them (outside the 1% / 0.005 before issue 22's quadrature over the forecast's error).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from siting.costs import family_cost, family_costs, information_value, load_products, mix_for_demand, simulate_family
from siting.costs.forecast import level_drift_var_per_week
from siting.costs.learning import kalman_gains, kalman_step, read_test_drop
from siting.costs.products import ProductFamily, cost_default, example_products_path
from siting.costs.season import sourcing_cost, unsold_test_units
from siting.errors import InputError

CSV = load_products(example_products_path())
DEMO = mix_for_demand(CSV, 8008.0)
SEASONS = 20_000
POLICIES = {
    "kalman": {"reorder_forecast": "kalman"},
    "test_drop": {"reorder_forecast": "kalman", "test_drop_units": 100},
}
CASES = [
    (tag, p, policy, source)
    for tag, fams in (("csv", CSV), ("demo", DEMO))
    for p in fams
    for policy in POLICIES
    for source in ("local", "offshore")
    if not (policy == "test_drop" and source == "offshore")
]


@pytest.mark.parametrize("tag,family,policy,source", CASES, ids=[f"{t}-{p.family}-{pol}-{s}" for t, p, pol, s in CASES])
def test_learning_within_one_percent_of_simulation(tag, family, policy, source):
    model = family_cost(family, source, **POLICIES[policy])
    seasons = 4 * SEASONS if (tag, family.distribution) == ("csv", "negbin") else SEASONS  # a CV of 0.7 at 6 a week
    sim = simulate_family(family, source, seasons=seasons, seed=11, **POLICIES[policy])
    assert sim.orders_per_season == model.orders_per_season
    assert sim.cost_per_unit_se < 0.002 * sim.cost_per_unit and sim.fill_rate_se < 0.0015
    assert model.cost_per_unit == pytest.approx(sim.cost_per_unit, rel=0.01)
    assert model.fill_rate == pytest.approx(sim.fill_rate, abs=0.005)


NO_LEARNING = [
    ("demo", "basic_tshirt"),
    ("demo", "regional_print"),
    ("demo", "spare_parts"),
    ("csv", "artist_collab"),
    ("csv", "fashion_top"),  # 1.45% low and its fill rate 0.009 high before issue 22's quadrature over e0
    ("demo", "artist_collab"),  # its fill rate 0.007 high before it
]


@pytest.mark.parametrize("tag,name", NO_LEARNING)
def test_no_learning_within_one_percent_of_simulation(tag, name):
    p = {q.family: q for q in (DEMO if tag == "demo" else CSV)}[name]
    model = family_cost(p, "local", reorder_forecast="prior")
    seasons = 4 * SEASONS if (tag, p.distribution) == ("csv", "negbin") else SEASONS
    sim = simulate_family(p, "local", seasons=seasons, seed=11, reorder_forecast="prior")
    assert sim.cost_per_unit_se < 0.002 * sim.cost_per_unit and sim.fill_rate_se < 0.0015
    assert model.cost_per_unit == pytest.approx(sim.cost_per_unit, rel=0.01)
    assert model.fill_rate == pytest.approx(sim.fill_rate, abs=0.005)


def test_value_of_learning_agrees_with_the_simulation():
    """fashion_top's value of learning (prior - kalman, per unit) within 0.15 of the simulated one (about 10%; it
    read about 0.3 low before the quadrature over the forecast's error)."""
    fashion = {q.family: q for q in CSV}["fashion_top"]
    model, sim = {}, {}
    for mode in ("prior", "kalman"):
        model[mode] = family_cost(fashion, "local", reorder_forecast=mode).cost_per_unit
        sim[mode] = simulate_family(fashion, "local", seasons=SEASONS, seed=11, reorder_forecast=mode).cost_per_unit
    assert model["prior"] - model["kalman"] == pytest.approx(sim["prior"] - sim["kalman"], abs=0.15)


def test_kalman_step_by_hand_and_its_continuous_limit():
    # one step of d = 1 week: C = mean (P d + s2 d^2 / 2), V = mean^2 (P d^2 + s2 d^3 / 3) + std^2 d
    mean, noise_var, s2, p0 = 100.0, 900.0, 0.01, 0.2
    c = 100.0 * (0.2 + 0.005)
    v = 100.0**2 * (0.2 + 0.01 / 3.0) + 900.0
    gain, p1 = kalman_step(p0, 1.0, mean, noise_var, s2)
    assert gain == pytest.approx(c / v, rel=1e-12)
    assert p1 == pytest.approx(0.2 + 0.01 - c * c / v, rel=1e-12)
    # fine steps tend to the Kalman-Bucy steady state P* = s std / mean of dP/dt = s^2 - mean^2 P^2 / std^2
    p = p0
    for _ in range(200_000):
        p = kalman_step(p, 0.001, mean, noise_var, s2)[1]
    assert p == pytest.approx(math.sqrt(s2) * math.sqrt(noise_var) / mean, rel=2e-3)


def test_filter_variance_matches_an_independent_filter_run():
    """The model's P at the season's end equals the sample variance of (level - estimate) of a plain numpy filter."""
    mean, std, s2, p0 = 50.0, 20.0, 0.004, 0.1
    grid, _, var = kalman_gains(13.0, 1.0, 13.0, 1, mean, std * std, s2, p0)
    rng = np.random.default_rng(5)
    n = 100_000
    level = 1.0 + math.sqrt(p0) * rng.standard_normal(n)
    est, p = np.ones(n), p0
    for d in np.diff(grid):
        z = rng.standard_normal((3, n))
        integral = level * d + math.sqrt(s2) * (d**1.5 / 2.0 * z[0] + d**1.5 / math.sqrt(12.0) * z[1])
        y = mean * integral + std * math.sqrt(d) * z[2]
        c = mean * (p * d + s2 * d * d / 2.0)
        v = mean * mean * (p * d * d + s2 * d**3 / 3.0) + std * std * d
        est = est + c / v * (y - mean * est * d)
        p = p + s2 * d - c * c / v
        level = level + math.sqrt(s2 * d) * z[0]
    assert float(np.var(level - est)) == pytest.approx(var[-1], rel=0.02)


def test_test_drop_read_and_leftover_by_hand():
    # a test of q units reads the level with noise R = std^2 / (mean q): 900 / (100 x 100) = 0.09
    read, gain, post = read_test_drop(0.2, 100.0, 100.0, 900.0)
    assert read == pytest.approx(0.09)
    assert gain == pytest.approx(0.2 / 0.29)
    assert post == pytest.approx(0.2 * 0.09 / 0.29)
    assert read_test_drop(0.0, 100.0, 100.0, 900.0) == (math.inf, 0.0, 0.0)  # nothing to read
    # its unsold units: E[(q - D)^+], D ~ N(q, q^2 P_c + std^2 q / mean), by numerical integration
    p = dataclasses.replace({q.family: q for q in CSV}["fashion_top"], reorder_forecast="kalman", test_drop_units=100)
    s2 = level_drift_var_per_week(p.forecast_cv_preseason, p.season_weeks)
    p_c = s2 * (cost_default("forecast_horizon_weeks") - p.lead_time_local_weeks)
    sd = math.sqrt(100.0**2 * p_c + p.demand_std_units_per_week**2 * 100.0 / p.demand_mean_units_per_week)
    x = np.linspace(100.0 - 12 * sd, 100.0, 200_001)
    pdf = np.exp(-0.5 * ((x - 100.0) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    assert unsold_test_units(p, "local") == pytest.approx(float(np.trapezoid((100.0 - x) * pdf, x)), rel=1e-4)
    assert unsold_test_units(p, "offshore") == 0.0  # offshore commits up front: no test drop


@pytest.mark.parametrize("tag,family", [(t, p) for t, f in (("csv", CSV), ("demo", DEMO)) for p in f])
def test_more_information_never_costs_more(tag, family):
    level, kalman, prior = (
        family_cost(family, "local", reorder_forecast=m).cost_per_unit for m in ("level", "kalman", "prior")
    )
    assert level <= kalman + 1e-9 <= prior + 2e-9
    # offshore buying once a season cannot learn: its cost is the same with and without the filter
    off = sourcing_cost(dataclasses.replace(family, reorder_forecast="kalman"), "offshore")
    if off.buys_per_season == 1:
        assert family_cost(family, "offshore", reorder_forecast="kalman").cost_per_unit == pytest.approx(
            family_cost(family, "offshore", reorder_forecast="prior").cost_per_unit, rel=1e-12
        )


def test_information_value_and_the_families_table():
    info = information_value(CSV[1])  # fashion_top: learning is worth 1.5 a unit
    assert info.test_drop_units == cost_default("test_drop_units") == 100.0
    assert info.learning_value_per_unit == pytest.approx(info.cost_prior_per_unit - info.cost_kalman_per_unit)
    assert 1.0 < info.learning_value_per_unit < 2.0
    assert info.learning_value_per_yr == pytest.approx(info.learning_value_per_unit * 100.0 * 52.0)
    table = family_costs(CSV).set_index("family")
    for p in CSV:
        v = information_value(p)
        assert table.loc[p.family, "learning_value_local_per_unit"] == pytest.approx(v.learning_value_per_unit)
        assert table.loc[p.family, "test_drop_value_local_per_yr"] == pytest.approx(v.test_drop_value_per_yr)
    # regional_print (3 a week, offshore MOQ 2000): the test drop pays; a Poisson family has nothing to read
    assert table.loc["regional_print", "test_drop_value_local_per_unit"] > 0.1
    assert table.loc["spare_parts", "test_drop_value_local_per_unit"] == 0.0


def test_bad_learning_inputs_refused():
    base = dict(CSV[1].__dict__)
    with pytest.raises(InputError, match="reorder_forecast"):
        ProductFamily(**{**base, "reorder_forecast": "oracle"})
    with pytest.raises(InputError, match="test_drop_units.*kalman"):
        ProductFamily(**{**base, "reorder_forecast": "level", "test_drop_units": 100.0})
    with pytest.raises(InputError, match="test_drop_units"):
        ProductFamily(**{**base, "reorder_forecast": "kalman", "test_drop_units": 1e6})
    with pytest.raises(InputError, match="test_drop_units"):
        information_value(CSV[1], test_drop_units=0.0)


def test_the_manuals_table():
    """Every figure of docs/inventory-risk.md's learning table, and the CSV-volume test-drop values it quotes."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "inventory-risk.md").read_text(encoding="utf-8")
    section = text[text.index("## Learning from sales and test drops") :]
    section = section[: section.find("\n## ", 10)]
    rows = re.findall(r"^\| ([a-z_]+) \| ([\d.]+) \|((?: [-\d.,]+ \|)+)$", section, re.M)
    assert [r[0] for r in rows] == [p.family for p in DEMO]
    for (name, units, figures), p in zip(rows, DEMO):
        v = information_value(p)
        mine = (
            f"{family_cost(p, 'local', reorder_forecast='level').cost_per_unit:.2f}",
            f"{v.cost_prior_per_unit:.2f}",
            f"{v.cost_kalman_per_unit:.2f}",
            f"{v.cost_test_drop_per_unit:.2f}",
            f"{v.learning_value_per_unit:.2f}",
            f"{v.learning_value_per_yr:,.0f}",
            f"{v.test_drop_value_per_unit:.2f}",
            f"{family_cost(p, 'offshore', reorder_forecast='level').cost_per_unit:.2f}",
            f"{family_cost(p, 'offshore', reorder_forecast='kalman').cost_per_unit:.2f}",
        )
        assert units == f"{p.demand_mean_units_per_week:.1f}"
        assert [f.strip() for f in figures.strip(" |").split("|")] == list(mine), name
    csv = {p.family: p for p in CSV}
    assert f"{information_value(csv['regional_print']).test_drop_value_per_unit:.2f}" == "0.50"
    assert f"{information_value(csv['artist_collab']).test_drop_value_per_unit:.2f}" == "-0.82"
    assert "saves 0.50 a unit with a test drop; artist_collab's costs 0.82" in " ".join(section.split())


def _sweeps(p, source: str) -> dict:
    out = {
        f"moq_{source}_units": np.geomspace(1.0, 20_000.0, 13),
        f"lead_time_{source}_weeks": np.linspace(0.0, 20.0, 11),
        f"review_period_{source}_weeks": np.linspace(0.5, p.season_weeks, 9),
        "carrying_rate_per_yr": np.linspace(0.02, 0.6, 6),
    }
    if p.distribution != "poisson":
        out["forecast_cv_preseason"] = np.linspace(0.0, 1.5, 8)
        out["demand_std_units_per_week"] = p.demand_std_units_per_week * np.linspace(0.05, 3.0, 7)
    return out


MONOTONE = [
    pytest.param(t, p, s, id=f"{t}-{p.family}-{s}")
    for t, f in (("csv", CSV), ("demo", DEMO))
    for p in f
    for s in ("local", "offshore")
]


@pytest.mark.parametrize("tag,family,source", MONOTONE)
def test_learning_costs_are_monotone(tag, family, source):
    """As tests/costs/test_monotone.py, with the Kalman re-orders: no cost falls as a constraint tightens."""
    broken = []
    for name, grid in _sweeps(family, source).items():
        cost = np.array(
            [family_cost(family, source, reorder_forecast="kalman", **{name: float(v)}).cost_per_unit for v in grid]
        )
        step = np.diff(cost)
        if step.min() < -1e-9 * cost.max():
            i = int(np.argmin(step))
            broken.append(f"{name} {grid[i]:.4g} -> {grid[i + 1]:.4g}: {cost[i]:.5f} -> {cost[i + 1]:.5f}")
    assert not broken, broken


def test_the_simulated_demand_keeps_the_forecast_mean():
    """simulate_family's negative-binomial demand has the forecast's mean at a forecast CV of 1.5 (a level cut at 0
    made it 994 units a season instead of 939: seen failing), and its offshore cost rises with the forecast CV, as
    the model's (issue 22)."""
    p = {q.family: q for q in DEMO}["artist_collab"]
    sims = {
        cv: simulate_family(p, "offshore", seasons=SEASONS, seed=3, reorder_forecast="kalman", forecast_cv_preseason=cv)
        for cv in (0.86, 1.5)
    }
    season_mean = p.demand_mean_units_per_week * p.season_weeks
    for sim in sims.values():
        demand = sim.lost_units_per_season / (1.0 - sim.fill_rate)  # sold (net of returns) + lost, per season
        assert demand == pytest.approx(season_mean, rel=0.035)  # 4 standard errors
    assert sims[1.5].cost_per_unit > sims[0.86].cost_per_unit + 10 * sims[1.5].cost_per_unit_se
    model = [family_cost(p, "offshore", reorder_forecast="kalman", forecast_cv_preseason=cv) for cv in (0.86, 1.5)]
    assert model[1].cost_per_unit > model[0].cost_per_unit
