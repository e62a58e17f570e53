"""Ferry fares per vehicle: from OSM ``charge`` tags, a packaged table or an override; the fare of each fastest path."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from siting.errors import InputError

__all__ = [
    "FARE_SOURCE",
    "FareEdge",
    "parse_charge",
    "check_fare",
    "fare_table",
    "fare_edges",
    "fare_points",
    "fares_on_paths",
    "path_fares",
]

FARE_SOURCE = (
    "ferry fare per vehicle: the way's OSM charge tag (charge:motor_vehicle, charge:motorcar, charge) "
    "where parseable, else siting/data/ferry_fares.csv (Malta-Gozo: EUR 15.70 per car and driver, paid "
    "only on leaving Gozo; see ferry_fares.md), else none; paid per crossing, by vans only"
)

#: OSM keys read for a vehicle fare, most specific first.
CHARGE_KEYS = ("charge:motor_vehicle", "charge:motorcar", "charge:vehicle", "charge")
_AMOUNT = re.compile(
    r"^\s*(?:(?P<pre>[A-Za-z]{3}|[€$£])\s*)?(?P<num>\d+(?:[.,]\d+)?)\s*(?:(?P<post>[A-Za-z]{3}|[€$£]))?\s*$"
)


@dataclass(frozen=True)
class FareEdge:
    """A ferry edge of a graph that charges a fare per vehicle when crossed from ``u`` to ``v``."""

    u: int
    v: int
    key: int
    fare: float
    source: str


def parse_charge(value: Any) -> float | None:
    """An OSM ``charge`` value as one amount of money ("15.70 EUR", "EUR 15.70", "€15,70", "12").

    Parameters
    ----------
    value
        The raw tag (str, number, None or NaN).

    Returns
    -------
    float or None
        The amount, or None when missing, negative or not one plain amount (e.g. "2 EUR/person",
        "1-3 EUR", conditional or per-time charges).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    m = _AMOUNT.match(str(value))
    if m is None:
        return None
    amount = float(m.group("num").replace(",", "."))
    return amount if math.isfinite(amount) and amount >= 0 else None


def check_fare(value: Any, what: str) -> float:
    """``value`` as a fare (a finite number >= 0) or an InputError naming ``what``."""
    try:
        fare = float(value)
    except (TypeError, ValueError):
        fare = float("nan")
    if not (math.isfinite(fare) and fare >= 0):
        raise InputError(f"{what} must be a number >= 0 (money per vehicle per crossing), got {value!r}.")
    return fare


@lru_cache(maxsize=1)
def fare_table() -> pd.DataFrame:
    """The packaged fares (``siting/data/ferry_fares.csv``), checked, indexed by ``osm_way_id``."""
    path = resources.files("siting").joinpath("data", "ferry_fares.csv")
    with resources.as_file(path) as p:
        table = pd.read_csv(p)
    for row in table.itertuples():
        check_fare(row.fare_per_vehicle, f"ferry_fares.csv row {row.Index + 1}: fare_per_vehicle")
    if table["osm_way_id"].duplicated().any():
        raise InputError("ferry_fares.csv: duplicate osm_way_id")
    return table.set_index("osm_way_id")


def _pays(G: nx.MultiDiGraph, u: int, v: int, lon: float, lat: float) -> bool:
    """Whether a crossing u -> v leaves the terminal at (lon, lat): u is nearer to it than v."""
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", G.graph["crs"], always_xy=True).transform(lon, lat)
    du = math.hypot(G.nodes[u]["x"] - x, G.nodes[u]["y"] - y)
    dv = math.hypot(G.nodes[v]["x"] - x, G.nodes[v]["y"] - y)
    return du < dv


def fare_edges(G: nx.MultiDiGraph, *, fare_per_vehicle: float | None = None) -> list[FareEdge]:
    """The ferry edges of a drive network that charge a fare, with the fare of each direction.

    Each ferry edge (``route == "ferry"``) takes, in order: ``fare_per_vehicle`` when given
    (every crossing pays it); the way's OSM charge (``ferry_charge`` edge attribute, every
    crossing; ``fee=no`` means 0); the packaged table by OSM way id (only crossings leaving
    the paying terminal, e.g. Malta-Gozo pays on leaving Gozo); else nothing. Bike and walk
    networks pay no vehicle fare.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A projected network from :func:`siting.network.build_network`.
    fare_per_vehicle : float, optional
        Override for every ferry (money per vehicle per crossing).

    Returns
    -------
    list of FareEdge
        Only edges with a fare > 0.
    """
    if G.graph.get("mode", "drive") != "drive":
        return []
    override = None if fare_per_vehicle is None else check_fare(fare_per_vehicle, "ferry_fare_per_vehicle")
    table = fare_table()
    out = []
    for u, v, k, d in _ferry_edges(G):
        osmid = d.get("osmid")
        if override is not None:
            fare, source = override, "scenario override"
        elif parse_charge(d.get("ferry_charge")) is not None:
            fare, source = float(parse_charge(d.get("ferry_charge")) or 0.0), "OSM charge tag"
        elif str(d.get("ferry_fee", "")).lower() == "no":
            fare, source = 0.0, "OSM fee=no"
        elif isinstance(osmid, (int, np.integer)) and int(osmid) in table.index:
            row = table.loc[int(osmid)]
            paid_at = (row["paid_leaving_lon"], row["paid_leaving_lat"])
            both = any(pd.isna(c) for c in paid_at)
            pays = both or _pays(G, int(u), int(v), float(paid_at[0]), float(paid_at[1]))
            fare = float(row["fare_per_vehicle"]) if pays else 0.0
            source = f"ferry_fares.csv ({row['date']})"
        else:
            continue
        if fare > 0:
            out.append(FareEdge(int(u), int(v), int(k), fare, source))
    return out


def _ferry_edges(G: nx.MultiDiGraph) -> list[tuple[int, int, int, dict[str, Any]]]:
    """The ferry edges, found from the build's ferry report when the graph has one (no scan of every edge)."""
    report = G.graph.get("ferries")
    if isinstance(report, list):
        pairs = {(r["u"], r["v"]) for r in report if r.get("used") and "u" in r and "v" in r}
        pairs |= {(b, a) for a, b in pairs}
        return [
            (u, v, k, d)
            for u, v in sorted(pairs)
            if G.has_edge(u, v)
            for k, d in G[u][v].items()
            if d.get("route") == "ferry"
        ]
    return [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if d.get("route") == "ferry"]


def fare_points(G: nx.MultiDiGraph, edges: list[FareEdge], *, snapped: bool = True) -> tuple[Any, Any]:
    """Where each fare edge starts and ends, as destinations/origins for OD matrices.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    edges : list of FareEdge
    snapped : bool
        Edge-snap frames (to go with edge-snapped sites and stores), else node ids.

    Returns
    -------
    (starts, ends)
    """
    if not snapped:
        return np.array([e.u for e in edges]), np.array([e.v for e in edges])
    return _node_points(G, edges, "u"), _node_points(G, edges, "v")


def fares_on_paths(
    G: nx.MultiDiGraph, time_s: np.ndarray, to_start_s: np.ndarray, from_end_s: np.ndarray, edges: list[FareEdge]
) -> np.ndarray:
    """Fares of each pair from its fastest time and the times to each fare edge's start and from its end.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    time_s : ndarray, shape (n_o, n_d)
    to_start_s : ndarray, shape (n_o, n_edges)
        Origin -> the edge's start.
    from_end_s : ndarray, shape (n_edges, n_d)
        The edge's end -> destination.
    edges : list of FareEdge

    Returns
    -------
    numpy.ndarray
        (n_o, n_d) fares per one-way trip.
    """
    T = np.asarray(time_s, dtype=float)
    fares = np.zeros(T.shape)
    for i, e in enumerate(edges):
        crossing = float(G.edges[e.u, e.v, e.key]["travel_time"])
        via = to_start_s[:, [i]] + crossing + from_end_s[[i], :]
        on = np.isfinite(T) & np.isfinite(via) & (np.abs(via - T) <= 1e-6 * np.maximum(T, 1.0))
        fares += np.where(on, e.fare, 0.0)
    return fares


def _node_points(G: nx.MultiDiGraph, edges: list[FareEdge], end: str) -> Any:
    """Edge-snap rows standing exactly on each fare edge's ``end`` ("u" or "v") with no access leg."""
    from siting.network.snapping import SNAP_COLUMNS

    rows = []
    for e in edges:
        rev = [k for k in G[e.v][e.u]] if G.has_edge(e.v, e.u) else []
        rows.append(
            {
                "node": e.u if end == "u" else e.v,
                "u": e.u,
                "v": e.v,
                "key": e.key,
                "rev_key": rev[0] if rev else -1,
                "fraction": 0.0 if end == "u" else 1.0,
                "snap_distance_m": 0.0,
                "access_time_s": 0.0,
                "access_length_m": 0.0,
            }
        )
    return pd.DataFrame(rows, columns=list(SNAP_COLUMNS))


def path_fares(
    G: nx.MultiDiGraph, origins: Any, destinations: Any, time_s: np.ndarray, edges: list[FareEdge]
) -> np.ndarray:
    """Fares paid on the fastest path of every origin-destination pair.

    A pair pays an edge's fare when the edge lies on its fastest path: the time to the edge's
    start, plus the edge, plus the time from its end equals the pair's fastest time (to 1e-6 s
    relative). Exact for fastest paths; a tie between a ferry path and a land path counts the ferry.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    origins, destinations
        Node ids or edge-snap frames, as given to :func:`siting.network.od_time_length` for ``time_s``.
    time_s : ndarray, shape (n_origins, n_destinations)
        The pairs' fastest times.
    edges : list of FareEdge
        From :func:`fare_edges`.

    Returns
    -------
    numpy.ndarray
        (n_origins, n_destinations) money per one-way trip; 0 where no fare (or unreachable).
    """
    from siting.network.od import od_matrix
    from siting.network.snapping import is_edge_snap

    T = np.asarray(time_s, dtype=float)
    if not edges or T.size == 0:
        return np.zeros(T.shape)
    starts, ends = fare_points(G, edges, snapped=is_edge_snap(origins) and is_edge_snap(destinations))
    to_start = od_matrix(G, origins, starts, weight="travel_time")  # (n_o, n_edges)
    from_end = od_matrix(G, ends, destinations, weight="travel_time")  # (n_edges, n_d)
    return fares_on_paths(G, T, to_start, from_end, edges)
