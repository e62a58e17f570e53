"""Speed profiles and delivery windows: window means by hand, the shipped estimate's figures, CSV round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.errors import InputError
from siting.network.profiles import (
    DAYS,
    HOURS_PER_WEEK,
    ROAD_CLASSES,
    SpeedProfile,
    default_profile,
    parse_window,
    read_profile_csv,
    write_profile_csv,
)

DATA = Path(__file__).resolve().parents[2] / "siting" / "data" / "speed_profiles.csv"


def _file_factor(cls: str, day: str, hour: int) -> float:
    """A factor read straight from the shipped CSV with pandas (independent of read_profile_csv)."""
    df = pd.read_csv(DATA)
    row = df[(df.road_class == cls) & (df.day == day) & (df.hour == hour)]
    assert len(row) == 1
    return float(row.time_factor.iloc[0])


def test_weekday_morning_window_is_the_mean_of_its_hours():
    values = default_profile().window_values(parse_window("06:00-09:00"))
    for cls in ("primary", "other"):
        by_hand = np.mean([_file_factor(cls, d, h) for d in DAYS[:5] for h in (6, 7, 8)])
        assert values[cls] == pytest.approx(by_hand, rel=1e-12)
    # the figures docs/travel-times.md and speed_profiles.md quote
    assert values["primary"] == pytest.approx(1.538, abs=5e-4)
    assert values["other"] == pytest.approx(1.285, abs=5e-4)


def test_half_hours_and_windows_past_midnight_weigh_minutes():
    prof = default_profile()
    half = prof.window_values(parse_window("mon 07:30-08:30"))["secondary"]
    assert half == pytest.approx((_file_factor("secondary", "mon", 7) + _file_factor("secondary", "mon", 8)) / 2)
    late = prof.window_values(parse_window("fri 23:00-01:00"))["other"]
    assert late == pytest.approx((_file_factor("other", "fri", 23) + _file_factor("other", "sat", 0)) / 2)
    sunday_night = parse_window("sun 23:00-01:00").hour_weights()
    assert sunday_night[167] == 60 and sunday_night[0] == 60 and sunday_night.sum() == 120


def test_speed_profiles_average_time_not_speed():
    values = np.full((len(ROAD_CLASSES), HOURS_PER_WEEK), 50.0)
    values[:, 6], values[:, 7] = 30.0, 60.0  # Monday 06:00 and 07:00
    prof = SpeedProfile("obs", values, "speed_kph", "test")
    # one km at 30 km/h takes 120 s, at 60 km/h 60 s: mean 90 s per km = 40 km/h, not 45
    assert prof.window_values(parse_window("mon 06:00-08:00"))["primary"] == pytest.approx(40.0)


def test_shipped_estimate_matches_its_stated_sources():
    prof = default_profile()
    main = [ROAD_CLASSES.index(c) for c in ("primary", "secondary", "tertiary")]
    # TomTom Traffic Index 2013: about 24% extra time over free flow, all hours of the week
    assert prof.values[main].mean() - 1 == pytest.approx(0.24, abs=0.005)
    # TomTom 2014: the evening rush nearly doubles journey times (main roads, 17:00-18:00 weekdays)
    evening = prof.values[ROAD_CLASSES.index("primary"), [d * 24 + 17 for d in range(5)]]
    assert np.allclose(evening, 1.85)
    assert prof.values.min() >= 1.0
    assert "estimate" in prof.source and "TomTom" in prof.source


def test_profile_csv_round_trip_and_scaling(tmp_path: Path):
    prof = default_profile().scaled({"other": 1.25})
    back = read_profile_csv(write_profile_csv(prof, tmp_path / "p.csv"))
    assert np.allclose(back.values, prof.values, atol=1e-6)
    assert back.values[ROAD_CLASSES.index("other"), 8] == pytest.approx(1.25 * _file_factor("other", "mon", 8))
    assert back.values[ROAD_CLASSES.index("primary"), 8] == pytest.approx(_file_factor("primary", "mon", 8))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("6-9", "HH:MM-HH:MM"),
        ("25:00-26:00", "out of range"),
        ("06:00-06:00", "empty"),
        ("monday 06:00-09:00", "monday"),
        ("06:60-07:00", "out of range"),
    ],
)
def test_bad_windows_are_refused(text: str, words: str):
    with pytest.raises(InputError, match=words):
        parse_window(text)


def test_window_days():
    assert parse_window("06:00-09:00").days == (0, 1, 2, 3, 4)
    assert parse_window("sat,sun 10:00-12:00").days == (5, 6)
    assert parse_window("fri-mon 10:00-12:00").days == (0, 4, 5, 6)
    assert parse_window("all 10:00-12:00").hour_weights().sum() == 7 * 120
