"""rank's deterministic site values (neighbourhood solves): against enumeration, and identical under any clock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cpu_burner import cpu_burner
from design_instances import brute_force, closed_problem, instance, single_sourced

from siting.design import portfolio, solve_design
from siting.design.city import solve_city
from siting.design.national import national_design, national_table
from siting.design.outages import forced_open, settled_values

SEEDS = range(16)


def _deterministic(pb, sites, time_limit_s=30.0, mip_gap=1e-6, max_nodes=10_000):
    p, dm = portfolio(pb, time_limit_s=time_limit_s, mip_gap=mip_gap, max_nodes=max_nodes, neighbourhood_sites=sites)
    kw = {"time_limit_s": time_limit_s, "mip_gap": mip_gap, "max_nodes": max_nodes, "neighbourhood_sites": sites}
    design, values = settled_values(pb, p.hybrid, dm, starts=[p.all_offshore.x], **kw)
    return p, dm, design, values


def test_neighbourhood_values_equal_enumeration():
    """A neighbourhood as large as the instance: the design and every site's value are brute force's."""
    checked_open = checked_closed = 0
    for seed in SEEDS:
        pb = instance(seed, n_s=3, n_j=3, n_t=1)
        _, _, design, values = _deterministic(pb, sites=3)
        if not single_sourced(design):
            continue
        best = brute_force(pb)
        assert design.cost_per_yr == pytest.approx(best, rel=1e-6), seed
        for row in values.itertuples():
            s = pb.site_ids.index(row.site_id)
            if row.opens:
                closure = solve_design(closed_problem(pb, s), time_limit_s=30, mip_gap=1e-6, heuristic=False)
                if not single_sourced(closure):
                    continue
                checked_open += 1
            else:
                checked_closed += 1
            brute_value = brute_force(closed_problem(pb, s)) - best
            assert row.value_per_yr == pytest.approx(brute_value, rel=1e-5, abs=1e-2), (seed, row.site_id)
            assert row.value_low_per_yr <= row.value_per_yr + 1e-6 <= row.value_high_per_yr + 2e-6
            if row.opens:  # every other site in the neighbourhood: the closure is exact, its own bound counts
                width = row.value_high_per_yr - row.value_low_per_yr
                assert width <= 2e-4 * row.cost_without_per_yr + 1e-3, (seed, row.site_id, row.status)
    assert checked_open >= 4 and checked_closed >= 24, (checked_open, checked_closed)  # 5, 29 of 16 seeds


def test_small_neighbourhood_brackets_the_exact_closure():
    """One extra site: each closure's cost is a feasible design's (>= the optimum), its LP bound <= the optimum."""
    checked = 0
    for seed in SEEDS:
        pb = instance(seed, n_s=4, n_j=3, n_t=1)
        _, _, design, values = _deterministic(pb, sites=1)
        for row in values[values["opens"]].itertuples():
            s = pb.site_ids.index(row.site_id)
            exact = solve_design(closed_problem(pb, s), time_limit_s=30, mip_gap=1e-7, heuristic=False).cost_per_yr
            assert row.cost_without_per_yr >= exact * (1 - 1e-6) - 1e-3, (seed, row.site_id)
            assert design.cost_per_yr + row.value_low_per_yr <= exact * (1 + 1e-6) + 1e-3, (seed, row.site_id)
            assert row.value_per_yr >= -1.0  # a cheaper closure would have become the design
            checked += 1
    assert checked >= 8, checked  # 10 of 16 seeds measured


@pytest.fixture(scope="module")
def mid_instance():
    # 20 sites, 40 stores, 4 families, 3 levels: the design opens 7 sites, the national one 10
    return instance(7, n_s=20, n_j=40, n_f=4, n_t=1, n_l=3)


def _plan_scope(pb, clusters, time_limit_s):
    """``plan``'s chain (scope "full"): a city design (values, outages, forced openings) and a national design."""
    kw = {"mip_gap": 0.01, "max_nodes": 100, "value_max_nodes": 100, "neighbourhood_sites": 6}
    city = solve_city(
        pb,
        time_limit_s=time_limit_s,
        outages=True,
        explain_site_ids=list(pb.site_ids),
        explain_sites=2,
        explain_time_limit_s=time_limit_s,
        value_time_limit_s=time_limit_s,
        **kw,
    )
    # each cluster's own design starts the national one (as runs do); cluster "a" is the city above
    b = solve_city(clusters["b"], time_limit_s=time_limit_s, outages=False, **kw)
    own = {"a": city.portfolio.hybrid.levels, "b": b.portfolio.hybrid.levels}
    nd = national_design(
        clusters,
        time_limit_s=time_limit_s * len(clusters),
        mip_gap=0.01,
        start_levels=own,
        max_nodes=100,
        neighbourhood_sites=6,
    )
    p = city.portfolio
    tables = {
        "portfolio": p.hybrid.portfolio,
        "capacity": p.hybrid.capacity,
        "offshore": p.all_offshore.portfolio,
        "local": p.all_local.portfolio if p.all_local is not None else pd.DataFrame(),
        "site_values": city.site_values,
        "resilience": city.resilience,
        "forced_open": city.forced_open,
        "national": national_table(nd.portfolio.hybrid),
        "national_capacity": nd.portfolio.hybrid.capacity,
        "summary": pd.DataFrame(
            [
                (d.policy, d.status, d.cost_per_yr, d.bound_per_yr)
                for pf in (p, nd.portfolio)
                for d in (pf.hybrid, pf.all_offshore, pf.all_local)
                if d is not None
            ],
            columns=["policy", "status", "cost_per_yr", "bound_per_yr"],
        ),
    }
    return city, nd, {name: t.to_csv() for name, t in tables.items()}


def test_plan_outputs_are_identical_under_another_clock_and_load(mid_instance):
    """plan's whole chain twice, the second beside a CPU burner with a 10x longer safety net: byte-identical tables.

    The safety nets are rank's default (60 s per solve) and 600 s: the results hold as long as no
    solve reaches its net (the statuses say none did), which the neighbourhoods make a wide margin.
    The design, all-offshore and all-local designs, site values, every single-site outage, the
    forced-open prices and a national design over two clusters (20 + 6 sites); no status names
    the clock.
    """
    clusters = {"a": mid_instance, "b": instance(11, n_s=6, n_j=12, n_f=4, n_t=1, n_l=3)}
    city_a, nd_a, out_a = _plan_scope(mid_instance, clusters, 60.0)
    with cpu_burner():
        _, _, out_b = _plan_scope(mid_instance, clusters, 600.0)
    p = city_a.portfolio
    assert len(p.hybrid.levels) >= 5 and len(city_a.resilience) == len(p.hybrid.levels)
    values = city_a.site_values
    assert values["opens"].sum() == len(p.hybrid.levels)
    assert (values.loc[values["opens"], "value_per_yr"] >= -1.0).all()
    assert len(city_a.forced_open) == 2 and len(nd_a.portfolio.hybrid.levels) >= 5
    statuses = [*out_a["summary"].splitlines(), *city_a.site_values["status"], *city_a.resilience["status"]]
    statuses += list(city_a.forced_open["status"])
    assert not any("time limit" in s for s in statuses), statuses
    for design in (p.hybrid, nd_a.portfolio.hybrid):  # status honesty: "optimal" only at a proven 1e-4
        assert (design.status == "optimal") == (design.gap <= 1e-4), design.status
    for pf in (p, nd_a.portfolio):  # the hybrid never costs more than either pure policy
        pure = [d.cost_per_yr for d in (pf.all_offshore, pf.all_local) if d is not None]
        assert pf.hybrid.cost_per_yr <= min(pure) + 1e-6
    for name in out_a:
        assert out_a[name] == out_b[name], name


def test_the_scenario_defaults_are_the_modules():
    """[rank.portfolio] neighbourhood_sites and max_adopted default to the design modules' constants."""
    from siting.design.neighbourhood import MAX_ADOPTED, NEIGHBOURHOOD_SITES
    from siting.pipeline.portfolio import PortfolioOptions

    opts = PortfolioOptions()
    assert (opts.neighbourhood_sites, opts.max_adopted) == (NEIGHBOURHOOD_SITES, MAX_ADOPTED) == (6, 3)
    assert opts.time_limit_s is None  # no solve on the clock unless the user sets one


def test_a_forced_opening_cheaper_than_the_design_becomes_the_design():
    """Against the all-offshore design, the cheapest forced opening that beats it is adopted, at its cost."""
    import dataclasses

    from siting.design.outages import adopt_forced

    adopted = kept = 0
    for seed in range(12):
        pb = instance(seed, n_s=3, n_j=3, n_t=1)
        p, dm = portfolio(pb, time_limit_s=30.0, mip_gap=1e-6, max_nodes=10_000, neighbourhood_sites=3)
        # a hybrid design that opens no site (every site is priced forced open), with the hybrid's bound
        weak = dataclasses.replace(p.all_offshore, policy="hybrid", bound_per_yr=p.hybrid.bound_per_yr)
        designs: dict = {}
        forced = forced_open(pb, weak, dm, pb.site_ids, max_nodes=10_000, neighbourhood_sites=3, designs=designs)
        better = adopt_forced(pb, weak, dm, forced, designs)
        best_forced = float(forced["cost_open_per_yr"].min())
        if best_forced < weak.cost_per_yr - 1.0:
            adopted += 1
            assert better is not None, seed
            assert better.cost_per_yr == pytest.approx(best_forced, rel=1e-9), seed
            assert better.cost_per_yr >= p.hybrid.bound_per_yr * (1 - 1e-9), seed  # never below the bound
            if single_sourced(better):  # brute force enumerates single-sourced designs
                assert better.cost_per_yr >= brute_force(pb) * (1 - 1e-6), seed
            assert better.levels and better.bound_per_yr == weak.bound_per_yr, seed
            assert better.gap == pytest.approx((better.cost_per_yr - weak.bound_per_yr) / better.cost_per_yr), seed
        else:
            kept += 1
            assert better is None, seed
    assert adopted >= 3 and kept >= 1, (adopted, kept)  # both branches exercised


def test_all_local_design_is_within_the_solver_gap_of_enumeration():
    """Bounded by work (nodes, a neighbourhood), the all-local design is within ``mip_gap`` of brute force's.

    Enumeration prices single-sourced all-local designs, an upper bound of the policy's optimum: the
    MILP's design may only be cheaper (split supply), never dearer by more than the gap it proves.
    """
    mip_gap, checked, beat_greedy = 0.01, 0, 0
    for seed in range(16):
        pb = instance(seed, n_s=3, n_j=3, n_t=1)
        p, dm = portfolio(pb, time_limit_s=30.0, mip_gap=mip_gap, max_nodes=1_000, neighbourhood_sites=6)
        loc = p.all_local
        if loc is None:
            continue
        best = brute_force(pb, "local")
        if not np.isfinite(best):
            continue
        checked += 1
        assert loc.bound_per_yr <= loc.cost_per_yr * (1 + 1e-9), seed
        assert loc.gap <= mip_gap, (seed, loc.status)
        assert loc.cost_per_yr <= best * (1 + mip_gap), (seed, loc.cost_per_yr, best)
        assert p.hybrid.cost_per_yr <= min(loc.cost_per_yr, p.all_offshore.cost_per_yr) * (1 + 1e-9), seed
        greedy = local_greedy_cost(dm, pb)
        beat_greedy += loc.cost_per_yr < greedy * (1 - mip_gap)
    assert checked >= 10 and beat_greedy >= 1, (checked, beat_greedy)


def local_greedy_cost(dm, pb) -> float:
    """The greedy all-local design's cost (:func:`siting.design.start.greedy_local`, the design's start)."""
    from siting.design.start import greedy_local

    per_hour = np.where(pb.level_ok, pb.fixed_cost_per_yr / np.maximum(pb.hours_per_week, 1e-9), np.inf).min(axis=1)
    x = greedy_local(dm, pb, np.argsort(per_hour, kind="stable"))
    return np.inf if x is None else float(dm.model.objective(x))
