"""What a map draws around the data, from the run's network and extract: land, sea, land use, ferries, access legs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from siting.network.edges import edge_coords

__all__ = ["LANDUSE_CLASSES", "base_features", "read_landuse", "cached_landuse", "access_legs", "map_context"]

log = logging.getLogger("siting")

#: OSM ``landuse`` values drawn, by the class the map colours them as (others are left out).
LANDUSE_CLASSES: dict[str, tuple[str, ...]] = {
    "residential": ("residential",),
    "commercial": ("commercial", "retail"),
    "industrial": ("industrial", "port", "railway", "construction", "quarry"),
    "green": (
        "farmland",
        "meadow",
        "grass",
        "forest",
        "orchard",
        "vineyard",
        "recreation_ground",
        "village_green",
        "allotments",
        "cemetery",
    ),
}
_CLASS_OF = {tag: cls for cls, tags in LANDUSE_CLASSES.items() for tag in tags}
#: Margin around the network's extent that the base layer covers (m).
MARGIN_M = 2_000.0


def read_landuse(path: str | Path) -> gpd.GeoDataFrame:
    """Land-use areas of an OSM extract (``.osm.pbf`` or XML), one row per class, in EPSG:4326.

    Parameters
    ----------
    path
        The OSM file.

    Returns
    -------
    geopandas.GeoDataFrame
        ``class`` (a key of :data:`LANDUSE_CLASSES`) and the union of its areas.
    """
    import osmium
    from osmium.geom import WKBFactory

    wkb = WKBFactory()
    found: dict[str, list[Any]] = {cls: [] for cls in LANDUSE_CLASSES}
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(osmium.filter.KeyFilter("landuse"))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
    )
    for obj in processor:
        cls = _CLASS_OF.get(str(obj.tags.get("landuse", "")))
        if cls is None or not isinstance(obj, osmium.osm.Area):
            continue
        try:
            found[cls].append(shapely.from_wkb(wkb.create_multipolygon(obj)))
        except (RuntimeError, osmium.InvalidLocationError):  # a cut area of the extract's edge
            continue
    rows = [(cls, shapely.union_all(shapely.make_valid(np.asarray(g, dtype=object)))) for cls, g in found.items() if g]
    return gpd.GeoDataFrame({"class": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs="EPSG:4326")


#: Bump when :func:`read_landuse` changes what it returns, so cached copies are not reused.
LANDUSE_CACHE_FORMAT = 1


def cached_landuse(path: str | Path) -> gpd.GeoDataFrame:
    """:func:`read_landuse` simplified to 2 m, kept beside the network cache (keyed by the file's sha256).

    Assembling the areas of a whole extract takes seconds (about 7 s for Malta's 3.9 MB), more than
    a warm run's every other stage; the cached copy is read in milliseconds. A cache that cannot
    be written is skipped.

    Parameters
    ----------
    path
        The OSM file.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`read_landuse`.
    """
    import hashlib
    import json
    import os

    from siting.network.cache import default_cache_dir, file_sha256

    payload = {"sha256": file_sha256(path), "format": LANDUSE_CACHE_FORMAT, "classes": LANDUSE_CLASSES}
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]
    target = default_cache_dir() / f"landuse-{key}.parquet"
    if target.is_file():
        try:
            return gpd.read_parquet(target)
        except (OSError, ValueError) as exc:  # a damaged cache entry: read the extract again
            log.warning("%s: cached land use not readable (%s); reading the extract", target, exc)
    landuse = read_landuse(path)
    if len(landuse):  # for drawing only: 2 m in the local UTM zone is below any map's display tolerance
        utm = landuse.estimate_utm_crs()
        metric = landuse.to_crs(utm)
        landuse = metric.set_geometry(shapely.simplify(metric.geometry.values, 2.0), crs=utm).to_crs(4326)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        landuse.to_parquet(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        log.info("land use not cached (%s)", exc)
    return landuse


def _cache_key(payload: dict[str, Any]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def _clipped_landuse(path: str | Path, crs: Any, aoi: shapely.Polygon) -> gpd.GeoDataFrame:
    """:func:`cached_landuse` in the network's CRS clipped to the map's area, itself cached beside it.

    The key is the extract's land-use key, the CRS and the area's bounds: a warm run reads the
    clipped areas (exactly what reprojecting and clipping gives) instead of redoing both.
    """
    import os

    from pyproj import CRS

    from siting.network.cache import default_cache_dir, file_sha256

    payload = {
        "sha256": file_sha256(path),
        "format": LANDUSE_CACHE_FORMAT,
        "classes": LANDUSE_CLASSES,
        "crs": CRS.from_user_input(crs).to_wkt(),
        "bounds": [float(b).hex() for b in aoi.bounds],
    }
    target = default_cache_dir() / f"landuse-clip-{_cache_key(payload)}.parquet"
    if target.is_file():
        try:
            return gpd.read_parquet(target)
        except (OSError, ValueError) as exc:
            log.warning("%s: cached land use not readable (%s); clipping it again", target, exc)
    landuse = cached_landuse(path).to_crs(crs)
    clipped = landuse.set_geometry(shapely.intersection(landuse.geometry.values, aoi), crs=landuse.crs)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        clipped.to_parquet(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        log.info("clipped land use not cached (%s)", exc)
    return clipped


def _extent(G: nx.MultiDiGraph) -> shapely.Polygon:
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    x0, y0 = xy.min(axis=0) - MARGIN_M
    x1, y1 = xy.max(axis=0) + MARGIN_M
    return shapely.box(x0, y0, x1, y1)


def base_features(G: nx.MultiDiGraph, *, extract: str | Path | None = None) -> gpd.GeoDataFrame:
    """The land-and-sea base of a map: land, water, land use and ferry routes, in the graph's CRS.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The run's network (projected). Its ``water`` (sea and inland water read from the extract's
        coastline and water areas, :func:`siting.network.water.read_water`) gives ``water`` and,
        where the extract has a coastline, ``land`` (the network's extent + 2 km less the water);
        its ``route="ferry"`` edges give the ``ferry`` rows.
    extract : path, optional
        The OSM file the network was built from, for the ``landuse`` rows; default the graph's
        ``source`` when it is a local OSM file. Land use is left out when it cannot be read.

    Returns
    -------
    geopandas.GeoDataFrame
        ``kind`` (``land``, ``water``, ``landuse``, ``ferry``), ``class`` (land-use class),
        ``name`` (ferries), geometry; clipped to the network's extent + 2 km.
    """
    crs = G.graph["crs"]
    aoi = _extent(G)
    rows: list[dict[str, Any]] = []
    water = G.graph.get("water")
    if water is not None and not water.is_empty:
        wet = shapely.intersection(water, aoi)
        rows.append({"kind": "water", "class": None, "name": None, "geometry": wet})
        if wet.area > 0 and (wet.area < aoi.area):
            rows.append({"kind": "land", "class": None, "name": None, "geometry": shapely.difference(aoi, wet)})
    source = extract if extract is not None else G.graph.get("source")
    if source is not None and str(source).lower().endswith((".pbf", ".osm", ".osm.bz2")) and Path(source).is_file():
        try:
            landuse = _clipped_landuse(source, crs, aoi)
        except RuntimeError as exc:  # e.g. a hand-edited file the area builder cannot read
            log.warning("%s: land use not read for the map (%s)", Path(source).name, exc)
        else:
            for cls, geom in zip(landuse["class"], landuse.geometry):
                rows.append({"kind": "landuse", "class": cls, "name": None, "geometry": geom})
    seen: set[tuple[int, int]] = set()
    if "ferries" in G.graph:  # the ferries the build joined (their ends): no walk over every edge
        pairs = [(f["u"], f["v"]) for f in G.graph["ferries"] if f.get("used") and "u" in f and "v" in f]
        candidates = [(u, v, d) for u, v in pairs for d in (G.get_edge_data(u, v) or {}).values()]
    else:
        candidates = list(G.edges(data=True))
    for u, v, d in candidates:
        if d.get("route") != "ferry" or (v, u) in seen or (u, v) in seen:
            continue
        seen.add((u, v))
        geom = d.get("geometry")
        if geom is None:
            geom = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        name = d.get("name")
        rows.append({"kind": "ferry", "class": None, "name": str(name) if name else "ferry", "geometry": geom})
    frame = pd.DataFrame(rows, columns=["kind", "class", "name", "geometry"])
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
    return out[~out.geometry.is_empty].reset_index(drop=True)


def access_legs(G: nx.MultiDiGraph, layer: gpd.GeoDataFrame, id_col: str) -> gpd.GeoDataFrame:
    """The straight access leg of each snapped feature: from the feature to its point on the road.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network the layer was snapped to.
    layer : geopandas.GeoDataFrame
        Stores or sites carrying the edge-snap columns ``u``, ``v``, ``key``, ``fraction``
        (:func:`siting.network.snapping.snap_to_edges`), in the graph's CRS. Polygons start
        their leg at the boundary point nearest the road, as snapping does.
    id_col : str
        The id column (``store_id``, ``site_id``), kept as ``id``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``layer`` (``id_col`` without ``_id``), ``id``, ``length_m`` and the leg (LineString), in the
        graph's CRS; legs shorter than 1 cm are left out.
    """
    need = {"u", "v", "key", "fraction", id_col}
    if not need <= set(layer.columns) or not len(layer):
        return gpd.GeoDataFrame({"layer": [], "id": [], "length_m": []}, geometry=[], crs=G.graph["crs"])
    ends = []
    for u, v, k, f in zip(layer["u"], layer["v"], layer["key"], layer["fraction"]):
        line = LineString(edge_coords(G, int(u), int(v), G.edges[int(u), int(v), int(k)]))
        ends.append(line.interpolate(float(f), normalized=True))
    legs = shapely.shortest_line(layer.geometry.to_numpy(), np.asarray(ends, dtype=object))
    length = shapely.length(legs)
    keep = length >= 0.01
    return gpd.GeoDataFrame(
        {
            "layer": id_col.removesuffix("_id"),
            "id": layer[id_col].astype(str).to_numpy()[keep],
            "length_m": length[keep],
        },
        geometry=legs[keep],
        crs=G.graph["crs"],
    )


def map_context(G: nx.MultiDiGraph | None, stores: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> dict[str, Any]:
    """The ``base`` and ``access`` arguments of :func:`siting.maps.make_map` for a run's city.

    Parameters
    ----------
    G : networkx.MultiDiGraph or None
        The city's network (None: nothing to add).
    stores, sites : geopandas.GeoDataFrame
        The snapped layers (with the edge-snap columns) in the graph's CRS.

    Returns
    -------
    dict
        ``base`` (:func:`base_features`) and ``access`` (:func:`access_legs` of stores and sites).
    """
    if G is None:
        return {}
    legs = [access_legs(G, stores, "store_id"), access_legs(G, sites, "site_id")]
    access = gpd.GeoDataFrame(pd.concat(legs, ignore_index=True), geometry="geometry", crs=G.graph["crs"])
    return {"base": base_features(G), "access": access}
