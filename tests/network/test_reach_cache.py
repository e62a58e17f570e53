"""The on-disk isochrone cache: a hit is the drawn polygon vertex for vertex; any changed input is a miss."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import siting.network.reach as reach
from siting.network.csr import clear_cache
from siting.network.od_cache import ENV_SWITCH, od_cache_dir
from siting.network.profiles import default_profile, parse_window
from siting.network.reach_cache import iso_key
from siting.network.timing import apply_profile

BUDGETS_S = [180.0, 300.0]


@pytest.fixture
def G(helsinki_drive):
    """A private copy, as a graph build_network took from its cache (the session's was built with
    ``cache=False``, which keeps isochrones off the disk)."""
    H = helsinki_drive.copy()
    H.graph.pop("cache", None)
    H.graph["network_key"] = "helsinki-test"
    yield H
    clear_cache(H)


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """The cache on in a private folder; a list that grows by one per isochrone actually drawn."""
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(ENV_SWITCH, "1")
    calls: list[int] = []
    real = reach._buffered_union

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(reach, "_buffered_union", spy)
    return calls


def _starts(G, n: int = 2) -> list[int]:
    return [int(v) for v in np.random.default_rng(3).choice(np.array(sorted(G.nodes)), n, replace=False)]


def _fresh(monkeypatch, G, *args, **kwargs):
    """The same isochrones with the cache off (drawn)."""
    monkeypatch.setenv(ENV_SWITCH, "0")
    try:
        return reach.isochrones(G, *args, **kwargs)
    finally:
        monkeypatch.setenv(ENV_SWITCH, "1")


def _same(a, b) -> None:
    """Same table, and every polygon equal vertex for vertex (same WKB bytes)."""
    assert_geodataframe_equal(a, b, check_less_precise=False)
    assert list(shapely.to_wkb(a.geometry.to_numpy())) == list(shapely.to_wkb(b.geometry.to_numpy()))
    assert shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), tolerance=0.0).all()


def test_a_hit_is_the_drawn_polygon_vertex_for_vertex(G, drawn, monkeypatch, caplog):
    starts = _starts(G)
    first = reach.isochrones(G, starts, BUDGETS_S)
    assert len(drawn) == 4 and len(list(od_cache_dir().glob("*.npz"))) == 1
    assert (first.area > 0).all() and first.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    again = reach.isochrones(G, starts, BUDGETS_S)
    assert len(drawn) == 4, "the second call is read from the cache"
    _same(again, first)
    _same(again, _fresh(monkeypatch, G, starts, BUDGETS_S))
    # a damaged entry is logged and drawn again (no traceback), then rewritten
    (entry,) = od_cache_dir().glob("*.npz")
    for damage in (b"not an npz", None):
        if damage is None:  # a readable npz holding the wrong arrays (e.g. an OD entry's)
            np.savez(entry.with_suffix(".tmp.npz"), a0=np.zeros((2, 3)))
            entry.with_suffix(".tmp.npz").replace(entry)
        else:
            entry.write_bytes(damage)
        n = len(drawn)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            _same(reach.isochrones(G, starts, BUDGETS_S), first)
        assert len(drawn) == n + 4 and "unreadable" in caplog.text
        _same(reach.isochrones(G, starts, BUDGETS_S), first)
        assert len(drawn) == n + 4, "the rewritten entry is read back"


def test_a_changed_window_profile_budget_node_or_network_is_a_miss(G, drawn, monkeypatch):
    starts = _starts(G)
    base = reach.isochrones(G, starts, BUDGETS_S)
    n = len(drawn)

    def miss(H, *args, **kwargs):
        nonlocal n
        got = reach.isochrones(H, *args, **kwargs)
        assert len(drawn) > n, f"a changed input was read from the cache: {args} {kwargs}"
        _same(got, _fresh(monkeypatch, H, *args, **kwargs))
        n = len(drawn)
        return got

    # the morning peak (default profile, junction delays): slower roads, a smaller area
    peak = apply_profile(G, default_profile(), parse_window("06:00-09:00"))
    peak.graph.pop("cache", None)
    smaller = miss(peak, starts, BUDGETS_S)
    assert (smaller.area.to_numpy() < base.area.to_numpy()).all()
    # the same window without junction delays: other travel times again
    miss(
        apply_profile(G, default_profile(), parse_window("06:00-09:00"), signal_delay_s=0, turn_penalty_s=0),
        starts,
        BUDGETS_S,
    )
    miss(G, starts, [180.0, 360.0])  # other minutes
    miss(G, starts, BUDGETS_S, buffer_m=30.0)  # another band width
    miss(G, starts[:1], BUDGETS_S)  # one site fewer
    G.graph["network_key"] = "another extract"  # another source file or build option (edge geometry)
    miss(G, starts, BUDGETS_S)
    # the free-flow call again is a hit
    G.graph["network_key"] = "helsinki-test"
    _same(reach.isochrones(G, starts, BUDGETS_S), base)
    assert len(drawn) == n


def test_off_without_a_network_key_a_cacheless_build_or_the_switch(G, drawn, monkeypatch):
    starts = _starts(G, 1)
    g = reach.csr_graph(G, "travel_time")
    assert iso_key(G, g, np.asarray(starts), BUDGETS_S, "travel_time", 50.0) is not None
    for change in ("switch", "off", "no key"):
        H = G.copy()
        if change == "switch":
            monkeypatch.setenv(ENV_SWITCH, "off")
        elif change == "off":
            H.graph["cache"] = "off"  # what build_network(..., cache=False) records
        else:
            H.graph.pop("network_key")  # a graph built by hand: nothing says what its edges are drawn from
        assert iso_key(H, g, np.asarray(starts), BUDGETS_S, "travel_time", 50.0) is None
        reach.isochrones(H, starts, BUDGETS_S)
        monkeypatch.setenv(ENV_SWITCH, "1")
    assert len(drawn) == 6 and not od_cache_dir().exists()


def test_build_network_records_what_the_graph_was_built_from(helsinki_pbf, tmp_path):
    from siting.network.build import build_network

    built = build_network(helsinki_pbf, cache_dir=tmp_path)
    hit = build_network(helsinki_pbf, cache_dir=tmp_path)
    assert (built.graph["cache"], hit.graph["cache"]) == ("miss", "hit")
    assert len(built.graph["network_key"]) == 64 and hit.graph["network_key"] == built.graph["network_key"]
    other = build_network(helsinki_pbf, cache_dir=tmp_path, ferries=False)
    assert other.graph["network_key"] != built.graph["network_key"]
