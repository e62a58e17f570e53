"""Tests of siting.network: every source kind, modes, speeds, SCC, cache, offline failure."""

from __future__ import annotations

import logging

import networkx as nx
import pyproj
import pytest

from siting.network import MODES, build_network, network_summary, parse_maxspeed_kph


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("netcache")


@pytest.fixture(scope="module")
def drive(helsinki_pbf, cache):
    return build_network(helsinki_pbf, cache_dir=cache)


def test_pbf_drive_contract(drive):
    G = drive
    crs = pyproj.CRS.from_user_input(G.graph["crs"])
    assert crs.is_projected and crs.utm_zone == "35N"  # Helsinki lies in UTM zone 35
    assert len(G) > 100 and nx.is_strongly_connected(G)
    for _, _, d in G.edges(data=True):
        assert d["length"] >= 0 and d["speed_kph"] > 0
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))
    # nodes carry projected coordinates inside the zone's easting range
    xs = [d["x"] for _, d in G.nodes(data=True)]
    assert 166_000 < min(xs) and max(xs) < 834_000


def test_maxspeed_tag_used_for_drive(drive):
    tagged = [d for _, _, d in drive.edges(data=True) if parse_maxspeed_kph(d.get("maxspeed"))]
    assert tagged
    for d in tagged:
        assert d["speed_kph"] == pytest.approx(parse_maxspeed_kph(d["maxspeed"]))


@pytest.mark.parametrize(
    ("raw", "kph"),
    [("50", 50.0), ("30 mph", 30 * 1.609344), ("50;70", 60.0), (["30", "50"], 40.0),
     ("FI:urban", None), ("none", None), ("walk", None), (None, None), (float("nan"), None)],
)
def test_parse_maxspeed(raw, kph):
    got = parse_maxspeed_kph(raw)
    assert got == (pytest.approx(kph) if kph is not None else None)
