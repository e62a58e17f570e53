"""Tests of siting.delivery.emissions: factors against the DESNZ 2024 file read independently, trips, loading."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from siting.delivery.emissions import (
    FREIGHT_MODES,
    VEHICLES,
    emissions_for_km,
    emissions_for_tkm,
    load_vehicles,
    trips_per_week,
    vehicle_time_s,
)
from siting.errors import InputError

REQUIRED_IDS = [
    "van_avg_diesel",
    "van_avg_petrol",
    "van_avg_bev",
    "van_class1_diesel",
    "van_class2_diesel",
    "van_class3_diesel",
    "hgv_rigid_7_5t",
    "ecargo_bike",
]

# Level-3 labels of the DESNZ flat file, by our class names (written from the published sheet).
_VAN = {
    "class1": "Class I (up to 1.305 tonnes)",
    "class2": "Class II (1.305 to 1.74 tonnes)",
    "class3": "Class III (1.74 to 3.5 tonnes)",
    "avg": "Average (up to 3.5 tonnes)",
}
_FUEL = {"diesel": "Diesel", "petrol": "Petrol", "bev": "Battery Electric Vehicle"}


@pytest.fixture(scope="module")
def desnz(shared_dir: Path) -> list[dict[str, str]]:
    path = shared_dir / "reference" / "desnz-2024" / "desnz_2024_flat_delivery_freight_EV_extract.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["GHG/Unit"] == "kg CO2e"]


def _factor(rows: list[dict[str, str]], level1: str, level2: str, level3: str, text: str, uom: str) -> float:
    hits = [
        r
        for r in rows
        if r["Level 1"] == level1
        and r["Level 2"] == level2
        and r["Level 3"] == level3
        and r["Column Text"] == text
        and r["UOM"] == uom
    ]
    assert len(hits) == 1, (level1, level2, level3, text, uom, len(hits))
    return float(hits[0]["GHG Conversion Factor 2024"])


def test_required_vehicle_ids_present_and_frozen() -> None:
    for vid in REQUIRED_IDS:
        assert VEHICLES[vid].vehicle_id == vid
    with pytest.raises(AttributeError):
        VEHICLES["van_avg_diesel"].payload_kg = 5  # type: ignore[misc]


def test_issue_example_10km_average_diesel_van() -> None:
    e = emissions_for_km(10, VEHICLES["van_avg_diesel"])
    assert e.ttw_kg == pytest.approx(2.5023, abs=1e-9)
    assert e.wtt_kg == pytest.approx(0.6128, abs=1e-9)
    assert e.wtw_kg == pytest.approx(3.1151, abs=1e-9)


@pytest.mark.parametrize("cls", sorted(_VAN))
@pytest.mark.parametrize("fuel", ["diesel", "petrol"])
def test_combustion_van_factors_equal_desnz(desnz, cls: str, fuel: str) -> None:
    v = VEHICLES[f"van_{cls}_{fuel}"]
    lvl3, text = _VAN[cls], _FUEL[fuel]
    assert v.ttw_kg_per_km == _factor(desnz, "Delivery vehicles", "Vans", lvl3, text, "km")
    assert v.wtt_kg_per_km == _factor(desnz, "WTT- delivery vehs & freight", "WTT- vans", lvl3, text, "km")
    assert v.ttw_kg_per_tkm == _factor(desnz, "Freighting goods", "Vans", lvl3, text, "tonne.km")
    assert v.wtt_kg_per_tkm == _factor(desnz, "WTT- delivery vehs & freight", "WTT- vans", lvl3, text, "tonne.km")
    assert v.factor_year == 2024 and "DESNZ" in v.factor_source


@pytest.mark.parametrize("cls", sorted(_VAN))
def test_bev_van_tailpipe_zero_and_energy_provision_is_grid_plus_td_plus_wtt(desnz, cls: str) -> None:
    v = VEHICLES[f"van_{cls}_bev"]
    lvl3, text = _VAN[cls], _FUEL["bev"]
    assert _factor(desnz, "Delivery vehicles", "Vans", lvl3, text, "km") == 0.0
    assert v.ttw_kg_per_km == 0.0 and v.ttw_kg_per_tkm == 0.0
    for uom, got in (("km", v.wtt_kg_per_km), ("tonne.km", v.wtt_kg_per_tkm)):
        grid = _factor(desnz, "UK electricity for EVs", "Vans", lvl3, text, uom)
        td = _factor(desnz, "UK electricity T&D for EVs", "Vans", lvl3, text, uom)
        wtt = _factor(desnz, "WTT- delivery vehs & freight", "WTT- vans", lvl3, text, uom)
        assert got == pytest.approx(grid + td + wtt, abs=1e-9)
    e = emissions_for_km(10, v)
    assert e.ttw_kg == 0.0 and e.wtw_kg == e.wtt_kg > 0


def test_rigid_hgv_factors_equal_desnz(desnz) -> None:
    v = VEHICLES["hgv_rigid_7_5t"]
    lvl3 = "Rigid (>3.5 - 7.5 tonnes)"
    assert v.ttw_kg_per_km == _factor(desnz, "Delivery vehicles", "HGV (all diesel)", lvl3, "Average laden", "km")
    assert v.wtt_kg_per_km == _factor(
        desnz, "WTT- delivery vehs & freight", "WTT- HGV (all diesel)", lvl3, "Average laden", "km"
    )
    assert v.ttw_kg_per_tkm == _factor(desnz, "Freighting goods", "HGV (all diesel)", lvl3, "Average laden", "tonne.km")
    assert v.wtt_kg_per_tkm == _factor(
        desnz, "WTT- delivery vehs & freight", "WTT- HGV (all diesel)", lvl3, "Average laden", "tonne.km"
    )


def test_container_ship_factors_equal_desnz(desnz) -> None:
    hits = [r for r in desnz if r["Level 3"] == "Container ship" and r["Level 4"] == "Average"]
    by_l1 = {r["Level 1"]: float(r["GHG Conversion Factor 2024"]) for r in hits}
    m = FREIGHT_MODES["container_ship_avg"]
    assert m.ttw_kg_per_tkm == by_l1["Freighting goods"]
    assert m.wtt_kg_per_tkm == by_l1["WTT- delivery vehs & freight"]
    e = emissions_for_tkm(1000, m)
    assert e.wtw_kg == pytest.approx(1000 * (by_l1["Freighting goods"] + by_l1["WTT- delivery vehs & freight"]))


def test_ecargo_bike_is_sourced_and_far_below_vans() -> None:
    b = VEHICLES["ecargo_bike"]
    assert b.ttw_kg_per_km == 0.0
    assert b.factor_year == 2021 and "Westminster" in b.factor_source
    assert 0 < b.wtw_kg_per_km < VEHICLES["van_avg_bev"].wtw_kg_per_km < VEHICLES["van_avg_diesel"].wtw_kg_per_km


def test_every_packaged_figure_has_source_and_year() -> None:
    for v in VEHICLES.values():
        assert v.factor_source and v.factor_year >= 2020 and v.spec_source and v.cost_source, v.vehicle_id


def test_trips_from_payload_hand_calculation() -> None:
    van = VEHICLES["van_avg_diesel"]  # 1000 kg, 8 m3
    # 1500 units/week x 0.5 kg = 750 kg/week; 3 drops -> 250 kg per drop; 1000 x 0.8 = 800 kg usable: 1 trip/drop
    # 6000 units -> 1000 kg per drop -> ceil(1000/800) = 2 trips per drop -> 6 a week
    # volume-bound: 2000 units x 0.01 m3 / 2 drops = 10 m3 per drop vs 6.4 m3 usable -> 2 per drop -> 4 a week
    got = trips_per_week([0, 1500, 6000], van, unit_weight_kg=0.5, load_factor=0.8, drops_per_week=3)
    np.testing.assert_array_equal(got, [0, 3, 6])
    got = trips_per_week([2000], van, unit_weight_kg=0.1, unit_volume_m3=0.01, load_factor=0.8, drops_per_week=2)
    np.testing.assert_array_equal(got, [4])
    # exactly full: 1600 kg / 2 drops = 800 kg = usable payload -> 1 trip per drop, not 2
    np.testing.assert_array_equal(trips_per_week([1600], van, unit_weight_kg=1.0, drops_per_week=2), [2])
    with pytest.raises(InputError, match="load_factor"):
        trips_per_week([1], van, unit_weight_kg=1, load_factor=0)


def test_vehicle_time_caps_cargo_bike_speed() -> None:
    bike = VEHICLES["ecargo_bike"]  # 15 km/h cap
    t = vehicle_time_s([60.0, 10_000.0], [1500.0, 1500.0], bike)
    np.testing.assert_allclose(t, [1500 / (15 / 3.6), 10_000.0])
    np.testing.assert_allclose(vehicle_time_s([60.0], [1500.0], VEHICLES["van_avg_diesel"]), [60.0])


def test_load_vehicles_csv_override_and_new(tmp_path: Path) -> None:
    p = tmp_path / "fleet.csv"
    p.write_text(
        "vehicle_id,payload_kg,ttw_kg_per_km,wtt_kg_per_km,cost_per_km,factor_source,factor_year\n"
        "van_avg_diesel,700,,,,,\n"
        "my_truck,2500,0.5,0.12,0.4,fleet telematics,2025\n",
        encoding="utf-8",
    )
    fleet = load_vehicles(p)
    assert fleet["van_avg_diesel"].payload_kg == 700
    assert fleet["van_avg_diesel"].ttw_kg_per_km == VEHICLES["van_avg_diesel"].ttw_kg_per_km
    assert fleet["my_truck"].wtw_kg_per_km == pytest.approx(0.62)
    assert VEHICLES["van_avg_diesel"].payload_kg == 1000  # built-ins untouched


def test_load_vehicles_toml(tmp_path: Path) -> None:
    p = tmp_path / "fleet.toml"
    p.write_text("[vehicles.bike2]\npayload_kg = 200\nttw_kg_per_km = 0\nwtt_kg_per_km = 0.004\nmax_speed_kph = 18\n")
    v = load_vehicles(p)["bike2"]
    assert v.payload_kg == 200 and v.max_speed_kph == 18


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("vehicle_id,payload_kg\nvan_avg_diesel,heavy\n", r"row 2, column 'payload_kg'.*not a number"),
        ("vehicle_id,payload_kg\nnewvan,800\n", r"row 2: new vehicle 'newvan' needs column\(s\) ttw_kg_per_km"),
        ("vehicle_id,payload_kg\n,800\n", r"row 2, column 'vehicle_id': empty"),
        ("vehicle_id,payload_kg\nvan_avg_diesel,-3\n", r"column 'payload_kg'.*>= 0"),
        ("id,payload_kg\nx,3\n", r"'vehicle_id' column"),
    ],
)
def test_load_vehicles_errors_name_file_row_column(tmp_path: Path, body: str, match: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=match) as info:
        load_vehicles(p)
    assert str(p) in str(info.value)


def test_emissions_reject_negative() -> None:
    with pytest.raises(InputError):
        emissions_for_km(-1, VEHICLES["van_avg_diesel"])
    assert math.isclose(emissions_for_tkm(2, VEHICLES["van_avg_diesel"]).ttw_kg, 2 * 0.61643)


def test_on_grid_reproduces_desnz_bev_from_kwh_and_uk_grid(desnz) -> None:
    from siting.delivery.emissions import on_grid

    gen = float(
        next(r for r in desnz if r["Level 1"] == "UK electricity" and r["UOM"] == "kWh")["GHG Conversion Factor 2024"]
    )
    td = float(
        next(r for r in desnz if r["Level 2"] == "T&D- UK electricity" and r["UOM"] == "kWh")[
            "GHG Conversion Factor 2024"
        ]
    )
    van = VEHICLES["van_avg_bev"]
    uk = on_grid(van, generation_kg_per_kwh=gen, td_kg_per_kwh=td, source="DESNZ 2024", year=2024)
    # DESNZ's own per-km electricity + T&D for the average BEV van, from kWh/km x per-kWh factors
    grid_td = _factor(desnz, "UK electricity for EVs", "Vans", _VAN["avg"], _FUEL["bev"], "km") + _factor(
        desnz, "UK electricity T&D for EVs", "Vans", _VAN["avg"], _FUEL["bev"], "km"
    )
    assert uk.wtt_kg_per_km == pytest.approx(grid_td, rel=0.01)
    clean = on_grid(van, generation_kg_per_kwh=0.05, source="test grid", year=2025)
    assert clean.ttw_kg_per_km == 0 and clean.wtt_kg_per_km == pytest.approx(van.kwh_per_km * 0.05)
    with pytest.raises(InputError, match="kwh_per_km"):
        on_grid(VEHICLES["van_avg_diesel"], generation_kg_per_kwh=0.1, source="x", year=2024)
