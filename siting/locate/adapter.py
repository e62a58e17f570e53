"""GeoDataFrame adapter: layers + cost matrix -> chosen sites and allocation lines, per city."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.errors import InputError, MissingColumnError

from ._solution import Solution
from .covering import lscp, mclp, p_center
from .facility import facility_location
from .pmedian import p_median

__all__ = ["LocationResult", "locate", "locate_cities", "MODELS"]

MODELS = ("p_median", "p_center", "mclp", "lscp", "facility_location")


@dataclass(frozen=True)
class LocationResult:
    """Chosen sites, allocation lines and the solver record(s).

    Attributes
    ----------
    sites : GeoDataFrame
        One row per chosen site: ``site_id``, the candidate's own columns, ``n_stores``,
        ``demand_served`` (sum of weights), ``weighted_cost`` (sum of weight x cost).
    lines : GeoDataFrame
        One row per served store: ``site_id``, ``store_id``, ``cost``, ``weight``,
        ``weighted_cost``; geometry a straight LineString store -> site. Unserved stores (mclp)
        have no line.
    solutions : dict
        ``{city: Solution}`` (key ``""`` for a single solve).
    """

    sites: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    solutions: dict[str, Solution] = field(default_factory=dict)

    @property
    def solution(self) -> Solution:
        """The only Solution (single-city use)."""
        if len(self.solutions) != 1:
            raise InputError("several cities were solved; read .solutions[city]")
        return next(iter(self.solutions.values()))


def _column(gdf: gpd.GeoDataFrame, col: str, layer: str) -> pd.Series:
    if col not in gdf.columns:
        raise MissingColumnError(
            f"{layer} layer has no column {col!r}; add it or pass its name "
            f"(columns present: {', '.join(map(str, gdf.columns))})"
        )
    return gdf[col]


def _check_cost(cost: np.ndarray, n_stores: int, n_sites: int) -> np.ndarray:
    c = np.asarray(cost, dtype=np.float64)
    if c.shape == (n_stores, n_sites):
        return c
    if c.shape == (n_sites, n_stores):
        raise InputError(
            f"cost has shape {c.shape} (candidates x stores); locate expects stores x candidates "
            f"({n_stores} x {n_sites}): pass cost.T"
        )
    raise InputError(
        f"cost has shape {c.shape} but there are {n_stores} stores and {n_sites} candidates; "
        "cost[i, j] must be the cost of serving store i from candidate j"
    )


def _solve(
    model: str, cost: np.ndarray, weights: np.ndarray, candidates: gpd.GeoDataFrame, options: dict[str, Any]
) -> Solution:
    opts = dict(options)
    fixed_col = opts.pop("fixed_cost_col", "fixed_cost_per_yr")
    cap_col = opts.pop("capacity_col", None)
    if model == "p_median":
        return p_median(cost, opts.pop("p"), weights, **opts)
    if model == "p_center":
        return p_center(cost, opts.pop("p"), **opts)
    if model == "mclp":
        return mclp(cost, opts.pop("p"), opts.pop("radius"), weights, **opts)
    if model == "lscp":
        return lscp(cost, opts.pop("radius"), **opts)
    if model == "facility_location":
        fixed = opts.pop("fixed_cost", None)
        if fixed is None:
            fixed = _column(candidates, fixed_col, "candidates").to_numpy(dtype=float)
        cap = opts.pop("capacity", None)
        if cap is None and cap_col is not None:
            cap = _column(candidates, cap_col, "candidates").to_numpy(dtype=float)
        return facility_location(cost, fixed, capacity=cap, weights=weights, **opts)
    raise InputError(f"model must be one of {', '.join(MODELS)}, got {model!r}")


def locate(
    stores: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    cost: np.ndarray,
    *,
    model: str = "p_median",
    weight_col: str | None = "demand_units_per_week",
    store_id_col: str = "store_id",
    site_id_col: str = "site_id",
    **options: Any,
) -> LocationResult:
    """Solve one location model for GeoDataFrame layers and return chosen sites + allocation lines.

    Parameters
    ----------
    stores : GeoDataFrame
        Demand points (``store_id``, ``demand_units_per_week``), rows in the order of ``cost`` rows.
    candidates : GeoDataFrame
        Candidate sites (``site_id``; polygons are represented by their representative point),
        rows in the order of ``cost`` columns.
    cost : array (n_stores, n_candidates)
        ``cost[i, j]`` = cost of serving store i from candidate j (e.g. ``od_time.T``), np.inf =
        unreachable.
    model : str
        One of ``"p_median"`` (needs ``p``), ``"p_center"`` (``p``), ``"mclp"`` (``p``, ``radius``),
        ``"lscp"`` (``radius``), ``"facility_location"`` (``fixed_cost`` array or
        ``fixed_cost_col``, default ``"fixed_cost_per_yr"``; optional ``capacity`` / ``capacity_col``).
    weight_col : str or None
        Store column with demand weights; None = every store weighs 1.
    **options
        Passed to the model (``p``, ``radius``, ``required``, ``forbidden``, ``method``,
        ``time_limit_s``, ``seed``, ``split_demand`` ...).
    """
    c = _check_cost(cost, len(stores), len(candidates))
    store_ids = _column(stores, store_id_col, "stores").astype(str).to_numpy()
    site_ids = _column(candidates, site_id_col, "candidates").astype(str).to_numpy()
    weights = (
        np.ones(len(stores)) if weight_col is None else _column(stores, weight_col, "stores").to_numpy(dtype=float)
    )
    sol = _solve(model, c, weights, candidates, options)
    served = np.flatnonzero(sol.assignment >= 0)
    a = sol.assignment[served]
    line_cost = c[served, a]
    crs = stores.crs
    cand = candidates.to_crs(crs) if (candidates.crs is not None and crs is not None) else candidates
    site_pts = cand.geometry.representative_point().to_numpy()
    store_pts = stores.geometry.representative_point().to_numpy()
    coords = np.stack([shapely.get_coordinates(store_pts[served]), shapely.get_coordinates(site_pts[a])], axis=1)
    lines = gpd.GeoDataFrame(
        {
            "site_id": site_ids[a],
            "store_id": store_ids[served],
            "cost": line_cost,
            "weight": weights[served],
            "weighted_cost": weights[served] * line_cost,
        },
        geometry=shapely.linestrings(coords) if served.size else [],
        crs=crs,
    )
    sites = candidates.iloc[sol.selected].copy()
    if "site_id" in sites.columns:
        sites = sites.drop(columns="site_id")
    sites.insert(0, "site_id", site_ids[sol.selected])
    stats = lines.groupby("site_id").agg(
        n_stores=("store_id", "size"), demand_served=("weight", "sum"), weighted_cost=("weighted_cost", "sum")
    )
    sites = sites.join(stats, on="site_id")
    for col in ("n_stores", "demand_served", "weighted_cost"):
        sites[col] = sites[col].fillna(0)
    sites["n_stores"] = sites["n_stores"].astype(np.int64)
    return LocationResult(
        sites=gpd.GeoDataFrame(sites, geometry=candidates.geometry.name, crs=candidates.crs),
        lines=lines.reset_index(drop=True),
        solutions={"": sol},
    )


def locate_cities(inputs: Mapping[str, Mapping[str, Any]], **options: Any) -> LocationResult:
    """One solve per city cluster, results stacked with a ``city`` column.

    Parameters
    ----------
    inputs : mapping
        ``{city: {"stores": gdf, "candidates": gdf, "cost": ndarray, **per-city options}}``;
        per-city options (``p``, ``radius`` ...) override ``options``.
    **options
        Passed to :func:`locate` for every city (``model``, ``p``, ``method`` ...).

    Returns
    -------
    LocationResult
        ``sites`` and ``lines`` with a leading ``city`` column; ``solutions[city]``. When the
        cities use different CRSs (one UTM zone each) the stacked layers are in EPSG:4326.
    """
    if not inputs:
        raise InputError("locate_cities needs at least one city")
    results: dict[str, LocationResult] = {}
    for city, spec in inputs.items():
        spec = dict(spec)
        try:
            stores, candidates, cost = spec.pop("stores"), spec.pop("candidates"), spec.pop("cost")
        except KeyError as exc:
            raise InputError(f"city {city!r}: inputs need 'stores', 'candidates' and 'cost' ({exc} missing)") from None
        results[city] = locate(stores, candidates, cost, **{**options, **spec})
    crss = {str(r.sites.crs) for r in results.values()} | {str(r.lines.crs) for r in results.values()}
    same = len(crss) == 1

    def stack(kind: str) -> gpd.GeoDataFrame:
        parts = []
        for city, r in results.items():
            g = getattr(r, kind)
            g = g if same or g.crs is None else g.to_crs(4326)
            g = g.copy()
            g.insert(0, "city", city)
            parts.append(g.rename_geometry("geometry") if g.geometry.name != "geometry" else g)
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)

    return LocationResult(
        sites=stack("sites"), lines=stack("lines"), solutions={city: r.solution for city, r in results.items()}
    )
