"""Ferry fares per vehicle: OSM charge tags, the packaged table (paid one way), lanes priced by hand."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from siting.delivery.approx import approx_tour_totals
from siting.delivery.emissions import VEHICLES
from siting.delivery.lanes import LaneParams, direct_lanes, tour_lanes, tour_lanes_each_site
from siting.errors import InputError
from siting.network.ferry_fares import fare_edges, parse_charge, path_fares
from siting.network.od import od_time_length

GOZO_WAY = 176522568  # Malta-Gozo in the packaged table: EUR 15.70, paid only on leaving Mgarr (Gozo)
CRS = "EPSG:32633"


def test_parse_charge() -> None:
    assert parse_charge("15.70 EUR") == 15.7
    assert parse_charge("EUR 15.70") == 15.7
    assert parse_charge("€15,70") == 15.7
    assert parse_charge("12") == 12.0
    for bad in ("2 EUR/person", "1-3 EUR", "yes", "", None, float("nan"), "-5 EUR"):
        assert parse_charge(bad) is None, bad


def _toy(charge: str | None = None, osmid: int = GOZO_WAY) -> nx.MultiDiGraph:
    """A (Malta) -1 km- B (Cirkewwa) =ferry= C (Mgarr) -1 km- D (Gozo), at the real terminals' positions."""
    to_xy = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform
    bx, by = to_xy(14.3291, 35.9891)  # Cirkewwa
    cx, cy = to_xy(14.2985, 36.0239)  # Mgarr
    G = nx.MultiDiGraph(crs=CRS, mode="drive")
    G.add_node(1, x=bx - 1000.0, y=by)
    G.add_node(2, x=bx, y=by)
    G.add_node(3, x=cx, y=cy)
    G.add_node(4, x=cx - 1000.0, y=cy)
    for u, v in [(1, 2), (2, 1), (3, 4), (4, 3)]:
        G.add_edge(u, v, length=1000.0, travel_time=100.0, highway="primary")
    for u, v in [(2, 3), (3, 2)]:
        G.add_edge(
            u,
            v,
            length=5000.0,
            travel_time=2400.0,
            highway="ferry",
            route="ferry",
            osmid=osmid,
            ferry_charge=charge,
            name="Malta-Gozo",
        )
    return G


def _layer(ids: list[str], nodes: list[int], G: nx.MultiDiGraph, **cols) -> gpd.GeoDataFrame:
    pts = [Point(G.nodes[n]["x"], G.nodes[n]["y"]) for n in nodes]
    return gpd.GeoDataFrame({"node": nodes, **cols}, geometry=pts, crs=CRS).assign(
        **{"site_id" if "demand_units_per_week" not in cols else "store_id": ids}
    )


def test_table_fare_is_paid_only_leaving_gozo() -> None:
    edges = fare_edges(_toy())
    assert [(e.u, e.v, e.fare) for e in edges] == [(3, 2, 15.70)]
    T, _ = od_time_length(_toy(), np.array([1, 4]), np.array([1, 4]))
    fares = path_fares(_toy(), np.array([1, 4]), np.array([1, 4]), T, edges)
    np.testing.assert_allclose(fares, [[0.0, 0.0], [15.70, 0.0]])  # only Gozo -> Malta pays


def test_osm_charge_and_override_pay_every_crossing() -> None:
    assert {(e.u, e.v, e.fare) for e in fare_edges(_toy("10 EUR", osmid=1))} == {(2, 3, 10.0), (3, 2, 10.0)}
    assert {e.fare for e in fare_edges(_toy("10 EUR"), fare_per_vehicle=4.0)} == {4.0}
    assert fare_edges(_toy(osmid=1)) == []  # no tag, not in the table: no fare
    walk = _toy()
    walk.graph["mode"] = "walk"
    assert fare_edges(walk) == []


def test_direct_lanes_priced_with_the_fare_by_hand() -> None:
    G = _toy()
    sites = _layer(["S"], [1], G)
    # 100 units a week = 50 kg, 2 drops: one trip a drop
    stores = _layer(["malta", "gozo"], [2, 4], G, demand_units_per_week=[100.0, 100.0])
    lanes = direct_lanes(G, sites, stores, {"malta": "S", "gozo": "S"}).set_index("store_id")
    assert lanes.loc["malta", "ferry_fare_per_week"] == 0.0
    assert lanes.loc["gozo", "trips_per_week"] == 2.0
    assert lanes.loc["gozo", "ferry_fare_per_week"] == pytest.approx(2 * 15.70)  # paid on the way back only
    v = VEHICLES["van_avg_diesel"]
    km = 2 * (1000 + 5000 + 1000) * 2 / 1000
    hours = 2 * (2 * (100 + 2400 + 100) + 600) / 3600  # van time = graph time here (speeds under its cap)
    assert lanes.loc["gozo", "vehicle_km_per_week"] == pytest.approx(km)
    assert lanes.loc["gozo", "cost_per_week"] == pytest.approx(
        km * v.cost_per_km + hours * v.cost_per_hour + 2 * 15.70, rel=1e-6
    )
    both_ways = direct_lanes(G, sites, stores, {"gozo": "S"}, params=LaneParams(ferry_fare_per_vehicle=4.0))
    assert both_ways["ferry_fare_per_week"].iloc[0] == pytest.approx(2 * 2 * 4.0)


def test_tours_pay_the_fare_once_per_tour_and_the_approximation_agrees() -> None:
    G = _toy()
    sites = _layer(["S"], [1], G)
    stores = _layer(["malta", "gozo"], [2, 4], G, demand_units_per_week=[100.0, 100.0])
    lanes, plans = tour_lanes(G, sites, stores, {"malta": "S", "gozo": "S"})
    assert len(plans["S"].routes) == 1  # one tour S -> Cirkewwa -> Gozo -> back
    assert lanes["ferry_fare_per_week"].sum() == pytest.approx(2 * 15.70)
    # the same with the travel of two sites computed together (site_lanes_and_tours of the top sites)
    two = _layer(["S", "T"], [1, 2], G)
    each = tour_lanes_each_site(G, two, stores)
    pd.testing.assert_frame_equal(pd.DataFrame(each[0][0]), pd.DataFrame(lanes))
    alone = tour_lanes(G, two.iloc[[1]], stores, {"malta": "T", "gozo": "T"})[0]
    pd.testing.assert_frame_equal(pd.DataFrame(each[1][0]), pd.DataFrame(alone))
    assert each[1][0]["ferry_fare_per_week"].sum() == pytest.approx(2 * 15.70)
    T, L = od_time_length(G, np.array([1]), np.array([2, 4]))
    Tb, Lb = od_time_length(G, np.array([2, 4]), np.array([1]))
    SS, _ = od_time_length(G, np.array([2, 4]), np.array([2, 4]))
    fare = np.array([[0.0, 15.70]])
    approx = approx_tour_totals(T, L, Tb, Lb, SS, [100.0, 100.0], params=LaneParams(), fare=fare)
    assert approx["ferry_fare_per_week"].iloc[0] == pytest.approx(2 * 15.70)


def test_malta_extract_charges_one_direction_of_the_gozo_ferry() -> None:
    from siting.inputs.country_demo import demo_country
    from siting.network.build import build_network

    G = build_network(demo_country("malta").osm_path)
    edges = fare_edges(G)
    assert len(edges) == 1 and edges[0].fare == 15.70
    to_lonlat = Transformer.from_crs(G.graph["crs"], "EPSG:4326", always_xy=True).transform
    lon, lat = to_lonlat(G.nodes[edges[0].u]["x"], G.nodes[edges[0].u]["y"])
    assert lat > 36.0  # the paying crossing starts on Gozo (Mgarr, 36.02 N), not at Cirkewwa (35.99 N)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "ten"])
def test_bad_override_is_refused(bad) -> None:
    with pytest.raises(InputError, match="ferry_fare_per_vehicle"):
        LaneParams(ferry_fare_per_vehicle=bad)
