"""The shared network drawn: an offline HTML map (sites by capacity and peak use, lanes by class) and a PNG."""

from __future__ import annotations

import html
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import shapely

from siting.share.problem import KINDS

__all__ = ["share_map", "utilization_png", "LANE_COLORS"]

#: Lane colour of each class kind.
LANE_COLORS = {"priority": "#c92a2a", "standard": "#1971c2", "overflow": "#868e96"}


def _popup(heading: str, rows: list[tuple[str, object]]) -> str:
    from siting.maps.legend import fmt

    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(v if isinstance(v, str) else fmt(v))}</td></tr>"
        for k, v in rows
    )
    return f'<div class="siting-h">{html.escape(heading)}</div><table>{body}</table>'


def share_map(study, layers, *, title: str, subtitle: str = "") -> folium.Map:
    """Draw a shared network: open sites sized by capacity and coloured by peak utilisation, lanes by class.

    Parameters
    ----------
    study : siting.share.ShareStudy
    layers : siting.share.layers.ShareLayers
        The stores and sites behind the study (EPSG:4326).
    title, subtitle : str
        Shown at the top (as text).

    Returns
    -------
    folium.Map
        Save it with :func:`siting.maps.draw.save_map` (offline by default).
    """
    from siting.maps.elements import Controls, DataLayer, Legend, Title, feature_collection
    from siting.maps.legend import fmt, gradient_scale, legend_html, size_scale, swatch_scale
    from siting.maps.page import OSM_ATTRIBUTION, offline_page, stable_ids

    pb, design = study.problem, study.design
    m = offline_page(title)
    site_xy = shapely.get_coordinates(layers.sites.geometry.representative_point().to_numpy())
    store_xy = shapely.get_coordinates(layers.stores.geometry.representative_point().to_numpy())
    weeks = np.asarray(pb.season_weeks, dtype=float)
    annual = (design.flow_units_per_week * weeks).sum(axis=2)  # (n, m)
    sections, drawn = [], []
    # lanes: one straight line per site -> store with a flow, coloured by the store brand's class
    for kind in KINDS:
        geoms, props = [], []
        for i, j in np.argwhere(annual > 1e-6):
            b = pb.store_brand[j]
            if pb.brand_kind[b] != kind:
                continue
            geoms.append(shapely.LineString([site_xy[i], store_xy[j]]))
            heading = f"{pb.site_ids[i]} → {pb.store_ids[j]}"
            rows = [
                ("brand", pb.brand_names[b]),
                ("lane class", kind),
                ("units per year", float(annual[i, j])),
                ("drive time (min)", float(pb.delivery_time_s[i, j]) / 60.0),
            ]
            props.append({"c": LANE_COLORS[kind], "w": 2.0, "p": _popup(heading, rows), "t": html.escape(heading)})
        if geoms:
            layer = DataLayer(
                f"lanes_{kind}",
                f"{kind.capitalize()} lanes ({len(geoms):,})",
                feature_collection(np.array(geoms, dtype=object), props),
                class_name="siting-lanes",
                style={"opacity": 0.7},
            )
            drawn.append(layer)
            sections.append((f"lanes_{kind}", swatch_scale(f"{kind.capitalize()} lanes", LANE_COLORS[kind], kind)))
    # stores
    props = [
        {
            "r": 3.0,
            "p": _popup(f"Store {pb.store_ids[j]}", [("brand", pb.brand_names[pb.store_brand[j]])]),
            "t": html.escape(pb.store_ids[j]),
        }
        for j in range(len(pb.store_ids))
    ]
    drawn.append(
        DataLayer(
            "stores",
            f"Stores ({len(props):,})",
            feature_collection(shapely.points(store_xy), props),
            kind="circle",
            class_name="siting-stores",
            style={"color": "#ffffff", "weight": 1, "fillColor": "#343a40", "fillOpacity": 0.7},
        )
    )
    sections.append(("stores", swatch_scale("Stores", "#343a40", "store")))
    # open sites
    net = study.network.set_index("site_id")
    util = net["peak_utilization"].to_numpy(dtype=float) if len(net) else np.zeros(0)
    scale = gradient_scale(0.0, 1.0, "YlOrRd", "Sites: peak utilisation", low_label="0%", high_label="100%")
    caps = np.asarray(pb.capacity_units_per_week, dtype=float)
    radius = {float(c): 8.0 + 10.0 * np.sqrt(c / caps.max()) for c in caps}
    props, pts = [], []
    for k, (site, row) in enumerate(net.iterrows()):
        i = pb.site_ids.index(site)
        pts.append(site_xy[i])
        rows = [
            ("capacity (units/week)", float(row["capacity_units_per_week"])),
            ("peak utilisation", f"{100 * util[k]:.0f}%"),
            ("brands", str(row["brands_served"])),
            ("rent per year", float(row["rent_per_yr"])),
        ]
        props.append(
            {
                "r": round(radius[float(row["capacity_units_per_week"])], 1),
                "f": scale.color(np.array([util[k]]))[0],
                "p": _popup(f"Site {site}", rows),
                "t": html.escape(site),
            }
        )
    if props:
        drawn.append(
            DataLayer(
                "sites",
                f"Open sites ({len(props)})",
                feature_collection(shapely.points(np.array(pts)), props),
                kind="circle",
                class_name="siting-chosen",
                style={"color": "#212529", "weight": 2, "fillOpacity": 0.95},
            )
        )
        sections.append(("sites", scale))
        sections.append(
            (
                "sites",
                size_scale(
                    "Sites: capacity (units/week)",
                    "#adb5bd",
                    tuple(radius[float(c)] for c in caps[::-1]),
                    tuple(fmt(c) for c in caps[::-1]),
                ),
            )
        )
    for layer in drawn:
        m.add_child(layer)
    # fit the view to the open sites and the stores they serve (the cities may lie far apart)
    served = annual.sum(axis=0) > 1e-6
    opened = design.level >= 0
    view = np.vstack([site_xy[opened], store_xy[served]]) if opened.any() else np.vstack([site_xy, store_xy])
    x0, y0 = view.min(axis=0)
    x1, y1 = view.max(axis=0)
    m.location = [(y0 + y1) / 2, (x0 + x1) / 2]
    extra = layers.attribution if "OpenStreetMap" not in layers.attribution else ""
    attributions = [OSM_ATTRIBUTION] + ([html.escape(extra)] if extra else [])
    m.add_child(Controls(attributions, [[y0, x0], [y1, x1]]))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(Legend(legend_html(sections)))
    m.add_child(Title(title, subtitle))
    m.siting_layers = {layer.key: layer.n_features for layer in drawn}  # type: ignore[attr-defined]
    stable_ids(m.get_root())
    return m


def utilization_png(utilization: pd.DataFrame, path: str | Path, *, title: str) -> Path:
    """A PNG of weekly utilisation per open site (one line per site, the 100% line dashed).

    Parameters
    ----------
    utilization : pandas.DataFrame
        ``site_id``, ``week``, ``utilization`` (0-1).
    path : str or Path
    title : str

    Returns
    -------
    pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from siting.outputs import atomic_path

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    for site, rows in utilization.groupby("site_id", sort=True):
        ax.plot(rows["week"], 100 * rows["utilization"], marker=".", label=str(site))
    ax.axhline(100, color="#495057", linestyle="--", linewidth=1)
    ax.set_xlabel("week of the year")
    ax.set_ylabel("utilisation (% of production hours)")
    ax.set_ylim(0, 110)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return target
