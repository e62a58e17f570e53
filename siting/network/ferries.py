"""Ferries: read ``route=ferry`` ways, decide which a mode may use, and join them to a graph."""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import LineString

__all__ = [
    "FERRY_SPEED_KPH",
    "FERRY_WAIT_S",
    "FERRY_MAX_ATTACH_M",
    "FERRY_SOURCE",
    "Ferry",
    "parse_duration_s",
    "ferry_allowed",
    "read_ferries_pbf",
    "read_ferries_xml",
    "add_ferries",
    "ferry_edges",
]

# Crossing speed where a ferry way has no ``duration`` tag. The Sliema-Valletta ferry in the
# Malta extract (OSM way 47419374) is tagged duration=00:05:00 for 1,099 m of route, i.e.
# 13.2 km/h (7.1 knots) including berthing; 13 km/h puts the untagged 5.3 km Malta-Gozo
# route (Cirkewwa-Mgarr) at 24.5 min, in line with Gozo Channel's published 25 min crossing.
FERRY_SPEED_KPH = 13.0
# Mean wait to board: half the headway for a random arrival (Larson and Odoni, Urban
# Operations Research, 1981, sec. 2.12) at a 30 min headway; set 0 for a booked sailing.
FERRY_WAIT_S = 900.0
# A ferry end farther than this from any road node of the mode is not joined (e.g. the far
# end of a route that leaves the extract).
FERRY_MAX_ATTACH_M = 1000.0
# Speed of the short link between a ferry terminal and the nearest road node.
_ATTACH_KPH = 10.0
FERRY_SOURCE = (
    "ferry: OSM duration tag, else 13 km/h (the Sliema-Valletta ferry's tagged 5 min for "
    "1.1 km in the Malta extract); boarding wait 900 s = half a 30 min headway "
    "(Larson and Odoni 1981)"
)

_YES = ("yes", "designated", "permissive")
_CHARGE_KEYS = ("charge:motor_vehicle", "charge:motorcar", "charge:vehicle", "charge")
_NO = ("no", "private")


@dataclass(frozen=True)
class Ferry:
    """One ferry way: its OSM id, tags, coordinates (lon, lat) and length."""

    osmid: int
    tags: dict[str, str]
    coords: tuple[tuple[float, float], ...]
    length_m: float

    @property
    def name(self) -> str:
        """The ``name`` tag, or ``way <id>``."""
        return self.tags.get("name") or f"way {self.osmid}"


def parse_duration_s(value: Any) -> float | None:
    """Parse an OSM ``duration`` ("HH:MM", "HH:MM:SS", "MM", ISO 8601 "PT25M") to seconds.

    Parameters
    ----------
    value
        The raw tag (str, number, None or NaN).

    Returns
    -------
    float or None
        Seconds, or None when missing or unreadable.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    iso = re.fullmatch(r"PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?", text, re.I)
    if iso and any(iso.groups()):
        h, m, s = (float(g or 0) for g in iso.groups())
        return h * 3600 + m * 60 + s
    parts = text.split(":")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        return None
    if len(nums) == 1:
        seconds = nums[0] * 60  # a bare number is minutes (OSM wiki: Key:duration)
    elif len(nums) == 2:
        seconds = nums[0] * 3600 + nums[1] * 60
    elif len(nums) == 3:
        seconds = nums[0] * 3600 + nums[1] * 60 + nums[2]
    else:
        return None
    return seconds if seconds > 0 else None


def ferry_allowed(tags: dict[str, str], mode: str) -> bool:
    """Whether a mode may use a ferry way: vehicles only where the tags say the ferry takes them.

    Vans need ``motor_vehicle``, ``motorcar`` or ``hgv`` = yes (OSM wiki route=ferry: vehicle
    ferries are tagged so); bikes need ``bicycle`` = yes or a vehicle ferry; pedestrians
    may use any ferry not tagged ``foot=no`` / ``access=no``.

    Parameters
    ----------
    tags
        The way's tags.
    mode
        "drive", "bike" or "walk".

    Returns
    -------
    bool
    """
    t = {k: str(v).lower() for k, v in tags.items()}
    if t.get("access") in _NO and not any(t.get(k) in _YES for k in ("motor_vehicle", "foot", "bicycle")):
        return False
    vehicle = any(t.get(k) in _YES for k in ("motor_vehicle", "motorcar", "hgv"))
    if mode == "drive":
        return vehicle and t.get("motorcar") not in _NO
    if mode == "bike":
        return t.get("bicycle") not in _NO and (t.get("bicycle") in _YES or vehicle)
    return t.get("foot") not in _NO


def _length_m(coords: list[tuple[float, float]]) -> float:
    """Great-circle length of a lon/lat polyline (m)."""
    a = np.radians(np.asarray(coords, dtype=float))
    if len(a) < 2:
        return 0.0
    dlon, dlat = np.diff(a[:, 0]), np.diff(a[:, 1])
    h = np.sin(dlat / 2) ** 2 + np.cos(a[:-1, 1]) * np.cos(a[1:, 1]) * np.sin(dlon / 2) ** 2
    return float((2 * 6_371_008.8 * np.arcsin(np.sqrt(h))).sum())


def read_ferries_pbf(path: Path) -> list[Ferry]:
    """Every ``route=ferry`` way of a ``.osm.pbf`` (pyrosm), whatever the mode.

    Parameters
    ----------
    path
        The extract.

    Returns
    -------
    list of Ferry
    """
    import pyrosm

    osm = pyrosm.OSM(str(path))
    with warnings.catch_warnings():  # pyrosm warns when an extract has no ferry
        warnings.simplefilter("ignore", UserWarning)
        gdf = osm.get_data_by_custom_criteria(
            custom_filter={"route": ["ferry"]},
            filter_type="keep",
            keep_nodes=False,
            keep_ways=True,
            keep_relations=False,
        )
    if gdf is None or len(gdf) == 0:
        return []
    out = []
    for row in gdf.itertuples(index=False):
        tags: dict[str, str] = {}
        raw = getattr(row, "tags", None)
        if isinstance(raw, str) and raw:
            tags.update({k: str(v) for k, v in json.loads(raw).items()})
        for col in (
            "duration",
            "foot",
            "bicycle",
            "motor_vehicle",
            "motorcar",
            "access",
            "oneway",
            "name",
            "charge",
            "fee",
        ):
            v = getattr(row, col, None)
            if isinstance(v, str) and v:
                tags[col] = v
        geom = row.geometry
        if geom is None or geom.is_empty or geom.geom_type != "LineString":
            continue
        coords = [(float(x), float(y)) for x, y in geom.coords]
        out.append(Ferry(int(row.id), tags, tuple(coords), _length_m(coords)))
    return out


def read_ferries_xml(path: Path) -> list[Ferry]:
    """Every ``route=ferry`` way of an OSM XML file (``.osm`` / ``.osm.bz2``), nodes clipped.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    list of Ferry
    """
    from siting.network.osm import iter_osm_elements

    nodes: dict[str, tuple[float, float]] = {}
    ways: list[tuple[int, dict[str, str], list[str]]] = []
    for el in iter_osm_elements(path):
        if el.tag == "node":
            try:
                nodes[el.get("id", "")] = (float(el.get("lon", "nan")), float(el.get("lat", "nan")))
            except ValueError:
                continue
        elif el.tag == "way":
            tags = {t.get("k", ""): t.get("v", "") for t in el.iter("tag")}
            if tags.get("route") == "ferry":
                ways.append((int(el.get("id", "0")), tags, [nd.get("ref", "") for nd in el.iter("nd")]))
    out = []
    for osmid, tags, refs in ways:
        coords = [nodes[r] for r in refs if r in nodes]
        if len(coords) >= 2:
            out.append(Ferry(osmid, tags, tuple(coords), _length_m(coords)))
    return out


def _xy(lon: np.ndarray, lat: np.ndarray, lat0: float) -> np.ndarray:
    """Local equirectangular metres around latitude lat0 (accurate to <1% within ~100 km)."""
    r = 6_371_008.8
    return np.column_stack([np.radians(lon) * r * math.cos(math.radians(lat0)), np.radians(lat) * r])


def add_ferries(
    G: nx.MultiDiGraph,
    ferries: list[Ferry],
    mode: str,
    *,
    speed_kph: float = FERRY_SPEED_KPH,
    wait_s: float = FERRY_WAIT_S,
    max_attach_m: float = FERRY_MAX_ATTACH_M,
) -> list[dict[str, Any]]:
    """Join the ferries the mode may use to an unprojected (EPSG:4326) graph, in place.

    Each end of a usable ferry way is attached, among the 32 graph nodes nearest to it
    within ``max_attach_m``, to one in the largest strongly connected component. The
    edge's ``travel_time`` is the crossing (the ``duration`` tag, else length at
    ``speed_kph``) plus ``wait_s`` to board plus the terminal links at
    10 km/h; edges get ``route="ferry"``, ``ferry_crossing_s``, ``ferry_wait_s`` and
    ``speed_kph`` (length over travel time). Both directions unless ``oneway=yes``.

    Parameters
    ----------
    G
        Unprojected graph (node ``x`` = lon, ``y`` = lat).
    ferries
        From :func:`read_ferries_pbf` / :func:`read_ferries_xml`.
    mode
        "drive", "bike" or "walk".
    speed_kph, wait_s, max_attach_m
        Crossing speed where untagged, boarding wait, attachment limit.

    Returns
    -------
    list of dict
        One record per ferry way: ``osmid``, ``name``, ``used`` (bool), ``reason`` (why
        not used), ``crossing_s``, ``length_m``, ``u``, ``v``.
    """
    report: list[dict[str, Any]] = []
    if not ferries or len(G) == 0:
        return report
    ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    # attach each end to the node of the largest strongly connected component nearby, not a
    # dead-end fragment (a terminal's nearest node is often a one-way port lane)
    size = {n: len(c) for c in nx.strongly_connected_components(G) for n in c}
    scc_size = np.array([size[n] for n in ids], dtype=np.int64)
    lon = np.array([G.nodes[n]["x"] for n in ids], dtype=float)
    lat = np.array([G.nodes[n]["y"] for n in ids], dtype=float)
    lat0 = float(np.median(lat))
    from scipy.spatial import cKDTree  # 0.24 s to import: not on a warm run's path

    tree = cKDTree(_xy(lon, lat, lat0))
    for f in ferries:
        rec: dict[str, Any] = {"osmid": f.osmid, "name": f.name, "used": False, "reason": "", "length_m": f.length_m}
        if not ferry_allowed(f.tags, mode):
            rec["reason"] = f"not open to {mode} (tags)"
            report.append(rec)
            continue
        ends = np.array([f.coords[0], f.coords[-1]], dtype=float)
        near_d, near_p = tree.query(_xy(ends[:, 0], ends[:, 1], lat0), k=min(32, len(ids)))
        near_d, near_p = np.atleast_2d(near_d), np.atleast_2d(near_p)
        dist, pos = np.empty(2), np.empty(2, dtype=np.int64)
        for e in range(2):
            ok = np.isfinite(near_d[e]) & (near_d[e] <= max_attach_m)
            cand = near_p[e][ok] if ok.any() else near_p[e][:1]
            best = int(np.argmax(scc_size[cand])) if ok.any() else 0
            pos[e] = cand[best]
            dist[e] = near_d[e][ok][best] if ok.any() else near_d[e][0]
        if np.any(dist > max_attach_m) or pos[0] == pos[1]:
            rec["reason"] = (
                f"an end lies outside the network (farther than {max_attach_m:g} m from any {mode} road)"
                if np.any(dist > max_attach_m)
                else "both ends at the same road node"
            )
            report.append(rec)
            continue
        tagged = parse_duration_s(f.tags.get("duration"))
        crossing_s = tagged if tagged is not None else f.length_m / (speed_kph / 3.6)
        attach_m = float(dist.sum())
        total_m = f.length_m + attach_m
        time_s = crossing_s + wait_s + attach_m / (_ATTACH_KPH / 3.6)
        u, v = int(ids[pos[0]]), int(ids[pos[1]])
        line = [(lon[pos[0]], lat[pos[0]]), *f.coords, (lon[pos[1]], lat[pos[1]])]
        attrs = {
            "osmid": f.osmid,
            "name": f.name,
            "route": "ferry",
            "highway": "ferry",
            "length": total_m,
            "travel_time": time_s,
            "speed_kph": total_m / time_s * 3.6,
            "ferry_crossing_s": crossing_s,
            "ferry_wait_s": float(wait_s),
            "duration_source": "osm duration tag" if tagged is not None else f"{speed_kph:g} km/h default",
            "ferry_interval": f.tags.get("interval"),
            "ferry_opening_hours": f.tags.get("opening_hours"),
            # the fare per vehicle (siting.network.ferry_fares): the first charge tag present, and fee
            "ferry_charge": next(
                (f.tags[c] for c in _CHARGE_KEYS if f.tags.get(c)),
                None,
            ),
            "ferry_fee": f.tags.get("fee"),
        }
        G.add_edge(u, v, geometry=LineString(line), **attrs)
        if str(f.tags.get("oneway", "no")).lower() not in ("yes", "true", "1"):
            G.add_edge(v, u, geometry=LineString(line[::-1]), **attrs)
        rec.update(used=True, crossing_s=crossing_s, u=u, v=v, attach_m=attach_m)
        report.append(rec)
    return report


def ferry_edges(G: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """The ferry edges of a built graph: u, v, key, name, length (m), crossing and total time (s).

    Parameters
    ----------
    G
        A graph from :func:`siting.network.build_network`.

    Returns
    -------
    list of dict
    """
    return [
        {
            "u": u,
            "v": v,
            "key": k,
            "name": d.get("name"),
            "length_m": float(d["length"]),
            "crossing_s": float(d["ferry_crossing_s"]),
            "wait_s": float(d["ferry_wait_s"]),
            "travel_time_s": float(d["travel_time"]),
        }
        for u, v, k, d in G.edges(keys=True, data=True)
        if d.get("route") == "ferry"
    ]
