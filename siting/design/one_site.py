"""All-local designs of one site: each priced exactly, and a bound of every design that opens more."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.design.alllocal import fewest_sites
from siting.design.bounded import _bounds
from siting.design.lagrange import local_lagrange_bound
from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.design.site_subproblem import plan_level
from siting.design.start import complete, is_feasible

__all__ = ["OneSiteBound", "one_site_bound", "one_site_x"]


@dataclass(frozen=True)
class OneSiteBound:
    """A bound of the all-local optimum (EUR a year) split on the sites a design opens: the cheapest design
    of one site (its cost, site and level index; exact) and a bound of every design of two or more."""

    bound_per_yr: float
    one_site_cost_per_yr: float
    site: int
    level: int
    more_sites_bound_per_yr: float


def one_site_bound(
    pb: DesignProblem,
    start: tuple[np.ndarray, np.ndarray],
    *,
    column_rounds: int = 0,
    threads: int | None = None,
) -> OneSiteBound | None:
    """The all-local optimum's bound split on one site against more, when one site may serve every store.

    An all-local design of a problem whose stores form one group (joined by the on-time lanes) that
    one site's hours may serve (:func:`siting.design.alllocal.fewest_sites` says 1) opens either one
    site, which then delivers every store's whole demand, or at least two. The first kind is priced
    exactly, site by site (:func:`siting.design.site_subproblem.plan_level`: its cheapest level that
    holds the plan, the making cost on the curves, delivery and drops, the model's own charges); the
    second is bounded by the Lagrangian with the group's fewest-sites row raised to two
    (:func:`siting.design.lagrange.local_lagrange_bound`, ``more_sites=1``), which then pays a second
    site's fixed cost where the one-row bound mixes fractions of sites. The optimum is at least the
    smaller of the two. The Malta demo's bugibba cluster: its design of one site, 502,888 EUR a
    year, stood within 3.22% of the Lagrangian bound after 49 column rounds; every design of two
    sites or more costs at least 518,457 (the default phases, under a second), so the design is optimal.

    Parameters
    ----------
    pb : DesignProblem
    start : tuple of ndarray
        The Lagrangian's first multipliers (:func:`siting.design.lagrange.lp_multipliers`).
    column_rounds : int
        Column rounds of the bound of two sites or more (0: the default phases alone).
    threads : int, optional
        Threads of the site MILPs (:func:`siting.solve_threads.map_in_threads`).

    Returns
    -------
    OneSiteBound or None
        None when the stores form several groups, need two sites or more, or no site reaches them all
        with a level that holds their demand.
    """
    groups = fewest_sites(pb)
    if len(groups) != 1 or groups[0][1] != 1:
        return None
    dem = pb.demand_units_per_week
    lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
    wanted = set(np.flatnonzero(dem.sum(axis=(0, 2)) > 0).tolist())
    priced = []
    for s in range(len(pb.site_ids)):
        if wanted <= set(lanes[lanes[:, 0] == s, 1].tolist()):
            planned = plan_level(pb, s, dem)
            if planned is not None:
                priced.append((planned[1], s, planned[0]))  # the first site of equal costs below
    if not priced:
        return None
    cost, site, level = min(priced)
    more = local_lagrange_bound(
        pb, cost, start, column_rounds=column_rounds, stop_gap=1e-9, threads=threads, more_sites=1
    ).bound_per_yr
    return OneSiteBound(min(cost, more), cost, site, level, more)


def one_site_x(dm: DesignModel, pb: DesignProblem, site: int, level: int) -> np.ndarray | None:
    """The design of ``site`` alone at ``level``, delivering every store's demand (a column vector of ``dm``).

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    site, level : int
        The site's and its level's indices (:class:`OneSiteBound`).

    Returns
    -------
    ndarray or None
        None when it breaks a row of ``dm`` under the all-local policy's bounds.
    """
    levels = np.full(len(pb.site_ids), -1)
    levels[site] = level
    dem = pb.demand_units_per_week
    on = (dm.xp < dm.n_on_time) & (dm.lanes[dm.xp, 0] == site)
    x_local = np.where(on, dem[dm.xf, dm.lanes[dm.xp, 1], dm.xt], 0.0)
    x = complete(dm, pb, levels, x_local)
    return x if x is not None and is_feasible(dm, x, *_bounds(dm, pb, "local")) else None
