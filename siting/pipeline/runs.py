"""Runs over several cities: rank each (with one overall ranking across them) and plan the best k sites."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.pipeline.city import _isochrones, rank_city
from siting.pipeline.options import CityInputs, RankOptions
from siting.pipeline.results import CityResult, PlanResult, RunResult
from siting.pipeline.site_lanes import site_lanes_and_tours, totals_with_basis
from siting.pipeline.summaries import plan_summary, stack_layers
from siting.progress import report
from siting.ranking.scoring import CRITERIA, normalise_weights, score_sites

log = logging.getLogger("siting")


def _overall(results: dict[str, CityResult], options: RankOptions) -> dict[str, CityResult]:
    """Add ``rank_overall`` / ``score_overall``: one ranking of every site of every city (pooled normalisation)."""
    if not results:
        return results
    common = [c for c in CRITERIA if all(c in res.weights for res in results.values())]
    pooled = pd.concat(
        [res.ranking[["site_id", *common]].assign(city=name) for name, res in results.items()], ignore_index=True
    )
    w = {c: float(options.weights.get(c, 0.0)) for c in common}
    if not any(v > 0 for v in w.values()):
        w = {c: 1.0 for c in common}
    total = sum(w.values())  # the criteria every city has: rescaled here, silently (the user set none of this)
    w = {c: v / total for c, v in w.items()}
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
    while_waiting: Callable[[], object] | None = None,
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
    while_waiting : callable, optional
        Work for after the run, done while a city's isochrones are still being drawn
        (:func:`siting.pipeline.city.rank_city`); called once per city.

    Returns
    -------
    RunResult
    """
    options = run_options(cities, options)
    results = {}
    report(progress, "rank cities", 0, len(cities))
    for i, city in enumerate(cities):
        t0 = time.perf_counter()
        results[city.name] = rank_city(city, options, while_waiting=while_waiting)
        log.info("%s: ranked %d sites in %.1f s", city.name, len(results[city.name].ranking), time.perf_counter() - t0)
        report(progress, "rank cities", i + 1, len(cities))
    return combine_cities(results, options)


def run_options(cities: Sequence[CityInputs], options: RankOptions | None) -> RankOptions:
    """Check the cities of one run (at least one, unique names) and settle its options.

    Parameters
    ----------
    cities : sequence of CityInputs
    options : RankOptions, optional
        Default ``RankOptions()``.

    Returns
    -------
    RankOptions
        With the weights normalised once for every city (logged once if rescaled) and the brand
        volume of offshore buys resolved (``costs.brand_units_per_week``, family -> units a week).
    """
    names = [c.name for c in cities]
    if not names:
        raise InputError("run needs at least one city.")
    if len(set(names)) != len(names):
        raise InputError(f"city names must be unique in one run; got {names}.")
    options = options or RankOptions()
    from siting.pipeline.brand_frame import brand_frame

    options = brand_frame(cities, options)  # offshore buys in the brand's volume (siting.costs.brand)
    return dataclasses.replace(options, weights=normalise_weights(options.weights))


def combine_cities(results: Mapping[str, CityResult], options: RankOptions) -> RunResult:
    """One run from cities ranked separately (in any process): adds ``rank_overall`` / ``score_overall``.

    Parameters
    ----------
    results : mapping
        City name -> :class:`CityResult` from :func:`siting.pipeline.rank_city`, in run order.
    options : RankOptions
        The options the cities were ranked with (weights already normalised, as :func:`run` does).

    Returns
    -------
    RunResult
    """
    cities = _overall(dict(results), options)
    national = None
    designs = {n: c.design for n, c in cities.items() if getattr(c, "design", None) is not None}
    if options.portfolio.enabled and options.portfolio.scope == "full" and len(designs) > 1:
        from siting.pipeline.national_design import national_run

        national, cities = national_run(cities, designs, options)
    return RunResult(cities=cities, options=options, national=national)


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
    objective: str = "time",
) -> PlanResult:
    """Choose the best k sites per city: p-median on the demand-weighted drive times (or total cost).

    Each city is ranked first (:func:`run`, so filters apply), then
    :func:`siting.locate.p_median` opens ``k`` of the remaining sites minimising the total
    demand x drive time to the stores, each store served by its nearest open site; the lanes of
    that allocation are built with :mod:`siting.delivery.lanes`.

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
    objective : {"time", "cost"}
        ``"cost"``: exactly k sites minimising the total cost per year, rent of the open sites +
        delivery (a weekly van round trip to each store, the lane vehicle's cost per km and per
        hour) + local landed cost of the products (``options.costs.products``; none given: 0), each
        store served by one site (:func:`siting.locate.facility_location` with ``p=k``).
        ``"portfolio"``: the portfolio design (:mod:`siting.design`, solved with
        ``options.portfolio``, which is switched on) chooses the sites, their capacity level, the
        families each makes and what goes offshore, minimising the cost per year; ``k`` is not
        used here (the design opens as many sites as pay, at most ``options.portfolio.max_sites``,
        which ``siting plan --k`` sets). The chosen sites are those the design
        opens; each store is allocated to the site making most of its demand point's local goods
        (none when all its goods come offshore). Needs product families.

    Returns
    -------
    PlanResult
    """
    from siting.locate import locate

    if objective not in ("time", "cost", "portfolio"):
        raise InputError(f"objective must be 'time', 'cost' or 'portfolio', got {objective!r}.")
    if objective == "portfolio" and not isinstance(cities, RunResult):
        options = options or RankOptions()
        full = dataclasses.replace(options.portfolio, enabled=True, scope="full")  # outages and the national design
        options = dataclasses.replace(options, portfolio=full)
    result = cities if isinstance(cities, RunResult) else run(cities, options, progress=progress)
    opts = result.options
    ks, sites, lines, lanes, totals, solutions, isos, tours = {}, [], [], [], [], {}, [], []
    report(progress, "solve", 0, len(result.cities))
    for i, (name, city) in enumerate(result.cities.items()):
        want = (1 if k.get(name) is None else int(k[name])) if isinstance(k, Mapping) else int(k)
        if want < 1:
            raise InputError(f"{name}: k must be at least 1, got {want}.")
        n = len(city.candidates)
        if want > n and objective != "portfolio":
            log.warning("%s: k=%d but only %d sites are left after filtering; opening %d", name, want, n, n)
        ks[name] = min(want, n)
        cand = city.candidates.drop(columns=["node"])
        if objective == "portfolio":  # the design chooses how many sites open; k is not used
            from siting.pipeline.portfolio_plan import portfolio_choice

            s, ln, solutions[name] = portfolio_choice(
                city,
                opts.portfolio.demand_points,
                opts.portfolio.mip_gap,
                national=result.national is not None,
                bound_rounds=opts.portfolio.local_bound_rounds(),
            )
            ks[name] = len(s)
        elif objective == "cost":
            cost, fixed = _cost_per_yr(city, opts)
            loc = locate(
                city.stores,
                cand,
                cost,
                model="facility_location",
                fixed_cost=fixed,
                p=ks[name],
                time_limit_s=time_limit_s,
            )
        else:
            loc = locate(
                city.stores,
                cand,
                city.store_time_s.T,
                model="p_median",
                p=ks[name],
                method=method,
                time_limit_s=time_limit_s,
                seed=seed,
            )
        if objective != "portfolio":
            solutions[name] = loc.solution
            s, ln = loc.sites.copy(), loc.lines.copy()
        s.insert(0, "city", name)
        ln.insert(0, "city", name)
        sites.append(s)
        lines.append(ln)
        alloc = dict(zip(ln["store_id"].astype(str), ln["site_id"].astype(str)))
        chosen = city.candidates[city.candidates["site_id"].isin(s["site_id"])]
        city_lanes, city_tours = site_lanes_and_tours(city.graph, chosen, city.stores, opts, name, allocation=alloc)
        lanes.append(city_lanes)
        if city_tours is not None and len(city_tours):  # the plan map draws the chosen sites' tours
            tours.append(city_tours)
        totals.append(totals_with_basis(city_lanes, name, basis="chosen set"))
        iso, _ = _isochrones(city.graph, chosen, opts.reach.reach_time_s)  # the chosen sites', for the plan map
        if iso is not None:
            isos.append(iso.assign(city=name))
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
        summary=plan_summary(result.cities, plan_sites, plan_totals, solutions),
        run=result,
        isochrones=stack_layers(isos) if isos else None,
        tours=stack_layers(tours) if tours else None,
    )


def _cost_per_yr(city: CityResult, options: RankOptions) -> tuple[np.ndarray, np.ndarray]:
    """The total-cost objective of ``plan``: per unit of weekly demand per year (stores x sites) and rent per site.

    Delivery is priced as the ranking prices it: out-and-back lanes between the edge-snapped
    points (the real return legs), trips from each store's demand, the vehicle the city's mode
    uses; product cost per unit is the city's own mix (its business case), weeks a year from the
    cost defaults.
    """
    from siting.costs import landed_cost
    from siting.costs.products import cost_default
    from siting.costs.unit_cost import UNIT_COMPONENTS
    from siting.delivery.lane_tables import pair_lane_cost_per_week
    from siting.network import od_time_length
    from siting.pipeline.city import _vehicle_for_mode
    from siting.pipeline.network_stage import edge_snaps

    weeks = cost_default("weeks_per_yr")
    opts = _vehicle_for_mode(options, city.graph.graph.get("mode", options.reach.mode), city.name)
    out_t, out_l = od_time_length(city.graph, edge_snaps(city.candidates), edge_snaps(city.stores))
    back_t, back_l = od_time_length(city.graph, edge_snaps(city.stores), edge_snaps(city.candidates))
    demand = city.stores["demand_units_per_week"].to_numpy(dtype=float)
    per_week = pair_lane_cost_per_week(
        out_t, out_l, back_t, back_l, demand, params=opts.lanes.lane_params, vehicles=opts.lanes.vehicles
    ).T  # stores x sites
    per_unit = np.divide(weeks * per_week, demand[:, None], out=np.zeros(per_week.shape), where=demand[:, None] > 0)
    fam = city.families
    if len(fam):  # the city's own mix, as its business case priced it
        parts = fam[[f"{c}_local_per_unit" for c in UNIT_COMPONENTS]].sum(axis=1)
        product = float((parts * fam["units_per_yr"]).sum() / fam["units_per_yr"].sum())
    else:
        product = landed_cost(options.costs.products, "local").per_unit if options.costs.products else 0.0
    cand = city.candidates
    rent = cand["rent_per_yr"] if "rent_per_yr" in cand else cand["rent_per_m2_yr"] * options.required_floor_area_m2
    return per_unit + weeks * product, rent.fillna(0.0).to_numpy(dtype=float)
