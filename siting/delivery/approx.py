"""Tour totals for every candidate site at once: a continuous approximation of the tours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.delivery.emissions import VEHICLES, Vehicle, _drop_loads, vehicle_time_s

if TYPE_CHECKING:
    from siting.delivery.lanes import LaneParams

__all__ = ["TSP_NN_RATIO", "TOUR_APPROX_SOURCE", "approx_tour_totals", "store_lengths"]

# Local (stop-to-stop) length of the tours of one round ~ TSP_NN_RATIO x the sum of each
# stop's road distance to its nearest other stop. For N random points in an area A the
# optimal tour is 0.7124 sqrt(N A) long (Beardwood, Halton and Hammersley 1959; constant as
# estimated by Applegate, Bixby, Chvatal and Cook, The Traveling Salesman Problem, 2006) and
# the mean nearest-neighbour distance is 0.5 sqrt(A / N) (Clark and Evans 1954), so the tour
# is 1.4248 x N x the mean nearest-neighbour distance. Road distances carry the network's
# one-way streets and detours. Line-haul: m tours x (mean road length out + back), as in
# Daganzo (1984), Transportation Science 18(4).
TSP_NN_RATIO = 0.7124 / 0.5
TOUR_APPROX_SOURCE = (
    "continuous approximation of tours: m x (mean road length out + back) + 1.4248 x the sum of "
    "nearest-neighbour road distances between stops (Beardwood-Halton-Hammersley constant "
    "0.7124, Applegate et al. 2006; Clark and Evans 1954; Daganzo 1984)"
)


def approx_tour_totals(
    out_time_s: npt.ArrayLike,
    out_length_m: npt.ArrayLike,
    back_time_s: npt.ArrayLike,
    back_length_m: npt.ArrayLike,
    store_length_m: npt.ArrayLike,
    units_per_week: npt.ArrayLike,
    *,
    params: LaneParams,
    vehicles: Mapping[str, Vehicle] | None = None,
    fare: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Weekly vehicle-km, hours, CO2e and cost of each site serving all its reachable stores by tour.

    The same delivery rule as :func:`siting.delivery.tour_lane_table`: each drop round, every
    store's whole vehicle loads go out and back on the real out and return legs, and the
    remainders are served by tours of at most one load and one shift. The tours' length is
    approximated as ``m (r_out + r_back) + 1.4248 sum(nn)``: ``m`` tours (loads and shift
    both respected), ``r_out``/``r_back`` the mean road length to and from the N routed
    stores, ``nn`` each routed store's road distance to its nearest other store (see
    :data:`TSP_NN_RATIO`); their time at the site's mean road speed plus the service time
    at each stop.

    Parameters
    ----------
    out_time_s, out_length_m : array_like, shape (n_sites, n_stores)
        Site -> store fastest time and its length; inf where unreachable.
    back_time_s, back_length_m : array_like, shape (n_stores, n_sites)
        Store -> site.
    store_length_m : array_like, shape (n_stores, n_stores)
        Road length store -> store (inf beyond a search cutoff: see :func:`store_lengths`).
    units_per_week : array_like, shape (n_stores,)
    params : siting.delivery.lanes.LaneParams
    vehicles : mapping, optional
    fare : array_like, shape (n_sites, n_stores), optional
        Ferry fares of a trip there and back. Full loads pay it per trip; the tours to the
        routed stores behind a fare pay the largest of their fares once per tour, with as
        many tours as their loads fill (``ceil(sum of their remainders)``).

    Returns
    -------
    pandas.DataFrame
        One row per site: ``trips_per_week``, ``vehicle_km_per_week``, ``hours_per_week``,
        ``co2e_ttw_kg_per_week``, ``co2e_wtt_kg_per_week``, ``co2e_wtw_kg_per_week``,
        ``ferry_fare_per_week``, ``cost_per_week`` (fares included), ``tours_per_round``; NaN for a
        site that reaches no store.
    """
    table = VEHICLES if vehicles is None else vehicles
    vehicle = table[params.vehicle]
    Lo = np.asarray(out_length_m, dtype=float)
    Lb = np.asarray(back_length_m, dtype=float).T
    To = vehicle_time_s(np.asarray(out_time_s, dtype=float), Lo, vehicle)
    Tb = vehicle_time_s(np.asarray(back_time_s, dtype=float).T, Lb, vehicle)
    SS = np.asarray(store_length_m, dtype=float).copy()
    np.fill_diagonal(SS, np.inf)
    units = np.asarray(units_per_week, dtype=float)
    F = np.zeros_like(Lo) if fare is None else np.asarray(fare, dtype=float)
    p = params
    frac = _drop_loads(units, vehicle, p.unit_weight_kg, p.unit_volume_m3, p.load_factor, p.drops_per_week)
    full = np.floor(frac)
    rest = frac - full
    rest[rest < 1e-9] = 0.0
    # nearest other routed store of each store (one matrix for every site)
    nn = SS[:, rest > 0].min(axis=1) if (rest > 0).sum() > 1 else np.zeros(len(units))
    drops = float(p.drops_per_week)
    service = float(p.service_s)
    shift = float(p.shift_s)
    rows = []
    for i in range(Lo.shape[0]):
        reach = np.isfinite(To[i]) & np.isfinite(Tb[i]) & np.isfinite(Lo[i]) & np.isfinite(Lb[i]) & (units > 0)
        if not reach.any():
            rows.append(dict.fromkeys(_COLUMNS, np.nan))
            continue
        km_full = float((full[reach] * (Lo[i, reach] + Lb[i, reach])).sum()) / 1000.0
        h_full = float((full[reach] * (To[i, reach] + Tb[i, reach] + service)).sum()) / 3600.0
        routed = reach & (rest > 0)
        n = int(routed.sum())
        km_tour = h_tour = 0.0
        m = 0
        if n:
            speed = float(
                (Lo[i, routed].sum() + Lb[i, routed].sum()) / max(To[i, routed].sum() + Tb[i, routed].sum(), 1e-9)
            )
            r_out, r_back = float(Lo[i, routed].mean()), float(Lb[i, routed].mean())
            # a store with no other within the cutoff starts its own leg: its mean road distance
            near = np.where(np.isfinite(nn[routed]), nn[routed], 0.5 * (Lo[i, routed] + Lb[i, routed]))
            local_m = TSP_NN_RATIO * float(near.sum()) if n > 1 else 0.0
            line_s = (r_out + r_back) / speed
            per_stop_s = service + local_m / n / speed
            stops_per_shift = max(1, int((shift - line_s) // per_stop_s)) if shift > line_s else 1
            m = max(int(np.ceil(rest[routed].sum() - 1e-9)), int(np.ceil(n / stops_per_shift)), 1)
            length_m = m * (r_out + r_back) + local_m
            km_tour = length_m / 1000.0
            h_tour = (length_m / speed + n * service) / 3600.0
        fare_round = float((full[reach] * F[i, reach]).sum())
        behind = routed & (F[i] > 0)
        if behind.any():
            fare_round += float(np.ceil(rest[behind].sum() - 1e-9)) * float(F[i, behind].max())
        km = (km_full + km_tour) * drops
        hours = (h_full + h_tour) * drops
        fares = fare_round * drops
        rows.append(
            {
                "trips_per_week": float((full[reach].sum() + n) * drops),  # store visits, as in the lanes
                "vehicle_km_per_week": km,
                "hours_per_week": hours,
                "co2e_ttw_kg_per_week": km * vehicle.ttw_kg_per_km,
                "co2e_wtt_kg_per_week": km * vehicle.wtt_kg_per_km,
                "co2e_wtw_kg_per_week": km * vehicle.wtw_kg_per_km,
                "ferry_fare_per_week": fares,
                "cost_per_week": km * vehicle.cost_per_km + hours * vehicle.cost_per_hour + fares,
                "tours_per_round": float(m),
            }
        )
    return pd.DataFrame(rows, columns=list(_COLUMNS))


_COLUMNS = (
    "trips_per_week",
    "vehicle_km_per_week",
    "hours_per_week",
    "co2e_ttw_kg_per_week",
    "co2e_wtt_kg_per_week",
    "co2e_wtw_kg_per_week",
    "ferry_fare_per_week",
    "cost_per_week",
    "tours_per_round",
)


def store_lengths(G: nx.MultiDiGraph, stores: Any, *, cutoff_m: float = 3000.0) -> np.ndarray:
    """Road length (m) store -> store, searched to ``cutoff_m`` (inf beyond: fast on large areas).

    Parameters
    ----------
    G
        The network.
    stores
        Node ids or a :func:`siting.network.snap_to_edges` frame of the stores.
    cutoff_m
        Search radius.

    Returns
    -------
    numpy.ndarray
        (n_stores, n_stores) lengths, access legs included.
    """
    from siting.network.od import od_matrix

    return od_matrix(G, stores, stores, weight="length", cutoff=cutoff_m)
