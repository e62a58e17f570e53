"""The national all-local design from the clusters' own: their union and summed bounds, against an exact solve."""

from __future__ import annotations

import numpy as np
import pytest
from design_instances import tables

from siting.design import solve
from siting.design.alllocal import with_fewest_sites
from siting.design.bounded import _bounds, _solve
from siting.design.model import build_model
from siting.design.national import SEP, national_design, national_problem
from siting.design.national_local import clusters_all_local
from siting.design.problem import design_problem
from siting.design.start import is_feasible

KW = {"time_limit_s": 30.0, "mip_gap": 1e-4, "max_nodes": 50}


def _cluster(seed: int, n_s: int = 5, n_j: int = 6):
    """Two families, one season, drops on odd seeds: every store reachable locally."""
    t = tables(seed, n_s=n_s, n_j=n_j, n_f=2, drops=seed % 2 == 1)
    t["lanes"]["within_promise"] = True
    return design_problem(**t)


def _own(problems, rounds: int = 10):
    """Each cluster's own all-local design, on its own model (as a run's city designs)."""
    return {n: solve.local_design(build_model(pb), pb, bound_rounds=rounds, **KW) for n, pb in problems.items()}


@pytest.fixture(scope="module")
def two_clusters():
    """Clusters of seeds 1 (drops) and 8 (none) and each one's own all-local design."""
    problems = {f"c{s}": _cluster(s) for s in (1, 8)}
    return problems, _own(problems)


def test_the_union_costs_the_sum_and_the_summed_bounds_hold_against_the_exact_optimum(two_clusters):
    """Side by side in the national model, the clusters' designs keep every national row with nothing offshore,
    cost the sum of their own costs (each priced on its own model), open their sites at their levels, and the
    sum of their bounds stays below the national all-local optimum (the national MILP at gap 1e-7)."""
    problems, own = two_clusters
    assert all(d is not None for d in own.values())
    pb = national_problem(problems)
    dm = build_model(pb, site_group=np.array([s.partition(SEP)[0] for s in pb.site_ids], object))
    union = clusters_all_local(dm, pb, own, SEP)
    assert union is not None
    assert union.cost_per_yr == pytest.approx(sum(d.cost_per_yr for d in own.values() if d), rel=1e-9)
    assert union.bound_per_yr == pytest.approx(sum(d.bound_per_yr for d in own.values() if d), rel=1e-12)
    assert union.levels == {f"{n}{SEP}{s}": lev for n, d in own.items() if d for s, lev in d.levels.items()}
    assert is_feasible(dm, union.x, *_bounds(dm, pb, "local"))
    assert set(union.portfolio["source"]) == {"local"}
    exact = _solve(with_fewest_sites(dm, pb), pb, "local", time_limit_s=60.0, mip_gap=1e-7)
    assert exact.proven_optimal
    assert exact.objective * (1 - 1e-7) - 1e-6 <= union.cost_per_yr
    assert union.bound_per_yr <= exact.objective * (1 + 1e-7) + 1e-6
    assert union.gap == pytest.approx(1 - union.bound_per_yr / union.cost_per_yr, abs=1e-12)


def test_the_national_design_keeps_the_cheaper_and_the_larger_bound(two_clusters):
    """national_design with the clusters' designs: never dearer than their union nor than the design the national
    model finds alone (its own all-local design, no round), proven by the larger bound (here their summed one)."""
    problems, own = two_clusters
    common = {"start_levels": {n: d.levels for n, d in own.items() if d}, "neighbourhood_sites": 6, **KW}
    nd = national_design(problems, local_designs=own, **common)
    loc = nd.portfolio.all_local
    dm = build_model(nd.problem, site_group=np.array([s.partition(SEP)[0] for s in nd.problem.site_ids], object))
    alone = solve.local_design(dm, nd.problem, **KW)
    assert loc is not None and alone is not None
    summed_cost = sum(d.cost_per_yr for d in own.values() if d)
    summed_bound = sum(d.bound_per_yr for d in own.values() if d)
    assert loc.cost_per_yr == pytest.approx(min(summed_cost, alone.cost_per_yr), rel=1e-9)
    assert loc.bound_per_yr == pytest.approx(max(summed_bound, alone.bound_per_yr), rel=1e-12)
    assert summed_bound > alone.bound_per_yr, (summed_bound, alone.bound_per_yr)
    assert loc.gap < alone.gap


def test_without_every_clusters_design_there_is_no_union():
    """A cluster with no all-local design (None: a store no site reaches in time) leaves no union to build."""
    problems = {f"c{s}": _cluster(s, n_s=3, n_j=3) for s in (1, 8)}
    own = _own(problems, rounds=0)
    pb = national_problem(problems)
    dm = build_model(pb)
    assert clusters_all_local(dm, pb, own, SEP) is not None
    assert clusters_all_local(dm, pb, {**own, "c8": None}, SEP) is None
    assert clusters_all_local(dm, pb, {}, SEP) is None


def test_the_cheaper_design_is_kept_with_the_larger_bound(two_clusters):
    """Either may be the cheaper, either the tighter: the cheaper design, proven against the larger bound."""
    import dataclasses

    from siting.design.national import _cheaper_proven

    problems, own = two_clusters
    pb = national_problem(problems)
    union = clusters_all_local(build_model(pb), pb, own, SEP)
    assert union is not None

    def priced(cost: float, bound: float):
        return dataclasses.replace(union, cost_per_yr=cost, bound_per_yr=bound, gap=1 - bound / cost)

    for a, b in ((priced(100.0, 90.0), priced(101.0, 95.0)), (priced(101.0, 95.0), priced(100.0, 90.0))):
        kept = _cheaper_proven(a, b)
        assert kept is not None and (kept.cost_per_yr, kept.bound_per_yr) == (100.0, 95.0)
        assert kept.gap == pytest.approx(0.05) and kept.status == "stopped at gap 5.00%"
    assert _cheaper_proven(None, union) is union and _cheaper_proven(union, None) is union
