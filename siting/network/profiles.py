"""Speed profiles: travel-time factors per road class and hour of the week, delivery windows, profile CSVs."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, MissingColumnError, MissingFileError

__all__ = [
    "ROAD_CLASSES",
    "DAYS",
    "HOURS_PER_WEEK",
    "DEFAULT_PROFILE_SOURCE",
    "SpeedProfile",
    "DeliveryWindow",
    "parse_window",
    "default_profile",
    "read_profile_csv",
    "write_profile_csv",
]

ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "other")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_PER_WEEK = 168
DEFAULT_PROFILE_SOURCE = (
    "siting estimate (2026), not a measurement: weekday two-peak shape (08:00, 17:00) scaled so the "
    "all-week mean extra time on main roads is 24%, the TomTom Traffic Index European average of "
    "2013 (floating-car data, extra time over free flow), with the evening peak hour near double "
    "the free-flow time on main roads (TomTom Traffic Index 2014: evening rush nearly doubles "
    "journey times); see siting/data/speed_profiles.md"
)


@dataclass(frozen=True)
class SpeedProfile:
    """Travel-time factors (or observed speeds) per road class and hour of the week.

    Attributes
    ----------
    name
        Label recorded in run.json (the file name, or ``"default"``).
    values
        Array (6, 168): row = :data:`ROAD_CLASSES`, column = hour of the week (0 = Monday
        00:00-01:00). A travel-time multiplier on the free-flow time (``kind="time_factor"``)
        or an observed speed replacing the edge's speed (``kind="speed_kph"``).
    kind
        "time_factor" or "speed_kph".
    source
        Where the figures come from.
    """

    name: str
    values: np.ndarray
    kind: str
    source: str

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=float)
        if values.shape != (len(ROAD_CLASSES), HOURS_PER_WEEK):
            raise InputError(f"speed profile {self.name}: expected 6 road classes x 168 hours, got {values.shape}")
        if self.kind not in ("time_factor", "speed_kph"):
            raise InputError(f"speed profile {self.name}: kind must be time_factor or speed_kph, got {self.kind!r}")
        if not (np.isfinite(values).all() and (values > 0).all()):
            raise InputError(f"speed profile {self.name}: every value must be a finite number > 0")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)

    def window_values(self, window: DeliveryWindow) -> dict[str, float]:
        """The profile over a window: per class, the value giving the window's mean travel time.

        A time factor is averaged over the window's hours (weighted by the minutes of each
        hour inside it); a speed by its harmonic mean (the mean of time per km).

        Parameters
        ----------
        window
            From :func:`parse_window`.

        Returns
        -------
        dict
            Road class -> time factor or speed (km/h), as ``kind``.
        """
        w = window.hour_weights()
        if self.kind == "time_factor":
            vals = self.values @ w / w.sum()
        else:
            vals = w.sum() / ((1.0 / self.values) @ w)
        return {c: float(v) for c, v in zip(ROAD_CLASSES, vals, strict=True)}

    def scaled(self, scales: dict[str, float], *, name: str | None = None, source: str | None = None) -> SpeedProfile:
        """The profile with each class's travel time multiplied by ``scales[class]`` (missing: 1)."""
        s = np.array([float(scales.get(c, 1.0)) for c in ROAD_CLASSES])[:, None]
        values = self.values * s if self.kind == "time_factor" else self.values / s
        return SpeedProfile(name or self.name, values, self.kind, source or self.source)


@dataclass(frozen=True)
class DeliveryWindow:
    """Hours of the week deliveries leave in, e.g. ``"06:00-09:00"`` (Monday to Friday).

    Attributes
    ----------
    text
        The window as given (recorded in run.json).
    days
        Day indices (0 = Monday).
    start_min, end_min
        Minutes after midnight; ``end_min`` may pass 24:00 for a window running past midnight.
    """

    text: str
    days: tuple[int, ...]
    start_min: int
    end_min: int

    def hour_weights(self) -> np.ndarray:
        """Minutes of each hour of the week (168 values) that fall inside the window."""
        minutes = np.zeros(HOURS_PER_WEEK * 60)
        for d in self.days:
            lo = d * 1440 + self.start_min
            idx = np.arange(lo, d * 1440 + self.end_min) % (HOURS_PER_WEEK * 60)
            minutes[idx] = 1.0
        return minutes.reshape(HOURS_PER_WEEK, 60).sum(axis=1)


_WINDOW = re.compile(
    r"^\s*(?:(?P<days>[a-z,\-]+)\s+)?(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})\s*$"
)


def _days(spec: str, text: str) -> tuple[int, ...]:
    """Day indices of "mon-fri", "sat,sun", "all", "mon"."""
    if spec in ("all", "daily"):
        return tuple(range(7))
    out: list[int] = []
    for part in spec.split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise InputError(
                f"delivery window {text!r}: days {part!r} unknown; use mon..sun, a range like mon-fri, "
                "a list like sat,sun, or all"
            )
        a, b = DAYS.index(ends[0]), DAYS.index(ends[-1])
        out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return tuple(sorted(set(out)))


def parse_window(text: str) -> DeliveryWindow:
    """Parse a delivery window: ``"06:00-09:00"`` (Monday to Friday) or ``"sat 10:00-14:00"``.

    Parameters
    ----------
    text
        ``[DAYS ]HH:MM-HH:MM``; DAYS is ``mon-fri`` (default), ``sat,sun``, ``all``...; an end
        before the start runs past midnight (``22:00-02:00``).

    Returns
    -------
    DeliveryWindow
    """
    m = _WINDOW.match(str(text).lower()) if isinstance(text, str) else None
    if m is None:
        raise InputError(f"delivery window {text!r} is not HH:MM-HH:MM (e.g. '06:00-09:00' or 'sat 10:00-14:00')")
    h1, m1, h2, m2 = (int(m[k]) for k in ("h1", "m1", "h2", "m2"))
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise InputError(f"delivery window {text!r}: a time is out of range (00:00-24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end == start:
        raise InputError(f"delivery window {text!r} is empty; give a start before the end")
    if end < start:
        end += 1440
    return DeliveryWindow(text, _days(m["days"] or "mon-fri", text), start, end)


@functools.cache
def default_profile() -> SpeedProfile:
    """The shipped profile: an estimate for European cities (see :data:`DEFAULT_PROFILE_SOURCE`).

    Returns
    -------
    SpeedProfile
    """
    path = resources.files("siting").joinpath("data/speed_profiles.csv")
    with resources.as_file(path) as p:
        prof = read_profile_csv(p)
    return SpeedProfile("default", prof.values, prof.kind, DEFAULT_PROFILE_SOURCE)


def _bad(path: Path, row: int, column: str, value: Any, want: str) -> InputError:
    return InputError(f"{path}: row {row}, column {column}: {value!r} is not {want}; fix or remove the row")


def read_profile_csv(path: str | Path) -> SpeedProfile:
    """Read a per-class hourly profile: columns ``road_class, day, hour`` and ``time_factor`` or ``speed_kph``.

    Every road class (motorway, trunk, primary, secondary, tertiary, other) must have every
    day (mon..sun) and hour (0-23) exactly once. Rows are numbered as in a spreadsheet
    (the header is row 1).

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    SpeedProfile
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"speed profile {path} does not exist; check the path")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it as a CSV ({exc}); expected road_class,day,hour,time_factor") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    kinds = [k for k in ("time_factor", "speed_kph") if k in df.columns]
    missing = [c for c in ("road_class", "day", "hour") if c not in df.columns]
    if missing or len(kinds) != 1:
        need = missing or ["time_factor or speed_kph (one of them)"]
        raise MissingColumnError(
            f"{path}: missing column(s) {', '.join(need)}; a profile has road_class,day,hour and "
            "time_factor (multiplier on free-flow time) or speed_kph"
        )
    kind = kinds[0]
    if df.empty:
        raise InputError(f"{path}: no rows; give 6 road classes x 7 days x 24 hours")
    values = np.full((len(ROAD_CLASSES), HOURS_PER_WEEK), np.nan)
    for i, rec in enumerate(df.itertuples(index=False), start=2):
        cls, day, hour, raw = (str(getattr(rec, c)).strip().lower() for c in ("road_class", "day", "hour", kind))
        if cls not in ROAD_CLASSES:
            raise _bad(path, i, "road_class", cls, "one of " + ", ".join(ROAD_CLASSES))
        if day not in DAYS:
            raise _bad(path, i, "day", day, "one of " + ", ".join(DAYS))
        if not (hour.isdigit() and int(hour) < 24):
            raise _bad(path, i, "hour", hour, "a whole hour 0-23")
        try:
            v = float(raw)
        except ValueError:
            v = math.nan
        if not (math.isfinite(v) and v > 0):
            raise _bad(path, i, kind, raw, "a finite number > 0")
        h = DAYS.index(day) * 24 + int(hour)
        c = ROAD_CLASSES.index(cls)
        if not math.isnan(values[c, h]):
            raise InputError(f"{path}: row {i} repeats road_class {cls}, day {day}, hour {hour}; keep one row")
        values[c, h] = v
    gaps = np.argwhere(np.isnan(values))
    if len(gaps):
        c, h = gaps[0]
        raise InputError(
            f"{path}: no row for road_class {ROAD_CLASSES[c]}, day {DAYS[h // 24]}, hour {h % 24} "
            f"({len(gaps)} missing); give every class, day and hour"
        )
    return SpeedProfile(path.name, values, kind, f"user file {path.name}")


def write_profile_csv(profile: SpeedProfile, path: str | Path) -> Path:
    """Write a profile as ``road_class,day,hour,<kind>`` (readable by :func:`read_profile_csv`).

    Parameters
    ----------
    profile
    path

    Returns
    -------
    Path
    """
    path = Path(path)
    rows = [
        (cls, DAYS[h // 24], h % 24, round(float(profile.values[c, h]), 6))
        for c, cls in enumerate(ROAD_CLASSES)
        for h in range(HOURS_PER_WEEK)
    ]
    pd.DataFrame(rows, columns=["road_class", "day", "hour", profile.kind]).to_csv(path, index=False)
    return path
