"""Lanes priced with the vehicle of the network's mode: the default van follows the mode, a chosen one is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from siting.delivery import VEHICLES
from siting.delivery.emissions import load_vehicles
from siting.delivery.lane_tables import LaneParams
from siting.delivery.modes import vehicle_for_mode
from siting.errors import InputError


@pytest.mark.parametrize(
    ("vehicle", "mode", "expected"),
    [
        ("van_avg_diesel", "drive", "van_avg_diesel"),
        ("van_avg_diesel", "walk", "on_foot"),
        ("van_avg_diesel", "bike", "ecargo_bike"),
        ("ecargo_bike", "drive", "ecargo_bike"),  # a cargo bike on car roads, capped at its speed
        ("ecargo_bike", "bike", "ecargo_bike"),
        ("on_foot", "drive", "on_foot"),
        ("on_foot", "walk", "on_foot"),
    ],
)
def test_the_vehicle_that_may_travel_on_the_network(vehicle, mode, expected, caplog):
    with caplog.at_level(logging.WARNING, logger="siting"):
        assert vehicle_for_mode(vehicle, mode, where="Monaco") == expected
    switched = [r.getMessage() for r in caplog.records if "instead of the default" in r.getMessage()]
    assert len(switched) == (vehicle != expected)
    if switched:
        assert switched[0].startswith(f"Monaco: the network mode is {mode}, so lanes are priced with {expected}")


@pytest.mark.parametrize(
    ("vehicle", "mode"), [("van_class1_diesel", "walk"), ("van_avg_bev", "bike"), ("ecargo_bike", "walk")]
)
def test_a_chosen_vehicle_that_cannot_travel_there_is_refused(vehicle, mode):
    with pytest.raises(InputError, match=f"vehicle '{vehicle}'.*network mode is '{mode}'.*on_foot"):
        vehicle_for_mode(vehicle, mode, where="Monaco")


def test_lane_params_default_is_the_van_that_follows_the_mode():
    assert LaneParams().vehicle == "van_avg_diesel" and VEHICLES["van_avg_diesel"].network_mode == "drive"


def test_on_foot_emits_nothing_and_carries_its_sources():
    v = VEHICLES["on_foot"]
    assert v.network_mode == "walk" and v.wtw_kg_per_km == 0.0 and v.payload_kg == 30
    assert v.factor_source and v.spec_source and v.factor_year == 2023


def test_network_mode_column_is_checked(tmp_path: Path):
    path = tmp_path / "v.csv"
    path.write_text("vehicle_id,network_mode\nvan_avg_diesel,boat\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2, column 'network_mode'.*drive, bike or walk"):
        load_vehicles(path)
    path.write_text("vehicle_id,network_mode\nvan_avg_diesel,walk\n", encoding="utf-8")
    assert load_vehicles(path)["van_avg_diesel"].network_mode == "walk"


@pytest.fixture(scope="module")
def kotka():
    from siting.inputs.demo import demo_city

    return demo_city("kotka")


def _rank(kotka, mode, vehicle=None):
    from siting.pipeline.city import rank_city
    from siting.pipeline.options import CityInputs, LaneOptions, RankOptions, ReachOptions

    params = LaneParams() if vehicle is None else LaneParams(vehicle=vehicle)
    city = CityInputs("kotka", kotka.stores, kotka.candidates, kotka.osm_path, mode=mode)
    return rank_city(
        city,
        RankOptions(reach=ReachOptions(isochrones_for_top=0), lanes=LaneOptions(lanes_for_top=1, lane_params=params)),
    )


def test_a_walk_run_prices_its_lanes_on_foot(kotka, caplog):
    with caplog.at_level(logging.WARNING, logger="siting"):
        result = _rank(kotka, "walk")
    assert set(result.lanes["vehicle"]) == {"on_foot"}
    assert result.lanes["co2e_wtw_kg_per_week"].sum() == 0.0
    assert any("priced with on_foot" in r.getMessage() for r in caplog.records)
    with pytest.raises(InputError, match="van_class3_diesel"):
        _rank(kotka, "walk", "van_class3_diesel")
