"""The national answer: microfactories recommended per cluster (with the business case) and one map of all clusters."""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from siting.maps.elements import Controls, Legend, Title, inert_html
from siting.maps.legend import Scale, legend_html
from siting.maps.page import OSM_ATTRIBUTION, offline_page, stable_ids
from siting.maps.palettes import categorical_colours
from siting.pipeline.results import CityResult, RunResult

__all__ = ["recommend_sites", "national_summary", "national_map", "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS = [
    "cluster",
    "n_stores",
    "demand_units_per_week",
    "recommended_sites",
    "sites",
    "demand_within_sla_share",
    "best_site",
    "best_rank_overall",
    "saving_vs_offshore_per_yr",
    "reason",
]


def recommend_sites(city: CityResult, sla_time_s: float, target_share: float = 0.95) -> tuple[list[str], float]:
    """Sites to open in one cluster so that ``target_share`` of its demand is within ``sla_time_s``.

    Greedy maximum coverage on the cluster's site x store drive times: repeatedly open the site that
    adds the most demand within the SLA (ties: the better-ranked site), until the share is reached
    or no site adds any. When product families were given, only sites whose landed cost beats
    offshore (``saving_vs_offshore_per_yr > 0``) may open: the business case.

    Parameters
    ----------
    city : CityResult
    sla_time_s : float
        Delivery promise in seconds (``RankOptions.sla_time_s``).
    target_share : float
        Share of the weekly demand (units/week) to cover, 0..1.

    Returns
    -------
    sites : list of str
        Site ids in the order they are opened (may be empty: no business case).
    share : float
        Share of the demand within the SLA of the opened sites.
    """
    demand = city.stores["demand_units_per_week"].to_numpy(float)
    within = np.asarray(city.store_time_s) <= sla_time_s  # rows: candidates (rank order), cols: stores
    eligible = np.ones(len(city.candidates), dtype=bool)
    if "saving_vs_offshore_per_yr" in city.candidates.columns:
        eligible = city.candidates["saving_vs_offshore_per_yr"].fillna(-np.inf).to_numpy() > 0
    total = demand.sum()
    covered = np.zeros(len(demand), dtype=bool)
    chosen: list[str] = []
    while total > 0 and covered @ demand < target_share * total:
        gain = np.where(eligible, (within & ~covered) @ demand, 0.0)
        best = int(np.argmax(gain))  # first maximum: the better-ranked site
        if gain[best] <= 0:
            break
        chosen.append(str(city.candidates["site_id"].iloc[best]))
        covered |= within[best]
        eligible[best] = False
    share = float(covered @ demand / total) if total > 0 else 0.0
    return chosen, share


def national_summary(result: RunResult, target_share: float = 0.95) -> pd.DataFrame:
    """One row per cluster: how many microfactories to open there, which, and why.

    Parameters
    ----------
    result : RunResult
        A run over the clusters (``rank_overall`` ranks every site of the country).
    target_share : float
        Share of each cluster's demand to bring within ``sla_time_s`` (see :func:`recommend_sites`).

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`: demand in units/week, ``demand_within_sla_share`` 0..1 of the
        demand within ``RankOptions.sla_time_s`` of the recommended sites, ``saving_vs_offshore_per_yr``
        the sum over them (currency/yr; NaN without product families), by falling demand. With a
        portfolio design (``city.design``) the recommended sites are the ones the hybrid design opens
        there and the saving is the design's against all-offshore (in a national run, the cluster's
        slice: the slices add up to the national saving, and a cluster that opens nothing may carry
        a small negative share, as the brand then buys less of some families offshore).
    """
    sla = float(result.options.reach.sla_time_s)
    rows = []
    for name, city in result.cities.items():
        best = city.candidates.iloc[0]
        if getattr(city, "design", None) is not None:
            sites, share, saving, reason = _designed(city, sla)
        else:
            sites, share = recommend_sites(city, sla, target_share)
            saving = np.nan
            if "saving_vs_offshore_per_yr" in city.candidates.columns:
                pick = city.candidates[city.candidates["site_id"].astype(str).isin(sites)]
                saving = float(pick["saving_vs_offshore_per_yr"].sum())
            if not sites:
                best_saving = float(city.candidates["saving_vs_offshore_per_yr"].max())
                reason = f"no site beats offshore production on landed cost (best site: {best_saving:,.0f}/yr)"
            else:
                reason = f"{share:.0%} of demand within {sla / 60:g} min with {len(sites)} site(s)"
        rows.append(
            (
                name,
                len(city.stores),
                float(city.stores["demand_units_per_week"].sum()),
                len(sites),
                " ".join(sites),
                round(share, 4),
                str(best["site_id"]),
                int(best["rank_overall"]) if "rank_overall" in city.candidates.columns else None,
                saving,
                reason,
            )
        )
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return table.sort_values(["demand_units_per_week", "cluster"], ascending=[False, True], ignore_index=True)


def _designed(city: CityResult, sla_time_s: float) -> tuple[list[str], float, float, str]:
    """A cluster's row from its portfolio design (a national run's slice, or the city's own design).

    The sites the hybrid design opens there, the share of the demand within the promise of them,
    the design's saving against all-offshore (the cluster's share of the national saving in a
    national run) and the reason, in the design's words.
    """
    p = city.design.portfolio
    sites = [str(s) for s in p.hybrid.levels]
    ids = city.candidates["site_id"].astype(str).to_numpy()
    rows = np.flatnonzero(np.isin(ids, sites))
    demand = city.stores["demand_units_per_week"].to_numpy(float)
    covered = (np.asarray(city.store_time_s)[rows] <= sla_time_s).any(axis=0)
    share = float(covered @ demand / demand.sum()) if demand.sum() > 0 else 0.0
    saving = float(p.all_offshore.cost_per_yr - p.hybrid.cost_per_yr)
    if not sites:
        return sites, share, saving, "the portfolio design opens no site here: every family is made offshore"
    reason = f"the portfolio design opens {len(sites)} site(s): {share:.0%} of demand within {sla_time_s / 60:g} min"
    return sites, share, saving, reason


def national_map(
    result: RunResult, clusters: gpd.GeoDataFrame | None = None, summary: pd.DataFrame | None = None
) -> folium.Map:
    """One map of the country with a layer per cluster: its area, stores, and recommended or top sites.

    Each cluster has its own colour (colour-blind safe, one distinct colour per cluster up to 23:
    :func:`siting.maps.palettes.categorical_colours`), named in the legend; a title box says how
    many microfactories the run recommends.

    Parameters
    ----------
    result : RunResult
    clusters : geopandas.GeoDataFrame, optional
        Cluster areas (``cluster`` column, any CRS), e.g. from :func:`siting.national.cluster_cities`
        or ``RunOutcome.clusters`` of a national run.
    summary : pandas.DataFrame, optional
        :func:`national_summary` (its sites are drawn as recommended; default: computed).

    Returns
    -------
    folium.Map
        With a layer control (one overlay per cluster), a legend, a title box and the data attribution.
    """
    summary = summary if summary is not None else national_summary(result)
    chosen = dict(zip(summary["cluster"], summary["sites"].str.split()))
    stores = pd.concat([c.stores.to_crs("EPSG:4326").assign(city=n) for n, c in result.cities.items()])
    west, south, east, north = stores.total_bounds
    m = offline_page("siting: national answer")
    m.location = [(south + north) / 2, (west + east) / 2]
    m.add_child(Controls([OSM_ATTRIBUTION], [[south, west], [north, east]]))  # fit, scale, attribution
    areas = None if clusters is None else clusters.to_crs("EPSG:4326")
    colours = categorical_colours(len(result.cities))
    labels = []
    for colour, (name, city) in zip(colours, result.cities.items()):
        n_rec = len(chosen.get(name, []))
        labels.append(f"{name} ({n_rec} recommended)")
        label = inert_html(html.escape(str(name)))  # a place name from OSM: anyone's text
        layer = folium.FeatureGroup(name=f"{label} ({n_rec} recommended)")
        if areas is not None and name in set(areas["cluster"]):
            area = areas[areas["cluster"] == name]
            folium.GeoJson(
                area[["geometry"]].__geo_interface__,  # the area alone: no name in the page's data
                style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillOpacity": 0.08},
            ).add_to(layer)
        for pt in city.stores.to_crs("EPSG:4326").geometry:
            folium.CircleMarker([pt.y, pt.x], radius=2, color=colour, fill=True, weight=1).add_to(layer)
        _sites(city, set(chosen.get(name, [])), colour).add_to(layer)
        layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    sections = [
        (
            "clusters",
            Scale(title="Clusters: area, stores and sites", kind="swatch", colors=colours, labels=tuple(labels)),
        ),
        (
            "sites",
            Scale(
                title="Sites",
                kind="swatch",
                colors=("#000000", "#bbbbbb"),
                labels=("recommended (large, black ring)", "top 3 of the cluster (small)"),
            ),
        ),
    ]
    m.add_child(Legend(legend_html(sections)))
    n_sites = int(summary["recommended_sites"].sum())
    subtitle = f"{len(result.cities)} clusters · {n_sites} recommended microfactories · {len(stores):,} stores"
    m.add_child(Title("siting: national answer", subtitle))
    stable_ids(m.get_root())
    return m


def _sites(city: CityResult, chosen: set[str], colour: str) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="sites", control=False)
    cand = city.candidates.to_crs("EPSG:4326")
    show = cand[cand["site_id"].astype(str).isin(chosen) | (cand["rank"] <= 3)]
    for row in show.itertuples():
        pt = row.geometry.representative_point()
        recommended = str(row.site_id) in chosen
        label: Any = f"{html.escape(city.name)}: {html.escape(str(row.site_id))}, rank {row.rank}" + (
            f", overall {row.rank_overall}" if hasattr(row, "rank_overall") else ""
        )
        folium.CircleMarker(
            [pt.y, pt.x],
            radius=8 if recommended else 5,
            color="#000000" if recommended else colour,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
            weight=3 if recommended else 1,
            tooltip=inert_html(label + (" (recommended)" if recommended else "")),
        ).add_to(group)
    return group
