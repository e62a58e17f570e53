"""The one place where stages are chained: layers -> network -> OD -> criteria -> rank -> lanes."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting._errors import InputError
from siting.criteria import site_criteria
from siting.layers import assign_rents
from siting.rank import DEFAULT_WEIGHTS, score_sites

__all__ = ["CityInputs", "RankOptions", "CityResult", "RunResult", "city_from_demo", "rank_city", "run"]

log = logging.getLogger("siting")


@dataclass(frozen=True)
class RankOptions:
    """Options of a ranking run (defaults are right for a city-centre microfactory).

    Attributes
    ----------
    weights : mapping
        Criterion -> weight (normalised to sum to 1).
    reach_time_s : float
        Reach time for the population and store-reach criteria (default 10 minutes).
    required_floor_area_m2 : float
        Floor area the microfactory needs: smaller sites are filtered out, rent is priced on it.
    max_snap_distance_m : float
        Sites or stores farther than this from the road network are left out (with a warning).
    mode : str
        Network mode for delivery ("drive" for vans).
    normalisation : {"minmax", "rank"}
    lanes_for_top : int
        Draw road routes to every store for this many top sites.
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    reach_time_s: float = 600.0
    required_floor_area_m2: float = 500.0
    max_snap_distance_m: float = 500.0
    mode: str = "drive"
    normalisation: str = "minmax"
    lanes_for_top: int = 1


@dataclass(frozen=True)
class CityInputs:
    """Everything one city of a run needs: validated layers and a network source.

    Attributes
    ----------
    name : str
    stores, candidates : geopandas.GeoDataFrame
    population, rents : geopandas.GeoDataFrame or None
    network_source : Any
        Anything :func:`siting.network.build_network` accepts (OSM file, GraphML, ...) or a graph.
    currency : str
    attribution : str
    """

    name: str
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    network_source: Any
    population: gpd.GeoDataFrame | None = None
    rents: gpd.GeoDataFrame | None = None
    currency: str = "EUR"
    attribution: str = "© OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class CityResult:
    """The ranking of one city and what it was computed from.

    Attributes
    ----------
    name : str
    ranking : pandas.DataFrame
        One row per ranked site (see :func:`siting.rank.score_sites`) plus a ``city`` column.
    candidates : geopandas.GeoDataFrame
        Ranked sites with their geometry and ranking columns, in the network CRS.
    stores, population, rents : geopandas.GeoDataFrame or None
        Layers in the network CRS.
    lanes : geopandas.GeoDataFrame
        Road routes from the top site(s) to their stores.
    excluded : pandas.DataFrame
        Sites and stores left out, with the reason.
    graph : networkx.MultiDiGraph
    store_time_s : numpy.ndarray
        Ranked-site x store travel times, rows in ``candidates`` order.
    timings_s : dict
    """

    name: str
    ranking: pd.DataFrame
    candidates: gpd.GeoDataFrame
    stores: gpd.GeoDataFrame
    population: gpd.GeoDataFrame | None
    rents: gpd.GeoDataFrame | None
    lanes: gpd.GeoDataFrame
    excluded: pd.DataFrame
    graph: nx.MultiDiGraph
    store_time_s: np.ndarray
    currency: str
    attribution: str
    timings_s: dict[str, float]


@dataclass(frozen=True)
class RunResult:
    """All cities of one run.

    Attributes
    ----------
    cities : dict
        City name -> :class:`CityResult`.
    options : RankOptions
    """

    cities: dict[str, CityResult]
    options: RankOptions

    @property
    def ranking(self) -> pd.DataFrame:
        """All cities' rankings stacked (``city`` column first)."""
        return pd.concat([c.ranking for c in self.cities.values()], ignore_index=True)


def city_from_demo(name: str = "helsinki") -> CityInputs:
    """The inputs of an embedded demo city.

    Parameters
    ----------
    name : {"helsinki", "kotka"}

    Returns
    -------
    CityInputs
    """
    from siting.demo import demo_city

    demo = demo_city(name)
    return CityInputs(
        name=demo.name,
        stores=demo.stores,
        candidates=demo.candidates,
        population=demo.population,
        rents=demo.rents,
        network_source=demo.osm_path,
        currency=demo.currency,
        attribution=demo.attribution,
    )


def _excluded(kind: str, ids: Sequence[str], reason: str) -> pd.DataFrame:
    return pd.DataFrame({"layer": kind, "id": list(ids), "reason": reason})


def _snap_layer(G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame, kind: str, id_col: str, max_m: float):
    from siting.od import snap

    snapped = snap(G, gdf, max_distance_m=max_m)
    kept = gdf.loc[snapped.index].copy()
    kept["node"] = snapped["node"].to_numpy()
    kept["snap_distance_m"] = snapped["snap_distance_m"].to_numpy()
    dropped = gdf.index.difference(snapped.index)
    reason = f"more than {max_m:g} m from the {kind} road network"
    return kept.reset_index(drop=True), _excluded(id_col, gdf.loc[dropped, id_col].astype(str), reason)


def rank_city(city: CityInputs, options: RankOptions | None = None, *, graph: nx.MultiDiGraph | None = None) -> CityResult:
    """Rank the candidate sites of one city.

    Parameters
    ----------
    city : CityInputs
    options : RankOptions, optional
    graph : networkx.MultiDiGraph, optional
        A network already built for this city (skips :func:`siting.network.build_network`).

    Returns
    -------
    CityResult
    """
    from siting.network import build_network
    from siting.od import od_matrix, route_lines

    options = options or RankOptions()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    G = graph if graph is not None else (
        city.network_source if isinstance(city.network_source, nx.MultiDiGraph)
        else build_network(city.network_source, mode=options.mode)
    )
    timings["network_s"] = time.perf_counter() - t0
    crs = G.graph["crs"]
    stores = city.stores.to_crs(crs)
    candidates = assign_rents(city.candidates.to_crs(crs), None if city.rents is None else city.rents.to_crs(crs))
    population = None if city.population is None else city.population.to_crs(crs)
    rents = None if city.rents is None else city.rents.to_crs(crs)

    small = candidates["floor_area_m2"] < options.required_floor_area_m2
    excluded = [
        _excluded(
            "site_id",
            candidates.loc[small, "site_id"],
            f"floor area below the required {options.required_floor_area_m2:g} m2",
        )
    ]
    candidates = candidates.loc[~small]
    if candidates.empty:
        raise InputError(
            f"{city.name}: no candidate site has the required floor area of {options.required_floor_area_m2:g} m2; "
            "lower required_floor_area_m2 or add larger sites."
        )
    t0 = time.perf_counter()
    candidates, dropped = _snap_layer(G, candidates, options.mode, "site_id", options.max_snap_distance_m)
    excluded.append(dropped)
    stores, dropped = _snap_layer(G, stores, options.mode, "store_id", options.max_snap_distance_m)
    excluded.append(dropped)
    if candidates.empty or stores.empty:
        raise InputError(
            f"{city.name}: no {'candidate site' if candidates.empty else 'store'} lies within "
            f"{options.max_snap_distance_m:g} m of the road network; check that the layers and the network cover the same area."
        )
    zone_time = None
    if population is not None:
        population, dropped = _snap_layer(G, population, options.mode, "zone_id", options.max_snap_distance_m)
        excluded.append(dropped)
    timings["snap_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    site_nodes = candidates["node"].to_numpy()
    store_time = od_matrix(G, site_nodes, stores["node"].to_numpy(), weight="travel_time")
    if population is not None and len(population):
        zone_time = od_matrix(
            G, site_nodes, population["node"].to_numpy(), weight="travel_time", cutoff=options.reach_time_s
        )
    timings["od_s"] = time.perf_counter() - t0

    raw = site_criteria(
        candidates["site_id"],
        store_time,
        stores["demand_units_per_week"].to_numpy(),
        rent_per_m2_yr=candidates["rent_per_m2_yr"].to_numpy(),
        required_floor_area_m2=options.required_floor_area_m2,
        zone_time_s=zone_time,
        population=None if population is None else population["population"].to_numpy(),
        reach_time_s=options.reach_time_s,
    )
    ranking = score_sites(raw, options.weights, method=options.normalisation)
    extra = raw.drop(columns=[c for c in ranking.columns if c in raw.columns and c != "site_id"])
    ranking = ranking.merge(extra, on="site_id", how="left")
    ranking.insert(0, "city", city.name)
    ranked = candidates.merge(ranking.drop(columns=["city"]), on="site_id").sort_values("rank")
    order = ranked.index.to_numpy()
    ranked = ranked.reset_index(drop=True)

    t0 = time.perf_counter()
    lanes = _top_lanes(G, ranked, stores, store_time[order], options.lanes_for_top, route_lines)
    timings["lanes_s"] = time.perf_counter() - t0
    return CityResult(
        name=city.name,
        ranking=ranking,
        candidates=ranked,
        stores=stores,
        population=population,
        rents=rents,
        lanes=lanes,
        excluded=pd.concat(excluded, ignore_index=True),
        graph=G,
        store_time_s=store_time[order],
        currency=city.currency,
        attribution=city.attribution,
        timings_s=timings,
    )


def _top_lanes(G, ranked, stores, store_time, top, route_lines) -> gpd.GeoDataFrame:
    """Road routes from each of the ``top`` sites to every store it reaches."""
    rows, pairs = [], []
    for i in range(min(top, len(ranked))):
        site = ranked.iloc[i]
        for j, store in enumerate(stores.itertuples(index=False)):
            if np.isfinite(store_time[i, j]):
                pairs.append((int(site["node"]), int(store.node)))
                rows.append(
                    {
                        "site_id": site["site_id"],
                        "store_id": store.store_id,
                        "time_s": float(store_time[i, j]),
                        "demand_units_per_week": float(store.demand_units_per_week),
                    }
                )
    lines = route_lines(G, pairs, weight="travel_time") if pairs else []
    lanes = gpd.GeoDataFrame(rows, geometry=list(lines), crs=G.graph["crs"]) if rows else gpd.GeoDataFrame(
        {"site_id": [], "store_id": [], "time_s": []}, geometry=[], crs=G.graph["crs"]
    )
    lanes["length_m"] = lanes.geometry.length
    return lanes


def run(cities: Sequence[CityInputs], options: RankOptions | None = None) -> RunResult:
    """Rank the candidate sites of one or several cities.

    Parameters
    ----------
    cities : sequence of CityInputs
        City names must be unique.
    options : RankOptions, optional

    Returns
    -------
    RunResult
    """
    names = [c.name for c in cities]
    if len(set(names)) != len(names):
        raise InputError(f"city names must be unique in one run; got {names}.")
    options = options or RankOptions()
    results = {}
    for city in cities:
        t0 = time.perf_counter()
        results[city.name] = rank_city(city, options)
        log.info("%s: ranked %d sites in %.1f s", city.name, len(results[city.name].ranking), time.perf_counter() - t0)
    return RunResult(cities=results, options=options)

