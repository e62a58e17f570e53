"""A scenario entry with clusters = "auto": its keys, demo country and currency resolved, then its cities found."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd

from siting.config.scenario import CitySpec, Scenario
from siting.errors import InputError

__all__ = ["cluster_entry"]

_KEYS = ("link_distance_m", "min_demand_units_per_week", "max_radius_m", "buffer_m")


def cluster_entry(
    scenario: Scenario, spec: CitySpec, layers: dict[str, gpd.GeoDataFrame], network: Any = None
) -> list[Any]:
    """The cities of a scenario entry with ``clusters = "auto"`` (what :func:`siting.app.city_inputs` runs for it).

    Parameters
    ----------
    scenario : Scenario
    spec : CitySpec
        The entry (``demo = "malta"`` for the demo country).
    layers : dict
        Layers read from the entry's files (``stores``, ``candidates``, optional ``population``, ``rents``).
    network : Path or str, optional
        The entry's network source; None for the demo country, whose extract ships with siting.

    Returns
    -------
    list of siting.pipeline.CityInputs
        Each with ``region = spec.name``.
    """
    from siting.inputs.country_demo import demo_country
    from siting.national.clustering import ClusterOptions
    from siting.national.extract import region_cities

    values = {}
    for field in _KEYS:
        key = f"cluster_{field}"  # the key as written in the scenario
        value = float(getattr(spec, key))
        if not math.isfinite(value) or value <= 0:
            where = f"{scenario.source}: " if scenario.source is not None else ""
            raise InputError(
                f'{where}city {spec.name!r} (clusters = "auto"): {key} must be a number > 0, got {value:g}; '
                f"set {key} in its [[cities]] entry (default {getattr(CitySpec, key, '?')})."
            )
        values[field] = value
    places = None
    currency = spec.currency or scenario.currency
    source: Any = network
    if spec.demo is not None:
        country = demo_country(spec.demo)
        layers = {"stores": country.stores, "candidates": country.candidates, **layers}
        source, places = country.osm_path, country.places
        if spec.currency is None and "currency" not in scenario.raw:
            currency = country.currency
    return region_cities(
        spec.name,
        stores=layers["stores"],
        candidates=layers["candidates"],
        source=source,
        options=ClusterOptions(**values),
        places=places,
        population=layers.get("population"),
        rents=layers.get("rents"),
        mode=spec.mode or scenario.rank.get("mode", "drive"),
        city_mode=spec.mode,
        currency=currency,
    )
