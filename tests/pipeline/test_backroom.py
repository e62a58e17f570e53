"""Back-room candidates in ``siting plan``: a store's own back room delivers to it free, with no drop (#23)."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pandas as pd
import pytest

from siting.app import city_inputs, demo_scenario, rank_options
from siting.app.write import _portfolio_files
from siting.pipeline import plan
from siting.pipeline.portfolio import PortfolioOptions

N_STORES = 12


def _plan(with_store: bool):
    """12 busiest Helsinki demo stores (each its own demand point), 3 candidates and a back room at the busiest."""
    sc = demo_scenario("helsinki")
    city = city_inputs(sc)[0]
    stores = city.stores.sort_values("demand_units_per_week", ascending=False).head(N_STORES).reset_index(drop=True)
    host = stores.iloc[0]
    cands = city.candidates.head(3).assign(store_id=None)
    room = cands.iloc[[0]].copy()
    room["site_id"], room["name"], room["geometry"] = "backroom", "back room", [host.geometry]
    room["rent_per_m2_yr"] = 1.0  # the store's floor-area premium: 1 EUR/m2 a year
    room["store_id"] = host["store_id"] if with_store else None
    candidates = gpd.GeoDataFrame(pd.concat([cands, room], ignore_index=True), crs=cands.crs)
    city = dataclasses.replace(city, stores=stores, candidates=candidates)
    opts = rank_options(sc, portfolio=PortfolioOptions(enabled=False, mip_gap=1e-4, demand_points=N_STORES))
    opts = dataclasses.replace(
        opts,
        reach=dataclasses.replace(opts.reach, isochrones_for_top=0),
        costs=dataclasses.replace(opts.costs, frontier=False),
    )
    return str(host["store_id"]), plan([city], 1, opts, objective="portfolio")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    out = {}
    for with_store in (True, False):
        host, planned = _plan(with_store)
        folder = tmp_path_factory.mktemp("with" if with_store else "without")
        _portfolio_files(planned.run, folder)
        design = next(iter(planned.run.cities.values())).design
        read = {"dtype": {"site": str, "store_id": str, "origin": str}, "keep_default_na": False}
        out[with_store] = (
            host,
            design,
            pd.read_csv(folder / "portfolio.csv", **read),
            pd.read_csv(folder / "drops.csv", **read),
        )
    return out


def test_the_back_room_serves_its_store_without_a_drop(both):
    host, design, table, drops = both[True]
    assert design.portfolio.hybrid.levels == {"backroom": "two_shifts"}
    mine = table[table["store_id"] == host]  # the back-room store is its own demand point, named by its id
    assert len(mine) and set(mine.loc[mine["source"] == "local", "site"]) == {"backroom"}
    assert host not in set(drops["store_id"])  # its own deliveries drop nothing
    assert len(drops["store_id"].unique()) == N_STORES - 1  # every other store still pays its drops


def test_the_free_lane_saves_the_stores_drop_and_lane_charge(both):
    """Independent accounting: the back room's saving is the host store's drop + lane a year, within the proven bounds.

    Both runs open the back room alone (k = 1) and every store is its own demand point, so the
    two problems differ only in the host's lane: without ``store_id`` the host pays its drops
    (2 a week x 52 weeks x 35 EUR/h x 600 s = 606.67 EUR a year, the van's stop) and the lane's
    per-unit price (the problem's input ``lane_cost_per_unit``) on each unit the lane carries.
    The designs need not be the same (with the free lane, more of the capacity-bound local
    fashion_top goes to the host), so the check is a sandwich: each design is feasible in the
    other problem at its own cost -/+ the host's drop and lane charge, hence (D the drop charge,
    L the lane cost per unit, U the units a week on the host's lane, 52 weeks):

        without.cost - with.bound  >=  D + 52 L U_without
        without.bound - with.cost  <=  D + 52 L U_with
    """
    host, with_design, with_table, _ = both[True]
    _, without_design, without_table, without_drops = both[False]
    assert without_design.portfolio.hybrid.levels == {"backroom": "two_shifts"}
    # every store is its own demand point, in store order: the host (the busiest, row 0) is point-01
    host_point = "point-01"
    assert set(without_table["store_id"]) == {f"point-{p:02d}" for p in range(1, N_STORES + 1)}
    host_drop = without_drops.loc[without_drops["store_id"] == host_point, "cost_per_yr"].sum()
    assert host_drop == pytest.approx(2 * 52 * 35.0 * 600 / 3600, rel=1e-6)  # drops.csv: 6 digits
    pb = without_design.problem
    s, j = pb.site_ids.index("backroom"), pb.store_ids.index(host_point)
    lane = pb.lane_cost_per_unit[(pb.lanes[:, 0] == s) & (pb.lanes[:, 1] == j)]
    assert len(lane) == 1 and lane[0] > 0

    def lane_units(table, store):
        return table.loc[(table["store_id"] == store) & (table["site"] == "backroom"), "units_per_week"].sum()

    u_without, u_with = lane_units(without_table, host_point), lane_units(with_table, host)
    w, wo = with_design.portfolio.hybrid, without_design.portfolio.hybrid
    slack = 1e-6 * wo.cost_per_yr + 0.01  # the CSV's rounding of units
    assert wo.cost_per_yr - w.bound_per_yr >= host_drop + 52 * lane[0] * u_without - slack
    assert wo.bound_per_yr - w.cost_per_yr <= host_drop + 52 * lane[0] * u_with + slack
    assert wo.cost_per_yr - w.cost_per_yr > 0
    # the figures docs/portfolio.md and CHANGELOG.md quote (EUR a year)
    assert wo.cost_per_yr - w.cost_per_yr == pytest.approx(641.40, abs=0.01)
    assert 52 * lane[0] * u_without == pytest.approx(34.73, abs=0.01)
    assert lane[0] == pytest.approx(0.003339, abs=5e-7) and u_without == pytest.approx(200.0, abs=1e-3)
    print(
        f"saving {wo.cost_per_yr - w.cost_per_yr:.2f} EUR/yr; drop {host_drop:.2f}; lane {lane[0]:.6f} EUR/unit x "
        f"{u_without:.3f} (without) / {u_with:.3f} (with) units/week; gaps {w.gap:.2g} {wo.gap:.2g}"
    )


def test_a_csv_keeps_the_store_ids_as_written_and_blanks_are_ordinary_sites(tmp_path):
    """The mapped column is read as text (``007`` keeps its zeros, not 7.0); a blank cell is no back room."""
    from siting.inputs.layers import read_layer

    path = tmp_path / "sites.csv"
    path.write_text(
        "site_id,lon,lat,floor_area_m2,rent_per_m2_yr,shop\n"
        "a,24.9,60.1,500,100,007\nb,24.9,60.2,500,100,\nc,24.9,60.3,500,100,12\n",
        encoding="utf-8",
    )
    sites = read_layer(path, "candidates", columns={"shop": "store_id"})
    assert sites["store_id"].tolist() == ["007", None, "12"]
