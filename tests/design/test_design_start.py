"""Hand-built starting designs (greedy all-local, a design without one site) are feasible and never beat the optimum."""

from __future__ import annotations

import numpy as np
from design_instances import instance

from siting.design.model import build_model
from siting.design.solve import _bounds, _solve
from siting.design.start import greedy_local, is_feasible, without_site

SEEDS = range(200, 218)


def _hours_ok(dm, pb, x) -> bool:
    """Independent of the start code: each open site's hours (per unit + changeovers on the curve) fit its level."""
    opened = np.round(x[dm.open_cols]) > 0.5
    cap = (pb.hours_per_week * opened).sum(axis=1)
    n_f, _, n_t = pb.demand_units_per_week.shape
    local = np.zeros((n_f, len(pb.site_ids), n_t))
    np.add.at(local, (dm.xf, dm.lanes[dm.xp, 0], dm.xt), x[dm.x_cols])
    hours = sum(
        pb.machine_hours_per_unit[f] * local[f] + pb.changeover_hours_per_run[f] * c.runs_at(local[f])
        for f, c in enumerate(pb.local_curves)
    )
    return bool(np.all(hours <= cap[:, None] * (1 + 1e-9) + 1e-9))


def test_greedy_all_local_is_feasible_and_no_cheaper_than_the_optimum():
    found = 0
    for seed in SEEDS:
        pb = instance(seed, n_s=3, n_j=3, n_f=2, n_t=2)
        dm = build_model(pb)
        g = greedy_local(dm, pb, np.arange(len(pb.site_ids)))
        if g is None:
            continue
        found += 1
        lb, ub = _bounds(dm, pb, "local")
        assert is_feasible(dm, g, lb, ub), seed
        assert _hours_ok(dm, pb, g), seed
        assert np.allclose(g[dm.yo_cols], 0.0), seed
        best = _solve(dm, pb, "local", time_limit_s=30, mip_gap=1e-6)
        assert best.has_solution and dm.model.objective(g) >= best.objective * (1 - 1e-6), seed
    assert found >= 10, found  # 12 of 18 seeds measured


def test_the_design_without_a_site_is_a_feasible_closure():
    """Each opened site of the optimal hybrid design (the MILP at gap 1e-6; the portfolio's pure policies play
    no part here), taken out: a feasible design with that site closed, never cheaper than its optimum."""
    checked = 0
    for seed in SEEDS:
        pb = instance(seed, n_s=3, n_j=3, n_f=2, n_t=1)
        dm = build_model(pb)
        best = _solve(dm, pb, "hybrid", time_limit_s=30, mip_gap=1e-6)
        assert best.x is not None, seed
        for s in np.flatnonzero(best.x[dm.open_cols].sum(axis=1) > 0.5):
            x = without_site(dm, pb, best.x, s)
            assert x is not None, seed  # every store takes direct delivery in these instances
            checked += 1
            lb, ub = _bounds(dm, pb, "hybrid", closed=[s])
            assert is_feasible(dm, x, lb, ub) and _hours_ok(dm, pb, x), seed
            assert np.all(x[dm.open_cols[s]] == 0) and np.all(x[dm.x_cols][dm.lanes[dm.xp, 0] == s] == 0), seed
            closed = _solve(dm, pb, "hybrid", time_limit_s=30, mip_gap=1e-6, closed=[s])
            assert dm.model.objective(x) >= closed.objective * (1 - 1e-6), seed
    assert checked >= 18, checked  # 22 of 18 seeds' closures measured
