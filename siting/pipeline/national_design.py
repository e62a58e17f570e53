"""A run's national design: the clusters' design problems solved as one MILP, each cluster given its part."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("siting")

__all__ = ["national_run"]


def national_run(cities: Mapping[str, Any], designs: Mapping[str, Any], options: Any) -> tuple[Any, dict[str, Any]]:
    """Solve one design across the cities' (clusters') design problems; give each city its part.

    Each solve stops at ``portfolio.max_nodes`` branch-and-bound nodes, the hybrid on a
    neighbourhood of ``portfolio.neighbourhood_sites`` sites besides the clusters' own, the
    all-local design the cheapest greedy start: the same on any machine and load. The wall clock (the safety
    net, or the user's ``portfolio.time_limit_s``) is x the number of clusters per solve; the gap
    is ``portfolio.mip_gap``. The hybrid starts from the clusters' own designs (their site levels;
    see :func:`siting.design.national.national_design`), and is settled as a city's design is: a
    cheaper closure or forced opening (each cluster's first ``portfolio.explain_sites`` closed
    sites in its city's order, ``portfolio.value_max_nodes`` nodes) becomes the design, at most
    ``portfolio.max_adopted`` times. Each
    city's ``design.portfolio`` becomes its slice of the national designs
    (:func:`siting.design.national.cluster_portfolios`); its site values, resilience and the
    ranking's verdicts stay those of its own design (in the brand volume frame).

    Parameters
    ----------
    cities : mapping
        City name -> CityResult.
    designs : mapping
        City name -> its CityDesign (at least two).
    options : RankOptions

    Returns
    -------
    (NationalDesign, dict)
        The national design and the cities with their slices.
    """
    from siting.design.national import SEP, cluster_portfolios, national_design
    from siting.pipeline.portfolio import solve_limit_s

    t0 = time.perf_counter()
    popt = options.portfolio
    brand = options.costs.brand_units_per_week
    nd = national_design(
        {n: d.problem for n, d in designs.items()},
        brand_units_per_week=brand if isinstance(brand, Mapping) else None,
        time_limit_s=solve_limit_s(popt) * len(designs),
        mip_gap=popt.mip_gap,
        start_levels={n: d.portfolio.hybrid.levels for n, d in designs.items()},
        max_sites=popt.max_sites,  # per cluster, as k is per city
        max_nodes=popt.max_nodes,
        neighbourhood_sites=popt.neighbourhood_sites,
        # settled as each city's: its explain order, cheaper closures and forced openings adopted
        explain_site_ids={n: getattr(d, "explain_order", ()) for n, d in designs.items()},
        explain_sites=popt.explain_sites,
        value_max_nodes=popt.value_max_nodes,
        max_adopted=popt.max_adopted,
        local_bound_rounds=popt.local_bound_rounds(),
        local_swaps=popt.local_swaps(),
        # all-local, the clusters share nothing: their own designs and bounds make the national one
        local_designs={n: d.portfolio.all_local for n, d in designs.items()},
    )
    hyb = nd.portfolio.hybrid
    log.info(
        "national design over %d clusters: %s, %s a year (all-offshore %s), %.1f s",
        len(designs),
        hyb.status,
        f"{hyb.cost_per_yr:,.0f}",
        f"{nd.portfolio.all_offshore.cost_per_yr:,.0f}",
        time.perf_counter() - t0,
    )
    for site in nd.adopted:
        cluster, _, name = site.partition(SEP)
        log.info("national design: forcing %s open in %s was cheaper; that design was adopted", name, cluster)
    parts = cluster_portfolios(nd)
    out = dict(cities)
    for name, part in parts.items():
        city = out[name]
        out[name] = dataclasses.replace(city, design=dataclasses.replace(city.design, portfolio=part))
    return nd, out
