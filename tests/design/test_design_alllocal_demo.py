"""The Helsinki demo's all-local figures docs/portfolio.md and the CHANGELOG quote, from the demo plan's own problem."""

from __future__ import annotations

import numpy as np
import pytest

from siting.app import city_inputs, demo_scenario, rank_options
from siting.design import lagrange
from siting.design.alllocal import fewest_sites, whole_store_local, with_fewest_sites
from siting.design.bounded import _bounds
from siting.design.lagrange import EXACT_MAX_FLOWS, local_flows, local_lagrange_bound, lp_multipliers
from siting.design.model import build_model
from siting.design.neighbourhood import lp_site_order
from siting.design.start import greedy_local
from siting.pipeline import plan


def test_the_helsinki_all_local_figures():
    """`siting plan --no-prove-all-local` on the demo: fewest sites, LP and Lagrangian bounds (with and without whole
    drops in the site subproblems), each start's cost (the proof's figures: tests/test_docs_figures.py)."""
    sc = demo_scenario("helsinki")
    planned = plan(city_inputs(sc), 1, rank_options(sc, portfolio_prove_all_local=False), objective="portfolio")
    design = planned.run.cities["helsinki"].design
    pb, loc = design.problem, design.portfolio.all_local
    assert round(loc.cost_per_yr) == 6_724_580 and loc.status == "stopped at gap 2.55%"
    assert round(loc.bound_per_yr) == 6_553_194  # the Lagrangian bound, above the LP's 6,450,389 (4.08%)
    ((sites, n),) = fewest_sites(pb)
    need = float((pb.machine_hours_per_unit[:, None] * pb.demand_units_per_week.sum(axis=1)).sum(axis=0).max())
    assert len(sites) == 47 and n == 6 and need == pytest.approx(601.4, abs=0.05)
    dm = build_model(pb, late_penalty_per_unit=1e-3)
    lb, ub = _bounds(dm, pb, "local")
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
    assert round(lp.objective) == 6_339_153 and lp.x[dm.open_cols].sum() == pytest.approx(5.06, abs=0.005)
    dm_rows = with_fewest_sites(dm, pb)
    lp_rows, order = lp_site_order(dm_rows, pb, policy="local")
    assert round(lp_rows.objective) == 6_450_389
    # the Lagrangian's first phase alone (drops per unit in the site subproblems): 6,461,980, 3.91%
    relaxed = local_lagrange_bound(pb, loc.cost_per_yr, lp_multipliers(dm_rows, pb, lp_rows), exact_iterations=0)
    assert round(relaxed.bound_per_yr) == 6_461_980
    assert local_flows(pb) == 7_050 <= EXACT_MAX_FLOWS  # so the plan ran the whole-drop iterations and round
    # without the whole-drop phase's column round: 6,484,439 (3.57%, the default before it)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lagrange, "EXACT_COLUMN_ROUNDS", 0)
        drops_only = local_lagrange_bound(pb, loc.cost_per_yr, lp_multipliers(dm_rows, pb, lp_rows))
    assert round(drops_only.bound_per_yr) == 6_484_439 and drops_only.column_rounds == 0
    per_hour = np.where(pb.level_ok, pb.fixed_cost_per_yr / np.maximum(pb.hours_per_week, 1e-9), np.inf).min(axis=1)
    assert round(dm.model.objective(greedy_local(dm, pb, np.argsort(per_hour, kind="stable")))) == 6_897_055
    assert round(dm.model.objective(whole_store_local(dm_rows, pb, order))) == 6_732_844
    passes = [round(dm.model.objective(whole_store_local(dm_rows, pb, order, k))) for k in (1, 2, 5)]
    assert passes == [6_729_490, 6_724_580, 6_724_580]  # a local optimum after 2 passes
    # `all_local_swaps = 50` (docs/portfolio.md): site swaps cross what the store moves cannot
    swapped = whole_store_local(dm_rows, pb, order, 5, 50)
    assert round(dm.model.objective(swapped)) == 6_712_135
    assert len(np.flatnonzero(swapped[dm.open_cols].sum(axis=1) > 0.5)) == 6
