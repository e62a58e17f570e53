"""The one place where stages are chained: layers -> network -> OD -> criteria -> filters -> rank -> lanes -> locate."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting._errors import InputError
from siting.clusters import plan_summary, stack_layers
from siting.criteria import lane_criteria, landed_cost_criteria, site_criteria
from siting.filters import SiteFilters, attribute_filters, criteria_filters, excluded_rows, filter_report
from siting.lanes import LaneParams, lane_totals
from siting.layers import assign_rents
from siting.progress import report
from siting.rank import CRITERIA, DEFAULT_WEIGHTS, normalise_weights, score_sites
from siting.results import CityResult, PlanResult, RunResult
from siting.robustness import RobustnessOptions, robustness_summary, sensitivity_table

__all__ = [
    "CityInputs",
    "RankOptions",
    "SiteFilters",
    "RobustnessOptions",
    "LaneParams",
    "CityResult",
    "RunResult",
    "PlanResult",
    "city_from_demo",
    "rank_city",
    "run",
    "plan",
]

log = logging.getLogger("siting")


@dataclass(frozen=True)
class RankOptions:
    """Options of a ranking run (defaults are right for a city-centre microfactory).

    Attributes
    ----------
    weights : mapping
        Criterion -> weight (see :data:`siting.rank.CRITERIA`); scaled to sum to 1 with a logged
        message if they do not. Criteria left out are computed and shown with weight 0. A weighted
        criterion a city cannot compute (population without a population layer, landed cost
        without product families) is dropped for that city with a warning.
    reach_time_s : float
        Reach time for ``population_reachable`` and ``stores_within_reach`` (default 10 minutes).
    sla_time_s : float
        Service time for ``stores_within_sla`` (default 20 minutes: e.g. same-day replacements).
    required_floor_area_m2 : float
        Floor area the microfactory needs: smaller sites are filtered out, rent is priced on it,
        ``floor_area_fit_ratio`` compares it with each site's floor area.
    max_snap_distance_m : float
        Sites or stores farther than this from the road network are left out (reported).
    mode : str
        Network mode for delivery ("drive" for vans).
    normalisation : {"minmax", "rank"}
        ``minmax``: (x - worst) / (best - worst); ``rank``: average rank scaled to 0..1 (robust
        to outliers). See :func:`siting.rank.normalise`.
    lanes_for_top : int
        Build delivery lanes (road routes with trips, km, CO2e, cost) for this many top sites.
    lane_pattern : {"direct", "tour"}
        Pattern of the output lanes: out-and-back per store, or multi-stop tours (OR-Tools; slower).
        The ``co2e_wtw_kg_per_week`` criterion always prices out-and-back lanes for every site.
    lane_params : siting.lanes.LaneParams
        Vehicle, unit weight and volume, load factor, drops per week, tour limits.
    vehicles : mapping, optional
        Vehicle table to look ``lane_params.vehicle`` up in (default the built-in
        :data:`siting.emissions.VEHICLES`; :func:`siting.emissions.load_vehicles` adds a user's file).
    filters : SiteFilters
        Hard limits applied before scoring (rent, excluded zones, delivery time, ...).
    robustness : RobustnessOptions
        Monte Carlo over the weights and the robustness thresholds.
    products : tuple of siting.costs.ProductFamily
        Product families each site would make; when given, ``landed_cost_per_unit`` and
        ``saving_vs_offshore`` are computed (see :func:`siting.costs.load_products`).
    setup_cost : float
        One-off set-up cost per site for the landed cost (amortised over the default years).
    break_even : bool
        Also solve each site's break-even volume (``break_even_units_per_yr``; ~10 ms per site).
    isochrones_for_top : int
        Reach-time isochrone polygons for this many top sites (for the map; 0 = none).
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    reach_time_s: float = 600.0
    sla_time_s: float = 1200.0
    required_floor_area_m2: float = 500.0
    max_snap_distance_m: float = 500.0
    mode: str = "drive"
    normalisation: str = "minmax"
    lanes_for_top: int = 1
    lane_pattern: str = "direct"
    lane_params: LaneParams = field(default_factory=LaneParams)
    vehicles: Mapping[str, Any] | None = None
    filters: SiteFilters = field(default_factory=SiteFilters)
    robustness: RobustnessOptions = field(default_factory=RobustnessOptions)
    products: tuple[Any, ...] = ()
    setup_cost: float = 0.0
    break_even: bool = False
    isochrones_for_top: int = 1

    def __post_init__(self) -> None:
        if self.lane_pattern not in ("direct", "tour"):
            raise InputError(f"lane_pattern must be 'direct' or 'tour', got {self.lane_pattern!r}.")
        if self.normalisation not in ("minmax", "rank"):
            raise InputError(f"normalisation must be 'minmax' or 'rank', got {self.normalisation!r}.")
        for name in ("reach_time_s", "sla_time_s", "required_floor_area_m2", "max_snap_distance_m", "setup_cost"):
            value = getattr(self, name)
            try:
                ok = float(value) >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise InputError(f"{name} must be a number >= 0, got {value!r}.")
        for name in ("lanes_for_top", "isochrones_for_top"):
            if not isinstance(getattr(self, name), (int, np.integer)) or getattr(self, name) < 0:
                raise InputError(f"{name} must be a whole number >= 0, got {getattr(self, name)!r}.")
        object.__setattr__(self, "products", tuple(self.products))


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
    mode : str, optional
        This city's network mode ("drive", "bike", "walk"); None uses ``RankOptions.mode``.
    """

    name: str
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    network_source: Any
    population: gpd.GeoDataFrame | None = None
    rents: gpd.GeoDataFrame | None = None
    mode: str | None = None
    currency: str = "EUR"
    attribution: str = "© OpenStreetMap contributors (ODbL)"


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


def _snap_layer(G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame, kind: str, id_col: str, max_m: float):
    from siting.od import snap

    snapped = snap(G, gdf, max_distance_m=max_m)
    kept = gdf.loc[snapped.index].copy()
    kept["node"] = snapped["node"].to_numpy()
    kept["snap_distance_m"] = snapped["snap_distance_m"].to_numpy()
    dropped = gdf.index.difference(snapped.index)
    reason = f"more than {max_m:g} m from the {kind} road network"
    return kept.reset_index(drop=True), excluded_rows(id_col, gdf.loc[dropped, id_col], "max_snap_distance_m", reason)


def _graph(city: CityInputs, options: RankOptions, graph: nx.MultiDiGraph | None) -> nx.MultiDiGraph:
    from siting.network import build_network

    if graph is not None:
        return graph
    if isinstance(city.network_source, nx.MultiDiGraph):
        return city.network_source
    return build_network(city.network_source, mode=city.mode or options.mode)


def _raw_criteria(candidates, stores, population, store_time, store_length, zone_time, options) -> pd.DataFrame:
    """Every criterion of every site (raw values), one row per site in ``candidates`` order."""
    raw = site_criteria(
        candidates["site_id"],
        store_time,
        stores["demand_units_per_week"].to_numpy(),
        rent_per_m2_yr=candidates["rent_per_m2_yr"].to_numpy(),
        required_floor_area_m2=options.required_floor_area_m2,
        zone_time_s=zone_time,
        population=None if population is None else population["population"].to_numpy(),
        reach_time_s=options.reach_time_s,
        sla_time_s=options.sla_time_s,
        floor_area_m2=candidates["floor_area_m2"].to_numpy(),
    )
    lanes = lane_criteria(
        raw["site_id"], stores["store_id"].astype(str).tolist(), store_time, store_length,
        stores["demand_units_per_week"].to_numpy(), params=options.lane_params, vehicles=options.vehicles,
    )
    raw = raw.merge(lanes, on="site_id", how="left")
    if options.products:
        costs = landed_cost_criteria(
            raw["site_id"], candidates["rent_per_m2_yr"].to_numpy(), raw["lane_cost_per_week"].to_numpy(),
            options.products, required_floor_area_m2=options.required_floor_area_m2,
            setup_cost=options.setup_cost, with_break_even=options.break_even,
        )
        if not options.break_even:
            costs = costs.drop(columns="break_even_units_per_yr")
        raw = raw.merge(costs, on="site_id", how="left")
    return raw


def city_weights(weights: Mapping[str, float], raw: pd.DataFrame, city: str = "") -> dict[str, float]:
    """The weights used in one city: the given ones where computable, 0 for shown-only criteria.

    Parameters
    ----------
    weights : mapping
        Criterion -> weight (any positive scale).
    raw : DataFrame
        The city's raw criteria.
    city : str
        For messages.

    Returns
    -------
    dict
        Every criterion of :data:`siting.rank.CRITERIA` present in ``raw`` with at least one value,
        with its weight (the given ones normalised to sum to 1).
    """
    w = normalise_weights(weights)
    available = [c for c in CRITERIA if c in raw.columns and raw[c].notna().any()]
    dropped = [c for c, v in w.items() if v > 0 and c not in available]
    if dropped:
        log.warning("%s: criterion %s cannot be computed here (no data) and is left out of the weights",
                    city or "city", ", ".join(dropped))
    kept = {c: v for c, v in w.items() if c in available and v > 0}
    if not kept:
        raise InputError(f"{city}: none of the weighted criteria ({', '.join(w)}) can be computed; "
                         "give a population layer / product families or weight another criterion.")
    total = sum(kept.values())
    return {c: (kept.get(c, 0.0) / total) for c in available}


def rank_city(city: CityInputs, options: RankOptions | None = None, *, graph: nx.MultiDiGraph | None = None) -> CityResult:
    """Rank the candidate sites of one city.

    Steps: network -> layers in its CRS -> attribute filters (floor area, rent, excluded zones) ->
    snapping -> OD matrices -> criteria (delivery time, reach, SLA stores, lane CO2e, rent,
    landed cost, floor-area fit) -> criteria filters -> scores -> robustness -> lanes and
    isochrones of the top sites.

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
    from siting.od import od_matrix, od_time_length

    options = options or RankOptions()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    G = _graph(city, options, graph)
    timings["network_s"] = time.perf_counter() - t0
    mode = city.mode or options.mode
    crs = G.graph["crs"]
    stores = city.stores.to_crs(crs)
    candidates = assign_rents(city.candidates.to_crs(crs), None if city.rents is None else city.rents.to_crs(crs))
    population = None if city.population is None else city.population.to_crs(crs)
    rents = None if city.rents is None else city.rents.to_crs(crs)

    candidates, removed = attribute_filters(candidates, options.filters,
                                            required_floor_area_m2=options.required_floor_area_m2)
    excluded = [removed]
    _need_sites(candidates, excluded, city.name)
    t0 = time.perf_counter()
    candidates, dropped = _snap_layer(G, candidates, mode, "site_id", options.max_snap_distance_m)
    excluded.append(dropped)
    stores, dropped = _snap_layer(G, stores, mode, "store_id", options.max_snap_distance_m)
    excluded.append(dropped)
    if stores.empty:
        raise InputError(
            f"{city.name}: no store lies within {options.max_snap_distance_m:g} m of the road network; "
            "check that the layers and the network cover the same area."
        )
    _need_sites(candidates, excluded, city.name)
    if population is not None:
        population, dropped = _snap_layer(G, population, mode, "zone_id", options.max_snap_distance_m)
        excluded.append(dropped)
    timings["snap_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    site_nodes = candidates["node"].to_numpy()
    store_time, store_length = od_time_length(G, site_nodes, stores["node"].to_numpy())
    zone_time = None
    if population is not None and len(population):
        zone_time = od_matrix(G, site_nodes, population["node"].to_numpy(), weight="travel_time",
                              cutoff=options.reach_time_s)
    timings["od_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    raw = _raw_criteria(candidates, stores, population, store_time, store_length, zone_time, options)
    keep, removed = criteria_filters(raw, options.filters)
    excluded.append(removed)
    candidates, raw = candidates.loc[keep].reset_index(drop=True), raw.loc[keep].reset_index(drop=True)
    store_time = store_time[keep]
    _need_sites(candidates, excluded, city.name)
    weights = city_weights(options.weights, raw, city.name)
    ranking = score_sites(raw, weights, method=options.normalisation)
    extra = raw.drop(columns=[c for c in ranking.columns if c in raw.columns and c != "site_id"])
    ranking = ranking.merge(extra, on="site_id", how="left")
    timings["criteria_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    sensitivity = sensitivity_table(ranking, {c: v for c, v in weights.items() if v > 0}, options.robustness)
    robust_cols = ["p_first", "p_top_k", "robust", "narrow_win"]
    ranking = ranking.merge(sensitivity[["site_id", *robust_cols]], on="site_id", how="left")
    ranking.insert(0, "city", city.name)
    sensitivity.insert(0, "city", city.name)
    robustness = robustness_summary(sensitivity, options.robustness)
    timings["robustness_s"] = time.perf_counter() - t0

    ranked = candidates.merge(ranking.drop(columns=["city"]), on="site_id").sort_values("rank", kind="stable")
    order = ranked.index.to_numpy()
    ranked = ranked.reset_index(drop=True)
    store_time = store_time[order]

    t0 = time.perf_counter()
    top = ranked.head(max(int(options.lanes_for_top), 0))
    lanes = _site_lanes(G, top, stores, options, city.name)
    totals = _totals(lanes, city.name)
    timings["lanes_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    iso = _isochrones(G, ranked.head(max(int(options.isochrones_for_top), 0)), options.reach_time_s)
    timings["isochrones_s"] = time.perf_counter() - t0
    excluded_all = pd.concat(excluded, ignore_index=True)
    return CityResult(
        name=city.name,
        ranking=ranking,
        candidates=ranked,
        stores=stores,
        population=population,
        rents=rents,
        lanes=lanes,
        excluded=excluded_all,
        graph=G,
        store_time_s=store_time,
        currency=city.currency,
        attribution=city.attribution,
        timings_s=timings,
        lane_totals=totals,
        sensitivity=sensitivity,
        robustness=robustness,
        weights=weights,
        isochrones=iso,
        filter_report=filter_report(excluded_all),
    )


def _need_sites(candidates: pd.DataFrame, excluded: list[pd.DataFrame], city: str) -> None:
    if len(candidates):
        return
    report = filter_report(pd.concat(excluded, ignore_index=True))
    report = report[report["layer"] == "site_id"]
    detail = "; ".join(f"{r.filter}: {r.removed} ({r.reason})" for r in report.itertuples()) or "no candidates given"
    raise InputError(f"{city}: every candidate site was filtered out ({detail}); relax the filters or add sites.")


def _site_lanes(G, sites: gpd.GeoDataFrame, stores: gpd.GeoDataFrame, options: RankOptions, city: str,
                allocation: Mapping[str, str] | None = None) -> gpd.GeoDataFrame:
    """Lanes of each site serving every store (``allocation`` None) or of an allocation store -> site."""
    from siting.lanes import LANE_COLUMNS, direct_lanes, tour_lanes

    def build(site_rows, alloc):
        if options.lane_pattern == "tour":
            return tour_lanes(G, site_rows, stores, alloc, params=options.lane_params, vehicles=options.vehicles)[0]
        return direct_lanes(G, site_rows, stores, alloc, params=options.lane_params, vehicles=options.vehicles)

    frames = []
    if allocation is not None:
        if len(sites):
            frames.append(build(sites, allocation))
    else:
        for i in range(len(sites)):
            sid = str(sites["site_id"].iloc[i])
            df = build(sites.iloc[[i]], {s: sid for s in stores["store_id"].astype(str)})
            df.insert(len(LANE_COLUMNS), "site_rank", int(sites["rank"].iloc[i]) if "rank" in sites else i + 1)
            frames.append(df)
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in ["city", *LANE_COLUMNS]}, geometry=[], crs=G.graph["crs"])
    lanes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=G.graph["crs"])
    lanes.insert(0, "city", city)
    return lanes


def _totals(lanes: gpd.GeoDataFrame, city: str, *, basis: str = "top site") -> pd.DataFrame:
    """Per lane-site totals plus the city row for the recommended configuration."""
    from siting.lanes import TOTAL_COLUMNS

    if lanes.empty:
        return pd.DataFrame(columns=[*TOTAL_COLUMNS, "basis"])
    per_site = lane_totals(lanes, city=city)
    per_site = per_site[per_site["site_id"] != "ALL"].assign(basis="site")
    recommended = lanes if "site_rank" not in lanes.columns else lanes[lanes["site_rank"] == lanes["site_rank"].min()]
    city_row = lane_totals(recommended, city=city).iloc[[-1]].assign(basis=basis)
    return pd.concat([per_site, city_row], ignore_index=True)


def _isochrones(G, sites: gpd.GeoDataFrame, reach_time_s: float) -> gpd.GeoDataFrame | None:
    if sites.empty:
        return None
    from siting.od import isochrones

    iso = isochrones(G, sites["node"].to_numpy(), reach_time_s)
    iso.insert(0, "site_id", sites["site_id"].astype(str).to_numpy())
    return iso


def _overall(results: dict[str, CityResult], options: RankOptions) -> dict[str, CityResult]:
    """Add ``rank_overall`` / ``score_overall``: one ranking of every site of every city (pooled normalisation)."""
    if not results:
        return results
    common = [c for c in CRITERIA if all(c in res.weights for res in results.values())]
    pooled = pd.concat([res.ranking[["site_id", *common]].assign(city=name) for name, res in results.items()],
                       ignore_index=True)
    w = {c: float(options.weights.get(c, 0.0)) for c in common}
    if not any(v > 0 for v in w.values()):
        w = {c: 1.0 for c in common}
    key = pooled["city"].astype(str) + "\x1f" + pooled["site_id"].astype(str)
    table = pd.DataFrame({"site_id": key, **{c: pooled[c].to_numpy() for c in common}})
    scored = score_sites(table, w, method=options.normalisation)[["site_id", "rank", "score"]]
    scored = scored.rename(columns={"site_id": "key", "rank": "rank_overall", "score": "score_overall"})
    out = {}
    for name, res in results.items():
        keys = name + "\x1f" + res.ranking["site_id"].astype(str)
        extra = scored.set_index("key").loc[keys.to_numpy()].reset_index(drop=True)
        ranking = res.ranking.copy()
        ranking["rank_overall"] = extra["rank_overall"].to_numpy()
        ranking["score_overall"] = extra["score_overall"].to_numpy()
        cands = res.candidates.merge(ranking[["site_id", "rank_overall", "score_overall"]], on="site_id", how="left")
        out[name] = dataclasses.replace(res, ranking=ranking, candidates=cands)
    return out


def run(
    cities: Sequence[CityInputs],
    options: RankOptions | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> RunResult:
    """Rank the candidate sites of one or several cities, each with its own network and layers.

    Each city is ranked on its own (``rank``, ``score``, robustness); ``rank_overall`` and
    ``score_overall`` then rank every site of every city together, normalising each criterion
    over all cities (criteria every city has).

    Parameters
    ----------
    cities : sequence of CityInputs
        City names must be unique.
    options : RankOptions, optional
    progress : callable, optional
        ``progress("rank cities", done, total)`` after each city (see :mod:`siting.progress`).

    Returns
    -------
    RunResult
    """
    names = [c.name for c in cities]
    if not names:
        raise InputError("run needs at least one city.")
    if len(set(names)) != len(names):
        raise InputError(f"city names must be unique in one run; got {names}.")
    options = options or RankOptions()
    options = dataclasses.replace(options, weights=normalise_weights(options.weights))  # logs once if rescaled
    results = {}
    report(progress, "rank cities", 0, len(cities))
    for i, city in enumerate(cities):
        t0 = time.perf_counter()
        results[city.name] = rank_city(city, options)
        log.info("%s: ranked %d sites in %.1f s", city.name, len(results[city.name].ranking), time.perf_counter() - t0)
        report(progress, "rank cities", i + 1, len(cities))
    return RunResult(cities=_overall(results, options), options=options)


# ----------------------------------------------------------------------------- best k-site sets


def plan(
    cities: Sequence[CityInputs] | RunResult,
    k: int | Mapping[str, int],
    options: RankOptions | None = None,
    *,
    method: str = "auto",
    time_limit_s: float | None = None,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> PlanResult:
    """Choose the best k sites per city: p-median on the demand-weighted drive times.

    Each city is ranked first (:func:`run`, so filters apply), then
    :func:`siting.locate.p_median` opens ``k`` of the remaining sites minimising the total
    demand x drive time to the stores, each store served by its nearest open site; the lanes of
    that allocation are built with :mod:`siting.lanes`.

    Parameters
    ----------
    cities : sequence of CityInputs, or a RunResult
        A finished run is reused (no re-ranking).
    k : int or mapping city -> int
        Sites to open per city (capped at the number of ranked sites, with a warning); a city
        missing from the mapping (or mapped to None) gets 1.
    options : RankOptions, optional
        Used when ranking; ignored when ``cities`` is a RunResult.
    method, time_limit_s, seed
        Passed to :func:`siting.locate.p_median` (``"auto"``: exact when it will finish, else
        heuristic with a proven bound).
    progress : callable, optional
        ``progress("solve", done, total)`` after each city; passed on to :func:`run`.

    Returns
    -------
    PlanResult
    """
    from siting.locate import locate

    result = cities if isinstance(cities, RunResult) else run(cities, options, progress=progress)
    opts = result.options
    ks, sites, lines, lanes, totals, solutions = {}, [], [], [], [], {}
    report(progress, "solve", 0, len(result.cities))
    for i, (name, city) in enumerate(result.cities.items()):
        want = (1 if k.get(name) is None else int(k[name])) if isinstance(k, Mapping) else int(k)
        if want < 1:
            raise InputError(f"{name}: k must be at least 1, got {want}.")
        n = len(city.candidates)
        if want > n:
            log.warning("%s: k=%d but only %d sites are left after filtering; opening %d", name, want, n, n)
        ks[name] = min(want, n)
        cand = city.candidates.drop(columns=["node"])
        loc = locate(city.stores, cand, city.store_time_s.T, model="p_median", p=ks[name], method=method,
                     time_limit_s=time_limit_s, seed=seed)
        solutions[name] = loc.solution
        s, ln = loc.sites.copy(), loc.lines.copy()
        s.insert(0, "city", name)
        ln.insert(0, "city", name)
        sites.append(s)
        lines.append(ln)
        alloc = dict(zip(ln["store_id"].astype(str), ln["site_id"].astype(str)))
        chosen = city.candidates[city.candidates["site_id"].isin(s["site_id"])]
        city_lanes = _site_lanes(city.graph, chosen, city.stores, opts, name, allocation=alloc)
        lanes.append(city_lanes)
        totals.append(_totals(city_lanes, name, basis="chosen set"))
        report(progress, "solve", i + 1, len(result.cities))
    plan_sites = stack_layers(sites)
    plan_lanes = stack_layers(lanes)
    plan_totals = pd.concat(totals, ignore_index=True)
    return PlanResult(
        k=ks,
        sites=plan_sites,
        lines=stack_layers(lines),
        lanes=plan_lanes,
        lane_totals=plan_totals,
        solutions=solutions,
        summary=plan_summary(result, plan_sites, plan_totals, solutions),
        run=result,
    )
