"""Demand from order history (issue 22): Croston-SBA by hand, on a long simulated history, fed to the model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from siting.costs import croston, family_cost, load_products, simulate_family, with_order_history
from siting.costs.products import example_products_path
from siting.errors import InputError

CSV = {p.family: p for p in load_products(example_products_path())}


def test_croston_by_hand():
    units = [0, 0, 3, 0, 5, 0, 0, 0, 4]
    history = pd.DataFrame({"family": "spare_parts", "week": range(1, 10), "units": units})
    row = croston(history, alpha=0.5).iloc[0]
    # sizes 3, 5, 4 at intervals 3, 2, 4: z = 3 -> 4 -> 4, p = 3 -> 2.5 -> 3.25
    assert (row["mean_size_units"], row["mean_interval_weeks"], row["orders"], row["weeks"]) == (4.0, 3.25, 3, 9)
    assert row["demand_mean_units_per_week"] == pytest.approx(0.75 * 4 / 3.25)
    assert row["demand_std_units_per_week"] == pytest.approx(math.sqrt((1 + 16) / 3.25 - (4 / 3.25) ** 2))


def test_croston_recovers_a_simulated_intermittent_demand():
    """Orders in a week with probability 1/4, sizes 1 + Poisson(3): mean 1 a week, std sqrt(19/4 - 1)."""
    rng = np.random.default_rng(2)
    weeks = 20_000
    order = rng.random(weeks) < 0.25
    units = np.where(order, 1 + rng.poisson(3.0, weeks), 0)
    history = pd.DataFrame({"family": "f", "sku": "a", "week": np.arange(weeks), "units": units})
    row = croston(history, alpha=0.01).iloc[0]
    assert row["mean_interval_weeks"] == pytest.approx(4.0, rel=0.1)
    assert row["mean_size_units"] == pytest.approx(4.0, rel=0.1)
    assert row["demand_mean_units_per_week"] == pytest.approx(1.0, rel=0.1)
    assert row["demand_std_units_per_week"] == pytest.approx(math.sqrt(19 / 4 - 1), rel=0.1)


def test_history_feeds_the_intermittent_model_and_the_simulation_agrees():
    rng = np.random.default_rng(4)
    rows = []
    for sku, rate in (("zip", 0.5), ("button", 0.2), ("strap", 0.05)):
        for week in range(104):
            if rng.random() < rate:
                rows.append(("spare_parts", sku, week, int(1 + rng.poisson(1.0))))
    history = pd.DataFrame(rows, columns=["family", "sku", "week", "units"])
    est = croston(history)
    fams = {p.family: p for p in with_order_history(tuple(CSV.values()), history)}
    p = fams["spare_parts"]
    assert p.demand_mean_units_per_week == pytest.approx(est["demand_mean_units_per_week"].sum())
    assert p.skus == 3 and p.distribution == "negbin" and fams["fashion_top"] == CSV["fashion_top"]
    shares = est["demand_mean_units_per_week"] / est["demand_mean_units_per_week"].sum()
    assert p.sku_popularity == pytest.approx(tuple(sorted(shares, reverse=True)))
    for source in ("local", "offshore"):
        model = family_cost(p, source)
        sim = simulate_family(p, source, seasons=20_000, seed=5)
        assert model.cost_per_unit == pytest.approx(sim.cost_per_unit, rel=0.01)
        assert model.fill_rate == pytest.approx(sim.fill_rate, abs=0.005)


@pytest.mark.parametrize(
    "change,words",
    [
        (dict(units=-1), ("'units'",)),
        (dict(units=float("nan")), ("'units'",)),
        (dict(units=float("inf")), ("'units'",)),
        (dict(week=2.5), ("'week'",)),
        (dict(week=-3), ("'week'",)),
    ],
)
def test_bad_history_refused(change, words):
    history = pd.DataFrame({"family": ["spare_parts"] * 3, "week": [1, 2, 3], "units": [1.0, 0.0, 2.0]})
    for col, value in change.items():
        history[col] = history[col].astype(float)
        history.loc[1, col] = value
    with pytest.raises(InputError) as err:
        croston(history)
    assert all(w in str(err.value) for w in words) and "line 3" in str(err.value)


def test_history_tables_refused():
    with pytest.raises(InputError, match="no orders"):
        croston(pd.DataFrame({"family": [], "week": [], "units": []}))
    with pytest.raises(InputError, match="twice"):
        croston(pd.DataFrame({"family": ["a", "a"], "week": [1, 1], "units": [1, 2]}))
    with pytest.raises(InputError, match="'units'"):
        croston(pd.DataFrame({"family": ["a"], "week": [1]}))
    with pytest.raises(InputError, match="alpha"):
        croston(pd.DataFrame({"family": ["a"], "week": [1], "units": [1]}), alpha=0.0)
    with pytest.raises(InputError, match="no order above 0"):
        croston(pd.DataFrame({"family": ["a"], "week": [1], "units": [0]}))
    with pytest.raises(InputError, match="'nobody'"):
        with_order_history(tuple(CSV.values()), pd.DataFrame({"family": ["nobody"], "week": [1], "units": [1]}))
