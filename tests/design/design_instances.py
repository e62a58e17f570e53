"""Seeded random design instances (real example product families) and a brute-force solver for small ones."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from siting.costs import load_products
from siting.costs.products import example_products_path
from siting.design.problem import DesignProblem, design_problem

FAMS = load_products(example_products_path())


def tables(seed: int, n_s: int = 2, n_j: int = 3, n_f: int = 2, n_t: int = 1, n_l: int = 2) -> dict:
    """The input tables of one random instance."""
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
    return dict(demand=demand, sites=sites, lanes=lanes, direct=direct, families=fams, making=making, seasons=seasons)


def instance(seed: int, **kw) -> DesignProblem:
    """One random checked problem."""
    return design_problem(**tables(seed, **kw))


def brute_force(pb: DesignProblem, policy: str = "hybrid", max_sites: int | None = None) -> float:
    """Cheapest single-sourced design by enumeration: every level choice per site, every source per demand.

    ``max_sites``: only level choices that open at most this many sites.

    Each (family, store, season) demand goes whole to one open site within the promise or offshore;
    offshore units of a store take the cheapest route (direct or cross-docked via an open site);
    costs on the same piecewise-linear curves as the MILP, hours on the same breakpoints.
    """
    n_s, n_l = pb.hours_per_week.shape
    dem = pb.demand_units_per_week
    weeks = pb.weeks_per_yr
    triples = list(zip(*np.nonzero(dem > 0)))
    lane_cost = {(int(s), int(j)): float(c) for (s, j), c in zip(pb.lanes, pb.lane_cost_per_unit)}
    best = np.inf
    for levels in itertools.product(range(-1, n_l), repeat=n_s):
        if any(lv >= 0 and not pb.level_ok[s, lv] for s, lv in enumerate(levels)):
            continue
        if max_sites is not None and sum(lv >= 0 for lv in levels) > max_sites:
            continue
        fixed = sum(pb.fixed_cost_per_yr[s, lv] for s, lv in enumerate(levels) if lv >= 0)
        open_s = [s for s, lv in enumerate(levels) if lv >= 0]
        route = np.array(
            [
                min(
                    [pb.direct_cost_per_unit[j] if pb.direct_ok[j] else np.inf]
                    + [
                        pb.crossdock_cost_per_unit[s] + lane_cost[(s, j)]
                        for s in open_s
                        if np.isfinite(pb.crossdock_cost_per_unit[s]) and (s, j) in lane_cost
                    ]
                )
                for j in range(len(pb.store_ids))
            ]
        )
        options = []
        for _f, j, _t in triples:
            opts = [] if policy == "local" else [-1]
            if policy != "offshore":
                opts += [s for s in open_s if (s, int(j)) in lane_cost]
            options.append(opts)
        for choice in itertools.product(*options):
            local = np.zeros((dem.shape[0], n_s, dem.shape[2]))
            off = np.zeros((dem.shape[0], dem.shape[2]))
            cost = fixed
            for (f, j, t), src in zip(triples, choice):
                units = dem[f, j, t]
                if src < 0:
                    off[f, t] += units
                    cost += weeks[t] * units * route[j]
                else:
                    local[f, src, t] += units
                    cost += weeks[t] * units * lane_cost[(src, int(j))]
            if not np.isfinite(cost):
                continue
            hours = np.zeros((n_s, dem.shape[2]))
            for f in range(dem.shape[0]):
                lc, oc = pb.local_curves[f], pb.offshore_curves[f]
                cost += float((weeks[None, :] * lc.cost_at(local[f])).sum() + (weeks * oc.cost_at(off[f])).sum())
                hours += pb.machine_hours_per_unit[f] * local[f] + pb.changeover_hours_per_run[f] * lc.runs_at(local[f])
            cap = np.array([pb.hours_per_week[s, lv] if lv >= 0 else 0.0 for s, lv in enumerate(levels)])
            if np.all(hours <= cap[:, None] + 1e-6):
                best = min(best, cost)
    return best
