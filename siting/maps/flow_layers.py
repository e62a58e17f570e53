"""Map layer of the portfolio design's offshore flows: distribution point -> hub / cross-dock site -> stores."""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from siting.maps.elements import DataLayer
from siting.maps.layers import _esc, _require
from siting.maps.legend import Scale, fmt

__all__ = ["offshore_flows_layer", "HUB_COLOUR", "CROSSDOCK_COLOUR"]

HUB_COLOUR = "#e8590c"
CROSSDOCK_COLOUR = "#7048e8"


def offshore_flows_layer(
    flows: gpd.GeoDataFrame | None, hubs: gpd.GeoDataFrame | None, currency: str = ""
) -> tuple[DataLayer, Scale] | None:
    """One toggleable layer "Offshore flows": trunk lines, lines to the stores and the open hubs.

    ``flows`` as :func:`siting.pipeline.offshore_flows.offshore_flows` gives them (``kind`` trunk /
    store / stores, ``via``, ``via_kind`` hub / site, ``store_id``, ``n_stores``, ``units_per_week``);
    ``hubs`` its open hubs (``hub_id, units_per_week, handling_cost_per_unit, fixed_cost_per_yr,
    n_stores``), drawn as circle markers (class ``siting-hub``) with a popup. None when both are empty.
    """
    n_lines = 0 if flows is None else len(flows)
    n_hubs = 0 if hubs is None else len(hubs)
    if not n_lines and not n_hubs:
        return None
    features: list[dict[str, Any]] = []
    if flows is not None and n_lines:
        _require(flows, ["kind", "via", "via_kind", "store_id", "n_stores", "units_per_week"], "offshore flows")
        f4 = flows.to_crs(4326)
        for row, geom in zip(f4.itertuples(), f4.geometry):
            colour = HUB_COLOUR if row.via_kind == "hub" else CROSSDOCK_COLOUR
            name = str(row.via).removeprefix("hub:")
            what = f"hub {name}" if row.via_kind == "hub" else f"cross-dock at site {name}"
            if row.kind == "trunk":
                tip = f"Distribution point → {what}: {fmt(row.units_per_week)} units/week offshore"
                tip += f", {int(row.n_stores)} stores"
                style = {"c": colour, "w": 3.5}
            elif row.kind == "stores":
                tip = f"{what} → its {int(row.n_stores)} stores (line to their centroid)"
                style = {"c": colour, "w": 2}
            else:
                tip = f"{what} → store {row.store_id}"
                style = {"c": colour, "w": 1}
            coords = [[round(x, 6), round(y, 6)] for x, y in geom.coords]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {**style, "t": _esc(tip)},
                }
            )
    unit = f" {currency}".rstrip()
    if hubs is not None and n_hubs:
        h4 = hubs.to_crs(4326)
        for row, geom in zip(h4.itertuples(), h4.geometry):
            head = f"Hub {row.hub_id}"
            popup = (
                f'<div class="siting-h">{_esc(head)}</div><table>'
                f"<tr><td>offshore units/week</td><td>{_esc(fmt(row.units_per_week))}</td></tr>"
                f"<tr><td>handling cost per unit</td><td>{_esc(fmt(row.handling_cost_per_unit))}{_esc(unit)}</td></tr>"
                f"<tr><td>fixed cost per year</td><td>{_esc(fmt(row.fixed_cost_per_yr))}{_esc(unit)}</td></tr>"
                f"<tr><td>stores served</td><td>{int(row.n_stores)}</td></tr></table>"
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(geom.x, 6), round(geom.y, 6)]},
                    "properties": {
                        "c": "#212529",
                        "f": HUB_COLOUR,
                        "r": 9,
                        "n": "siting-hub",
                        "p": popup,
                        "t": _esc(head),
                    },
                }
            )
    layer = DataLayer(
        "offshore_flows",
        "Offshore flows",
        {"type": "FeatureCollection", "features": features},
        class_name="siting-flows",
        style={"opacity": 0.85, "weight": 2, "fillOpacity": 0.95},
    )
    scale = Scale(
        "Offshore flows (straight lines)",
        "swatch",
        (HUB_COLOUR, CROSSDOCK_COLOUR),
        labels=("distribution point → open hub → stores", "distribution point → cross-dock site → stores"),
    )
    return layer, scale
