"""The brand volume frame: offshore buys priced at the brand's volume and allocated by demand (siting.costs.brand)."""

from __future__ import annotations

import dataclasses
import math
import types

import pandas as pd
import pytest

from siting.costs import landed_cost, load_products, mix_for_demand, simulate_family, sourcing_cost
from siting.costs.brand import brand_family, brand_family_cost, brand_sourcing_cost, brand_volumes
from siting.costs.families import family_costs
from siting.costs.products import example_products_path
from siting.errors import InputError
from siting.pipeline import CostOptions, RankOptions
from siting.pipeline.brand_frame import brand_frame

CSV = load_products(example_products_path())
#: The Malta demo's smallest cluster (gharb: 4 stores, 65 units a week) and the whole brand (10 clusters).
GHARB_UNITS, MALTA_UNITS = 65.0, 14_335.0


def _hand_family() -> object:
    """basic_tshirt with deterministic demand: 20 a week over a 26-week season, an offshore MOQ of 2,000."""
    return dataclasses.replace(
        CSV[0],
        demand_mean_units_per_week=20.0,
        demand_std_units_per_week=0.0,
        forecast_cv_preseason=0.0,
        moq_offshore_units=2000.0,
        season_weeks=26.0,
    )


def test_hand_worked_moq_write_off():
    """Worked by hand: alone the city buys the MOQ (2,000) for a season's 520 units and writes off 1,480.

    The brand (60 a week, 1,560 a season) buys the same 2,000 and writes off 440; the city's
    share (20/60) is 146.67 a season. Written-off units cost c - salvage each, c the landed
    acquisition cost: FOB 5.5 + freight 0.4 + insurance 0.5% x 5.5 + duty 12% of CIF.
    """
    p = _hand_family()
    fob = 5.5
    cif = fob + 0.4 + 0.005 * fob
    c = cif + 0.12 * cif
    loss = c - 2.0  # salvage 2.0, no markdown
    alone = sourcing_cost(p, "offshore")
    shared = brand_sourcing_cost(p, 60.0)
    seasons = 52.0 / 26.0
    assert alone.written_off_units_per_yr == pytest.approx(1480.0 * seasons)
    assert shared.written_off_units_per_yr == pytest.approx(440.0 / 3.0 * seasons)
    assert alone.unsold_stock_per_yr / alone.demand_units_per_yr == pytest.approx(1480.0 * loss / 520.0)
    assert shared.unsold_stock_per_yr / shared.demand_units_per_yr == pytest.approx(440.0 * loss / 1560.0)
    assert shared.demand_units_per_yr == pytest.approx(20.0 * 52.0)  # the city's own demand: its volume frame
    assert shared.production_per_yr / shared.demand_units_per_yr == pytest.approx(fob)
    # at 100 a week the brand sells 2,600 a season: the MOQ binds no more, nothing is written off
    assert brand_sourcing_cost(p, 100.0).written_off_units_per_yr == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("family", CSV, ids=lambda p: p.family)
def test_allocation_is_the_brand_per_unit_and_the_city_share(family):
    city = family.scaled(demand_mean_units_per_week=0.1, demand_std_units_per_week=0.1)
    v, big = city.demand_mean_units_per_week, family.demand_mean_units_per_week * 3
    brand = sourcing_cost(brand_family(city, big), "offshore")
    mine = brand_sourcing_cost(city, big)
    assert mine.total_per_yr == pytest.approx(brand.total_per_yr * v / big, rel=1e-12)
    assert mine.total_per_yr / mine.demand_units_per_yr == pytest.approx(brand.total_per_yr / brand.demand_units_per_yr)
    assert mine.buys_per_season == brand.buys_per_season and mine.fill_rate == pytest.approx(brand.fill_rate)
    # a brand of one city is the city's own model, figure for figure
    assert brand_sourcing_cost(city, v) == sourcing_cost(city, "offshore")


def test_tiny_cluster_pays_the_brand_cost_per_unit():
    """Malta's 4-store cluster: about 119 EUR a unit offshore alone, the brand's 10.92 in the brand frame."""
    gharb, malta = mix_for_demand(CSV, GHARB_UNITS), mix_for_demand(CSV, MALTA_UNITS)
    volumes = brand_volumes([malta])
    alone = landed_cost(gharb, "offshore").per_unit
    shared = landed_cost(gharb, "offshore", brand_units_per_week=volumes).per_unit
    brand = landed_cost(malta, "offshore").per_unit
    assert alone == pytest.approx(118.53, abs=0.01)  # docs/portfolio.md quotes these two
    assert shared == pytest.approx(brand, rel=1e-12)
    assert shared == pytest.approx(10.92, abs=0.01)
    table = family_costs(gharb, brand_units_per_week=volumes)
    assert table["units_per_yr"].sum() == pytest.approx(GHARB_UNITS * 52.0)
    assert (table["landed_cost_offshore_per_unit"] < family_costs(gharb)["landed_cost_offshore_per_unit"]).all()


#: ``level`` re-orders at Malta's brand volume: artist_collab's model is 5.5% above the simulation there (fill rate
#: 0.952 vs 0.974), the gap of ``level``'s moment-matched negative binomial under a forecast CV of 0.7, which the
#: learning modes replace by a normal level mixture (within 0.2% under ``kalman``: the test below).
LEVEL_TOLERANCE = {"artist_collab": 0.06}


@pytest.mark.parametrize("mode", ["kalman", "level"])
@pytest.mark.parametrize("family", mix_for_demand(CSV, GHARB_UNITS), ids=lambda p: p.family)
def test_brand_cost_against_simulation_at_brand_volume(family, mode):
    """The brand frame's buy (``brand_family_cost``) against the simulation of the brand's season: the family at
    the brand's volume with its CV kept (``brand_family``, the frame a run allocates). Under ``kalman`` every family
    within 1% on cost and 0.005 on fill rate (basic_tshirt was 1.9% below when ``brand_family_cost`` scaled the
    standard deviation by the square root of the volume: a different family from the one simulated and allocated)."""
    family = dataclasses.replace(family, reorder_forecast=mode)
    volume = brand_volumes([mix_for_demand(CSV, MALTA_UNITS)])[family.family]
    model = brand_family_cost(family, family.demand_mean_units_per_week, volume)
    at_brand = brand_family(family, volume)
    sim = simulate_family(at_brand, "offshore", seasons=20_000, seed=7)
    assert model.units_per_week == family.demand_mean_units_per_week
    assert model.demand_std_units_per_week == pytest.approx(at_brand.demand_std_units_per_week, rel=1e-12)
    assert sim.orders_per_season == model.orders_per_season
    tol = 0.01 if mode == "kalman" else LEVEL_TOLERANCE.get(family.family, 0.01)
    assert model.cost_per_unit == pytest.approx(sim.cost_per_unit, rel=tol)
    if tol == 0.01:
        assert model.fill_rate == pytest.approx(sim.fill_rate, abs=0.005)
    # the brand frame's cost per unit and fill rate are the run's own (brand_sourcing_cost, allocated to the city)
    allocated = brand_sourcing_cost(family, volume)
    assert allocated.fill_rate == pytest.approx(model.fill_rate, abs=1e-12)
    assert allocated.total_per_yr / allocated.demand_units_per_yr == pytest.approx(model.cost_per_unit, rel=1e-9)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_bad_brand_volume_refused(bad):
    with pytest.raises(InputError, match="brand volume"):
        brand_sourcing_cost(CSV[0], bad)


def test_brand_below_city_refused():
    with pytest.raises(InputError, match="below the city's own demand"):
        brand_family_cost(CSV[0], 100.0, 99.0)


def _city(name: str, units: list[float]) -> object:
    stores = pd.DataFrame({"store_id": [f"s{i}" for i in range(len(units))], "demand_units_per_week": units})
    return types.SimpleNamespace(name=name, stores=stores, products=(), demand_shares=None)


def test_run_brand_frame_sums_the_cities_and_checks_a_given_total():
    options = RankOptions(costs=CostOptions(products=tuple(CSV)))
    cities = [_city("a", [10.0, 20.0]), _city("b", [70.0])]
    resolved = brand_frame(cities, options).costs.brand_units_per_week
    assert sum(resolved.values()) == pytest.approx(100.0)
    assert resolved == pytest.approx(brand_volumes([mix_for_demand(CSV, 100.0)]))
    doubled = brand_frame(cities, RankOptions(costs=CostOptions(products=tuple(CSV), brand_units_per_week=200.0)))
    assert sum(doubled.costs.brand_units_per_week.values()) == pytest.approx(200.0)
    assert brand_frame(cities[:1], options) is options  # one city: its own volume
    with pytest.raises(InputError, match="below the run's own demand"):
        brand_frame(cities, RankOptions(costs=CostOptions(products=tuple(CSV), brand_units_per_week=99.0)))
    with pytest.raises(InputError, match="no volume for family"):
        brand_frame(cities, RankOptions(costs=CostOptions(products=tuple(CSV), brand_units_per_week={"x": 5.0})))


@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf, True, {"basic_tshirt": -3.0}])
def test_bad_brand_option_refused(bad):
    with pytest.raises(InputError, match="brand_units_per_week"):
        CostOptions(brand_units_per_week=bad)
