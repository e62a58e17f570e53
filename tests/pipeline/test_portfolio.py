"""The portfolio design beside the ranking: site values, verdicts and the run folder's tables, on the demo."""

from __future__ import annotations

import dataclasses

import pytest
from helsinki60 import helsinki60

from siting.pipeline import rank_city


@pytest.fixture(scope="module")
def small_city():
    return helsinki60(enabled=True)


@pytest.fixture(scope="module")
def ranked(helsinki60_plan):
    """The 60-store city's ranking and design: the suite's shared plan of it (``plan`` ranks the city as ``rank``
    does, the same site values and design; its wider scope adds outages, which these tests do not read)."""
    (result,) = helsinki60_plan.run.cities.values()
    return result


def test_every_site_gets_a_value_and_a_verdict(ranked):
    r = ranked.ranking
    assert r["portfolio_value_per_yr"].notna().all() and (r["portfolio_value_per_yr"] >= -1e-6).all()
    opened = r[r["portfolio_opens"]]
    assert opened["portfolio_verdict"].str.startswith("opens in the best design").all()
    assert r.loc[~r["portfolio_opens"], "portfolio_value_per_yr"].eq(0).all()
    hybrid = ranked.design.portfolio.hybrid
    assert set(opened["site_id"]) == set(hybrid.levels)


def test_hybrid_never_costs_more_than_either_pure_policy(ranked):
    p = ranked.design.portfolio
    assert p.hybrid.cost_per_yr <= p.all_offshore.cost_per_yr + 1e-6
    if p.all_local is not None:
        assert p.hybrid.cost_per_yr <= p.all_local.cost_per_yr + 1e-6


def test_an_opened_sites_value_is_the_cost_of_the_city_without_it(small_city, ranked):
    """Independent of the closure solve: rank the city again with the site removed from the candidates."""
    city, opts = small_city
    r = ranked.ranking
    opened = r[r["portfolio_opens"]]
    if opened.empty:
        pytest.skip("the design opens no site on this instance")
    site = opened.sort_values("portfolio_value_per_yr").iloc[-1]
    without = dataclasses.replace(city, candidates=city.candidates[city.candidates["site_id"] != site["site_id"]])
    again = rank_city(without, opts).design.portfolio.hybrid.cost_per_yr
    assert again - ranked.design.portfolio.hybrid.cost_per_yr == pytest.approx(
        site["portfolio_value_per_yr"], rel=1e-3, abs=1.0
    )


def test_the_run_folder_gets_the_design_tables(helsinki_demo_rank):
    """`siting rank` on the demo: rank's default scope ("values") prices no outages, so no resilience.csv."""
    _, _, folder = helsinki_demo_rank
    written = {p.name for p in (folder / "out").iterdir()}
    assert {"capacity.csv", "portfolio.csv", "site_values.csv"} <= written
    assert not {"resilience.csv", "drops.csv"} & written


def test_closed_sites_say_what_opening_them_costs(ranked, small_city):
    """The first explain_sites closed sites (by the other criteria) get a forced-open price, the rest a bound."""
    _, opts = small_city
    r = ranked.ranking
    closed = r[~r["portfolio_opens"]]
    forced = ranked.design.forced_open
    assert len(forced) == min(opts.portfolio.explain_sites, len(closed))
    for row in forced.itertuples():
        verdict = closed.set_index("site_id").loc[row.site_id, "portfolio_verdict"]
        assert f"{abs(row.extra_cost_per_yr):,.0f} EUR a year" in verdict
        assert row.extra_cost_per_yr <= row.fixed_cost_per_yr + 1.0  # opened and unused at worst
    others = closed[~closed["site_id"].isin(forced["site_id"])]
    assert others["portfolio_verdict"].str.startswith("not worth opening: its fixed cost").all()


def test_default_weights_give_the_portfolio_value_half_and_scale_back_without_it(ranked):
    from siting.pipeline.city import city_weights
    from siting.ranking.scoring import DEFAULT_WEIGHTS

    raw = ranked.ranking
    with_value = city_weights(DEFAULT_WEIGHTS, raw, "x")
    assert with_value["portfolio_value_per_yr"] == pytest.approx(0.5)
    without = city_weights(DEFAULT_WEIGHTS, raw.drop(columns="portfolio_value_per_yr"), "x")
    assert "portfolio_value_per_yr" not in without
    expected = {
        "delivery_time_s": 0.35,
        "population_reachable": 0.15,
        "rent_per_yr": 0.25,
        "co2e_wtw_kg_per_week": 0.25,
    }
    assert {c: v for c, v in without.items() if v > 0} == pytest.approx(expected)
