"""Benchmark: the Helsinki demo's all-local proven gap, column generation against HiGHS on the whole MILP.

`siting plan --no-prove-all-local` proves the all-local design within 2.55% (its Lagrangian bound, one column
round; `siting plan` runs the rounds until 1% by default). This runs the plan without the rounds, with
``[rank.portfolio] all_local_swaps`` site swaps on the all-local design (0: the unswapped design), then
``all_local_bound_rounds`` rounds of column generation on the same problem, and
prints the proven gap after every tenth round with this process's CPU seconds, then gives HiGHS
the whole all-local MILP (from the same design as its start) for the same wall-clock seconds and
prints its proven gap: the peer a planner would otherwise run. Load average printed: the machine
may be shared, and HiGHS's limit is wall-clock. The rounds solve the site MILPs on ``--threads``
threads (default: ``SITING_N_JOBS`` if set, else the CPU count, at most 2); HiGHS runs on one, as
every solve of siting does.

    PYTHONPATH=$PWD python benchmarks/alllocal_bound.py [--rounds 60] [--swaps 400] [--threads 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

from siting.app import city_inputs, demo_scenario, rank_options
from siting.design.alllocal import with_fewest_sites
from siting.design.bounded import _bounds
from siting.design.lagrange import local_lagrange_bound, lp_multipliers
from siting.design.model import build_model
from siting.milp import relative_gap
from siting.pipeline import plan
from siting.workers import n_workers


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--swaps", type=int, default=400)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    sc = demo_scenario("helsinki")
    options = rank_options(sc)
    popt = dataclasses.replace(options.portfolio, all_local_swaps=args.swaps, all_local_bound_rounds=0)
    options = dataclasses.replace(options, portfolio=popt)
    p0 = time.process_time()
    planned = plan(city_inputs(sc), 1, options, objective="portfolio")
    design = planned.run.cities["helsinki"].design
    pb, loc = design.problem, design.portfolio.all_local
    cost = loc.cost_per_yr
    print(f"plan with all_local_swaps = {args.swaps}: {time.process_time() - p0:.1f} s CPU")
    print(f"all-local design {cost:,.0f} EUR/yr; plan's proven gap {loc.gap:.2%} (bound {loc.bound_per_yr:,.0f})")
    dm = with_fewest_sites(build_model(pb, late_penalty_per_unit=1e-3), pb)
    lb, ub = _bounds(dm, pb, "local")
    lp = dm.model.solve(col_lower=lb, col_upper=ub, relax=True)
    start = lp_multipliers(dm, pb, lp)
    assert start is not None
    print(f"load before: {os.getloadavg()[0]:.2f}")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    threads = n_workers() if args.threads is None else args.threads
    cg = local_lagrange_bound(pb, cost, start, column_rounds=args.rounds, threads=threads)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print("round  proven gap")
    for r, b in enumerate(cg.by_round, start=1):
        if r % 10 == 0 or r == len(cg.by_round):
            print(f"{r:5d}  {relative_gap(cost, b):.3%}")
    within = next((r for r, b in enumerate(cg.by_round, start=1) if relative_gap(cost, b) <= 0.01), None)
    print(f"first proven within 1%: {'never' if within is None else f'after round {within}'}")
    ours = relative_gap(cost, cg.bound_per_yr)
    print(
        f"column generation: {ours:.3%} after {len(cg.by_round)} rounds on {threads} thread(s), "
        f"{cpu:.1f} s CPU, {wall:.1f} s wall"
    )
    h0 = time.perf_counter()
    peer = dm.model.solve(col_lower=lb, col_upper=ub, start=loc.x, time_limit_s=wall, mip_gap=1e-4)
    theirs = relative_gap(cost, max(peer.bound, lp.objective))
    print(
        f"HiGHS, whole all-local MILP, {time.perf_counter() - h0:.1f} s wall: {theirs:.3%} "
        f"(its design {peer.objective:,.0f}); gap ratio HiGHS / column generation {theirs / ours:.1f}x"
    )
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
