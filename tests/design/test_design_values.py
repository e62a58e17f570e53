"""Site values and single-site outages against re-built problems and hand-made cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from design_instances import instance, tables

from siting.design import design_problem, portfolio, resilience, site_values, solve_design


@pytest.mark.parametrize("seed", [1, 3, 4, 7, 11])
def test_site_value_equals_a_problem_rebuilt_without_the_site(seed):
    pb = instance(seed, n_s=3, n_j=4, n_t=2)
    p, dm = portfolio(pb, time_limit_s=30, mip_gap=1e-6)
    values = site_values(pb, p.hybrid, dm, mip_gap=1e-6)
    assert set(values.loc[values["opens"], "site_id"]) == set(p.hybrid.levels)
    for row in values.itertuples():
        s = pb.site_ids.index(row.site_id)
        ok = pb.level_ok.copy()
        ok[s] = False
        without = solve_design(dataclasses.replace(pb, level_ok=ok), time_limit_s=30, mip_gap=1e-6, heuristic=False)
        assert row.cost_without_per_yr == pytest.approx(without.cost_per_yr, rel=1e-5), (seed, row.site_id)
        assert row.value_per_yr == pytest.approx(without.cost_per_yr - p.hybrid.cost_per_yr, rel=1e-4, abs=1e-3)
        assert row.value_per_yr >= -1e-6 * p.hybrid.cost_per_yr


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_outage_without_late_lanes_costs_at_least_the_closure(seed):
    t = tables(seed, n_s=3, n_j=4, n_t=2)
    t["lanes"]["within_promise"] = True
    pb = design_problem(**t)
    p, dm = portfolio(pb, time_limit_s=30, mip_gap=1e-6)
    values = site_values(pb, p.hybrid, dm, mip_gap=1e-6).set_index("site_id")
    out = resilience(pb, p.hybrid, dm, late_penalty_per_unit=1e-3, mip_gap=1e-6)
    assert list(out["site_id"]) == list(p.hybrid.levels)
    for row in out.itertuples():  # no new site opens in an outage: never cheaper than the closure
        assert row.cost_per_yr >= values.loc[row.site_id, "cost_without_per_yr"] * (1 - 1e-5)
        assert row.stores_late == 0


def test_outage_lists_the_store_only_the_lost_site_reaches_in_time():
    t = tables(5, n_s=2, n_j=3, n_t=1)
    t["sites"]["fixed_cost_per_yr"] = 1.0  # both sites open
    t["sites"]["hours_per_week"] = 500.0
    t["direct"]["within_promise"] = t["direct"]["store_id"] != "j2"  # j2: only s0 is on time
    t["lanes"]["within_promise"] = ~((t["lanes"]["site_id"] == "s1") & (t["lanes"]["store_id"] == "j2"))
    pb = design_problem(**t)
    p, dm = portfolio(pb, time_limit_s=30, late_penalty_per_unit=1e-3)
    assert "s0" in p.hybrid.levels
    out = resilience(pb, p.hybrid, dm, late_penalty_per_unit=1e-3).set_index("site_id")
    assert out.loc["s0", "late_store_ids"] == "j2"  # j0 and j1 have on-time sources left
    if "s1" in out.index:
        assert out.loc["s1", "stores_late"] == 0
    assert np.isfinite(out["cost_per_yr"]).all()


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_outage_fallback_accounts_for_every_unit_the_lost_site_made(seed):
    """resilience's ``fallback``: the lost site's units a week, by the source that now serves them (another site
    or offshore), add up to what the site made in the design (each figure printed to 0.1 a week)."""
    import re

    t = tables(seed, n_s=3, n_j=4, n_t=2)
    t["lanes"]["within_promise"] = True
    t["sites"]["fixed_cost_per_yr"] *= 0.1  # several sites open
    pb = design_problem(**t)
    p, dm = portfolio(pb, time_limit_s=30, mip_gap=1e-6)
    out = resilience(pb, p.hybrid, dm, late_penalty_per_unit=1e-3, mip_gap=1e-6)
    assert len(out) >= 1
    table = p.hybrid.portfolio
    for row in out.itertuples():
        made = table[(table["site"] == row.site_id) & (table["source"] == "local")]
        parts = re.findall(r"([^;:]+): ([\d.]+)/wk", row.fallback)
        names = {name.strip() for name, _ in parts}
        assert row.site_id not in names and names <= (set(p.hybrid.levels) | {"offshore"}), row.fallback
        total = sum(float(u) for _, u in parts)
        # (split demands: the site's share only, not the demand's other sources' units; per-season rows summed)
        assert total == pytest.approx(made["units_per_week"].sum(), abs=0.05 * len(parts) + 1e-9), (seed, row)
