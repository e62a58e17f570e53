"""The design MILP against brute-force enumeration of levels and sources on 56 seeded random instances."""

from __future__ import annotations

import numpy as np
import pytest
from design_instances import brute_force, instance, single_sourced

from siting.design.solve import portfolio

SEEDS = range(56)


@pytest.fixture(scope="module")
def solved():
    out = []
    for seed in SEEDS:
        pb = instance(seed, n_t=1 + seed % 2, n_j=3 if seed % 2 == 0 else 2)
        p, _ = portfolio(pb, time_limit_s=30, mip_gap=1e-6)
        out.append((seed, pb, p))
    return out


def test_milp_equals_enumeration(solved):
    single = 0
    for seed, pb, p in solved:
        assert p.hybrid.status == "optimal", seed
        brute = brute_force(pb)
        # the MILP may split a demand between sources (enumeration does not): never worse than it
        assert p.hybrid.cost_per_yr <= brute * (1 + 1e-6) + 1e-6, (seed, p.hybrid.cost_per_yr, brute)
        if single_sourced(p.hybrid):
            single += 1
            assert p.hybrid.cost_per_yr == pytest.approx(brute, rel=1e-6), seed
    assert single >= 26, single  # 29+ of 56 measured; the rest split a demand where capacity binds


def test_pure_policies_equal_enumeration(solved):
    for seed, pb, p in solved[:20]:
        off = brute_force(pb, "offshore")
        assert p.all_offshore.cost_per_yr <= off * (1 + 1e-6) + 1e-6, seed
        if single_sourced(p.all_offshore):
            assert p.all_offshore.cost_per_yr == pytest.approx(off, rel=1e-6), seed
        loc = brute_force(pb, "local")
        if p.all_local is None:  # no all-local design: enumeration finds none either
            assert not np.isfinite(loc), seed
        elif single_sourced(p.all_local):
            assert p.all_local.cost_per_yr == pytest.approx(loc, rel=1e-6), seed


def test_hybrid_never_exceeds_either_pure_policy(solved):
    for seed, _, p in solved:
        assert p.hybrid.cost_per_yr <= p.all_offshore.cost_per_yr + 1e-6, seed
        if p.all_local is not None:
            assert p.hybrid.cost_per_yr <= p.all_local.cost_per_yr + 1e-6, seed


def test_hybrid_never_exceeds_either_enumerated_pure_policy(solved):
    """Against an independent computation: every all-offshore and all-local design enumerated (56 instances)."""
    finite_local = 0
    for seed, pb, p in solved:
        assert p.hybrid.cost_per_yr <= brute_force(pb, "offshore") * (1 + 1e-6) + 1e-6, seed
        loc = brute_force(pb, "local")
        finite_local += bool(np.isfinite(loc))
        assert p.hybrid.cost_per_yr <= loc * (1 + 1e-6) + 1e-6, seed
    assert finite_local >= 10, finite_local  # the all-local bound is tested on enough instances


def test_tables_add_up_to_the_objective(solved):
    for seed, pb, p in solved[:20]:
        d = p.hybrid
        fixed = sum(pb.fixed_cost_per_yr[pb.site_ids.index(s), pb.level_names.index(lv)] for s, lv in d.levels.items())
        assert d.portfolio["cost_per_yr"].sum() + fixed == pytest.approx(d.cost_per_yr, rel=1e-6), seed
        served = d.portfolio.groupby("store_id")["units_per_week"].sum()
        assert served.sum() == pytest.approx(pb.demand_units_per_week.sum(), rel=1e-9)
        assert (d.capacity["utilisation"] <= 1 + 1e-6).all()
        assert d.exact_cost_per_yr == pytest.approx(d.cost_per_yr, rel=0.02), seed
