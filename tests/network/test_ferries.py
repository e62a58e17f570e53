"""Ferries as edges, the disconnected-components report, on a hand-made network and on Malta."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from siting.network import build_network, component_report, ferry_edges, format_component_report
from siting.network.ferries import FERRY_SPEED_KPH, FERRY_WAIT_S, ferry_allowed, parse_duration_s
from siting.ranking.robustness import RobustnessOptions

# Two islands 0.05 deg of longitude apart at 60 N (about 2.78 km), each a two-way road of
# three nodes; a vehicle ferry joins node 3 to node 4 (no duration tag); a passenger ferry
# (duration 10 min) joins node 1 to node 6.
_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<node id="1" lat="60.0" lon="24.00"/>
<node id="2" lat="60.0" lon="24.01"/>
<node id="3" lat="60.0" lon="24.02"/>
<node id="4" lat="60.0" lon="24.07"/>
<node id="5" lat="60.0" lon="24.08"/>
<node id="6" lat="60.0" lon="24.09"/>
<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="maxspeed" v="36"/></way>
<way id="11"><nd ref="4"/><nd ref="5"/><nd ref="6"/><tag k="highway" v="primary"/><tag k="maxspeed" v="36"/></way>
<way id="20"><nd ref="3"/><nd ref="4"/><tag k="route" v="ferry"/><tag k="motor_vehicle" v="yes"/>
<tag k="name" v="Car ferry"/></way>
<way id="21"><nd ref="1"/><nd ref="6"/><tag k="route" v="ferry"/><tag k="motor_vehicle" v="no"/>
<tag k="duration" v="00:10"/></way>
</osm>
"""


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@pytest.fixture()
def islands(tmp_path: Path) -> Path:
    path = tmp_path / "islands.osm"
    path.write_text(_XML)
    return path


def test_duration_and_access_tags():
    assert parse_duration_s("00:05:00") == 300
    assert parse_duration_s("1:45") == 6300
    assert parse_duration_s("25") == 1500
    assert parse_duration_s("PT25M") == 1500
    assert parse_duration_s(float("nan")) is None and parse_duration_s("soon") is None
    assert ferry_allowed({"motor_vehicle": "yes"}, "drive")
    assert not ferry_allowed({}, "drive") and ferry_allowed({}, "walk")
    assert not ferry_allowed({"motor_vehicle": "no", "motorcar": "no"}, "drive")
    assert ferry_allowed({"motor_vehicle": "yes"}, "bike") and not ferry_allowed({"bicycle": "no"}, "bike")


def test_vehicle_ferry_crossing_time_by_hand(islands: Path):
    G = build_network(islands, cache=False)
    assert len(G) == 4, "the car ferry joins both (simplified) islands into one component"
    edges = ferry_edges(G)
    assert len(edges) == 2 and {e["name"] for e in edges} == {"Car ferry"}
    crossing_m = _haversine_m(24.02, 60.0, 24.07, 60.0)
    expected_crossing_s = crossing_m / (FERRY_SPEED_KPH / 3.6)
    for e in edges:
        assert e["crossing_s"] == pytest.approx(expected_crossing_s, rel=1e-6)
        assert e["travel_time_s"] == pytest.approx(expected_crossing_s + FERRY_WAIT_S, rel=1e-6)
    # node 1 -> node 6: 2 road km at 36 km/h (10 m/s) on each island + the crossing + the wait
    road_s = (_haversine_m(24.0, 60.0, 24.02, 60.0) + _haversine_m(24.07, 60.0, 24.09, 60.0)) / 10.0
    got = nx.shortest_path_length(G, 1, 6, weight="travel_time")
    assert got == pytest.approx(road_s + expected_crossing_s + FERRY_WAIT_S, rel=1e-6)
    # the passenger ferry (motor_vehicle=no) is reported, not used
    used = {r["osmid"]: r for r in G.graph["ferries"]}
    assert used[20]["used"] and not used[21]["used"] and "not open to drive" in used[21]["reason"]


def test_walkers_use_the_tagged_passenger_ferry(islands: Path):
    G = build_network(islands, mode="walk", cache=False)
    passenger = [e for e in ferry_edges(G) if e["name"] != "Car ferry"]
    assert passenger and all(e["crossing_s"] == 600.0 for e in passenger)
    assert all(e["travel_time_s"] == 600.0 + FERRY_WAIT_S for e in passenger)


def test_without_ferries_the_islands_are_reported(islands: Path):
    import geopandas as gpd
    from shapely.geometry import Point

    G = build_network(islands, ferries=False, cache=False)
    assert len(G) == 2
    # one store on each island's road (mid-way, far from any node): one island is dropped
    stores = gpd.GeoDataFrame(geometry=[Point(24.01, 60.0001), Point(24.08, 60.0001)], crs="EPSG:4326")
    report = component_report(G, {"stores": stores})
    assert report["stores"].tolist() == [1] and report["nodes"].tolist() == [2]
    assert "no road or usable ferry" in report["reason"].iloc[0]
    text = format_component_report(report)
    assert "holds 1 stores" in text and "island" in text


def test_each_store_is_reported_on_its_own_dropped_island(islands: Path):
    import geopandas as gpd
    from shapely.geometry import Point

    # a third island east of the second, with its own three-node road
    third = """<node id="7" lat="60.0" lon="24.14"/>
<node id="8" lat="60.0" lon="24.15"/>
<node id="9" lat="60.0" lon="24.16"/>
<way id="12"><nd ref="7"/><nd ref="8"/><nd ref="9"/><tag k="highway" v="primary"/><tag k="maxspeed" v="36"/></way>
</osm>"""
    three = islands.with_name("three.osm")
    three.write_text(islands.read_text().replace("</osm>", third))
    G = build_network(three, ferries=False, cache=False)
    stores = gpd.GeoDataFrame(
        geometry=[Point(24.08, 60.0001), Point(24.15, 60.0001), Point(24.151, 60.0001)], crs="EPSG:4326"
    )
    report = component_report(G, {"stores": stores})
    assert sorted(report["stores"].tolist()) == [1, 2], "one store on the second island, two on the third"


def test_ferry_options_are_checked(islands: Path):
    from siting.errors import InputError

    with pytest.raises(InputError, match="ferry_speed_kph"):
        build_network(islands, ferry_speed_kph=0, cache=False)
    # checked before the cache key is built from them: a bad value is bad input, not a raw float() error
    with pytest.raises(InputError, match="ferry_wait_s is 'long'"):
        build_network(islands, ferry_wait_s="long")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- Malta


def test_malta_gozo_ferry_edge(malta_graph):
    gozo = [e for e in ferry_edges(malta_graph) if e["name"] == "Malta-Gozo"]
    assert len(gozo) == 2, "the Malta-Gozo vehicle ferry is an edge both ways"
    report = {r["name"]: r for r in malta_graph.graph["ferries"]}
    # untagged: 5.3 km at 13 km/h, about 24.5 minutes
    assert gozo[0]["crossing_s"] == pytest.approx(report["Malta-Gozo"]["length_m"] / (13 / 3.6))
    assert round(gozo[0]["crossing_s"] / 60, 1) == 24.5 and round(report["Malta-Gozo"]["length_m"] / 1000, 1) == 5.3
    # the README's summary line
    assert (len(malta_graph), malta_graph.number_of_edges()) == (16_451, 38_646)
    assert malta_graph.graph["nodes_before_scc"] - len(malta_graph) == 212
    assert not report["Sliema-Valletta Ferry"]["used"]  # motor_vehicle=no
    assert not report["Malta - Pozzallo"]["used"] and "outside" in report["Malta - Pozzallo"]["reason"]


def test_malta_gozo_stores_ranked_and_served_across_the_ferry(malta_graph, malta_inputs, malta_ranked):
    from siting.network.od import route_nodes

    stores, candidates = malta_inputs
    result = malta_ranked
    kept = result.stores
    assert (stores["on_gozo"].sum(), kept["on_gozo"].sum()) == (94, 93)  # one Comino kiosk is cut off
    # before ferries, all but one of Gozo's candidate sites were excluded; now all are ranked
    assert result.candidates["on_gozo"].sum() == candidates["on_gozo"].sum() >= 13
    assert not result.excluded["filter"].eq("disconnected_component").loc[result.excluded["layer"] == "site_id"].any()
    ferry = next(e for e in ferry_edges(malta_graph) if e["name"] == "Malta-Gozo")
    gozo = kept["on_gozo"].to_numpy()
    assert np.isfinite(result.store_time_s).all(), "every kept store is reachable from every site"
    row = int(np.flatnonzero(~result.candidates["on_gozo"].to_numpy())[0])  # best site on Malta itself
    site = result.candidates.iloc[row]
    times = result.store_time_s[row]
    assert (times[gozo] > ferry["travel_time_s"]).all(), "every Gozo delivery includes the crossing"
    assert (times[~gozo] < ferry["travel_time_s"] + 3600).all()
    path = route_nodes(malta_graph, [(int(site["node"]), int(kept.loc[gozo, "node"].iloc[0]))])[0]
    hops = set(zip(path[:-1], path[1:]))
    assert (ferry["u"], ferry["v"]) in hops or (ferry["v"], ferry["u"]) in hops
    lanes = result.lanes
    assert set(kept.loc[gozo, "store_id"]) <= set(lanes["store_id"]), "Gozo stores get lanes"
    # the one Gozo shop on a disconnected fragment is excluded with that reason, not "check the CRS";
    # the Cirkewwa shop whose every straight leg crosses a bay, as reachable only across water
    ex = result.excluded[result.excluded["layer"] == "store_id"].set_index("id")["reason"]
    assert sorted(ex.index) == ["shop-5194483207", "shop-5395412121"]
    assert "not connected to the main network" in ex["shop-5395412121"]
    assert "without crossing water" in ex["shop-5194483207"]


def test_malta_rank_logs_the_component_report(malta_graph, malta_inputs, caplog):
    from siting.pipeline.city import rank_city
    from siting.pipeline.options import CityInputs, LaneOptions, RankOptions, ReachOptions

    stores, candidates = malta_inputs
    small = candidates[candidates["on_gozo"]]  # a quick run: Gozo's sites only
    with caplog.at_level("WARNING", logger="siting"):
        rank_city(
            CityInputs("malta", stores, small, malta_graph),
            RankOptions(
                robustness=RobustnessOptions(samples=50),
                reach=ReachOptions(isochrones_for_top=0),
                lanes=LaneOptions(lanes_for_top=0),
            ),
        )
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "holds 1 stores, 0 sites: no road or usable ferry joins it" in text


def test_malta_component_report(malta_graph, malta_inputs):
    stores, candidates = malta_inputs
    report = component_report(malta_graph, {"stores": stores, "sites": candidates})
    assert set(report.columns) >= {"component", "nodes", "stores", "sites", "reason"}
    assert report["stores"].sum() >= 1
    text = format_component_report(report)
    assert "not connected to the main network" in text and "stores" in text and "sites" in text
    # every dropped node is in exactly one reported component
    assert report["nodes"].sum() == malta_graph.graph["nodes_before_scc"] - len(malta_graph)
