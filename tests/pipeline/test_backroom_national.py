"""A back room in a national run (#23): one design across two clusters, the back room's store served free."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from siting.app import city_inputs, demo_scenario, rank_options
from siting.design.national import SEP
from siting.pipeline import plan
from siting.pipeline.portfolio import PortfolioOptions

N_STORES = 12


def _national(with_store: bool):
    """The 12 busiest Helsinki demo stores in two clusters (west, east: 6 each), 3 candidates each; a back room
    (1 EUR/m2 a year) at the west's busiest store, named by ``store_id`` or not."""
    sc = demo_scenario("helsinki")
    city = city_inputs(sc)[0]
    stores = city.stores.sort_values("demand_units_per_week", ascending=False).head(N_STORES)
    stores = stores.assign(x=stores.geometry.x).sort_values("x", kind="stable").drop(columns="x")
    halves = {"west": stores.iloc[:6].reset_index(drop=True), "east": stores.iloc[6:].reset_index(drop=True)}
    cands = city.candidates.assign(store_id=None)
    cities, host = [], None
    for i, (name, part) in enumerate(halves.items()):
        mine = cands.iloc[3 * i : 3 * i + 3].copy()
        if name == "west":
            busiest = part.sort_values("demand_units_per_week", ascending=False).iloc[0]
            host = str(busiest["store_id"])
            room = mine.iloc[[0]].copy()
            room["site_id"], room["name"], room["geometry"] = "backroom", "back room", [busiest.geometry]
            room["rent_per_m2_yr"] = 1.0
            room["store_id"] = host if with_store else None
            mine = pd.concat([mine, room], ignore_index=True)
        cities.append(
            dataclasses.replace(city, name=name, stores=part, candidates=gpd.GeoDataFrame(mine, crs=cands.crs))
        )
    opts = rank_options(sc, portfolio=PortfolioOptions(mip_gap=1e-4, demand_points=6))
    opts = dataclasses.replace(
        opts,
        reach=dataclasses.replace(opts.reach, isochrones_for_top=0),
        costs=dataclasses.replace(opts.costs, frontier=False),
    )
    return host, plan(cities, 1, opts, objective="portfolio")


@pytest.fixture(scope="module")
def both():
    return {w: _national(w) for w in (True, False)}


def test_the_national_design_serves_the_back_rooms_store_free(both):
    host, planned = both[True]
    nd = planned.run.national
    assert nd is not None and nd.clusters == ("west", "east")
    pb, hyb = nd.problem, nd.portfolio.hybrid
    room, store = f"west{SEP}backroom", f"west{SEP}{host}"
    s, j = pb.site_ids.index(room), pb.store_ids.index(store)
    lane = np.flatnonzero((pb.lanes[:, 0] == s) & (pb.lanes[:, 1] == j))
    assert len(lane) == 1 and pb.lane_cost_per_unit[lane[0]] == 0.0 and pb.lane_no_drop[lane[0]]
    assert room in hyb.levels  # the back room opens in the national design
    mine = hyb.portfolio[(hyb.portfolio["store_id"] == store) & (hyb.portfolio["source"] == "local")]
    assert len(mine) and set(mine["site"]) == {room}
    assert not ((hyb.drops["store_id"] == store) & (hyb.drops["origin"] == room)).any()  # no drop of its own
    assert hyb.cost_per_yr <= min(nd.portfolio.all_offshore.cost_per_yr, nd.portfolio.all_local.cost_per_yr) * (
        1 + 1e-9
    )
    ranking = planned.run.ranking
    flagged = ranking.loc[ranking["backroom_store_id"].notna(), ["city", "site_id", "backroom_store_id"]]
    assert flagged.values.tolist() == [["west", "backroom", host]]


def test_the_national_saving_is_the_stores_drop_and_lane(both):
    """Without ``store_id`` the host store pays its drops (2 a week x 52 x 5.83) and the lane on what it carries.

    The two national problems differ only in the host's lane, so (D the drop charge a year, L the
    lane's cost per unit, U the units a week on it, 52 weeks), as in tests/pipeline/test_backroom.py:
        without.cost - with.bound >= D + 52 L U_without;  without.bound - with.cost <= D + 52 L U_with
    """
    host, with_run = both[True]
    _, without_run = both[False]
    w, wo = with_run.run.national, without_run.run.national
    assert "backroom_store_id" not in without_run.run.ranking.columns  # no back room: the table is unchanged
    room = f"west{SEP}backroom"
    assert room in wo.portfolio.hybrid.levels
    pb = wo.problem
    host_point = next(sid for sid in pb.store_ids if sid.startswith("west") and sid.endswith("point-01"))
    s, j = pb.site_ids.index(room), pb.store_ids.index(host_point)
    lane = pb.lane_cost_per_unit[(pb.lanes[:, 0] == s) & (pb.lanes[:, 1] == j)]
    assert len(lane) == 1 and lane[0] > 0
    drops = wo.portfolio.hybrid.drops
    drop = drops.loc[(drops["store_id"] == host_point) & (drops["origin"] == room), "cost_per_yr"].sum()
    assert drop == pytest.approx(2 * 52 * 35.0 * 600 / 3600, rel=1e-6)

    def lane_units(design, store):
        t = design.portfolio
        return t.loc[(t["store_id"] == store) & (t["site"] == room), "units_per_week"].sum()

    wh, woh = w.portfolio.hybrid, wo.portfolio.hybrid
    u_without, u_with = lane_units(woh, host_point), lane_units(wh, f"west{SEP}{host}")
    slack = 1e-6 * woh.cost_per_yr + 0.01
    assert woh.cost_per_yr - wh.bound_per_yr >= drop + 52 * lane[0] * u_without - slack
    assert woh.bound_per_yr - wh.cost_per_yr <= drop + 52 * lane[0] * u_with + slack
    assert woh.cost_per_yr > wh.cost_per_yr
    saving = woh.cost_per_yr - wh.cost_per_yr
    assert saving == pytest.approx(647.51, abs=0.01)  # the figure docs/portfolio.md quotes (EUR a year)
    assert max(wh.gap, woh.gap) == pytest.approx(0.017, abs=5e-4)  # "their gap is 1.7% here"
    print(f"national saving {saving:.2f} EUR/yr; drop {drop:.2f}; gaps {wh.gap:.2g} {woh.gap:.2g}")


def test_the_console_names_the_back_room_and_its_store(both, capsys):
    from siting.cli.console import print_ranking

    host, planned = both[True]
    print_ranking(planned.run, top=10)
    out = " ".join(capsys.readouterr().out.split())
    rank = int(planned.run.cities["west"].ranking.set_index("site_id").loc["backroom", "rank"])
    assert f"back room: backroom (rank {rank}) is in store {host}: its own deliveries are free, with no drop" in out
    assert out.count("back room:") == 1  # the east has none, and ordinary sites are not flagged
    # the line docs/portfolio.md quotes
    assert "back room: backroom (rank 1) is in store relation/9630: its own deliveries are free, with no drop" in out


def test_the_national_summary_recommends_the_sites_the_design_opens(both):
    """national_summary.csv follows the national design: the back room it opens is the west's recommended site."""
    from national_summary_check import assert_summary_follows_the_design

    _, planned = both[True]
    assert assert_summary_follows_the_design(planned.run) >= 1
