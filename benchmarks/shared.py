"""Shared microfactory network against each brand alone: cost saved, solve time and gap.

20 candidate sites x 500 stores x 5 brands x 4 seasons on a seeded road-like graph (drive times and
lengths from siting's exact OD). Prints, in one run: the shared design (cost, time, gap), each
brand's own best network (cost, time, gap), and the total saved by sharing (money and %, and
the saving guaranteed by the solver bounds).

With ``--terms`` the instance also has capacity in machine-hours on three processes (print,
cut_and_sew, finishing; routings and changeovers per brand), overtime at a premium, one season of
pre-build (shelf life) with a carry cost, take-or-pay reservations for two brands and a late-unit
penalty (backlog cost) for the priority brand (illustrative figures).

With ``--scenarios N`` it instead draws N demand scenarios (each brand's season demand times a
mean-1 lognormal factor, CV ``--cv``, correlation ``--correlation`` between brands), chooses the
design by sample average approximation over the candidate designs (the mean-demand design and each
scenario's optimum) and prints each candidate's mean cost and mean / p90 / max regret per year, and
the share of scenarios in which each priority brand's SLA is met. With ``--sla-caps`` it also prints each
design's wall seconds and whether every candidate's operation holds the caps of its own class mix; with
``--mix-rounds R`` each design and operation holds the caps of its own class mix first
(``saa_design(rounds=R)``), else the worst case with the line filled.

With ``--sla-caps`` each lane class's simulated p95 with the runs the design makes is printed
(``siting.share.designsim.simulate_design(runs="made")``, 5 seeded years); ``--runs-in-design`` makes the runs
a week the caps assume part of the design (``siting.share.runcount``).

With ``--sla-caps --mix-rounds R`` the design is ``siting.share.mixcaps.design_with_mix_caps``: the worst case,
the priority rows over the lower classes' own load, then up to R re-solves with the caps of the design's own
class mix; each round's cost and whether it holds its own mix's caps are printed, with each brand's share
made locally. ``--shared-only`` skips each brand alone.

Run: python benchmarks/shared.py [--seed 0] [--time-limit 120] [--gap 0.001] [--terms] [--sla-caps]
[--mix-rounds 3] [--runs-in-design] [--shared-only] [--scenarios 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _synthetic import road_like_graph

from siting.network import od_time_length
from siting.share.design import design_network
from siting.share.designsim import simulate_design
from siting.share.mixcaps import design_with_mix_caps
from siting.share.problem import ShareProblem
from siting.share.scenarios import draw_demand_factors, saa_design
from siting.share.service import DEFAULT_DEMAND_CV

N_SITES, N_STORES, N_BRANDS = 20, 500, 5
KINDS = ("priority", "standard", "standard", "overflow", "overflow")


def problem(seed: int) -> ShareProblem:
    rng = np.random.default_rng(seed)
    G = road_like_graph(20_000, seed=seed)
    nodes = np.fromiter(G.nodes, dtype=np.int64)
    sites = rng.choice(nodes, N_SITES, replace=False)
    stores = rng.choice(nodes, N_STORES, replace=False)
    time_s, length_m = od_time_length(G, sites, stores, n_jobs=1)
    brand = rng.integers(0, N_BRANDS, N_STORES)
    return ShareProblem(
        site_ids=tuple(f"site{i}" for i in range(N_SITES)),
        store_ids=tuple(f"store{j}" for j in range(N_STORES)),
        brand_names=tuple(f"brand{b}" for b in range(N_BRANDS)),
        season_names=("winter", "spring", "summer", "autumn"),
        store_brand=brand,
        demand_units_per_week=rng.uniform(10, 60, N_STORES),
        season_weeks=np.array([13.0, 13.0, 13.0, 13.0]),
        multiplier=np.clip(rng.normal(1.0, 0.25, (N_BRANDS, 4)), 0.5, 2.0),
        delivery_time_s=time_s,
        delivery_cost_per_unit=length_m / 1000 * 0.05,
        rent_per_yr=rng.uniform(120, 360, (N_SITES, 1)) * np.array([[300.0, 600.0]]),
        setup_per_yr=np.tile([40000.0 / 5, 70000.0 / 5], (N_SITES, 1)),
        capacity_units_per_week=np.array([1500.0, 3500.0]),
        unit_cost_per_unit=rng.uniform(8.5, 9.5, N_BRANDS),
        offshore_landed_per_unit=rng.uniform(11.5, 12.5, N_BRANDS),
        brand_kind=KINDS,
        brand_lead_time_days=np.array([2.05, 10.0, 10.0, np.nan, np.nan]),
        production_lead_time_days=2.0,
        max_utilisation=0.85,
        holding_per_unit=0.04,
    )


def with_terms(pb: ShareProblem, seed: int) -> ShareProblem:
    """The instance with routings, overtime, pre-build and contracts (illustrative figures)."""
    rng = np.random.default_rng(seed + 1)
    hours_per_unit = rng.uniform(0.02, 0.08, (N_BRANDS, 3)) * np.array([1.0, 3.0, 1.0])
    return dataclasses.replace(
        pb,
        process_names=("print", "cut_and_sew", "finishing"),
        hours_per_unit=hours_per_unit,
        changeover_hours=rng.uniform(0.25, 1.5, (N_BRANDS, 3)),
        run_units=rng.uniform(100, 400, N_BRANDS),
        # regular hours per week at each level: about the unit capacity at a typical mix
        process_hours_per_week=np.array([[80.0, 240.0, 80.0], [180.0, 540.0, 180.0]]),
        flex_hours_per_week=np.array([[16.0, 48.0, 16.0], [36.0, 108.0, 36.0]]),
        flex_cost_per_hour=np.array([45.0, 35.0, 30.0]),
        shelf_life_seasons=np.array([0, 1, 1, 1, 1]),
        carry_cost_per_unit_season=rng.uniform(0.2, 0.6, N_BRANDS),
        reserved_hours_per_week=np.array([[0.0, 80.0, 0.0], [0.0, 120.0, 0.0]] + [[0.0, 0.0, 0.0]] * 3),
        backlog_cost_per_unit=np.array([25.0, np.nan, np.nan, np.nan, np.nan]),
    )


def scenarios(pb: ShareProblem, args: argparse.Namespace) -> None:
    """The SAA choice over candidate designs and each candidate's regret across the drawn scenarios."""
    f = draw_demand_factors(N_BRANDS, 4, args.scenarios, cv=args.cv, correlation=args.correlation, seed=args.seed)
    cpu0 = time.process_time()
    st = saa_design(pb, f, time_limit_s=args.time_limit, mip_gap=args.gap, rounds=args.mix_rounds)
    cpu = time.process_time() - cpu0
    prio = [b for b in range(N_BRANDS) if KINDS[b] == "priority"]
    print(
        f"{args.scenarios} demand scenarios (CV {args.cv:g}, correlation {args.correlation:g}); "
        f"{len(st.names)} candidate designs; mean of scenario optima {st.wait_and_see_per_yr:,.0f} per year"
    )
    print(
        f"proven gaps: mean-demand design {100 * st.gap[0]:.3f}%, scenario optima up to {100 * st.gap[1:].max():.3f}% "
        f"(limit {args.time_limit:g} s a solve)"
    )
    print(
        f"design time (every round of a mix): mean-demand {st.design_s[0]:.1f} s, scenario optima "
        f"{st.design_s[1:].min():.1f}-{st.design_s[1:].max():.1f} s wall; SAA {cpu:.0f} s of CPU in all"
    )
    if args.sla_caps:
        served = np.isfinite(st.excess)
        worst = float(np.max(st.excess[served])) if served.any() else float("nan")
        print(
            f"SLA caps of each operation's own class mix: held in {int((st.excess[served] <= 1e-6).sum())} of "
            f"{int(served.sum())} served candidate-scenarios (largest excess {worst:+.2e} of a level's hours)"
        )
    head = "  ".join(f"SLA {pb.brand_names[b]}" for b in prio)
    cols = ("mean cost", "mean regret", "p90 regret", "max regret")
    print(f"{'design':8s} {'sites':>5s} " + " ".join(f"{c:>12s}" for c in cols) + f"  {head}")
    for c, name in enumerate(st.names):
        r = st.regret_per_yr[c]
        sla = "  ".join(f"{100 * st.sla_met[c, b]:9.0f}%" for b in prio)
        mark = " <- SAA choice" if c == st.chosen else ""
        print(
            f"{name:8s} {int((st.levels[c] >= 0).sum()):5d} {st.mean_cost_per_yr[c]:12,.0f} {r.mean():12,.0f} "
            f"{np.quantile(r, 0.9) if np.isfinite(r).all() else np.inf:12,.0f} {r.max():12,.0f}  {sla}{mark}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--terms", action="store_true", help="machine-hours, overtime, pre-build and contracts")
    ap.add_argument(
        "--sla-caps", action="store_true", help="lane-class SLA rows in the design (80 h lines, demand CV 0.25)"
    )
    ap.add_argument(
        "--mix-rounds",
        type=int,
        default=None,
        help="with --sla-caps: re-solves with the caps of the design's own class mix (default: the worst case only; "
        "also for each design and operation of --scenarios)",
    )
    ap.add_argument(
        "--runs-in-design",
        action="store_true",
        help="with --sla-caps: the runs a week the caps assume are paid for in the design (share.runs_in_design)",
    )
    ap.add_argument("--shared-only", action="store_true", help="skip each brand alone")
    ap.add_argument("--scenarios", type=int, default=0, help="demand scenarios: SAA choice and regret table")
    ap.add_argument("--cv", type=float, default=0.25, help="CV of each brand's season demand factor")
    ap.add_argument("--correlation", type=float, default=0.5, help="correlation between brands' factors")
    args = ap.parse_args()
    t0 = time.perf_counter()
    pb = problem(args.seed)
    if args.terms:
        pb = with_terms(pb, args.seed)
    if args.sla_caps:
        pb = dataclasses.replace(
            pb,
            line_hours_per_week=80.0,
            run_min_units=50.0,
            demand_cv=np.full(N_BRANDS, DEFAULT_DEMAND_CV),
            runs_in_design=bool(args.runs_in_design),
        )
    print(
        f"instance: {N_SITES} sites x {N_STORES} stores x {N_BRANDS} brands x 4 seasons"
        f"{' + hours, overtime, pre-build, contracts' if args.terms else ''}"
        f"{' + SLA caps in the design' if args.sla_caps else ''} "
        f"(built in {time.perf_counter() - t0:.1f} s; seed {args.seed}; money per year)"
    )
    if args.scenarios:
        scenarios(pb, args)
        print(f"total time: {time.perf_counter() - t0:.1f} s")
        return
    if args.sla_caps and args.mix_rounds is not None and args.mix_rounds >= 0:
        shared, rounds = design_with_mix_caps(
            pb, rounds=args.mix_rounds, time_limit_s=args.time_limit, mip_gap=args.gap
        )
        for r in rounds:
            print(
                f"  mix round {r.round}: {r.total_per_yr:14,.0f}  excess over its own mix's caps {r.excess:+.4f} "
                f"({'holds' if r.consistent else 'fails'})"
            )
    else:
        shared = design_network(pb, time_limit_s=args.time_limit, mip_gap=args.gap)
    print(
        f"shared network : {shared.total_per_yr:14,.0f}  sites {len(shared.open_sites):2d}  "
        f"time {shared.runtime_s:6.1f} s  gap {100 * shared.gap:.3f}%  ({shared.status}; warm start "
        f"{shared.warm_start_cost:,.0f})"
    )
    parts = ", ".join(f"{k} {v:,.0f}" for k, v in shared.cost_per_yr.items() if k != "total")
    print(f"  cost parts per year: {parts}")
    if args.terms:
        carried = shared.carried_units_per_yr.sum()
        flex = (shared.flex_hours_per_week.sum(axis=(0, 1)) * pb.season_weeks).sum()
        print(f"  pre-built units per year {carried:,.0f}; overtime hours per year {flex:,.0f}")
    if args.sla_caps:
        for b in range(N_BRANDS):
            mine = pb.store_brand == b
            dem = (pb.season_demand()[mine] * pb.season_weeks).sum()
            local = (shared.made_units_per_week[:, mine] * pb.season_weeks).sum()
            print(f"  {pb.brand_names[b]} ({KINDS[b]}): made locally {100 * local / dem:.1f}% of demand")
        sim = simulate_design(pb, shared, replications=5, seed=0, runs="made")
        for cls, rows in sim.groupby("lane_class"):
            print(
                f"  {cls}: simulated p95 with the runs the design makes {rows['pct_days'].min():.2f}-"
                f"{rows['pct_days'].max():.2f} d (SLA {rows['sla_days'].min():g} d), met in "
                f"{int(rows['sla_met'].sum())} of {len(rows)} site-process-seasons"
            )
    if args.shared_only:
        print(f"total time: {time.perf_counter() - t0:.1f} s")
        return
    alone_total, alone_bound = 0.0, 0.0
    for b in range(N_BRANDS):
        res = design_network(pb, [b], time_limit_s=args.time_limit, mip_gap=args.gap, start_levels=shared.level)
        alone_total += res.total_per_yr
        alone_bound += res.lower_bound
        print(
            f"{pb.brand_names[b]} alone ({KINDS[b]:8s}): {res.total_per_yr:12,.0f}  sites {len(res.open_sites):2d}  "
            f"time {res.runtime_s:6.1f} s  gap {100 * res.gap:.3f}%"
        )
    saved = alone_total - shared.total_per_yr
    # the saving is certain down to the bounds: alone costs at least their bounds, shared at most its cost
    saved_sure = alone_bound - shared.total_per_yr
    print(f"each brand alone: {alone_total:14,.0f}")
    print(
        f"saved by sharing: {saved:14,.0f}  ({100 * saved / alone_total:.2f}%); at least {saved_sure:,.0f} "
        f"({100 * saved_sure / alone_total:.2f}%) given the solver bounds"
    )
    print(f"total time: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
