"""family_cost: the per-unit interface the design model prices with, against the season model it wraps."""

from __future__ import annotations

import math

import pytest

from siting.costs import family_cost, load_products, sourcing_cost
from siting.costs.products import example_products_path
from siting.errors import InputError

FAMILIES = load_products(example_products_path())


@pytest.mark.parametrize("source", ["local", "offshore"])
@pytest.mark.parametrize("family", FAMILIES, ids=lambda p: p.family)
def test_own_volume_matches_season_model(family, source):
    s = sourcing_cost(family, source)
    f = family_cost(family, source)
    assert f.cost_per_unit == pytest.approx(s.total_per_yr / s.demand_units_per_yr, rel=1e-12)
    assert f.fill_rate == pytest.approx(s.fill_rate, rel=1e-12)


def test_volume_scales_std_with_square_root():
    p = FAMILIES[0]
    f = family_cost(p, "local", p.demand_mean_units_per_week * 4)
    assert f.demand_std_units_per_week == pytest.approx(2 * p.demand_std_units_per_week)
    assert f.units_per_week == pytest.approx(4 * p.demand_mean_units_per_week)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_bad_volume_refused(bad):
    with pytest.raises(InputError, match="units_per_week"):
        family_cost(FAMILIES[0], "local", bad)


def test_unknown_override_refused():
    with pytest.raises(InputError, match="no_such_field"):
        family_cost(FAMILIES[0], "local", no_such_field=1)
