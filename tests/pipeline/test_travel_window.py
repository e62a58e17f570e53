"""A delivery window on the demo: every time of the run (criteria, lanes, isochrones) is the window's, and recorded."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from siting.network.profiles import default_profile, parse_window
from siting.pipeline import RankOptions, RobustnessOptions, city_from_demo, rank_city
from siting.pipeline.summaries import summary_dict

FAST = RobustnessOptions(samples=200)


@pytest.fixture(scope="module")
def both(helsinki_drive):
    city = dataclasses.replace(city_from_demo("helsinki"), network_source=helsinki_drive)
    free = rank_city(city, RankOptions(robustness=FAST))
    opts = RankOptions(robustness=FAST, delivery_window="06:00-09:00")
    return free, rank_city(city, opts), opts


def test_window_times_bound_by_the_smallest_factor(both):
    free, win, _ = both
    f = free.ranking.set_index("site_id")["delivery_time_s"]
    w = win.ranking.set_index("site_id")["delivery_time_s"].reindex(f.index)
    smallest = min(default_profile().window_values(parse_window("06:00-09:00")).values())
    # every edge costs at least the smallest class factor x its free time, delays only add
    assert np.all(w.to_numpy() >= smallest * f.to_numpy() - 1e-9)
    assert (w > f).all()
    # lanes are priced in the same window: the lanes of a site both runs put first
    assert free.ranking.iloc[0]["site_id"] == win.ranking.iloc[0]["site_id"]
    lf = free.lanes.set_index("store_id")["time_s"]
    lw = win.lanes.set_index("store_id")["time_s"].reindex(lf.index)
    assert np.all(lw.to_numpy() >= smallest * lf.to_numpy() - 1e-9)
    # the same budget reaches less road in the morning window
    assert free.isochrones is not None and win.isochrones is not None
    assert win.isochrones["reachable_nodes"].sum() < free.isochrones["reachable_nodes"].sum()


def test_summary_records_the_window(both):
    _, win, opts = both
    record = summary_dict({"helsinki": win}, opts)["options"]["travel_times"]
    assert record["delivery_window"] == "06:00-09:00"
    assert record["speed_profile"] == "default" and "TomTom" in record["speed_profile_source"]
    assert record["window_values"]["other"] == pytest.approx(1.285, abs=5e-4)
    assert record["signal_delay_s"] == 15.0 and record["turn_penalty_s"] == 7.5
