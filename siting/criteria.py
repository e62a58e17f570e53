"""Raw ranking criteria per candidate site, computed from travel-time matrices and layer attributes."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["delivery_time_s", "population_reachable", "site_criteria"]


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

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``delivery_time_s``, ``stores_within_reach``, ``stores_unreachable``,
        ``population_reachable``, ``rent_per_yr``.
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
    return out
