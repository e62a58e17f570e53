"""CO2e per unit of the business case: production energy, inbound freight and last mile, local vs offshore.

Both sides add the goods made and written off unsold (:func:`unsold_co2e_per_unit`).
Local: electricity to make a unit x the grid factor of the site's country, plus the inbound
materials (unit weight x ``materials_weight_factor``) over the same sea and port legs as offshore
goods, plus the site's delivery lanes. Offshore: the same electricity x the origin's grid factor,
plus the finished unit over sea and port (:func:`siting.delivery.offshore_baseline`, DESNZ 2024
factors), plus the lanes from the distribution point. All well-to-wheel, kg CO2e per unit of demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from siting.costs.products import ProductFamily, cost_default
from siting.errors import InputError

__all__ = ["UnitFootprint", "grid_factors", "grid_factor", "co2e_per_unit", "FOOTPRINT_PARTS"]

#: Parts of a unit's footprint, in the order they are reported.
FOOTPRINT_PARTS = ("production_energy", "inbound_freight", "last_mile", "unsold_goods")


@lru_cache(maxsize=1)
def _grid_table() -> pd.DataFrame:
    with resources.files("siting").joinpath("data/grid_factors.csv").open("r") as fh:
        return pd.read_csv(fh, keep_default_na=False)


def grid_factors() -> pd.DataFrame:
    """Electricity grid factors shipped with the package: ``country, kg_co2e_per_kwh, source, year, grade, note``."""
    return _grid_table().copy()


def grid_factor(country: str | None) -> float:
    """kg CO2e per kWh of a country's electricity (ISO 3166 alpha-2 code; ``EU27`` if unknown or None).

    Parameters
    ----------
    country : str or None

    Returns
    -------
    float
    """
    table = _grid_table().set_index("country")["kg_co2e_per_kwh"]
    key = (country or "EU27").strip().upper()
    return float(table.get(key, table["EU27"]))


@dataclass(frozen=True)
class UnitFootprint:
    """kg CO2e per unit of demand of one side, by part."""

    production_energy: float
    inbound_freight: float
    last_mile: float
    unsold_goods: float = 0.0

    @property
    def total(self) -> float:
        """Sum of the parts (kg CO2e per unit)."""
        return self.production_energy + self.inbound_freight + self.last_mile + self.unsold_goods


def _sea_and_port_kg_per_kg(offshore) -> float:
    from siting.delivery.offshore import offshore_baseline

    legs = offshore_baseline(1.0, params=offshore).set_index("leg")
    return float(legs.loc[["sea", "port_to_warehouse"], "co2e_wtw_kg_per_week"].sum())


def co2e_per_unit(
    products: Sequence[ProductFamily],
    *,
    unit_weight_kg: float,
    grid_kg_co2e_per_kwh: float,
    offshore_grid_kg_co2e_per_kwh: float | None = None,
    local_last_mile_kg_per_week: float = 0.0,
    offshore_last_mile_kg_per_week: float = 0.0,
    offshore=None,
) -> dict[str, UnitFootprint]:
    """CO2e per unit of demand, local and offshore, by part.

    Parameters
    ----------
    products : sequence of ProductFamily
        The mix in the stores' volume (its mean demands weight the families' energy per unit).
    unit_weight_kg : float
        Weight of a finished unit (the lanes' ``LaneParams.unit_weight_kg``).
    grid_kg_co2e_per_kwh : float
        The site's grid (e.g. :func:`grid_factor` of its country).
    offshore_grid_kg_co2e_per_kwh : float, optional
        The origin's grid; default :func:`grid_factor` ``("CN")``.
    local_last_mile_kg_per_week, offshore_last_mile_kg_per_week : float
        Well-to-wheel CO2e per week of the site's lanes and of the distribution point's lanes.
    offshore : siting.delivery.OffshoreParams, optional
        Sea and port legs (default ``OffshoreParams()``).

    Returns
    -------
    dict
        ``{"local": UnitFootprint, "offshore": UnitFootprint}``.
    """
    from siting.delivery.offshore import OffshoreParams

    if not products:
        raise InputError("co2e_per_unit: no product families given.")
    for name, value in (("unit_weight_kg", unit_weight_kg), ("grid_kg_co2e_per_kwh", grid_kg_co2e_per_kwh)):
        if not value >= 0:
            raise InputError(f"co2e_per_unit: {name}={value!r}; give a number >= 0.")
    offshore = OffshoreParams() if offshore is None else offshore
    origin = grid_factor("CN") if offshore_grid_kg_co2e_per_kwh is None else float(offshore_grid_kg_co2e_per_kwh)
    units_per_week = sum(p.demand_mean_units_per_week for p in products)
    kwh = sum(p.demand_mean_units_per_week * p.energy_kwh_per_unit for p in products) / units_per_week
    per_kg = _sea_and_port_kg_per_kg(offshore)
    materials = unit_weight_kg * cost_default("materials_weight_factor")
    return {
        "local": UnitFootprint(
            kwh * grid_kg_co2e_per_kwh,
            materials * per_kg,
            local_last_mile_kg_per_week / units_per_week,
            unsold_co2e_per_unit(products, "local", grid_kg_co2e_per_kwh),
        ),
        "offshore": UnitFootprint(
            kwh * origin,
            unit_weight_kg * per_kg,
            offshore_last_mile_kg_per_week / units_per_week,
            unsold_co2e_per_unit(products, "offshore", origin),
        ),
    }


def unsold_co2e_per_unit(products: Sequence[ProductFamily], source: str, grid_kg_co2e_per_kwh: float) -> float:
    """kg CO2e per unit of demand of goods made and written off unsold (the season model's write-off).

    Each written-off unit carries its making: ``embodied_co2e_kg_per_unit`` + ``energy_kwh_per_unit``
    x the producing grid.

    Parameters
    ----------
    products : sequence of ProductFamily
    source : {"local", "offshore"}
    grid_kg_co2e_per_kwh : float
        The grid where the units are made.

    Returns
    -------
    float
    """
    from siting.costs.season import sourcing_cost

    demand = sum(p.demand_mean_units_per_week for p in products) * cost_default("weeks_per_yr")
    made = sum(
        sourcing_cost(p, source).written_off_units_per_yr
        * (p.embodied_co2e_kg_per_unit + p.energy_kwh_per_unit * grid_kg_co2e_per_kwh)
        for p in products
    )
    return made / demand
