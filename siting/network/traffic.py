"""Traffic: congestion factors per road class and time band, junction delay, applied to edge times."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import networkx as nx

from siting.errors import InputError

__all__ = [
    "TRAFFIC_BANDS",
    "VOLUME_CAPACITY",
    "TRAFFIC_SOURCE",
    "bpr_factor",
    "congestion_factors",
    "apply_traffic",
]

TRAFFIC_BANDS = ("free_flow", "off_peak", "peak")

# Volume/capacity ratio assumed per road class and band. Peak: trunk roads at the FHWA
# "highly congested" threshold (v/c > 0.95), main urban roads inside its "congested" band
# (0.75-0.95), local streets well below capacity (FHWA Freight Facts and Figures 2009,
# fig. 3-9, after the Freight Analysis Framework 2.2). Off-peak: about 60% of the peak
# ratio, the inter-peak share of peak-hour flow on urban roads. Free flow: no traffic.
_VC: dict[str, dict[str, float]] = {
    "off_peak": {"motorway": 0.6, "trunk": 0.6, "primary": 0.55, "secondary": 0.55, "tertiary": 0.45, "other": 0.3},
    "peak": {"motorway": 0.95, "trunk": 0.95, "primary": 0.9, "secondary": 0.9, "tertiary": 0.75, "other": 0.5},
}
VOLUME_CAPACITY: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {band: MappingProxyType(v) for band, v in _VC.items()}
)
TRAFFIC_SOURCE = (
    "travel time x (1 + 0.15 (v/c)^4), the Bureau of Public Roads link function (BPR, Traffic "
    "Assignment Manual, 1964), with v/c per road class and band from the FHWA congestion "
    "thresholds (Freight Facts and Figures 2009: congested 0.75-0.95, highly congested > 0.95)"
)


def bpr_factor(volume_capacity: float, *, alpha: float = 0.15, beta: float = 4.0) -> float:
    """The BPR travel-time multiplier 1 + alpha (v/c)^beta.

    Parameters
    ----------
    volume_capacity
        Flow over capacity (0 = empty road).
    alpha, beta
        The BPR (1964) parameters.

    Returns
    -------
    float
    """
    return 1.0 + alpha * float(volume_capacity) ** beta


def _road_class(highway: Any) -> str:
    """The congestion class of an OSM highway value (links share their road's class)."""
    values = highway if isinstance(highway, list) else [highway]
    for h in values:
        base = str(h).removesuffix("_link")
        if base in ("motorway", "trunk", "primary", "secondary", "tertiary"):
            return base
    return "other"


def _streets(G: nx.MultiDiGraph, n: Any) -> int:
    """Streets meeting at a node: osmnx's ``street_count``, else its distinct neighbours."""
    count = G.nodes[n].get("street_count")
    if count is not None:
        return int(count)
    return len(set(G.succ[n]) | set(G.pred[n]))


def congestion_factors(band: str, overrides: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, float]:
    """Travel-time multiplier per road class in a band (1.0 everywhere in ``free_flow``).

    Parameters
    ----------
    band
        "free_flow", "off_peak" or "peak".
    overrides
        ``{band: {road class: factor}}``; classes are motorway, trunk, primary, secondary,
        tertiary and other. A factor replaces the BPR value (must be >= 1).

    Returns
    -------
    dict
        Road class -> multiplier.
    """
    if band not in TRAFFIC_BANDS:
        raise InputError(f"traffic band {band!r} is unknown; use one of {', '.join(TRAFFIC_BANDS)}")
    classes = ("motorway", "trunk", "primary", "secondary", "tertiary", "other")
    out = {c: 1.0 if band == "free_flow" else bpr_factor(VOLUME_CAPACITY[band][c]) for c in classes}
    for b, table in (overrides or {}).items():
        if b not in TRAFFIC_BANDS:
            raise InputError(f"traffic_factors: band {b!r} is unknown; use one of {', '.join(TRAFFIC_BANDS)}")
        for c, v in table.items():
            if c not in classes:
                raise InputError(f"traffic_factors.{b}: road class {c!r} is unknown; use one of {', '.join(classes)}")
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 1.0):
                raise InputError(f"traffic_factors.{b}.{c} is {v!r}; a congestion factor is a number >= 1")
            if b == band:
                out[c] = float(v)
    return out


def apply_traffic(
    G: nx.MultiDiGraph,
    band: str = "free_flow",
    *,
    factors: Mapping[str, Mapping[str, float]] | None = None,
    junction_delay_s: float = 0.0,
) -> nx.MultiDiGraph:
    """Edge travel times of a time band: free-flow time x congestion factor + junction delay.

    The free-flow time is kept in ``free_flow_time_s`` so bands can be switched. The delay
    is added to each road edge that ends at a junction (a node where 3 or more streets
    meet); ferries keep their time. Returns G itself when it already has these settings,
    else a copy (the input graph is never changed).

    Parameters
    ----------
    G
        A graph from :func:`siting.network.build_network`.
    band
        "free_flow", "off_peak" or "peak".
    factors
        Overrides, see :func:`congestion_factors`.
    junction_delay_s
        Seconds per junction passed (e.g. 10-20 s for signalised junctions: HCM control
        delay of levels of service B-C); default 0.

    Returns
    -------
    networkx.MultiDiGraph
        ``G.graph["traffic"]`` names the band, ``["traffic_factors"]`` the multipliers,
        ``["junction_delay_s"]`` the delay and ``["traffic_source"]`` their source.
    """
    table = congestion_factors(band, factors)
    if not (isinstance(junction_delay_s, (int, float)) and math.isfinite(junction_delay_s) and junction_delay_s >= 0):
        raise InputError(f"junction_delay_s is {junction_delay_s!r}; give seconds >= 0")
    current = (G.graph.get("traffic", "free_flow"), G.graph.get("traffic_factors"), G.graph.get("junction_delay_s", 0))
    wanted = (band, table, float(junction_delay_s))
    if current == wanted or (band == "free_flow" and junction_delay_s == 0 and "traffic" not in G.graph):
        return G
    H = G.copy()
    junction = {n for n in H.nodes if _streets(H, n) >= 3}
    for _, v, d in H.edges(data=True):
        if d.get("route") == "ferry":
            continue
        free = float(d.setdefault("free_flow_time_s", d["travel_time"]))
        d["travel_time"] = free * table[_road_class(d.get("highway"))] + (junction_delay_s if v in junction else 0.0)
    H.graph.update(
        traffic=band,
        traffic_factors=table,
        junction_delay_s=float(junction_delay_s),
        traffic_source=TRAFFIC_SOURCE if not factors else "user factors; else " + TRAFFIC_SOURCE,
    )
    return H
