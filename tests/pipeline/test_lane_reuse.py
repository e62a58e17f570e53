"""The top sites' direct lanes priced from the ranking's own OD equal lanes that compute their OD afresh."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from siting.pipeline.options import LaneOptions, RankOptions, ReachOptions
from siting.pipeline.site_lanes import site_lanes_and_tours


def test_malta_lanes_from_the_ranking_od_equal_fresh_lanes_fares_included(malta_ranked):
    r = malta_ranked
    assert r.lanes["site_rank"].eq(1).all() and len(r.lanes) == len(r.stores)
    options = RankOptions(reach=ReachOptions(isochrones_for_top=1), lanes=LaneOptions(lanes_for_top=1))
    fresh, _ = site_lanes_and_tours(r.graph, r.candidates.head(1), r.stores, options, "malta")
    # Gozo stores pay the ferry fare on the way back: the reused OD carries the fares too
    assert (fresh["ferry_fare_per_week"] > 0).any()
    reused, again = pd.DataFrame(r.lanes.drop(columns="geometry")), pd.DataFrame(fresh.drop(columns="geometry"))
    pd.testing.assert_frame_equal(reused, again)
    assert np.all(shapely.equals_exact(r.lanes.geometry.to_numpy(), fresh.geometry.to_numpy(), 0.0))
