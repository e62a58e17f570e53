"""The run's brand volume frame: each family's brand-wide weekly demand, from the run's cities or the option given."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from siting.errors import InputError

__all__ = ["brand_frame"]


def _run_volumes(cities: Sequence[Any], options: Any) -> dict[str, float]:
    from siting.costs.brand import brand_volumes
    from siting.pipeline.business_case import city_mix

    mixes = []
    for city in cities:
        stores = city.stores
        if "demand_units_per_week" not in stores.columns or float(stores["demand_units_per_week"].sum()) <= 0:
            continue
        mixes.append(city_mix(city, options, stores))
    return brand_volumes(mixes)


def brand_frame(cities: Sequence[Any], options: Any) -> Any:
    """``options`` with ``costs.brand_units_per_week`` resolved to family -> the brand's weekly volume.

    Default: each family's demand summed over the run's cities (their mixes in their stores'
    volume); a one-city run is left in its own volume. A total (float) is split like that sum
    and must be at least the run's total; a mapping must give every family at least the run's
    own volume. Without product families the
    options are returned unchanged.

    Parameters
    ----------
    cities : sequence of CityInputs
    options : RankOptions

    Returns
    -------
    RankOptions
    """
    given = options.costs.brand_units_per_week
    if not (options.costs.products or any(getattr(c, "products", ()) for c in cities)):
        return options
    if given is None and len(cities) < 2:
        return options  # a one-city run without a brand volume: the city is the brand
    run = _run_volumes(cities, options)
    if not run:
        return options
    total = sum(run.values())
    if given is None:
        brand = run
    elif isinstance(given, Mapping):
        if set(given) == set(run) and all(abs(given[f] - run[f]) <= 1e-9 * run[f] for f in run):
            return options  # already resolved (a run reusing its options)
        missing = sorted(set(run) - set(given))
        if missing:
            raise InputError(
                f"brand_units_per_week: no volume for family {missing[0]!r}; give every family of the run "
                f"({', '.join(sorted(run))}) or one total."
            )
        brand = {f: float(given[f]) for f in run}
    else:
        if float(given) < total * (1 - 1e-9):
            raise InputError(
                f"brand_units_per_week = {float(given):g} is below the run's own demand ({total:,.1f} units a week "
                "over its cities); give the brand's whole demand, at least that, or leave it out."
            )
        brand = {f: v * float(given) / total for f, v in run.items()}
    for f, v in run.items():
        if brand[f] < v * (1 - 1e-9):
            raise InputError(
                f"brand_units_per_week: {brand[f]:g} units a week of {f!r} is below the run's own demand of it "
                f"({v:,.1f}); give at least that."
            )
    costs = dataclasses.replace(options.costs, brand_units_per_week=brand)
    return dataclasses.replace(options, costs=costs)
