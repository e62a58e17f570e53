"""Traffic bands: BPR congestion factors by hand, junction delay, and one set of times per run."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from siting.errors import InputError
from siting.network import apply_traffic, build_network, congestion_factors
from siting.network.ferries import FERRY_WAIT_S

_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<node id="1" lat="60.0" lon="24.00"/>
<node id="2" lat="60.0" lon="24.01"/>
<node id="3" lat="60.0" lon="24.02"/>
<node id="4" lat="60.01" lon="24.01"/>
<node id="5" lat="60.0" lon="24.07"/>
<node id="6" lat="60.0" lon="24.08"/>
<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="maxspeed" v="36"/></way>
<way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/></way>
<way id="12"><nd ref="5"/><nd ref="6"/><tag k="highway" v="primary"/></way>
<way id="20"><nd ref="3"/><nd ref="5"/><tag k="route" v="ferry"/><tag k="motor_vehicle" v="yes"/></way>
</osm>
"""


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> nx.MultiDiGraph:
    path = tmp_path_factory.mktemp("traffic") / "town.osm"
    path.write_text(_XML)
    return build_network(path, cache=False)


def test_factors_are_the_bpr_function_of_the_documented_ratios():
    peak = congestion_factors("peak")
    assert peak["primary"] == pytest.approx(1 + 0.15 * 0.9**4)  # 1.0984
    assert peak["motorway"] == pytest.approx(1 + 0.15 * 0.95**4)
    assert peak["other"] == pytest.approx(1 + 0.15 * 0.5**4)
    # the README's table, to 3 decimals
    readme = {
        "off_peak": {
            "motorway": 1.019,
            "trunk": 1.019,
            "primary": 1.014,
            "secondary": 1.014,
            "tertiary": 1.006,
            "other": 1.001,
        },
        "peak": {
            "motorway": 1.122,
            "trunk": 1.122,
            "primary": 1.098,
            "secondary": 1.098,
            "tertiary": 1.047,
            "other": 1.009,
        },
    }
    for band, table in readme.items():
        assert {c: round(v, 3) for c, v in congestion_factors(band).items()} == table
    off = congestion_factors("off_peak")
    assert all(1.0 < off[c] < peak[c] for c in peak)
    assert set(congestion_factors("free_flow").values()) == {1.0}
    assert congestion_factors("peak", {"peak": {"primary": 1.5}})["primary"] == 1.5
    with pytest.raises(InputError, match="rush"):
        congestion_factors("rush")
    with pytest.raises(InputError, match=">= 1"):
        congestion_factors("peak", {"peak": {"primary": 0.5}})


def test_peak_times_by_hand_and_ferries_unchanged(town):
    peak = apply_traffic(town, "peak", junction_delay_s=12.0)
    assert town.graph.get("traffic") is None, "the input graph is not changed"
    assert peak.graph["traffic"] == "peak" and peak.graph["junction_delay_s"] == 12.0
    f = congestion_factors("peak")
    junctions = {n for n in peak.nodes if len(set(peak.succ[n]) | set(peak.pred[n])) >= 3}
    assert junctions == {2}
    for u, v, k, d in peak.edges(keys=True, data=True):
        free = town.edges[u, v, k]["travel_time"]
        if d.get("route") == "ferry":
            assert d["travel_time"] == free and d["travel_time"] > FERRY_WAIT_S
            continue
        factor = f["primary"] if d["highway"] == "primary" else f["other"]
        assert d["travel_time"] == pytest.approx(free * factor + (12.0 if v == 2 else 0.0))
    # back to free flow restores the built times exactly
    again = apply_traffic(peak, "free_flow")
    for u, v, k, d in again.edges(keys=True, data=True):
        assert d["travel_time"] == pytest.approx(town.edges[u, v, k]["travel_time"])


def test_a_run_uses_one_set_of_times_everywhere():
    from siting.pipeline.city import rank_city
    from siting.pipeline.options import RankOptions, ReachOptions, city_from_demo

    city = city_from_demo("helsinki")
    free = rank_city(city, RankOptions(reach=ReachOptions(isochrones_for_top=1)))
    peak = rank_city(city, RankOptions(reach=ReachOptions(traffic="peak", junction_delay_s=10.0, isochrones_for_top=1)))
    assert peak.graph.graph["traffic"] == "peak"
    ids = list(free.candidates["site_id"])
    order = [ids.index(s) for s in peak.candidates["site_id"]]
    assert (peak.store_time_s >= free.store_time_s[order] - 1e-9).all()
    assert (peak.store_time_s > free.store_time_s[order]).mean() > 0.9
    # the SLA criterion counts the same times
    sla = (peak.store_time_s <= RankOptions().reach.sla_time_s).sum(axis=1)
    got = peak.ranking.set_index("site_id").loc[peak.candidates["site_id"], "stores_within_sla"].to_numpy()
    assert np.array_equal(got, sla)
    # lanes and isochrones come from the congested graph
    from siting.pipeline.site_lanes import site_lanes

    top = peak.candidates.head(1)
    same_site_free = site_lanes(free.graph, top, free.stores, RankOptions(), "helsinki").set_index("store_id")
    lane_time = peak.lanes.set_index("store_id")["time_s"]
    assert (lane_time.to_numpy() >= same_site_free.loc[lane_time.index, "time_s"].to_numpy() - 1e-9).all()
    assert (lane_time.to_numpy() > same_site_free.loc[lane_time.index, "time_s"].to_numpy()).mean() > 0.9
    assert peak.isochrones["reachable_nodes"].iloc[0] <= free.graph.number_of_nodes()


def test_cli_traffic_option_is_recorded(tmp_path: Path):
    from cli_runner import run_cli

    code, out, err = run_cli("rank", "--demo", "kotka", "--traffic", "peak", "--out", tmp_path / "run", "--no-map")
    assert code == 0, err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["options"]["traffic"] == "peak"
    assert summary["options"]["traffic_factors"]["primary"] == pytest.approx(1 + 0.15 * 0.9**4)
    code, out, err = run_cli("rank", "--traffic", "rush", "--out", tmp_path / "bad", "--no-map")
    assert code == 2 and "rush" in err and "Traceback" not in err


def test_scenario_keys_set_the_band_and_factors(tmp_path: Path):
    from siting.app import load_scenario, rank_options

    path = tmp_path / "s.toml"
    path.write_text(
        'name = "t"\n[[cities]]\nname = "helsinki"\ndemo = "helsinki"\n'
        '[rank]\ntraffic = "peak"\njunction_delay_s = 5\n[rank.traffic_factors.peak]\nprimary = 1.5\n'
    )
    opts = rank_options(load_scenario(path))
    assert (opts.reach.traffic, dict(opts.reach.traffic_factors), opts.reach.junction_delay_s) == (
        "peak",
        {"peak": {"primary": 1.5}},
        5.0,
    )
    path.write_text(path.read_text().replace("primary = 1.5", "primary = 0.5"))
    with pytest.raises(InputError, match="primary"):
        rank_options(load_scenario(path))
