"""Ranking one city: network -> snapping -> OD -> criteria -> filters -> scores -> robustness -> lanes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting.delivery.lanes import DirectOD
from siting.errors import InputError
from siting.forked import Background
from siting.inputs.layers import assign_rents
from siting.pipeline.business_case import city_mix, distribution_point, site_business_case, top_site_business_case
from siting.pipeline.network_stage import city_graph, edge_snaps, snap_layer
from siting.pipeline.options import CityInputs, RankOptions
from siting.pipeline.portfolio import city_portfolio, portfolio_columns
from siting.pipeline.results import CityResult
from siting.pipeline.site_lanes import site_lanes_and_tours, totals_with_basis
from siting.ranking.criteria import lane_criteria, site_criteria
from siting.ranking.filters import attribute_filters, criteria_filters, filter_report
from siting.ranking.robustness import robustness_summary, sensitivity_table
from siting.ranking.scoring import CRITERIA, DEFAULT_WEIGHTS, JOIN_WHEN_PRESENT, normalise_weights, score_sites

log = logging.getLogger("siting")


def _vehicle_for_mode(options: RankOptions, mode: str, city: str) -> RankOptions:
    """The options with the lane vehicle the network mode allows (the default van follows the mode)."""
    import dataclasses

    from siting.delivery.modes import vehicle_for_mode

    vid = vehicle_for_mode(options.lanes.lane_params.vehicle, mode, options.lanes.vehicles, where=city)
    if vid == options.lanes.lane_params.vehicle:
        return options
    lanes = dataclasses.replace(options.lanes, lane_params=dataclasses.replace(options.lanes.lane_params, vehicle=vid))
    return dataclasses.replace(options, lanes=lanes)


def _raw_criteria(
    candidates, stores, population, store_time, store_length, zone_time, options, legs, business=None
) -> pd.DataFrame:
    """Every criterion of every site (raw values), one row per site in ``candidates`` order.

    ``legs`` holds the return legs (``back_time_s``, ``back_length_m``) and, for tours, the
    store-to-store lengths (``store_length_m``) the lane criteria price. ``business`` is
    ``(city, mix, distribution point)`` when the business case is priced.
    """
    raw = site_criteria(
        candidates["site_id"],
        store_time,
        stores["demand_units_per_week"].to_numpy(),
        rent_per_m2_yr=candidates["rent_per_m2_yr"].to_numpy(),
        required_floor_area_m2=options.required_floor_area_m2,
        zone_time_s=zone_time,
        population=None if population is None else population["population"].to_numpy(),
        reach_time_s=options.reach.reach_time_s,
        sla_time_s=options.reach.sla_time_s,
        floor_area_m2=candidates["floor_area_m2"].to_numpy(),
    )
    lanes = lane_criteria(
        raw["site_id"],
        stores["store_id"].astype(str).tolist(),
        store_time,
        store_length,
        stores["demand_units_per_week"].to_numpy(),
        params=options.lanes.lane_params,
        vehicles=options.lanes.vehicles,
        pattern=options.lanes.lane_pattern,
        **legs,
    )
    raw = raw.merge(lanes, on="site_id", how="left")
    if business is not None:
        city, mix, dc = business
        costs = site_business_case(raw, candidates["rent_per_m2_yr"].to_numpy(), mix, dc, city, options)
        if not options.costs.break_even:
            costs = costs.drop(columns="break_even_units_per_yr")
        raw = raw.merge(costs, on="site_id", how="left")
    return raw


def _od_with_fares(G: nx.MultiDiGraph, candidates: Any, stores: Any, options: RankOptions) -> tuple[Any, ...]:
    """Sites -> stores and back (time, length), and each pair's ferry fares there and back (None without fares).

    A fare edge's start rides along as extra destinations of the two big OD calls, so fares cost
    two extra columns and a Dijkstra from each fare edge's end, not two more full OD matrices.
    """
    from siting.network.ferry_fares import fare_edges, fare_points, fares_on_paths
    from siting.network.od import od_matrix, od_time_length

    sites, shops = edge_snaps(candidates), edge_snaps(stores)
    fares = fare_edges(G, fare_per_vehicle=options.lanes.lane_params.ferry_fare_per_vehicle)
    if not fares:
        return (*od_time_length(G, sites, shops), *od_time_length(G, shops, sites), None)
    starts, ends = fare_points(G, fares)
    n_shops, n_sites = len(shops), len(sites)
    t, ln = od_time_length(G, sites, pd.concat([shops, starts], ignore_index=True))
    tb, lb = od_time_length(G, shops, pd.concat([sites, starts], ignore_index=True))
    from_end = od_matrix(G, ends, pd.concat([shops, sites], ignore_index=True))
    out_fare = fares_on_paths(G, t[:, :n_shops], t[:, n_shops:], from_end[:, :n_shops], fares)
    back_fare = fares_on_paths(G, tb[:, :n_sites], tb[:, n_sites:], from_end[:, n_shops:], fares)
    return t[:, :n_shops], ln[:, :n_shops], tb[:, :n_sites], lb[:, :n_sites], out_fare + back_fare.T


def _reprice(raw: pd.DataFrame, rent_per_m2_yr: np.ndarray, business: Any, options: RankOptions) -> pd.DataFrame:
    """``raw`` with the business-case criteria recomputed from its (new) lane criteria."""
    if business is None:
        return raw
    city, mix, dc = business
    costs = site_business_case(raw, rent_per_m2_yr, mix, dc, city, options).set_index("site_id")
    out = raw.copy()
    ids = out["site_id"]
    for col in costs.columns:
        if col in out.columns:
            out[col] = costs[col].reindex(ids).to_numpy()
    return out


#: Criteria that all contain the site's rent: weighting more than one counts rent more than once.
_RENT_GROUP = ("landed_cost_local_per_unit", "saving_vs_offshore_per_unit", "rent_per_yr")


def _rent_once(w: dict[str, float], available: list[str], city: str) -> dict[str, float]:
    """Merge the weights of the rent-carrying criteria into one (the first weighted of :data:`_RENT_GROUP`)."""
    weighted = [c for c in _RENT_GROUP if w.get(c, 0) > 0 and c in available]
    if len(weighted) < 2:
        return w
    keep, dropped = weighted[0], weighted[1:]
    log.warning(
        "%s: %s already contains the site's rent and set-up; the weight of %s is moved onto it so rent counts once",
        city or "city",
        keep,
        ", ".join(dropped),
    )
    out = dict(w)
    out[keep] = sum(w[c] for c in weighted)
    for c in dropped:
        out[c] = 0.0
    return out


def _explain_order(raw: pd.DataFrame, options: RankOptions) -> list[str]:
    """Site ids in the order of the score of the other weighted criteria (those computed; no messages)."""
    w = {
        c: v
        for c, v in normalise_weights(options.weights).items()
        if v > 0 and c not in JOIN_WHEN_PRESENT and c in raw.columns and raw[c].notna().any()
    }
    if not w:
        return sorted(raw["site_id"].astype(str))
    total = sum(w.values())  # scaled here, silently
    w = {c: v / total for c, v in w.items()}
    return [str(s) for s in score_sites(raw, w, method=options.normalisation)["site_id"]]


def _is_default(w: Mapping[str, float]) -> bool:
    """True when ``w`` (normalised) are :data:`siting.ranking.scoring.DEFAULT_WEIGHTS`."""
    d = normalise_weights(DEFAULT_WEIGHTS)
    return set(w) == set(d) and all(abs(w[c] - d[c]) <= 1e-9 for c in d)


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
        Every criterion of :data:`siting.ranking.scoring.CRITERIA` present in ``raw`` with at least one value,
        with its weight (the given ones normalised to sum to 1).
    """
    w = normalise_weights(weights)
    available = [c for c in CRITERIA if c in raw.columns and raw[c].notna().any()]
    w = _rent_once(w, available, city)
    dropped = [c for c, v in w.items() if v > 0 and c not in available]
    if _is_default(w):  # the default weights: the portfolio value joins only where it is computed
        quiet = [c for c in dropped if c in JOIN_WHEN_PRESENT]
        dropped = [c for c in dropped if c not in quiet]
        if quiet:
            log.info("%s: %s not computed here: left out of the default weights", city or "city", ", ".join(quiet))
    if dropped:
        log.warning(
            "%s: criterion %s cannot be computed here (no data) and is left out of the weights",
            city or "city",
            ", ".join(dropped),
        )
    kept = {c: v for c, v in w.items() if c in available and v > 0}
    if not kept:
        raise InputError(
            f"{city}: none of the weighted criteria ({', '.join(w)}) can be computed; "
            "give a population layer / product families or weight another criterion."
        )
    total = sum(kept.values())
    return {c: (kept.get(c, 0.0) / total) for c in available}


def rank_city(
    city: CityInputs,
    options: RankOptions | None = None,
    *,
    graph: nx.MultiDiGraph | None = None,
    while_waiting: Callable[[], object] | None = None,
) -> CityResult:
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
    while_waiting : callable, optional
        Called once (no arguments, result ignored) when the rest of the ranking is done and the
        isochrones may still be drawn on their thread: work for later stages that fills the wait
        (the CLI imports the map modules there). Must not change the result.

    Returns
    -------
    CityResult
    """
    from siting.network.od import od_matrix

    options = options or RankOptions()
    from siting.inputs.backrooms import backroom_ids, check_backrooms

    # back-room candidates (a ``store_id``) name a store of this city, once each (before the network)
    check_backrooms(backroom_ids(city.candidates), city.stores, f"{city.name}: candidates layer")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    G = city_graph(city, options, graph)
    timings["network_s"] = time.perf_counter() - t0
    mode = city.mode or options.reach.mode
    options = _vehicle_for_mode(options, mode, city.name)
    crs = G.graph["crs"]
    stores = city.stores.to_crs(crs)
    candidates = assign_rents(city.candidates.to_crs(crs), None if city.rents is None else city.rents.to_crs(crs))
    population = None if city.population is None else city.population.to_crs(crs)
    rents = None if city.rents is None else city.rents.to_crs(crs)

    candidates, removed = attribute_filters(
        candidates, options.filters, required_floor_area_m2=options.required_floor_area_m2
    )
    excluded = [removed]
    _need_sites(candidates, excluded, city.name)
    t0 = time.perf_counter()
    candidates, dropped = snap_layer(G, candidates, mode, "site_id", options.reach.max_snap_distance_m)
    excluded.append(dropped)
    stores, dropped = snap_layer(G, stores, mode, "store_id", options.reach.max_snap_distance_m)
    excluded.append(dropped)
    if stores.empty:
        raise InputError(
            f"{city.name}: no store lies within {options.reach.max_snap_distance_m:g} m of the road network; "
            + _area_hint(city.stores, G, options.reach.max_snap_distance_m)
        )
    _need_sites(candidates, excluded, city.name)
    if population is not None:
        population, dropped = snap_layer(G, population, mode, "zone_id", options.reach.max_snap_distance_m)
        excluded.append(dropped)
    _log_components(G, city, options.reach.max_snap_distance_m, excluded)
    timings["snap_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    store_time, store_length, back_time, back_length, fare = _od_with_fares(G, candidates, stores, options)
    legs = {"back_time_s": back_time, "back_length_m": back_length}
    if fare is not None:
        legs["ferry_fare"] = fare
    if options.lanes.lane_pattern == "tour":
        from siting.delivery.approx import store_lengths

        legs["store_length_m"] = store_lengths(G, edge_snaps(stores))
    zone_time = None
    if population is not None and len(population):
        zone_time = od_matrix(
            G, edge_snaps(candidates), edge_snaps(population), weight="travel_time", cutoff=options.reach.reach_time_s
        )
    timings["od_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    mix = city_mix(city, options, stores)
    dc = distribution_point(G, stores, options, city.name) if mix else None
    business = (city, mix, dc) if mix else None
    raw = _raw_criteria(candidates, stores, population, store_time, store_length, zone_time, options, legs, business)
    keep, removed = criteria_filters(raw, options.filters)
    excluded.append(removed)
    candidates, raw = candidates.loc[keep].reset_index(drop=True), raw.loc[keep].reset_index(drop=True)
    store_time = store_time[keep]
    kept = (store_length[keep], back_time[:, keep], back_length[:, keep], None if fare is None else fare[keep])
    _need_sites(candidates, excluded, city.name)
    design = None
    if business is not None and dc is not None and options.portfolio.enabled:
        t1 = time.perf_counter()
        design = city_portfolio(
            G=G,
            candidates=candidates,
            stores=stores,
            store_time_s=store_time,
            store_length_m=store_length[keep],
            back_time_s=back_time[:, keep],
            back_length_m=back_length[:, keep],
            rent_per_yr=raw["rent_per_yr"].to_numpy(dtype=float),
            mix=mix,
            dc_node=dc.node,
            options=options,
            explain_site_ids=_explain_order(raw, options),
        )
        raw = raw.merge(portfolio_columns(design, city.currency), on="site_id", how="left")
        timings["portfolio_s"] = time.perf_counter() - t1
    weights = city_weights(options.weights, raw, city.name)
    tours = None
    if options.lanes.lane_pattern == "tour" and max(options.lanes.tour_sample_sites, options.lanes.lanes_for_top) > 0:
        from siting.pipeline.tour_sample import sample_tours

        t1 = time.perf_counter()
        rents_kept = candidates["rent_per_m2_yr"].to_numpy()

        def reprice(r: pd.DataFrame) -> pd.DataFrame:
            return _reprice(r, rents_kept, business, options)

        raw, tours = sample_tours(G, candidates, stores, raw, weights, options, reprice, city.name)
        timings["tour_sample_s"] = time.perf_counter() - t1
    ranking = score_sites(raw, weights, method=options.normalisation)
    extra = raw.drop(columns=[c for c in ranking.columns if c in raw.columns and c != "site_id"])
    ranking = ranking.merge(extra, on="site_id", how="left")
    ranking = _flag_backrooms(ranking, candidates)
    timings["criteria_s"] = time.perf_counter() - t0

    # The isochrones (mostly GEOS work, which releases the GIL) are drawn on a thread from the moment
    # the top sites are known, while robustness, the business case and the lanes are worked out.
    # (While that thread runs, nothing forks worker processes: siting.forked; it ends with its job.)
    iso_n = max(int(options.reach.isochrones_for_top), 0)
    iso_rank = candidates.merge(ranking[["site_id", "rank"]], on="site_id").sort_values("rank", kind="stable")
    iso_sites = iso_rank.head(iso_n).drop(columns="rank").reset_index(drop=True)
    iso_job = Background("isochrones", _isochrones, G, iso_sites, options.reach.reach_time_s)
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
    travel = DirectOD(store_time, kept[0][order], kept[1][:, order], kept[2][:, order], _rows_of(kept[3], order))
    extra_out, lanes, totals = _top_site_outputs(
        G, ranked, stores, options, city.name, business, timings, tours, travel
    )
    if while_waiting is not None:
        while_waiting()
    iso, timings["isochrones_s"] = iso_job.result()
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
        design=design,
        tour_calibration={} if tours is None else tours.record,
        **extra_out,
    )


def _top_site_outputs(
    G: nx.MultiDiGraph,
    ranked: gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    options: RankOptions,
    city_name: str,
    business: Any,
    timings: dict[str, float],
    tours: Any = None,
    travel: DirectOD | None = None,
) -> tuple[dict[str, Any], Any, pd.DataFrame]:
    """The top site's business case (``business`` = (city, mix, distribution point) or None), the lanes of
    the top sites and their totals, timed into ``timings``; ``tours`` (a
    :class:`siting.pipeline.tour_sample.TourSample`) gives the tours already solved, ``travel`` the
    OD stage's travel of the ranked sites (rows in rank order), which direct lanes price as it is."""
    t0 = time.perf_counter()
    extra_out: dict[str, Any] = {}
    if business is not None and len(ranked):
        _, mix, dc = business
        fams, front, curves = top_site_business_case(ranked.iloc[0], mix, dc, city_name, options)
        extra_out = {"families": fams, "frontier": front, "frontier_curves": curves, "distribution_point": vars(dc)}
    timings["business_case_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    top = ranked.head(max(int(options.lanes.lanes_for_top), 0))
    lanes, tour_layer = site_lanes_and_tours(
        G,
        top,
        stores,
        options,
        city_name,
        cached_lanes=None if tours is None else tours.lanes,
        cached_plans=None if tours is None else tours.plans,
        direct_od=None if travel is None else _site_travel(travel, top["site_id"].astype(str).tolist()),
    )
    if tour_layer is not None:
        extra_out["tours"] = tour_layer
    totals = totals_with_basis(lanes, city_name)
    if tours is not None:
        from siting.pipeline.tour_sample import tour_status_columns

        totals = tour_status_columns(totals, tours.plans)
    timings["lanes_s"] = time.perf_counter() - t0
    return extra_out, lanes, totals


def _rows_of(a: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    """``a[rows]``, or None."""
    return None if a is None else a[rows]


def _site_travel(travel: DirectOD, site_ids: list[str]) -> dict[str, DirectOD]:
    """Each of the first ``len(site_ids)`` ranked sites' own travel to and from every store."""
    return {
        sid: DirectOD(
            travel.time_s[[i]],
            travel.length_m[[i]],
            travel.back_time_s[:, [i]],
            travel.back_length_m[:, [i]],
            _rows_of(travel.fare, np.array([i])),
        )
        for i, sid in enumerate(site_ids)
    }


def _area_hint(layer: gpd.GeoDataFrame, G: nx.MultiDiGraph, margin_m: float) -> str:
    """Why a layer misses the network: longitude and latitude swapped, or simply another area."""
    import numpy as np
    import shapely

    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    x0, y0 = xy.min(axis=0) - margin_m
    x1, y1 = xy.max(axis=0) + margin_m
    if layer.crs is not None and layer.crs.is_geographic:
        pts = shapely.get_coordinates(layer.geometry.representative_point().to_numpy())
        swapped = gpd.GeoSeries(gpd.points_from_xy(pts[:, 1], pts[:, 0]), crs=layer.crs)
        if np.all(np.abs(pts[:, 0]) <= 90):
            sx, sy = shapely.get_coordinates(swapped.to_crs(G.graph["crs"]).to_numpy()).T
            inside = (sx >= x0) & (sx <= x1) & (sy >= y0) & (sy <= y1)
            if inside.mean() > 0.5:
                return (
                    "with longitude and latitude swapped they would lie on it: swap the layer's "
                    "coordinates (x/lon first, then y/lat)."
                )
    return "check that the layers and the network cover the same area (and the layers' CRS)."


def _log_components(G: nx.MultiDiGraph, city: CityInputs, max_m: float, excluded: list[pd.DataFrame]) -> None:
    """Say, in one sentence, which cut-off road components hold stores or sites and why."""
    from siting.network.components import component_report, format_component_report

    cut = pd.concat(excluded, ignore_index=True)
    if not (cut["filter"] == "disconnected_component").any():
        return
    report = component_report(G, {"stores": city.stores, "sites": city.candidates}, max_distance_m=max_m)
    text = format_component_report(report)
    if text:
        log.warning("%s: %s", city.name, text)


def _need_sites(candidates: pd.DataFrame, excluded: list[pd.DataFrame], city: str) -> None:
    if len(candidates):
        return
    report = filter_report(pd.concat(excluded, ignore_index=True))
    report = report[report["layer"] == "site_id"]
    detail = "; ".join(f"{r.filter}: {r.removed} ({r.reason})" for r in report.itertuples()) or "no candidates given"
    raise InputError(f"{city}: every candidate site was filtered out ({detail}); relax the filters or add sites.")


def _isochrones(G, sites: gpd.GeoDataFrame, reach_time_s: float) -> tuple[gpd.GeoDataFrame | None, float]:
    """The sites' isochrones (None for no site) and the seconds they took."""
    t0 = time.perf_counter()
    if sites.empty:
        return None, time.perf_counter() - t0
    from siting.network.od import isochrones

    iso = isochrones(G, sites["node"].to_numpy(), reach_time_s)
    iso.insert(0, "site_id", sites["site_id"].astype(str).to_numpy())
    return iso, time.perf_counter() - t0


#: ranking.csv's column naming the store a back-room candidate sits in (only when the run has back rooms).
BACKROOM_STORE_COLUMN = "backroom_store_id"


def _flag_backrooms(ranking: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """``ranking`` with ``backroom_store_id`` (the store whose back room the site is; empty: an ordinary site).

    Added only when some candidate is a back room (a ``store_id``), so other runs' tables keep their columns.
    """
    from siting.inputs.backrooms import BACKROOM_COLUMN, backroom_ids

    if BACKROOM_COLUMN not in candidates.columns:
        return ranking
    named = backroom_ids(candidates)
    rooms = {str(s): str(j) for s, j in zip(named["site_id"], named[BACKROOM_COLUMN]) if j is not None}
    if not rooms:
        return ranking
    out = ranking.copy()
    out[BACKROOM_STORE_COLUMN] = [rooms.get(str(s)) for s in out["site_id"]]
    return out
