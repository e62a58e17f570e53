"""Property: random finite and non-finite values in every share-table field; `siting validate` exits 0 only
for valid values, else 2 naming the key as written in the scenario."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import cli_runner
import pytest
from bad_input_cases import Kit, make_kit
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

# (key as written, TOML table it goes in, integer field, valid values: an independent statement of the rules)
_RULES: dict[str, tuple[str, bool, Callable[[float], bool]]] = {
    "brands[0].unit_cost_per_unit": ("brand", False, lambda v: v >= 0),
    "brands[0].offshore_landed_per_unit": ("brand", False, lambda v: v >= 0),
    "brands[0].demand_scale": ("brand", False, lambda v: v > 0),
    "brands[0].season_multipliers.a": ("brand", False, lambda v: v >= 0),  # season b keeps the brand's demand
    "brands[0].shelf_life_seasons": ("brand", True, lambda v: 0 <= v <= 1),  # two seasons: at most one carried
    "brands[0].carry_cost_per_unit_season": ("brand", False, lambda v: v >= 0),
    "seasons[0].multiplier": ("season", False, lambda v: v >= 0),
    "seasons[0].weeks": ("season", True, lambda v: v == 26),  # season b has 26 weeks: the year is 52
    "lane_classes[0].lead_time_days": ("lane", False, lambda v: v > 0),
    "site_capacity.levels_units_per_week[0]": ("capacity", False, lambda v: v > 0),
    "site_capacity.floor_area_m2[0]": ("capacity", False, lambda v: v > 0),
    "site_capacity.setup_cost[0]": ("capacity", False, lambda v: v >= 0),
    "site_capacity.amortisation_yrs": ("capacity", False, lambda v: v > 0),
    "site_capacity.hours_per_week": ("capacity", False, lambda v: 0 < v <= 168),
    "site_capacity.changeover_min": ("capacity", False, lambda v: v >= 0),
    "site_capacity.run_min_units": ("capacity", True, lambda v: 1 <= v <= 500),
    "site_capacity.run_max_units": ("capacity", True, lambda v: v >= 50),
    "site_capacity.max_utilisation": ("capacity", False, lambda v: 0 < v <= 1),
    "site_capacity.production_lead_time_days": ("capacity", False, lambda v: v >= 0),
    "site_capacity.flex_cost_per_hour.any": ("capacity", False, lambda v: v >= 0),  # no routings: process "any"
    "share.reserved_share": ("share", False, lambda v: 0 <= v < 1),
    "share.delivery_cost_per_unit_km": ("share", False, lambda v: v >= 0),
    "share.holding_cost_per_unit_week": ("share", False, lambda v: v >= 0),
    "share.time_limit_s": ("share", False, lambda v: v > 0),
    "share.mip_gap": ("share", False, lambda v: 0 <= v < 1),
    "share.shapley_samples": ("share", True, lambda v: v >= 1),
    "share.sim_weeks": ("share", True, lambda v: v >= 1),
    "share.coalition_max_nodes": ("share", True, lambda v: v >= 1),
    "share.scenarios": ("share", True, lambda v: v >= 0),
    "share.scenario_seed": ("share", True, lambda v: v >= 0),
    "share.sla_mix_rounds": ("share", True, lambda v: 0 <= v <= 20),
    "share.scenario_cv": ("share", False, lambda v: v >= 0),
    "share.season_correlation": ("share", False, lambda v: -1 <= v <= 1),
    "share.group_time_tolerance_s": ("share", False, lambda v: v >= 0),
    "share.group_cost_tolerance_per_unit": ("share", False, lambda v: v >= 0),
}

#: the key a refusal names when a field breaks a rule that spans several keys
_NAMED = {"seasons[0].weeks": "seasons", "site_capacity.run_min_units": "run_min_units"}

_VALUES = st.one_of(
    st.sampled_from([0, 1, -1, 26, 52, 168, 0.5, 1.0, 0.0, -0.0, 1e-9, 500, 501, math.nan, math.inf, -math.inf]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-10, 10**6),
)


def _toml(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def _valid(key: str, value: float) -> bool:
    _, integer, rule = _RULES[key]
    if integer and not isinstance(value, int):
        return False  # TOML 26.0 is a float: an integer field refuses it
    return math.isfinite(value) and bool(rule(value))


def _scenario(kit: Kit, stores: Path, chosen: dict[str, float]) -> str:
    """A share scenario with every chosen field set (the others at valid values)."""

    def val(key: str, default: str) -> str:
        return _toml(chosen[key]) if key in chosen else default

    return (
        f'[[cities]]\nname = "k"\nnetwork = "{kit.pbf}"\n[cities.layers.stores]\npath = "{stores}"\n'
        f'[cities.layers.candidates]\npath = "{kit.path("candidates")}"\n'
        '[[brands]]\nname = "A"\nlane_class = "standard"\n'
        f"unit_cost_per_unit = {val('brands[0].unit_cost_per_unit', '9.0')}\n"
        f"offshore_landed_per_unit = {val('brands[0].offshore_landed_per_unit', '12.0')}\n"
        f"demand_scale = {val('brands[0].demand_scale', '1.0')}\n"
        f"season_multipliers = {{ a = {val('brands[0].season_multipliers.a', '1.0')} }}\n"
        f"shelf_life_seasons = {val('brands[0].shelf_life_seasons', '0')}\n"
        f"carry_cost_per_unit_season = {val('brands[0].carry_cost_per_unit_season', '0.0')}\n"
        '[[seasons]]\nname = "a"\n'
        f"weeks = {val('seasons[0].weeks', '26')}\nmultiplier = {val('seasons[0].multiplier', '1.0')}\n"
        '[[seasons]]\nname = "b"\nweeks = 26\n'
        f'[[lane_classes]]\nname = "standard"\nlead_time_days = {val("lane_classes[0].lead_time_days", "10.0")}\n'
        '[[lane_classes]]\nname = "overflow"\nkind = "overflow"\n'
        "[site_capacity]\n"
        f"levels_units_per_week = [{val('site_capacity.levels_units_per_week[0]', '1500.0')}, 3000.0]\n"
        f"floor_area_m2 = [{val('site_capacity.floor_area_m2[0]', '300.0')}, 550.0]\n"
        f"setup_cost = [{val('site_capacity.setup_cost[0]', '40000.0')}, 65000.0]\n"
        + "".join(
            f"{key.split('.', 1)[1]} = {_toml(value)}\n"
            for key, value in chosen.items()
            if key.startswith("site_capacity.") and "[" not in key
        )
        + "[share]\n"
        + "".join(
            f"{key.split('.', 1)[1]} = {_toml(value)}\n" for key, value in chosen.items() if key.startswith("share.")
        )
    )


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("kit"))


@pytest.fixture(scope="module")
def brand_stores(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stores") / "brand_stores.gpkg"
    kit.stores.assign(brand="A").to_file(path)
    return path


#: Every field with a non-finite value (nan, inf, -inf in turn), and the impossible values the issue met: always tried.
_EXPLICIT = [{key: bad} for key, bad in zip(sorted(_RULES), [math.nan, math.inf, -math.inf] * len(_RULES))] + [
    {"share.sim_weeks": 0},
    {"share.shapley_samples": 0},
    {"share.mip_gap": -1},
    {"share.time_limit_s": 0},
    {"site_capacity.amortisation_yrs": 0},
    {"site_capacity.floor_area_m2[0]": -300.0},
    {"site_capacity.setup_cost[0]": -40000.0},
    {"brands[0].offshore_landed_per_unit": -1.0},
    {"seasons[0].weeks": 13},
    {"brands[0].demand_scale": 0.0},
]


def _with_examples(test: Callable) -> Callable:
    for chosen in reversed(_EXPLICIT):
        test = example(chosen=chosen)(test)
    return test


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(chosen=st.dictionaries(st.sampled_from(sorted(_RULES)), _VALUES, min_size=1, max_size=3))
@_with_examples
def test_share_fields_exit_0_only_when_valid_else_2_naming_the_key(
    chosen: dict[str, float], kit: Kit, brand_stores: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    scenario = folder / "share.toml"
    scenario.write_text(_scenario(kit, brand_stores, chosen), encoding="utf-8")
    code, stdout, stderr = cli_runner.run_cli("validate", scenario)
    invalid = [k for k, v in chosen.items() if not _valid(k, v)]
    event("valid" if not invalid else "invalid")
    assert "Traceback" not in stderr
    if not invalid:
        assert code == 0, f"{chosen}: {stderr}"
        assert "share tables" in stdout
    else:
        assert code == 2, f"{chosen} accepted (invalid: {invalid})"
        named = [_NAMED.get(k, k) for k in invalid]
        assert any(n in stderr for n in named), f"{chosen}: none of {named} in {stderr}"
        assert "share.toml" in stderr
    assert sorted(p.name for p in folder.iterdir()) == ["share.toml"]  # nothing written


def test_the_rules_cover_every_numeric_share_field() -> None:
    """Every number a user can set in a share table has a rule here (a new field needs one)."""
    import dataclasses
    import typing

    from siting.config.schema import type_hints
    from siting.share.inputs import Brand, LaneClass, Season, ShareSettings, SiteCapacity

    numeric = set()
    for cls, prefix in (
        (Brand, "brands[0]."),
        (Season, "seasons[0]."),
        (LaneClass, "lane_classes[0]."),
        (SiteCapacity, "site_capacity."),
        (ShareSettings, "share."),
    ):
        hints = type_hints(cls)
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            args = typing.get_args(tp)
            if tp in (int, float) or float in args or (args and args[0] is float):
                numeric.add(prefix + f.name)
    covered = {k.split("[0]", 1)[0] + "[0]." + k.split("].", 1)[1] if "[0]." in k else k for k in _RULES}
    covered |= {k.rsplit("[", 1)[0] for k in _RULES if k.endswith("[0]")}
    covered |= {k.rsplit(".", 1)[0] for k in _RULES if ".season_multipliers." in k or ".flex_cost_per_hour." in k}
    assert numeric <= covered, numeric - covered
