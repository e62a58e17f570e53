"""The frontier's sweeps and the design's cost curves on forked workers equal the plain loop's, to the bit."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import numpy as np

from siting.costs.families import frontier
from siting.costs.products import example_products_path, load_products

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "design"))


def _fresh_families(seed: int):
    """The example families at volumes no other test priced (the season models are computed, not read)."""
    rng = np.random.default_rng(seed)
    return [
        dataclasses.replace(p, demand_mean_units_per_week=p.demand_mean_units_per_week * float(rng.uniform(0.8, 1.2)))
        for p in load_products(example_products_path())
    ]


def test_the_frontier_on_two_workers_equals_the_loop(monkeypatch):
    import siting.forked as forked

    monkeypatch.setattr(forked, "FORK_AFTER_S", 0.0)  # every point on the workers
    monkeypatch.setenv("SITING_COST_CACHE", "0")
    products = _fresh_families(int.from_bytes(os.urandom(4), "little"))
    seen: list[int] = []
    real = forked.map_forked

    def counting(fn, items, jobs=None):
        seen.append(len(items))
        return real(fn, items, jobs)

    monkeypatch.setattr(forked, "map_forked", counting)
    monkeypatch.setenv("SITING_N_JOBS", "2")
    table2, curves2 = frontier(products, site_cost_per_yr=120_000.0, delivery_cost_per_yr=30_000.0)
    assert seen and seen[0] > 100, seen  # every point of every sweep went to the workers
    monkeypatch.setenv("SITING_N_JOBS", "1")
    table1, curves1 = frontier(products, site_cost_per_yr=120_000.0, delivery_cost_per_yr=30_000.0)
    assert table2.equals(table1)
    assert curves2.equals(curves1)
    assert (table1["local_cheaper_where"] != "").any() and len(curves1) > 500


def test_the_design_cost_curves_on_two_workers_equal_the_loop(monkeypatch):
    from design_instances import tables

    import siting.forked as forked
    from siting.design.problem import design_problem

    monkeypatch.setattr(forked, "FORK_AFTER_S", 0.0)  # every curve on the workers
    monkeypatch.setenv("SITING_COST_CACHE", "0")
    inputs = tables(int.from_bytes(os.urandom(4), "little") % 10_000, n_f=3, n_j=4)
    monkeypatch.setenv("SITING_N_JOBS", "2")
    two = design_problem(**inputs)
    monkeypatch.setenv("SITING_N_JOBS", "1")
    one = design_problem(**inputs)
    assert len(two.local_curves) == 3 and len(two.offshore_curves) == 3
    for a, b in zip((*two.local_curves, *two.offshore_curves), (*one.local_curves, *one.offshore_curves), strict=True):
        assert a.source == b.source and a.family == b.family
        np.testing.assert_array_equal(a.volume_units_per_week, b.volume_units_per_week)
        np.testing.assert_array_equal(a.cost_per_week, b.cost_per_week)
        np.testing.assert_array_equal(a.runs_per_week, b.runs_per_week)
