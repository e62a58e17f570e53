"""Calibration: the least-squares scale by hand, recovery of known factors from noisy trips, the CLI."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from cli_runner import run_cli
from junction_town import JUNCTION_XML

from siting.errors import InputError
from siting.network import build_network
from siting.network.calibration import calibrate, read_trips, trip_times
from siting.network.profiles import DAYS, HOURS_PER_WEEK, ROAD_CLASSES, SpeedProfile, default_profile, parse_window
from siting.network.timing import TURN_PENALTY_S, apply_profile


@pytest.fixture(scope="module")
def cross(tmp_path_factory) -> nx.MultiDiGraph:
    folder = tmp_path_factory.mktemp("calibrate")
    (folder / "cross.osm").write_text(JUNCTION_XML)
    return build_network(folder / "cross.osm", cache=False)


def _ones() -> SpeedProfile:
    return SpeedProfile("ones", np.ones((len(ROAD_CLASSES), HOURS_PER_WEEK)), "time_factor", "test")


def _trips(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["origin_osm_node", "destination_osm_node", "day", "hour", "observed_time_s"])
    df["hour_of_week"] = [DAYS.index(d) * 24 + h for d, h in zip(df.day, df.hour, strict=True)]
    return df


def test_least_squares_scale_by_hand(cross):
    G = cross
    F = G[1][2][0]["travel_time"] + G[2][4][0]["travel_time"]  # 1 -> 2 -> 4, residential, free flow
    P = G[5][2][0]["travel_time"] + G[2][3][0]["travel_time"]  # 5 -> 2 -> 3, primary
    D = TURN_PENALTY_S  # the approach 1 -> 2 gives way to the primary road
    obs = np.array([1.2, 1.4, 1.3, 1.25, 1.35]) * F + D
    rows = [(1, 4, "mon", 8 + i, o) for i, o in enumerate(obs)] + [(5, 3, "tue", 8 + i, 0.9 * P) for i in range(5)]
    result = calibrate(G, _trips(rows), _ones())
    # min sum ((s F + D - o) / o)^2  =>  s = sum(a (1 - c)) / sum(a^2), a = F / o, c = D / o
    a, c = F / obs, D / obs
    s_other = float(np.sum(a * (1 - c)) / np.sum(a * a))
    assert result.scales["other"] == pytest.approx(s_other, abs=1e-6)
    assert result.scales["primary"] == pytest.approx(0.9, abs=1e-6)
    assert result.scales["motorway"] == 1.0  # no trip uses it
    rel_after = np.concatenate([np.abs(s_other * F + D - obs) / obs, np.zeros(5)])
    assert result.error_after["median"] == pytest.approx(np.median(rel_after), abs=1e-6)
    rel_before = np.concatenate([np.abs(F + D - obs) / obs, np.full(5, abs(P - 0.9 * P) / (0.9 * P))])
    assert result.error_before["p90"] == pytest.approx(np.quantile(rel_before, 0.9), abs=1e-9)
    assert result.profile.values[ROAD_CLASSES.index("other"), 0] == pytest.approx(s_other, abs=1e-6)


def _synthetic(G: nx.MultiDiGraph, truth: SpeedProfile, n: int, noise: float, seed: int) -> pd.DataFrame:
    """Trips timed with networkx on the graph of the true profile, with lognormal noise."""
    rng = np.random.default_rng(seed)
    nodes = list(G.nodes)
    slots = [("mon", 8), ("tue", 12), ("wed", 17), ("thu", 7), ("sat", 11)]
    graphs = {s: apply_profile(G, truth, parse_window(f"{s[0]} {s[1]:02d}:00-{s[1] + 1:02d}:00")) for s in slots}
    rows = []
    while len(rows) < n:
        o, d = (nodes[i] for i in rng.choice(len(nodes), 2, replace=False))
        day, hour = slots[int(rng.integers(len(slots)))]
        t = nx.shortest_path_length(graphs[(day, hour)], o, d, weight="travel_time")
        rows.append((o, d, day, hour, t * float(rng.lognormal(0.0, noise))))
    return _trips(rows)


def test_calibration_recovers_known_factors_from_noisy_trips(helsinki_drive):
    start = default_profile()
    truth = start.scaled({"other": 1.3, "primary": 0.85})
    trips = _synthetic(helsinki_drive, truth, 240, 0.05, seed=7)
    result = calibrate(helsinki_drive, trips, start)
    assert result.scales["other"] == pytest.approx(1.3, abs=0.04)
    assert result.scales["primary"] == pytest.approx(0.85, abs=0.04)
    assert result.error_after["median"] < 0.05 < result.error_before["median"]
    assert result.error_after["p90"] < result.error_before["p90"]
    # with no noise the fit is exact
    exact = calibrate(helsinki_drive, _synthetic(helsinki_drive, truth, 120, 0.0, seed=8), start)
    assert exact.error_after["p90"] < 1e-6
    assert np.allclose(trip_times(helsinki_drive, exact.trips, exact.profile), exact.trips["observed_time_s"])


def test_calibrate_cli_writes_a_profile_a_run_can_use(helsinki_pbf: Path, helsinki_drive, tmp_path: Path):
    trips = _synthetic(helsinki_drive, default_profile().scaled({"other": 1.2}), 60, 0.02, seed=3)
    trips.drop(columns="hour_of_week").to_csv(tmp_path / "trips.csv", index=False)
    code, out, err = run_cli(
        "network", "calibrate", helsinki_pbf, "--trips", tmp_path / "trips.csv", "--out", tmp_path / "p.csv"
    )
    assert code == 0, err
    assert "error before: median" in out and "error after: median" in out
    from siting.network.profiles import read_profile_csv

    fitted = read_profile_csv(tmp_path / "p.csv")
    assert fitted.values[ROAD_CLASSES.index("other"), 8] == pytest.approx(
        1.2 * default_profile().values[ROAD_CLASSES.index("other"), 8], rel=0.05
    )


def test_read_trips_checks_rows(cross, tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("origin_osm_node,destination_osm_node,day,hour,observed_time_s\n1,4,mon,8,100\n1,99,mon,8,100\n")
    with pytest.raises(InputError, match="row 3, column destination_osm_node"):
        read_trips(path, cross)
    path.write_text("origin_osm_node,destination_osm_node,day,hour,observed_time_s\n1,4,mon,8,inf\n")
    with pytest.raises(InputError, match="row 2, column observed_time_s"):
        read_trips(path, cross)
