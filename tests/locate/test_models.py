"""Tests of p-center, MCLP, LSCP and facility location against brute force and PuLP/CBC MILPs."""

from __future__ import annotations

import numpy as np
import pytest
from pulp_refs import (
    brute_facility,
    brute_lscp,
    brute_mclp,
    brute_p_center,
    pulp_facility,
    pulp_lscp,
    pulp_mclp,
    pulp_p_center,
)

from siting.errors import InfeasibleError, InputError
from siting.locate import facility_location, lscp, mclp, p_center

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _inst(seed, n=8, m=6):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 100, size=(n, m)).astype(float)
    w = rng.integers(1, 6, size=n).astype(float)
    return cost, w


def _nearest_ok(sol, cost):
    served = sol.assignment >= 0
    got = cost[np.flatnonzero(served), sol.assignment[served]]
    assert np.allclose(got, cost[served][:, sol.selected].min(axis=1))


@pytest.mark.parametrize("seed", range(5))
def test_p_center_brute_force(seed):
    cost, _ = _inst(seed)
    for p in (1, 2, 3):
        sol = p_center(cost, p)
        assert sol.selected.size == p
        assert sol.objective == pytest.approx(brute_p_center(cost, p))
        assert sol.objective == pytest.approx(cost[np.arange(8), sol.assignment].max())
        assert sol.optimal and sol.lower_bound <= sol.objective
        _nearest_ok(sol, cost)


def test_p_center_independent_milp_and_required():
    rng = np.random.default_rng(7)
    cost = np.round(rng.random((30, 10)) * 100, 2)
    assert p_center(cost, 3).objective == pytest.approx(pulp_p_center(cost, 3))
    sol = p_center(cost, 3, required=[9], forbidden=[0])
    assert 9 in sol.selected and 0 not in sol.selected


@pytest.mark.parametrize("seed", range(5))
def test_mclp_brute_force(seed):
    cost, w = _inst(seed)
    for p, radius in ((1, 40.0), (2, 30.0), (3, 20.0)):
        sol = mclp(cost, p, radius, w)
        best = brute_mclp(cost, p, radius, w)
        assert sol.objective == pytest.approx(best)
        assert sol.covered_weight == pytest.approx(best)
        assert sol.lower_bound >= best - 1e-9  # the bound is an upper bound on covered weight
        within = (cost[:, sol.selected] <= radius).any(axis=1)
        assert np.array_equal(sol.assignment >= 0, within)
        assert sol.objective == pytest.approx(w[sol.assignment >= 0].sum())
        _nearest_ok(sol, cost)


def test_mclp_independent_milp():
    rng = np.random.default_rng(3)
    cost = rng.random((60, 20)) * 100
    w = rng.random(60) * 5
    sol = mclp(cost, 3, 25.0, w)
    assert sol.objective == pytest.approx(pulp_mclp(cost, 3, 25.0, w), rel=1e-7)
    assert sol.optimal


@pytest.mark.parametrize("seed", range(5))
def test_lscp_brute_force(seed):
    cost, _ = _inst(seed)
    radius = float(np.sort(cost.min(axis=1))[-1]) + 15.0
    sol = lscp(cost, radius)
    assert sol.objective == brute_lscp(cost, radius) == sol.selected.size
    assert (cost[np.arange(8), sol.assignment] <= radius).all()
    assert sol.optimal


def test_lscp_independent_milp_and_errors():
    rng = np.random.default_rng(9)
    cost = rng.random((80, 25)) * 100
    assert lscp(cost, 30.0).objective == pulp_lscp(cost, 30.0)
    with pytest.raises(InfeasibleError, match=r"demand row \d+ has no allowed site within radius"):
        lscp(cost, 0.5)
    with pytest.raises(InputError, match="radius"):
        lscp(cost, -1.0)


@pytest.mark.parametrize("seed", range(4))
def test_facility_location_brute_force(seed):
    cost, w = _inst(seed, n=6, m=4)
    rng = np.random.default_rng(seed)
    f = rng.integers(20, 300, size=4).astype(float)
    sol = facility_location(cost, f, weights=w)
    assert sol.objective == pytest.approx(brute_facility(cost, f, w))
    assert sol.objective == pytest.approx(f[sol.selected].sum() + np.sum(w * cost[np.arange(6), sol.assignment]))
    cap = np.full(4, w.sum() / 2.5)
    capped = facility_location(cost, f, weights=w, capacity=cap)
    assert capped.objective == pytest.approx(brute_facility(cost, f, w, cap))
    load = np.bincount(capped.assignment, weights=w, minlength=4)
    assert (load <= cap + 1e-9).all()
    assert capped.objective >= sol.objective - 1e-9
    assert capped.lower_bound <= capped.objective


def test_facility_location_split_vs_independent_milp():
    rng = np.random.default_rng(4)
    cost = rng.random((25, 8)) * 50
    w = rng.integers(1, 10, 25).astype(float)
    f = rng.random(8) * 300
    cap = np.full(8, w.sum() / 3.2)
    single = facility_location(cost, f, weights=w, capacity=cap)
    split = facility_location(cost, f, weights=w, capacity=cap, split_demand=True)
    assert single.objective == pytest.approx(pulp_facility(cost, f, w, cap), rel=1e-6)
    assert split.objective == pytest.approx(pulp_facility(cost, f, w, cap, split=True), rel=1e-6)
    assert split.objective <= single.objective + 1e-6
    flows = split.flows
    assert np.allclose(flows.sum(axis=1), 1.0)
    assert ((w[:, None] * flows).sum(axis=0) <= np.where(np.isin(np.arange(8), split.selected), cap, 0) + 1e-6).all()


def test_facility_location_required_forbidden_and_infeasible():
    cost, w = _inst(2, n=6, m=4)
    f = np.full(4, 100.0)
    sol = facility_location(cost, f, weights=w, required=[3], forbidden=[0])
    assert 3 in sol.selected and 0 not in sol.selected
    with pytest.raises(InfeasibleError, match="total capacity"):
        facility_location(cost, f, weights=w, capacity=np.full(4, w.sum() / 5))
    with pytest.raises(InfeasibleError, match="demand row"):
        facility_location(cost, f, weights=np.array([50.0, 1, 1, 1, 1, 1]), capacity=np.full(4, 20.0))
    with pytest.raises(InputError, match="fixed_cost"):
        facility_location(cost, np.full(3, 1.0))
    blocked = cost.copy()
    blocked[2, :] = np.inf
    with pytest.raises(InfeasibleError, match="row.* 2 "):
        facility_location(blocked, f)
