"""Each cluster's inputs cut from the national ones: its network (stores' hull plus a buffer) and its sites."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely import contains_xy
from shapely.geometry.base import BaseGeometry

from siting.errors import InputError
from siting.national.clustering import ClusterOptions, find_clusters
from siting.pipeline.options import CityInputs

__all__ = ["node_xy", "cut_network", "assign_candidates", "cluster_cities", "region_cities"]

log = logging.getLogger("siting")


def node_xy(G: nx.MultiDiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Node ids and their (n, 2) coordinates, in ``G.nodes`` order (to cut many areas from one network).

    Parameters
    ----------
    G : networkx.MultiDiGraph

    Returns
    -------
    ids : numpy.ndarray
    xy : numpy.ndarray
    """
    ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float).reshape(-1, 2)
    return ids, xy


def cut_network(
    G: nx.MultiDiGraph, area: BaseGeometry, *, nodes: tuple[np.ndarray, np.ndarray] | None = None
) -> nx.MultiDiGraph:
    """The part of a projected network inside ``area``: its largest strongly connected component.

    Every edge between two kept nodes is kept, ferries included (an edge is an edge, whatever its
    ``route`` tag), so an island cluster joined by a ferry edge keeps its crossing.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Projected national network (node ``x``, ``y`` in the CRS of ``area``).
    area : shapely geometry
        Polygon in ``G.graph["crs"]``.
    nodes : tuple, optional
        :func:`node_xy` of ``G``, when cutting many areas.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph (own attribute dicts) with ``G.graph``'s attributes.
    """
    ids, xy = nodes if nodes is not None else node_xy(G)
    inside = ids[contains_xy(area, xy[:, 0], xy[:, 1])]
    if len(inside) == 0:
        raise InputError("the cluster's area holds no node of the national network; check the network covers it.")
    keep = set(inside.tolist())
    H = nx.MultiDiGraph(**G.graph)
    H.add_nodes_from((n, dict(G.nodes[n])) for n in inside.tolist())
    H.add_edges_from(
        (u, v, k, dict(d))
        for u in inside.tolist()
        for v, keyed in G.adj[u].items()
        if v in keep
        for k, d in keyed.items()
    )
    largest = max(nx.strongly_connected_components(H), key=lambda c: (len(c), -min(c)))
    if len(largest) < H.number_of_nodes():
        H.remove_nodes_from([n for n in inside.tolist() if n not in largest])
    return H


def assign_candidates(candidates: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """The cluster each candidate site can serve: the one whose area (hull plus buffer) holds it.

    A site inside several areas goes to the one whose hull is nearest (ties: the cluster listed first).

    Parameters
    ----------
    candidates : geopandas.GeoDataFrame
    areas : geopandas.GeoDataFrame
        ``cluster``, ``hull`` (stores' convex hull) and the area as geometry, in the candidates' CRS.

    Returns
    -------
    pandas.Series
        Cluster name per candidate (index of ``candidates``); None for sites outside every area.
    """
    pts = candidates.geometry.representative_point().reset_index(drop=True)
    out = np.full(len(pts), None, dtype=object)
    best = np.full(len(pts), np.inf)
    for row in areas.itertuples():
        dist = np.where(pts.within(row.geometry).to_numpy(), pts.distance(row.hull).to_numpy(), np.inf)
        closer = dist < best
        out[closer] = row.cluster
        best[closer] = dist[closer]
    return pd.Series(out, index=candidates.index, name="cluster", dtype=object)


def refuse_stores_outside(stores: gpd.GeoDataFrame, node_xy_m: np.ndarray, buffer_m: float) -> None:
    """Refuse stores that lie outside the road network's extent (its nodes' hull plus ``buffer_m``).

    Such stores cannot be served on this network (e.g. a national store file run on another
    country's extract); leaving them out silently would drop their demand from every total.

    Parameters
    ----------
    stores : geopandas.GeoDataFrame
        In the network's (projected) CRS, with ``store_id`` and ``demand_units_per_week``.
    node_xy_m : numpy.ndarray
        (n, 2) node coordinates of the network, in the same CRS.
    buffer_m : float
    """
    import shapely

    if len(node_xy_m) == 0:
        raise InputError("the road network has no nodes; check the network file.")
    extent = shapely.MultiPoint(node_xy_m).convex_hull.buffer(buffer_m)
    xy = np.column_stack([stores.geometry.x.to_numpy(), stores.geometry.y.to_numpy()])
    outside = ~contains_xy(extent, xy[:, 0], xy[:, 1])
    if not outside.any():
        return
    demand = stores["demand_units_per_week"].to_numpy(float)
    ids = stores["store_id"].astype(str).to_numpy()[outside]
    raise InputError(
        f"{int(outside.sum())} of {len(stores)} stores ({demand[outside].sum():,.0f} of {demand.sum():,.0f} "
        f"units/week, {100 * demand[outside].sum() / max(demand.sum(), 1e-12):.0f}% of the demand) lie outside the "
        f"road network's extent (more than {buffer_m:g} m beyond its roads), e.g. store_id "
        f"{', '.join(repr(i) for i in ids[:5])}; give a network file that covers every store, or remove those "
        "stores from the stores layer."
    )


def cluster_cities(
    stores: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    network: nx.MultiDiGraph,
    options: ClusterOptions | None = None,
    *,
    places: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | None = None,
    rents: gpd.GeoDataFrame | None = None,
    **city_fields: Any,
) -> tuple[list[CityInputs], gpd.GeoDataFrame]:
    """Split a country's stores and candidate sites into cities, each with its own cut network.

    Parameters
    ----------
    stores, candidates : geopandas.GeoDataFrame
        National layers (any CRS; they are projected to the network's).
    network : networkx.MultiDiGraph
        The projected national network (e.g. ``build_network(pbf, largest_component=False)``: each
        island then keeps its own roads until ferries join them).
    options : ClusterOptions, optional
    places : geopandas.GeoDataFrame, optional
        Named places for the cluster names (see :func:`find_clusters`).
    population, rents : geopandas.GeoDataFrame, optional
        National layers: each city gets the features that intersect its area.
    **city_fields
        Passed to every :class:`siting.pipeline.CityInputs` (``currency``, ``rents``, ``mode`` ...).

    Returns
    -------
    cities : list of CityInputs
        One per cluster that has at least one candidate site, by falling demand.
    clusters : geopandas.GeoDataFrame
        The cluster table of :func:`find_clusters` plus ``n_candidates``, ``network_nodes`` and
        ``network_edges``; geometry the area (hull plus buffer) the network was cut with.
    """
    options = options or ClusterOptions()
    crs = network.graph["crs"]
    stores, candidates = stores.to_crs(crs), candidates.to_crs(crs)
    population = None if population is None else population.to_crs(crs)
    rents = None if rents is None else rents.to_crs(crs)
    xy = node_xy(network)
    refuse_stores_outside(stores, xy[1], options.buffer_m)
    labels, table = find_clusters(stores, options, places=places)
    areas = table.assign(hull=table.geometry, geometry=table.geometry.buffer(options.buffer_m))
    site_cluster = assign_candidates(candidates, areas)
    cities, n_sites, nodes, edges = [], [], [], []
    for row in areas.itertuples():
        sites = candidates[site_cluster == row.cluster].reset_index(drop=True)
        n_sites.append(len(sites))
        if sites.empty:
            log.warning(
                "cluster %s: no candidate site within %g m of its stores; left out", row.cluster, options.buffer_m
            )
            nodes.append(0)
            edges.append(0)
            continue
        G = cut_network(network, row.geometry, nodes=xy)
        nodes.append(G.number_of_nodes())
        edges.append(G.number_of_edges())
        members = stores[labels == row.cluster].reset_index(drop=True)
        extra = {
            kind: layer[layer.intersects(row.geometry)].reset_index(drop=True)
            for kind, layer in (("population", population), ("rents", rents))
            if layer is not None
        }
        cities.append(
            CityInputs(
                name=row.cluster,
                stores=members,
                candidates=sites,
                network_source=G,
                area=row.geometry,
                **extra,
                **city_fields,
            )
        )
    clusters = gpd.GeoDataFrame(
        table.drop(columns="geometry").assign(n_candidates=n_sites, network_nodes=nodes, network_edges=edges),
        geometry=areas.geometry.to_numpy(),
        crs=crs,
    )
    if not cities:
        raise InputError("no cluster has a candidate site within its area; add sites or raise clusters.buffer_m.")
    return cities, clusters


def region_cities(
    name: str,
    *,
    stores: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    source: Any,
    options: ClusterOptions,
    places: gpd.GeoDataFrame | None = None,
    population: gpd.GeoDataFrame | None = None,
    rents: gpd.GeoDataFrame | None = None,
    mode: str = "drive",
    city_mode: str | None = None,
    currency: str = "EUR",
) -> list[CityInputs]:
    """The cities of one region found from its stores, each with its network cut from the region's.

    The national network is built once with every connected part kept (islands stay until ferries
    join them); each cluster's network is then cut from it. Cluster names come from ``places``, else
    from the OSM ``place`` nodes of a ``.osm.pbf`` source, else ``cluster-01`` ...

    Parameters
    ----------
    name : str
        The region (each city's ``region``).
    stores, candidates : geopandas.GeoDataFrame
    source : Path or str
        The region's network source (anything :func:`siting.network.build_network` takes).
    options : ClusterOptions
    places, population, rents : geopandas.GeoDataFrame, optional
    mode : str
        Network mode of the region's network.
    city_mode : str, optional
        The mode the cities carry (None: the run's).
    currency : str

    Returns
    -------
    list of CityInputs
    """
    from pathlib import Path

    from siting.inputs.country_demo import read_places
    from siting.network.build import build_network

    G = build_network(source, mode=mode, largest_component=False)
    if places is None and isinstance(source, Path) and source.name.lower().endswith(".pbf"):
        places = read_places(source, G.graph["crs"])
    cities, clusters = cluster_cities(
        stores,
        candidates,
        G,
        options,
        places=places,
        population=population,
        rents=rents,
        currency=currency,
        mode=city_mode,
        region=name,
    )
    log.info(
        "%s: %d clusters found from %d stores: %s",
        name,
        len(clusters),
        len(stores),
        ", ".join(f"{r.cluster} ({r.n_stores} stores)" for r in clusters.itertuples()),
    )
    return cities
