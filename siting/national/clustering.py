"""City clusters found from the stores: demand-weighted density clustering with a planner's distances."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPoint

from siting.errors import InputError

__all__ = ["ClusterOptions", "find_clusters", "cluster_name"]

log = logging.getLogger("siting")

CLUSTER_COLUMNS = ["cluster", "n_stores", "demand_units_per_week", "radius_m", "place", "geometry"]


@dataclass(frozen=True)
class ClusterOptions:
    """How stores are grouped into cities (all distances straight-line, in metres).

    Attributes
    ----------
    link_distance_m : float
        Stores closer than this to a busy store belong to the same city (DBSCAN ``eps``).
    min_demand_units_per_week : float
        Demand a neighbourhood needs (within ``link_distance_m``, the store itself included) to
        start a city (DBSCAN ``min_samples`` on demand weights): smaller groups join the nearest
        city within ``max_radius_m`` or are left out (reported).
    max_radius_m : float
        No store of a city's core lies farther than this from the core's demand-weighted centre: a
        larger group is split (demand-weighted k-means) until it fits; lone stores join a city whose
        core centre is within this distance. At 36 km/h, 6 km is about 10 minutes.
    buffer_m : float
        The city's network is cut from the national one as the stores' convex hull plus this buffer;
        candidate sites inside a city's hull plus buffer can serve it.
    """

    link_distance_m: float = 1500.0
    min_demand_units_per_week: float = 60.0
    max_radius_m: float = 6000.0
    buffer_m: float = 2000.0

    def __post_init__(self) -> None:
        for name in ("link_distance_m", "min_demand_units_per_week", "max_radius_m", "buffer_m"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
                raise InputError(f"clusters: {name} must be a number > 0, got {value!r}.")


def cluster_name(text: str) -> str:
    """A folder-safe name: ASCII lower-case words joined by hyphens (``"Ħal Qormi"`` -> ``"hal-qormi"``).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    ascii_text = unicodedata.normalize("NFKD", text.replace("Ħ", "H").replace("ħ", "h"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _split(xy: np.ndarray, w: np.ndarray, max_radius_m: float) -> list[np.ndarray]:
    """Row indices of groups whose stores all lie within ``max_radius_m`` of their weighted centre."""
    from sklearn.cluster import KMeans

    todo, done = [np.arange(len(xy))], []
    while todo:
        idx = todo.pop()
        centre = np.average(xy[idx], axis=0, weights=w[idx])
        if len(idx) == 1 or np.hypot(*(xy[idx] - centre).T).max() <= max_radius_m:
            done.append(idx)
            continue
        km = KMeans(n_clusters=2, n_init=4, random_state=0).fit(xy[idx], sample_weight=w[idx])
        parts = [idx[km.labels_ == k] for k in (0, 1)]
        if any(len(p) == 0 for p in parts):  # identical points: cannot split further
            done.append(idx)
            continue
        todo.extend(parts)
    return done


def find_clusters(
    stores: gpd.GeoDataFrame, options: ClusterOptions | None = None, *, places: gpd.GeoDataFrame | None = None
) -> tuple[pd.Series, gpd.GeoDataFrame]:
    """Group the stores of a country into cities.

    Method: DBSCAN (scikit-learn) on the store points with the weekly demand as sample weight
    (a neighbourhood starts a city when the demand within ``link_distance_m`` reaches
    ``min_demand_units_per_week``); each city larger than ``max_radius_m`` around its demand-weighted
    centre is split in two by demand-weighted k-means, repeatedly; stores DBSCAN leaves alone join
    the nearest city centre within ``max_radius_m`` (else they are left out). Deterministic.

    Parameters
    ----------
    stores : geopandas.GeoDataFrame
        Points in a metric CRS with ``store_id`` and ``demand_units_per_week``.
    options : ClusterOptions, optional
    places : geopandas.GeoDataFrame, optional
        Named places (``name`` column, e.g. OSM ``place`` nodes): each city takes the name of the
        place nearest its demand-weighted centre among the places inside its area (stores' hull plus
        ``buffer_m``), made unique with ``-2``, ``-3`` ...; a city with no place inside, or without
        places, is called ``cluster-NN`` (its position by falling demand).

    Returns
    -------
    labels : pandas.Series
        City name per store (index of ``stores``); None for stores left out.
    clusters : geopandas.GeoDataFrame
        One row per city, by falling demand: ``cluster, n_stores, demand_units_per_week, radius_m``
        (farthest store from the demand-weighted centre of all its stores), ``place`` and the
        stores' convex hull as geometry.
    """
    from sklearn.cluster import DBSCAN

    options = options or ClusterOptions()
    if stores.crs is None or not stores.crs.is_projected:
        raise InputError("find_clusters needs the stores in a projected (metric) CRS; use .to_crs() first.")
    if stores.empty:
        raise InputError("find_clusters: the stores layer is empty.")
    order = np.lexsort((stores["store_id"].astype(str).to_numpy(),))  # the answer does not depend on row order
    xy = np.column_stack([stores.geometry.x.to_numpy(), stores.geometry.y.to_numpy()])[order]
    w = stores["demand_units_per_week"].to_numpy(float)[order]
    min_weight = max(1, int(np.ceil(options.min_demand_units_per_week)))  # scikit-learn takes a whole number
    labels = DBSCAN(eps=options.link_distance_m, min_samples=min_weight).fit(xy, sample_weight=w).labels_
    groups = []
    for k in sorted(set(labels) - {-1}):
        idx = np.flatnonzero(labels == k)
        groups += [idx[p] for p in _split(xy[idx], w[idx], options.max_radius_m)]
    if not groups:
        raise InputError(
            f"no city found: no group of stores reaches {options.min_demand_units_per_week:g} units/week within "
            f"{options.link_distance_m:g} m; lower min_demand_units_per_week or raise link_distance_m."
        )
    centres = np.array([np.average(xy[g], axis=0, weights=w[g]) for g in groups])
    assign = np.full(len(xy), -1)
    for i, g in enumerate(groups):
        assign[g] = i
    loose = np.flatnonzero(assign == -1)
    if len(loose):
        d = np.hypot(xy[loose, None, 0] - centres[None, :, 0], xy[loose, None, 1] - centres[None, :, 1])
        near = d.argmin(axis=1)
        ok = d[np.arange(len(loose)), near] <= options.max_radius_m
        assign[loose[ok]] = near[ok]
        if (~ok).any():
            log.warning("clusters: %d stores lie farther than %g m from any city and are left out",
                        int((~ok).sum()), options.max_radius_m)  # fmt: skip
    demand = np.array([w[assign == i].sum() for i in range(len(groups))])
    rank = np.lexsort((centres[:, 1], centres[:, 0], -demand))  # by falling demand, ties by position
    hulls = [MultiPoint([tuple(p) for p in xy[assign == i]]).convex_hull for i in rank]
    areas = [h.buffer(options.buffer_m) for h in hulls]
    names, place_names = _names(centres[rank], places, stores.crs, areas)
    rows = []
    for name, place, i, hull in zip(names, place_names, rank, hulls):
        members = assign == i
        pts = xy[members]
        centre = np.average(pts, axis=0, weights=w[members])  # of every member, joined stores included
        radius = float(np.hypot(*(pts - centre).T).max())
        rows.append((name, int(members.sum()), float(w[members].sum()), round(radius, 1), place, hull))
    table = gpd.GeoDataFrame(pd.DataFrame(rows, columns=CLUSTER_COLUMNS), geometry="geometry", crs=stores.crs)
    by_group = {int(i): name for name, i in zip(names, rank)}
    per_row = np.array([by_group.get(int(a)) if a >= 0 else None for a in assign], dtype=object)
    out = np.empty(len(xy), dtype=object)
    out[order] = per_row
    return pd.Series(out, index=stores.index, name="cluster", dtype=object), table


def _names(
    centres: np.ndarray, places: gpd.GeoDataFrame | None, crs, areas: list
) -> tuple[list[str], list[str | None]]:
    """Each cluster takes the place nearest its centre among the places inside its area, else ``cluster-NN``."""
    from shapely import contains_xy

    if places is None or places.empty:
        return [f"cluster-{i + 1:02d}" for i in range(len(centres))], [None] * len(centres)
    pl = places.to_crs(crs)
    px, py = pl.geometry.x.to_numpy(), pl.geometry.y.to_numpy()
    names: list[str] = []
    raw: list[str | None] = []
    for i, ((cx, cy), area) in enumerate(zip(centres, areas)):
        inside = contains_xy(area, px, py)
        if not inside.any():
            names.append(f"cluster-{i + 1:02d}")
            raw.append(None)
            continue
        d = np.where(inside, np.hypot(px - cx, py - cy), np.inf)
        j = int(np.argmin(d))
        place = str(pl["name"].iloc[j])
        base = cluster_name(place) or "cluster"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
        raw.append(place)
    return names, raw
