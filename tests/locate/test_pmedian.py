"""Tests of the p-median: brute force, an independent PuLP/CBC MILP, OR-Library optima, errors, determinism."""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from pulp_refs import brute_p_median, pulp_p_median

from siting.errors import InfeasibleError, InputError
from siting.locate import Solution, p_median
from siting.locate.pmed_reader import read_orlib_pmed

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PuLP 3.x announces its 4.0 API

METHODS = ("exact", "heuristic", "auto")


def _tiny(seed, n=9, m=7, holes=0.0):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 60, size=(n, m)).astype(float)
    if holes:
        cost[rng.random((n, m)) < holes] = np.inf
        cost[np.arange(n), rng.integers(0, m, n)] = rng.integers(1, 60, n)  # every row reachable
    w = rng.integers(0, 5, size=n).astype(float)
    return cost, w


def _check_solution(sol: Solution, cost, w, p):
    assert sol.selected.size == p
    assert np.all(np.diff(sol.selected) > 0)
    assert np.isin(sol.assignment, sol.selected).all()
    served = cost[np.arange(cost.shape[0]), sol.assignment]
    assert np.isfinite(served).all()
    assert sol.objective == pytest.approx(float(np.sum(w * served)))
    # every point goes to its cheapest open site
    assert np.allclose(served, cost[:, sol.selected].min(axis=1))
    assert sol.lower_bound <= sol.objective + 1e-9


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("method", METHODS)
def test_p_median_matches_brute_force(seed, method):
    cost, w = _tiny(seed, holes=0.3 if seed % 2 else 0.0)
    for p in (1, 2, 3):
        best = brute_p_median(cost, p, w)
        if not np.isfinite(best):
            with pytest.raises(InfeasibleError, match=f"p={p}"):
                p_median(cost, p, w, method=method)
            continue
        sol = p_median(cost, p, w, method=method)
        _check_solution(sol, cost, w, p)
        assert sol.lower_bound <= best + 1e-9
        if method != "heuristic":
            assert sol.objective == pytest.approx(best)
            assert sol.optimal and sol.gap == pytest.approx(0.0, abs=1e-9)
        else:
            assert sol.objective >= best - 1e-9


@pytest.mark.parametrize("method", METHODS)
def test_required_and_forbidden_are_respected(method):
    cost, w = _tiny(11, n=10, m=7)
    required, forbidden = [5], [0, 2]
    sol = p_median(cost, 3, w, required=required, forbidden=forbidden, method=method)
    assert 5 in sol.selected and not np.isin(sol.selected, forbidden).any()
    best = brute_p_median(cost, 3, w, required=required, forbidden=forbidden)
    assert sol.lower_bound <= best + 1e-9
    if method != "heuristic":
        assert sol.objective == pytest.approx(best)
    mask = np.zeros(7, dtype=bool)
    mask[[0, 2]] = True
    assert np.array_equal(
        p_median(cost, 3, w, forbidden=mask, method=method).selected,
        p_median(cost, 3, w, forbidden=[0, 2], method=method).selected,
    )


@pytest.mark.parametrize("seed", range(2))
def test_p_median_matches_independent_milp(seed):
    rng = np.random.default_rng(100 + seed)
    xy_d, xy_c = rng.random((50, 2)), rng.random((15, 2))
    cost = np.round(np.linalg.norm(xy_d[:, None] - xy_c[None], axis=2) * 1000, 1)
    cost[rng.random(cost.shape) < 0.2] = np.inf
    cost[np.arange(50), rng.integers(0, 15, 50)] = 500.0
    w = rng.random(50) * 10
    ref = pulp_p_median(cost, 4, w)
    for method in ("exact", "auto"):
        sol = p_median(cost, 4, w, method=method)
        _check_solution(sol, cost, w, 4)
        assert sol.objective == pytest.approx(ref, rel=1e-7)
        assert sol.optimal
    heur = p_median(cost, 4, w, method="heuristic")
    assert heur.lower_bound <= ref + 1e-6 <= heur.objective + 2e-6


def test_same_seed_same_answer():
    rng = np.random.default_rng(5)
    cost = rng.random((300, 60)) * 100
    a = p_median(cost, 8, method="heuristic", seed=3)
    b = p_median(cost, 8, method="heuristic", seed=3)
    assert np.array_equal(a.selected, b.selected) and a.objective == b.objective
    assert a.lower_bound == b.lower_bound


def _orlib(shared_dir, name):
    opt = pd.read_csv(shared_dir / "benchmarks/orlib-pmed/optimal.csv").set_index("instance")
    cost, p = read_orlib_pmed(shared_dir / f"benchmarks/orlib-pmed/{name}.txt")
    return cost, p, float(opt.loc[name, "optimal"])


def test_orlib_duplicate_edges_last_wins(shared_dir, tmp_path):
    cost, p, best = _orlib(shared_dir, "pmed1")
    assert cost.shape == (100, 100) and p == 5
    assert np.allclose(cost, cost.T) and np.all(np.diag(cost) == 0)
    # edge 1-2 listed twice (2 then 7, the second reversed): the later 7 holds, not the smaller 2
    (tmp_path / "dup.txt").write_text("3 3 1\n1 2 2\n2 3 10\n2 1 7\n")
    small, p_small = read_orlib_pmed(tmp_path / "dup.txt")
    assert p_small == 1
    assert np.array_equal(small, [[0, 7, 17], [7, 0, 10], [17, 10, 0]])


@pytest.mark.parametrize("name", ["pmed1", "pmed4", "pmed6"])
def test_orlib_exact_proves_published_optimum(shared_dir, name):
    cost, p, best = _orlib(shared_dir, name)
    sol = p_median(cost, p, method="exact", time_limit_s=60)
    assert sol.objective == pytest.approx(best)
    assert sol.optimal and sol.lower_bound == pytest.approx(best)


@pytest.mark.parametrize("name", ["pmed2", "pmed10"])
def test_orlib_heuristic_close_with_valid_bound(shared_dir, name):
    cost, p, best = _orlib(shared_dir, name)
    sol = p_median(cost, p, method="heuristic")
    assert best <= sol.objective <= best * 1.005
    assert sol.lower_bound <= best + 1e-9
    assert sol.gap == pytest.approx((sol.objective - sol.lower_bound) / sol.objective)


def test_unreachable_row_is_named():
    cost = np.array([[1.0, 2.0], [np.inf, np.inf], [3.0, 1.0]])
    with pytest.raises(InfeasibleError, match="demand row.* 1 "):
        p_median(cost, 1)
    # reachable only from a forbidden site
    cost = np.array([[1.0, 2.0], [np.inf, 4.0]])
    with pytest.raises(InfeasibleError, match="row.* 1 "):
        p_median(cost, 1, forbidden=[1])


@pytest.mark.parametrize("method", METHODS)
def test_no_p_subset_reaches_everyone(method):
    cost = np.array([[1.0, np.inf, np.inf], [np.inf, 1.0, np.inf], [np.inf, np.inf, 1.0]])
    with pytest.raises(InfeasibleError, match="p=2"):
        p_median(cost, 2, method=method)
    sol = p_median(cost, 3, method=method)
    assert sol.objective == 3.0 and np.array_equal(sol.assignment, [0, 1, 2])


def test_bad_inputs_raise():
    cost = np.ones((4, 3))
    with pytest.raises(InfeasibleError, match="p=4"):
        p_median(cost, 4)
    with pytest.raises(InfeasibleError, match="forbidden"):
        p_median(cost, 3, forbidden=[0])
    with pytest.raises(InfeasibleError, match="required"):
        p_median(cost, 1, required=[0, 1])
    with pytest.raises(InputError, match="both required and forbidden"):
        p_median(cost, 2, required=[0], forbidden=[0])
    with pytest.raises(InputError, match="NaN"):
        p_median(np.array([[1.0, np.nan]]), 1)
    with pytest.raises(InputError, match="weights"):
        p_median(cost, 1, [1.0, 2.0])
    with pytest.raises(InputError, match="outside"):
        p_median(cost, 1, required=[7])
    with pytest.raises(InputError, match="method"):
        p_median(cost, 1, method="fast")


def test_solution_is_frozen():
    sol = p_median(np.array([[1.0, 2.0], [2.0, 1.0]]), 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sol.objective = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        sol.selected[0] = 1


@lru_cache(maxsize=1)
def _odd_cycles(groups: int = 35, seed: int = 3) -> tuple[np.ndarray, np.ndarray, int]:
    """Disjoint 3-cycles (site j serves customers j and j+1 of its cycle at ~0, everything else at ~10).

    With p = 1.5 sites per cycle the LP relaxation (and so the Lagrangian bound) puts half a site
    everywhere at cost ~0, while any integer answer leaves one customer of half the cycles far away:
    the gap stays open after the heuristic and bound, so the exact path must run.
    """
    rng = np.random.default_rng(seed)
    n = 3 * groups
    cost = np.full((n, n), 10.0)
    for k in range(groups):
        for j in range(3):
            cost[3 * k + j, 3 * k + j] = cost[3 * k + (j + 1) % 3, 3 * k + j] = 0.0
    cost += np.round(rng.random((n, n)), 1)  # small noise: one optimum
    return cost, rng.integers(1, 5, n).astype(float), 52


@lru_cache(maxsize=1)
def _odd_cycles_reference() -> float:
    cost, w, p = _odd_cycles()
    return pulp_p_median(cost, p, w)


@pytest.mark.parametrize("method", ["exact", "auto"])
def test_large_p_radius_milp_matches_independent_milp(method):
    """p > 50 with an open Lagrangian gap takes the radius-MILP path (smaller p the branch and bound)."""
    cost, w, p = _odd_cycles()
    sol = p_median(cost, p, w, method=method)
    assert "radius-milp" in sol.method and "lagrangian-bnb" not in sol.method, sol.method
    _check_solution(sol, cost, w, p)
    assert sol.optimal and sol.objective == pytest.approx(_odd_cycles_reference())


def test_radius_milp_direct_against_brute_force():
    from siting.locate.radius import solve_radius

    for seed in range(4):
        cost, w = _tiny(seed, holes=0.25)
        for p in (2, 3):
            best = brute_p_median(cost, p, w)
            if not np.isfinite(best):
                continue
            start = np.arange(cost.shape[1] - p, cost.shape[1])
            cols, val, lb, optimal, _ = solve_radius(cost, w, p, np.zeros(0, dtype=np.int64), start)
            assert optimal and val == pytest.approx(best) and lb == pytest.approx(best)


@pytest.mark.parametrize("name", ["pmed7", "pmed9"])
def test_time_limited_exact_keeps_a_valid_bound(shared_dir, name):
    cost, p, best = _orlib(shared_dir, name)
    sol = p_median(cost, p, method="exact", time_limit_s=0.3)
    assert sol.lower_bound <= best + 1e-9 <= sol.objective + 2e-9
    assert sol.optimal == (sol.objective == pytest.approx(sol.lower_bound))
