"""Delivery lanes site -> store: road route, trips, vehicle-km, CO2e (TTW/WTT/WTW) and cost per week."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
from shapely.geometry import LineString

from siting.delivery.emissions import VEHICLES, Vehicle, _drop_loads, trips_per_week, vehicle_time_s
from siting.delivery.tours import TourPlan, allocate_by_tonne_km, out_and_back_m, solve_tours
from siting.errors import InputError, MissingColumnError

__all__ = [
    "LaneParams",
    "LANE_COLUMNS",
    "TOTAL_COLUMNS",
    "direct_lane_table",
    "tour_lane_table",
    "direct_lanes",
    "tour_lanes",
    "lane_totals",
    "compare_vehicles",
    "build_lanes",
    "tour_lines",
]

#: Columns of a lanes table, in order; the GeoDataFrame adds ``geometry``.
LANE_COLUMNS = [
    "site_id",
    "store_id",
    "vehicle",
    "pattern",
    "length_m",
    "time_s",
    "trips_per_week",
    "vehicle_km_per_week",
    "co2e_ttw_kg_per_week",
    "co2e_wtt_kg_per_week",
    "co2e_wtw_kg_per_week",
    "cost_per_week",
]
#: Columns of :func:`lane_totals`.
TOTAL_COLUMNS = [
    "city",
    "site_id",
    "lanes",
    "trips_per_week",
    "vehicle_km_per_week",
    "co2e_ttw_kg_per_week",
    "co2e_wtt_kg_per_week",
    "co2e_wtw_kg_per_week",
    "cost_per_week",
]


@dataclass(frozen=True)
class LaneParams:
    """How demand turns into vehicle trips (defaults are illustrative planning values).

    Attributes
    ----------
    vehicle : str
        Vehicle id in :data:`siting.delivery.VEHICLES` (or in the mapping passed as ``vehicles``).
    unit_weight_kg, unit_volume_m3 : float
        One packed unit (default: a folded garment in its polybag/carton share, illustrative).
    load_factor : float
        Usable share of payload and volume.
    drops_per_week : float
        Deliveries to each store a week.
    service_s : float
        Time at each stop (unloading, paperwork).
    shift_s : float
        Longest tour (driver shift).
    time_limit_s, solution_limit : float, int
        OR-Tools search limits per site (see :func:`siting.delivery.tours.solve_tours`).
    """

    vehicle: str = "van_avg_diesel"
    unit_weight_kg: float = 0.5
    unit_volume_m3: float = 0.004
    load_factor: float = 0.8
    drops_per_week: float = 2.0
    service_s: float = 600.0
    shift_s: float = 8 * 3600.0
    time_limit_s: float = 60.0
    solution_limit: int = 100


def _vehicle(params: LaneParams, vehicles: Mapping[str, Vehicle] | None) -> Vehicle:
    table = VEHICLES if vehicles is None else vehicles
    if params.vehicle not in table:
        raise InputError(
            f"unknown vehicle {params.vehicle!r}; choose one of {', '.join(sorted(table))} or add it with load_vehicles"
        )
    return table[params.vehicle]


def _money_and_co2(km: np.ndarray, hours: np.ndarray, vehicle: Vehicle) -> dict[str, np.ndarray]:
    return {
        "vehicle_km_per_week": km,
        "co2e_ttw_kg_per_week": km * vehicle.ttw_kg_per_km,
        "co2e_wtt_kg_per_week": km * vehicle.wtt_kg_per_km,
        "co2e_wtw_kg_per_week": km * vehicle.wtw_kg_per_km,
        "cost_per_week": km * vehicle.cost_per_km + hours * vehicle.cost_per_hour,
    }


def direct_lane_table(
    site_ids: Sequence[str],
    store_ids: Sequence[str],
    assign: npt.ArrayLike,
    time_s: npt.ArrayLike,
    length_m: npt.ArrayLike,
    units_per_week: npt.ArrayLike,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
    back_time_s: npt.ArrayLike | None = None,
    back_length_m: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Out-and-back lanes from plain arrays: one row per served store.

    Parameters
    ----------
    site_ids, store_ids : sequence of str
        Labels of the rows and columns of the matrices.
    assign : array_like of int, shape (n_stores,)
        Row (site) serving each store; -1 = not served (no lane).
    time_s, length_m : array_like, shape (n_sites, n_stores)
        Car travel time and road length site -> store (fastest path).
    units_per_week : array_like, shape (n_stores,)
    params : LaneParams
    vehicles : mapping, optional
        Vehicle table (default :data:`siting.delivery.VEHICLES`).
    back_time_s, back_length_m : array_like, shape (n_stores, n_sites), optional
        Return leg store -> site; default: the same as the way out.

    Returns
    -------
    pandas.DataFrame
        :data:`LANE_COLUMNS`; ``length_m``/``time_s`` one way (vehicle time), ``vehicle_km_per_week``
        counts out and back.
    """
    vehicle = _vehicle(params, vehicles)
    a = np.asarray(assign, dtype=np.int64)
    T = np.asarray(time_s, dtype=float)
    L = np.asarray(length_m, dtype=float)
    units = np.asarray(units_per_week, dtype=float)
    if T.shape != (len(site_ids), len(store_ids)) or L.shape != T.shape or a.shape != (len(store_ids),):
        raise InputError("time_s/length_m must be (n_sites, n_stores) and assign (n_stores,)")
    j = np.flatnonzero(a >= 0)
    i = a[j]
    out_t, out_l = T[i, j], L[i, j]
    back_t = out_t if back_time_s is None else np.asarray(back_time_s, dtype=float)[j, i]
    back_l = out_l if back_length_m is None else np.asarray(back_length_m, dtype=float)[j, i]
    ok = np.isfinite(out_t) & np.isfinite(back_t) & np.isfinite(out_l) & np.isfinite(back_l)
    j, i, out_t, out_l, back_t, back_l = j[ok], i[ok], out_t[ok], out_l[ok], back_t[ok], back_l[ok]
    trips = trips_per_week(
        units[j],
        vehicle,
        unit_weight_kg=params.unit_weight_kg,
        unit_volume_m3=params.unit_volume_m3,
        load_factor=params.load_factor,
        drops_per_week=params.drops_per_week,
    )
    vt_out = vehicle_time_s(out_t, out_l, vehicle)
    vt_back = vehicle_time_s(back_t, back_l, vehicle)
    km = trips * (out_l + back_l) / 1000.0
    hours = trips * (vt_out + vt_back + params.service_s) / 3600.0
    df = pd.DataFrame(
        {
            "site_id": np.asarray(site_ids, dtype=object)[i],
            "store_id": np.asarray(store_ids, dtype=object)[j],
            "vehicle": vehicle.vehicle_id,
            "pattern": "direct",
            "length_m": out_l,
            "time_s": vt_out,
            "trips_per_week": trips,
            **_money_and_co2(km, hours, vehicle),
        }
    )
    return df[LANE_COLUMNS]


def tour_lane_table(
    site_id: str,
    store_ids: Sequence[str],
    length_m: npt.ArrayLike,
    time_s: npt.ArrayLike,
    units_per_week: npt.ArrayLike,
    sfd_m: npt.ArrayLike | None = None,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> tuple[pd.DataFrame, TourPlan]:
    """Multi-stop tour lanes of one site from plain arrays.

    Every drop round, each store's load is split into full vehicle loads (driven out-and-back) and
    a remainder; the remainders are routed in tours (:func:`siting.delivery.tours.solve_tours`). A tour's
    vehicle-km, CO2e and cost are allocated to its stores by load x shortest feasible distance
    (ISO 14083 tonne-km allocation), so the store rows add up to the site's total.

    Parameters
    ----------
    site_id : str
    store_ids : sequence of str, length n
    length_m, time_s : array_like, shape (n + 1, n + 1)
        Road length and car time among depot (row/column 0) and stores.
    units_per_week : array_like, shape (n,)
    sfd_m : array_like, shape (n,), optional
        Shortest feasible distance depot -> store (the allocation key); default ``length_m[0, 1:]``.
    params : LaneParams
    vehicles : mapping, optional

    Returns
    -------
    (pandas.DataFrame, TourPlan)
        Lane rows (:data:`LANE_COLUMNS`, ``pattern == "tour"``) and the tours of one drop round.
    """
    vehicle = _vehicle(params, vehicles)
    L = np.asarray(length_m, dtype=float)
    T = vehicle_time_s(time_s, L, vehicle)
    units = np.asarray(units_per_week, dtype=float)
    sfd = L[0, 1:] if sfd_m is None else np.asarray(sfd_m, dtype=float)
    frac = _drop_loads(
        units, vehicle, params.unit_weight_kg, params.unit_volume_m3, params.load_factor, params.drops_per_week
    )
    full = np.floor(frac)
    rest = frac - full
    # exactly full loads have no remainder; tiny remainders below 1e-9 are float noise
    rest[rest < 1e-9] = 0.0
    routed = np.flatnonzero(rest > 0)
    sub = np.r_[0, routed + 1]
    plan = solve_tours(
        L[np.ix_(sub, sub)],
        T[np.ix_(sub, sub)],
        rest[routed],
        shift_s=params.shift_s,
        service_s=params.service_s,
        time_limit_s=params.time_limit_s,
        solution_limit=params.solution_limit,
    )
    drops = params.drops_per_week
    km = full * out_and_back_m(L) / 1000.0 * drops
    hours = full * (out_and_back_m(T) + params.service_s) / 3600.0 * drops
    trips = (full + (rest > 0)) * drops
    kg = units / drops * params.unit_weight_kg
    routes = []
    for r, ln, tm in zip(plan.routes, plan.length_m, plan.time_s):
        members = routed[list(r)]
        routes.append(tuple(int(m) for m in members))
        rest_kg = rest[members] / np.maximum(frac[members], 1e-12) * kg[members]
        alloc = allocate_by_tonne_km(np.array([ln / 1000.0, tm / 3600.0]), rest_kg, sfd[members])
        km[members] += alloc[:, 0] * drops
        hours[members] += alloc[:, 1] * drops
    served = units > 0
    df = pd.DataFrame(
        {
            "site_id": site_id,
            "store_id": np.asarray(store_ids, dtype=object),
            "vehicle": vehicle.vehicle_id,
            "pattern": "tour",
            "length_m": L[0, 1:],
            "time_s": T[0, 1:],
            "trips_per_week": trips,
            **_money_and_co2(km, hours, vehicle),
        }
    )
    plan = replace(plan, routes=tuple(routes))
    return df.loc[served, LANE_COLUMNS].reset_index(drop=True), plan


# ----------------------------------------------------------------------------- graph wrappers


def _nodes(G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame, id_col: str) -> gpd.GeoDataFrame:
    if id_col not in gdf.columns:
        raise MissingColumnError(f"layer has no {id_col!r} column; add it (unique ids)")
    if "node" in gdf.columns:
        return gdf
    from siting.network.od import snap

    snapped = snap(G, gdf.to_crs(G.graph["crs"]))
    return gdf.loc[snapped.index].assign(node=snapped["node"].to_numpy())


def _ends(sites: gpd.GeoDataFrame, stores: gpd.GeoDataFrame) -> tuple[Any, Any]:
    """What OD is computed between: edge-snap frames when both layers carry them, else node ids."""
    from siting.network.snapping import SNAP_COLUMNS

    cols = list(SNAP_COLUMNS)
    if set(cols) <= set(sites.columns) and set(cols) <= set(stores.columns):
        return pd.DataFrame(sites[cols]), pd.DataFrame(stores[cols])
    return sites["node"].to_numpy(), stores["node"].to_numpy()


def _rows(ends: Any, rows: Any) -> Any:
    """Rows of node ids or of a snap frame."""
    return ends.iloc[rows] if isinstance(ends, pd.DataFrame) else ends[rows]


def _stack(a: Any, b: Any) -> Any:
    """Depot first, then stores (node ids or snap frames)."""
    return pd.concat([a, b], ignore_index=True) if isinstance(a, pd.DataFrame) else np.r_[a, b]


def _assignment(allocation: Any, stores: gpd.GeoDataFrame, site_ids: list[str]) -> np.ndarray:
    """Row of ``site_ids`` serving each store (-1 = none).

    ``allocation`` is a mapping or Series ``store_id -> site_id`` (stores absent or NaN are not
    served), or a sequence with one site_id (or None) per store row.
    """
    if isinstance(allocation, Mapping):
        per_store = stores["store_id"].map(pd.Series(allocation, dtype=object))
    elif isinstance(allocation, pd.Series):
        per_store = stores["store_id"].map(allocation)
    else:
        seq = list(allocation)
        if len(seq) != len(stores):
            raise InputError(f"allocation has {len(seq)} entries for {len(stores)} stores; give one site_id per store")
        per_store = pd.Series(seq, index=stores.index, dtype=object)
    pos = {s: k for k, s in enumerate(site_ids)}
    served = per_store.notna().to_numpy()
    unknown = sorted({str(v) for v in per_store[served] if str(v) not in pos})
    if unknown:
        raise InputError(f"allocation names site(s) {', '.join(unknown[:5])} that are not in the sites layer")
    return np.array([pos[str(v)] if ok else -1 for v, ok in zip(per_store, served)], dtype=np.int64)


def _prepare(
    G: nx.MultiDiGraph, sites: gpd.GeoDataFrame, stores: gpd.GeoDataFrame, allocation: Any, *, demand: bool = True
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[str], np.ndarray]:
    """Snapped sites and stores, the site ids and the row of the site serving each store."""
    sites = _nodes(G, sites, "site_id")
    stores = _nodes(G, stores, "store_id")
    if demand and "demand_units_per_week" not in stores.columns:
        raise MissingColumnError("stores layer has no 'demand_units_per_week' column")
    site_ids = sites["site_id"].astype(str).tolist()
    return sites, stores, site_ids, _assignment(allocation, stores, site_ids)


def _geometries(G: nx.MultiDiGraph, pairs: list[tuple[int, int]]) -> list[LineString]:
    from siting.network.od import route_lines

    lines = route_lines(G, pairs, weight="travel_time") if pairs else []
    out = []
    for (u, _v), line in zip(pairs, lines):
        if line is None or line.is_empty:
            x, y = G.nodes[u]["x"], G.nodes[u]["y"]
            line = LineString([(x, y), (x, y)])
        out.append(line)
    return out


def direct_lanes(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> gpd.GeoDataFrame:
    """Out-and-back delivery lanes for an allocation of stores to sites, on the road network.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Network from :func:`siting.network.build_network` (projected, ``travel_time`` on edges).
    sites, stores : GeoDataFrame
        Layers with ``site_id`` / ``store_id`` (+ ``demand_units_per_week``); a ``node`` column is
        used when present, otherwise they are snapped with :func:`siting.network.snap`.
    allocation : mapping, Series or sequence
        ``store_id -> site_id`` (missing/NaN = not served), or one site_id per store row.
    params : LaneParams
    vehicles : mapping, optional

    Returns
    -------
    GeoDataFrame
        :data:`LANE_COLUMNS` + the one-way road route (LineString) in the network CRS.
    """
    from siting.network.od import od_time_length

    sites, stores, site_ids, assign = _prepare(G, sites, stores, allocation)
    s_nodes, t_nodes = sites["node"].to_numpy(), stores["node"].to_numpy()
    a, b = _ends(sites, stores)
    time_s, length_m = od_time_length(G, a, b)
    back_t, back_l = od_time_length(G, b, a)
    df = direct_lane_table(
        site_ids,
        stores["store_id"].astype(str).tolist(),
        assign,
        time_s,
        length_m,
        stores["demand_units_per_week"].to_numpy(),
        params=params,
        vehicles=vehicles,
        back_time_s=back_t,
        back_length_m=back_l,
    )
    node_of_site = dict(zip(site_ids, s_nodes))
    node_of_store = dict(zip(stores["store_id"].astype(str), t_nodes))
    pairs = [(int(node_of_site[a]), int(node_of_store[b])) for a, b in zip(df["site_id"], df["store_id"])]
    return gpd.GeoDataFrame(df, geometry=_geometries(G, pairs), crs=G.graph["crs"])


def tour_lanes(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, TourPlan]]:
    """Multi-stop tour lanes (one vehicle routing problem per site) for an allocation.

    Same inputs as :func:`direct_lanes`. Returns the lanes GeoDataFrame (``pattern == "tour"``,
    geometry = the direct route site -> store for the map) and the tours of one drop round per
    site (store positions refer to that site's stores in layer order).
    """
    from siting.network.od import od_matrix, od_time_length

    sites, stores, site_ids, assign = _prepare(G, sites, stores, allocation)
    a, b = _ends(sites, stores)
    frames, plans, pairs = [], {}, []
    for k, sid in enumerate(site_ids):
        members = np.flatnonzero(assign == k)
        if members.size == 0:
            continue
        nodes = np.r_[sites["node"].iloc[k], stores["node"].to_numpy()[members]]
        ends = _stack(_rows(a, [k]), _rows(b, members))
        time_s, length_m = od_time_length(G, ends, ends)
        sfd = od_matrix(G, _rows(ends, [0]), _rows(ends, np.arange(1, len(nodes))), weight="length")[0]
        df, plan = tour_lane_table(
            sid,
            stores["store_id"].astype(str).to_numpy()[members],
            length_m,
            time_s,
            stores["demand_units_per_week"].to_numpy()[members],
            sfd,
            params=params,
            vehicles=vehicles,
        )
        frames.append(df)
        plans[sid] = plan
        node_of = dict(zip(stores["store_id"].astype(str).to_numpy()[members], nodes[1:]))
        pairs += [(int(nodes[0]), int(node_of[s])) for s in df["store_id"]]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LANE_COLUMNS)
    return gpd.GeoDataFrame(df, geometry=_geometries(G, pairs), crs=G.graph["crs"]), plans


def lane_totals(lanes: pd.DataFrame, *, city: str = "") -> pd.DataFrame:
    """Per-site totals of a lanes table plus a total row per city (``site_id == "ALL"``).

    Parameters
    ----------
    lanes : DataFrame
        A lanes table (:data:`LANE_COLUMNS`), from one city or several stacked with a ``city``
        column.
    city : str
        City name written into the ``city`` column when ``lanes`` has none.

    Returns
    -------
    pandas.DataFrame
        :data:`TOTAL_COLUMNS`: ``lanes`` counts store lanes; the other columns are weekly sums.
    """
    sums = [
        "trips_per_week",
        "vehicle_km_per_week",
        "co2e_ttw_kg_per_week",
        "co2e_wtt_kg_per_week",
        "co2e_wtw_kg_per_week",
        "cost_per_week",
    ]
    missing = [c for c in ["site_id", *sums] if c not in lanes.columns]
    if missing:
        raise MissingColumnError(f"lanes table lacks column(s) {', '.join(missing)}")
    frame = pd.DataFrame(lanes.drop(columns="geometry", errors="ignore"))
    if "city" not in frame.columns:
        frame = frame.assign(city=city)
    parts = []
    for name, grp in frame.groupby("city", sort=False):
        per_site = grp.groupby("site_id", sort=True)[sums].sum()
        per_site.insert(0, "lanes", grp.groupby("site_id", sort=True).size())
        per_site = per_site.reset_index()
        total = pd.DataFrame([{"site_id": "ALL", "lanes": int(len(grp)), **grp[sums].sum().to_dict()}])
        parts.append(pd.concat([per_site, total], ignore_index=True).assign(city=name))
    if not parts:
        return pd.DataFrame(
            [{"city": city, "site_id": "ALL", "lanes": 0, **{c: 0.0 for c in sums}}], columns=TOTAL_COLUMNS
        )
    return pd.concat(parts, ignore_index=True)[TOTAL_COLUMNS]


def build_lanes(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    *,
    pattern: str = "tour",
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> gpd.GeoDataFrame:
    """Lanes for an allocation with either delivery pattern (the call the pipeline makes).

    Parameters
    ----------
    G, sites, stores, allocation, params, vehicles
        As in :func:`direct_lanes`.
    pattern : {"tour", "direct"}
        Multi-stop tours per site, or out-and-back per store.

    Returns
    -------
    GeoDataFrame
        :data:`LANE_COLUMNS` + geometry (one-way road route site -> store).
    """
    if pattern == "tour":
        return tour_lanes(G, sites, stores, allocation, params=params, vehicles=vehicles)[0]
    if pattern == "direct":
        return direct_lanes(G, sites, stores, allocation, params=params, vehicles=vehicles)
    raise InputError(f"pattern must be 'tour' or 'direct', not {pattern!r}")


def tour_lines(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    plans: Mapping[str, TourPlan],
) -> gpd.GeoDataFrame:
    """Road geometry of the tours of one drop round (for maps), one row per tour.

    Parameters
    ----------
    G, sites, stores, allocation
        The inputs given to :func:`tour_lanes`.
    plans : mapping
        Its second return value.

    Returns
    -------
    GeoDataFrame
        ``site_id``, ``tour`` (1-based), ``stops``, ``store_ids`` (";"-joined, visit order),
        ``length_m``, ``time_s``, ``load_share`` (of one vehicle load); geometry LineString.
    """
    sites, stores, site_ids, assign = _prepare(G, sites, stores, allocation, demand=False)
    ids = stores["store_id"].astype(str).to_numpy()
    nodes = stores["node"].to_numpy()
    rows, seqs = [], []
    for k, sid in enumerate(site_ids):
        if sid not in plans:
            continue
        members = np.flatnonzero(assign == k)
        depot = int(sites["node"].iloc[k])
        for t, (route, ln, tm, load) in enumerate(
            zip(plans[sid].routes, plans[sid].length_m, plans[sid].time_s, plans[sid].load)
        ):
            stops = members[list(route)]
            rows.append(
                {
                    "site_id": sid,
                    "tour": t + 1,
                    "stops": len(route),
                    "store_ids": ";".join(ids[stops]),
                    "length_m": ln,
                    "time_s": tm,
                    "load_share": load,
                }
            )
            seqs.append([depot, *[int(n) for n in nodes[stops]], depot])
    pairs = [(a, b) for seq in seqs for a, b in zip(seq[:-1], seq[1:])]
    legs = iter(_geometries(G, pairs))
    lines = []
    for seq in seqs:
        coords: list[tuple[float, float]] = []
        for _ in range(len(seq) - 1):
            for xy in next(legs).coords:
                if not coords or coords[-1] != tuple(xy):
                    coords.append(tuple(xy))
        lines.append(LineString(coords if len(coords) > 1 else coords * 2))
    cols = ["site_id", "tour", "stops", "store_ids", "length_m", "time_s", "load_share"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=lines, crs=G.graph["crs"])


def compare_vehicles(
    G: nx.MultiDiGraph,
    sites: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    allocation: Any,
    vehicle_ids: Sequence[str] = ("van_avg_diesel", "van_avg_bev", "ecargo_bike"),
    *,
    params: LaneParams = LaneParams(),
    pattern: str = "tour",
    vehicles: Mapping[str, Vehicle] | None = None,
) -> pd.DataFrame:
    """Weekly totals of the same deliveries with each vehicle (one row per vehicle).

    Returns
    -------
    pandas.DataFrame
        ``vehicle`` then :data:`TOTAL_COLUMNS` without ``city``/``site_id`` (all sites together).
    """
    if pattern not in ("tour", "direct"):
        raise InputError(f"pattern must be 'tour' or 'direct', not {pattern!r}")
    rows = []
    for vid in vehicle_ids:
        p = replace(params, vehicle=vid)
        lanes = build_lanes(G, sites, stores, allocation, pattern=pattern, params=p, vehicles=vehicles)
        tot = lane_totals(lanes).iloc[-1]
        rows.append({"vehicle": vid, **tot.drop(["city", "site_id"]).to_dict()})
    return pd.DataFrame(rows)
