"""Checking every input a scenario names without computing: layers, option files, network files (`siting validate`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from siting.app.inputs import city_inputs
from siting.app.options import rank_options
from siting.config.scenario import Scenario
from siting.config.schema import read_any_layer as _read_any
from siting.errors import InputError
from siting.inputs.layers import LAYER_COLUMNS

__all__ = ["check_inputs"]


_GEO_SUFFIXES = (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet", ".shp", ".fgb")


def _option_files(options: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(key path, file) of every option value that names a layer file (e.g. filters.excluded_zones)."""
    found = []
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            flat = not prefix and f.name in ("reach", "lanes", "costs")  # groups whose keys [rank] gives flat
            found += _option_files(value, prefix if flat else f"{prefix}{f.name}.")
        elif isinstance(value, (str, Path)) and str(value).lower().endswith(_GEO_SUFFIXES):
            found.append((f"{prefix}{f.name}", str(value)))
    return found


def check_inputs(scenario: Scenario) -> list[str]:
    """Check every input of a scenario without computing anything (no network is built, except for
    ``clusters = "auto"`` entries, whose cities are found and cut from their national network).

    Reads and validates each layer, checks each network file exists and is a known kind, loads
    the vehicle and product files and builds the ranking options.

    Returns
    -------
    list of str
        One line per checked input, for the CLI.
    """
    from siting.network.osm import source_kind

    lines = []
    opts = rank_options(scenario)
    lines.append(f"rank options: {', '.join(f'{k}={v!r}' for k, v in scenario.rank.items()) or 'defaults'}")
    if scenario.vehicles.file is not None:
        lines.append(f"vehicles: {len(opts.lanes.vehicles)} profiles from {scenario.vehicles.file}")
    if scenario.costs.products is not None:
        lines.append(f"products: {len(opts.costs.products)} families from {scenario.costs.products}")
    for key in ("sku_popularity", "order_history"):
        if getattr(scenario.costs, key) is not None:
            lines.append(f"{key}: applied to the products from {getattr(scenario.costs, key)}")
    if scenario.costs.hubs is not None:
        lines.append(f"hubs: {len(opts.portfolio.hubs)} candidate hubs from {scenario.costs.hubs}")
    for key, path in _option_files(opts):
        layer = _read_any(Path(path))
        if layer.crs is None:
            raise InputError(f"{path}: the layer given as rank.{key} has no CRS; set one in the file.")
        lines.append(f"rank.{key}: {len(layer):,} features from {path}")
    from siting.network.filecheck import FILE_KINDS, check_network_file

    for inputs in city_inputs(scenario):
        src = inputs.network_source
        counts = ", ".join(f"{len(g):,} {k}" for k in LAYER_COLUMNS if (g := getattr(inputs, k)) is not None)
        if inputs.region is not None:  # found by clustering: its network is cut from the region's
            lines.append(f"city {inputs.name} (found in {inputs.region}): {counts}; network {len(src):,} nodes")
            continue
        kind = source_kind(src)
        if kind in FILE_KINDS:
            check_network_file(Path(str(src)), kind)  # opened far enough to know it is readable
        lines.append(f"city {inputs.name}: {counts}; network {source_kind(src)} {src}")
    from siting.config.scenario import SHARE_TABLES

    if scenario.source is not None and any(k in scenario.raw for k in SHARE_TABLES):
        lines.extend(_share_lines(Path(scenario.source)))
    return lines


def _share_lines(path: Path) -> list[str]:
    """Check a scenario's shared-network tables (read by `siting share` only): one line saying what they hold."""
    from siting.share.inputs import load_share_scenario

    _, spec = load_share_scenario(path)
    return [
        f"share tables (for `siting share`; rank and plan ignore them): {len(spec.brands)} brand(s), "
        f"{len(spec.seasons)} season(s) covering {sum(s.weeks for s in spec.seasons)} weeks, "
        f"{len(spec.lane_classes)} lane class(es), {len(spec.site_capacity.levels_units_per_week)} capacity level(s)"
    ]
