"""A run that builds its own network applies a delivery window in place, and work handed to ``while_waiting``
runs during the ranking without changing it."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from siting.pipeline import LaneOptions, RankOptions, ReachOptions, RobustnessOptions, city_from_demo, rank_city, run

OPTS = RankOptions(
    robustness=RobustnessOptions(samples=200),
    reach=ReachOptions(reach_time_s=120, delivery_window="06:00-09:00"),
    lanes=LaneOptions(lanes_for_top=2),
)


def test_owned_graph_window_and_while_waiting_leave_the_ranking_unchanged(helsinki_drive, monkeypatch):
    import dataclasses

    import siting.pipeline.city as city_stage

    city = city_from_demo("helsinki")  # network_source is the demo's extract: the run builds (owns) its graph
    given = rank_city(dataclasses.replace(city, network_source=helsinki_drive), OPTS)  # a caller's graph: copied
    assert "travel_times" not in helsinki_drive.graph  # the caller's graph keeps its free-flow times
    calls: list[tuple[bool, str]] = []
    released = threading.Event()
    waited: list[bool] = []
    draw = city_stage._isochrones

    def held_isochrones(*args):  # the isochrones' thread waits until while_waiting has run
        waited.append(released.wait(20.0))
        return draw(*args)

    def record() -> None:
        names = [t.name for t in threading.enumerate()]
        calls.append((any("isochrones" in n for n in names), threading.current_thread().name))
        released.set()

    monkeypatch.setattr(city_stage, "_isochrones", held_isochrones)
    owned = run([city], OPTS, while_waiting=record).cities["helsinki"]
    assert owned.graph.graph["travel_times"]["delivery_window"] == "06:00-09:00"
    assert calls == [(True, threading.current_thread().name)]  # once, on this thread, isochrones still drawn
    assert waited == [True]  # called before the ranking waits for the isochrones
    overall = ["rank_overall", "score_overall"]  # run()'s columns across cities
    pd.testing.assert_frame_equal(owned.ranking.drop(columns=overall), given.ranking)
    pd.testing.assert_frame_equal(owned.lanes, given.lanes)
    assert np.array_equal(owned.store_time_s, given.store_time_s)
    assert owned.isochrones.geometry.geom_equals_exact(given.isochrones.geometry, 0).all()
    free = {(u, v, k): d["travel_time"] for u, v, k, d in helsinki_drive.edges(keys=True, data=True)}
    window = {(u, v, k): d["travel_time"] for u, v, k, d in owned.graph.edges(keys=True, data=True)}
    assert free.keys() == window.keys() and sum(window[e] > free[e] for e in free) > 0.9 * len(free)
