"""Calibration: fit a speed profile's per-class travel-time scales to observed trips by least squares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from siting.errors import InputError, MissingColumnError, MissingFileError
from siting.network.profiles import DAYS, ROAD_CLASSES, SpeedProfile
from siting.network.timing import SIGNAL_DELAY_S, TURN_PENALTY_S, _check_s, junction_delays_s
from siting.network.traffic import _road_class

__all__ = ["TRIP_COLUMNS", "CalibrationResult", "read_trips", "trip_times", "calibrate"]

TRIP_COLUMNS = ("origin_osm_node", "destination_osm_node", "day", "hour", "observed_time_s")
_MIN_TRIPS_PER_CLASS = 5


@dataclass(frozen=True)
class CalibrationResult:
    """A fitted profile and how well it and the starting one explain the trips.

    Attributes
    ----------
    profile
        The fitted profile (the start's values with each class's time times its scale).
    scales
        Road class -> fitted travel-time scale (1.0 for classes too few trips use).
    error_before, error_after
        ``{"median": ..., "p90": ...}`` of the relative error |modelled - observed| / observed.
    trips
        Per trip: the input columns plus ``hour_of_week``, ``before_time_s``, ``after_time_s``.
    iterations
        Fit-and-reroute rounds.
    """

    profile: SpeedProfile
    scales: dict[str, float]
    error_before: dict[str, float]
    error_after: dict[str, float]
    trips: pd.DataFrame
    iterations: int


def read_trips(path: str | Path, G: nx.MultiDiGraph) -> pd.DataFrame:
    """Read known trips: ``origin_osm_node, destination_osm_node, day, hour, observed_time_s``.

    Parameters
    ----------
    path
        The CSV (rows numbered as in a spreadsheet, header = row 1).
    G
        The network the nodes must belong to.

    Returns
    -------
    pandas.DataFrame
        The columns above (nodes int, day as given, hour int, time float) plus ``hour_of_week``.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"trips file {path} does not exist; check the path")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it as a CSV ({exc}); expected {','.join(TRIP_COLUMNS)}") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in TRIP_COLUMNS if c not in df.columns]
    if missing:
        raise MissingColumnError(f"{path}: missing column(s) {', '.join(missing)}; trips need {','.join(TRIP_COLUMNS)}")
    if df.empty:
        raise InputError(f"{path}: no trips; give one row per observed trip")
    rows = []
    for i, rec in enumerate(df[list(TRIP_COLUMNS)].itertuples(index=False), start=2):
        o, d, day, hour, t = (str(x).strip().lower() for x in rec)
        nodes = []
        for col, text in (("origin_osm_node", o), ("destination_osm_node", d)):
            if not (text.lstrip("-").isdigit() and int(text) in G):
                raise InputError(f"{path}: row {i}, column {col}: {text!r} is not a node of the network; fix the row")
            nodes.append(int(text))
        if day not in DAYS:
            raise InputError(f"{path}: row {i}, column day: {day!r} is not one of {', '.join(DAYS)}")
        if not (hour.isdigit() and int(hour) < 24):
            raise InputError(f"{path}: row {i}, column hour: {hour!r} is not a whole hour 0-23")
        try:
            time_s = float(t)
        except ValueError:
            time_s = math.nan
        if not (math.isfinite(time_s) and time_s > 0):
            raise InputError(f"{path}: row {i}, column observed_time_s: {t!r} is not a time > 0 s")
        if nodes[0] == nodes[1]:
            raise InputError(f"{path}: row {i}: origin and destination are the same node; remove the row")
        rows.append((*nodes, day, int(hour), time_s, DAYS.index(day) * 24 + int(hour)))
    return pd.DataFrame(rows, columns=[*TRIP_COLUMNS, "hour_of_week"])


@dataclass(frozen=True)
class _Edges:
    """The graph's edges as arrays: ends, road class index, free-flow time, length, junction delay."""

    index: dict[Any, int]
    u: np.ndarray
    v: np.ndarray
    cls: np.ndarray  # class index, -1 for a ferry (fixed time)
    free_s: np.ndarray
    length_m: np.ndarray
    delay_s: np.ndarray


def _edges(G: nx.MultiDiGraph, signal_delay_s: float, turn_penalty_s: float) -> _Edges:
    index = {n: i for i, n in enumerate(G.nodes)}
    delays = junction_delays_s(G, signal_delay_s=signal_delay_s, turn_penalty_s=turn_penalty_s)
    recs = []
    for u, v, k, d in G.edges(keys=True, data=True):
        ferry = d.get("route") == "ferry"
        free = float(d.get("free_flow_time_s", d["travel_time"]))
        delay = 0.0 if ferry else delays[(u, v, k)]
        cls = -1 if ferry else ROAD_CLASSES.index(_road_class(d.get("highway")))
        recs.append((index[u], index[v], cls, free, float(d["length"]), delay))
    a = np.array(recs, dtype=float)
    return _Edges(index, a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2].astype(np.int64), *a[:, 3:].T)


def _base_s(e: _Edges, profile: SpeedProfile, hour: int) -> np.ndarray:
    """Time of each edge at an hour without junction delay (ferries: their fixed time)."""
    col = profile.values[np.maximum(e.cls, 0), hour]
    base = e.free_s * col if profile.kind == "time_factor" else e.length_m / (col / 3.6)
    return np.where(e.cls < 0, e.free_s, base)


def _paths(
    e: _Edges, n: int, base: np.ndarray, scales: np.ndarray, trips: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Per trip: time by class (unscaled base, (trips, 6)) and fixed time (delays and ferries) on its shortest path."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    weight = base * np.where(e.cls >= 0, scales[np.maximum(e.cls, 0)], 1.0) + e.delay_s
    order = np.lexsort((weight, e.v, e.u))  # per (u, v) the cheapest parallel edge first
    u, v = e.u[order], e.v[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    pick = order[first]
    # explicit zeros would vanish from a sparse matrix: a 0 s edge gets the smallest positive weight
    A = csr_matrix((np.maximum(weight[pick], 1e-9), (e.u[pick], e.v[pick])), shape=(n, n))
    best = {(int(a), int(b)): int(k) for a, b, k in zip(e.u[pick], e.v[pick], pick, strict=True)}
    origins = np.unique(trips["o"].to_numpy())
    dist, pred = dijkstra(A, indices=origins, return_predecessors=True)
    row = {int(o): r for r, o in enumerate(origins)}
    by_class = np.zeros((len(trips), len(ROAD_CLASSES)))
    fixed = np.zeros(len(trips))
    for t, (o, d) in enumerate(zip(trips["o"], trips["d"], strict=True)):
        r = row[int(o)]
        if not np.isfinite(dist[r, d]):
            raise InputError(
                f"trips row {int(trips.index[t]) + 2}: no route from node {trips['node_o'].iat[t]} to node "
                f"{trips['node_d'].iat[t]} in the network; remove the row"
            )
        node = int(d)
        while node != o:
            prev = int(pred[r, node])
            k = best[(prev, node)]
            fixed[t] += e.delay_s[k]
            if e.cls[k] < 0:
                fixed[t] += base[k]
            else:
                by_class[t, e.cls[k]] += base[k]
            node = prev
    return by_class, fixed


def trip_times(
    G: nx.MultiDiGraph,
    trips: pd.DataFrame,
    profile: SpeedProfile,
    *,
    signal_delay_s: float = SIGNAL_DELAY_S,
    turn_penalty_s: float = TURN_PENALTY_S,
) -> np.ndarray:
    """Modelled time (s) of each trip at its departure hour: the shortest path's edge times plus delays.

    Parameters
    ----------
    G
        A free-flow graph from :func:`siting.network.build_network`.
    trips
        From :func:`read_trips`.
    profile
        The speed profile (each trip uses its departure hour's values throughout).
    signal_delay_s, turn_penalty_s
        Junction delays, as in :func:`siting.network.timing.apply_profile`.

    Returns
    -------
    numpy.ndarray
    """
    e = _edges(G, signal_delay_s, turn_penalty_s)
    out = np.empty(len(trips))
    for hour, group in _by_hour(trips, e):
        by_class, fixed = _paths(e, len(e.index), _base_s(e, profile, hour), np.ones(len(ROAD_CLASSES)), group)
        out[group.index.to_numpy()] = by_class.sum(axis=1) + fixed
    return out


def _by_hour(trips: pd.DataFrame, e: _Edges) -> list[tuple[int, pd.DataFrame]]:
    df = pd.DataFrame(
        {
            "o": [e.index[n] for n in trips["origin_osm_node"]],
            "d": [e.index[n] for n in trips["destination_osm_node"]],
            "h": trips["hour_of_week"].to_numpy(),
            "node_o": trips["origin_osm_node"].to_numpy(),
            "node_d": trips["destination_osm_node"].to_numpy(),
        }
    )
    return [(int(h), g) for h, g in df.groupby("h", sort=True)]


def _errors(model: np.ndarray, observed: np.ndarray) -> dict[str, float]:
    rel = np.abs(model - observed) / observed
    return {"median": float(np.median(rel)), "p90": float(np.quantile(rel, 0.9))}


def calibrate(
    G: nx.MultiDiGraph,
    trips: pd.DataFrame,
    profile: SpeedProfile,
    *,
    signal_delay_s: float = SIGNAL_DELAY_S,
    turn_penalty_s: float = TURN_PENALTY_S,
    max_iterations: int = 8,
) -> CalibrationResult:
    """Fit one travel-time scale per road class so modelled trip times match observed ones.

    Trip i's modelled time is ``sum_c s_c T_ic + F_i``: T_ic the time its shortest path spends
    on class c under the starting profile at its departure hour, F_i its junction delays and
    ferry time. The scales s >= 0 minimise ``sum_i ((model_i - obs_i) / obs_i)^2`` (relative
    error, so long trips do not dominate; scipy.optimize.nnls); the paths are then re-chosen
    with the scaled times and the fit repeated until the scales move < 0.001. A class on the
    paths of fewer than 5 trips keeps scale 1.

    Parameters
    ----------
    G
        A free-flow graph from :func:`siting.network.build_network`.
    trips
        From :func:`read_trips`.
    profile
        The starting profile (e.g. :func:`siting.network.profiles.default_profile`).
    signal_delay_s, turn_penalty_s
        Junction delays kept fixed during the fit.
    max_iterations
        Fit-and-reroute rounds at most.

    Returns
    -------
    CalibrationResult
    """
    from scipy.optimize import nnls

    if len(trips) < 2:
        raise InputError("calibration needs at least 2 trips")
    signal_delay_s = _check_s("signal_delay_s", signal_delay_s)
    turn_penalty_s = _check_s("turn_penalty_s", turn_penalty_s)
    e = _edges(G, signal_delay_s, turn_penalty_s)
    groups = _by_hour(trips, e)
    bases = {h: _base_s(e, profile, h) for h, _ in groups}
    obs = trips["observed_time_s"].to_numpy(dtype=float)
    scales = np.ones(len(ROAD_CLASSES))

    def design(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        T = np.zeros((len(trips), len(ROAD_CLASSES)))
        F = np.zeros(len(trips))
        for h, g in groups:
            T[g.index.to_numpy()], F[g.index.to_numpy()] = _paths(e, len(e.index), bases[h], s, g)
        return T, F

    T, F = design(scales)
    before = T.sum(axis=1) + F
    rounds = 0
    for rounds in range(1, max_iterations + 1):  # noqa: B007 (the count is reported)
        used = (T > 0).sum(axis=0) >= _MIN_TRIPS_PER_CLASS
        new = np.ones(len(ROAD_CLASSES))
        if used.any():
            rest = T[:, ~used].sum(axis=1)
            fitted, _ = nnls(T[:, used] / obs[:, None], (obs - F - rest) / obs)
            new[used] = fitted
        moved = float(np.max(np.abs(new - scales)))
        scales = new
        T, F = design(scales)
        if moved < 1e-3:
            break
    after = T @ scales + F
    fitted_scales = {c: round(float(s), 6) for c, s in zip(ROAD_CLASSES, scales, strict=True)}
    fitted_profile = profile.scaled(
        fitted_scales,
        name=f"{profile.name} calibrated",
        source=f"{profile.source}; scaled per road class by least squares on {len(trips)} observed trips",
    )
    table = trips.copy()
    table["before_time_s"] = before
    table["after_time_s"] = after
    return CalibrationResult(fitted_profile, fitted_scales, _errors(before, obs), _errors(after, obs), table, rounds)


def format_calibration(result: CalibrationResult) -> str:
    """A short text report: the scale per road class and the error before and after (median, p90)."""
    lines = [f"calibrated on {len(result.trips)} trips, {result.iterations} fit-and-reroute round(s)"]
    lines.append("road class\ttravel-time scale")
    lines += [f"{c}\t{s:.3f}" for c, s in result.scales.items()]
    for label, err in (("before", result.error_before), ("after", result.error_after)):
        lines.append(
            f"error {label}: median {err['median']:.1%}, p90 {err['p90']:.1%} (|modelled - observed| / observed)"
        )
    return "\n".join(lines)
