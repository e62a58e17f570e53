"""The all-local Lagrangian bound: at most the exact optimum, at least the LP bound it starts from."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from design_instances import brute_force, one_site_case, tables

from siting.design.alllocal import fewest_sites, with_fewest_sites
from siting.design.bounded import _bounds, _solve
from siting.design.lagrange import local_lagrange_bound, lp_multipliers
from siting.design.model import build_model
from siting.design.problem import design_problem

SEEDS = range(30)
#: the bound's two validity tests (each seed one exact MILP, a Lagrangian run and, on one season, enumeration)
BOUND_SEEDS = range(20)


def _seasons(seed: int) -> int:
    return 2 if seed % 5 == 4 else 1


def _case(seed: int):
    """A small random instance every store can be served locally in: 3 sites, 4 stores, 2 families, 1 season
    (2 on every fifth seed), drops on odd seeds."""
    t = tables(seed, n_s=3, n_j=4, n_f=2, n_t=_seasons(seed), drops=seed % 2 == 1)
    t["lanes"]["within_promise"] = True
    return design_problem(**t)


@functools.cache
def _proven(seed: int):
    """(problem, model, exact all-local optimum (MILP at gap 1e-7), LP relaxation, its multipliers) of
    :func:`_case`, or None where no all-local design exists (the sites' hours) or none is proven in time."""
    pb = _case(seed)
    dm = with_fewest_sites(build_model(pb), pb)
    exact = _solve(dm, pb, "local", time_limit_s=30.0, mip_gap=1e-7)
    if not exact.proven_optimal:
        return None
    lb, ub = _bounds(dm, pb, "local")
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
    return pb, dm, exact, lp, lp_multipliers(dm, pb, lp)


def test_the_bound_lies_between_the_lp_bound_and_the_exact_optimum():
    """On random instances: LP bound <= Lagrangian bound <= the exact all-local optimum (MILP at gap 1e-7)
    <= the cheapest single-sourced design by enumeration (one season: two take minutes); above the LP on most."""
    checked = raised = 0
    for seed in BOUND_SEEDS:
        case = _proven(seed)
        if case is None:
            continue  # no all-local design (the sites' hours) or not proven in time
        pb, dm, exact, lp, start = case
        if _seasons(seed) == 1:
            assert exact.objective <= brute_force(pb, "local") * (1 + 1e-6) + 1e-6, seed
        assert start is not None, seed
        lagr = local_lagrange_bound(pb, exact.objective, start).bound_per_yr
        assert lagr <= exact.objective * (1 + 1e-7) + 1e-6, (seed, lagr, exact.objective)
        assert lagr >= lp.objective * (1 - 1e-7) - 1e-6, (seed, lagr, lp.objective)
        raised += lagr > lp.objective + 1e-4 * abs(lp.objective)
        checked += 1
    assert checked >= 13 and raised >= 12, (checked, raised)  # 15, 15 (23, 23 of 30 seeds)


def test_the_first_iteration_is_the_lp_duals_own_bound():
    """With one iteration the bound is L at the LP's duals; more iterations never lower the best bound."""
    pb = _case(5)
    dm = with_fewest_sites(build_model(pb), pb)
    lb, ub = _bounds(dm, pb, "local")
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
    start = lp_multipliers(dm, pb, lp)
    one = local_lagrange_bound(pb, lp.objective * 1.1, start, iterations=1, exact_iterations=0)
    many = local_lagrange_bound(pb, lp.objective * 1.1, start, iterations=60, exact_iterations=0)
    assert one.bound_per_yr >= lp.objective * (1 - 1e-7)
    assert many.bound_per_yr >= one.bound_per_yr
    np.testing.assert_array_equal(one.multipliers, start[0])


def test_no_duals_no_bound():
    """A MILP solve has no row duals: no Lagrangian start (the design keeps its own bound)."""
    pb = _case(0)
    dm = with_fewest_sites(build_model(pb), pb)
    milp = _solve(dm, pb, "local", time_limit_s=30.0, mip_gap=1e-7)
    assert milp.row_dual is None and lp_multipliers(dm, pb, milp) is None


def test_a_design_proven_within_the_gap_runs_no_bound(lagrange_runs_seen):
    """An all-local design its own MILP proved within ``mip_gap`` keeps its bound: no Lagrangian is run, even
    with column rounds asked for (they stop at that gap anyway); one the node-limited solve left above the gap
    gets it."""
    from siting.design.solve import portfolio

    runs = lagrange_runs_seen
    pb = _case(0)
    exact, _ = portfolio(pb, mip_gap=1e-6)
    assert exact.all_local is not None and exact.all_local.gap <= 1e-6
    portfolio(pb, mip_gap=1e-6, local_bound_rounds=3)
    assert runs == []
    limited, _ = portfolio(pb, max_nodes=50)
    assert limited.all_local is not None and limited.all_local.gap > 1e-4
    assert runs == [0]


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


def test_whole_drops_keep_the_bound_valid_and_raise_it():
    """With each site's exact subproblem (whole drops, a MILP per site) the bound still lies at most the exact
    all-local optimum (MILP at gap 1e-7), at least the relaxed-drops bound it starts from; above it on some."""
    checked = raised = 0
    for seed in BOUND_SEEDS:
        case = _proven(seed)
        if case is None:
            continue
        pb, _, exact, _, start = case
        relaxed = local_lagrange_bound(pb, exact.objective, start, exact_iterations=0).bound_per_yr
        whole = local_lagrange_bound(pb, exact.objective, start, exact_iterations=6).bound_per_yr
        assert whole <= exact.objective * (1 + 1e-7) + 1e-6, (seed, whole, exact.objective)
        assert whole >= relaxed, (seed, whole, relaxed)
        raised += whole > relaxed + 1e-4 * abs(relaxed)
        checked += 1
    assert checked >= 13 and raised >= 10, (checked, raised)  # 15, 15 (24, 22 of 30 seeds)


def test_a_site_value_is_the_minimum_over_its_plans():
    """One site's exact subproblem against the design MILP restricted to that site: the same minimum of
    cost - u . supply - lam . open (the model over every site with the others closed, each demand row
    relaxed to 0 <= supply <= demand), on instances with drops; some sites open, some stay closed."""
    from siting.design.site_subproblem import site_value

    opened = closed = 0
    for seed in (1, 3, 5, 7, 9, 11):
        pb = _case(seed)
        dm = build_model(pb)
        rng = np.random.default_rng(seed)
        dem = pb.demand_units_per_week
        u = rng.uniform(0.0, 3.0, dem.shape) * pb.weeks_per_yr[None, None, :] * (4.0 + seed % 4)
        lam = 2000.0 * (seed % 3)
        for s in range(len(pb.site_ids)):
            got = site_value(pb, s, u, lam)
            lb, ub = _bounds(dm, pb, "local", closed=[o for o in range(len(pb.site_ids)) if o != s])
            ref = _site_only(dm, pb, u, lam, s).solve(col_lower=lb, col_upper=ub, mip_gap=1e-9, time_limit_s=30.0)
            best = min(0.0, ref.objective)  # valid (never above the minimum) and within HiGHS's gap 1e-4 of it
            assert best - 1e-4 * abs(best) - 1e-3 <= got.bound_per_yr <= best + 1e-6 * abs(best) + 1e-3, (seed, s)
            assert got.opened == (ref.objective < -1e-6), (seed, s)
            opened += got.opened
            closed += not got.opened
    assert opened >= 3 and closed >= 3, (opened, closed)


def _site_only(dm, pb, u, lam, s):
    """``dm``'s model with the demand rows free (0 <= supply <= demand) and ``-u . supply - lam . open`` in the cost."""
    import copy

    m = copy.deepcopy(dm.model)
    cost = np.concatenate(m._cost)
    dem = pb.demand_units_per_week
    n_j, n_t = dem.shape[1:]
    on = dm.xp < dm.n_on_time
    cost[dm.x_cols[on]] -= u[dm.xf[on], dm.lanes[dm.xp[on], 1], dm.xt[on]]
    cost[dm.open_cols[s]] -= lam
    m._cost = [cost]
    rows = m.row_block("demand")
    m._row_lo = [np.concatenate(m._row_lo)]
    m._row_hi = [np.concatenate(m._row_hi)]
    m._row_lo[0][rows] = 0.0
    return m


def test_no_whole_drop_iterations_above_the_flow_cap(monkeypatch):
    """Above EXACT_MAX_FLOWS local flows the bound is the first phase's alone (and says it ran none, nor the
    whole-drop phase's column round, which runs below the cap whatever ``column_rounds`` asks)."""
    import siting.design.lagrange as lagrange

    pb = _case(5)
    dm = with_fewest_sites(build_model(pb), pb)
    lb, ub = _bounds(dm, pb, "local")
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
    start = lp_multipliers(dm, pb, lp)
    first = local_lagrange_bound(pb, lp.objective * 1.1, start, exact_iterations=0)
    both = local_lagrange_bound(pb, lp.objective * 1.1, start, exact_iterations=3)
    assert both.exact_iterations == 3 and lagrange.local_flows(pb) <= lagrange.EXACT_MAX_FLOWS
    assert both.column_rounds == lagrange.EXACT_COLUMN_ROUNDS == 1 and len(both.by_round) == 1
    assert first.column_rounds == 0 and not first.by_round
    monkeypatch.setattr(lagrange, "EXACT_MAX_FLOWS", lagrange.local_flows(pb) - 1)
    capped = local_lagrange_bound(pb, lp.objective * 1.1, start, exact_iterations=3)
    assert capped.exact_iterations == 0 and capped.column_rounds == 0 and capped.bound_per_yr == first.bound_per_yr


def test_column_rounds_keep_the_bound_valid_and_raise_it():
    """Column generation after the subgradient phases: still at most the exact all-local optimum (MILP at gap
    1e-7), at least the bound without it; above it on some instances."""
    checked = raised = 0
    for seed in SEEDS[::3]:
        case = _proven(seed)
        if case is None:
            continue
        pb, _, exact, _, start = case
        without = local_lagrange_bound(pb, exact.objective, start).bound_per_yr
        cg = local_lagrange_bound(pb, exact.objective, start, column_rounds=4)
        assert cg.column_rounds == 4
        assert cg.bound_per_yr <= exact.objective * (1 + 1e-7) + 1e-6, (seed, cg.bound_per_yr, exact.objective)
        assert cg.bound_per_yr >= without, (seed, cg.bound_per_yr, without)
        raised += cg.bound_per_yr > without + 1e-4 * abs(without)
        checked += 1
    assert checked >= 6 and raised >= 3, (checked, raised)  # 7, 4 (none raised without the new columns)


@pytest.mark.parametrize("seed", [25, 29])
def test_with_one_site_the_columns_reach_the_exact_optimum(seed):
    """One site: a convex combination of its plans meets every demand row only if each plan serves all of it,
    so the column-generation bound is the exact optimum (within the site MILPs' gap 1e-4) once the plan that
    serves everything is priced; the subgradient phases alone stop below it on these seeds."""
    pb, exact, start = one_site_case(seed)
    assert exact.proven_optimal
    without = local_lagrange_bound(pb, exact.objective, start).bound_per_yr
    cg = local_lagrange_bound(pb, exact.objective, start, column_rounds=30).bound_per_yr
    assert without < exact.objective * (1 - 1e-3), (without, exact.objective)
    assert cg == pytest.approx(exact.objective, rel=2e-4), (cg, exact.objective)


def test_a_plan_column_costs_what_the_design_model_charges_for_it():
    """Each column's cost a year is the design model's cheapest cost of the site serving exactly its supply
    (the model over every site, the others closed, flows fixed to the column's, no multipliers): the best
    plan of each site's solve and the other plans it found on its way (``more_plans``, costed apart)."""
    from siting.design.lagrange import _Sites

    seen = more = 0
    for seed in (1, 3, 5, 7):
        pb = _case(seed)
        dm = build_model(pb)
        dem = pb.demand_units_per_week
        rng = np.random.default_rng(seed)
        u = rng.uniform(1.0, 3.0, dem.shape) * pb.weeks_per_yr[None, None, :] * 6.0
        _, cols = _Sites(pb).price_columns(u, np.zeros(len(fewest_sites(pb))))
        more += len(cols) - len({c.site for c in cols})
        for col in cols:
            supply = np.zeros(dem.size)
            supply[np.flatnonzero(dem.ravel() > 0)[col.rows]] = col.units
            supply = supply.reshape(dem.shape)
            others = [o for o in range(len(pb.site_ids)) if o != col.site]
            lb, ub = _bounds(dm, pb, "local", closed=others)
            on = dm.xp < dm.n_on_time
            at_site = on & (dm.lanes[dm.xp, 0] == col.site)
            fixed = supply[dm.xf[at_site], dm.lanes[dm.xp[at_site], 1], dm.xt[at_site]]
            lb[dm.x_cols[at_site]] = ub[dm.x_cols[at_site]] = fixed
            ub[dm.x_cols[on & ~at_site]] = 0.0
            ref = _site_only(dm, pb, np.zeros_like(u), 0.0, col.site)
            sol = ref.solve(col_lower=lb, col_upper=ub, mip_gap=1e-9, time_limit_s=30.0)
            assert col.cost_per_yr == pytest.approx(sol.objective, rel=2e-4), (seed, col.site)
            seen += 1
    assert seen >= 4 and more >= 2, (seen, more)


def test_a_sites_other_plans_differ_from_its_best_and_cost_what_plan_cost_says():
    """``site_value(more_plans=True)``: the same bound and best plan as without; each further plan supplies
    another mix than the best and the others, and costs what ``plan_cost`` says, which also prices the best
    plan at the solve's own cost (columns' costs against the design model: the test above)."""
    from siting.design.site_subproblem import plan_cost, site_value

    more = 0
    for seed in (1, 3, 5, 7, 9, 11):
        pb = _case(seed)
        dem = pb.demand_units_per_week
        rng = np.random.default_rng(seed)
        u = rng.uniform(1.0, 3.0, dem.shape) * pb.weeks_per_yr[None, None, :] * 6.0
        for s in range(len(pb.site_ids)):
            plain, rich = site_value(pb, s, u, 0.0), site_value(pb, s, u, 0.0, more_plans=True)
            assert (rich.bound_per_yr, rich.opened, rich.cost_per_yr) == (
                plain.bound_per_yr,
                plain.opened,
                plain.cost_per_yr,
            )
            assert np.array_equal(rich.supply, plain.supply) and not plain.more_plans
            if not rich.opened:
                assert not rich.more_plans
                continue
            assert plan_cost(pb, s, rich.supply) == pytest.approx(rich.cost_per_yr, rel=1e-7), (seed, s)
            mixes = [rich.supply.ravel()]
            for plan in rich.more_plans:
                supply = np.zeros(dem.size)
                supply[plan.cells] = plan.units
                assert not any(np.allclose(supply, other) for other in mixes), (seed, s)
                assert plan_cost(pb, s, supply.reshape(dem.shape)) == plan.cost_per_yr
                mixes.append(supply)
                more += 1
    assert more >= 2, more


def test_the_portfolio_passes_its_rounds_to_the_all_local_bound():
    """`portfolio(..., local_bound_rounds=N)`: the all-local design keeps its cost, its proven bound is the
    larger with the rounds (still at most the cost) on an instance where the rounds raise it."""
    from siting.design.solve import portfolio

    pb = _case(2)
    plain = portfolio(pb, max_nodes=50)[0].all_local
    rounds = portfolio(pb, max_nodes=50, local_bound_rounds=6)[0].all_local
    assert plain is not None and rounds is not None
    assert rounds.cost_per_yr == pytest.approx(plain.cost_per_yr, rel=1e-12)
    assert plain.bound_per_yr < rounds.bound_per_yr <= rounds.cost_per_yr * (1 + 1e-9)


def test_a_smoothed_point_with_no_plan_prices_the_masters_own_point():
    """Wentges smoothing's mispricing: the point between the box's centre (no multipliers: no site pays) and
    the master's (every row worth 6 units of its lane's cost a year) opens no site; the master's own point
    does, so its plans are returned, and its bound if better. The next round's smoothing follows the
    subgradient at the point priced (Pessoa et al.'s rule)."""
    from siting.design.colgen import _smoothed_price
    from siting.design.lagrange import _Sites

    seen = 0
    for seed in (1, 3, 5, 7):
        pb = _case(seed)
        sites = _Sites(pb)
        dem = pb.demand_units_per_week
        rows = np.flatnonzero(dem.ravel() > 0)
        n_g = len(sites.fewest)
        u_high = np.full(len(rows), 6.0 * pb.weeks_per_yr.max() * dem.max())
        centre, master = (np.zeros(len(rows)), np.zeros(n_g)), (u_high, np.zeros(n_g))
        price = sites.price_columns
        assert not price(np.zeros_like(dem), np.zeros(n_g))[1]  # the centre opens no site
        at_master = price(u_high[0] * (dem > 0), np.zeros(n_g))
        if not at_master[1]:
            continue
        u, _, value, new, alpha = _smoothed_price(
            price, rows, dem, sites.fewest, sites.group, centre, master, alpha=0.999, seen=set()
        )
        assert new, seed
        assert [c.site for c in new] == [c.site for c in at_master[1]], seed
        assert value >= at_master[0] - 1e-6 * abs(at_master[0]), seed
        # the next share follows the subgradient (demand - supply) at the point returned
        if np.array_equal(u, u_high):  # the master's: every opened site serves every row, more than the demand,
            assert alpha == pytest.approx(0.9), seed  # so it points back to the centre: more smoothing (capped)
        else:  # the smoothed point's bound was the better: it opens nothing, the demand points to the master
            assert alpha == pytest.approx(0.899), seed
        # with the two points swapped, the oversupply at the smoothed point points to the master: less smoothing
        back = _smoothed_price(price, rows, dem, sites.fewest, sites.group, master, centre, alpha=0.5, seen=set())
        assert back[4] == pytest.approx(0.4), seed
        seen += 1
    assert seen >= 2, seen


@pytest.mark.parametrize("seed", [25, 29])
def test_column_rounds_stop_once_the_gap_asked_for_is_proven(seed):
    """`stop_gap`: on the one-site instances above no round runs after the first whose bound is within 2% of
    the optimum, and that round's bound is; without it the rounds run on to the optimum and end there, fewer
    than the 30 asked for, once a round prices no plan the master lacks (plans priced again are not new:
    counted as new, they kept all 30 rounds running, and the Helsinki demo's bound stalled) or the master
    promises no more than the best bound."""
    pb, exact, start = one_site_case(seed)
    every = local_lagrange_bound(pb, exact.objective, start, column_rounds=30).by_round
    enough = exact.objective * (1 - 0.02)
    first = next(r for r, b in enumerate(every) if b >= enough)
    stopped = local_lagrange_bound(pb, exact.objective, start, column_rounds=30, stop_gap=0.02)
    assert first + 1 < len(every) < 30 and every[-1] == pytest.approx(exact.objective, rel=2e-4), (first, every)
    assert stopped.by_round == every[: first + 1], (first, stopped.by_round)
    assert stopped.bound_per_yr >= enough and stopped.column_rounds == 30


def test_the_portfolio_runs_no_round_once_its_gap_is_proven():
    """`portfolio(..., mip_gap=g)`: the all-local column rounds stop at the portfolio's own gap, so with a gap
    the subgradient bound already proves (50%) the rounds change nothing; at 1e-4 they raise it (above)."""
    from siting.design.solve import portfolio

    pb = _case(2)
    plain = portfolio(pb, max_nodes=50, mip_gap=0.5)[0].all_local
    rounds = portfolio(pb, max_nodes=50, mip_gap=0.5, local_bound_rounds=6)[0].all_local
    assert plain is not None and rounds is not None and plain.gap < 0.5
    assert rounds.bound_per_yr == plain.bound_per_yr and rounds.cost_per_yr == plain.cost_per_yr


def test_the_site_milps_on_two_threads_give_the_one_threads_bound():
    """Column rounds with the site MILPs side by side: the same bounds, rounds and multipliers, bit for bit.

    (tests/test_solve_threads.py checks that the pool keeps the items' order whatever finishes first.)"""
    compared = 0
    for seed in SEEDS[:6]:
        proven = _proven(seed)
        if proven is None:
            continue
        pb, _, exact, _, start = proven
        one = local_lagrange_bound(pb, exact.objective, start, column_rounds=4, threads=1)
        two = local_lagrange_bound(pb, exact.objective, start, column_rounds=4, threads=2)
        assert two.bound_per_yr == one.bound_per_yr and two.by_round == one.by_round, seed
        np.testing.assert_array_equal(two.multipliers, one.multipliers)
        compared += 1
    assert compared >= 3, compared


def test_the_smoothing_follows_each_sites_minimiser_alone():
    """Pessoa et al.'s rule reads the subgradient of the minimisers where it priced (``best``): a hand-worked
    pricing of one demand row (10 units) whose site serves 5 at its minimum (demand - supply = 5 points from
    the centre, u = 0, to the master, u = 1: 0.1 less smoothing), plus another plan of 20 units its solve
    found on the way, which counted would turn the subgradient back (10 - 25 < 0: more smoothing)."""
    from siting.design.colgen import PlanColumn, _smoothed_price

    dem = np.array([[[10.0]]])
    rows = np.array([0])

    def price(u: np.ndarray, lam: np.ndarray) -> tuple[float, list[PlanColumn]]:
        best = PlanColumn(0, rows, np.array([5.0]), 1.0)
        return 0.0, [best, PlanColumn(0, rows, np.array([20.0]), 2.0, best=False)]

    centre, master = (np.array([0.0]), np.zeros(0)), (np.array([1.0]), np.zeros(0))
    seen: set[bytes] = set()
    *_, new, alpha = _smoothed_price(price, rows, dem, np.zeros(0), np.array([-1]), centre, master, 0.5, seen)
    assert alpha == pytest.approx(0.4) and len(new) == 2 and len(seen) == 2
    *_, again, _ = _smoothed_price(price, rows, dem, np.zeros(0), np.array([-1]), centre, master, 0.5, seen)
    assert again == []  # the same plans priced again are not new


def test_rounds_asked_beyond_the_default_say_where_the_proof_stands(caplog):
    """Each column round asked for beyond the default one logs its number and the gap its best bound proves
    (the proof takes minutes on a city); the default round logs nothing."""
    import logging
    import re

    case = next(c for c in map(_proven, SEEDS) if c is not None)
    pb, _, exact, _, start = case
    design_cost = exact.objective * 1.05  # a dearer design than the optimum: the rounds cannot prove 1%
    with caplog.at_level(logging.INFO, logger="siting"):
        lb = local_lagrange_bound(pb, design_cost, start, column_rounds=3, stop_gap=0.01)
    lines = [r.getMessage() for r in caplog.records if "all-local proof" in r.getMessage()]
    assert len(lines) == len(lb.by_round) >= 1, lines
    for k, (line, best) in enumerate(zip(lines, lb.by_round, strict=True), 1):
        m = re.fullmatch(
            r"all-local proof: round (\d+) of at most 3, the design proven within (\d+\.\d{3})%, 1\.000% asked", line
        )
        assert m and int(m.group(1)) == k, line
        assert float(m.group(2)) == pytest.approx(100 * (design_cost - best) / design_cost, abs=0.0006), (line, best)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="siting"):
        local_lagrange_bound(pb, design_cost, start, column_rounds=1, stop_gap=0.01)
    assert not [r for r in caplog.records if "all-local proof" in r.getMessage()]


def test_the_rounds_end_once_the_master_promises_no_more_than_the_best_bound(monkeypatch):
    """Past the dual's maximum the rounds stop: fewer rounds than asked, where without the rule every round ran,
    and the bound the same to 1e-6 (the rule's tolerance): no round after the stop could have raised it."""
    import siting.design.colgen as colgen

    stopped = 0
    for seed in SEEDS[::3]:
        case = _proven(seed)
        if case is None:
            continue
        pb, _, exact, _, start = case
        design_cost = exact.objective * 1.05  # the rounds cannot prove 1% of it: only the rule stops them
        with_rule = local_lagrange_bound(pb, design_cost, start, column_rounds=40, stop_gap=0.01)
        monkeypatch.setattr(colgen, "_CONVERGED", -np.inf)
        without = local_lagrange_bound(pb, design_cost, start, column_rounds=40, stop_gap=0.01)
        monkeypatch.undo()
        assert with_rule.bound_per_yr >= without.bound_per_yr - 1e-6 * abs(without.bound_per_yr), seed
        assert len(with_rule.by_round) <= len(without.by_round), seed
        stopped += len(with_rule.by_round) < len(without.by_round)
    assert stopped >= 2, stopped


def test_the_rounds_end_when_their_pace_cannot_reach_the_bound_asked_for():
    """Hand-worked: 21 rounds from 100 to 120 gain 1 a round over the last 20; with 9 of 30 rounds left the
    bound can reach 129 at that pace: 130 is out of reach, 129 is not. No rule before 21 rounds or without a
    bound asked for."""
    from siting.design.colgen import _out_of_reach

    rising = [100.0 + k for k in range(21)]
    assert _out_of_reach(rising, 30, 130.0)
    assert not _out_of_reach(rising, 30, 129.0)
    assert not _out_of_reach(rising, 31, 130.0)  # 10 rounds left: 130 within reach
    assert not _out_of_reach(rising[:20], 30, 1e9)  # too few rounds to judge a pace
    assert not _out_of_reach(rising, 30, np.inf)  # no bound asked for: every round runs
    flat = [100.0] * 10 + [120.0] * 11  # the gain counts from 20 rounds back, not from the last step
    assert not _out_of_reach(flat, 30, 129.0) and _out_of_reach(flat, 30, 130.0)
