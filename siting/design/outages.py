"""Each chosen site's value (the design without it) and each single-site outage re-optimised (resilience)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.design.solve import Design, _solve, _tables
from siting.design.start import without_site

__all__ = ["site_values", "resilience"]


def site_values(
    pb: DesignProblem, design: Design, dm: DesignModel, *, time_limit_s: float = 60.0, mip_gap: float = 1e-4
) -> pd.DataFrame:
    """Each site's value: the best design's cost with the site forced closed minus with it allowed.

    A site the design does not open is worth 0 (closing it leaves the design feasible). For an
    opened site the closed design is re-solved (opening other sites allowed), started from the
    design with that site's goods bought offshore.

    Parameters
    ----------
    pb : DesignProblem
    design : Design
        The hybrid design (``portfolio(...)[0].hybrid``).
    dm : DesignModel
        The model it was solved on.
    time_limit_s, mip_gap : float
        Per closure solve.

    Returns
    -------
    DataFrame
        ``site_id, opens, level, cost_without_per_yr, value_per_yr, status`` (money per year;
        ``value_per_yr`` is within both solves' gaps).
    """
    rows = []
    for s, site in enumerate(pb.site_ids):
        if site not in design.levels:
            rows.append((site, False, "", design.cost_per_yr, 0.0, "not opened in the best design"))
            continue
        # warm start: the design with this site's goods bought offshore (when that is feasible)
        start = without_site(dm, pb, design.x, s)
        sol = _solve(dm, pb, "hybrid", time_limit_s=time_limit_s, mip_gap=mip_gap, closed=[s], start=start)
        cost = sol.objective if sol.has_solution else np.inf
        rows.append((site, True, design.levels[site], cost, cost - design.cost_per_yr, sol.status))
    return pd.DataFrame(rows, columns=["site_id", "opens", "level", "cost_without_per_yr", "value_per_yr", "status"])


def resilience(
    pb: DesignProblem,
    design: Design,
    dm: DesignModel,
    *,
    late_penalty_per_unit: float,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
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

    Returns
    -------
    DataFrame
        ``site_id, cost_per_yr, extra_cost_per_yr, stores_late, late_store_ids, fallback, status``:
        the outage's cost (penalty excluded: it can be below the design's when a late route is
        cheaper than the on-time ones), the stores that get units outside the promise, and where
        the units the site made now come from (units per week by source).
    """
    level = [pb.level_names.index(design.levels[s]) if s in design.levels else -1 for s in pb.site_ids]
    made = design.portfolio[design.portfolio["source"] == "local"]
    rows = []
    n_j, n_t = len(pb.store_ids), len(pb.season_names)
    for site in design.levels:
        s = pb.site_ids.index(site)
        fixed = list(level)
        fixed[s] = -1
        # late routes only for the stores left with no on-time source; all stores if that is infeasible
        on_time = pb.direct_ok.copy()
        on_time[pb.lanes[np.isin(pb.lanes[:, 0], [i for i, lv in enumerate(fixed) if lv >= 0]), 1]] = True
        start = without_site(dm, pb, design.x, s)
        sol = _solve(
            dm, pb, "hybrid", time_limit_s=time_limit_s, mip_gap=mip_gap, fixed_levels=fixed, late=~on_time, start=start
        )
        if not sol.has_solution:
            sol = _solve(dm, pb, "hybrid", time_limit_s=time_limit_s, mip_gap=mip_gap, fixed_levels=fixed, late=True)
        if not sol.has_solution:
            rows.append((site, np.inf, np.inf, n_j, "", "", sol.status))
            continue
        x = sol.x
        assert x is not None
        late_x = dm.xp >= dm.n_on_time
        late_units = x[dm.x_cols[late_x]]
        late_direct = x[dm.yd_cols] * (~pb.direct_ok)[:, None]
        penalty = late_penalty_per_unit * (
            float((late_units * pb.weeks_per_yr[dm.xt[late_x]]).sum())
            + float((late_direct * pb.weeks_per_yr[None, :]).sum())
        )
        late_j = set(dm.lanes[dm.xp[late_x][late_units > 1e-7], 1]) | set(
            np.flatnonzero(late_direct.sum(axis=1) > 1e-7)
        )
        outage = _tables(dm, pb, sol, "outage")
        lost = made[made["site"] == site][["family", "store_id", "season"]].drop_duplicates()
        now = outage.portfolio.merge(lost, on=["family", "store_id", "season"])
        by = (
            now.assign(src=np.where(now["source"] == "local", now["site"], "offshore"))
            .groupby("src")["units_per_week"]
            .sum()
        )
        fallback = "; ".join(f"{k or 'offshore'}: {v:.1f}/wk" for k, v in by.sort_values(ascending=False).items())
        cost = sol.objective - penalty
        ids = sorted(pb.store_ids[j] for j in late_j)
        rows.append((site, cost, cost - design.cost_per_yr, len(ids), ";".join(ids), fallback, sol.status))
    del n_t
    cols = ["site_id", "cost_per_yr", "extra_cost_per_yr", "stores_late", "late_store_ids", "fallback", "status"]
    return pd.DataFrame(rows, columns=cols)
