"""Tests of the business-case model against independent references: enumeration, simulation, hand sums."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from siting.costs import (
    co2e_per_unit,
    family_costs,
    frontier,
    grid_factor,
    load_products,
    mix_for_demand,
    newsvendor,
    sourcing_cost,
)
from siting.costs.forecast import level_drift_var_per_week, window_demand_std, window_demand_std_sim
from siting.costs.products import ProductFamily, cost_default, example_products_path
from siting.errors import InputError

# --------------------------------------------------------------------------- discrete newsvendor


def _enumerate(pmf: np.ndarray, price: float, cost: float, salvage: float, moq: int = 0) -> tuple[int, float, float]:
    """Best whole order by trying every Q, with profit summed over the demand pmf (no formula used)."""
    d = np.arange(len(pmf))
    best = (-1, -math.inf, 0.0, 0.0)
    for q in range(moq, len(pmf)):
        sales = np.minimum(d, q)
        profit = float((pmf * (price * sales + salvage * (q - sales) - cost * q)).sum())
        if profit > best[1] + 1e-12:
            best = (q, profit, float((pmf * sales).sum()), float((pmf * (q - sales)).sum()))
    q, profit, sales, left = best
    return q, sales, left


@pytest.mark.parametrize(
    "mean,std,dist,price,cost,salvage,moq",
    [
        (4.0, 2.0, "poisson", 25.0, 10.0, 2.0, 0),
        (12.5, 3.5, "poisson", 15.0, 6.0, 0.5, 0),
        (30.0, 30.0, "negbin", 79.0, 24.0, 6.0, 0),  # CV 1: small run, extra variance
        (30.0, 15.0, "negbin", 49.0, 30.0, 4.0, 50),  # the MOQ binds
        (8.0, 2.0, "negbin", 20.0, 12.0, 2.0, 0),  # variance below the mean: Poisson is used
    ],
)
def test_discrete_newsvendor_matches_enumeration(mean, std, dist, price, cost, salvage, moq):
    r = newsvendor(mean, std, price, cost, salvage, moq=moq, distribution=dist)
    k = np.arange(2000)
    var = std * std
    if dist == "negbin" and var > mean:
        pmf = stats.nbinom.pmf(k, mean**2 / (var - mean), mean / var)
    else:
        pmf = stats.poisson.pmf(k, mean)
    q, sales, left = _enumerate(pmf, price, cost, salvage, moq)
    assert r.order_qty == q
    assert r.expected_sales == pytest.approx(sales, abs=1e-9)
    assert r.expected_leftover == pytest.approx(left, abs=1e-9)
    assert r.expected_lost_sales == pytest.approx(mean - sales, abs=1e-9)
    # a given quantity is evaluated exactly too
    g = newsvendor(mean, std, price, cost, salvage, order_qty=q + 3, distribution=dist)
    d = np.minimum(k, q + 3)
    assert g.expected_sales == pytest.approx(float((pmf * d).sum()), abs=1e-9)


def test_normal_overstates_small_runs_against_the_negative_binomial():
    """The issue's audit: at CV 1, a small run's normal Q* and leftover exceed the negbin's."""
    args = (20.0, 20.0, 50.0, 20.0, 2.0)
    normal = newsvendor(*args)
    negbin = newsvendor(*args, distribution="negbin")
    assert normal.order_qty > 1.1 * negbin.order_qty
    assert normal.expected_leftover > 1.2 * negbin.expected_leftover


def test_bad_distribution_is_refused():
    with pytest.raises(InputError, match="distribution"):
        newsvendor(10, 3, 10, 4, 1, distribution="gamma")


# --------------------------------------------------------------------------- forecast error


@pytest.mark.parametrize(
    "horizon,window",
    [(14.0, 26.0), (1.0, 2.0), (0.0, 3.0), (4.0, 8.0)],
)
def test_forecast_error_matches_seeded_simulation(horizon, window):
    drift = level_drift_var_per_week(0.4, 26.0)
    model = window_demand_std(100.0, 20.0, drift, horizon, window)
    sim = window_demand_std_sim(100.0, 20.0, drift, horizon, window, n_runs=20_000, steps_per_week=20, seed=7)
    assert sim == pytest.approx(model, rel=0.03)


def test_preseason_cv_is_the_season_forecast_error():
    drift = level_drift_var_per_week(0.3, 26.0)  # CV 0.3 of the season's forecast made 26 weeks ahead
    assert window_demand_std(50.0, 0.0, drift, 26.0, 26.0) / (50.0 * 26) == pytest.approx(0.3, rel=1e-12)
    # by the season's start the error has halved (the level is learnt from sales from then on)
    assert window_demand_std(50.0, 0.0, drift, 0.0, 26.0) / (50.0 * 26) == pytest.approx(0.15, rel=1e-12)
    # with weeks independent (CV 0) the square-root-of-weeks model remains
    assert window_demand_std(50.0, 10.0, 0.0, 14.0, 26.0) == pytest.approx(10.0 * math.sqrt(26), rel=1e-12)


def test_offshore_buy_faces_a_larger_cv_than_a_local_run():
    """The issue's audit found the opposite (0.073 offshore vs 0.260 local for the tshirt): the ``level`` model."""
    p = dataclasses.replace(load_products(example_products_path())[1], reorder_forecast="level")  # fashion_top
    off = sourcing_cost(p, "offshore").cycles[0]
    loc = sourcing_cost(p, "local").cycles[0]
    assert off.std / off.mean > 1.5 * loc.std / loc.mean


def _simulate_season(p: ProductFamily, source: str, n_runs: int, seed: int) -> dict[str, float]:
    """Monte Carlo of one season with the model's order-up-to levels (weekly steps, level walk + noise)."""
    s = sourcing_cost(p, source)
    rng = np.random.default_rng(seed)
    mean, std, season = p.demand_mean_units_per_week, p.demand_std_units_per_week, int(p.season_weeks)
    lead = int(getattr(p, f"lead_time_{source}_weeks"))
    n = int(s.cycle_weeks)
    drift = level_drift_var_per_week(p.forecast_cv_preseason, p.season_weeks)
    sold = lost = left_end = 0.0
    for _ in range(n_runs):
        # the level walk in weekly steps; level[t + lead] = level at the start of week t (known then).
        # A week's demand integrates the walk over the week: its mean level is the start level plus
        # half the week's step plus an independent part of variance s^2 / 12 (Brownian bridge).
        steps = rng.normal(0, math.sqrt(drift), season + lead)
        level = 1.0 + np.concatenate([[0.0], np.cumsum(steps)])[:-1]
        within = steps / 2.0 + rng.normal(0, math.sqrt(drift / 12.0), season + lead)
        demand = mean * (level + within)[lead:] + rng.normal(0, std, season)  # normal demand, as the model
        stock, pipeline = 0.0, {}
        for t in range(-lead, season):
            if t + lead < season and (t + lead) % n == 0:  # an order placed now arrives at the cycle start
                j = (t + lead) // n
                cyc = s.cycles[j]
                x = level[t + lead]  # level known at the order
                target = cyc.order_qty * x if j == 0 else cyc.order_qty + cyc.mean * (x - 1.0)
                position = stock + sum(pipeline.values())
                pipeline[t + lead] = max(target - (0.0 if j == 0 else position), 0.0)
            if t >= 0:
                stock += pipeline.pop(t, 0.0)
                sale = min(stock, demand[t])
                sold += sale
                lost += demand[t] - sale
                stock -= sale
        left_end += stock
    return {"sold": sold / n_runs, "lost": lost / n_runs, "left": left_end / n_runs, "fill": sold / (sold + lost)}


def test_offshore_season_matches_simulation():
    """One season-long buy at the MOQ, committed 10 weeks ahead: sales and write-off by simulation (``level``: the
    simulation's buy knows the level)."""
    p = dataclasses.replace(
        load_products(example_products_path())[3],
        forecast_cv_preseason=0.4,
        demand_mean_units_per_week=100.0,
        reorder_forecast="level",
    )
    p = dataclasses.replace(p, demand_std_units_per_week=20.0, lead_time_offshore_weeks=10.0, moq_offshore_units=2000)
    s = sourcing_cost(p, "offshore")
    assert s.buys_per_season == 1
    sim = _simulate_season(p, "offshore", 4000, seed=3)
    seasons = 52 / p.season_weeks
    assert s.units_sold_per_yr / seasons == pytest.approx(sim["sold"], rel=0.02)
    assert s.written_off_units_per_yr / seasons == pytest.approx(sim["left"], rel=0.05)


def test_local_quick_response_season_close_to_simulation():
    """The local re-order policy (order up to the model's levels on the level known at each buy: ``level``)."""
    p = dataclasses.replace(
        load_products(example_products_path())[3], demand_mean_units_per_week=100.0, reorder_forecast="level"
    )
    p = dataclasses.replace(p, demand_std_units_per_week=20.0, forecast_cv_preseason=0.4)
    s = sourcing_cost(p, "local")
    assert s.buys_per_season > 5
    sim = _simulate_season(p, "local", 1500, seed=5)
    seasons = 52 / p.season_weeks
    assert s.fill_rate == pytest.approx(sim["fill"], abs=0.005)
    # the write-off at season end: the model's last buy with its carry-in against the simulated end
    # stock (the model does not follow the carry-in over every re-order: at a pre-season CV of 0.8
    # it is about 25% low, 23 units of a 2 600-unit season; at 0.4 within 5%)
    assert s.written_off_units_per_yr / seasons == pytest.approx(sim["left"], rel=0.1)
    low = dataclasses.replace(p, forecast_cv_preseason=0.2)
    sim = _simulate_season(low, "local", 1500, seed=6)
    assert sourcing_cost(low, "local").written_off_units_per_yr / seasons == pytest.approx(sim["left"], rel=0.08)


# --------------------------------------------------------------------------- mix, footprint, families


def test_mix_for_demand_and_regional_shares():
    products = load_products(example_products_path())
    mix = mix_for_demand(products, 8008.0)
    assert sum(p.demand_mean_units_per_week for p in mix) == pytest.approx(8008.0)
    regional = mix_for_demand(products, 1000.0, shares={"regional_print": 3, "basic_tshirt": 1})
    assert [p.family for p in regional] == ["regional_print", "basic_tshirt"]
    assert regional[0].demand_mean_units_per_week == pytest.approx(750.0)
    with pytest.raises(InputError, match="unknown family 'jeans'"):
        mix_for_demand(products, 1000.0, shares={"jeans": 1})
    with pytest.raises(InputError, match="every share is 0"):
        mix_for_demand(products, 1000.0, shares={"basic_tshirt": 0})


def test_co2e_per_unit_by_hand():
    from siting.delivery.emissions import FREIGHT_MODES

    products = mix_for_demand(load_products(example_products_path()), 1000.0)
    out = co2e_per_unit(
        products,
        unit_weight_kg=0.5,
        grid_kg_co2e_per_kwh=grid_factor("FI"),
        local_last_mile_kg_per_week=50.0,
        offshore_last_mile_kg_per_week=80.0,
    )
    sea, road = FREIGHT_MODES["container_ship_avg"], FREIGHT_MODES["hgv_all_avg"]
    per_kg = (
        1.1
        / 1000
        * (20_000 * (sea.ttw_kg_per_tkm + sea.wtt_kg_per_tkm) + 30 * (road.ttw_kg_per_tkm + road.wtt_kg_per_tkm))
    )
    kwh = 1.0  # every example family uses the default energy per unit
    assert out["local"].production_energy == pytest.approx(kwh * 0.08)
    assert out["local"].inbound_freight == pytest.approx(0.5 * 1.15 * per_kg)
    assert out["local"].last_mile == pytest.approx(0.05)
    assert out["offshore"].production_energy == pytest.approx(kwh * 0.58)
    assert out["offshore"].inbound_freight == pytest.approx(0.5 * per_kg)
    # goods made and written off unsold: each carries its electricity (1 kWh) at the producing grid
    demand = 1000.0 * 52
    for side, grid in (("local", 0.08), ("offshore", 0.58)):
        unsold = sum(sourcing_cost(p, side).written_off_units_per_yr for p in products) * 1.0 * grid / demand
        assert out[side].unsold_goods == pytest.approx(unsold, rel=1e-12) and unsold > 0
    assert out["offshore"].unsold_goods > 5 * out["local"].unsold_goods
    assert out["offshore"].total == pytest.approx(0.58 + 0.5 * per_kg + 0.08 + out["offshore"].unsold_goods)
    assert grid_factor("XX") == grid_factor("EU27") == 0.281


def test_example_families_show_both_outcomes_for_readable_reasons():
    mix = mix_for_demand(load_products(example_products_path()), 8008.0)
    units = 8008.0 * 52
    t = family_costs(
        mix, site_cost_per_yr=0.3 * units, delivery_cost_per_yr=0.8 * units, offshore_delivery_cost_per_yr=1.1 * units
    )
    t = t.set_index("family")
    assert set(t["cheaper"]) == {"local", "offshore"}
    assert t.loc["basic_tshirt", "cheaper"] == "offshore"
    # the staple: the unit-cost gap outweighs everything offshore adds
    gap = t.loc["basic_tshirt", "production_local_per_unit"] - t.loc["basic_tshirt", "production_offshore_per_unit"]
    added = sum(
        t.loc["basic_tshirt", f"{c}_offshore_per_unit"]
        for c in ("freight_duty", "carrying", "unsold_stock", "lost_margin")
    )
    assert gap > added
    # the limited edition: unsold stock and lost margin offshore exceed the production-cost gap
    a = t.loc["artist_collab"]
    assert a["cheaper"] == "local"
    assert a["unsold_stock_offshore_per_unit"] + a["lost_margin_offshore_per_unit"] > (
        a["production_local_per_unit"] - a["production_offshore_per_unit"]
    )
    # its MOQ covers the drop many times over: offshore rarely runs out, it writes off
    assert a["unsold_stock_offshore_per_unit"] > 5 * a["unsold_stock_local_per_unit"]
    parts = [
        f"{c}_local_per_unit"
        for c in ("production", "freight_duty", "carrying", "unsold_stock", "lost_margin", "delivery", "site")
    ]
    assert t[parts].sum(axis=1).to_numpy() == pytest.approx(t["landed_cost_local_per_unit"].to_numpy())


def test_frontier_value_is_where_the_saving_changes_sign():
    from siting.costs.families import MAP_INPUT

    mix = mix_for_demand(load_products(example_products_path()), 8008.0)
    units = 8008.0 * 52
    kw = dict(site_cost_per_yr=0.3 * units, delivery_cost_per_yr=0.8 * units, offshore_delivery_cost_per_yr=1.1 * units)
    table, curves = frontier(mix, **kw)
    found = table[np.isfinite(table["frontier_value"])]
    assert len(found) >= 4
    by_family = {p.family: p for p in mix}
    for r in found.itertuples():
        p = by_family[r.family]
        if r.at.startswith("forecast_cv_preseason="):
            p = dataclasses.replace(p, forecast_cv_preseason=float(r.at.split("=")[1]))
        eps = 1e-3 * max(abs(r.frontier_value), 1.0)
        # the same overheads per unit as in the mix: scale the yearly overheads to this family's volume
        share = p.demand_mean_units_per_week * 52 / units
        kw1 = {k: v * share for k, v in kw.items()}
        below = family_costs([dataclasses.replace(p, **{r.input: r.frontier_value - eps})], **kw1)
        above = family_costs([dataclasses.replace(p, **{r.input: r.frontier_value + eps})], **kw1)
        s_lo = below["saving_vs_offshore_per_unit"].iloc[0]
        s_hi = above["saving_vs_offshore_per_unit"].iloc[0]
        assert (s_lo > 0) != (s_hi > 0) or abs(s_lo) < 1e-3 or abs(s_hi) < 1e-3, r
    limited = table[(table["family"] == "artist_collab")]
    assert len(limited) == 7
    # the three sweeps, and the figure's forecast CV x offshore MOQ map (issue 22)
    assert set(curves["input"]) == {"forecast_cv_preseason", "moq_offshore_units", "season_weeks", MAP_INPUT}


def test_defaults_are_sourced_and_grids_dated():
    from siting.costs import cost_defaults, grid_factors

    assert cost_default("duty_rate_offshore") == 0.12
    g = grid_factors()
    assert g[["source", "year", "grade"]].notna().all().all() and (g["year"] > 2000).all()
    assert cost_defaults()[["source", "year"]].notna().all().all()
