"""Offshore goods keep their own promise on a real Malta cluster: with it, a site cross-docks them."""

from __future__ import annotations

import dataclasses

import pytest

from siting.app import city_inputs, demo_scenario, rank_options
from siting.pipeline import run


@pytest.fixture(scope="module")
def bugibba():
    scenario = demo_scenario("malta")
    clusters = city_inputs(scenario)
    brand = sum(float(c.stores["demand_units_per_week"].sum()) for c in clusters)
    options = rank_options(scenario)
    options = dataclasses.replace(options, costs=dataclasses.replace(options.costs, brand_units_per_week=brand))
    return [c for c in clusters if c.name == "bugibba"], options


def _design(bugibba, offshore_promise_s: float):
    one, options = bugibba
    portfolio = dataclasses.replace(options.portfolio, offshore_promise_s=offshore_promise_s)
    city = run(one, dataclasses.replace(options, portfolio=portfolio)).cities["bugibba"]
    return city, city.design.portfolio


def test_offshore_goods_cross_dock_within_their_own_promise(bugibba):
    """The demo's 10-minute promise holds for the lanes; offshore goods keep next-day replenishment."""
    _, options = bugibba
    assert options.reach.sla_time_s == 600.0 and options.portfolio.offshore_promise_s == 86400.0
    city, design = _design(bugibba, 86400.0)
    made = design.hybrid.portfolio.groupby("source")["units_per_week"].sum()
    # most offshore units ride the open site's drop with its local goods (one drop, not two)
    assert made["offshore via site"] > 10 * made.get("offshore direct", 0.0) > 0
    assert made["local"] > 0 and int(city.candidates["portfolio_opens"].astype(bool).sum()) == 1
    assert design.hybrid.cost_per_yr <= design.all_offshore.cost_per_yr + 1e-6
    # the same cluster with one promise for both: a 600 s turnaround alone fills the 10 minutes, so
    # nothing is cross-docked, every offshore unit goes direct (late, as its only route) and no site opens
    city, design = _design(bugibba, 600.0)
    assert set(design.hybrid.portfolio["source"]) == {"offshore direct"}
    assert int(city.candidates["portfolio_opens"].astype(bool).sum()) == 0
    assert city.design.problem.direct_fallback.sum() > 0
