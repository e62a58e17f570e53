"""One source's season model priced once per run: the other source's inputs are left out of its cache key.

A sweep or a sensitivity that moves an offshore input (its MOQ, lead time, unit cost...) does not
change the local season, and the other way round, but :func:`siting.costs.sourcing_cost` caches on
the whole family, so every point of such a sweep priced the unchanged side again (with learning
re-orders, ``kalman``, a local season costs ~10x a ``level`` one). :func:`side_cost` prices
``source`` on a copy of the family whose other-source inputs (:data:`OTHER_SIDE`) are replaced by
that source's own (a canonical copy, the same for every value of the other side), so the cache
(:func:`siting.costs.season.sourcing_cost`'s) hits. The season model never reads the other
source's fields (tests/costs/test_sides.py checks the result is equal field for field, on every
demo family and forecast mode, with each other-side input moved); when the canonical copy would
not be a valid family (e.g. a price below both unit costs) the family is priced as given.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from siting.costs.products import ProductFamily
from siting.costs.season import SourcingCost, sourcing_cost
from siting.errors import InputError

__all__ = ["OTHER_SIDE", "canonical_for", "side_cost"]

#: Per source, the fields only the *other* source's season reads, in the order they are replaced.
OTHER_SIDE: dict[str, tuple[str, ...]] = {
    "local": (
        "unit_cost_offshore",
        "freight_offshore_per_unit",
        "insurance_rate_offshore",
        "duty_rate_offshore",
        "duty_basis",
        "incoterm",
        "transit_offshore_weeks",
        "moq_offshore_units",
        "lead_time_offshore_weeks",
        "review_period_offshore_weeks",
        "moq_offshore_basis",
        "origin",
    ),
    "offshore": (
        "unit_cost_local",
        "moq_local_units",
        "lead_time_local_weeks",
        "review_period_local_weeks",
        "print_on_demand_below_units_per_week",
        "test_drop_units",
    ),
}


def _replacement(product: ProductFamily, source: str) -> dict[str, object]:
    """The other source's fields set from ``source``'s own: the copy is the same for every value of them."""
    if source == "local":
        return {
            "unit_cost_offshore": product.unit_cost_local,
            "freight_offshore_per_unit": 0.0,
            "insurance_rate_offshore": 0.0,
            "duty_rate_offshore": 0.0,
            "duty_basis": "CIF",
            "incoterm": "FOB",
            "transit_offshore_weeks": 0.0,
            "moq_offshore_units": product.moq_local_units,
            "lead_time_offshore_weeks": product.lead_time_local_weeks,
            "review_period_offshore_weeks": product.review_period_local_weeks,
            "moq_offshore_basis": "sku",
            "origin": "",
        }
    return {
        "unit_cost_local": product.acquisition_cost("offshore"),
        "moq_local_units": product.moq_offshore_units,
        "lead_time_local_weeks": product.lead_time_offshore_weeks,
        "review_period_local_weeks": product.review_period_offshore_weeks,
        "print_on_demand_below_units_per_week": 0.0,
        "test_drop_units": 0.0,
    }


@lru_cache(maxsize=8192)
def canonical_for(product: ProductFamily, source: str) -> ProductFamily:
    """``product`` with :data:`OTHER_SIDE` ``[source]`` replaced by ``source``'s own inputs (itself if that is invalid).

    Parameters
    ----------
    product : ProductFamily
    source : {"local", "offshore"}

    Returns
    -------
    ProductFamily
    """
    if source not in OTHER_SIDE:
        raise InputError(f"source must be 'local' or 'offshore', not {source!r}.")
    try:
        return dataclasses.replace(product, **_replacement(product, source))  # type: ignore[arg-type]
    except InputError:  # e.g. the price is below the copy's unit costs: price the family as given
        return product


def side_cost(product: ProductFamily, source: str, *, weeks_per_yr: float | None = None) -> SourcingCost:
    """:func:`siting.costs.sourcing_cost` of ``product`` from ``source``, cached without the other source's inputs.

    Parameters
    ----------
    product : ProductFamily
    source : {"local", "offshore"}
    weeks_per_yr : float, optional
        As :func:`siting.costs.sourcing_cost`.

    Returns
    -------
    SourcingCost
        Equal to ``sourcing_cost(product, source, weeks_per_yr=weeks_per_yr)``.
    """
    return sourcing_cost(canonical_for(product, source), source, weeks_per_yr=weeks_per_yr)
