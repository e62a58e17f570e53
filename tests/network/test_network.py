"""Tests of siting.network.build: every source kind, modes, speeds, SCC, cache, offline failure."""

from __future__ import annotations

import logging

import networkx as nx
import pyproj
import pytest

from siting.network.build import MODES, build_network, network_summary, parse_maxspeed_kph


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
    assert min(xs) > 166_000 and max(xs) < 834_000


def test_maxspeed_tag_used_for_drive(drive):
    tagged = [d for _, _, d in drive.edges(data=True) if parse_maxspeed_kph(d.get("maxspeed"))]
    assert tagged
    for d in tagged:
        assert d["speed_kph"] == pytest.approx(parse_maxspeed_kph(d["maxspeed"]))


@pytest.mark.parametrize(
    ("raw", "kph"),
    [
        ("50", 50.0),
        ("30 mph", 30 * 1.609344),
        ("50;70", 60.0),
        (["30", "50"], 40.0),
        ("FI:urban", None),
        ("none", None),
        ("walk", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_maxspeed(raw, kph):
    got = parse_maxspeed_kph(raw)
    assert got == (pytest.approx(kph) if kph is not None else None)


# A tiny hand-written OSM XML town (3 x 3 grid, about 110 m spacing) for the XML reader.
_GRID = [(r, c) for r in range(3) for c in range(3)]
_WAYS = [
    (101, [1, 2, 3], {"highway": "residential"}),
    (102, [4, 5, 6], {"highway": "residential"}),
    (103, [7, 8, 9], {"highway": "residential", "oneway": "yes"}),
    (104, [1, 4, 7], {"highway": "residential", "maxspeed": "40"}),
    (105, [3, 6, 9], {"highway": "tertiary"}),
    (106, [2, 5], {"highway": "footway"}),
    (107, [5, 8], {"highway": "cycleway"}),
    (108, [1, 5, 999], {"highway": "unclassified"}),  # node 999 is cut off by the extract
    (109, [4, 8], {"highway": "residential", "access": "private"}),
    (110, [1, 2, 5, 4, 1], {"building": "yes"}),
]


def _town_xml(extra_tag: str = "") -> str:
    nodes = "".join(
        f'<node id="{i + 1}" lat="{60.170 + 0.001 * r:.4f}" lon="{24.940 + 0.002 * c:.4f}"/>'
        for i, (r, c) in enumerate(_GRID)
    )
    ways = "".join(
        f'<way id="{wid}">'
        + "".join(f'<nd ref="{n}"/>' for n in refs)
        + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        + extra_tag
        + "</way>"
        for wid, refs, tags in _WAYS
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{nodes}{ways}</osm>'


@pytest.fixture
def town(tmp_path):
    path = tmp_path / "town.osm"
    path.write_text(_town_xml())
    return path


def _highways(G):
    out = set()
    for _, _, d in G.edges(data=True):
        h = d["highway"]
        out.update(h if isinstance(h, list) else [h])
    return out


def test_xml_modes_filter_ways(town):
    drive = build_network(town, mode="drive", cache=False)
    bike = build_network(town, mode="bike", cache=False)
    walk = build_network(town, mode="walk", cache=False)
    assert _highways(drive) == {"residential", "tertiary", "unclassified"}
    assert "cycleway" in _highways(bike) and "footway" not in _highways(bike)
    assert "footway" in _highways(walk)
    # the oneway street runs 7 -> 9 (node 8 simplified away); walking goes both ways
    assert drive.has_edge(7, 9) and not drive.has_edge(9, 7)
    # on foot (no cycleway, so 7, 8, 9 and 3 are simplified away) the chain 4-7-8-9-6 runs both ways
    assert walk.has_edge(4, 6) and walk.has_edge(6, 4) and 8 not in walk
    # the private way and the building are not roads; the clipped way kept its present part
    assert not any(d.get("access") == "private" for _, _, d in walk.edges(data=True))
    assert drive.has_edge(1, 5) and 999 not in walk
    # the tagged maxspeed is used when driving, bike speed is the profile's
    assert {d["speed_kph"] for _, _, d in drive.edges(data=True) if d["osmid"] == 104} == {40.0}
    assert max(d["speed_kph"] for _, _, d in bike.edges(data=True)) <= 15.0
    for G in (drive, bike, walk):
        assert pyproj.CRS.from_user_input(G.graph["crs"]).utm_zone == "35N"
        assert nx.is_strongly_connected(G)


def test_bz2_equals_plain_xml(town, tmp_path):
    import bz2

    packed = tmp_path / "town.osm.bz2"
    packed.write_bytes(bz2.compress(town.read_bytes()))
    a = build_network(town, cache=False)
    b = build_network(packed, cache=False)
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
    assert [d["travel_time"] for *_, d in sorted(a.edges(keys=True, data=True))] == [
        d["travel_time"] for *_, d in sorted(b.edges(keys=True, data=True))
    ]


def test_real_xml_extract(helsinki_pbf, drive, tmp_path):
    osmium = pytest.importorskip("osmium")
    xml = tmp_path / "helsinki.osm"
    with osmium.SimpleWriter(str(xml)) as w:
        for obj in osmium.FileProcessor(str(helsinki_pbf)):
            w.add(obj)
    G = build_network(xml, cache=False)
    assert nx.is_strongly_connected(G) and G.graph["crs"] == drive.graph["crs"]
    # osmnx's and pyrosm's drive filters differ a little; the core street grid is shared
    assert len(set(G) & set(drive)) >= 0.8 * len(drive)


def test_graphml_round_trip_keeps_types(drive, tmp_path):
    from siting.network.build import save_network
    from siting.network.od import od_matrix

    path = save_network(drive, tmp_path / "helsinki.graphml")
    H = build_network(path, cache=False)
    assert H.graph["crs"] == drive.graph["crs"]
    assert sorted(H.edges(keys=True)) == sorted(drive.edges(keys=True))
    for u, v, k, d in drive.edges(keys=True, data=True):
        e = H.edges[u, v, k]
        assert set(e) == set(d)
        for key, value in d.items():
            assert type(e[key]) is type(value), key
            assert e[key].equals(value) if key == "geometry" else e[key] == value
    assert all(type(n) is int for n in H)
    nodes = sorted(drive)[:20]
    assert (od_matrix(H, nodes, nodes) == od_matrix(drive, nodes, nodes)).all()
    summary = network_summary(H)
    assert summary["nodes_before_scc"] == network_summary(drive)["nodes_before_scc"]


@pytest.mark.parametrize(
    "source",
    ["Helsinki, Finland", (24.93, 60.16, 24.95, 60.17), "polygon"],
    ids=["place", "bbox", "polygon"],
)
def test_online_sources_fail_fast_offline(source):
    import time

    import osmnx as ox
    from shapely.geometry import box

    from siting import NetworkUnavailableError

    if source == "polygon":
        source = box(24.93, 60.16, 24.95, 60.17)
    before = (ox.settings.doh_url_template, ox.settings.requests_timeout)
    t0 = time.perf_counter()
    with pytest.raises(NetworkUnavailableError, match="local OSM file") as info:
        build_network(source, cache=False)
    # fails fast: far below osmnx's 60 s Overpass status wait, with room for a loaded shared machine
    assert time.perf_counter() - t0 < 30.0
    assert isinstance(info.value, ConnectionError)
    # the offline-safe osmnx settings are temporary
    assert (ox.settings.doh_url_template, ox.settings.requests_timeout) == before


def test_bad_sources_and_options(tmp_path, helsinki_pbf):
    from siting import InputError

    with pytest.raises(InputError, match="does not exist"):
        build_network(tmp_path / "missing.osm.pbf")
    (tmp_path / "roads.txt").write_text("x")
    with pytest.raises(InputError, match="unknown suffix"):
        build_network(tmp_path / "roads.txt")
    with pytest.raises(InputError, match="mode"):
        build_network(helsinki_pbf, mode="boat", cache=False)
    with pytest.raises(InputError, match="positive"):
        build_network(helsinki_pbf, speeds_kph={"residential": 0}, cache=False)
    with pytest.raises(InputError, match="'default' is 0"):
        build_network(helsinki_pbf, default_speed_kph=0, cache=False)
    with pytest.raises(InputError, match="bbox"):
        build_network((25.0, 60.0, 24.0, 61.0))


def test_pbf_modes_and_speed_overrides(helsinki_pbf, drive, cache):
    bike = build_network(helsinki_pbf, mode="bike", cache_dir=cache)
    assert set(bike) != set(drive) and len(bike) > len(drive)
    profile = MODES["bike"]
    allowed = set(profile.speeds_kph.values()) | {profile.fallback_kph}
    assert {d["speed_kph"] for *_, d in bike.edges(data=True)} <= allowed
    assert max(d["speed_kph"] for *_, d in bike.edges(data=True)) == 15.0
    slow = build_network(
        helsinki_pbf,
        speeds_kph={"residential": 20, "unclassified": 20},
        use_maxspeed=False,
        cache_dir=cache,
    )
    for _, _, d in slow.edges(data=True):
        if d["highway"] in ("residential", "unclassified"):
            assert d["speed_kph"] == 20.0


def test_scc_is_reported(helsinki_pbf, drive):
    everything = build_network(helsinki_pbf, largest_component=False, cache=False)
    s = network_summary(drive)
    assert len(everything) == s["nodes_before_scc"] > s["nodes"] == len(drive)
    assert s["dropped_nodes"] == len(everything) - len(drive)
    assert 0 < s["share_nodes_kept"] < 1
    assert not nx.is_strongly_connected(everything)


def test_cache_hit_miss_and_invalidation(town, tmp_path, helsinki_pbf, caplog):
    folder = tmp_path / "cache"
    caplog.set_level(logging.INFO, logger="siting")
    a = build_network(town, cache_dir=folder)
    assert a.graph["cache"] == "miss" and len(list(folder.glob("*.pickle"))) == 1
    b = build_network(town, cache_dir=folder)
    assert b.graph["cache"] == "hit"
    times = sorted(a.edges(keys=True, data="travel_time"))
    assert times == sorted(b.edges(keys=True, data="travel_time"))
    # an option change and a change of the file's bytes are both misses
    assert build_network(town, mode="walk", cache_dir=folder).graph["cache"] == "miss"
    assert build_network(town, default_speed_kph=25, cache_dir=folder).graph["cache"] == "miss"
    town.write_text(_town_xml(extra_tag='<tag k="surface" v="asphalt"/>'))
    assert build_network(town, cache_dir=folder).graph["cache"] == "miss"
    assert len(list(folder.glob("*.pickle"))) == 4
    # the env variable relocates the cache; a hit is much faster than the build
    env_dir = tmp_path / "env-cache"
    mp = pytest.MonkeyPatch()
    mp.setenv("SITING_CACHE_DIR", str(env_dir))
    try:
        miss = build_network(helsinki_pbf)
        hit = build_network(helsinki_pbf)
    finally:
        mp.undo()
    assert list(env_dir.glob("*.pickle"))
    assert hit.graph["cache"] == "hit" and hit.graph["build_s"] < 0.5 * miss.graph["build_s"]
    lines = [r.getMessage() for r in caplog.records if r.name == "siting"]
    assert any("cache hit" in m and "nodes" in m and "km of road" in m for m in lines)


def test_cache_round_trip_keeps_every_geometry_and_attribute(helsinki_pbf, tmp_path):
    import pickle

    import shapely

    built = build_network(helsinki_pbf, cache_dir=tmp_path)  # a miss: built and stored
    [entry] = tmp_path.glob("*.pickle")
    loaded = build_network(helsinki_pbf, cache_dir=tmp_path)  # read back from the cache file
    assert loaded is not built and list(loaded.nodes(data=True)) == list(built.nodes(data=True))
    edges_a = list(built.edges(keys=True, data=True))
    edges_b = list(loaded.edges(keys=True, data=True))
    assert [e[:3] for e in edges_a] == [e[:3] for e in edges_b]
    n_geoms = 0
    for (*_, a), (*_, b) in zip(edges_a, edges_b):
        assert a.keys() == b.keys()
        for k in a:
            if isinstance(a[k], shapely.Geometry):
                n_geoms += 1
                assert shapely.to_wkb(a[k]) == shapely.to_wkb(b[k])
            else:
                assert a[k] == b[k] or (a[k] != a[k] and b[k] != b[k])
    assert n_geoms > 100
    snap_a, snap_b = built.graph["snap_edges"], loaded.graph["snap_edges"]
    assert list(shapely.to_wkb(snap_a["geometry"])) == list(shapely.to_wkb(snap_b["geometry"]))
    with open(entry, "rb") as f:  # the geometries sit in one WKB array ahead of the graph
        assert len(pickle.load(f)) >= n_geoms


@pytest.mark.parametrize("collector_on", [True, False])
def test_cache_load_leaves_the_garbage_collector_as_it_found_it(helsinki_pbf, tmp_path, collector_on):
    import gc

    build_network(helsinki_pbf, cache_dir=tmp_path)  # stored
    was = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        build_network(helsinki_pbf, cache_dir=tmp_path)  # loaded with the collector paused
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was else gc.disable)()


def test_cached_network_reads_the_cache_and_never_builds(kotka_pbf, tmp_path, monkeypatch):
    """`siting map` redraws base layers from the run's cached network only: a miss is None, not a build."""
    from siting.network.build import cached_network

    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path))
    assert cached_network(kotka_pbf) is None  # nothing cached yet
    built = build_network(kotka_pbf)
    G = cached_network(kotka_pbf)
    assert G is not None and G.graph["cache"] == "hit"
    assert sorted(G.edges(keys=True)) == sorted(built.edges(keys=True)) and G.graph["crs"] == built.graph["crs"]
    assert cached_network(kotka_pbf, mode="bike") is None  # another mode: another key
    assert cached_network(tmp_path / "gone.osm.pbf") is None
