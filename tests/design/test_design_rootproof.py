"""The root-cut proof of a design's gap against enumeration and optimal solves, and the solves' work limit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from design_instances import brute_force, instance

from siting.design.alllocal import with_fewest_sites
from siting.design.bounded import _bounds
from siting.design.model import build_model
from siting.design.rootproof import ROOT_OPTIONS, prove_gap, root_bound
from siting.design.solve import portfolio, solve_design
from siting.milp import relative_gap

SEEDS = range(12)


def _weakened(design, bound: float):
    """``design`` as a node-limited solve reports it: the same flows, proven only against ``bound``."""
    gap = relative_gap(design.cost_per_yr, bound)
    return dataclasses.replace(design, bound_per_yr=bound, gap=gap, status=f"stopped at gap {gap:.2%}")


@pytest.fixture(scope="module")
def solved():
    """Per seed: the problem, its optimal hybrid (HiGHS to 1e-6), its model and the LP relaxation's bound."""
    out = []
    for seed in SEEDS:
        pb = instance(seed, n_s=3, n_j=4, n_f=2, drops=True)
        dm = build_model(pb)
        hyb = solve_design(pb, "hybrid", model=dm, time_limit_s=30, mip_gap=1e-6)
        lb, ub = _bounds(dm, pb, "hybrid")
        lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
        out.append((seed, pb, hyb, dm, float(lp.objective)))
    return out


def test_the_root_bound_never_exceeds_the_optimum_and_beats_the_lp(solved):
    """Valid (at most the optimum, and at most the cheapest design enumeration finds) and tighter than the LP."""
    tighter = 0
    for seed, pb, hyb, dm, lp in solved:
        assert hyb.status == "optimal", seed
        weak = _weakened(hyb, lp)
        bound = root_bound(dm, pb, weak, mip_gap=1e-6, time_limit_s=30)
        assert bound <= hyb.cost_per_yr * (1 + 1e-7) + 1e-6, (seed, bound, hyb.cost_per_yr)
        assert bound <= brute_force(pb) * (1 + 1e-7) + 1e-6, seed
        assert bound >= lp - 1e-6 * abs(lp), (seed, bound, lp)
        tighter += bound > lp + 1e-6 * abs(lp)
    assert tighter >= 8, tighter


def test_a_proven_design_keeps_its_flows_and_costs_and_takes_the_tighter_bound(solved):
    proved = 0
    for seed, pb, hyb, dm, lp in solved:
        weak = _weakened(hyb, lp)
        out = prove_gap(dm, pb, weak, mip_gap=1e-6, time_limit_s=30)
        assert out.cost_per_yr == weak.cost_per_yr and np.array_equal(out.x, weak.x), seed
        assert out.levels == weak.levels and out.portfolio.equals(weak.portfolio), seed
        assert weak.bound_per_yr <= out.bound_per_yr <= hyb.cost_per_yr * (1 + 1e-7) + 1e-6, seed
        assert out.gap == pytest.approx(relative_gap(out.cost_per_yr, out.bound_per_yr)), seed
        if out.bound_per_yr > weak.bound_per_yr:
            proved += 1
            assert out.status == ("optimal" if out.gap <= 1e-4 else f"stopped at gap {out.gap:.2%}"), seed
            assert out.time_s > weak.time_s, seed
        else:
            assert out is weak, seed
    assert proved >= 8, proved


def test_a_design_within_the_gap_asked_is_left_alone(solved):
    for seed, pb, hyb, dm, lp in solved[:8]:
        weak = _weakened(hyb, lp)
        asked = weak.gap + 1e-9  # already within it: no solve, the same object back
        assert prove_gap(dm, pb, weak, mip_gap=asked, time_limit_s=30) is weak, seed


def test_the_proof_stops_once_the_gap_asked_is_proven(solved):
    """Asked for a gap between the LP's and the optimum: the root stops there, not at the optimum."""
    stopped = earlier = 0
    for seed, pb, hyb, dm, lp in solved:
        weak = _weakened(hyb, lp)
        asked = weak.gap / 2
        if asked < 1e-3:
            continue
        out = prove_gap(dm, pb, weak, mip_gap=asked, time_limit_s=30)
        full = prove_gap(dm, pb, weak, mip_gap=1e-6, time_limit_s=30)
        if out.gap <= asked:
            stopped += 1
            assert out.bound_per_yr <= full.bound_per_yr + 1e-6 * abs(full.bound_per_yr), seed
            earlier += out.bound_per_yr < full.bound_per_yr - 1e-6 * abs(full.bound_per_yr)
    assert stopped >= 3 and earlier >= 2, (stopped, earlier)


def test_all_local_designs_are_proven_on_their_own_model():
    """The all-local policy's model holds the fewest-sites rows; its root bound stays below its optimum."""
    checked = 0
    for seed in range(12):
        pb = instance(seed, n_s=3, n_j=4, n_f=2)
        result, dm = portfolio(pb, time_limit_s=30, mip_gap=1e-6)
        loc = result.all_local
        if loc is None or loc.status != "optimal":
            continue
        dm_local = with_fewest_sites(dm, pb)
        lb, ub = _bounds(dm_local, pb, "local")
        lp = float(dm_local.model.solve(col_lower=lb, col_upper=ub, relax=True).objective)
        bound = root_bound(dm_local, pb, _weakened(loc, lp), mip_gap=1e-6, time_limit_s=30)
        assert lp - 1e-6 * abs(lp) <= bound <= brute_force(pb, "local") * (1 + 1e-7) + 1e-6, seed
        assert bound <= loc.cost_per_yr * (1 + 1e-7) + 1e-6, seed
        checked += 1
    assert checked >= 8, checked


def test_a_work_limit_stops_the_solve_with_a_valid_bound(solved):
    """``max_checks``: HiGHS stops after that many limit checks; the bound is the best it reported, still valid."""
    limited = earlier = 0
    for seed, pb, hyb, dm, _lp in solved:
        lb, ub = _bounds(dm, pb, "hybrid")
        free = dm.model.solve(col_lower=lb, col_upper=ub, start=hyb.x, mip_gap=1e-9, options=ROOT_OPTIONS)
        few = dm.model.solve(col_lower=lb, col_upper=ub, start=hyb.x, mip_gap=1e-9, options=ROOT_OPTIONS, max_checks=1)
        assert free.reason != "work_limit", seed
        if few.reason == "work_limit":
            limited += 1
            earlier += few.bound < free.bound - 1e-6 * abs(free.bound)
            assert few.bound <= free.bound + 1e-6 * abs(free.bound), seed
            assert few.bound <= hyb.cost_per_yr * (1 + 1e-7) + 1e-6, seed
    assert limited >= 8 and earlier >= 3, (limited, earlier)
