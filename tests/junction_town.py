"""A hand-made OSM junction for travel-time tests (tests/ is on sys.path through its conftest)."""

# A residential street 1-2-4-6 crosses a primary road 5-2-3 at node 2 (a side street 4-8); node 7, 11 m before the
# street's end at 6, carries highway=traffic_signals (simplification drops 7: the signal marks 6).
JUNCTION_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<node id="1" lat="60.0" lon="24.00"/>
<node id="2" lat="60.0" lon="24.01"/>
<node id="3" lat="60.01" lon="24.01"/>
<node id="4" lat="60.0" lon="24.02"/>
<node id="5" lat="59.99" lon="24.01"/>
<node id="6" lat="60.0" lon="24.03"/>
<node id="7" lat="60.0" lon="24.0298"><tag k="highway" v="traffic_signals"/></node>
<node id="8" lat="60.01" lon="24.02"/>
<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="4"/><nd ref="7"/><nd ref="6"/><tag k="highway" v="residential"/></way>
<way id="11"><nd ref="5"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
<way id="12"><nd ref="4"/><nd ref="8"/><tag k="highway" v="residential"/></way>
</osm>
"""
