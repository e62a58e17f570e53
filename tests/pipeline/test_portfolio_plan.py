"""``plan(objective="portfolio")``: the design's sites, allocation and cost, checked against the design's own tables."""

from __future__ import annotations

import numpy as np
import pytest

from siting.costs.products import cost_default
from siting.pipeline.portfolio import capacity_levels
from siting.pipeline.portfolio_plan import design_summary


@pytest.fixture(scope="module")
def planned(helsinki60_plan):
    """60 busiest demo stores, 6 candidates, 8 demand points (the design opens one site here)."""
    return helsinki60_plan


def test_the_chosen_sites_are_exactly_those_making_goods_locally(planned):
    city = next(iter(planned.run.cities.values()))
    table = city.design.portfolio.hybrid.portfolio
    making = set(table.loc[table["source"] == "local", "site"])
    assert making, "the design opens no site on this instance: the test checks nothing"
    assert set(planned.sites["site_id"].astype(str)) == making
    assert planned.k[city.name] == len(making)


def test_each_allocated_store_gets_local_goods_from_its_site(planned):
    city = next(iter(planned.run.cities.values()))
    table = city.design.portfolio.hybrid.portfolio
    local = table[table["source"] == "local"]
    lines = planned.lines
    assert len(lines) and set(lines["site_id"]) <= set(planned.sites["site_id"])
    assert lines["store_id"].is_unique
    # every allocated store's site makes local goods for some demand point
    assert set(lines["site_id"]) <= set(local["site"])
    # the local units of the design all reach allocated stores: the lines' demand equals the points' demand
    served_points = set(local["store_id"])
    units = city.design.problem.demand_units_per_week.sum(axis=(0, 2))
    point_units = dict(zip(city.design.problem.store_ids, units))
    assert lines["weight"].sum() == pytest.approx(sum(point_units[p] for p in served_points), rel=1e-9)


def test_the_reported_hybrid_cost_is_the_table_plus_rent_staff_and_setup(planned):
    """Independent of the model's objective: portfolio rows + ranking rent + capacity_levels.csv + amortised set-up."""
    city = next(iter(planned.run.cities.values()))
    sol = planned.solutions[city.name]
    hybrid = city.design.portfolio.hybrid
    levels = capacity_levels().set_index("level")
    rent = city.ranking.set_index("site_id")["rent_per_yr"]
    setup = float(planned.run.options.costs.setup_cost) / cost_default("setup_amortisation_yr")
    fixed = sum(
        float(rent[s]) + setup + float(levels.loc[lv, "staff_cost_per_yr"]) + float(levels.loc[lv, "setup_cost_per_yr"])
        for s, lv in hybrid.levels.items()
    )
    total = float(hybrid.portfolio["cost_per_yr"].sum()) + fixed
    assert sol.objective == pytest.approx(total, rel=2e-3)
    assert sol.objective <= sol.offshore_cost_per_yr + 1e-6
    assert planned.summary.loc[0, "objective"] == pytest.approx(sol.objective)


def test_the_summary_lists_what_each_site_makes(planned):
    city = next(iter(planned.run.cities.values()))
    made = design_summary(city)
    hybrid = city.design.portfolio.hybrid
    table = hybrid.portfolio
    local = table[table["source"] == "local"]
    assert set(made["site_id"]) == set(hybrid.levels)
    for site, part in made.groupby("site_id"):
        want = local[local["site"] == site].groupby("family")["units_per_week"].sum()  # one 52-week season
        got = part.set_index("family")["units_per_week"]
        assert sorted(got.index) == sorted(want.index)
        np.testing.assert_allclose(got.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-9)
        assert (part["level"] == hybrid.levels[site]).all()
        util = hybrid.capacity.loc[hybrid.capacity["site"] == site, "utilisation"].max()
        assert part["utilisation"].iloc[0] == pytest.approx(util)


def test_the_manual_quotes_this_run(planned):
    """docs/portfolio.md quotes the site, level and costs of this instance: they must be this run's."""
    from pathlib import Path

    text = " ".join((Path(__file__).parents[2] / "docs" / "portfolio.md").read_text().split())
    city = next(iter(planned.run.cities.values()))
    sol = planned.solutions[city.name]
    ((site, level),) = city.design.portfolio.hybrid.levels.items()
    assert f"opens one site, `{site}`, at level `{level}`" in text
    assert f"hybrid costs {sol.objective:,.0f} EUR a year against {sol.offshore_cost_per_yr:,.0f} all-offshore" in text


def test_the_figures_quoted_in_the_manual(planned):
    """docs/portfolio.md, "siting plan --objective portfolio": the design quoted there."""
    p = next(iter(planned.run.cities.values())).design.portfolio
    assert p.hybrid.levels == {"way/123921801": "two_shifts"}
    assert p.hybrid.cost_per_yr == pytest.approx(2_052_040, abs=1.0)
    assert p.all_offshore.cost_per_yr == pytest.approx(2_087_673, abs=1.0)
    via_site = p.hybrid.portfolio.loc[p.hybrid.portfolio["source"] == "offshore via site", "units_per_week"].sum()
    assert round(via_site) == 2695  # every offshore unit rides the site's drop: no store is split
    drops = p.hybrid.drops
    assert len(drops) == 8 and set(drops["origin"]) == {"way/123921801"}  # one drop per demand point
    # by hand: 60 stores x 2 drops a week x 52 weeks x (35 EUR/h x 600 s, the van's stop) = 36,400 a year
    assert drops["cost_per_yr"].sum() == pytest.approx(60 * 2 * 52 * 35.0 * 600 / 3600, rel=1e-9)


def test_drops_csv_is_the_drop_charge_inside_the_design_total(planned, tmp_path):
    """drops.csv (plan's run folder) against an independent recomputation and the objective's own drop part.

    Independent: the delivering origins of each demand point and season read off ``portfolio.csv``
    (the sites of its local rows and of its cross-docked rows, ``direct``), the drops a week from
    the stores (``lane_params.drops_per_week`` x the stores with demand) and the cost per drop from
    the van (``vehicles.csv`` cost_per_hour x ``lane_params.service_s``), over 52 weeks.
    """
    import pandas as pd

    from siting.app.write import _portfolio_files
    from siting.delivery import VEHICLES

    written = _portfolio_files(planned.run, tmp_path)
    assert tmp_path / "drops.csv" in written
    drops = pd.read_csv(tmp_path / "drops.csv", dtype={"origin": str, "store_id": str})
    assert list(drops.columns) == [
        "city",
        "store_id",
        "origin",
        "season",
        "drops_per_week",
        "cost_per_drop",
        "units_per_week",
        "cost_per_yr",
    ]
    city = next(iter(planned.run.cities.values()))
    table = pd.read_csv(tmp_path / "portfolio.csv", dtype={"site": str, "store_id": str}, keep_default_na=False)
    origins = set()
    for row in table.itertuples():
        if row.source == "local" or row.source.startswith("offshore"):
            origins |= {(row.store_id, row.season, s) for s in str(row.site).split("; ") if s}
        if "direct" in row.source:
            origins.add((row.store_id, row.season, "direct"))
    assert set(zip(drops["store_id"], drops["season"], drops["origin"])) == origins and len(drops) == len(origins)
    params = planned.run.options.lanes.lane_params
    stores = int((city.stores["demand_units_per_week"] > 0).sum())
    per_point = drops.drop_duplicates("store_id")["drops_per_week"]
    assert per_point.sum() == pytest.approx(params.drops_per_week * stores, rel=1e-12)
    van = VEHICLES[params.vehicle]
    per_drop = van.cost_per_hour * params.service_s / 3600.0
    assert drops["cost_per_drop"].to_numpy() == pytest.approx(per_drop, rel=1e-5)  # the CSV keeps 6 digits
    from pathlib import Path

    outputs_md = " ".join((Path(__file__).parents[2] / "docs" / "outputs.md").read_text().split())
    quoted = f"{van.cost_per_hour:.0f} EUR/h x {params.service_s:.0f} s = {per_drop:.2f} EUR"
    assert quoted in outputs_md and f"`lane_params.drops_per_week` ({params.drops_per_week:g})" in outputs_md
    by_hand = (drops["drops_per_week"] * per_drop * 52.0).sum()
    assert drops["cost_per_yr"].sum() == pytest.approx(by_hand, rel=1e-6)
    # the drop part of the design's objective: the drop columns' cost in the model, at the design's columns
    design, dm = city.design.portfolio.hybrid, city.design.model
    x = np.array(design.x, dtype=float)
    cols = np.concatenate([c.ravel() for c in (dm.drop_direct_cols, dm.drop_lane_cols, dm.drop_hub_cols)])
    without = x.copy()
    without[cols[cols >= 0]] = 0.0
    inside = dm.model.objective(x) - dm.model.objective(without)
    assert inside > 0 and drops["cost_per_yr"].sum() == pytest.approx(inside, rel=1e-6)
    assert design.cost_per_yr == pytest.approx(dm.model.objective(x), rel=1e-9)
