"""Property tests: readers round-trip valid layers and refuse corrupt ones as bad input; OD distances
are symmetric on undirected graphs and obey the triangle inequality; solvers never report an objective
below their bound (or the enumerated optimum); rankings are permutations and reward improvement."""

from __future__ import annotations

import io
import itertools
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from bad_input_cases import Kit, make_kit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from siting.cli.app import main
from siting.inputs.layers import read_layer
from siting.locate import p_median
from siting.network.od import od_matrix
from siting.ranking.scoring import CRITERIA, score_sites

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("kit"))


# --------------------------------------------------------------------------- readers


@st.composite
def _stores(draw) -> gpd.GeoDataFrame:
    n = draw(st.integers(1, 12))
    ids = draw(st.lists(st.text("abcxyzé0123-_ ", min_size=1, max_size=8), min_size=n, max_size=n, unique=True))
    assume(all(i.strip() == i and i for i in ids))
    demand = draw(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=n, max_size=n))
    assume(max(demand) > 0)
    lon = draw(st.lists(st.floats(-179, 179), min_size=n, max_size=n))
    lat = draw(st.lists(st.floats(-89, 89), min_size=n, max_size=n))
    return gpd.GeoDataFrame(
        {"store_id": ids, "demand_units_per_week": demand}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )


def _write(gdf: gpd.GeoDataFrame, path: Path, sep: str, encoding: str) -> None:
    if path.suffix == ".csv":
        df = pd.DataFrame({"store_id": gdf["store_id"], "demand_units_per_week": gdf["demand_units_per_week"]})
        df["lon"], df["lat"] = gdf.geometry.x, gdf.geometry.y
        decimal = "," if sep == ";" else "."
        df.to_csv(path, index=False, sep=sep, encoding=encoding, decimal=decimal, float_format="%.17g")
    elif path.suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        gdf.to_file(path)


@_SETTINGS
@given(
    gdf=_stores(),
    ext=st.sampled_from([".gpkg", ".geojson", ".parquet", ".csv"]),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-8-sig"]),
)
def test_property_valid_layers_round_trip(gdf, ext, sep, encoding, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("rt") / f"stores{ext}"
    _write(gdf, path, sep, encoding)
    back = read_layer(path, "stores")
    assert list(back["store_id"]) == list(gdf["store_id"])
    np.testing.assert_allclose(back["demand_units_per_week"], gdf["demand_units_per_week"], rtol=1e-9)
    np.testing.assert_allclose(back.geometry.x, gdf.geometry.x, atol=1e-7)
    np.testing.assert_allclose(back.geometry.y, gdf.geometry.y, atol=1e-7)


def _run(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, err.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from(["stores.gpkg", "stores.csv", "stores.geojson", "kotka.osm.pbf"]),
    how=st.sampled_from(["truncate", "flip", "garbage", "empty"]),
    at=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_property_corrupted_files_are_bad_input(kit, which, how, at, seed, tmp_path_factory) -> None:
    tmp = tmp_path_factory.mktemp("corrupt")
    if which == "stores.csv":
        df = pd.DataFrame(kit.stores.drop(columns="geometry"))
        df["lon"], df["lat"] = kit.stores.geometry.x, kit.stores.geometry.y
        data = df.to_csv(index=False).encode()
    elif which == "stores.geojson":
        buf = tmp / "s.geojson"
        kit.stores.to_file(buf)
        data = buf.read_bytes()
    else:
        data = (kit.folder / which).read_bytes()
    rng = np.random.default_rng(seed)
    pos = int(at * (len(data) - 1))
    if how == "truncate":
        data = data[:pos]
    elif how == "flip":
        arr = bytearray(data)
        for i in rng.integers(0, len(arr), size=8):
            arr[i] = int(rng.integers(0, 256))
        data = bytes(arr)
    elif how == "garbage":
        data = data[:pos] + rng.bytes(64) + data[pos:]
    else:
        data = b""
    bad = tmp / which
    bad.write_bytes(data)
    args = ["validate", "--stores", str(kit.path("stores")), "--candidates", str(kit.path("candidates"))]
    args += ["--network", str(kit.pbf)]
    args[2 if which.startswith("stores") else 6] = str(bad)
    code, stderr = _run(args)
    # a harmless change may still read (0); anything else is bad input (2), never an internal error
    assert code in (0, 2), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    if how == "empty" or (how == "truncate" and which.endswith(".pbf")):
        assert code == 2, f"{which} {how}: accepted"
    if code == 2:
        assert str(bad) in stderr or bad.name in stderr, stderr


# --------------------------------------------------------------------------- OD


@st.composite
def _undirected(draw) -> nx.MultiDiGraph:
    n = draw(st.integers(2, 10))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.0, 100.0)), max_size=30))
    H = nx.MultiDiGraph(crs="EPSG:32635")
    H.add_nodes_from((i, {"x": float(i), "y": 0.0}) for i in range(n))
    for u, v, w in edges:
        H.add_edge(u, v, travel_time=w)
        H.add_edge(v, u, travel_time=w)
    return H


@settings(max_examples=60, deadline=None)
@given(H=_undirected())
def test_property_od_is_symmetric_and_obeys_the_triangle_inequality(H) -> None:
    nodes = sorted(H.nodes)
    d = od_matrix(H, nodes, nodes, n_jobs=1)
    np.testing.assert_allclose(d, d.T, rtol=1e-12, atol=1e-9)
    assert np.all(np.diag(d) == 0)
    via = np.min(d[:, :, None] + d[None, :, :], axis=1)  # best i -> k -> j
    assert np.all(d <= via + 1e-9)


# --------------------------------------------------------------------------- solvers


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 9),
    m=st.integers(2, 6),
    p=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    method=st.sampled_from(["heuristic", "exact"]),
)
def test_property_objective_never_below_the_bound_or_the_optimum(n, m, p, seed, method) -> None:
    assume(p <= m)
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 50, size=(n, m)).astype(float)
    weights = rng.integers(1, 10, size=n).astype(float)
    sol = p_median(cost, p, weights, method=method)
    best = min((weights * cost[:, list(c)].min(axis=1)).sum() for c in itertools.combinations(range(m), p))
    assert sol.lower_bound <= best + 1e-6 * max(1.0, best)
    assert sol.objective >= best - 1e-6 * max(1.0, best)
    assert sol.objective >= sol.lower_bound - 1e-6 * max(1.0, best)
    assert np.isclose(sol.objective, (weights * cost[np.arange(n), sol.assignment]).sum())
    if sol.optimal:
        assert np.isclose(sol.objective, best)


# --------------------------------------------------------------------------- ranking

_CRITS = ["delivery_time_s", "rent_per_yr", "population_reachable", "co2e_wtw_kg_per_week"]


@st.composite
def _criteria(draw) -> tuple[pd.DataFrame, dict[str, float]]:
    n = draw(st.integers(2, 12))
    table = {"site_id": [f"s{i:02d}" for i in range(n)]}
    for c in _CRITS:
        table[c] = draw(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=n, max_size=n))
    weights = {c: draw(st.floats(0, 1)) for c in _CRITS}
    assume(sum(weights.values()) > 0.01)
    return pd.DataFrame(table), weights


@settings(max_examples=80, deadline=None)
@given(
    data=_criteria(),
    site=st.integers(0, 11),
    crit=st.sampled_from(_CRITS),
    step=st.floats(0.1, 5e3),
    method=st.sampled_from(["minmax", "rank"]),
)
def test_property_ranks_are_a_permutation_and_improving_never_lowers_a_score(data, site, crit, step, method) -> None:
    table, weights = data
    site %= len(table)
    ranked = score_sites(table, weights, method=method)
    assert sorted(ranked["rank"]) == list(range(1, len(table) + 1))
    assert ranked["score"].is_monotonic_decreasing
    better = table.copy()
    sign = 1.0 if CRITERIA[crit].better == "higher" else -1.0
    better.loc[site, crit] = better.loc[site, crit] + sign * step
    before = ranked.set_index("site_id").loc[table.loc[site, "site_id"], "score"]
    after = score_sites(better, weights, method=method).set_index("site_id").loc[table.loc[site, "site_id"], "score"]
    assert after >= before - 1e-12
