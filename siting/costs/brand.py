"""The brand volume frame: an offshore buy priced at the brand's whole volume and allocated to a city by its demand.

An offshore MOQ is bought once for the whole brand, not once per city or national cluster. For a
family whose city demand is ``v`` units a week and whose brand-wide demand is ``V >= v``:

* the brand's buy is the season model (:func:`siting.costs.season.sourcing_cost`) of the family
  at volume ``V`` with the family's coefficient of variation (the run's mix scaled to the brand,
  as :func:`siting.costs.mix_for_demand` scales it to a city): its MOQ, order sizes, write-off and
  lost sales are the brand's;
* the city is allocated the share ``v / V`` of every yearly figure of that buy (money, demand,
  units sold, lost, written off, stock). So its cost **per unit** is the brand's cost per unit,
  and its cost per year is ``v x 52 x`` that.

With ``V = v`` (a one-city brand) this is the city's own season model, figure for figure. The
allocation assumes the brand's stock reaches the cities in proportion to their demand (the
distribution point replenishes the stores from the brand's buy).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from siting.costs.products import ProductFamily
from siting.costs.season import YEARLY_FIGURES, SourcingCost, sourcing_cost
from siting.costs.unit_cost import FamilyCost, family_cost
from siting.errors import InputError

__all__ = ["allocate", "brand_family", "brand_family_cost", "brand_sourcing_cost", "brand_volumes", "check_brand"]

#: A brand volume below the city's by at most this relative amount is taken as equal (rounding).
_TOLERANCE = 1e-9

#: The yearly figures of a :class:`SourcingCost` that an allocation scales (those a season sums).
_ALLOCATED = YEARLY_FIGURES


def brand_family(family: ProductFamily, brand_units_per_week: float) -> ProductFamily:
    """``family`` at the brand's weekly volume, its coefficient of variation kept.

    Parameters
    ----------
    family : ProductFamily
    brand_units_per_week : float
        > 0.

    Returns
    -------
    ProductFamily
    """
    factor = float(brand_units_per_week) / family.demand_mean_units_per_week
    return family.scaled(demand_mean_units_per_week=factor, demand_std_units_per_week=factor)


def allocate(cost: SourcingCost, share: float) -> SourcingCost:
    """The share ``share`` (0-1] of a buy's yearly figures (money, demand, units, stock); buys and orders unchanged."""
    return dataclasses.replace(cost, **{f: getattr(cost, f) * share for f in _ALLOCATED})


def _share(city_units: float, brand_units: float, family: str) -> float:
    if not (math.isfinite(brand_units) and brand_units > 0):
        raise InputError(f"brand volume of {family!r}: {brand_units!r} units a week; give a finite number > 0.")
    if brand_units < city_units * (1 - _TOLERANCE):
        raise InputError(
            f"brand volume of {family!r}: {brand_units:g} units a week is below the city's own demand "
            f"{city_units:g}; the brand's volume includes every city's, so give at least that."
        )
    return min(city_units / brand_units, 1.0)


def brand_sourcing_cost(
    product: ProductFamily, brand_units_per_week: float, *, weeks_per_yr: float | None = None
) -> SourcingCost:
    """The offshore season of ``product`` (a city's demand) as its share of the brand's buy.

    Parameters
    ----------
    product : ProductFamily
        The family at the city's volume (``demand_mean_units_per_week`` = ``v``).
    brand_units_per_week : float
        The brand's volume ``V >= v`` of the same family.
    weeks_per_yr : float, optional

    Returns
    -------
    SourcingCost
        In the city's volume frame (its demand), at the brand's cost per unit.
    """
    v = product.demand_mean_units_per_week
    share = _share(v, float(brand_units_per_week), product.family)
    if share >= 1.0:
        return sourcing_cost(product, "offshore", weeks_per_yr=weeks_per_yr)
    brand = sourcing_cost(brand_family(product, brand_units_per_week), "offshore", weeks_per_yr=weeks_per_yr)
    return allocate(brand, share)


def brand_family_cost(
    family: ProductFamily, units_per_week: float, brand_units_per_week: float, **kwargs: Any
) -> FamilyCost:
    """:func:`siting.costs.family_cost` offshore for ``units_per_week`` of demand, as its share of the brand's buy.

    The cost per unit and its components, fill rate and order size are the brand's buy at
    ``brand_units_per_week``: the family at the brand's volume with its coefficient of variation
    kept (:func:`brand_family`, the frame :func:`brand_sourcing_cost` and a run allocate; not
    :func:`siting.costs.family_cost`'s square-root scaling of the standard deviation), its standard
    deviation in ``demand_std_units_per_week``; the units per season (unsold, lost, written off) are
    the city's share of the brand's.

    Parameters
    ----------
    family : ProductFamily
    units_per_week : float
        The city's demand served offshore (> 0).
    brand_units_per_week : float
        The brand's offshore volume of this family (>= ``units_per_week``).
    **kwargs
        Passed to :func:`siting.costs.family_cost`.

    Returns
    -------
    FamilyCost
    """
    share = _share(float(units_per_week), float(brand_units_per_week), family.family)
    # the brand's family as brand_sourcing_cost prices it (the CV kept, brand_family), not family_cost's own
    # square-root scaling of the standard deviation (independent stores): the frame the run allocates
    at_brand = brand_family(family, float(brand_units_per_week))
    brand = family_cost(at_brand, "offshore", float(brand_units_per_week), **kwargs)
    return dataclasses.replace(
        brand,
        units_per_week=float(units_per_week),
        expected_unsold_units_per_season=brand.expected_unsold_units_per_season * share,
        lost_units_per_season=brand.lost_units_per_season * share,
        written_off_units_per_season=brand.written_off_units_per_season * share,
    )


def brand_volumes(mixes: Iterable[Sequence[ProductFamily]]) -> dict[str, float]:
    """Family -> the brand's weekly volume: the sum of the family's demand over the cities' mixes.

    Parameters
    ----------
    mixes : iterable of sequences of ProductFamily
        Each city's (or cluster's) mix in its stores' volume (:func:`siting.costs.mix_for_demand`).

    Returns
    -------
    dict
    """
    out: dict[str, float] = {}
    for mix in mixes:
        for p in mix:
            out[p.family] = out.get(p.family, 0.0) + float(p.demand_mean_units_per_week)
    return out


def check_brand(brand_units_per_week: Mapping[str, float], products: Sequence[ProductFamily], where: str) -> None:
    """Raise :class:`~siting.errors.InputError` unless every family of ``products`` has a brand volume >= its own."""
    for p in products:
        if p.family not in brand_units_per_week:
            raise InputError(f"{where}: no brand volume for family {p.family!r}; give one for every family.")
        _share(p.demand_mean_units_per_week, float(brand_units_per_week[p.family]), p.family)
