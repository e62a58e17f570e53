"""The run's travel times: the free-flow network turned into a traffic band's or a delivery window's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

__all__ = ["check_travel_options", "travel_graph", "travel_record"]


def check_travel_options(options: Any) -> None:
    """Refuse inconsistent travel-time options of :class:`siting.pipeline.ReachOptions` (InputError)."""
    import math

    from siting.errors import InputError
    from siting.network.profiles import parse_window

    for name in ("signal_delay_s", "turn_penalty_s"):
        value = getattr(options, name)
        if isinstance(value, bool) or not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise InputError(f"{name} must be seconds >= 0, got {value!r}.")
    if options.delivery_window is None:
        for name in ("speed_profile", "segment_speeds"):
            if getattr(options, name) is not None:
                raise InputError(f"{name} needs a delivery_window, e.g. delivery_window = '06:00-09:00'.")
        return
    parse_window(options.delivery_window)
    from siting.errors import MissingFileError
    from siting.network.profiles import read_profile_csv

    if options.speed_profile is not None:
        read_profile_csv(options.speed_profile)  # refused here, before any work, naming the row
    if options.segment_speeds is not None and not Path(options.segment_speeds).is_file():
        raise MissingFileError(f"segment_speeds {options.segment_speeds} does not exist; check the path.")
    if options.traffic != "free_flow":
        raise InputError(
            f"traffic = {options.traffic!r} and delivery_window = {options.delivery_window!r} both set travel "
            "times; keep the delivery window (its speed profile replaces the traffic bands)."
        )


def travel_graph(G: nx.MultiDiGraph, options: Any, *, owned: bool = False) -> nx.MultiDiGraph:
    """The graph whose ``travel_time`` every stage of the run uses.

    With ``options.delivery_window``: the speed profile (``options.speed_profile`` or the
    shipped default) over the window, observed segment speeds, signal delay and turn penalty
    (:func:`siting.network.timing.apply_profile`); else the traffic band
    (:func:`siting.network.apply_traffic`).

    Parameters
    ----------
    G
        The free-flow graph.
    options
        :class:`siting.pipeline.ReachOptions` (``RankOptions.reach``).
    owned
        The caller owns G and will not use its free-flow times again: a delivery window is
        applied to G in place (no copy). Default False: G is never changed.

    Returns
    -------
    networkx.MultiDiGraph
    """
    from siting.network.traffic import apply_traffic

    if options.delivery_window is None:
        return apply_traffic(
            G, options.traffic, factors=options.traffic_factors, junction_delay_s=options.junction_delay_s
        )
    from siting.network.observed import read_segment_speeds
    from siting.network.profiles import default_profile, parse_window, read_profile_csv
    from siting.network.timing import apply_profile

    profile = default_profile() if options.speed_profile is None else read_profile_csv(options.speed_profile)
    speeds = None if options.segment_speeds is None else read_segment_speeds(options.segment_speeds, G)
    return apply_profile(
        G,
        profile,
        parse_window(options.delivery_window),
        signal_delay_s=options.signal_delay_s,
        turn_penalty_s=options.turn_penalty_s,
        segment_speeds=speeds,
        copy=not owned,
    )


def travel_record(options: Any) -> dict[str, Any]:
    """What run.json records about travel times: band or window, profile, its source, delays."""
    if options.delivery_window is None:
        return {"traffic": options.traffic, "junction_delay_s": options.junction_delay_s}
    from siting.network.profiles import DEFAULT_PROFILE_SOURCE, default_profile, parse_window, read_profile_csv
    from siting.network.timing import DELAY_SOURCE

    profile = default_profile() if options.speed_profile is None else read_profile_csv(options.speed_profile)
    return {
        "delivery_window": options.delivery_window,
        "speed_profile": "default" if options.speed_profile is None else str(options.speed_profile),
        "speed_profile_source": DEFAULT_PROFILE_SOURCE if options.speed_profile is None else profile.source,
        "window_values": profile.window_values(parse_window(options.delivery_window)),
        "window_values_kind": profile.kind,
        "segment_speeds": None if options.segment_speeds is None else str(options.segment_speeds),
        "signal_delay_s": options.signal_delay_s,
        "turn_penalty_s": options.turn_penalty_s,
        "delay_source": DELAY_SOURCE,
    }
