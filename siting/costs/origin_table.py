"""Offshore origins as a scenario input: duty, lead time, transit, cost and freight factors, grid, with sources."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from importlib import resources

import pandas as pd

from siting.costs.products import ProductFamily
from siting.errors import InputError

__all__ = ["origins", "with_origin"]


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    with resources.files("siting").joinpath("data/origins.csv").open("r") as fh:
        return pd.read_csv(fh, keep_default_na=False).set_index("country")


def origins() -> pd.DataFrame:
    """The origins shipped with the package, indexed by ISO 3166 alpha-2 ``country``.

    Returns
    -------
    pandas.DataFrame
        ``name, duty_rate_offshore, lead_time_offshore_weeks, transit_offshore_weeks,
        unit_cost_factor, freight_factor, grid_kg_co2e_per_kwh, source, year, grade, note``.
        China is the reference (factors 1): a family's own FOB price and freight are China's.
    """
    return _table().copy()


def with_origin(family: ProductFamily, country: str) -> ProductFamily:
    """The family sourced offshore from ``country``: its duty, lead time and transit, FOB and freight scaled.

    Parameters
    ----------
    family : ProductFamily
        With China's FOB price and freight (the reference origin).
    country : str
        A code of :func:`origins` (e.g. ``"CN"``, ``"BD"``).

    Returns
    -------
    ProductFamily
        ``origin`` set to the code; the offshore grid for its CO2e is ``origins().loc[code,
        "grid_kg_co2e_per_kwh"]``.
    """
    table = _table()
    code = str(country).strip().upper()
    if code not in table.index:
        raise InputError(
            f"origin {country!r} is not in siting/data/origins.csv; choose one of {', '.join(table.index)}."
        )
    row = table.loc[code]
    return dataclasses.replace(
        family,
        origin=code,
        duty_rate_offshore=float(row["duty_rate_offshore"]),
        lead_time_offshore_weeks=float(row["lead_time_offshore_weeks"]),
        transit_offshore_weeks=float(row["transit_offshore_weeks"]),
        unit_cost_offshore=family.unit_cost_offshore * float(row["unit_cost_factor"]),
        freight_offshore_per_unit=family.freight_offshore_per_unit * float(row["freight_factor"]),
    )
