"""The product mix a site makes, in the stores' volume: families scaled to the demand they serve."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from siting.costs.landed import scale_demand
from siting.costs.products import ProductFamily
from siting.errors import InputError

__all__ = ["mix_for_demand"]


def mix_for_demand(
    products: Sequence[ProductFamily],
    units_per_week: float,
    *,
    shares: Mapping[str, float] | None = None,
    where: str = "demand_shares",
) -> list[ProductFamily]:
    """Scale the families so that their demand adds up to the stores' demand.

    Without ``shares`` every family keeps its share of the families' total mean demand; with
    ``shares`` (family -> share, any positive scale, e.g. a city's regional assortment) each family
    gets that share of ``units_per_week`` and families left out (or given 0) are not made. Mean and
    standard deviation are scaled together (the CV is kept); Poisson families stay Poisson.

    Parameters
    ----------
    products : sequence of ProductFamily
    units_per_week : float
        Demand of the stores served (units per week, > 0).
    shares : mapping, optional
        Demand share per family name.
    where : str
        Named in error messages (e.g. ``"cities[0].demand_shares"``).

    Returns
    -------
    list of ProductFamily
        Families with ``sum(demand_mean_units_per_week) == units_per_week``.
    """
    if not (math.isfinite(units_per_week) and units_per_week > 0):
        raise InputError(f"mix_for_demand: units_per_week={units_per_week!r}; the stores need some demand (> 0).")
    if not products:
        raise InputError("mix_for_demand: no product families given; load some with load_products().")
    if shares is None:
        total = sum(p.demand_mean_units_per_week for p in products)
        return scale_demand(products, units_per_week / total)
    known = {p.family: p for p in products}
    unknown = sorted(set(shares) - set(known))
    if unknown:
        raise InputError(f"{where}: unknown family {unknown[0]!r}; expected one of {', '.join(known)}.")
    bad = [f for f, v in shares.items() if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0)]
    if bad:
        raise InputError(f"{where}: share of {bad[0]!r} is {shares[bad[0]]!r}; give a number >= 0.")
    total = float(sum(shares.values()))
    if total <= 0:
        raise InputError(f"{where}: every share is 0; give at least one family a share > 0.")
    out = []
    for name, share in shares.items():
        if share > 0:
            p = known[name]
            out.append(scale_demand([p], units_per_week * share / total / p.demand_mean_units_per_week)[0])
    return out
