"""The all-local policy's fewest-sites rows and whole-store starts: against the exact MILP and enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from design_instances import brute_force, instance

from siting.design.alllocal import _WholeStores, fewest_sites, whole_store_local, with_fewest_sites
from siting.design.bounded import _bounds, _solve
from siting.design.model import build_model
from siting.design.start import complete, is_feasible

SEEDS = range(24)


def _exact_local(dm, pb):
    return _solve(dm, pb, "local", time_limit_s=30.0, mip_gap=1e-7)


def test_fewest_sites_rows_keep_the_all_local_optimum():
    """The rows cut no all-local design: the exact optimum is the same with them; they raise the LP bound."""
    checked = binding = 0
    for seed in SEEDS:
        pb = instance(seed, n_s=3, n_j=4, n_f=2, n_t=1, drops=seed % 2 == 1)
        dm = build_model(pb)
        exact = _exact_local(dm, pb)
        if not exact.has_solution:
            continue
        dm_rows = with_fewest_sites(dm, pb)
        with_rows = _exact_local(dm_rows, pb)
        assert with_rows.objective == pytest.approx(exact.objective, rel=1e-6), seed
        opened = int((np.round(exact.x[dm.open_cols]) > 0.5).sum())
        assert opened >= sum(n for _, n in fewest_sites(pb)), seed
        lb, ub = _bounds(dm, pb, "local")
        lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
        lp_rows = dm_rows.model.solve(col_lower=lb, col_upper=ub, relax=True)
        assert lp.objective <= lp_rows.objective * (1 + 1e-9) + 1e-6, seed
        assert lp_rows.objective <= exact.objective * (1 + 1e-7), seed
        binding += lp_rows.objective > lp.objective * (1 + 1e-6) and opened == sum(n for _, n in fewest_sites(pb))
        checked += 1
    assert checked >= 15 and binding >= 4, (checked, binding)  # 17, 4


def test_fewest_sites_of_a_hand_worked_case():
    """Machine hours a week per group / its largest site's hours, rounded up, per season (the larger)."""
    pb = instance(3, n_s=3, n_j=4, n_f=2, n_t=2)
    need = (pb.machine_hours_per_unit[:, None, None] * pb.demand_units_per_week).sum(axis=(0, 1))  # (t,)
    top = np.where(pb.level_ok, pb.hours_per_week, 0.0).max()
    groups = fewest_sites(pb)
    assert len(groups) == 1  # every store reaches some site, and the lanes join them all here
    sites, n = groups[0]
    assert list(sites) == [0, 1, 2] and n == int(np.ceil(need.max() / top)), (need, top, n)


def _whole_store_enumeration(dm, pb):
    """Cheapest design serving each store whole from one on-time site, each site at its cheapest fitting level."""
    n_s = len(pb.site_ids)
    dem = pb.demand_units_per_week
    ws = _WholeStores(dm, pb)
    stores = [j for j in range(len(pb.store_ids)) if dem[:, j].any()]
    reach = [[s for s in range(n_s) if (s, j) in ws.lane] for j in stores]
    best = np.inf
    for choice in itertools.product(*reach):
        assign = np.full(len(pb.store_ids), -1)
        assign[stores] = choice
        volume = np.zeros((n_s, *dem[:, 0].shape))
        for j, s in zip(stores, choice):
            volume[s] += dem[:, j]
        levels = np.full(n_s, -1)
        for s in range(n_s):
            if not volume[s].any():
                continue
            used = np.zeros(dem.shape[2])
            for f, curve in enumerate(pb.local_curves):  # hours on the model's own breakpoints
                h = pb.machine_hours_per_unit[f] * curve.volume_units_per_week
                h = h + pb.changeover_hours_per_run[f] * curve.runs_per_week
                used += np.interp(volume[s, f], curve.volume_units_per_week, h)
            fits = [
                lv
                for lv in range(pb.level_ok.shape[1])
                if pb.level_ok[s, lv] and pb.hours_per_week[s, lv] >= used.max()
            ]
            if not fits:
                levels[:] = -2
                break
            levels[s] = min(fits, key=lambda lv: pb.fixed_cost_per_yr[s, lv])
        if (levels == -2).any():
            continue
        x_local = np.zeros(len(dm.x_cols))
        for i, (p, f, t) in enumerate(zip(dm.xp, dm.xf, dm.xt)):
            if p < dm.n_on_time and assign[dm.lanes[p, 1]] == dm.lanes[p, 0]:
                x_local[i] = dem[f, dm.lanes[p, 1], t]
        x = complete(dm, pb, levels, x_local)
        if x is not None:
            best = min(best, dm.model.objective(x))
    return best


def test_whole_store_local_search_against_enumeration():
    """Feasible, priced as the MILP prices it, never below enumeration of whole-store designs, mostly at it."""
    checked = at_best = improved = 0
    for seed in range(24):
        pb = instance(seed, n_s=3, n_j=4, n_f=2, n_t=1, drops=seed % 2 == 0)
        dm = build_model(pb)
        best = _whole_store_enumeration(dm, pb)
        if not np.isfinite(best):
            continue
        order = np.arange(len(pb.site_ids))
        plain = whole_store_local(dm, pb, order)
        searched = whole_store_local(dm, pb, order, max_passes=5)
        if searched is None:
            continue
        assert is_feasible(dm, searched), seed
        cost = dm.model.objective(searched)
        assert cost >= best * (1 - 1e-9), (seed, cost, best)
        assert cost >= brute_force(pb, "local") * (1 - 1e-9), seed  # single-sourced per demand: no dearer
        if plain is not None:
            assert cost <= dm.model.objective(plain) * (1 + 1e-9), seed
            improved += cost < dm.model.objective(plain) * (1 - 1e-9)
        at_best += cost <= best * (1 + 1e-9)
        checked += 1
    assert checked >= 12 and improved >= 5 and at_best >= 0.75 * checked, (checked, improved, at_best)  # 14, 7, 11


def test_the_all_local_milp_runs_only_on_few_flow_columns():
    """Even a neighbourhood holding every site is not solved past ``max_flows`` (the root's work): its LP instead."""
    from siting.design.neighbourhood import neighbourhood_solve

    pb = instance(5, n_s=3, n_j=4, n_f=2, n_t=1)
    dm = build_model(pb)
    flows = int((dm.xp < dm.n_on_time).sum() + (dm.xp >= dm.n_on_time).sum())
    kw = {"start": None, "max_nodes": 100, "time_limit_s": 30.0, "mip_gap": 1e-4, "policy": "local", "sites": 3}
    capped = neighbourhood_solve(dm, pb, max_flows=flows - 1, **kw)
    assert capped.x is None and capped.status == "neighbourhood of 3 sites" and np.isfinite(capped.objective)
    solved = neighbourhood_solve(dm, pb, max_flows=flows, **kw)
    assert solved.x is not None and solved.objective >= capped.objective * (1 - 1e-9)


def test_site_swaps_against_enumeration():
    """Swapping an open site for a closed one is never dearer, reaches the whole-store optimum more often."""
    checked = improved = at_best = at_best_before = 0
    for seed in range(30):
        pb = instance(seed, n_s=4, n_j=5, n_f=2, n_t=1, drops=seed % 2 == 0)
        dm = build_model(pb)
        best = _whole_store_enumeration(dm, pb)
        order = np.arange(len(pb.site_ids))
        before = whole_store_local(dm, pb, order, max_passes=5)
        swapped = whole_store_local(dm, pb, order, max_passes=5, max_swaps=20)
        if not np.isfinite(best) or before is None:
            continue
        assert swapped is not None and is_feasible(dm, swapped), seed
        cost, cost_before = dm.model.objective(swapped), dm.model.objective(before)
        assert best * (1 - 1e-9) <= cost <= cost_before * (1 + 1e-9), (seed, best, cost, cost_before)
        improved += cost < cost_before * (1 - 1e-9)
        at_best += cost <= best * (1 + 1e-9)
        at_best_before += cost_before <= best * (1 + 1e-9)
        checked += 1
    assert checked >= 12 and improved >= 4 and at_best > at_best_before, (checked, improved, at_best, at_best_before)
    # 13 instances: 5 cheaper, 10 at the optimum (8 before)


def test_no_site_swaps_leave_the_design_as_it_was(monkeypatch):
    """``max_swaps=0`` is the store search alone; a budget of swaps is spent, not exceeded (work-bounded)."""
    import siting.design.alllocal as alllocal

    pb = instance(9, n_s=6, n_j=5, n_f=2, n_t=1, drops=True)  # no swap lowers its cost: 8 pairs are tried
    dm = build_model(pb)
    order = np.arange(len(pb.site_ids))
    plain = whole_store_local(dm, pb, order, max_passes=5)
    assert np.array_equal(whole_store_local(dm, pb, order, max_passes=5, max_swaps=0), plain)
    calls = []
    real = alllocal._greedy

    def counting(ws, o):
        calls.append(list(o))
        return real(ws, o)

    monkeypatch.setattr(alllocal, "_greedy", counting)
    whole_store_local(dm, pb, order, max_passes=5, max_swaps=3)
    assert len(calls) == 4, calls  # the first assignment, then 3 swaps


def test_the_portfolio_passes_its_swaps_to_the_all_local_design():
    """`portfolio(..., local_swaps=N)`: a cheaper all-local design where a swap finds one (seeds 3, 6, 10 of 12),
    never a dearer one; the hybrid (its own solve) keeps its cost."""
    from siting.design.solve import portfolio

    cheaper = 0
    for seed in (3, 6, 7):
        pb = instance(seed, n_s=6, n_j=5, n_f=2, n_t=1, drops=True)
        plain, _ = portfolio(pb, max_nodes=50)
        swapped, _ = portfolio(pb, max_nodes=50, local_swaps=20)
        assert plain.all_local is not None and swapped.all_local is not None
        assert swapped.all_local.cost_per_yr <= plain.all_local.cost_per_yr * (1 + 1e-12), seed
        assert swapped.hybrid.cost_per_yr == pytest.approx(plain.hybrid.cost_per_yr, rel=1e-9), seed
        assert swapped.all_local.bound_per_yr <= swapped.all_local.cost_per_yr * (1 + 1e-9), seed
        cheaper += swapped.all_local.cost_per_yr < plain.all_local.cost_per_yr * (1 - 1e-9)
    assert cheaper == 2, cheaper  # 3: 577,528 -> 575,099; 6: 783,099 -> 774,036; 7 unchanged
