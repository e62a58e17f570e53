"""Landed cost of a product mix from one source (local or offshore) and the local-offshore comparison.

Every figure per unit is per unit of demand: the units the stores sell a year at full service
(``units_per_yr``), the same denominator for both sources and every component. A lost sale costs its
lost margin, so the two sources' fill rates are priced, not just reported. The season model of
each family is :mod:`siting.costs.season`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from siting.costs.products import ProductFamily
from siting.costs.season import SourcingCost
from siting.costs.sides import side_cost
from siting.errors import InputError, UnknownNameError

__all__ = [
    "COMPONENTS",
    "LandedCost",
    "Comparison",
    "landed_cost",
    "compare",
    "scale_demand",
]

#: Cost components of a landed cost, in the order they are reported.
COMPONENTS = ("production", "freight_duty", "carrying", "unsold_stock", "lost_margin", "delivery", "site")


@dataclass(frozen=True)
class LandedCost:
    """Landed cost of a product mix from one source, per year and per unit of demand."""

    source: str
    families: tuple[SourcingCost, ...]
    delivery_per_yr: float
    site_per_yr: float

    @property
    def units_per_yr(self) -> float:
        """Demand of the mix, units per year (the denominator of every per-unit figure)."""
        return sum(f.demand_units_per_yr for f in self.families)

    @property
    def units_sold_per_yr(self) -> float:
        """Expected units sold per year over all families."""
        return sum(f.units_sold_per_yr for f in self.families)

    @property
    def fill_rate(self) -> float:
        """Units sold / demand over the mix."""
        return self.units_sold_per_yr / self.units_per_yr

    def component_per_yr(self, name: str) -> float:
        """One cost component per year (a name in :data:`COMPONENTS`)."""
        if name in ("delivery", "site"):
            return float(getattr(self, f"{name}_per_yr"))
        if name not in COMPONENTS:
            raise UnknownNameError(f"unknown cost component {name!r}; known: {', '.join(COMPONENTS)}")
        return sum(getattr(f, f"{name}_per_yr") for f in self.families)

    def component_per_unit(self, name: str) -> float:
        """One cost component per unit of demand."""
        return self.component_per_yr(name) / self.units_per_yr

    @property
    def total_per_yr(self) -> float:
        """Total landed cost per year."""
        return sum(self.component_per_yr(c) for c in COMPONENTS)

    @property
    def per_unit(self) -> float:
        """Total landed cost per unit of demand."""
        return self.total_per_yr / self.units_per_yr

    def breakdown(self) -> pd.DataFrame:
        """Tidy table ``component, per_yr, per_unit`` (one row per cost component, then total)."""
        units = self.units_per_yr
        rows = [(c, self.component_per_yr(c)) for c in COMPONENTS] + [("total", self.total_per_yr)]
        return pd.DataFrame([(c, v, v / units) for c, v in rows], columns=["component", "per_yr", "per_unit"])


def landed_cost(
    products: Sequence[ProductFamily],
    source: str,
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    weeks_per_yr: float | None = None,
    brand_units_per_week: Mapping[str, float] | None = None,
) -> LandedCost:
    """Landed cost of a product mix from one source.

    Parameters
    ----------
    products : sequence of ProductFamily
        The mix, with each family's demand in the stores' volume (see :func:`scale_demand`).
    source : {"local", "offshore"}
    site_cost_per_yr : float
        Rent x floor area + amortised set-up (money per year); 0 for offshore.
    delivery_cost_per_yr : float
        Delivery to the stores: from the site (local) or from the distribution point (offshore).
    weeks_per_yr : float, optional
    brand_units_per_week : mapping, optional
        Family -> the brand's weekly volume: offshore families are priced as their share of the
        brand's buy (:mod:`siting.costs.brand`); a family left out is priced at its own volume.

    Returns
    -------
    LandedCost
    """
    if not products:
        raise InputError("landed_cost: no product families given; load some with load_products().")
    if source == "offshore" and brand_units_per_week:
        from siting.costs.brand import brand_sourcing_cost

        fams = tuple(
            brand_sourcing_cost(p, brand_units_per_week[p.family], weeks_per_yr=weeks_per_yr)
            if p.family in brand_units_per_week
            else side_cost(p, source, weeks_per_yr=weeks_per_yr)
            for p in products
        )
        return LandedCost(source, fams, float(delivery_cost_per_yr), float(site_cost_per_yr))
    fams = tuple(side_cost(p, source, weeks_per_yr=weeks_per_yr) for p in products)  # one side's inputs only
    return LandedCost(source, fams, float(delivery_cost_per_yr), float(site_cost_per_yr))


@dataclass(frozen=True)
class Comparison:
    """Local versus offshore landed cost of the same product mix (saving > 0: local is cheaper)."""

    local: LandedCost
    offshore: LandedCost

    @property
    def units_per_yr(self) -> float:
        """Demand of the mix, units per year (both sides share it)."""
        return self.local.units_per_yr

    @property
    def saving_per_unit(self) -> float:
        """Offshore minus local landed cost per unit of demand."""
        return self.offshore.per_unit - self.local.per_unit

    @property
    def saving_per_yr(self) -> float:
        """Offshore minus local landed cost per year."""
        return self.offshore.total_per_yr - self.local.total_per_yr


def compare(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_yr: float | None = None,
    offshore_delivery_cost_per_unit: float | None = None,
    weeks_per_yr: float | None = None,
    brand_units_per_week: Mapping[str, float] | None = None,
) -> Comparison:
    """Landed cost local (at a site) versus offshore (no site), same products and volume.

    Parameters
    ----------
    products : sequence of ProductFamily
    site_cost_per_yr, delivery_cost_per_yr : float
        The local site's yearly rent + amortised set-up and its delivery (lanes) cost per year.
    offshore_delivery_cost_per_yr, offshore_delivery_cost_per_unit : float, optional
        Delivery of offshore goods from their distribution point to the stores, per year or per
        unit of demand (give at most one; default 0: the distribution point's lanes are not priced).
    weeks_per_yr : float, optional
    brand_units_per_week : mapping, optional
        The brand volume frame of the offshore side (see :func:`landed_cost`).

    Returns
    -------
    Comparison
    """
    if offshore_delivery_cost_per_yr is not None and offshore_delivery_cost_per_unit is not None:
        raise InputError("compare: give offshore_delivery_cost_per_yr or offshore_delivery_cost_per_unit, not both.")
    local = landed_cost(
        products,
        "local",
        site_cost_per_yr=site_cost_per_yr,
        delivery_cost_per_yr=delivery_cost_per_yr,
        weeks_per_yr=weeks_per_yr,
    )
    if offshore_delivery_cost_per_unit is not None:
        off_delivery = float(offshore_delivery_cost_per_unit) * local.units_per_yr
    else:
        off_delivery = float(offshore_delivery_cost_per_yr or 0.0)
    offshore = landed_cost(
        products,
        "offshore",
        delivery_cost_per_yr=off_delivery,
        weeks_per_yr=weeks_per_yr,
        brand_units_per_week=brand_units_per_week,
    )
    return Comparison(local, offshore)


def scale_demand(products: Sequence[ProductFamily], factor: float) -> list[ProductFamily]:
    """Scale every family's weekly demand mean and standard deviation by ``factor``.

    The coefficient of variation is kept. Use it to match the families to the stores' demand:
    ``scale_demand(products, total_units_per_week / sum of the families' means)``
    (:func:`siting.costs.mix_for_demand` does this).

    Parameters
    ----------
    products : sequence of ProductFamily
    factor : float
        > 0.

    Returns
    -------
    list of ProductFamily
    """
    if not (math.isfinite(factor) and factor > 0):
        raise InputError(f"scale_demand: factor={factor!r}; give a finite number > 0.")
    return [p.scaled(demand_mean_units_per_week=factor, demand_std_units_per_week=factor) for p in products]
