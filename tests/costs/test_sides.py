"""siting.costs.sides: one source priced without the other's inputs equals the full season model, field for field."""

from __future__ import annotations

import dataclasses

import pytest

from siting.costs import load_products, sourcing_cost
from siting.costs.products import example_products_path
from siting.costs.sides import OTHER_SIDE, canonical_for, side_cost

FAMILIES = {p.family: p for p in load_products(example_products_path())}
#: A string field's other value (the numbers are moved by a factor).
OTHER_CHOICE = {"duty_basis": "FOB", "incoterm": "DDP", "moq_offshore_basis": "style", "origin": "VN"}


def _moved(p, name: str, forecast: str):
    """``p`` with one field of the other side moved (a test drop needs ``kalman``: moved only then)."""
    if name in OTHER_CHOICE:
        return dataclasses.replace(p, **{name: OTHER_CHOICE[name]})
    if name == "test_drop_units":
        return dataclasses.replace(p, test_drop_units=25.0) if forecast == "kalman" else None
    if name == "print_on_demand_below_units_per_week":
        return dataclasses.replace(p, **{name: 2.0 * p.demand_mean_units_per_week})
    if name == "insurance_rate_offshore" or name == "duty_rate_offshore":
        return dataclasses.replace(p, **{name: 0.3})
    return dataclasses.replace(p, **{name: getattr(p, name) * 1.7 + 1.0})


@pytest.mark.parametrize("forecast", ["level", "kalman", "prior"])
@pytest.mark.parametrize("source", ["local", "offshore"])
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_side_cost_equals_the_season_model(name, source, forecast):
    """Every demo family, source and forecast mode, with each of the other source's inputs moved in turn."""
    p = dataclasses.replace(FAMILIES[name], reorder_forecast=forecast)
    if forecast == "prior":  # its re-order search grows with the volume (basic_tshirt local: 3 s a pricing at 300 a
        # week, 0.2 s at 30); which inputs belong to which side does not depend on the volume
        p = dataclasses.replace(
            p,
            demand_mean_units_per_week=p.demand_mean_units_per_week / 10.0,
            demand_std_units_per_week=p.demand_std_units_per_week / 10.0,
        )
    assert side_cost(p, source) == sourcing_cost(p, source)
    key = canonical_for(p, source)
    assert key != p  # the copy differs from the family: the other side was really replaced
    for field in OTHER_SIDE[source]:
        q = _moved(p, field, forecast)
        if q is None:
            continue
        assert q != p
        assert canonical_for(q, source) == key, field  # one cache entry for every value of the other side
        exact = sourcing_cost(q, source)  # a new family: priced in full, not from the cache
        assert side_cost(q, source) == exact, field


def test_other_side_moves_the_other_source():
    """Each field left out of a source's key does move the other source's cost (the split is not vacuous)."""
    p = dataclasses.replace(FAMILIES["fashion_top"], reorder_forecast="kalman")
    moved = {"offshore": ("unit_cost_offshore", "lead_time_offshore_weeks"), "local": ("unit_cost_local",)}
    for source, other in (("local", "offshore"), ("offshore", "local")):
        for field in moved[other]:
            q = _moved(p, field, "kalman")
            assert sourcing_cost(q, other).total_per_yr != sourcing_cost(p, other).total_per_yr, field
            assert side_cost(q, source) == side_cost(p, source), field


def test_invalid_copy_prices_the_family_as_given():
    """A price below the local unit cost (offshore still below the price): the copy would be invalid, so no copy."""
    p = dataclasses.replace(FAMILIES["regional_print"], price_per_unit=11.0)
    assert p.price_per_unit < p.unit_cost_local
    assert canonical_for(p, "local") is p
    assert side_cost(p, "local") == sourcing_cost(p, "local")
