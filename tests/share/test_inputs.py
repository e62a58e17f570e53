"""The shared-network scenario tables: defaults, checks with key paths, and a scenario file with brand layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.errors import InputError
from siting.share.inputs import load_share_scenario, parse_share


def test_defaults_and_seasons() -> None:
    spec = parse_share(
        {
            "brands": [{"name": "A", "lane_class": "priority"}, {"name": "B", "season_multipliers": {"peak": 2.0}}],
            "seasons": [{"name": "base", "weeks": 40}, {"name": "peak", "weeks": 12, "multiplier": 1.5}],
        }
    )
    assert [c.name for c in spec.lane_classes] == ["priority", "standard", "overflow"]
    assert spec.lane_class(spec.brands[0]).lead_time_days == 5.0
    assert spec.site_capacity.run_min_units == 50 and spec.site_capacity.run_max_units == 500


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "brands: a shared network needs at least one brand"),
        ({"brands": [{"name": "A"}, {"name": "A"}]}, "brands[1].name: 'A' appears twice"),
        ({"brands": [{"name": "A", "colour": 1}]}, "brands[0]: unknown key 'colour'"),
        ({"brands": [{"name": "A", "season_multipliers": {"xmas": 2}}]}, "unknown season 'xmas'"),
        ({"brands": [{"name": "A"}], "seasons": [{"name": "s", "weeks": 60}]}, "more than 52"),
        (
            {"brands": [{"name": "A", "lane_class": "p"}], "lane_classes": [{"name": "p", "kind": "priority"}]},
            "lane_classes[0].lead_time_days: a priority class needs its SLA",
        ),
        (
            {"brands": [{"name": "A"}], "site_capacity": {"levels_units_per_week": [1000, 2000, 3000]}},
            "one value per level",
        ),
        ({"brands": [{"name": "A"}], "share": {"priority_rule": "fifo"}}, "share.priority_rule: expected one of"),
        ({"brands": [{"name": "A"}], "site_capacity": {"dedicated": {"x": "B"}}}, "unknown brand 'B'"),
    ],
)
def test_bad_tables_name_the_key(doc, message) -> None:
    with pytest.raises(InputError) as err:
        parse_share(doc, source="s.toml")
    assert str(err.value).startswith("s.toml: ") and message in str(err.value)


def test_load_keeps_the_cities_for_the_other_commands(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(
        'name = "shared"\n[[cities]]\nname = "helsinki"\ndemo = "helsinki"\n\n'
        '[[brands]]\nname = "A"\nstores = "a.gpkg"\n\n[site_capacity]\ndedicated = { "helsinki:way/1" = "A" }\n',
        encoding="utf-8",
    )
    scenario, spec = load_share_scenario(path)
    assert scenario.cities[0].name == "helsinki" and "brands" in scenario.raw
    assert spec.brands[0].stores == tmp_path / "a.gpkg"
    assert spec.site_capacity.dedicated == {"helsinki:way/1": "A"}


def test_unit_costs_from_the_example_products() -> None:
    from siting.costs import load_products
    from siting.costs.products import example_products_path
    from siting.share.inputs import unit_costs_from_products

    products = load_products(example_products_path())
    local, offshore = unit_costs_from_products(products)
    # a unit-weighted mean of the families' local unit costs lies between their extremes
    assert min(p.unit_cost_local for p in products) <= local <= max(p.unit_cost_local for p in products)
    # offshore landed: at least the cheapest family's production + freight + duty (carrying and
    # unsold stock come on top)
    assert offshore > min(
        p.unit_cost_offshore + p.freight_offshore_per_unit + p.duty_offshore_per_unit() for p in products
    )
