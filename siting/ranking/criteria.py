"""Raw ranking criteria per candidate site, computed from travel-time matrices and layer attributes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from siting.delivery.emissions import Vehicle
    from siting.delivery.lanes import LaneParams

__all__ = [
    "delivery_time_s",
    "population_reachable",
    "stores_within",
    "floor_area_fit_ratio",
    "site_criteria",
    "lane_criteria",
    "landed_cost_criteria",
]


def delivery_time_s(time_s: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Demand-weighted mean time from each site to the stores it can reach.

    The first ranking's rule: each site is judged as if it alone served every store (the
    one-site p-median objective). Unreachable stores (``inf``) are left out of the mean and
    counted by :func:`site_criteria` in ``stores_unreachable``.

    Parameters
    ----------
    time_s : ndarray, shape (n_sites, n_stores)
        Travel time from site to store, ``inf`` where unreachable.
    demand : ndarray, shape (n_stores,)
        Weekly demand per store (the weights).

    Returns
    -------
    ndarray, shape (n_sites,)
        NaN for a site that reaches no store with demand.
    """
    demand = np.asarray(demand, dtype=float)
    reach = np.isfinite(time_s)
    w = np.where(reach, demand[None, :], 0.0)
    total = w.sum(axis=1)
    weighted = np.where(reach, time_s, 0.0) @ demand
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / total, np.nan)


def population_reachable(time_s: np.ndarray, population: np.ndarray, limit_s: float) -> np.ndarray:
    """Population of the zones each site reaches within ``limit_s``.

    Parameters
    ----------
    time_s : ndarray, shape (n_sites, n_zones)
        Travel time from site to zone, ``inf`` where unreachable or beyond a cutoff.
    population : ndarray, shape (n_zones,)
    limit_s : float
        Reach time in seconds.

    Returns
    -------
    ndarray, shape (n_sites,)
    """
    return (time_s <= limit_s) @ np.asarray(population, dtype=float)


def stores_within(time_s: np.ndarray, limit_s: float) -> np.ndarray:
    """Number of stores each site reaches within ``limit_s`` (e.g. a same-day service time).

    Parameters
    ----------
    time_s : ndarray, shape (n_sites, n_stores)
    limit_s : float

    Returns
    -------
    ndarray of int64, shape (n_sites,)
    """
    return (np.asarray(time_s) <= float(limit_s)).sum(axis=1).astype(np.int64)


def floor_area_fit_ratio(floor_area_m2: np.ndarray, required_floor_area_m2: float) -> np.ndarray:
    """Share of a site's floor area the microfactory would use: ``required / available``.

    1 is an exact fit; 0.25 means three quarters of the site would stand empty (rent paid for
    nothing, or room to grow). A site smaller than required scores above 1 and is removed by the
    floor-area filter before ranking. Higher is better.

    Parameters
    ----------
    floor_area_m2 : ndarray, shape (n_sites,)
    required_floor_area_m2 : float

    Returns
    -------
    ndarray, shape (n_sites,)
    """
    area = np.asarray(floor_area_m2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area > 0, float(required_floor_area_m2) / area, np.nan)


def site_criteria(
    site_ids: pd.Series,
    store_time_s: np.ndarray,
    demand: np.ndarray,
    *,
    rent_per_m2_yr: np.ndarray,
    required_floor_area_m2: float,
    zone_time_s: np.ndarray | None = None,
    population: np.ndarray | None = None,
    reach_time_s: float = 600.0,
    sla_time_s: float | None = None,
    floor_area_m2: np.ndarray | None = None,
) -> pd.DataFrame:
    """The raw criteria of the first ranking, one row per site.

    Parameters
    ----------
    site_ids : pandas.Series
        Candidate site ids, in matrix row order.
    store_time_s : ndarray, shape (n_sites, n_stores)
        Site-to-store travel times.
    demand : ndarray, shape (n_stores,)
        Weekly demand per store.
    rent_per_m2_yr : ndarray, shape (n_sites,)
        Rent per m2 per year at each site.
    required_floor_area_m2 : float
        Floor area the microfactory needs; the rent criterion prices this area.
    zone_time_s : ndarray, shape (n_sites, n_zones), optional
        Site-to-population-zone travel times.
    population : ndarray, shape (n_zones,), optional
        Residents per zone.
    reach_time_s : float
        Reach time for ``population_reachable`` and ``stores_within_reach``.
    sla_time_s : float, optional
        Service time for ``stores_within_sla`` (e.g. same-day replacement parts); the column is
        added when given.
    floor_area_m2 : ndarray, shape (n_sites,), optional
        Floor area of each site; adds ``floor_area_fit_ratio`` (see :func:`floor_area_fit_ratio`).

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``delivery_time_s``, ``stores_within_reach``, ``stores_unreachable``,
        ``population_reachable``, ``rent_per_yr`` (+ ``stores_within_sla``,
        ``floor_area_fit_ratio`` when asked for).
    """
    out = pd.DataFrame({"site_id": np.asarray(site_ids, dtype=str)})
    out["delivery_time_s"] = delivery_time_s(store_time_s, demand)
    out["stores_within_reach"] = (store_time_s <= reach_time_s).sum(axis=1)
    out["stores_unreachable"] = (~np.isfinite(store_time_s)).sum(axis=1)
    if zone_time_s is not None and population is not None:
        out["population_reachable"] = population_reachable(zone_time_s, population, reach_time_s)
    else:
        out["population_reachable"] = np.nan
    out["rent_per_yr"] = np.asarray(rent_per_m2_yr, dtype=float) * float(required_floor_area_m2)
    if sla_time_s is not None:
        out["stores_within_sla"] = stores_within(store_time_s, sla_time_s)
    if floor_area_m2 is not None:
        out["floor_area_fit_ratio"] = floor_area_fit_ratio(floor_area_m2, required_floor_area_m2)
    return out


#: Weekly lane totals per site that :func:`lane_criteria` returns (sums over the site's lanes).
LANE_SUMS = {
    "trips_per_week": "trips_per_week",
    "vehicle_km_per_week": "vehicle_km_per_week",
    "co2e_wtw_kg_per_week": "co2e_wtw_kg_per_week",
    "co2e_ttw_kg_per_week": "co2e_ttw_kg_per_week",
    "ferry_fare_per_week": "ferry_fare_per_week",
    "cost_per_week": "lane_cost_per_week",
}


def lane_criteria(
    site_ids: Sequence[str],
    store_ids: Sequence[str],
    time_s: np.ndarray,
    length_m: np.ndarray,
    units_per_week: np.ndarray,
    *,
    params: LaneParams | None = None,
    vehicles: Mapping[str, Vehicle] | None = None,
    pattern: str = "direct",
    back_time_s: np.ndarray | None = None,
    back_length_m: np.ndarray | None = None,
    store_length_m: np.ndarray | None = None,
    ferry_fare: np.ndarray | None = None,
) -> pd.DataFrame:
    """Weekly delivery lanes of each site if it alone served every store it reaches.

    ``pattern="direct"``: out-and-back lanes priced by
    :func:`siting.delivery.lanes.direct_lane_table` with the real return legs (the same
    accounting, times and result as the output lanes). ``pattern="tour"``: multi-stop
    tours priced for every site at once by :func:`siting.delivery.approx.approx_tour_totals`
    (within 20% of the OR-Tools tours on the demo, see the README). Each site is judged on
    the same rule as ``delivery_time_s``: it serves all the stores it reaches.

    Parameters
    ----------
    site_ids, store_ids : sequence of str
    time_s, length_m : ndarray, shape (n_sites, n_stores)
        Fastest-path time and the length of that path, ``inf`` where unreachable.
    units_per_week : ndarray, shape (n_stores,)
    params : siting.delivery.lanes.LaneParams, optional
        Vehicle, unit weight, load factor, drops per week (default ``LaneParams()``).
    vehicles : mapping, optional
        Vehicle table (default :data:`siting.delivery.VEHICLES`).
    pattern : {"direct", "tour"}
        The lane pattern of the run's output lanes.
    back_time_s, back_length_m : ndarray, shape (n_stores, n_sites), optional
        Return legs store -> site; default the way out (a symmetric network).
    store_length_m : ndarray, shape (n_stores, n_stores), optional
        Road length between stores (``pattern="tour"``; required there).
    ferry_fare : ndarray, shape (n_sites, n_stores), optional
        Ferry fares of a trip there and back (:func:`siting.network.ferry_fares.path_fares`).

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``trips_per_week``, ``vehicle_km_per_week``, ``co2e_wtw_kg_per_week``,
        ``co2e_ttw_kg_per_week``, ``ferry_fare_per_week``, ``lane_cost_per_week`` (fares
        included); NaN for a site that reaches no store.
    """
    from siting.delivery.lanes import LaneParams, direct_lane_values

    params = LaneParams() if params is None else params
    T = np.asarray(time_s, dtype=float)
    L = np.asarray(length_m, dtype=float)
    Tb = T.T if back_time_s is None else np.asarray(back_time_s, dtype=float)
    Lb = L.T if back_length_m is None else np.asarray(back_length_m, dtype=float)
    if pattern == "tour":
        from siting.delivery.approx import approx_tour_totals

        if store_length_m is None:
            raise InputError("lane_criteria: pattern='tour' needs store_length_m (road length between stores)")
        approx = approx_tour_totals(
            T, L, Tb, Lb, store_length_m, units_per_week, params=params, vehicles=vehicles, fare=ferry_fare
        )
        approx.insert(0, "site_id", [str(s) for s in site_ids])
        return approx.rename(columns=LANE_SUMS)[["site_id", *LANE_SUMS.values()]]
    if pattern != "direct":
        raise InputError(f"lane_criteria: pattern must be 'direct' or 'tour', not {pattern!r}")
    # every site serving every store it reaches there and back: all pairs priced at once
    reach = np.isfinite(T) & np.isfinite(L) & np.isfinite(Tb.T) & np.isfinite(Lb.T)
    i, j = np.nonzero(reach)
    units = np.asarray(units_per_week, dtype=float)
    fare = None if ferry_fare is None else np.asarray(ferry_fare, dtype=float)[i, j]
    values = direct_lane_values(
        T[i, j], L[i, j], Tb[j, i], Lb[j, i], units[j], params=params, vehicles=vehicles, fare_per_trip=fare
    )
    n_sites = len(site_ids)
    served = reach.any(axis=1)
    out = pd.DataFrame({"site_id": [str(s) for s in site_ids]})
    for col, name in LANE_SUMS.items():
        out[name] = np.where(served, np.bincount(i, weights=values[col], minlength=n_sites), np.nan)
    return out


def landed_cost_criteria(
    site_ids: Sequence[str],
    rent_per_m2_yr: np.ndarray,
    lane_cost_per_week: np.ndarray,
    products: Sequence[Any],
    *,
    required_floor_area_m2: float,
    setup_cost: float = 0.0,
    amortisation_yr: float | None = None,
    offshore_delivery_cost_per_week: float = 0.0,
    with_break_even: bool = False,
    brand_units_per_week: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Landed cost per unit at each site versus offshore, from :func:`siting.costs.site_landed_costs`.

    The site pays rent on the floor area it needs, its set-up cost amortised, and the weekly
    cost of its lanes (:func:`lane_criteria`); offshore goods pay the lanes from their
    distribution point. Both are priced on the demand of the stores served (``products`` must be
    scaled to it, :func:`siting.costs.mix_for_demand`).

    Parameters
    ----------
    site_ids : sequence of str
    rent_per_m2_yr, lane_cost_per_week : ndarray, shape (n_sites,)
    products : sequence of siting.costs.ProductFamily
        The product mix each site would make, in the stores' volume.
    required_floor_area_m2 : float
    setup_cost, amortisation_yr, offshore_delivery_cost_per_week, with_break_even, brand_units_per_week
        See :func:`siting.costs.site_landed_costs`.

    Returns
    -------
    pandas.DataFrame
        :data:`siting.costs.sites.SITE_COLUMNS` but ``break_even_note``.
    """
    from siting.costs.sites import SITE_COLUMNS, site_landed_costs

    table = pd.DataFrame(
        {
            "site_id": [str(s) for s in site_ids],
            "rent_per_m2_yr": np.asarray(rent_per_m2_yr, dtype=float),
            "delivery_cost_per_week": np.asarray(lane_cost_per_week, dtype=float),
        }
    )
    out = site_landed_costs(
        table,
        list(products),
        floor_area_m2=required_floor_area_m2,
        setup_cost=setup_cost,
        amortisation_yr=amortisation_yr,
        offshore_delivery_cost_per_week=offshore_delivery_cost_per_week,
        with_break_even=with_break_even,
        brand_units_per_week=brand_units_per_week,
    )
    return out[[c for c in SITE_COLUMNS if c != "break_even_note"]]
