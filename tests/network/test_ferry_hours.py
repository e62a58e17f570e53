"""Ferry service in a window: headway and hours from OSM tags, the mean wait by hand, the edge time it sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting.network import build_network
from siting.network.ferry_hours import DEFAULT_HEADWAY_MIN, ferry_service, window_wait_s
from siting.network.profiles import HOURS_PER_WEEK, ROAD_CLASSES, SpeedProfile, parse_window
from siting.network.timing import apply_profile

_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<node id="1" lat="60.0" lon="24.00"/>
<node id="2" lat="60.0" lon="24.01"/>
<node id="5" lat="60.0" lon="24.07"/>
<node id="6" lat="60.0" lon="24.08"/>
<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>
<way id="12"><nd ref="5"/><nd ref="6"/><tag k="highway" v="primary"/></way>
<way id="20"><nd ref="2"/><nd ref="5"/><tag k="route" v="ferry"/><tag k="motor_vehicle" v="yes"/>
<tag k="interval" v="00:45"/><tag k="opening_hours" v="Mo-Su 06:00-22:00"/></way>
</osm>
"""


def test_tags_are_read_and_defaults_stated():
    s = ferry_service("00:45", "Mo-Su 06:00-22:00")
    assert (s.headway_min, s.open_min, s.close_min) == (45.0, 360, 1320)
    assert ferry_service("20").headway_min == 20.0
    default = ferry_service(None, "not a time")
    assert default.headway_min == DEFAULT_HEADWAY_MIN and (default.open_min, default.close_min) == (0, 1440)
    assert "default headway" in default.source and "all day" in default.source
    assert ferry_service(None, "22:00-02:00").close_min == 26 * 60  # past midnight


def test_wait_is_half_the_headway_in_service_and_the_time_to_first_sailing_at_night():
    s = ferry_service("00:45", "06:00-22:00")
    assert window_wait_s(s, parse_window("06:00-09:00")) == pytest.approx(45 * 60 / 2)
    # 05:00-06:00: the next sailing is at 06:00, 60..1 min away: mean 30.5 min
    assert window_wait_s(s, parse_window("05:00-06:00")) == pytest.approx(30.5 * 60)
    assert window_wait_s(s, parse_window("05:00-07:00")) == pytest.approx((30.5 * 60 + 22.5 * 60) / 2)
    # 23:00-00:00: the 06:00 sailing is 420 to 361 min away
    assert window_wait_s(s, parse_window("23:00-00:00")) == pytest.approx(np.mean(np.arange(361, 421)) * 60)
    assert window_wait_s(ferry_service(), parse_window("02:00-03:00")) == pytest.approx(900.0)


def test_window_sets_the_ferry_edge_time(tmp_path: Path):
    (tmp_path / "f.osm").write_text(_XML)
    G = build_network(tmp_path / "f.osm", cache=False)
    ferry = [(u, v, d) for u, v, d in G.edges(data=True) if d.get("route") == "ferry"]
    assert ferry and all(d["ferry_interval"] == "00:45" for *_, d in ferry)
    ones = SpeedProfile("ones", np.ones((len(ROAD_CLASSES), HOURS_PER_WEEK)), "time_factor", "test")
    H = apply_profile(G, ones, parse_window("05:00-06:00"), signal_delay_s=0, turn_penalty_s=0)
    for u, v, d in ferry:
        assert H[u][v][0]["travel_time"] == pytest.approx(d["travel_time"] - d["ferry_wait_s"] + 30.5 * 60)
