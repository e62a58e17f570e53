"""Write siting/data/malta.osm.pbf: the Maltese islands' drivable roads, ferries, shops, land use and places.

Run from the repository root (reads the shared, unmodified Geofabrik extract beside the checkout):

    python tools/make_malta_extract.py [SOURCE] [TARGET]

Kept: ways tagged ``highway`` with a drivable value (as siting's drive mode reads them), ways tagged
``route=ferry``, ``shop=*`` nodes and ways, ``landuse`` ways of industrial/commercial/retail land,
``place=city|town|village|suburb`` nodes (cluster names), and exactly the nodes those ways use.
Tags are cut to the keys siting reads. Data: © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import osmium

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / ".." / "shared" / "osm" / "malta.osm.pbf"
TARGET = ROOT / "siting" / "data" / "malta.osm.pbf"

DRIVABLE = {
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
    "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
    "service", "road",
}  # fmt: skip
LANDUSE = {"industrial", "commercial", "retail"}
PLACES = {"city", "town", "village", "suburb"}
WAY_KEYS = {
    "highway", "name", "oneway", "maxspeed", "junction", "access", "motor_vehicle", "motorcar",
    "service", "area", "route", "duration", "ferry", "shop", "landuse", "building", "lanes",
    "natural",
}  # fmt: skip
NODE_KEYS = {"shop", "name", "name:en", "place", "population", "highway"}


def _way_kept(tags: osmium.osm.TagList) -> bool:
    if tags.get("route") == "ferry":
        return True
    if tags.get("highway") in DRIVABLE and tags.get("area") != "yes":
        return tags.get("service") not in ("parking_aisle", "private")
    if tags.get("natural") == "coastline":  # the sea: water-aware snapping and the map's base layer
        return True
    return "shop" in tags or tags.get("landuse") in LANDUSE


def _node_kept(tags: osmium.osm.TagList) -> bool:
    return "shop" in tags or tags.get("place") in PLACES


def main(source: Path = SOURCE, target: Path = TARGET) -> None:
    """Filter ``source`` into ``target`` (two passes: ways first to learn their nodes, then write)."""
    need: set[int] = set()
    for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
        if _way_kept(way.tags):
            need.update(n.ref for n in way.nodes)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    writer = osmium.SimpleWriter(str(target))
    counts = {"nodes": 0, "ways": 0}
    try:
        for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and (obj.id in need or _node_kept(obj.tags)):
                tags = {t.k: t.v for t in obj.tags if t.k in NODE_KEYS}
                writer.add_node(osmium.osm.mutable.Node(id=obj.id, location=obj.location, tags=tags, version=1))
                counts["nodes"] += 1
            elif obj.is_way() and _way_kept(obj.tags):
                tags = {t.k: t.v for t in obj.tags if t.k in WAY_KEYS}
                nodes = [n.ref for n in obj.nodes]
                writer.add_way(osmium.osm.mutable.Way(id=obj.id, nodes=nodes, tags=tags, version=1))
                counts["ways"] += 1
    finally:
        writer.close()
    print(f"{target}: {counts['nodes']} nodes, {counts['ways']} ways, {target.stat().st_size} bytes")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    main(*args)
