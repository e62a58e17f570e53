"""Landed cost of a product mix from one source (local or offshore) and the local-offshore comparison.

The model is described in :mod:`siting.costs` (the public entry point).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from siting.costs.inventory import NewsvendorResult, newsvendor
from siting.costs.products import ProductFamily, cost_default
from siting.errors import InputError

__all__ = [
    "COMPONENTS",
    "SourcingCost",
    "LandedCost",
    "Comparison",
    "sourcing_cost",
    "landed_cost",
    "compare",
    "scale_demand",
]

COMPONENTS = ("production", "freight", "duty", "carrying", "obsolescence", "delivery", "site")


@dataclass(frozen=True)
class SourcingCost:
    """Yearly inventory and product cost of one product family from one source (money per year)."""

    family: str
    source: str
    review_period_weeks: float
    cycle: NewsvendorResult
    units_sold_per_yr: float
    lost_sales_units_per_yr: float
    cycle_stock_units: float
    safety_stock_units: float
    pipeline_stock_units: float
    production_per_yr: float
    freight_per_yr: float
    duty_per_yr: float
    carrying_per_yr: float
    obsolescence_per_yr: float

    @property
    def total_per_yr(self) -> float:
        """Production + freight + duty + carrying + obsolescence per year."""
        return (
            self.production_per_yr
            + self.freight_per_yr
            + self.duty_per_yr
            + self.carrying_per_yr
            + self.obsolescence_per_yr
        )


def sourcing_cost(product: ProductFamily, source: str, *, weeks_per_yr: float | None = None) -> SourcingCost:
    """Inventory-risk and product cost per year of one family from one source.

    Parameters
    ----------
    product : ProductFamily
    source : {"local", "offshore"}
    weeks_per_yr : float, optional
        Default from the package cost defaults (52).

    Returns
    -------
    SourcingCost
    """
    if source not in ("local", "offshore"):
        raise ValueError(f"source must be 'local' or 'offshore', not {source!r}")
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    mean, std = product.demand_mean_units_per_week, product.demand_std_units_per_week
    lead = getattr(product, f"lead_time_{source}_weeks")
    moq = getattr(product, f"moq_{source}_units")
    review = min(product.season_weeks, max(getattr(product, f"review_period_{source}_weeks"), moq / mean))
    cost = product.acquisition_cost(source)
    cyc = newsvendor(
        mean * review, std * math.sqrt(lead + review), product.price_per_unit, cost, product.salvage_per_unit, moq=moq
    )
    sold = cyc.expected_sales * wpy / review
    cycle_stock, safety, pipeline = cyc.expected_sales / 2.0, cyc.expected_leftover, sold / wpy * lead
    offshore = source == "offshore"
    return SourcingCost(
        family=product.family,
        source=source,
        review_period_weeks=review,
        cycle=cyc,
        units_sold_per_yr=sold,
        lost_sales_units_per_yr=cyc.expected_lost_sales * wpy / review,
        cycle_stock_units=cycle_stock,
        safety_stock_units=safety,
        pipeline_stock_units=pipeline,
        production_per_yr=sold * getattr(product, f"unit_cost_{source}"),
        freight_per_yr=sold * product.freight_offshore_per_unit if offshore else 0.0,
        duty_per_yr=sold * product.duty_offshore_per_unit if offshore else 0.0,
        carrying_per_yr=product.carrying_rate_per_yr * cost * (cycle_stock + safety + pipeline),
        obsolescence_per_yr=(cyc.expected_leftover * (cost - product.salvage_per_unit) * wpy / product.season_weeks),
    )


@dataclass(frozen=True)
class LandedCost:
    """Landed cost of a product mix from one source, per year and per unit sold."""

    source: str
    families: tuple[SourcingCost, ...]
    delivery_per_yr: float
    site_per_yr: float

    @property
    def units_sold_per_yr(self) -> float:
        """Expected units sold per year over all families."""
        return sum(f.units_sold_per_yr for f in self.families)

    def component_per_yr(self, name: str) -> float:
        """One cost component per year (a name in ``siting.costs.landed.COMPONENTS``)."""
        if name in ("delivery", "site"):
            return getattr(self, f"{name}_per_yr")
        return sum(getattr(f, f"{name}_per_yr") for f in self.families)

    @property
    def total_per_yr(self) -> float:
        """Total landed cost per year."""
        return sum(self.component_per_yr(c) for c in COMPONENTS)

    @property
    def per_unit(self) -> float:
        """Total landed cost per unit sold."""
        return self.total_per_yr / self.units_sold_per_yr

    def breakdown(self) -> pd.DataFrame:
        """Tidy table ``component, per_yr, per_unit`` (one row per cost component, then total)."""
        units = self.units_sold_per_yr
        rows = [(c, self.component_per_yr(c)) for c in COMPONENTS] + [("total", self.total_per_yr)]
        return pd.DataFrame([(c, v, v / units) for c, v in rows], columns=["component", "per_yr", "per_unit"])


def landed_cost(
    products: Sequence[ProductFamily],
    source: str,
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    weeks_per_yr: float | None = None,
) -> LandedCost:
    """Landed cost of a product mix from one source.

    Parameters
    ----------
    products : sequence of ProductFamily
    source : {"local", "offshore"}
    site_cost_per_yr : float
        Rent x floor area + amortised set-up (money per year); 0 for offshore.
    delivery_cost_per_yr : float
        Delivery from the site (or the offshore baseline's city warehouse) to the stores.
    weeks_per_yr : float, optional

    Returns
    -------
    LandedCost
    """
    if not products:
        raise InputError("landed_cost: no product families given; load some with load_products().")
    fams = tuple(sourcing_cost(p, source, weeks_per_yr=weeks_per_yr) for p in products)
    return LandedCost(source, fams, float(delivery_cost_per_yr), float(site_cost_per_yr))


@dataclass(frozen=True)
class Comparison:
    """Local versus offshore landed cost of the same product mix (saving > 0: local is cheaper)."""

    local: LandedCost
    offshore: LandedCost

    @property
    def saving_per_unit(self) -> float:
        """Offshore minus local landed cost per unit sold."""
        return self.offshore.per_unit - self.local.per_unit

    @property
    def saving_per_yr(self) -> float:
        """Saving per unit x units sold locally per year."""
        return self.saving_per_unit * self.local.units_sold_per_yr


def compare(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_unit: float | None = None,
    weeks_per_yr: float | None = None,
) -> Comparison:
    """Landed cost local (at a site) versus offshore (no site), same products.

    Parameters
    ----------
    products : sequence of ProductFamily
    site_cost_per_yr, delivery_cost_per_yr : float
        The local site's yearly rent + amortised set-up and delivery (lanes) cost.
    offshore_delivery_cost_per_unit : float, optional
        Last-mile delivery per unit in the offshore baseline; default: the local delivery cost per
        unit sold, so that delivery cancels out of the saving.
    weeks_per_yr : float, optional

    Returns
    -------
    Comparison
    """
    local = landed_cost(
        products,
        "local",
        site_cost_per_yr=site_cost_per_yr,
        delivery_cost_per_yr=delivery_cost_per_yr,
        weeks_per_yr=weeks_per_yr,
    )
    per_unit = (
        delivery_cost_per_yr / local.units_sold_per_yr
        if offshore_delivery_cost_per_unit is None
        else float(offshore_delivery_cost_per_unit)
    )
    fams = tuple(sourcing_cost(p, "offshore", weeks_per_yr=weeks_per_yr) for p in products)
    offshore = LandedCost("offshore", fams, per_unit * sum(f.units_sold_per_yr for f in fams), 0.0)
    return Comparison(local, offshore)


def scale_demand(products: Sequence[ProductFamily], factor: float) -> list[ProductFamily]:
    """Scale every family's weekly demand mean and standard deviation by ``factor``.

    The coefficient of variation is kept. Use it to match the families to the stores' demand:
    ``scale_demand(products, total_units_per_week / sum of the families' means)``.

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
