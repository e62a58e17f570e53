"""A delivery window on the demo: every time of the run (criteria, lanes, isochrones) is the window's, and recorded."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from siting.network.profiles import default_profile, parse_window
from siting.pipeline import LaneOptions, RankOptions, ReachOptions, RobustnessOptions, city_from_demo, rank_city
from siting.pipeline.summaries import summary_dict

FAST = RobustnessOptions(samples=200)


@pytest.fixture(scope="module")
def both(helsinki_drive):
    city = dataclasses.replace(city_from_demo("helsinki"), network_source=helsinki_drive)
    free = rank_city(
        city, RankOptions(robustness=FAST, reach=ReachOptions(reach_time_s=120), lanes=LaneOptions(lanes_for_top=4))
    )
    opts = RankOptions(
        robustness=FAST,
        reach=ReachOptions(reach_time_s=120, delivery_window="06:00-09:00"),
        lanes=LaneOptions(lanes_for_top=4),
    )
    return free, rank_city(city, opts), opts, helsinki_drive


def test_window_times_bound_by_the_smallest_factor(both):
    free, win, _, free_graph = both
    f = free.ranking.set_index("site_id")["delivery_time_s"]
    w = win.ranking.set_index("site_id")["delivery_time_s"].reindex(f.index)
    smallest = min(default_profile().window_values(parse_window("06:00-09:00")).values())
    # every edge costs at least the smallest class factor x its free time, delays only add
    assert np.all(w.to_numpy() >= smallest * f.to_numpy() - 1e-9)
    assert (w > f).all()
    # lanes are priced in the same window: the lanes of the sites both runs put in their top 4
    lf = free.lanes.set_index(["site_id", "store_id"])["time_s"]
    lw = win.lanes.set_index(["site_id", "store_id"])["time_s"]
    common = lf.index.intersection(lw.index)
    assert len(common) > 10
    ratio = lw[common].to_numpy() / lf[common].to_numpy()
    # access legs off the road keep their time, so a lane is only bounded by free flow; most is road
    assert np.all(ratio >= 1.0) and np.median(ratio) > smallest
    # the isochrone is the window's: from the same node, the same budget reaches less at free flow's speed
    from siting.network import isochrones

    node, budget = win.isochrones["node"].iloc[0], win.isochrones["time_s"].iloc[0]
    at_free_flow = isochrones(free_graph, [node], budget)["reachable_nodes"].iloc[0]
    assert win.isochrones["reachable_nodes"].iloc[0] < at_free_flow


def test_summary_records_the_window(both):
    _, win, opts, _ = both
    record = summary_dict({"helsinki": win}, opts)["options"]["travel_times"]
    assert record["delivery_window"] == "06:00-09:00"
    assert record["speed_profile"] == "default" and "TomTom" in record["speed_profile_source"]
    assert record["window_values"]["other"] == pytest.approx(1.285, abs=5e-4)
    assert record["signal_delay_s"] == 15.0 and record["turn_penalty_s"] == 7.5
