"""Benchmark: the portfolio design at 30 sites x 1,000 stores x 5 families x 4 seasons x 3 levels (seeded synthetic).

Prints the time to a proven 1% gap (target <= 60 s) and to a proven 0.1% gap: wall-clock seconds
and this process's CPU seconds (HiGHS runs on one thread in the process), with the load average,
since the machine is shared: HiGHS's limits are wall-clock, so a loaded machine stops it earlier. The 1,000 stores
are AGGREGATED into demand points (2 km grid cells, ``--cell-km``): a point's demand is the sum of
its stores', its delivery cost per unit their demand-weighted mean, and a lane is within the
promise only if it is for every store of the cell (conservative). Unaggregated (``--cell-km 0``)
the model has 269k columns and HiGHS found no incumbent in 120 s on this machine.

    PYTHONPATH=$PWD python benchmarks/portfolio.py [--seed 0] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from siting.costs import load_products
from siting.costs.products import example_products_path
from siting.design import build_model, design_problem, solve_design


def synthetic(seed: int = 0, n_sites: int = 30, n_stores: int = 1000, cell_km: float = 2.0) -> dict:
    """Stores and sites in a 20 km square, delivery cost 0.15 + 0.04 per km per unit."""
    rng = np.random.default_rng(seed)
    fams = load_products(example_products_path())
    stores = rng.uniform(0, 20, (n_stores, 2))
    tables = _tables(rng, fams, stores, n_sites)
    return _aggregate(tables, stores, cell_km) if cell_km > 0 else tables


def _aggregate(t: dict, stores: np.ndarray, cell_km: float) -> dict:
    """Stores -> demand points (grid cells): summed demand, demand-weighted lane costs, promise if for all."""
    cell = [f"c{int(x // cell_km)}_{int(y // cell_km)}" for x, y in stores]
    point = dict(zip([f"j{j}" for j in range(len(stores))], cell))
    d = t["demand"].assign(store_id=t["demand"]["store_id"].map(point))
    weight = t["demand"].groupby("store_id")["units_per_week"].sum()
    demand = d.groupby(["store_id", "family", "season"], as_index=False)["units_per_week"].sum()
    lanes = t["lanes"].assign(w=t["lanes"]["store_id"].map(weight), point=t["lanes"]["store_id"].map(point))
    n_in_cell = pd.Series(point).value_counts()
    lanes = lanes.assign(wc=lanes["w"] * lanes["cost_per_unit"])
    g = lanes.groupby(["site_id", "point"]).agg(
        wc=("wc", "sum"), w=("w", "sum"), ok=("within_promise", "all"), n=("w", "size")
    )
    g = g.reset_index()
    g["within_promise"] = g["ok"] & (g["n"] == g["point"].map(n_in_cell))
    lanes_out = pd.DataFrame(
        {
            "site_id": g["site_id"],
            "store_id": g["point"],
            "cost_per_unit": g["wc"] / g["w"],
            "within_promise": g["within_promise"].astype(bool),
        }
    )
    dr = t["direct"].assign(w=t["direct"]["store_id"].map(weight), point=t["direct"]["store_id"].map(point))
    dr = (
        dr.assign(wc=dr["w"] * dr["cost_per_unit"])
        .groupby("point")
        .agg(wc=("wc", "sum"), w=("w", "sum"), ok=("within_promise", "all"))
        .reset_index()
    )
    direct = pd.DataFrame(
        {"store_id": dr["point"], "cost_per_unit": dr["wc"] / dr["w"], "within_promise": dr["ok"].astype(bool)}
    )
    return {**t, "demand": demand, "lanes": lanes_out, "direct": direct}


def _tables(rng: np.random.Generator, fams, stores: np.ndarray, n_sites: int) -> dict:
    n_stores = len(stores)
    sites = rng.uniform(2, 18, (n_sites, 2))
    dist = np.linalg.norm(sites[:, None] - stores[None], axis=2) * 1.3
    seasons = {"spring": 13.0, "summer": 13.0, "autumn": 13.0, "winter": 13.0}
    factor = {"spring": 1.0, "summer": 0.8, "autumn": 1.1, "winter": 1.3}
    size = rng.lognormal(0, 0.5, n_stores)
    size *= 8000 / size.sum()  # about 8,000 units a week in all, as central Helsinki
    share = np.array([f.demand_mean_units_per_week for f in fams])
    share /= share.sum()
    demand = pd.DataFrame(
        [
            (f"j{j}", f.family, t, size[j] * share[i] * factor[t])
            for j in range(n_stores)
            for i, f in enumerate(fams)
            for t in seasons
        ],
        columns=["store_id", "family", "season", "units_per_week"],
    )
    levels = [(40.0, 60_000.0), (80.0, 100_000.0), (160.0, 170_000.0)]  # hours/week, fixed EUR/yr
    rent = rng.uniform(20_000, 60_000, n_sites)
    site_rows = [
        (f"s{s}", f"L{k}", h, rent[s] + fx, 0.25 if s % 2 == 0 else np.nan)
        for s in range(n_sites)
        for k, (h, fx) in enumerate(levels)
    ]
    sites_df = pd.DataFrame(
        site_rows, columns=["site_id", "level", "hours_per_week", "fixed_cost_per_yr", "crossdock_cost_per_unit"]
    )
    ss, jj = np.nonzero(dist <= 10.0)
    lanes = pd.DataFrame(
        {
            "site_id": [f"s{s}" for s in ss],
            "store_id": [f"j{j}" for j in jj],
            "cost_per_unit": 0.15 + 0.04 * dist[ss, jj],
            "within_promise": dist[ss, jj] <= 6.0 * 1.3,
        }
    )
    dp = np.array([10.0, -15.0])  # the distribution point, south of the city
    d_dp = np.linalg.norm(stores - dp, axis=1) * 1.3
    direct = pd.DataFrame(
        {"store_id": [f"j{j}" for j in range(n_stores)], "cost_per_unit": 0.6 + 0.02 * d_dp, "within_promise": True}
    )
    making = pd.DataFrame(
        {
            "family": [f.family for f in fams],
            "machine_hours_per_unit": [0.05, 0.08, 0.12, 0.06, 0.03],
            "changeover_hours_per_run": [1.5, 2.0, 3.0, 1.0, 0.5],
        }
    )
    return dict(
        demand=demand, sites=sites_df, lanes=lanes, direct=direct, families=fams, making=making, seasons=seasons
    )


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=120.0, help="limit of the 1%% solve (the 0.1%% one gets 3x)")
    ap.add_argument("--cell-km", type=float, default=2.0)
    args = ap.parse_args()
    print(_load())
    t0, c0 = time.perf_counter(), time.process_time()
    pb = design_problem(**synthetic(args.seed, cell_km=args.cell_km))
    t1, c1 = time.perf_counter(), time.process_time()
    dm = build_model(pb)
    t2 = time.perf_counter()
    m = dm.model
    print(
        f"{len(pb.store_ids)} demand points; inputs + cost curves {t1 - t0:.1f} s ({c1 - c0:.1f} s CPU); "
        f"model {t2 - t1:.1f} s: {m.num_cols:,} columns, {m.num_rows:,} rows"
    )
    c2 = time.process_time()
    off = solve_design(pb, "offshore", time_limit_s=args.time_limit, mip_gap=0.001, model=dm)
    c_off = time.process_time() - c2
    print(f"all-offshore start: {off.time_s:.1f} s ({c_off:.1f} s CPU), {off.status}, {off.cost_per_yr:,.0f} EUR/yr")
    for gap, limit in ((0.01, args.time_limit), (0.001, 3 * args.time_limit)):
        c3 = time.process_time()
        d = solve_design(pb, "hybrid", time_limit_s=limit, mip_gap=gap, model=dm, start=off.x)
        d_time, d_cpu = d.time_s + off.time_s, time.process_time() - c3 + c_off
        print(
            f"target gap {gap:.1%}: {d_time:.1f} s ({d_cpu:.1f} s CPU) incl. the start, status {d.status}, "
            f"cost {d.cost_per_yr:,.0f} EUR/yr "
            f"(exact model {d.exact_cost_per_yr:,.0f}), {len(d.levels)} sites open; {_load()}"
        )


if __name__ == "__main__":
    main()
