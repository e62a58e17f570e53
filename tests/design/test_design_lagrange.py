"""The all-local Lagrangian bound: at most the exact optimum, at least the LP bound it starts from."""

from __future__ import annotations

import numpy as np
import pytest
from design_instances import brute_force, tables

from siting.design.alllocal import with_fewest_sites
from siting.design.bounded import _bounds, _solve
from siting.design.lagrange import local_lagrange_bound, lp_multipliers
from siting.design.model import build_model
from siting.design.problem import design_problem

SEEDS = range(30)


def _seasons(seed: int) -> int:
    return 2 if seed % 5 == 4 else 1


def _case(seed: int):
    """A small random instance every store can be served locally in: 3 sites, 4 stores, 2 families, 1 season
    (2 on every fifth seed), drops on odd seeds."""
    t = tables(seed, n_s=3, n_j=4, n_f=2, n_t=_seasons(seed), drops=seed % 2 == 1)
    t["lanes"]["within_promise"] = True
    return design_problem(**t)


def test_the_bound_lies_between_the_lp_bound_and_the_exact_optimum():
    """On random instances: LP bound <= Lagrangian bound <= the exact all-local optimum (MILP at gap 1e-7)
    <= the cheapest single-sourced design by enumeration (one season: two take minutes); above the LP on most."""
    checked = raised = 0
    for seed in SEEDS:
        pb = _case(seed)
        dm = with_fewest_sites(build_model(pb), pb)
        exact = _solve(dm, pb, "local", time_limit_s=30.0, mip_gap=1e-7)
        if not exact.proven_optimal:
            continue  # no all-local design (the sites' hours) or not proven in time
        if _seasons(seed) == 1:
            assert exact.objective <= brute_force(pb, "local") * (1 + 1e-6) + 1e-6, seed
        lb, ub = _bounds(dm, pb, "local")
        lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
        start = lp_multipliers(dm, pb, lp)
        assert start is not None, seed
        lagr = local_lagrange_bound(pb, exact.objective, start).bound_per_yr
        assert lagr <= exact.objective * (1 + 1e-7) + 1e-6, (seed, lagr, exact.objective)
        assert lagr >= lp.objective * (1 - 1e-7) - 1e-6, (seed, lagr, lp.objective)
        raised += lagr > lp.objective + 1e-4 * abs(lp.objective)
        checked += 1
    assert checked >= 20 and raised >= 15, (checked, raised)  # 23, 23


def test_the_first_iteration_is_the_lp_duals_own_bound():
    """With one iteration the bound is L at the LP's duals; more iterations never lower the best bound."""
    pb = _case(5)
    dm = with_fewest_sites(build_model(pb), pb)
    lb, ub = _bounds(dm, pb, "local")
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
    start = lp_multipliers(dm, pb, lp)
    one = local_lagrange_bound(pb, lp.objective * 1.1, start, iterations=1)
    many = local_lagrange_bound(pb, lp.objective * 1.1, start, iterations=60)
    assert one.bound_per_yr >= lp.objective * (1 - 1e-7)
    assert many.bound_per_yr >= one.bound_per_yr
    np.testing.assert_array_equal(one.multipliers, start[0])


def test_no_duals_no_bound():
    """A MILP solve has no row duals: no Lagrangian start (the design keeps its own bound)."""
    pb = _case(0)
    dm = with_fewest_sites(build_model(pb), pb)
    milp = _solve(dm, pb, "local", time_limit_s=30.0, mip_gap=1e-7)
    assert milp.row_dual is None and lp_multipliers(dm, pb, milp) is None


@pytest.mark.parametrize("seed", [0, 7])
def test_the_portfolio_reports_the_larger_valid_bound(seed):
    """`portfolio`'s all-local design: its bound is max(LP or MILP bound, Lagrangian), at most its cost."""
    from siting.design.solve import portfolio

    pb = _case(seed)
    port, dm = portfolio(pb, max_nodes=50)
    loc = port.all_local
    assert loc is not None
    dm_local = with_fewest_sites(dm, pb)
    lb, ub = _bounds(dm_local, pb, "local")
    lp = dm_local.model.solve(col_lower=lb, col_upper=ub, relax=True)
    lagr = local_lagrange_bound(pb, loc.cost_per_yr, lp_multipliers(dm_local, pb, lp)).bound_per_yr
    assert loc.bound_per_yr == pytest.approx(max(lp.objective, lagr), rel=1e-9)
    assert loc.bound_per_yr <= loc.cost_per_yr * (1 + 1e-9)
