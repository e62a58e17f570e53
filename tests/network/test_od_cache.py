"""The on-disk OD cache: a hit returns the computed arrays bit for bit; any changed input is a miss."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import siting.network.virtual as virtual
from siting.network.csr import clear_cache
from siting.network.od_cache import ENV_SWITCH, od_cache_dir
from siting.network.snapping import snap_to_edges


@pytest.fixture
def G(helsinki_drive):
    """A private copy (the tests change its weights), as a graph built in Python (the session's was built
    with ``cache=False``, which keeps OD off the disk too)."""
    H = helsinki_drive.copy()
    H.graph.pop("cache", None)
    yield H
    clear_cache(H)


def _points(G, seed: int, n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    nodes = rng.choice(np.array(sorted(G.nodes)), n, replace=False)
    xy = np.array([(G.nodes[v]["x"], G.nodes[v]["y"]) for v in nodes]) + rng.uniform(-30, 30, (n, 2))
    return gpd.GeoDataFrame(geometry=shapely.points(xy), crs=G.graph["crs"])


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """The cache on in a private folder; a list that grows by one per OD actually computed."""
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(ENV_SWITCH, "1")
    calls: list[int] = []
    real = virtual.distances

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(virtual, "distances", spy)
    return calls


def _fresh(monkeypatch, *args, **kwargs):
    """The same call with the cache off (computed)."""
    monkeypatch.setenv(ENV_SWITCH, "0")
    try:
        return virtual.point_distances(*args, **kwargs)
    finally:
        monkeypatch.setenv(ENV_SWITCH, "1")


def _same(a, b) -> None:
    for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        np.testing.assert_array_equal(x, y)


def test_a_hit_returns_the_computed_arrays_bit_for_bit(G, counted, monkeypatch):
    o = snap_to_edges(G, _points(G, 1, 12), warn=False)
    d = snap_to_edges(G, _points(G, 2, 30), warn=False)
    first = virtual.point_distances(G, o, d, with_lengths=True)
    assert len(counted) == 1 and len(list(od_cache_dir().glob("*.npz"))) == 1
    again = virtual.point_distances(G, o, d, with_lengths=True)
    assert len(counted) == 1, "the second call is read from the cache"
    _same(again, first)
    _same(again, _fresh(monkeypatch, G, o, d, with_lengths=True))
    assert np.isfinite(first[0]).mean() > 0.9
    (entry,) = od_cache_dir().glob("*.npz")
    entry.write_bytes(b"not an npz")  # a truncated or foreign entry: computed again and rewritten
    n = len(counted)
    _same(virtual.point_distances(G, o, d, with_lengths=True), first)
    assert len(counted) == n + 1 and entry.stat().st_size > 100


def test_every_changed_input_is_a_miss(G, counted, monkeypatch):
    o = snap_to_edges(G, _points(G, 1, 12), warn=False)
    d = snap_to_edges(G, _points(G, 2, 30), warn=False)
    base = virtual.point_distances(G, o, d, with_lengths=True)
    n = len(counted)

    def miss(*args, **kwargs):
        nonlocal n
        got = virtual.point_distances(*args, **kwargs)
        assert len(counted) == n + 1, f"a changed input was read from the cache: {kwargs}"
        _same(got, _fresh(monkeypatch, *args, **kwargs))
        n = len(counted)
        return got

    moved = o.copy()
    moved.loc[moved.index[0], "fraction"] = 1.0 - float(moved["fraction"].iloc[0])
    miss(G, moved, d, with_lengths=True)  # a point elsewhere on its edge
    miss(G, o, d.iloc[:-1], with_lengths=True)  # one destination fewer
    miss(G, d, o, with_lengths=True)  # origins and destinations swapped
    miss(G, o, d)  # times only
    miss(G, o, d, with_lengths=True, limit=300.0)  # a search limit
    miss(G, o, d, weight="length")  # another weight
    # one edge on a found path, slower: new travel times in the graph (a new CSR matrix)
    u, v, k = int(o["u"].iloc[0]), int(o["v"].iloc[0]), int(o["key"].iloc[0])
    G.edges[u, v, k]["travel_time"] = float(G.edges[u, v, k]["travel_time"]) * 3 + 60
    clear_cache(G)
    slower = miss(G, o, d, with_lengths=True)
    assert (slower[0] > base[0]).any()
    # every edge but the points' own 10% longer, same times: only the lengths of the paths change
    own = {(int(a), int(b)) for snap in (o, d) for a, b in zip(snap["u"], snap["v"])}
    for a, b, data in G.edges(data=True):
        if (a, b) not in own and (b, a) not in own:
            data["length"] = float(data["length"]) * 1.1
    clear_cache(G)
    longer = miss(G, o, d, with_lengths=True)
    np.testing.assert_array_equal(longer[0], slower[0])
    assert (longer[1] > slower[1]).any()


def test_the_switch_turns_it_off(G, counted, monkeypatch):
    monkeypatch.setenv(ENV_SWITCH, "off")
    o = snap_to_edges(G, _points(G, 1, 5), warn=False)
    virtual.point_distances(G, o, o)
    virtual.point_distances(G, o, o)
    assert len(counted) == 2 and not od_cache_dir().exists()


def test_a_network_built_without_the_cache_writes_no_od_to_disk(G, counted):
    G.graph["cache"] = "off"  # what build_network(..., cache=False) records
    o = snap_to_edges(G, _points(G, 1, 5), warn=False)
    virtual.point_distances(G, o, o)
    virtual.point_distances(G, o, o)
    assert len(counted) == 2 and not od_cache_dir().exists()
