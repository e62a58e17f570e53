"""Cost per unit of one family from one source at a given volume: the interface the design model prices with."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

from siting.costs.products import ProductFamily
from siting.costs.season import sourcing_cost
from siting.errors import InputError

__all__ = ["FamilyCost", "UNIT_COMPONENTS", "family_cost"]

#: Cost components per unit of demand that depend on the family and source (delivery and site are priced by the design).
UNIT_COMPONENTS = ("production", "freight_duty", "carrying", "unsold_stock", "lost_margin")

Source = Literal["local", "offshore"]


@dataclass(frozen=True)
class FamilyCost:
    """One family from one source at ``units_per_week`` of demand: cost per unit by component and the policy's outcome.

    Money is per unit of demand (the volume frame is the demand served, ``units_per_week`` x weeks a
    year), in the family's currency. Units are per season unless the name says otherwise. A family of
    ``skus`` > 1 items (:mod:`siting.costs.skus`) sums its SKUs' units and money; its order size and
    orders per season are the most popular SKU's. Printed on demand (no buys), the order size is 1
    unit and the orders per season 0.
    """

    family: str
    source: str
    units_per_week: float
    demand_std_units_per_week: float
    components_per_unit: dict[str, float]
    fill_rate: float
    expected_unsold_units_per_season: float
    lost_units_per_season: float
    written_off_units_per_season: float
    order_size_units: float
    orders_per_season: int
    skus: int = 1

    @property
    def cost_per_unit(self) -> float:
        """Sum of :data:`UNIT_COMPONENTS` per unit of demand."""
        return float(sum(self.components_per_unit.values()))


def _scaled(family: ProductFamily, units_per_week: float, std: float | None) -> ProductFamily:
    base_mean = family.demand_mean_units_per_week
    if std is None:  # independent stores: the variance adds up, so the std grows with the square root of volume
        std = family.demand_std_units_per_week * math.sqrt(units_per_week / base_mean) if base_mean > 0 else 0.0
    return dataclasses.replace(family, demand_mean_units_per_week=units_per_week, demand_std_units_per_week=std)


def family_cost(
    family: ProductFamily,
    source: Source,
    units_per_week: float | None = None,
    *,
    demand_std_units_per_week: float | None = None,
    weeks_per_yr: float | None = None,
    **overrides: Any,
) -> FamilyCost:
    """Cost per unit of ``family`` made by ``source`` for ``units_per_week`` of demand.

    Parameters
    ----------
    family : ProductFamily
    source : {"local", "offshore"}
    units_per_week : float, optional
        The demand this source serves (default: the family's own mean). > 0.
    demand_std_units_per_week : float, optional
        Its weekly standard deviation; by default the family's, scaled with the square root of
        the volume (the stores' demands are independent).
    weeks_per_yr : float, optional
        Default from the package cost defaults.
    **overrides
        Any other :class:`ProductFamily` field (e.g. ``moq_offshore_units=2000``).

    Returns
    -------
    FamilyCost
    """
    if source not in ("local", "offshore"):
        raise InputError(f"family_cost: source must be 'local' or 'offshore', not {source!r}.")
    unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(ProductFamily)})
    if unknown:
        raise InputError(f"family_cost: unknown product field(s) {', '.join(unknown)}.")
    volume = family.demand_mean_units_per_week if units_per_week is None else float(units_per_week)
    if not (math.isfinite(volume) and volume > 0):
        raise InputError(f"family_cost: units_per_week={units_per_week!r}; give a finite number > 0.")
    given = dataclasses.replace(family, **overrides) if overrides else family
    scaled = _scaled(given, volume, demand_std_units_per_week)
    s = sourcing_cost(scaled, source, weeks_per_yr=weeks_per_yr)
    units = s.demand_units_per_yr
    seasons = units / (volume * scaled.season_weeks)
    components = {c: float(getattr(s, f"{c}_per_yr")) / units for c in UNIT_COMPONENTS}
    return FamilyCost(
        family=scaled.family,
        source=source,
        units_per_week=volume,
        demand_std_units_per_week=scaled.demand_std_units_per_week,
        components_per_unit=components,
        fill_rate=s.fill_rate,
        expected_unsold_units_per_season=s.written_off_units_per_yr / seasons,
        lost_units_per_season=s.lost_sales_units_per_yr / seasons,
        written_off_units_per_season=s.written_off_units_per_yr / seasons,
        order_size_units=float(sum(c.order_qty for c in s.cycles) / len(s.cycles)) if s.cycles else 1.0,
        orders_per_season=s.buys_per_season,
        skus=s.skus,
    )
