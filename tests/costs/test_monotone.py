"""Costs move the right way: a sweep per parameter that should raise (or lower) a source's cost per unit (issue 22).

A policy that can re-optimise cannot get cheaper when a constraint tightens (a larger MOQ, a longer
review period), when every outcome gets worse (a longer lead time, more forecast error or weekly
noise, a higher carrying rate, the family's volume over more SKUs) or better (a higher salvage
value lowers the cost). Each sweep runs over every demo family, at the CSV's volume and at the demo
city's (8 008 units a week), both sources.
"""

from __future__ import annotations

import numpy as np
import pytest

from siting.costs import family_cost, load_products, mix_for_demand
from siting.costs.products import example_products_path

CSV = load_products(example_products_path())
DEMO = mix_for_demand(CSV, 8008.0)
CASES = [(tag, p) for tag, fams in (("csv", CSV), ("demo", DEMO)) for p in fams]


def _sweeps(p, source: str) -> dict[str, tuple[np.ndarray, int]]:
    """Parameter -> (grid, direction): +1 cost must not fall as it grows, -1 must not rise."""
    cheapest = min(p.unit_cost_local, p.unit_cost_offshore)
    out = {
        f"moq_{source}_units": (np.geomspace(1.0, 20_000.0, 25), 1),
        f"lead_time_{source}_weeks": (np.linspace(0.0, 20.0, 11), 1),
        f"review_period_{source}_weeks": (np.linspace(0.5, p.season_weeks, 9), 1),
        "carrying_rate_per_yr": (np.linspace(0.02, 0.6, 8), 1),
        "salvage_per_unit": (np.linspace(0.0, 0.95 * cheapest, 8), -1),
        # the same volume split over more SKUs, each bought at the MOQ / made in runs of its own
        "skus": (np.array([1, 2, 3, 5, 8, 13, 20, 50, 100, 300, 1000]), 1),
    }
    if p.distribution != "poisson":  # a Poisson family's spread is its mean's
        out["forecast_cv_preseason"] = (np.linspace(0.0, 1.5, 8), 1)
        out["demand_std_units_per_week"] = (p.demand_std_units_per_week * np.linspace(0.05, 3.0, 8), 1)
    return out


@pytest.mark.parametrize("source", ["local", "offshore"])
@pytest.mark.parametrize("tag,family", CASES, ids=[f"{t}-{p.family}" for t, p in CASES])
def test_cost_per_unit_is_monotone_in_each_parameter(tag, family, source):
    broken = []
    for name, (grid, direction) in _sweeps(family, source).items():
        cost = np.array([family_cost(family, source, **{name: float(v)}).cost_per_unit for v in grid])
        step = direction * np.diff(cost)
        if step.min() < -1e-9 * cost.max():
            i = int(np.argmin(step))
            broken.append(f"{name} {grid[i]:.4g} -> {grid[i + 1]:.4g}: {cost[i]:.5f} -> {cost[i + 1]:.5f}")
    assert not broken, broken
