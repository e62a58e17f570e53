"""Observed segment speeds: read an OSRM-style CSV (from_osm_node,to_osm_node,speed_kph) against a graph."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pandas as pd

from siting.errors import InputError, MissingColumnError, MissingFileError

__all__ = ["SEGMENT_COLUMNS", "read_segment_speeds"]

SEGMENT_COLUMNS = ("from_osm_node", "to_osm_node", "speed_kph")


def read_segment_speeds(path: str | Path, G: nx.MultiDiGraph) -> dict[tuple[int, int], float]:
    """Observed speeds per directed segment, checked against the graph.

    The file is OSRM's traffic-update CSV: ``from_osm_node,to_osm_node,speed_kph`` with a
    header, or OSRM's headerless ``from,to,speed[,rate]``. Each segment must be an edge of
    the graph (node ids are OSM ids; a simplified network keeps junctions and dead ends
    only, so give speeds between those). Rows are numbered as in a spreadsheet.

    Parameters
    ----------
    path
        The CSV file.
    G
        The network the speeds apply to.

    Returns
    -------
    dict
        (from node, to node) -> km/h.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"segment speeds {path} does not exist; check the path")
    try:
        raw = pd.read_csv(path, dtype=str, header=None, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it as a CSV ({exc}); expected {','.join(SEGMENT_COLUMNS)}") from None
    first = str(raw.iat[0, 0]).strip() if raw.size else ""
    if first.lstrip("-").isdigit():  # OSRM's headerless form
        if raw.shape[1] < 3:
            raise MissingColumnError(
                f"{path}: {raw.shape[1]} column(s); OSRM segment speeds need from,to,speed (or a header "
                f"{','.join(SEGMENT_COLUMNS)})"
            )
        df = raw.iloc[:, :3].set_axis(list(SEGMENT_COLUMNS), axis=1)
        offset = 1
    else:
        header = [str(c).strip().lower() for c in raw.iloc[0]]
        df = raw.iloc[1:].set_axis(header, axis=1)
        offset = 2
        missing = [c for c in SEGMENT_COLUMNS if c not in header]
        if missing:
            raise MissingColumnError(
                f"{path}: missing column(s) {', '.join(missing)}; segment speeds need {','.join(SEGMENT_COLUMNS)}"
            )
    if df.empty:
        raise InputError(f"{path}: no rows; give one row per segment")
    out: dict[tuple[int, int], float] = {}
    for i, rec in enumerate(df[list(SEGMENT_COLUMNS)].itertuples(index=False), start=offset):
        ends = []
        for col, value in zip(SEGMENT_COLUMNS[:2], rec[:2], strict=True):
            text = str(value).strip()
            if not text.lstrip("-").isdigit():
                raise InputError(f"{path}: row {i}, column {col}: {text!r} is not an OSM node id; fix the row")
            node = int(text)
            if node not in G:
                raise InputError(
                    f"{path}: row {i}, column {col}: node {node} is not in the network (a simplified network keeps "
                    "junctions and dead ends only); give speeds between network nodes or remove the row"
                )
            ends.append(node)
        u, v = ends
        if not G.has_edge(u, v):
            raise InputError(f"{path}: row {i}: no road runs from node {u} to node {v} in the network; fix the row")
        try:
            speed = float(str(rec[2]).strip())
        except ValueError:
            speed = math.nan
        if not (math.isfinite(speed) and speed > 0):
            raise InputError(
                f"{path}: row {i}, column speed_kph: {str(rec[2]).strip()!r} is not a speed > 0 km/h; "
                "fix it, or remove the row to keep the modelled speed"
            )
        if (u, v) in out:
            raise InputError(f"{path}: row {i} repeats segment {u} -> {v}; keep one row per segment")
        out[(u, v)] = speed
    return out
