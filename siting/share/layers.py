"""From cities (layers + road networks) and the shared-network tables to the design problem's arrays."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.share.contracts import problem_terms
from siting.share.hours import unit_equivalent
from siting.share.inputs import ShareSpec
from siting.share.problem import KINDS, ShareProblem
from siting.share.sequence import read_changeovers

log = logging.getLogger("siting")

__all__ = ["ShareLayers", "problem_from_cities"]


@dataclass(frozen=True)
class ShareLayers:
    """The design problem with the layers behind it (for maps and outputs).

    ``stores`` has ``store_id`` (``city:id``), ``brand``, ``city``, ``demand_units_per_week``;
    ``sites`` has ``site_id`` (``city:id``), ``city``, ``rent_per_m2_yr``; both in EPSG:4326.
    ``excluded`` lists the stores and sites left out at snapping (``layer``, ``id`` as ``city:id``,
    ``filter``, ``reason``, ``city``), as ``excluded.csv`` of a ``siting rank`` run does.
    """

    problem: ShareProblem
    stores: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    attribution: str
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)


def _brand_stores(city, spec: ShareSpec) -> gpd.GeoDataFrame:
    """A city's stores with a ``brand`` column: its own column, plus brand layers falling inside the city."""
    from siting.inputs.layers import read_layer

    names = [b.name for b in spec.brands]
    parts = []
    if "brand" in city.stores.columns:
        parts.append(city.stores)
    extent = city.stores.to_crs(city.candidates.crs).geometry.union_all().convex_hull.buffer(2000)
    for b in spec.brands:
        if b.stores is None:
            continue
        layer = read_layer(b.stores, "stores").to_crs(city.candidates.crs)
        inside = layer[layer.geometry.representative_point().within(extent)].copy()
        inside["brand"] = b.name
        parts.append(inside.to_crs(city.stores.crs))
    if not parts:
        raise InputError(
            f"city {city.name!r}: its stores layer has no 'brand' column and no [[brands]] entry names a stores "
            "file; add a 'brand' column to the stores layer or give each brand stores = \"file.gpkg\"."
        )
    stores = pd.concat(parts, ignore_index=True)
    stores = gpd.GeoDataFrame(stores, geometry="geometry", crs=city.stores.crs)
    empty = stores["brand"].isna() | stores["brand"].astype(str).str.strip().eq("")
    if empty.any():
        log.warning(
            "%s: %d of %d stores have an empty 'brand' column and are left out (store_id %s)",
            city.name,
            int(empty.sum()),
            len(stores),
            ", ".join(map(str, stores.loc[empty, "store_id"].head(5))),
        )
    stores = stores[~empty].copy()
    stores["brand"] = stores["brand"].astype(str)
    other = ~stores["brand"].isin(names)
    if other.any():
        log.warning(
            "%s: %d of %d stores are of brands not in [[brands]] and are left out: %s",
            city.name,
            int(other.sum()),
            len(stores),
            sorted(set(stores.loc[other, "brand"]))[:5],
        )
    return stores[~other].reset_index(drop=True)


def _check_brands_served(stores: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, spec: ShareSpec) -> None:
    """Refuse a brand with no stores or no demand, and floor areas no site can hold."""
    for i, b in enumerate(spec.brands):
        mine = stores["brand"] == b.name
        if not mine.any():
            raise InputError(
                f"brands[{i}] {b.name!r}: no store of this brand lies near the road networks of the cities; give "
                "its stores a 'brand' column value (or the brand a stores file), or remove the brand."
            )
        if not (stores.loc[mine, "demand_units_per_week"] > 0).any():
            raise InputError(
                f"brands[{i}] {b.name!r}: its {int(mine.sum())} stores have demand_units_per_week 0; "
                "give them their weekly demand, or remove the brand."
            )
    levels_area = spec.site_capacity.floor_area_m2
    largest = float(sites["floor_area_m2"].max())
    if largest < min(levels_area):
        raise InputError(
            f"site_capacity.floor_area_m2: the smallest level needs {min(levels_area):g} m2 but the largest "
            f"candidate site has {largest:g} m2, so no site can open; lower floor_area_m2 or add larger sites."
        )


def problem_from_cities(cities: Sequence, spec: ShareSpec, options: Any = None) -> ShareLayers:
    """Build the design problem: drive times and lengths on each city's road network, rents, seasons.

    Each city goes through the pipeline's network stage as ``siting rank`` does: its graph with
    the run's travel times (:func:`siting.pipeline.city_graph`), stores and sites snapped to the
    nearest road edge within ``options.reach.max_snap_distance_m`` (:func:`siting.pipeline.snap_layer`;
    the rows left out are logged by id and listed in ``ShareLayers.excluded``) and exact
    point-to-point times and lengths (:func:`siting.network.od_time_length`).

    Parameters
    ----------
    cities : sequence of siting.pipeline.CityInputs
        Each city's stores (with a ``brand`` column unless brands give their own stores files),
        candidate sites, rents and network. A site serves only stores of its own city.
    spec : ShareSpec
    options : siting.pipeline.RankOptions, optional
        The network mode, travel times (traffic band or delivery window) and
        ``max_snap_distance_m``; default ``RankOptions()`` (the scenario's ``[rank]`` through
        :func:`siting.app.rank_options`).

    Returns
    -------
    ShareLayers
    """
    from siting.inputs.layers import assign_rents
    from siting.network.od import od_time_length
    from siting.network.snapping import SNAP_COLUMNS
    from siting.pipeline import RankOptions, city_graph, edge_snaps, snap_layer
    from siting.ranking.filters import EXCLUDED_COLUMNS

    options = options if options is not None else RankOptions()
    cap, st = spec.site_capacity, spec.settings
    brand_index = {b.name: i for i, b in enumerate(spec.brands)}
    store_parts, site_parts, times, lengths, excluded = [], [], [], [], []
    for city in cities:
        G = city_graph(city, options)
        crs, mode, max_m = G.graph["crs"], city.mode or options.reach.mode, options.reach.max_snap_distance_m
        stores = _brand_stores(city, spec).to_crs(crs)
        sites = assign_rents(city.candidates.to_crs(crs), None if city.rents is None else city.rents.to_crs(crs))
        stores, dropped_stores = snap_layer(G, stores, mode, "store_id", max_m, where=city.name)
        sites, dropped_sites = snap_layer(G, sites, mode, "site_id", max_m, where=city.name)
        for dropped in (dropped_sites, dropped_stores):
            named = dropped.assign(city=city.name, id=city.name + ":" + dropped["id"].astype(str))
            excluded.append(named[["city", *EXCLUDED_COLUMNS]])
        t, length = od_time_length(G, edge_snaps(sites), edge_snaps(stores))
        times.append(t)
        lengths.append(length)
        stores = stores.drop(columns=list(SNAP_COLUMNS))
        sites = sites.drop(columns=list(SNAP_COLUMNS))
        stores = stores.assign(city=city.name, store_id=city.name + ":" + stores["store_id"].astype(str))
        sites = sites.assign(city=city.name, site_id=city.name + ":" + sites["site_id"].astype(str))
        store_parts.append(stores.to_crs("EPSG:4326"))
        site_parts.append(sites.to_crs("EPSG:4326"))
    stores = gpd.GeoDataFrame(pd.concat(store_parts, ignore_index=True), crs="EPSG:4326")
    sites = gpd.GeoDataFrame(pd.concat(site_parts, ignore_index=True), crs="EPSG:4326")
    if len(stores) == 0 or len(sites) == 0:
        raise InputError("siting share: no stores of the [[brands]] or no candidate sites near the road networks.")
    _check_brands_served(stores, sites, spec)
    n, m = len(sites), len(stores)
    time_s = np.full((n, m), np.inf)
    length_m = np.full((n, m), np.inf)
    r = c = 0
    for t, length in zip(times, lengths):
        time_s[r : r + t.shape[0], c : c + t.shape[1]] = t
        length_m[r : r + t.shape[0], c : c + t.shape[1]] = length
        r, c = r + t.shape[0], c + t.shape[1]
    levels_area = np.asarray(cap.floor_area_m2, dtype=float)
    rent = sites["rent_per_m2_yr"].to_numpy(dtype=float)[:, None] * levels_area[None, :]
    setup = np.tile(np.asarray(cap.setup_cost, dtype=float) / cap.amortisation_yrs, (n, 1))
    dedicated = np.array([brand_index.get(cap.dedicated.get(s, ""), -1) for s in sites["site_id"]])
    unknown_sites = sorted(set(cap.dedicated) - set(sites["site_id"]))
    if unknown_sites:
        raise InputError(
            f"site_capacity.dedicated: unknown site {unknown_sites[0]!r}; site ids are 'city:site_id', "
            f"e.g. {sites['site_id'].iloc[0]!r}."
        )
    brands = spec.brands
    kinds = [spec.lane_class(b).kind for b in brands]
    scale = np.array([b.demand_scale for b in brands])
    store_brand = stores["brand"].map(brand_index).to_numpy(dtype=int)
    problem = ShareProblem(
        site_ids=tuple(sites["site_id"].astype(str)),
        store_ids=tuple(stores["store_id"].astype(str)),
        brand_names=tuple(b.name for b in brands),
        season_names=tuple(s.name for s in spec.seasons),
        store_brand=store_brand,
        demand_units_per_week=stores["demand_units_per_week"].to_numpy(dtype=float) * scale[store_brand],
        season_weeks=np.array([s.weeks for s in spec.seasons], dtype=float),
        multiplier=np.array([[b.season_multipliers.get(s.name, s.multiplier) for s in spec.seasons] for b in brands]),
        delivery_time_s=time_s,
        delivery_cost_per_unit=np.where(np.isfinite(length_m), length_m / 1000.0 * st.delivery_cost_per_unit_km, 0.0),
        rent_per_yr=rent,
        setup_per_yr=setup,
        capacity_units_per_week=np.asarray(cap.levels_units_per_week, dtype=float),
        unit_cost_per_unit=np.array([b.unit_cost_per_unit for b in brands]),
        offshore_landed_per_unit=np.array([b.offshore_landed_per_unit for b in brands]),
        brand_kind=tuple(kinds),
        brand_lead_time_days=np.array(
            [np.nan if spec.lane_class(b).lead_time_days is None else spec.lane_class(b).lead_time_days for b in brands]
        ),
        production_lead_time_days=cap.production_lead_time_days,
        max_utilisation=cap.max_utilisation,
        holding_per_unit=st.holding_cost_per_unit_week * 0.5,
        dedicated=dedicated,
        level_allowed=sites["floor_area_m2"].to_numpy(dtype=float)[:, None] >= levels_area[None, :],
        **_terms(spec),
    )
    if spec.routings:  # the weekly plans count units: the levels' bottleneck hours at the demand's mix
        problem = dataclasses.replace(problem, capacity_units_per_week=unit_equivalent(problem))
    assert all(k in KINDS for k in kinds)
    attribution = "; ".join(sorted({getattr(c, "attribution", "") for c in cities} - {""}))
    dropped_all = pd.concat(excluded, ignore_index=True)
    return ShareLayers(problem=problem, stores=stores, sites=sites, attribution=attribution, excluded=dropped_all)


def _terms(spec: ShareSpec) -> dict[str, Any]:
    """The routing and contract keywords of the problem, with ``share.changeovers`` read into a matrix."""
    terms = problem_terms(spec)
    path = spec.settings.changeovers
    if path is not None:
        terms["changeover_matrix_hours"] = read_changeovers(
            path, [b.name for b in spec.brands], terms["process_names"], terms["changeover_hours"]
        )
    return terms
