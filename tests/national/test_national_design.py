"""A national run with the portfolio: one design over two Malta clusters, brand-wide offshore buys, candidate hubs."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from siting.app import city_inputs, demo_scenario, rank_options
from siting.design.national import national_table
from siting.pipeline import plan


@pytest.fixture(scope="module")
def planned():
    scenario = demo_scenario("malta")
    clusters = city_inputs(scenario)
    brand = sum(float(c.stores["demand_units_per_week"].sum()) for c in clusters)
    two = [c for c in clusters if c.name in ("gharb", "mellieha")]
    first = [c.stores.to_crs(4326).geometry.iloc[0] for c in two]
    hubs = pd.DataFrame(
        {
            "hub_id": ["hub-a", "hub-b"],
            "lon": [p.x for p in first],
            "lat": [p.y for p in first],
            "handling_cost_per_unit": [0.05, 0.05],
            "turnaround_s": [300.0, 300.0],
            "fixed_cost_per_yr": [500.0, 500.0],
        }
    )
    options = rank_options(scenario)
    options = dataclasses.replace(
        options,
        costs=dataclasses.replace(options.costs, brand_units_per_week=brand),
        portfolio=dataclasses.replace(options.portfolio, time_limit_s=3.0, demand_points=6, hubs=hubs),
    )
    return plan(two, 1, options, objective="portfolio"), brand


def test_one_design_across_the_clusters(planned):
    result, brand = planned
    national = result.run.national
    assert national is not None and set(national.clusters) == {"gharb", "mellieha"}
    p = national.portfolio
    assert p.hybrid.cost_per_yr <= p.all_offshore.cost_per_yr + 1e-6
    if p.all_local is not None:
        assert p.hybrid.cost_per_yr <= p.all_local.cost_per_yr + 1e-6
    pb = national.problem
    # one offshore buy per family, priced at the brand's volume (the island's, not the two clusters')
    assert len(pb.offshore_curves) == 5 and len(pb.family_names) == 10
    assert sum(f.demand_mean_units_per_week for f in pb.offshore_families) == pytest.approx(brand)
    # each cluster's design is its slice: the slices add up to the national hybrid
    slices = [result.run.cities[c].design.portfolio.hybrid for c in national.clusters]
    assert sum(d.cost_per_yr for d in slices) == pytest.approx(p.hybrid.cost_per_yr, rel=1e-6)
    table = national_table(p.hybrid)
    assert set(table["cluster"]) == {"gharb", "mellieha"}
    assert table["units_per_week"].sum() == pytest.approx(pb.demand_units_per_week.sum(), rel=1e-9)
    for c, d in zip(national.clusters, slices):
        mine = table[table["cluster"] == c].drop(columns="cluster").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, d.portfolio)


def test_hubs_are_routed_on_the_clusters_networks(planned):
    result, _ = planned
    pb = result.run.national.problem
    assert pb.hubs is not None and len(pb.hubs.routes) > 0
    # each hub sits in one cluster: its routes reach that cluster's stores only
    for h, j in pb.hubs.routes:
        assert pb.hubs.hub_ids[h].split("\x1f")[0] == pb.store_ids[j].split("\x1f")[0]


def test_portfolio_csv_has_a_cluster_column(planned, tmp_path):
    from siting.app.write import _portfolio_files

    result, _ = planned
    written = _portfolio_files(result.run, tmp_path)
    table = pd.read_csv(tmp_path / "portfolio.csv")
    assert tmp_path / "portfolio.csv" in written
    assert list(table.columns)[0] == "cluster" and set(table["cluster"]) == {"gharb", "mellieha"}
    assert pd.read_csv(tmp_path / "capacity.csv").columns[0] == "cluster"
    assert pd.read_csv(tmp_path / "site_values.csv").columns[0] == "city"
    # drops.csv: the national hybrid's drops, each in its cluster's words (no national ids)
    drops = pd.read_csv(tmp_path / "drops.csv", dtype=str)
    assert tmp_path / "drops.csv" in written and list(drops.columns)[:2] == ["cluster", "store_id"]
    national = result.run.national.portfolio.hybrid.drops
    assert len(drops) == len(national) and not drops.apply(lambda c: c.str.contains("\x1f")).any().any()
    assert drops["cost_per_yr"].astype(float).sum() == pytest.approx(national["cost_per_yr"].sum(), rel=1e-5)


def test_the_console_prints_the_national_totals_once(planned, capsys):
    """A national plan prints its totals once, from the national designs: the three policies' costs, their
    proven gaps and what the pure policies' bounds prove the hybrid saves (bound minus the national hybrid's
    cost); a cluster's slice prints none of them, as its status, gap and bound are the national solve's."""
    from siting.app.run import RunOutcome, _split_plan
    from siting.cli.console import print_plan

    result, _ = planned
    national = result.run.national
    print_plan(RunOutcome(result.run, plan=_split_plan(result, list(result.run.cities)), plan_result=result))
    out = " ".join(capsys.readouterr().out.split())
    p = national.portfolio
    hyb, off, loc = p.hybrid, p.all_offshore, p.all_local
    assert loc is not None, p
    costs = f"hybrid {hyb.cost_per_yr:,.0f}, all-offshore {off.cost_per_yr:,.0f}, all-local {loc.cost_per_yr:,.0f}"
    assert f"national design over 2 clusters, cost per year (EUR): {costs}" in out, out
    gaps = f"hybrid {100 * hyb.gap:.2f}%, all-offshore {100 * off.gap:.2f}%, all-local {100 * loc.gap:.2f}%"
    assert f"national proven gaps: {gaps}" in out, out
    parts = []
    for name, d in (("all-offshore", off), ("all-local", loc)):
        if d.bound_per_yr > hyb.cost_per_yr:
            saving = d.bound_per_yr - hyb.cost_per_yr
            parts.append(f"at least {saving:,.0f} against any {name} design (none costs under {d.bound_per_yr:,.0f})")
    assert parts, p  # the hybrid opens sites here: it beats at least the all-offshore bound
    assert f"the national hybrid saves a year (EUR): {'; '.join(parts)}" in out, out
    for once in ("proven gaps:", "hybrid saves a year", "proven within", f"design {hyb.status}"):
        assert out.count(once) <= 1, (once, out)
    assert out.count("design: this cluster's slice of the national design (its status and gaps above)") == 2, out


def test_the_national_summary_follows_the_design(planned):
    """national_summary.csv recommends the sites the national hybrid opens in each cluster (not the business
    case's greedy cover): none here, where the hubs alone beat all-offshore."""
    from national_summary_check import assert_summary_follows_the_design

    result, _ = planned
    assert assert_summary_follows_the_design(result.run) == 0
