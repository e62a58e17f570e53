"""Map layers built from siting's GeoDataFrames: reprojection, simplification, popups, colours and sizes."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError, MissingColumnError
from siting.maps.display import metric_crs, prepare
from siting.maps.elements import DataLayer, feature_collection, packed_lines, packed_polygons
from siting.maps.legend import PALETTES, Scale, class_scale, fmt, gradient_scale, size_scale, swatch_scale
from siting.maps.palettes import categorical_colours

__all__ = [
    "criteria_columns",
    "stores_layer",
    "candidate_layers",
    "lanes_layer",
    "zones_layer",
    "isochrones_layer",
    "prepare",
]

STORE_COLOR = "#1971c2"
CHOSEN_COLOR = "#c2255c"
UNRANKED_COLOR = "#adb5bd"
LANE_COLOUR_STEPS = 64
#: digits as superscripts: "★⁺²" (two other families made) fits the 30 px chosen-site disc
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def packed_decimals(simplify_m: float) -> int:
    """Decimals of packed coordinates: 5 (about 1.1 m) from a 5 m display tolerance up, as
    :func:`siting.maps.display.prepare` rounds them; 6 (0.1 m) below, so city maps keep every vertex."""
    return 5 if simplify_m >= 5 else 6


def _esc(value: object) -> str:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return fmt(value)  # digits, separators, signs, '–', '∞', 'yes'/'no': nothing to escape
    return html.escape(fmt(value), quote=True)


def _missing(value: object) -> bool:
    """True for None and NaN (left out of compact popups)."""
    return value is None or (isinstance(value, float) and np.isnan(value))


def _cells(values: np.ndarray) -> list[str]:
    """``_esc`` of each value, ``""`` for a missing one (None or NaN); equal values are formatted once."""
    if values.dtype.kind in "biu" or values.dtype == np.float64:
        # as Python numbers fmt gives the same text, and a formatted number needs no HTML escaping
        return ["" if v != v else fmt(v) for v in values.tolist()]  # v != v: NaN
    memo: dict[tuple[type, object], str] = {}
    out = []
    for v in values:
        if _missing(v):
            out.append("")
            continue
        try:
            key = (type(v), v)
            text = memo.get(key)
            if text is None:
                text = memo[key] = _esc(v)
        except TypeError:  # unhashable, e.g. a list of store ids
            text = _esc(v)
        out.append(text)
    return out


def _popup(heading: str, rows: Iterable[tuple[str, object]], table: str = "") -> str:
    """Popup HTML: an escaped heading, label/value rows and an optional prebuilt (escaped) table."""
    body = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f'<div class="siting-h">{_esc(heading)}</div><table>{body}</table>{table}'


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as dicts holding the values ``iterrows`` gives (each column as Python objects),
    without building a Series per row."""
    names = list(frame.columns)
    columns = [frame.iloc[:, j].astype(object).tolist() for j in range(frame.shape[1])]
    return [dict(zip(names, values)) for values in zip(*columns)] if columns else [{} for _ in range(len(frame))]


def _require(gdf: pd.DataFrame, columns: Iterable[str], layer: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise MissingColumnError(
            f"layer {layer!r} lacks column(s) {missing}; it has {list(gdf.columns)}. "
            "Validate it with siting.inputs.layers first or rename the columns."
        )


def _sqrt_sizes(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0).clip(min=0.0)
    vmax = v.max() if v.size else 0.0
    return lo + (hi - lo) * (np.sqrt(v / vmax) if vmax > 0 else np.zeros_like(v))


def _text_color(fill: str) -> str:
    r, g, b = (int(fill.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else "#111111"


def _label(row: dict[str, Any], id_col: str) -> str:
    name = row.get("name")
    if isinstance(name, str) and name.strip():
        return name
    return str(row[id_col])


def criteria_columns(frame: pd.DataFrame) -> list[str]:
    """The criteria of a ranking: every column ``c`` that has both ``c_norm`` and ``c_contrib``.

    Parameters
    ----------
    frame : DataFrame
        Candidates or a ranking table.

    Returns
    -------
    list of str
        Criterion names in column order.
    """
    cols = set(frame.columns)
    return [c for c in frame.columns if f"{c}_norm" in cols and f"{c}_contrib" in cols]


def _breakdown_table(row: dict[str, Any], criteria: list[str]) -> str:
    if not criteria:
        return ""
    head = "<tr><th>criterion</th><th>value</th><th>norm</th><th>contrib</th></tr>"
    body = "".join(
        f"<tr><td>{_esc(c)}</td><td>{_esc(row[c])}</td><td>{_esc(row[f'{c}_norm'])}</td>"
        f"<td>{_esc(row[f'{c}_contrib'])}</td></tr>"
        for c in criteria
    )
    return f"<table>{head}{body}</table>"


_PORTFOLIO_ROWS = (
    ("portfolio_level", "capacity level"),
    ("portfolio_makes_per_week", "makes (units/week)"),
    ("portfolio_utilisation", "utilisation, peak %"),
    ("portfolio_offshore_share", "city's units offshore %"),
)


def _site_popup(row: dict[str, Any], criteria: list[str], n_sites: int, *, chosen: bool = False) -> str:
    rows: list[tuple[str, object]] = [("site_id", str(row["site_id"]))]
    if "rank" in row and pd.notna(row["rank"]):
        rows.append(("rank", f"{int(row['rank'])} of {n_sites}"))
    for col in (
        "score",
        "floor_area_m2",
        "rent_per_m2_yr",
        "p_first",
        "p_top_k",
        "robust",
        "narrow_win",
        "rank_overall",
    ):
        if col in row and pd.notna(row[col]):
            rows.append((col, row[col]))
    for col, label in _PORTFOLIO_ROWS:  # plan --objective portfolio: what the site makes
        if col in row and pd.notna(row[col]):
            value = row[col]
            rows.append((label, f"{100 * float(value):.0f}%" if label.endswith("%") else value))
    if chosen:
        rows.append(("chosen", "yes"))
    return _popup(
        f"{'Chosen site' if chosen else 'Candidate site'}: {_label(row, 'site_id')}",
        rows,
        _breakdown_table(row, criteria),
    )


def stores_layer(stores: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale]:
    """Stores as circles sized by ``demand_units_per_week`` (square-root scale), with popups and tooltips."""
    _require(stores, ["store_id", "demand_units_per_week"], "stores")
    s = prepare(stores, "stores", simplify_m=simplify_m)
    pts = s.geometry.representative_point().to_numpy()
    demand = pd.to_numeric(s["demand_units_per_week"], errors="coerce").to_numpy(dtype=float)
    radius = _sqrt_sizes(demand, 3.0, 12.0)
    props = []
    fields = ["store_id", *(["shop"] if "shop" in s.columns else []), "demand_units_per_week"]
    for row, r in zip(_records(s), radius):
        # a compact popup: heading "Store: <name>" and the fields' values, labels written once
        values = [_esc(str(row["store_id"]))]
        if "shop" in s.columns:
            values.append(_esc(row["shop"]) if isinstance(row["shop"], str) else "")
        values.append("" if _missing(row["demand_units_per_week"]) else _esc(row["demand_units_per_week"]))
        label = _esc(_label(row, "store_id"))
        props.append({"r": round(float(r), 1), "h": [0, label], "v": values, "t": label})
    finite = demand[np.isfinite(demand) & (demand > 0)]
    if finite.size:
        refs = np.unique(np.array([finite.max(), np.median(finite), finite.min()]))[::-1]
        radii = _sqrt_sizes(np.append(refs, finite.max()), 3.0, 12.0)[: refs.size]
        scale = size_scale("Stores: demand (units/week)", STORE_COLOR, tuple(radii), tuple(fmt(v) for v in refs))
    else:
        scale = swatch_scale("Stores", STORE_COLOR, "store")
    layer = DataLayer(
        "stores",
        f"Stores ({len(s):,})",
        feature_collection(pts, props),
        kind="circle",
        class_name="siting-stores",
        fields=fields,
        heads=["Store: "],
        style={"color": "#ffffff", "weight": 1, "fillColor": STORE_COLOR, "fillOpacity": 0.8, "opacity": 0.9},
    )
    return layer, scale


def candidate_layers(
    candidates: gpd.GeoDataFrame, chosen: Any, simplify_m: float, *, cluster: bool = False
) -> tuple[list[DataLayer], list[tuple[str, Scale]]]:
    """Candidate sites (footprint + rank label coloured by rank, breakdown popup) and the chosen sites (stars).

    With ``cluster``, the rank labels gather into Leaflet.markercluster clusters until zoom 16
    (footprints and chosen stars stay as they are); the page must load it (``use_markercluster``).
    """
    _require(candidates, ["site_id"], "candidates")
    c = prepare(candidates, "candidates", simplify_m=simplify_m)
    criteria = criteria_columns(c)
    n = len(c)
    has_rank = "rank" in c.columns and c["rank"].notna().any()
    if has_rank:
        c = c.sort_values("rank", kind="stable")
        ranks = pd.to_numeric(c["rank"], errors="coerce").to_numpy(dtype=float)
        worst = float(np.nanmax(ranks))
        scale = gradient_scale(
            1,
            max(worst, 1.0),
            "YlGn",
            "Candidate sites by rank",
            low_label="1 (best)",
            high_label=f"{fmt(int(worst))}",
            reverse=True,
        )
        colors = [col if np.isfinite(r) else UNRANKED_COLOR for col, r in zip(scale.color(ranks), ranks)]
    else:
        ranks = np.full(n, np.nan)
        scale = swatch_scale("Candidate sites", PALETTES["YlGn"][-1], "candidate site (not ranked)")
        colors = [PALETTES["YlGn"][-1]] * n
    n_ranked = int(np.isfinite(ranks).sum())
    geoms: list[Any] = []
    props: list[dict[str, Any]] = []
    for row, geom, color, rank in zip(_records(c), c.geometry.to_numpy(), colors, ranks):
        popup = _site_popup(row, criteria, n_ranked)
        ranked = np.isfinite(rank)
        tip = _esc(
            f"#{int(rank)} {_label(row, 'site_id')}"
            if ranked
            else f"{_label(row, 'site_id')}{' (not ranked)' if has_rank else ''}"
        )
        if geom.geom_type not in ("Point", "MultiPoint"):
            geoms.append(geom)
            props.append({"c": color, "f": color, "q": 1})  # popup and tooltip: those of its label, next
        geoms.append(geom.representative_point())
        props.append(
            {
                "f": color,
                "k": _text_color(color),
                "l": str(int(rank)) if np.isfinite(rank) else "",
                "z": int(n - rank) * 10 if np.isfinite(rank) else 0,
                "p": popup,
                "t": tip,
            }
        )
    layers = [
        DataLayer(
            "candidates",
            f"Candidate sites ({n:,})",
            feature_collection(np.array(geoms, dtype=object), props),
            kind="label",
            class_name="siting-candidates",
            icon_class="siting-rank",
            size_px=22,
            style={"weight": 1.5, "fillOpacity": 0.25, "opacity": 0.9},
            cluster={} if cluster else None,
        )
    ]
    scales: list[tuple[str, Scale]] = [("candidates", scale)]
    picked = _chosen_rows(c, chosen)
    if picked is not None and len(picked):
        looks, chosen_scale = _chosen_looks(picked)
        cprops = []
        for row, (fill, badge) in zip(_records(picked), looks):
            cprops.append(
                {
                    "f": fill,
                    "k": CHOSEN_COLOR if fill == "#ffffff" else _text_color(fill),
                    "l": badge,
                    "z": 10_000,
                    "p": _site_popup(row, criteria, n_ranked, chosen=True),
                    "t": _esc(f"Chosen: {_label(row, 'site_id')}"),
                }
            )
        pts = picked.geometry.representative_point().to_numpy()
        layers.append(
            DataLayer(
                "chosen",
                f"Chosen sites ({len(picked):,})",
                feature_collection(pts, cprops),
                kind="label",
                class_name="siting-chosen",
                icon_class="siting-chosen",
                size_px=30,
                z_offset=1000,
            )
        )
        scales.append(("chosen", chosen_scale))
    return layers, scales


def _chosen_looks(picked: gpd.GeoDataFrame) -> tuple[list[tuple[str, str]], Scale]:
    """Each chosen site's fill and label (``★``, ``★⁺ⁿ``: n other families it makes; ``☆``: none), and its legend.

    A portfolio plan (columns ``portfolio_main_family``, ``portfolio_local_families``) fills each
    star with the colour-blind-safe colour of the family the site makes most, one per family
    (sorted by name); a site that makes nothing locally (cross-dock only) is a hollow star ``☆`` on white.
    Without those columns every star is white, as on a rank map.
    """
    plain = swatch_scale("Chosen sites", CHOSEN_COLOR, "★ chosen site")
    if "portfolio_main_family" not in picked.columns or "portfolio_local_families" not in picked.columns:
        return [("#ffffff", "★")] * len(picked), plain
    n_made = pd.to_numeric(picked["portfolio_local_families"], errors="coerce").to_numpy(dtype=float, copy=True)
    n_made[~np.isfinite(n_made) | (n_made < 0)] = np.nan  # not a count: shown as a plain chosen site
    mains = [
        str(f) if isinstance(f, str) and f and k > 0 else ""
        for f, k in zip(picked["portfolio_main_family"], np.nan_to_num(n_made, nan=-1.0))
    ]
    families = sorted({f for f in mains if f})
    colour = dict(zip(families, categorical_colours(len(families))))
    looks = [
        (colour[f], "★⁺" + str(int(k) - 1).translate(_SUPERSCRIPT) if k > 1 else "★")
        if f
        else ("#ffffff", "☆" if k == 0 else "★")
        for f, k in zip(mains, n_made)
    ]
    labels = [f"★ makes most: {f}" for f in families]
    colours = [colour[f] for f in families]
    if any(k == 0 for k in n_made):
        labels.append("☆ makes nothing locally (cross-dock only)")
        colours.append("#ffffff")
    if any(not f and k != 0 for f, k in zip(mains, n_made)):  # chosen, but the plan says nothing of it
        labels.append("★ chosen site")
        colours.append("#ffffff")
    title = "Chosen sites: colour = family made most; ★⁺ⁿ: n other families made too" if families else "Chosen sites"
    return looks, Scale(title, "swatch", tuple(colours), labels=tuple(labels))


def _chosen_rows(c: gpd.GeoDataFrame, chosen: Any) -> gpd.GeoDataFrame | None:
    if chosen is None:
        return None
    if isinstance(chosen, pd.DataFrame):
        _require(chosen, ["site_id"], "chosen")
        if isinstance(chosen, gpd.GeoDataFrame) and chosen.crs is not None and chosen.geometry.notna().any():
            own = prepare(chosen, "chosen", simplify_m=0.0)
            extra = [col for col in c.columns if col not in own.columns and col != "geometry"]
            if extra:
                own = own.merge(pd.DataFrame(c[["site_id", *extra]]), on="site_id", how="left")
            return own
        ids = chosen["site_id"].astype(str).tolist()
    elif isinstance(chosen, str):
        ids = [chosen]
    else:
        ids = [str(x) for x in chosen]
    known = set(c["site_id"].astype(str))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InputError(f"chosen site_id(s) {unknown[:5]} are not among the candidates' site_id column")
    return c[c["site_id"].astype(str).isin(ids)]


def lanes_layer(lanes: gpd.GeoDataFrame, simplify_m: float, *, show: bool = True) -> tuple[DataLayer, Scale]:
    """Lanes as lines: width by ``trips_per_week``, colour by CO2e, the worst drawn on top (``show``: at first)."""
    _require(lanes, ["site_id"], "lanes")
    l4 = prepare(lanes, "lanes", simplify_m=simplify_m)
    co2_col = next((k for k in ("co2e_wtw_kg_per_week", "co2e_ttw_kg_per_week") if k in l4.columns), None)
    if "trips_per_week" in l4.columns:
        widths = _sqrt_sizes(pd.to_numeric(l4["trips_per_week"], errors="coerce").to_numpy(dtype=float), 1.5, 8.0)
        width_note = "; width: trips/week"
    else:
        widths = np.full(len(l4), 3.0)
        width_note = ""
    if co2_col is not None:
        co2 = pd.to_numeric(l4[co2_col], errors="coerce").to_numpy(dtype=float)
        finite = co2[np.isfinite(co2)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        label = "well-to-wheel" if "wtw" in co2_col else "tank-to-wheel"
        scale = gradient_scale(
            lo, hi, "YlOrRd", f"Lanes: CO2e {label} (kg/week){width_note}", low_label=fmt(lo), high_label=fmt(hi)
        )
        # 64 colour steps are indistinguishable from a continuous ramp, and index a small palette
        steps = np.rint((co2 - lo) / (hi - lo) * LANE_COLOUR_STEPS) if hi > lo else np.zeros_like(co2)
        colors = scale.color(lo + steps / LANE_COLOUR_STEPS * (hi - lo))
        order = np.argsort(np.nan_to_num(co2, nan=-np.inf), kind="stable")  # the worst lanes on top
    else:
        title = "Lanes" + (" (width: trips/week)" if width_note else "")
        scale = swatch_scale(title, "#e8590c", "delivery lane")
        colors = ["#e8590c"] * len(l4)
        order = np.arange(len(l4))
    fields = [
        "vehicle",
        "pattern",
        "stops",
        "store_ids",
        "load_share",
        "length_m",
        "time_s",
        "demand_units_per_week",
        "trips_per_week",
        "vehicle_km_per_week",
        "co2e_ttw_kg_per_week",
        "co2e_wtt_kg_per_week",
        "co2e_wtw_kg_per_week",
        "cost_per_week",
    ]
    shown = [f for f in fields if f in l4.columns]
    geoms, props = [], []
    # column arrays hold the same values as a row from l4.iloc, without building ~1,000 Series
    col = {c: l4[c].to_numpy() for c in {*shown, "site_id", "store_id", "tour"} if c in l4.columns}
    cells = [_cells(col[f]) for f in shown]
    consts: list[tuple[str, str]] = []
    if len(l4) > 1:  # a value every lane shares (the vehicle, the pattern) is written once for the layer
        same = [k for k, c in enumerate(cells) if c and c[0] != "" and all(v == c[0] for v in c)]
        consts = [(_esc(shown[k]), cells[k][0]) for k in same]
        shown = [f for k, f in enumerate(shown) if k not in same]
        cells = [c for k, c in enumerate(cells) if k not in same]
    palette = list(dict.fromkeys(colors))
    index = {c: k for k, c in enumerate(palette)}
    heads: dict[str, int] = {}  # "Lane <site> → ": written once per site
    geometry = l4.geometry.to_numpy()
    for i in order:
        head: Any
        if "store_id" in col:
            start = _esc(f"Lane {col['site_id'][i]} → ")
            head = [heads.setdefault(start, len(heads)), _esc(str(col["store_id"][i]))]
        elif "tour" in col:
            head = _esc(f"Tour {col['tour'][i]} from {col['site_id'][i]}")
        else:
            head = _esc(f"Route from {col['site_id'][i]}")
        values = [column[i] for column in cells]
        geoms.append(geometry[i])
        props.append({"c": index[colors[i]], "w": round(float(widths[i]), 1), "h": head, "v": values})
    layer = DataLayer(
        "lanes",
        f"Delivery lanes ({len(l4):,})",
        packed_lines(np.array(geoms, dtype=object), props, packed_decimals(simplify_m)),
        fields=[_esc(f) for f in shown],
        consts=consts,
        palette=palette,
        heads=list(heads),
        class_name="siting-lanes",
        style={"opacity": 0.85, "lineCap": "round", "lineJoin": "round"},
        show=show,
    )
    return layer, scale


def zones_layer(
    zones: gpd.GeoDataFrame,
    key: str,
    value_col: str,
    palette: str,
    title: str,
    simplify_m: float,
    *,
    density: bool,
    show: bool,
) -> tuple[DataLayer, Scale]:
    """Zones as a quantile choropleth of ``value_col`` (per km² if ``density``), or circles for point zones."""
    _require(zones, ["zone_id", value_col], key)
    z = zones[zones.geometry.notna() & ~zones.geometry.is_empty]
    values = pd.to_numeric(z[value_col], errors="coerce").to_numpy(dtype=float)
    polygonal = not z.geom_type.isin(["Point", "MultiPoint"]).all()
    shown = values
    if density and polygonal and z.crs is not None:
        area_km2 = z.to_crs(metric_crs(z)).area.to_numpy() / 1e6
        with np.errstate(divide="ignore", invalid="ignore"):
            shown = np.where(area_km2 > 0, values / area_km2, np.nan)
        title = f"{title} per km²"
    z4 = prepare(z, key, simplify_m=simplify_m)
    scale = class_scale(shown, palette, title)
    colors = scale.color(shown)
    geoms = z4.geometry.to_numpy() if polygonal else z4.geometry.representative_point().to_numpy()
    radius = _sqrt_sizes(values, 3.0, 14.0)
    props = []
    for row, color, v, r in zip(_records(z4), colors, shown, radius):
        rows: list[tuple[str, object]] = [("zone_id", str(row["zone_id"])), (value_col, row[value_col])]
        if shown is not values:
            rows.append((f"{value_col}_per_km2", v))
        tip = f"{row['zone_id']}: {fmt(row[value_col])} {value_col}"
        props.append({"f": color, "r": round(float(r), 1), "p": _popup(f"Zone {row['zone_id']}", rows), "t": _esc(tip)})
    style = {"color": "#555555", "weight": 0.6, "fillOpacity": 0.55, "opacity": 0.7}
    layer = DataLayer(
        key,
        title.split(" (")[0].split(":")[0],
        feature_collection(geoms, props),
        kind="shape" if polygonal else "circle",
        class_name=f"siting-{key}",
        style=style,
        show=show,
    )
    return layer, scale


def isochrones_layer(iso: gpd.GeoDataFrame, simplify_m: float) -> tuple[DataLayer, Scale]:
    """Isochrone polygons coloured by their time budget, the largest drawn first."""
    i4 = prepare(iso, "isochrones", simplify_m=simplify_m)
    time_col = next((k for k in ("time_s", "cutoff_s", "max_time_s") if k in i4.columns), None)
    if time_col is not None:
        minutes = pd.to_numeric(i4[time_col], errors="coerce").to_numpy(dtype=float) / 60.0
        i4 = i4.assign(_min=minutes).sort_values("_min", ascending=False, kind="stable")  # large ones below
        levels = np.unique(minutes[np.isfinite(minutes)])
        if 0 < levels.size <= 5:
            cols = PALETTES["PuBu"][-levels.size :][::-1]
            scale = Scale(
                "Isochrones (drive time)",
                "classes",
                tuple(cols),
                breaks=(-np.inf, *[(a + b) / 2 for a, b in zip(levels[:-1], levels[1:])], np.inf),
                labels=tuple(f"≤ {fmt(v)} min" for v in levels),
            )
        else:
            scale = class_scale(minutes, "PuBu", "Isochrones (minutes)")
        colors = scale.color(i4["_min"].to_numpy())
    else:
        scale = swatch_scale("Isochrones", PALETTES["PuBu"][-1], "reachable area")
        colors = [PALETTES["PuBu"][-1]] * len(i4)
    props = []
    for row, color in zip(_records(i4), colors):
        parts = []
        if time_col is not None and pd.notna(row[time_col]):
            parts.append(f"≤ {fmt(float(row[time_col]) / 60.0)} min")
        for k in ("site_id", "node"):
            if k in row and pd.notna(row[k]):
                parts.append(f"from {k} {row[k]}")
        props.append({"c": color, "f": color, "t": _esc(" ".join(parts) or "isochrone")})
    layer = DataLayer(
        "isochrones",
        "Isochrones",
        packed_polygons(i4.geometry.to_numpy(), props, packed_decimals(simplify_m)),
        class_name="siting-isochrones",
        style={"weight": 2, "fillOpacity": 0.1, "opacity": 0.8},
    )
    return layer, scale
