"""Ferry service in a delivery window: headway and service hours from OSM tags, the mean wait to board."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.network.profiles import HOURS_PER_WEEK, DeliveryWindow

__all__ = ["DEFAULT_HEADWAY_MIN", "FerryService", "ferry_service", "window_wait_s"]

# Headway where a ferry has no OSM ``interval`` tag: 30 min, the figure behind the free-flow
# boarding wait (siting.network.ferries.FERRY_WAIT_S = 900 s = half of it). Service all day
# unless ``opening_hours`` says otherwise.
DEFAULT_HEADWAY_MIN = 30.0
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class FerryService:
    """A ferry's timetable in outline: the headway and the minutes of the day it sails.

    Attributes
    ----------
    headway_min
        Minutes between sailings.
    open_min, close_min
        First and last sailing, minutes after midnight (close may pass 1440); (0, 1440) = all day.
    source
        "osm interval/opening_hours tags" or the default's description.
    """

    headway_min: float
    open_min: int
    close_min: int
    source: str


def _interval_min(tag: Any) -> float | None:
    """An OSM ``interval`` ("00:30", "0:30:00", "30" minutes) in minutes, or None."""
    if tag is None:
        return None
    text = str(tag).strip()
    m = _HHMM.match(text)
    if m:
        value = int(m[1]) * 60 + int(m[2]) + int(m[3] or 0) / 60
    elif text.replace(".", "", 1).isdigit():
        value = float(text)
    else:
        return None
    return value if value > 0 else None


def _hours(tag: Any) -> tuple[int, int] | None:
    """The first ``HH:MM-HH:MM`` span of an OSM ``opening_hours`` (``24/7`` = all day), or None."""
    if tag is None:
        return None
    text = str(tag).strip()
    if text == "24/7":
        return 0, 1440
    m = _SPAN.search(text)
    if m is None:
        return None
    start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
    return (start, end if end > start else end + 1440)


def ferry_service(interval: Any = None, opening_hours: Any = None) -> FerryService:
    """The service of one ferry from its OSM tags, else the default (30 min, all day).

    Only the first time span of ``opening_hours`` is read (e.g. ``"Mo-Su 05:45-23:15"``); day
    rules are not: the same hours every day.

    Parameters
    ----------
    interval, opening_hours
        The raw OSM tags (None when missing).

    Returns
    -------
    FerryService
    """
    headway = _interval_min(interval)
    span = _hours(opening_hours)
    tagged = [name for name, v in (("interval", headway), ("opening_hours", span)) if v is not None]
    return FerryService(
        headway if headway is not None else DEFAULT_HEADWAY_MIN,
        *(span if span is not None else (0, 1440)),
        source="; ".join(
            (["osm " + " and ".join(tagged) + " tags"] if tagged else [])
            + ([f"default headway {DEFAULT_HEADWAY_MIN:g} min"] if headway is None else [])
            + (["service all day (default)"] if span is None else [])
        ),
    )


def window_wait_s(service: FerryService, window: DeliveryWindow) -> float:
    """Mean wait to board (s) for a departure uniform over the window's minutes.

    In service: half the headway (random arrival, Larson and Odoni 1981, sec. 2.12). In the
    night gap: the time until the first sailing.

    Parameters
    ----------
    service
        From :func:`ferry_service`.
    window
        The delivery window.

    Returns
    -------
    float
    """
    minute = np.arange(HOURS_PER_WEEK * 60)
    per_minute = np.zeros(HOURS_PER_WEEK * 60, dtype=bool)
    for d in range(7):
        idx = (np.arange(d * 1440 + service.open_min, d * 1440 + service.close_min)) % per_minute.size
        per_minute[idx] = True
    mask = np.zeros(per_minute.size, dtype=bool)
    for d in window.days:
        mask[np.arange(d * 1440 + window.start_min, d * 1440 + window.end_min) % mask.size] = True
    if per_minute.all():
        return service.headway_min * 30.0
    # minutes until the next minute in service, walking backwards around the week
    until = np.zeros(per_minute.size)
    nxt = None
    for m in np.concatenate([minute[::-1], minute[::-1]]):
        if per_minute[m]:
            nxt = 0
        elif nxt is not None:
            nxt += 1
        until[m] = nxt if nxt is not None else 0
    wait_min = np.where(per_minute, service.headway_min / 2.0, until)
    return float(wait_min[mask].mean() * 60.0)
