"""The value of learning from sales and of a test drop, per family, made locally: cost without minus cost with."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from siting.costs.products import ProductFamily, cost_default
from siting.costs.unit_cost import family_cost
from siting.errors import InputError

__all__ = ["InformationValue", "information_value"]


@dataclass(frozen=True)
class InformationValue:
    """Local cost per unit of demand under three policies, and the value of the information between them.

    ``prior``: every buy on the pre-season forecast (no learning); ``kalman``: the re-orders learn from
    the sales seen (:mod:`siting.costs.learning`); ``test_drop``: as ``kalman``, after a test drop of
    ``test_drop_units`` read before the opener is committed. Money per unit of demand and per year in
    the volume frame ``units_per_week`` x weeks a year. A value < 0 means the information costs more
    than it saves (a test drop's unsold units above what it teaches).
    """

    family: str
    units_per_week: float
    units_per_yr: float
    test_drop_units: float
    cost_prior_per_unit: float
    cost_kalman_per_unit: float
    cost_test_drop_per_unit: float

    @property
    def learning_value_per_unit(self) -> float:
        """Cost without learning minus cost with learning (per unit of demand)."""
        return self.cost_prior_per_unit - self.cost_kalman_per_unit

    @property
    def test_drop_value_per_unit(self) -> float:
        """Cost with learning minus cost with learning after the test drop (per unit of demand)."""
        return self.cost_kalman_per_unit - self.cost_test_drop_per_unit

    @property
    def learning_value_per_yr(self) -> float:
        """:attr:`learning_value_per_unit` x units a year."""
        return self.learning_value_per_unit * self.units_per_yr

    @property
    def test_drop_value_per_yr(self) -> float:
        """:attr:`test_drop_value_per_unit` x units a year."""
        return self.test_drop_value_per_unit * self.units_per_yr


def information_value(
    family: ProductFamily,
    units_per_week: float | None = None,
    *,
    test_drop_units: float | None = None,
    weeks_per_yr: float | None = None,
) -> InformationValue:
    """What learning from sales, and a test drop on top of it, are worth for ``family`` made locally.

    Parameters
    ----------
    family : ProductFamily
        Its ``reorder_forecast`` is set to each policy in turn.
    units_per_week : float, optional
        Demand served (default the family's own); as :func:`siting.costs.family_cost`.
    test_drop_units : float, optional
        Size of the test drop (default the family's ``test_drop_units``, or the cost default
        ``test_drop_units`` when the family gives none). > 0.
    weeks_per_yr : float, optional
        Default from the package cost defaults.

    Returns
    -------
    InformationValue
    """
    if test_drop_units is None:
        test_drop_units = family.test_drop_units or cost_default("test_drop_units")
    q = float(test_drop_units)
    if not q > 0:
        raise InputError(f"information_value: test_drop_units={test_drop_units!r}; give a number of units > 0.")
    base = dataclasses.replace(family, test_drop_units=0.0, reorder_forecast="level")
    costs = [
        family_cost(base, "local", units_per_week, weeks_per_yr=weeks_per_yr, reorder_forecast=mode, test_drop_units=t)
        for mode, t in (("prior", 0.0), ("kalman", 0.0), ("kalman", q))
    ]
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    return InformationValue(
        family=family.family,
        units_per_week=costs[0].units_per_week,
        units_per_yr=costs[0].units_per_week * wpy,
        test_drop_units=q,
        cost_prior_per_unit=costs[0].cost_per_unit,
        cost_kalman_per_unit=costs[1].cost_per_unit,
        cost_test_drop_per_unit=costs[2].cost_per_unit,
    )
