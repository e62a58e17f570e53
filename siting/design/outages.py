"""Each site's value (the design without it), the price of forcing a site open, single-site outages (resilience)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.design.model import DesignModel
from siting.design.neighbourhood import MAX_ADOPTED, adopt, check_max_adopted, check_neighbourhood_sites, hybrid_solve
from siting.design.problem import DesignProblem
from siting.design.solve import Design, _solve, _tables
from siting.design.start import is_feasible, without_site
from siting.milp import MilpSolution
from siting.solve_threads import map_in_threads

__all__ = ["site_values", "settled_values", "forced_open", "adopt_forced", "cheapest_forced", "resilience"]

#: Columns of :func:`forced_open`'s table.
FORCED_COLUMNS = [
    "site_id",
    "level",
    "fixed_cost_per_yr",
    "cost_open_per_yr",
    "extra_cost_per_yr",
    "extra_low_per_yr",
    "status",
]


def _start_for(dm: DesignModel, pool: Sequence[np.ndarray], s: int) -> np.ndarray | None:
    """The cheapest design of ``pool`` that leaves site ``s`` closed (None: none does)."""
    best, best_obj = None, np.inf
    for x in pool:
        if x is None or np.any(x[dm.open_cols[s]] > 0.5):
            continue
        obj = dm.model.objective(x)
        if obj < best_obj:
            best, best_obj = x, obj
    return best


def site_values(
    pb: DesignProblem,
    design: Design,
    dm: DesignModel,
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    starts: Sequence[np.ndarray | None] = (),
    max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
    designs: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Each site's value: the best design's cost with the site forced closed minus with it allowed.

    A site the design does not open is worth 0 by this definition (closing it leaves the design
    feasible and optimal): no solve. For an opened site the closed design is re-solved (opening
    other sites allowed), started from the cheapest known design without the site: the design
    with that site's goods bought offshore, ``starts`` (e.g. the pure policies' designs) and the
    closures already solved.

    Parameters
    ----------
    pb : DesignProblem
    design : Design
        The hybrid design (``portfolio(...)[0].hybrid``).
    dm : DesignModel
        The model it was solved on.
    time_limit_s, mip_gap : float
        Per closure solve.
    starts : sequence of ndarray, optional
        Other feasible designs of the same model (None entries are skipped).
    max_nodes : int, optional
        Branch-and-bound nodes per closure solve (deterministic; ``time_limit_s`` is then a safety
        net). A closure stopped by it has status ``"stopped at gap g"`` and its gap in the range.
    neighbourhood_sites : int, optional
        With ``max_nodes``: each closure may open only the design's other sites and this many more,
        the ones its LP relaxation opens most, its bound the LP relaxation's
        (:func:`siting.design.neighbourhood.neighbourhood_solve`): no solve then depends on the clock.
    designs : dict, optional
        Filled with each opened site's closure design (site id -> column vector) when given.

    Returns
    -------
    DataFrame
        ``site_id, opens, level, cost_without_per_yr, value_per_yr, value_low_per_yr,
        value_high_per_yr, status`` (money per year). ``value_per_yr`` is the difference of the
        two designs found; the true value lies in ``value_low_per_yr`` .. ``value_high_per_yr``
        (closure's bound - design's cost .. closure's cost - design's bound), both solves' gaps
        included. A closure with no feasible design (a store only this site reaches in time) is
        worth ``inf``.
    """
    rows = []
    pool: list[np.ndarray] = [x for x in starts if x is not None]
    for s, site in enumerate(pb.site_ids):
        if site not in design.levels:
            c = design.cost_per_yr
            rows.append((site, False, "", c, 0.0, 0.0, 0.0, "not opened in the best design"))
            continue
        candidates = [x for x in (without_site(dm, pb, design.x, s), *pool) if x is not None]
        start = _start_for(dm, candidates, s)
        keep = [pb.site_ids.index(o) for o in design.levels if o != site]
        sol = hybrid_solve(
            dm,
            pb,
            start=start,
            max_nodes=max_nodes,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            closed=[s],
            keep=keep,
            neighbourhood_sites=neighbourhood_sites,
        )
        if sol.has_solution and sol.x is not None:
            pool.append(sol.x)
            if designs is not None:
                designs[site] = sol.x
            cost = sol.objective
        else:
            cost = np.inf
        low = sol.bound - design.cost_per_yr if np.isfinite(sol.bound) else -np.inf
        if sol.status == "infeasible":
            low = np.inf
        high = cost - design.bound_per_yr
        rows.append((site, True, design.levels[site], cost, cost - design.cost_per_yr, low, high, sol.status))
    cols = [
        "site_id",
        "opens",
        "level",
        "cost_without_per_yr",
        "value_per_yr",
        "value_low_per_yr",
        "value_high_per_yr",
        "status",
    ]
    return pd.DataFrame(rows, columns=cols)


def settled_values(
    pb: DesignProblem,
    design: Design,
    dm: DesignModel,
    *,
    time_limit_s: float,
    mip_gap: float,
    max_nodes: int,
    neighbourhood_sites: int,
    starts: Sequence[np.ndarray | None] = (),
    max_adopted: int = MAX_ADOPTED,
) -> tuple[Design, pd.DataFrame]:
    """The site values on neighbourhoods, the design replaced by any cheaper closure first.

    A closure cheaper than the design is a better design (the site allowed, not used): the cheapest
    such closure becomes the design and every opened site is valued again, at most ``max_adopted``
    times (a fixed count: every step deterministic). The design's bound stays its own.

    Parameters
    ----------
    pb : DesignProblem
    design : Design
        The hybrid design.
    dm : DesignModel
    time_limit_s, mip_gap, max_nodes, neighbourhood_sites, starts
        As for :func:`site_values` (``time_limit_s`` a safety net).
    max_adopted : int
        Most designs adopted.

    Returns
    -------
    tuple of (Design, DataFrame)
        The design the values are against (``design`` or an adopted closure) and :func:`site_values`'
        table.
    """
    neighbourhood_sites = check_neighbourhood_sites(neighbourhood_sites)
    max_adopted = check_max_adopted(max_adopted)
    kw: dict[str, Any] = {"time_limit_s": time_limit_s, "mip_gap": mip_gap, "max_nodes": max_nodes}
    closures: dict[str, np.ndarray] = {}
    values = site_values(pb, design, dm, **kw, starts=starts, neighbourhood_sites=neighbourhood_sites, designs=closures)
    for _ in range(max_adopted):
        tol = max(1.0, 1e-9 * abs(design.cost_per_yr))
        cheaper = values[values["opens"] & (values["value_per_yr"] < -tol)]
        if cheaper.empty:
            break
        site = str(cheaper.sort_values(["value_per_yr", "site_id"]).iloc[0]["site_id"])
        design = _tables(dm, pb, adopt(dm, pb, closures[site], design.bound_per_yr), "hybrid")
        starts = [*starts, *closures.values()]
        closures = {}
        values = site_values(
            pb, design, dm, **kw, starts=starts, neighbourhood_sites=neighbourhood_sites, designs=closures
        )
    return design, values


def forced_open(
    pb: DesignProblem,
    design: Design,
    dm: DesignModel,
    site_ids: Sequence[str],
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    limit: int | None = None,
    max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
    designs: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """What forcing each of ``site_ids`` open (at its smallest level) costs a year against the best design.

    Each site is fixed open at its offered level with the fewest hours (the cheapest to open; a
    larger level can only cost more unless hours bind) and the rest of the design re-solved,
    started from the best design with that site opened and unused (feasible unless a site cap binds).

    Parameters
    ----------
    pb : DesignProblem
    design : Design
        The hybrid design.
    dm : DesignModel
    site_ids : sequence of str
        Sites to price, in order (sites the design opens are skipped).
    time_limit_s, mip_gap : float
        Per solve.
    limit : int, optional
        Price at most this many (the first closed ones of ``site_ids``).
    max_nodes : int, optional
        Branch-and-bound nodes per solve (deterministic; ``time_limit_s`` is then a safety net).
    neighbourhood_sites : int, optional
        With ``max_nodes``: each solve may open only the design's sites, the forced one and this
        many more (see :func:`site_values`).
    designs : dict, optional
        Filled with each priced site's forced solution (column vector of the full model), so that
        a forced design cheaper than ``design`` can be adopted (:func:`adopt_forced`).

    Returns
    -------
    DataFrame
        ``site_id, level, fixed_cost_per_yr, cost_open_per_yr, extra_cost_per_yr,
        extra_low_per_yr, status``: the design's cost with the site open and ``extra_cost_per_yr``
        = that minus the best design's cost (negative: the forced design is cheaper, so the best
        design was not optimal; never above the level's fixed cost when the start was kept);
        ``extra_low_per_yr`` = the forced solve's bound minus the best design's cost, at least 0:
        the solver gap leaves the true extra cost between the two.
    """
    jobs: list[tuple[str, int, int, np.ndarray | None]] = []  # (site, index, level, start) to price, in order
    for site in site_ids:
        if site in design.levels or site not in pb.site_ids:
            continue
        s = pb.site_ids.index(site)
        if not pb.level_ok[s].any():
            continue
        if limit is not None and len(jobs) >= limit:
            break
        lev = int(np.argmin(np.where(pb.level_ok[s], pb.hours_per_week[s], np.inf)))
        x0 = np.array(design.x, dtype=float)
        x0[dm.open_cols[s]] = 0.0
        x0[dm.open_cols[s, lev]] = 1.0
        jobs.append((site, s, lev, x0 if is_feasible(dm, x0) else None))
    keep = [pb.site_ids.index(o) for o in design.levels]

    def price(job: tuple[str, int, int, np.ndarray | None]) -> MilpSolution:
        _, s, lev, start = job
        return hybrid_solve(
            dm,
            pb,
            start=start,
            max_nodes=max_nodes,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            forced=[(s, lev)],
            keep=keep,
            neighbourhood_sites=neighbourhood_sites,
        )

    # each forced opening starts from the best design alone: the solves are independent, side by side
    rows: list[tuple] = []
    for (site, s, lev, _), sol in zip(jobs, map_in_threads(price, jobs), strict=True):
        fixed = float(pb.fixed_cost_per_yr[s, lev])
        cost = sol.objective if sol.has_solution else np.inf
        if designs is not None and sol.has_solution:
            designs[site] = np.asarray(sol.x, dtype=float)
        low = max(sol.bound - design.cost_per_yr, 0.0) if np.isfinite(sol.bound) else 0.0
        rows.append((site, pb.level_names[lev], fixed, cost, cost - design.cost_per_yr, low, sol.status))
    return pd.DataFrame(rows, columns=FORCED_COLUMNS)


def adopt_forced(
    pb: DesignProblem, design: Design, dm: DesignModel, forced: pd.DataFrame, designs: dict[str, np.ndarray]
) -> Design | None:
    """The cheapest forced opening cheaper than ``design`` (by more than 1 a year), as the new design.

    A forced opening cheaper than the design means the design was not the best one found: the
    forced design (the site open, the rest re-solved) replaces it, with the design's own bound.

    Parameters
    ----------
    pb : DesignProblem
    design : Design
        The hybrid design the forced openings were priced against.
    dm : DesignModel
    forced : DataFrame
        :func:`forced_open`'s table.
    designs : dict
        :func:`forced_open`'s ``designs``.

    Returns
    -------
    Design or None
        None when no forced opening is cheaper.
    """
    site = cheapest_forced(design, forced, designs)
    if site is None:
        return None
    return _tables(dm, pb, adopt(dm, pb, designs[site], design.bound_per_yr), "hybrid")


def cheapest_forced(design: Design, forced: pd.DataFrame, designs: dict[str, np.ndarray]) -> str | None:
    """The site whose forced opening is the cheapest below ``design`` by more than 1 a year (ties by id), or None.

    Parameters
    ----------
    design : Design
    forced : DataFrame
        :func:`forced_open`'s table against ``design``.
    designs : dict
        :func:`forced_open`'s ``designs`` (only sites with a forced design count).

    Returns
    -------
    str or None
    """
    if forced.empty:
        return None
    tol = max(1.0, 1e-9 * abs(design.cost_per_yr))
    cheaper = forced[(forced["extra_cost_per_yr"] < -tol) & forced["site_id"].isin(list(designs))]
    if cheaper.empty:
        return None
    return str(cheaper.sort_values(["extra_cost_per_yr", "site_id"]).iloc[0]["site_id"])


def resilience(
    pb: DesignProblem,
    design: Design,
    dm: DesignModel,
    *,
    late_penalty_per_unit: float,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    max_nodes: int | None = None,
) -> pd.DataFrame:
    """Every single outage of a chosen site, re-optimised with the other sites as they are.

    The other sites keep their levels (no new site opens during an outage); flows, sources and
    routes are re-optimised. A store left with no on-time source (no open site's lane within the
    promise, no direct delivery within it) may be served outside the promise at
    ``late_penalty_per_unit`` on top of the route's cost; if capacity then still falls short, every
    store may be (the model must be built with the same penalty:
    ``build_model(pb, late_penalty_per_unit=...)``).

    Parameters
    ----------
    pb : DesignProblem
    design : Design
    dm : DesignModel
    late_penalty_per_unit : float
        The penalty the model was built with; taken off the reported cost.
    time_limit_s, mip_gap : float
    max_nodes : int, optional
        Branch-and-bound nodes per solve (deterministic; ``time_limit_s`` is then a safety net).

    Returns
    -------
    DataFrame
        ``site_id, cost_per_yr, extra_cost_per_yr, stores_late, late_store_ids, fallback, status``:
        the outage's cost (penalty excluded: it can be below the design's when a late route is
        cheaper than the on-time ones), the stores that get units outside the promise, and where
        the units the site made now come from (units per week by source: each demand's units the
        site made, split over that demand's sources in the outage pro rata; they add up to the
        site's units).
    """
    level = [pb.level_names.index(design.levels[s]) if s in design.levels else -1 for s in pb.site_ids]
    made = design.portfolio[design.portfolio["source"] == "local"]
    rows = []
    n_j, n_t = len(pb.store_ids), len(pb.season_names)

    def solve_outage(site: str) -> MilpSolution:
        s = pb.site_ids.index(site)
        fixed = list(level)
        fixed[s] = -1
        # late routes only for the stores left with no on-time source; all stores if that is infeasible
        on_time = pb.direct_allowed()  # (a store no offshore route reaches in time gets them direct anyway)
        on_time[pb.lanes[np.isin(pb.lanes[:, 0], [i for i, lv in enumerate(fixed) if lv >= 0]), 1]] = True
        start = without_site(dm, pb, design.x, s)
        sol = _solve(
            dm,
            pb,
            "hybrid",
            fixed_levels=fixed,
            late=~on_time,
            start=start,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            max_nodes=max_nodes,
        )
        if not sol.has_solution:
            sol = _solve(
                dm,
                pb,
                "hybrid",
                fixed_levels=fixed,
                late=True,
                time_limit_s=time_limit_s,
                mip_gap=mip_gap,
                max_nodes=max_nodes,
            )
        return sol

    # every outage starts from the design itself: the solves are independent, side by side
    sites = list(design.levels)
    for site, sol in zip(sites, map_in_threads(solve_outage, sites), strict=True):
        if not sol.has_solution:
            rows.append((site, np.inf, np.inf, n_j, "", "", sol.status))
            continue
        x = sol.x
        assert x is not None
        late_x = dm.xp >= dm.n_on_time
        late_units = x[dm.x_cols[late_x]]
        late_direct = x[dm.yd_cols] * (~pb.direct_allowed())[:, None]
        penalty = late_penalty_per_unit * (
            float((late_units * pb.weeks_per_yr[dm.xt[late_x]]).sum())
            + float((late_direct * pb.weeks_per_yr[None, :]).sum())
        )
        late_j = set(dm.lanes[dm.xp[late_x][late_units > 1e-7], 1]) | set(
            np.flatnonzero(late_direct.sum(axis=1) > 1e-7)
        )
        outage = _tables(dm, pb, sol, "outage")
        keys = ["family", "store_id", "season"]
        lost = made[made["site"] == site].groupby(keys, as_index=False)["units_per_week"].sum()
        now = outage.portfolio.merge(lost.rename(columns={"units_per_week": "lost"}), on=keys)
        # each demand's units the site made, split over the demand's sources in the outage pro rata
        served = now.groupby(keys)["units_per_week"].transform("sum")
        by = (
            now.assign(
                src=np.where(now["source"] == "local", now["site"], "offshore"),
                share=now["units_per_week"] / served * now["lost"],
            )
            .groupby("src")["share"]
            .sum()
        )
        fallback = "; ".join(f"{k or 'offshore'}: {v:.1f}/wk" for k, v in by.sort_values(ascending=False).items())
        cost = sol.objective - penalty
        ids = sorted(pb.store_ids[j] for j in late_j)
        rows.append((site, cost, cost - design.cost_per_yr, len(ids), ";".join(ids), fallback, sol.status))
    del n_t
    cols = ["site_id", "cost_per_yr", "extra_cost_per_yr", "stores_late", "late_store_ids", "fallback", "status"]
    return pd.DataFrame(rows, columns=cols)
