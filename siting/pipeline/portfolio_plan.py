"""The portfolio objective of ``plan``: the design's opened sites, each store's local supplier, and the cost summary."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.errors import InputError
from siting.locate import Solution
from siting.pipeline.portfolio import demand_points

__all__ = ["portfolio_choice", "design_summary", "site_makes", "units_text"]


def units_text(units_per_week: float) -> str:
    """Units per week as printed: one decimal below 10 (a family made a few units a week), else whole units."""
    return f"{units_per_week:,.1f}" if abs(units_per_week) < 10 else f"{units_per_week:,.0f}"


def _point_of_store(city: Any, demand_points_max: int) -> np.ndarray:
    """Each store's demand point, as :func:`siting.pipeline.portfolio.city_portfolio` grouped them (same k-means)."""
    stores = city.stores
    units = stores["demand_units_per_week"].to_numpy(dtype=float)
    return demand_points(np.column_stack([stores.geometry.x, stores.geometry.y]), units, demand_points_max)


def portfolio_choice(
    city: Any, demand_points_max: int, mip_gap: float | None = None, national: bool = False, bound_rounds: int = 0
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, Solution]:
    """The sites the hybrid design opens and the store -> site allocation of its local goods.

    A site is chosen when the design opens it (at a capacity level). A store is allocated to the
    site making the most local units per week for its demand point; a store whose point gets
    everything offshore has no allocation line.

    Parameters
    ----------
    city : CityResult
        Ranked with ``RankOptions.portfolio.enabled`` (``city.design`` set).
    demand_points_max : int
        ``RankOptions.portfolio.demand_points`` the design was built with.
    mip_gap : float, optional
        ``RankOptions.portfolio.mip_gap`` the design was solved to (``solution.extra["mip_gap"]``: the
        summary names a policy proven only above it).
    national : bool
        ``city.design.portfolio`` is the city's slice of a national design, whose status, gaps and
        bounds are the national solve's (``extra["national"]``: the summary prints them once, from
        the national designs, :func:`siting.cli.console.print_plan`).

    bound_rounds : int
        ``RankOptions.portfolio.all_local_bound_rounds`` (``solution.extra["local_bound_rounds"]``).
    Returns
    -------
    sites, lines : GeoDataFrame
        Like :func:`siting.locate.locate`'s (``lines.cost``: the store's local units per week).
    solution : siting.locate.Solution
        ``model="portfolio"``; objective, bound and gap of the hybrid design (money per year).
    """
    design = city.design
    if design is None:
        raise InputError(
            f'{city.name}: --objective portfolio needs product families; add [costs] products = "file.csv" '
            "to the scenario (or use --objective time / cost)."
        )
    hybrid = design.portfolio.hybrid
    cand = city.candidates
    site_ids = cand["site_id"].astype(str).to_numpy()
    selected = np.flatnonzero(np.isin(site_ids, list(hybrid.levels)))
    table = hybrid.portfolio
    local = table[table["source"] == "local"].groupby(["store_id", "site"])["units_per_week"].sum()
    best = local.groupby(level=0).idxmax() if len(local) else pd.Series(dtype=object)
    point_site = {point: site for point, (_, site) in best.items()}
    point_units = local.groupby(level=0).max().to_dict() if len(local) else {}
    labels = _point_of_store(city, demand_points_max)
    index = {s: i for i, s in enumerate(site_ids)}
    stores = city.stores
    weights = stores["demand_units_per_week"].to_numpy(dtype=float)
    assignment = np.full(len(stores), -1, dtype=np.int64)
    for j, p in enumerate(labels):
        site = point_site.get(f"point-{p + 1:02d}")
        if site is not None:
            assignment[j] = index[site]
    served = np.flatnonzero(assignment >= 0)
    a = assignment[served]
    crs = stores.crs
    cand_pts = (cand.to_crs(crs) if cand.crs is not None and crs is not None else cand).geometry.representative_point()
    coords = np.stack(
        [
            shapely.get_coordinates(stores.geometry.representative_point().to_numpy()[served]),
            shapely.get_coordinates(cand_pts.to_numpy()[a]),
        ],
        axis=1,
    )
    share = np.array([point_units.get(f"point-{labels[j] + 1:02d}", 0.0) for j in served])
    lines = gpd.GeoDataFrame(
        {
            "site_id": site_ids[a],
            "store_id": stores["store_id"].astype(str).to_numpy()[served],
            "cost": share,
            "weight": weights[served],
            "weighted_cost": weights[served] * share,
        },
        geometry=shapely.linestrings(coords) if served.size else [],
        crs=crs,
    )
    sites = cand.iloc[selected].drop(columns=["node", "site_id"], errors="ignore").copy()
    sites.insert(0, "site_id", site_ids[selected])
    sites["level"] = [hybrid.levels[s] for s in site_ids[selected]]
    sites = sites.merge(site_makes(city).drop(columns="portfolio_level"), on="site_id", how="left")
    stats = lines.groupby("site_id").agg(
        n_stores=("store_id", "size"), demand_served=("weight", "sum"), weighted_cost=("weighted_cost", "sum")
    )
    sites = sites.join(stats, on="site_id")
    for col in ("n_stores", "demand_served", "weighted_cost"):
        sites[col] = sites[col].fillna(0)
    sites["n_stores"] = sites["n_stores"].astype(np.int64)
    p = design.portfolio
    solution = Solution(
        model="portfolio",
        selected=selected,
        assignment=assignment,
        objective=float(hybrid.cost_per_yr),
        lower_bound=float(hybrid.bound_per_yr),
        gap=float(hybrid.gap),
        optimal=hybrid.status == "optimal",
        method=f"exact:design-milp ({hybrid.status})",
        runtime_s=float(hybrid.time_s + p.all_offshore.time_s + (p.all_local.time_s if p.all_local else 0.0)),
        extra={
            "status": hybrid.status,
            **policy_figures(p, mip_gap, bound_rounds),
            "national": national,
        },
    )
    return gpd.GeoDataFrame(sites, geometry=cand.geometry.name, crs=cand.crs), lines.reset_index(drop=True), solution


def policy_figures(portfolio: Any, mip_gap: float | None, bound_rounds: int = 0) -> dict[str, Any]:
    """The pure policies' figures the plan's summary prints beside the hybrid's (money per year).

    Parameters
    ----------
    portfolio : siting.design.solve.Portfolio
        A city's (or a national run's) three designs.
    mip_gap : float, optional
        The gap the design was solved to (the summary names a policy proven only above it).
    bound_rounds : int
        The all-local column rounds asked for (``all_local_bound_rounds``: the summary's hint offers
        ``--prove-all-local`` only when they were fewer than it runs).

    Returns
    -------
    dict
        ``offshore_`` and ``local_`` ``cost_per_yr``, ``gap``, ``status`` and ``bound_per_yr`` (proven:
        no design of that policy costs less; None without an all-local design), ``mip_gap`` and
        ``local_bound_rounds``.
    """
    off, loc = portfolio.all_offshore, portfolio.all_local
    return {
        "offshore_cost_per_yr": float(off.cost_per_yr),
        "local_cost_per_yr": None if loc is None else float(loc.cost_per_yr),
        "offshore_gap": float(off.gap),
        "offshore_status": off.status,
        "local_gap": None if loc is None else float(loc.gap),
        "local_status": None if loc is None else loc.status,
        "offshore_bound_per_yr": float(off.bound_per_yr),
        "local_bound_per_yr": None if loc is None else float(loc.bound_per_yr),
        "mip_gap": mip_gap,
        "local_bound_rounds": int(bound_rounds),
    }


def design_summary(city: Any) -> pd.DataFrame:
    """What each opened site makes: ``site_id, level, family, units_per_week, utilisation`` (local goods, all seasons).

    Parameters
    ----------
    city : CityResult
        With ``city.design``.

    Returns
    -------
    pandas.DataFrame
        One row per opened site and family made there (a site that only cross-docks: one row,
        ``family`` empty, 0 units); ``utilisation`` is the site's peak over the seasons.
    """
    hybrid = city.design.portfolio.hybrid
    table = hybrid.portfolio
    local = table[table["source"] == "local"]
    weeks = {str(k): float(w) for k, w in zip(city.design.problem.season_names, city.design.problem.weeks_per_yr)}
    season_weeks = np.array([weeks[str(t)] for t in local["season"]], dtype=float)
    per_yr = local.assign(units_per_yr=local["units_per_week"].to_numpy(dtype=float) * season_weeks)
    made = per_yr.groupby(["site", "family"])["units_per_yr"].sum() / float(sum(weeks.values()))
    cap = hybrid.capacity.groupby("site")["utilisation"].max()
    rows = []
    for site, level in sorted(hybrid.levels.items()):
        fams = made.loc[site] if site in made.index.get_level_values(0) else pd.Series(dtype=float)
        util = float(cap.get(site, 0.0))
        if len(fams) == 0:
            rows.append((site, level, "", 0.0, util))
        rows += [(site, level, str(f), float(u), util) for f, u in fams.items()]
    return pd.DataFrame(rows, columns=["site_id", "level", "family", "units_per_week", "utilisation"])


def site_makes(city: Any) -> pd.DataFrame:
    """One row per opened site for its map popup and ``plan.csv``: level, families made, utilisation, offshore share.

    Parameters
    ----------
    city : CityResult
        With ``city.design``.

    Returns
    -------
    pandas.DataFrame
        ``site_id, portfolio_level, portfolio_makes_per_week`` (``family units; ...``, local units
        per week averaged over the year), ``portfolio_utilisation`` (peak over the seasons, 0-1),
        ``portfolio_offshore_share`` (the city's share of units made offshore, 0-1),
        ``portfolio_main_family`` (the family it makes most units/week of; ties: first by name;
        ``""`` when it makes nothing locally) and ``portfolio_local_families`` (how many families
        it makes, 0 for a cross-dock-only site): the plan map colours the site by them.
    """
    made = design_summary(city)
    table = city.design.portfolio.hybrid.portfolio
    total = float(table["units_per_week"].sum())
    offshore = float(table.loc[table["source"] != "local", "units_per_week"].sum())
    share = offshore / total if total > 0 else 0.0
    rows = []
    for site, part in made.groupby("site_id", sort=True):
        fams = part[part["family"] != ""]
        text = "; ".join(f"{f} {units_text(u)}" for f, u in zip(fams["family"], fams["units_per_week"]))
        by_units = fams.sort_values(["units_per_week", "family"], ascending=[False, True], kind="stable")
        main = str(by_units["family"].iloc[0]) if len(by_units) else ""
        rows.append(
            (
                str(site),
                str(part["level"].iloc[0]),
                text or "none (cross-dock only)",
                float(part["utilisation"].iloc[0]),
                share,
                main,
                int(fams["family"].nunique()),
            )
        )
    cols = [
        "site_id",
        "portfolio_level",
        "portfolio_makes_per_week",
        "portfolio_utilisation",
        "portfolio_offshore_share",
        "portfolio_main_family",
        "portfolio_local_families",
    ]
    return pd.DataFrame(rows, columns=cols)
