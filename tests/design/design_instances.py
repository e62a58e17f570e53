"""Seeded random design instances (real example product families) and a brute-force solver for small ones."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from siting.costs import load_products
from siting.costs.products import example_products_path
from siting.design.problem import DesignProblem, design_problem

#: The example families with ``level`` re-orders: these instances check the design MILP against enumeration,
#: whatever cost model feeds its curves (the ``kalman`` default is checked against simulation in tests/costs);
#: ``level``'s season models take about a third of ``kalman``'s CPU over hundreds of random volumes.
FAMS = tuple(dataclasses.replace(p, reorder_forecast="level") for p in load_products(example_products_path()))


def tables(
    seed: int, n_s: int = 2, n_j: int = 3, n_f: int = 2, n_t: int = 1, n_l: int = 2, drops: bool = False
) -> dict:
    """The input tables of one random instance (``drops``: a fixed charge of 5-60 a week per drop, and a
    cross-dock outside the promise on a fifth of the lanes)."""
    rng = np.random.default_rng(seed)
    fams = [FAMS[i] for i in rng.choice(len(FAMS), n_f, replace=False)]
    seasons = {f"t{t}": 52.0 / n_t for t in range(n_t)}
    dem = [
        (f"j{j}", f.family, t, float(rng.uniform(5, 150)))
        for j in range(n_j)
        for f in fams
        for t in seasons
        if rng.random() < 0.85
    ]
    if not dem:
        dem = [("j0", fams[0].family, "t0", 40.0)]
    sites = pd.DataFrame(
        [
            (
                f"s{s}",
                f"L{level}",
                15.0 * (level + 1) * rng.uniform(0.5, 1.5),
                15000.0 * (level + 1) * rng.uniform(0.2, 1.2),
                rng.uniform(0.1, 0.5) if rng.random() < 0.5 else np.nan,
            )
            for s in range(n_s)
            for level in range(n_l)
        ],
        columns=["site_id", "level", "hours_per_week", "fixed_cost_per_yr", "crossdock_cost_per_unit"],
    )
    lanes = pd.DataFrame(
        [
            (f"s{s}", f"j{j}", float(rng.uniform(0.05, 1.5)), bool(rng.random() < 0.8))
            for s in range(n_s)
            for j in range(n_j)
        ],
        columns=["site_id", "store_id", "cost_per_unit", "within_promise"],
    )
    direct = pd.DataFrame(
        [(f"j{j}", float(rng.uniform(0.3, 2.0)), True) for j in range(n_j)],
        columns=["store_id", "cost_per_unit", "within_promise"],
    )
    making = pd.DataFrame(
        [(f.family, float(rng.uniform(0.05, 0.2)), float(rng.uniform(0.5, 3))) for f in fams],
        columns=["family", "machine_hours_per_unit", "changeover_hours_per_run"],
    )
    demand = pd.DataFrame(dem, columns=["store_id", "family", "season", "units_per_week"])
    out = dict(demand=demand, sites=sites, lanes=lanes, direct=direct, families=fams, making=making, seasons=seasons)
    if drops:
        drop_rng = np.random.default_rng(50_000 + seed)  # the instance's other tables stay as without drops
        out["drops"] = pd.DataFrame(
            {"store_id": [f"j{j}" for j in range(n_j)], "cost_per_week": drop_rng.uniform(5, 60, n_j)}
        )
        lanes["crossdock_within_promise"] = lanes["within_promise"] & (drop_rng.random(len(lanes)) >= 0.2)
    return out


def instance(seed: int, **kw) -> DesignProblem:
    """One random checked problem."""
    return design_problem(**tables(seed, **kw))


def _choice_rows(options: list[list[int]]) -> np.ndarray:
    """Every combination of one option per demand, one row each (the rows of ``itertools.product``)."""
    if not options:
        return np.zeros((1, 0), dtype=np.int64)
    grids = np.meshgrid(*[np.asarray(o, dtype=np.int64) for o in options], indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def enumerate_designs(
    pb: DesignProblem,
    policy: str = "hybrid",
    max_sites: int | None = None,
    hubs: bool = False,
    site_cluster: list[str] | None = None,
) -> float:
    """Cheapest single-sourced design by enumeration: every level choice per site, every source per demand.

    ``max_sites``: only level choices that open at most this many sites (in each cluster of
    ``site_cluster``, one label per site, when given). ``hubs``: also every open set
    of the problem's candidate hubs (their fixed cost; offshore units may take an open hub's route).

    Each (family, store, season) demand goes whole to one open site within the promise or offshore;
    offshore units of a store in a season take one route (direct, cross-docked via an open site whose
    lane keeps the promise counting the trunk, or via an open hub), the cheapest for the design;
    offshore units are bought per brand-wide buy (``buy_of_family``); costs on the same
    piecewise-linear curves as the MILP, hours on the same breakpoints. With a drop charge each
    (store, season) pays one drop per delivering origin: every site that sends it local goods (its
    cross-docked goods ride that drop), plus the offshore route's own drop unless it rides a site's
    drop already made (a co-located site drops nothing). The per-demand choices of one level choice
    are enumerated as the rows of one numpy array (all of them, as ``itertools.product``).
    """
    n_s, n_l = pb.hours_per_week.shape
    dem = pb.demand_units_per_week
    n_f, _, n_t = dem.shape
    weeks = pb.weeks_per_yr
    group = pb.buy_of_family()
    triples = list(zip(*np.nonzero(dem > 0)))
    units = np.array([dem[f, j, t] for f, j, t in triples])
    lane_cost = {(int(s), int(j)): float(c) for (s, j), c in zip(pb.lanes, pb.lane_cost_per_unit)}
    crossdock = {(int(s), int(j)) for s, j in pb.lanes[pb.crossdock_lanes()]}
    drop = pb.drop_cost_of_store()  # a week, per delivering origin
    pays = np.ones((len(pb.store_ids), n_s), bool)  # a site's drop at a store is charged (not co-located)
    for (s, j), charged in zip(pb.lanes, pb.lane_pays_drop()[: len(pb.lanes)]):
        pays[j, s] = charged
    hub = pb.hubs
    if hubs and hub is None:
        raise ValueError("hubs=True on a problem without candidate hubs")
    if not hubs:
        hub = None
    hub_sets: list[tuple[int, ...]] = [()] if hub is None else list(itertools.product((0, 1), repeat=len(hub.hub_ids)))
    best = np.inf
    for open_h in hub_sets:
        hub_fixed = float(np.dot(open_h, hub.fixed_cost_per_yr)) if hub is not None else 0.0
        for levels in itertools.product(range(-1, n_l), repeat=n_s):
            if any(lv >= 0 and not pb.level_ok[s, lv] for s, lv in enumerate(levels)):
                continue
            if max_sites is not None:
                opened = [site_cluster[s] if site_cluster else "" for s, lv in enumerate(levels) if lv >= 0]
                if any(opened.count(c) > max_sites for c in set(opened)):
                    continue
            fixed = hub_fixed + sum(pb.fixed_cost_per_yr[s, lv] for s, lv in enumerate(levels) if lv >= 0)
            open_s = [s for s, lv in enumerate(levels) if lv >= 0]
            ways_of = []  # per store: (cost per unit, the site whose drop it rides or -1: a drop of its own)
            for j in range(len(pb.store_ids)):
                ways = [(pb.direct_cost_per_unit[j] if pb.direct_ok[j] else np.inf, -1)]
                ways += [
                    (pb.crossdock_cost_per_unit[s] + lane_cost[(s, j)], s)
                    for s in open_s
                    if (s, j) in crossdock and (s, j) in lane_cost
                ]
                if hub is not None:
                    ways += [
                        (c, -1) for (h, jj), c in zip(hub.routes, hub.route_cost_per_unit) if jj == j and open_h[h]
                    ]
                ways_of.append(ways)
            options = []
            for _f, j, _t in triples:
                opts = [] if policy == "local" else [-1]
                if policy != "offshore":
                    opts += [s for s in open_s if (s, int(j)) in lane_cost]
                options.append(opts)
            if any(not o for o in options):
                continue
            rows = _choice_rows(options)  # (designs, demands): -1 offshore, else the site
            local = np.zeros((len(rows), n_f, n_s, n_t))
            off = np.zeros((len(rows), len(pb.offshore_curves), n_t))
            cost = np.full(len(rows), fixed)
            off_units = np.zeros((len(rows), len(pb.store_ids), n_t))  # offshore units a week per store, season
            delivers = np.zeros((len(rows), len(pb.store_ids), n_t, n_s), bool)  # site s drops local goods at j in t
            for k, (f, j, t) in enumerate(triples):
                src = rows[:, k]
                per_unit = np.zeros(len(rows))
                off_units[src < 0, j, t] += units[k]
                for s in open_s:
                    if (s, int(j)) in lane_cost:
                        per_unit[src == s] = lane_cost[(s, int(j))]
                        local[src == s, f, s, t] += units[k]
                        delivers[src == s, j, t, s] = True
                off[src < 0, group[f], t] += units[k]
                cost += weeks[t] * units[k] * per_unit
            # each delivering origin's drops at a store in a season: once, whatever the units
            cost += (weeks[None, None, :] * drop[None, :, None] * (delivers * pays[None, :, None, :]).sum(axis=3)).sum(
                axis=(1, 2)
            )
            # offshore units of a store and season take one route (the cheapest for this design: the
            # routes of different stores and seasons are independent, so the minimum over every
            # combination of one route per store and season is the sum of these minima)
            for j, ways in enumerate(ways_of):
                for t in range(n_t):
                    u = off_units[:, j, t]
                    best_route = np.full(len(rows), np.inf)
                    for cpu, via in ways:
                        extra = np.ones(len(rows)) if via < 0 else (~delivers[:, j, t, via]).astype(float)
                        if via >= 0 and not pays[j, via]:
                            extra[:] = 0.0
                        with np.errstate(invalid="ignore"):  # a route at inf carrying nothing costs nothing
                            c = np.where(u > 0, weeks[t] * (u * cpu + drop[j] * extra), 0.0)
                        best_route = np.minimum(best_route, c)
                    cost += best_route
            hours = np.zeros((len(rows), n_s, n_t))
            for f in range(n_f):
                lc = pb.local_curves[f]
                cost += (weeks * lc.cost_at(local[:, f])).sum(axis=(1, 2))
                hours += pb.machine_hours_per_unit[f] * local[:, f] + pb.changeover_hours_per_run[f] * lc.runs_at(
                    local[:, f]
                )
            for g, oc in enumerate(pb.offshore_curves):
                cost += (weeks * oc.cost_at(off[:, g])).sum(axis=1)
            cap = np.array([pb.hours_per_week[s, lv] if lv >= 0 else 0.0 for s, lv in enumerate(levels)])
            ok = np.isfinite(cost) & np.all(hours <= cap[None, :, None] + 1e-6, axis=(1, 2))
            if ok.any():
                best = min(best, float(cost[ok].min()))
    return best


def brute_force(pb: DesignProblem, policy: str = "hybrid", max_sites: int | None = None) -> float:
    """Cheapest single-sourced design by enumeration (``enumerate_designs`` without hubs)."""
    return enumerate_designs(pb, policy, max_sites)


def single_sourced(design) -> bool:
    """Each demand of a solved design from one site or from offshore, never split (enumeration's designs)."""
    per_demand = design.portfolio.groupby(["family", "store_id", "season"])["site"].nunique()
    local = design.portfolio[design.portfolio["source"] == "local"]
    mixed = local.merge(design.portfolio[design.portfolio["source"] != "local"], on=["family", "store_id", "season"])
    return bool((per_demand <= 1).all() and mixed.empty)


def closed_problem(pb: DesignProblem, s: int) -> DesignProblem:
    """``pb`` with site ``s`` allowed no level (forced closed)."""
    ok = pb.level_ok.copy()
    ok[s] = False
    return dataclasses.replace(pb, level_ok=ok)


def one_site_case(seed: int) -> tuple:
    """One site, 4 stores, 2 families, 3 levels, drops, every lane within the promise: the problem, its exact
    all-local optimum (MILP at gap 1e-7) and the all-local LP relaxation's multipliers (the Lagrangian's start)."""
    from siting.design.alllocal import with_fewest_sites
    from siting.design.bounded import _bounds, _solve
    from siting.design.lagrange import lp_multipliers
    from siting.design.model import build_model

    t = tables(seed, n_s=1, n_j=4, n_f=2, n_l=3, drops=True)
    t["lanes"]["within_promise"] = True
    pb = design_problem(**t)
    dm = with_fewest_sites(build_model(pb), pb)
    exact = _solve(dm, pb, "local", time_limit_s=30.0, mip_gap=1e-7)
    lb, ub = _bounds(dm, pb, "local")
    return pb, exact, lp_multipliers(dm, pb, dm.model.solve(col_lower=lb, col_upper=ub, relax=True))
