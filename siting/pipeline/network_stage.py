"""The run's network stage: a city's graph with the run's travel times, and layers snapped to its edges."""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting.pipeline.options import CityInputs
from siting.pipeline.travel import travel_graph
from siting.ranking.filters import excluded_rows

log = logging.getLogger("siting")

__all__ = ["city_graph", "edge_snaps", "snap_layer"]


def city_graph(city: CityInputs, options: Any, graph: nx.MultiDiGraph | None = None) -> nx.MultiDiGraph:
    """The graph every stage of a city's run uses: built from the city's network source, with the run's travel times.

    Parameters
    ----------
    city : CityInputs
        Its ``network_source`` (a file, a place name or a graph) and ``mode`` (else ``options.reach.mode``).
    options : siting.pipeline.RankOptions
        Its ``reach``: the mode, and the traffic band or delivery window
        (:func:`siting.pipeline.travel.travel_graph`).
    graph : networkx.MultiDiGraph, optional
        A network already built for this city (skips :func:`siting.network.build_network`).

    Returns
    -------
    networkx.MultiDiGraph
    """
    from siting.network.build import build_network

    owned = False  # a graph built here is this run's alone: its travel times may change in place
    if graph is None:
        if isinstance(city.network_source, nx.MultiDiGraph):
            graph = city.network_source
        else:
            graph = build_network(city.network_source, mode=city.mode or options.reach.mode)
            owned = True
    return travel_graph(graph, options.reach, owned=owned)


def snap_layer(
    G: nx.MultiDiGraph, gdf: gpd.GeoDataFrame, kind: str, id_col: str, max_m: float, *, where: str = ""
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Snap a layer to the nearest road edges (not across water); the rows left out, each with its reason.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    gdf : geopandas.GeoDataFrame
        The layer, in the graph's CRS, with an ``id_col`` column.
    kind : str
        The network mode, for messages ("drive" road network).
    id_col : str
        ``store_id``, ``site_id`` or ``zone_id``: rows are named by it in the log and the table.
    max_m : float
        ``max_snap_distance_m``: rows farther than this from every edge are left out.
    where : str
        Opens the logged lines (e.g. the city's name in a run of several cities).

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The kept rows (index reset) with the edge-snap columns of
        :data:`siting.network.snapping.SNAP_COLUMNS`, and the rows left out in the ``excluded`` table's
        form (``filter`` ``water_crossing``, ``max_snap_distance_m`` or ``disconnected_component``),
        each group also logged once by id.
    """
    from siting.network.components import REASONS, point_components
    from siting.network.snapping import SNAP_COLUMNS, snap_to_edges

    snapped = snap_to_edges(G, gdf, max_distance_m=max_m, warn=False)
    kept = gdf.loc[snapped.index].copy()
    for col in SNAP_COLUMNS:
        kept[col] = snapped[col].to_numpy()
    dropped = gdf.loc[gdf.index.difference(snapped.index)]
    wet = dropped.index.isin(snapped.attrs.get("across_water", []))
    out = []
    if wet.any():
        why = f"reachable from no {kind} road within {max_m:g} m without crossing water (sea or lake)"
        out.append(excluded_rows(id_col, dropped.loc[wet, id_col], "water_crossing", why))
        dropped = dropped.loc[~wet]
    comp = point_components(G, dropped, max_m)
    reasons = {c["component"]: c["reason"] for c in G.graph.get("components", [])}
    far = f"more than {max_m:g} m from the {kind} road network"
    for cid in np.unique(comp):
        rows = dropped.loc[comp == cid, id_col]
        if cid == 0:
            out.append(excluded_rows(id_col, rows, "max_snap_distance_m", far))
        else:
            reason = f"on a {kind} road component not connected to the main network: {REASONS[reasons[int(cid)]]}"
            out.append(excluded_rows(id_col, rows, "disconnected_component", reason))
    if out:
        excluded = pd.concat(out, ignore_index=True)
        what = id_col.replace("_id", "s").replace("zones", "population zones")
        for (filt, reason), group in excluded.groupby(["filter", "reason"], sort=False):
            ids = group["id"].astype(str).tolist()  # said by id, never by row index
            log.warning(
                "%s%d of %d %s are %s and left out: %s%s%s",
                f"{where}: " if where else "",
                len(ids),
                len(gdf),
                what,
                reason,
                ", ".join(ids[:10]),
                " ..." if len(ids) > 10 else "",
                "; check their coordinates and CRS" if filt == "max_snap_distance_m" else "",
            )
    else:
        excluded = excluded_rows(id_col, dropped[id_col], "max_snap_distance_m", far)
    return kept.reset_index(drop=True), excluded


def edge_snaps(layer: pd.DataFrame) -> pd.DataFrame:
    """The edge-snap columns of a layer from :func:`snap_layer` (what :func:`siting.network.od_matrix` takes)."""
    from siting.network.snapping import SNAP_COLUMNS

    return layer[list(SNAP_COLUMNS)]
