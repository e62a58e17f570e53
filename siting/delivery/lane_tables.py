"""Lane pricing on plain arrays: trips, vehicle-km, CO2e (TTW/WTT/WTW) and cost per week per lane."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.delivery.emissions import VEHICLES, Vehicle, _drop_loads, trips_per_week, vehicle_time_s
from siting.delivery.tours import TourPlan, allocate_by_tonne_km, out_and_back_m, solve_tours
from siting.errors import InputError

__all__ = [
    "pair_lane_cost_per_week",
    "LANE_COLUMNS",
    "LaneParams",
    "direct_lane_table",
    "direct_lane_values",
    "tour_lane_table",
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
    "ferry_fare_per_week",
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
        OR-Tools search per site (see :func:`siting.delivery.tours.solve_tours`): the time budget
        (default 60 s) and the guided-local-search solutions after the local optimum (default 50).
    descent_solution_limit : int, optional
        Stop OR-Tools' greedy descent after this many solutions, before the local optimum: a quicker,
        looser, still deterministic plan (None, the default: descend to the local optimum).
    ferry_fare_per_vehicle : float, optional
        Fare per vehicle per crossing of every ferry, overriding the OSM ``charge`` tags and the
        packaged table (:func:`siting.network.ferry_fares.fare_edges`).
    """

    vehicle: str = "van_avg_diesel"
    unit_weight_kg: float = 0.5
    unit_volume_m3: float = 0.004
    load_factor: float = 0.8
    drops_per_week: float = 2.0
    service_s: float = 600.0
    shift_s: float = 8 * 3600.0
    time_limit_s: float = 60.0
    solution_limit: int = 50
    ferry_fare_per_vehicle: float | None = None
    descent_solution_limit: int | None = None

    def __post_init__(self) -> None:
        fare = self.ferry_fare_per_vehicle
        if fare is not None:
            try:
                ok = math.isfinite(float(fare)) and float(fare) >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise InputError(
                    f"lane_params.ferry_fare_per_vehicle must be a number >= 0 (money per vehicle per crossing), "
                    f"got {fare!r}."
                )
            object.__setattr__(self, "ferry_fare_per_vehicle", float(fare))
        cap = self.descent_solution_limit
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise InputError(
                f"lane_params.descent_solution_limit must be a whole number >= 1 (solutions of the tours' "
                f"greedy descent) or left out to descend to the local optimum, got {cap!r}."
            )


def _vehicle(params: LaneParams, vehicles: Mapping[str, Vehicle] | None) -> Vehicle:
    table = VEHICLES if vehicles is None else vehicles
    if params.vehicle not in table:
        raise InputError(
            f"unknown vehicle {params.vehicle!r}; choose one of {', '.join(sorted(table))} or add it with load_vehicles"
        )
    return table[params.vehicle]


def _money_and_co2(
    km: np.ndarray, hours: np.ndarray, vehicle: Vehicle, fares: np.ndarray | float = 0.0
) -> dict[str, np.ndarray]:
    fare = np.zeros_like(km) + fares
    return {
        "vehicle_km_per_week": km,
        "co2e_ttw_kg_per_week": km * vehicle.ttw_kg_per_km,
        "co2e_wtt_kg_per_week": km * vehicle.wtt_kg_per_km,
        "co2e_wtw_kg_per_week": km * vehicle.wtw_kg_per_km,
        "ferry_fare_per_week": fare,
        "cost_per_week": km * vehicle.cost_per_km + hours * vehicle.cost_per_hour + fare,
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
    ferry_fare: npt.ArrayLike | None = None,
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
    ferry_fare : array_like, shape (n_sites, n_stores), optional
        Ferry fares of one trip there and back (:func:`siting.network.ferry_fares.path_fares`
        of both legs); default none.

    Returns
    -------
    pandas.DataFrame
        :data:`LANE_COLUMNS`; ``length_m``/``time_s`` one way (vehicle time), ``vehicle_km_per_week``
        counts out and back; ``ferry_fare_per_week`` = trips x fare, included in ``cost_per_week``.
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
    fare = None if ferry_fare is None else np.asarray(ferry_fare, dtype=float)[i, j]
    values = direct_lane_values(
        out_t, out_l, back_t, back_l, units[j], params=params, vehicles=vehicles, fare_per_trip=fare
    )
    df = pd.DataFrame(
        {
            "site_id": np.asarray(site_ids, dtype=object)[i],
            "store_id": np.asarray(store_ids, dtype=object)[j],
            "vehicle": vehicle.vehicle_id,
            "pattern": "direct",
            "length_m": out_l,
            **values,
        }
    )
    return df[LANE_COLUMNS]


def pair_lane_cost_per_week(
    out_time_s: np.ndarray,
    out_length_m: np.ndarray,
    back_time_s: np.ndarray,
    back_length_m: np.ndarray,
    units_per_week: np.ndarray,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
) -> np.ndarray:
    """Cost per week of an out-and-back lane from every site to every store, each carrying the store's demand.

    Parameters
    ----------
    out_time_s, out_length_m : ndarray, shape (sites, stores)
        The way out.
    back_time_s, back_length_m : ndarray, shape (stores, sites)
        The way back (as :func:`siting.network.od_time_length` gives it from the stores).
    units_per_week : ndarray, shape (stores,)
    params : LaneParams
    vehicles : mapping, optional

    Returns
    -------
    ndarray, shape (sites, stores)
        Money per week (:func:`direct_lane_values`' ``cost_per_week``).
    """
    n_s, n_j = np.shape(out_time_s)
    lanes = direct_lane_values(
        np.ravel(out_time_s),
        np.ravel(out_length_m),
        np.asarray(back_time_s).T.ravel(),
        np.asarray(back_length_m).T.ravel(),
        np.tile(np.asarray(units_per_week, dtype=float), n_s),
        params=params,
        vehicles=vehicles,
    )
    return lanes["cost_per_week"].reshape(n_s, n_j)


def direct_lane_values(
    out_time_s: np.ndarray,
    out_length_m: np.ndarray,
    back_time_s: np.ndarray,
    back_length_m: np.ndarray,
    units_per_week: np.ndarray,
    *,
    params: LaneParams = LaneParams(),
    vehicles: Mapping[str, Vehicle] | None = None,
    fare_per_trip: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The numbers of out-and-back lanes, one entry per lane, from their legs' times and lengths.

    The arithmetic of :func:`direct_lane_table`, on plain arrays (for pricing every
    site-store pair at once).

    Parameters
    ----------
    out_time_s, out_length_m, back_time_s, back_length_m : ndarray, shape (n_lanes,)
        Car travel time (s) and road length (m) of the way out and the way back.
    units_per_week : ndarray, shape (n_lanes,)
        Units the lane carries a week.
    params : LaneParams
    vehicles : mapping, optional
        Vehicle table (default :data:`siting.delivery.VEHICLES`).
    fare_per_trip : ndarray, shape (n_lanes,), optional
        Ferry fares of one trip there and back; default none.

    Returns
    -------
    dict of str to ndarray
        ``time_s`` (vehicle time one way), ``trips_per_week``, ``vehicle_km_per_week``
        (out and back), ``co2e_ttw_kg_per_week``, ``co2e_wtt_kg_per_week``, ``co2e_wtw_kg_per_week``,
        ``ferry_fare_per_week`` (trips x fare), ``cost_per_week`` (fares included).
    """
    vehicle = _vehicle(params, vehicles)
    trips = trips_per_week(
        np.asarray(units_per_week, dtype=float),
        vehicle,
        unit_weight_kg=params.unit_weight_kg,
        unit_volume_m3=params.unit_volume_m3,
        load_factor=params.load_factor,
        drops_per_week=params.drops_per_week,
    )
    vt_out = vehicle_time_s(out_time_s, out_length_m, vehicle)
    vt_back = vehicle_time_s(back_time_s, back_length_m, vehicle)
    km = trips * (out_length_m + back_length_m) / 1000.0
    hours = trips * (vt_out + vt_back + params.service_s) / 3600.0
    fares = 0.0 if fare_per_trip is None else trips * np.asarray(fare_per_trip, dtype=float)
    return {"time_s": vt_out, "trips_per_week": trips, **_money_and_co2(km, hours, vehicle, fares)}


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
    fare: npt.ArrayLike | None = None,
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
    fare : array_like, shape (n + 1, n + 1), optional
        Ferry fare of each one-way leg (:func:`siting.network.ferry_fares.path_fares`); a full-load
        trip pays its legs out and back, a tour the legs it drives (allocated like its km).

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
        descent_solution_limit=params.descent_solution_limit,
    )
    drops = params.drops_per_week
    F = np.zeros_like(L) if fare is None else np.asarray(fare, dtype=float)
    km = full * out_and_back_m(L) / 1000.0 * drops
    hours = full * (out_and_back_m(T) + params.service_s) / 3600.0 * drops
    fares = full * out_and_back_m(F) * drops
    trips = (full + (rest > 0)) * drops
    kg = units / drops * params.unit_weight_kg
    routes = []
    for r, ln, tm in zip(plan.routes, plan.length_m, plan.time_s):
        members = routed[list(r)]
        routes.append(tuple(int(m) for m in members))
        rest_kg = rest[members] / np.maximum(frac[members], 1e-12) * kg[members]
        stops = [0, *[int(m) + 1 for m in members], 0]
        tour_fare = float(sum(F[a, b] for a, b in zip(stops[:-1], stops[1:])))
        alloc = allocate_by_tonne_km(np.array([ln / 1000.0, tm / 3600.0, tour_fare]), rest_kg, sfd[members])
        km[members] += alloc[:, 0] * drops
        hours[members] += alloc[:, 1] * drops
        fares[members] += alloc[:, 2] * drops
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
            **_money_and_co2(km, hours, vehicle, fares),
        }
    )
    plan = replace(plan, routes=tuple(routes))
    return df.loc[served, LANE_COLUMNS].reset_index(drop=True), plan


# ----------------------------------------------------------------------------- graph wrappers
