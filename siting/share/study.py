"""A shared-network study: design, each brand alone and its shares, weekly plans and lead times per site."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.errors import InfeasibleError, InputError
from siting.share.contracts import Contract, brand_percentiles, contracts_table
from siting.share.design import DesignResult, design_network
from siting.share.hours import HOURS_COLUMNS, hours_table, site_units_per_week
from siting.share.inputs import ShareSettings, SiteCapacity
from siting.share.leadtimes import class_lead_times
from siting.share.mixcaps import design_with_mix_caps
from siting.share.orders import LineRules
from siting.share.problem import KINDS, ShareProblem
from siting.share.schedule import WeeklyPlan, plan_weeks
from siting.share.sequence import cycle_changeover_hours, refuse_overloads, sequence_table, warn_overloads
from siting.share.service import DEFAULT_DEMAND_CV, backlog_rows, brand_orders, runs_for_slas, site_caps, site_service
from siting.share.sharing import EXACT_SHAPLEY_MAX, CostShares, share_costs
from siting.solve_threads import map_in_threads

log = logging.getLogger("siting")

#: Coalition solves stop on ``share.coalition_max_nodes`` (work, the same on any machine load); their
#: wall-clock limit is this many times ``share.time_limit_s``, a safety net that should never bind.
COALITION_TIME_FACTOR = 10.0

__all__ = ["ShareStudy", "run_share", "season_of_week", "BACKLOG_COLUMNS", "HOURS_COLUMNS"]

BACKLOG_COLUMNS = [
    "site_id",
    "brand",
    "season",
    "backlog_units_at_season_end",
    "late_unit_weeks",
    "unmade_units_per_yr",
    "backlog_cost_per_yr",
]


@dataclass(frozen=True)
class ShareStudy:
    """Everything ``siting share`` reports.

    Attributes
    ----------
    problem : ShareProblem
    design : DesignResult
        The shared network (all brands).
    shares : CostShares
    plans : dict
        site index -> WeeklyPlan (brands in ``plan_brands[site]`` order) over all weeks.
    plan_brands : dict
        site index -> brand indices of its plan.
    network, utilization, lead_times, brands : pandas.DataFrame
        The output tables (see docs/shared-networks.md).
    backlog : pandas.DataFrame
        Per site, brand and season: units left unmade, unit-weeks late, units never made and their cost.
    service : pandas.DataFrame
        The order-driven simulation's verdict per brand, lane class and site (with confidence intervals).
    contracts : pandas.DataFrame
        What each brand reserves, pays and is promised (:func:`siting.share.contracts.contracts_table`).
    hours : pandas.DataFrame
        Machine-hours per week per open site, process and season: used (or held for a reservation),
        regular hours at ``max_utilisation``, flexible hours and utilisation of the regular hours.
    scenarios : pandas.DataFrame
        With ``share.scenarios`` > 0: each candidate design's mean cost and regret over the demand
        scenarios and the SAA choice (:func:`siting.share.scenarios.regret_table`); else empty.
    sequence : pandas.DataFrame
        With a changeover matrix (``share.changeovers``): the exact cyclic changeover sequence per open
        site, process and season and whether its hours fit (:func:`siting.share.sequence.sequence_table`;
        a warning names each site and process that does not); else empty.
    peak_season : str
    timings_s : dict
    """

    problem: ShareProblem
    design: DesignResult
    shares: CostShares
    plans: dict[int, WeeklyPlan]
    plan_brands: dict[int, list[int]]
    network: pd.DataFrame
    utilization: pd.DataFrame
    lead_times: pd.DataFrame
    brands: pd.DataFrame
    peak_season: str
    backlog: pd.DataFrame = field(default_factory=pd.DataFrame)
    service: pd.DataFrame = field(default_factory=pd.DataFrame)
    contracts: pd.DataFrame = field(default_factory=pd.DataFrame)
    hours: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenarios: pd.DataFrame = field(default_factory=pd.DataFrame)
    sequence: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings_s: dict[str, float] = field(default_factory=dict)

    def coalitions(self) -> pd.DataFrame:
        """Each proper coalition's core slack (empty when Shapley was sampled)."""
        slack = self.shares.core_slack or {}
        return pd.DataFrame(
            [("+".join(self.problem.brand_names[b] for b in c), len(c), v) for c, v in slack.items()],
            columns=["coalition", "brands", "core_slack_per_yr"],
        )

    def summary(self) -> dict:
        """Headline figures (what summary.json holds)."""
        d, sh = self.design, self.shares
        alone_total = float(sh.alone.sum())
        return {
            "sites_opened": [self.problem.site_ids[i] for i in d.open_sites],
            "cost_per_yr": d.cost_per_yr,
            "solver": {
                "status": d.status,
                "lower_bound": d.lower_bound,
                "gap": d.gap,
                "runtime_s": d.runtime_s,
                "warm_start_cost": d.warm_start_cost,
                "stores": len(self.problem.store_ids),
                "store_groups": d.n_groups,
                "grouping_slack_per_yr": d.grouping_slack_per_yr,
                "grouping_note": "stores of one brand whose drive times and delivery costs from every eligible "
                "site agree within share.group_time_tolerance_s and share.group_cost_tolerance_per_unit are "
                "solved as one group (demand-weighted mean cost); costs and lead times here are each store's "
                "own; lower_bound and gap already allow for grouping_slack_per_yr, the most splitting could save",
            },
            "cost_all_brands_alone_per_yr": alone_total,
            "saving_per_yr": alone_total - d.total_per_yr,
            "saving_pct": 100.0 * (alone_total - d.total_per_yr) / alone_total if alone_total > 0 else 0.0,
            "shapley_exact": sh.exact,
            "shapley_in_core": sh.in_core,
            "allocation_rule": sh.rule,
            "core_slack_min_per_yr": min(sh.core_slack.values()) if sh.core_slack else None,
            "core_slack_note": "slack = a coalition's cost lower bound (solver bound) - its members' Shapley shares; "
            ">= 0 for every coalition means no group of brands would pay less on its own (coalitions.csv)",
            "peak_season": self.peak_season,
            "scenarios": (
                None
                if self.scenarios.empty
                else {
                    "saa_choice": str(self.scenarios.loc[self.scenarios["saa_choice"], "design"].iloc[0]),
                    "note": "scenarios.csv: each candidate design's mean cost and regret per year over the "
                    "demand scenarios (SAA over candidate designs, not the two-stage extensive form)",
                }
            ),
            "peak_utilization": {
                str(s): float(u) for s, u in self.utilization.groupby("site_id")["utilization"].max().items()
            },
            "money_frame": "per year; production, delivery and offshore in the stores' demand volume",
            "backlog": {
                "unmade_units_per_yr": float(self.backlog["unmade_units_per_yr"].sum()) if len(self.backlog) else 0.0,
                "cost_per_yr": float(self.backlog["backlog_cost_per_yr"].sum()) if len(self.backlog) else 0.0,
                "note": "units the weekly plans leave unmade at the year's end, costed as covered offshore "
                "(offshore landed - local unit cost, per unit); not in cost_per_yr, which the shares split",
            },
            "lead_time_note": (
                "mean_days_analytic = Cobham's M/G/1 non-preemptive priority formula on the peak weeks' runs "
                "(the quick analytic figure, Poisson arrivals, no wait for the next run); pct_days_analytic = "
                "the Kingman-Cobham approximation at the contract percentile incl. the wait for the next run; "
                "*_simulated = the order-driven simulation (random orders with weekly demand noise, weekly "
                "re-planning, replications with 95% confidence intervals), which judges sla_met"
            ),
        }


def season_of_week(season_weeks: np.ndarray) -> np.ndarray:
    """Season index of each week of the planning year (seasons laid end to end)."""
    return np.repeat(np.arange(len(season_weeks)), np.asarray(season_weeks, dtype=int))


def _design(pb: ShareProblem, brands: Sequence[int] | None, rounds: int, **options) -> DesignResult:
    """The design of ``brands``: with SLA rows (``line_hours_per_week``), the first that holds the caps of its
    own class mix within ``rounds`` solves, else the worst case over mixes
    (:func:`siting.share.mixcaps.design_with_mix_caps`); else one plain solve."""
    if pb.line_hours_per_week is None:
        return design_network(pb, brands, **options)
    return design_with_mix_caps(pb, brands, rounds=rounds, **options)[0]


def _coalition_cost(
    pb: ShareProblem, settings: ShareSettings, full: DesignResult, threads: int | None = None
) -> tuple[Callable[[frozenset[int]], float], Callable[[frozenset[int]], float]]:
    """Each coalition's best design cost and the solver's lower bound on it (one solve per coalition, stopped
    by ``settings.coalition_max_nodes`` branch-and-bound nodes rather than the wall clock, so the shares
    do not move with the machine's load).

    When the Shapley value is exact (at most :data:`siting.share.sharing.EXACT_SHAPLEY_MAX` brands) it
    and the core check need every coalition: they are solved first, side by side on
    :func:`siting.solve_threads.map_in_threads`' ``threads`` (each solve independent of the others, so
    the costs are those of one thread). Sampled orders ask for theirs one at a time.
    """
    n = len(pb.brand_names)
    everyone = frozenset(range(n))
    cache: dict[frozenset[int], tuple[float, float]] = {
        everyone: (full.total_per_yr, full.lower_bound),
        frozenset(): (0.0, 0.0),
    }

    def design_of(coalition: frozenset[int]) -> tuple[float, float]:
        res = _design(
            pb,
            sorted(coalition),
            settings.sla_mix_rounds,
            time_limit_s=settings.time_limit_s * COALITION_TIME_FACTOR,
            max_nodes=settings.coalition_max_nodes,
            mip_gap=settings.mip_gap,
            start_levels=full.level,
            group_time_tolerance_s=settings.group_time_tolerance_s,
            group_cost_tolerance_per_unit=settings.group_cost_tolerance_per_unit,
        )
        return res.total_per_yr, res.lower_bound if np.isfinite(res.lower_bound) else 0.0

    if n <= EXACT_SHAPLEY_MAX:
        # the largest first: their solves take longest, so the threads finish together
        every = [frozenset(c) for size in range(n - 1, 0, -1) for c in itertools.combinations(range(n), size)]
        cache.update(zip(every, map_in_threads(design_of, every, threads), strict=True))

    def solve(coalition: frozenset[int]) -> tuple[float, float]:
        if coalition not in cache:
            cache[coalition] = design_of(coalition)
        return cache[coalition]

    return (lambda c: solve(c)[0]), (lambda c: solve(c)[1])


def run_share(
    problem: ShareProblem,
    capacity: SiteCapacity,
    settings: ShareSettings,
    *,
    lane_names: dict[str, str] | None = None,
    seed: int = 0,
    demand_cv: dict[str, float] | None = None,
    sla_percentile: float = 95.0,
    replications: int = 10,
    backlog: str = "cost",
    contracts: Sequence[Contract] = (),
) -> ShareStudy:
    """Design the shared network, split its cost, plan each open site's weeks and measure lead times.

    Parameters
    ----------
    problem : ShareProblem
    capacity : SiteCapacity
        Hours per week, changeover and run limits of the sites.
    settings : ShareSettings
    lane_names : dict, optional
        Kind ("priority", ...) -> lane class name shown in lead_times.csv (default the kind).
    seed : int
        Seed of the simulation and of Shapley sampling.
    demand_cv : dict, optional
        Brand name -> week-to-week coefficient of variation of its demand (default
        :data:`siting.share.service.DEFAULT_DEMAND_CV` for every brand).
    sla_percentile : float
        The percentile at which lane-class SLAs are promised (caps and ``sla_met``); a contract's own
        ``sla_percentile`` wins for its brand (a lane class is judged at its strictest brand's).
    replications : int
        Independent simulated years per site (the confidence intervals come from their spread).
    backlog : {"cost", "refuse"}
        Demand a capped weekly plan cannot make: costed and reported (``backlog`` table), or the run
        is refused naming the brand, season and site. The design's own backlog (demand of a brand
        with a contract penalty left unmade) is treated alike.
    contracts : sequence of Contract
        The brands' contracts (``[[contracts]]``), reported in ``contracts``.

    Returns
    -------
    ShareStudy
    """
    if backlog not in ("cost", "refuse"):
        raise InputError(f"run_share: backlog must be 'cost' or 'refuse', got {backlog!r}.")
    if not 50.0 <= sla_percentile < 100.0 or replications < 2:
        raise InputError("run_share: sla_percentile in [50, 100) and replications >= 2.")
    bad_cv = {k: v for k, v in (demand_cv or {}).items() if not (np.isfinite(v) and 0 <= v <= 3)}
    if bad_cv:
        raise InputError(f"run_share: demand_cv must be finite in [0, 3]; got {bad_cv}.")
    timings: dict[str, float] = {}
    pb = problem
    brand_pct = brand_percentiles(problem.brand_names, contracts, sla_percentile)
    if settings.sla_caps_in_design:
        pb = dataclasses.replace(
            problem,
            line_hours_per_week=capacity.hours_per_week,
            run_min_units=float(capacity.run_min_units),
            demand_cv=np.array([(demand_cv or {}).get(n, DEFAULT_DEMAND_CV) for n in problem.brand_names]),
            sla_percentile=brand_pct,
            runs_in_design=bool(settings.runs_in_design),
        )
    t0 = time.perf_counter()
    design = _design(
        pb,
        None,
        settings.sla_mix_rounds,
        time_limit_s=settings.time_limit_s,
        mip_gap=settings.mip_gap,
        group_time_tolerance_s=settings.group_time_tolerance_s,
        group_cost_tolerance_per_unit=settings.group_cost_tolerance_per_unit,
    )
    timings["design_s"] = time.perf_counter() - t0
    scenario_table = pd.DataFrame()
    if settings.scenarios > 0:
        t0 = time.perf_counter()
        scenario_table = _scenario_table(pb, settings)
        timings["scenarios_s"] = time.perf_counter() - t0
    if backlog == "refuse":
        _refuse_design_backlog(pb, design)
    sequence = sequence_table(pb, design)  # the exact changeover cycle of every open site, process and season
    if settings.sequence_overrun == "refuse":
        refuse_overloads(sequence)
    log.info(
        "shared network: %d sites open, %.0f per year (gap %.2g)",
        len(design.open_sites),
        design.total_per_yr,
        design.gap,
    )
    t0 = time.perf_counter()
    weeks = np.asarray(pb.season_weeks, dtype=float)
    nb = len(pb.brand_names)
    brand_of = np.asarray(pb.store_brand)
    local = np.array([(design.flow_units_per_week[:, brand_of == b].sum(axis=(0, 1)) * weeks).sum() for b in range(nb)])
    direct = _direct_costs(pb, design)
    use = local if local.sum() > 0 else np.array([(pb.season_demand()[brand_of == b] * weeks).sum() for b in range(nb)])
    cost_of, bound_of = _coalition_cost(pb, settings, design)
    shares = share_costs(
        nb,
        cost_of,
        use,
        direct_costs=direct,
        samples=settings.shapley_samples,
        seed=seed,
        lower_bound=bound_of,
    )
    timings["sharing_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    week_season = season_of_week(pb.season_weeks)
    season_total = (pb.season_demand()).sum(axis=0)
    peak = int(np.argmax(season_total))
    peak_weeks = np.flatnonzero(week_season == peak)
    rank = np.array([KINDS.index(k) for k in pb.brand_kind])
    plans, plan_brands, util_rows, lead_rows, net_rows = {}, {}, [], [], []
    service_tables: list[pd.DataFrame] = []
    backlog_all: list[dict] = []
    cv_of = dict(demand_cv or {})
    names = lane_names or {}
    for i in design.open_sites:
        flows = design.flow_units_per_week[i]  # (m, T) by the season sold
        made_i = design.made_units_per_week[i]  # (m, T) by the season made (pre-build included)
        by_brand = np.array([made_i[brand_of == b].sum(axis=0) for b in range(nb)])  # (B, T)
        served = [b for b in range(nb) if by_brand[b].sum() > 1e-9]
        level_cap = site_units_per_week(pb, design, int(i), by_brand)
        site = pb.site_ids[i]
        minutes_per_unit = capacity.hours_per_week * 60.0 / level_cap

        proc_min = _process_minutes(pb, design, int(i), served)

        def plan_at(
            cap: float,
            min_runs=None,
            served=served,
            by_brand=by_brand,
            mpu=minutes_per_unit,
            site=site,
            proc_min=proc_min,
        ) -> WeeklyPlan:
            try:
                return plan_weeks(
                    by_brand[served][:, week_season],
                    rank[served],
                    hours_per_week=capacity.hours_per_week,
                    minutes_per_unit=mpu,
                    changeover_min=capacity.changeover_min,
                    run_min_units=capacity.run_min_units,
                    run_max_units=capacity.run_max_units,
                    rule=settings.priority_rule,
                    reserved_share=settings.reserved_share,
                    holding_per_unit_week=settings.holding_cost_per_unit_week,
                    max_utilisation=cap,
                    min_runs_per_week=min_runs,
                    process_minutes=proc_min,
                )
            except InfeasibleError as exc:
                prio = ", ".join(repr(pb.brand_names[b]) for b in served if rank[b] == 0)
                raise InfeasibleError(f"site {site!r}, priority brand(s) {prio}: {exc}") from None

        drive_days = []
        for b in served:
            f = flows[brand_of == b].sum(axis=1)
            t_s = np.asarray(pb.delivery_time_s)[i, brand_of == b]
            drive_days.append(float((np.where(f > 0, t_s, 0.0) * f).sum() / f.sum() / 86400.0) if f.sum() > 0 else 0.0)
        names_b = [pb.brand_names[b] for b in served]
        cvs = [cv_of.get(n, DEFAULT_DEMAND_CV) for n in names_b]
        slas = [float(pb.brand_lead_time_days[b]) if pb.brand_kind[b] != "overflow" else np.nan for b in served]
        weekly = by_brand[served][:, week_season]
        line = LineRules(
            capacity.hours_per_week,
            minutes_per_unit,
            capacity.changeover_min,
            float(capacity.run_max_units),
            1.0,
            settings.priority_rule,
            settings.reserved_share,
        )
        plan = plan_at(1.0)
        orders = brand_orders(weekly, plan, names_b, rank[served], cvs, drive_days, slas)
        min_runs = runs_for_slas(
            orders, line, peak_weeks, float(max(brand_pct[b] for b in served)), capacity.run_min_units
        )
        if min_runs.any():
            plan = plan_at(1.0, min_runs)
            orders = brand_orders(weekly, plan, names_b, rank[served], cvs, drive_days, slas)
        site_pct = float(max(brand_pct[b] for b in served))  # the strictest contract served here
        caps, cap, pct_days = site_caps(orders, line, peak_weeks, site_pct)
        if cap < 1.0:
            plan = plan_at(cap, min_runs)
            orders = brand_orders(weekly, plan, names_b, rank[served], cvs, drive_days, slas)
        # the plan (expected demand) stays under the cap; re-planning on actual orders may use the week's
        # hours: the cap is the headroom that absorbs the noise
        svc = site_service(
            site,
            orders,
            line,
            caps,
            pct_days,
            lane_names=names,
            percentile=sla_percentile,
            replications=replications,
            seed=seed + int(i),
            brand_percentiles=[float(brand_pct[b]) for b in served],
        )
        service_tables.append(svc.table)
        extra = [float(pb.offshore_landed_per_unit[b] - pb.unit_cost_per_unit[b]) for b in served]
        backlog_all += backlog_rows(
            site, plan, names_b, pb.season_names, week_season, extra, refuse=backlog == "refuse"
        )
        plans[int(i)], plan_brands[int(i)] = plan, served
        util_rows += [(site, w + 1, float(u)) for w, u in enumerate(plan.utilisation)]
        delivery = {}
        for k in range(3):
            mask = rank[brand_of] == k
            f = flows[mask, peak] if flows[mask, peak].sum() > 0 else flows[mask].sum(axis=1)
            if f.sum() > 0:
                drive_s = np.where(f > 0, np.asarray(pb.delivery_time_s)[i, mask], 0.0)  # unreachable stores get 0
                delivery[k] = float((drive_s * f).sum() / f.sum() / 86400.0)
        lt = class_lead_times(
            plan,
            rank[served],
            delivery,
            peak_weeks,
            hours_per_week=capacity.hours_per_week,
            sim_weeks=settings.sim_weeks,
            seed=seed + int(i),
        )
        judged = svc.table[svc.table["level"] == "lane_class"].set_index("key")
        for j, k in enumerate(lt.rank):
            kind = KINDS[k]
            name = names.get(kind, kind)
            row = judged.loc[name]
            lead_rows.append(
                (
                    site,
                    name,
                    float(lt.mean_days_analytic[j]),
                    float(pct_days[k]),
                    float(row["mean_days"]),
                    float(row["mean_days_ci"]),
                    float(row["p95_days"]),
                    float(row["p95_days_ci"]),
                    float(row["p99_days"]),
                    float(row["p99_days_ci"]),
                    float(row["fill_rate"]),
                    float(row["on_time_rate"]),
                    float(row["on_time_rate_ci"]),
                    float(row["percentile"]),
                    float(row["sla_days"]),
                    bool(row["sla_met"]),
                    float(caps[k]),
                )
            )
        lvl = design.level[i]
        site_units = flows.sum(axis=0)
        net_rows.append(
            {
                "site_id": site,
                "level": int(lvl),
                "capacity_units_per_week": level_cap,
                "brands_served": ";".join(pb.brand_names[b] for b in served),
                "shared": len(served) > 1,
                "units_per_yr": float((site_units * weeks).sum()),
                "rent_per_yr": float(pb.rent_per_yr[i, lvl]),
                "setup_per_yr": float(pb.setup_per_yr[i, lvl]),
                "production_per_yr": float((flows * weeks).sum(axis=1) @ np.asarray(pb.unit_cost_per_unit)[brand_of]),
                "delivery_per_yr": float(
                    ((flows * weeks).sum(axis=1) * np.asarray(pb.delivery_cost_per_unit)[i]).sum()
                ),
                "inventory_per_yr": float((site_units * weeks).sum() * pb.holding_per_unit),
                "peak_utilization": float(plan.utilisation.max()),
                "utilisation_cap": cap,
                "unmade_units_per_yr": float(plan.backlog_units[:, -1].sum()),
                "solver_gap": design.gap,
                "solver_status": design.status,
            }
        )
    timings["plans_and_lead_times_s"] = time.perf_counter() - t0
    brands = pd.DataFrame(
        {
            "brand": list(pb.brand_names),
            "cost_alone": shares.alone,
            "cost_shared_proportional": shares.proportional,
            "cost_shared_shapley": shares.shapley,
            "better_off_alone": shares.better_off_alone,
            "lane_class": [names.get(k, k) for k in pb.brand_kind],
            "saving_shapley": shares.alone - shares.shapley,
            "saving_shapley_pct": 100.0 * (shares.alone - shares.shapley) / np.where(shares.alone > 0, shares.alone, 1),
            "shapley_se": shares.shapley_se if shares.shapley_se is not None else np.zeros(nb),
            "cost_shared_recommended": shares.recommended if shares.recommended is not None else shares.shapley,
        }
    )
    backlog_table = pd.DataFrame(backlog_all, columns=BACKLOG_COLUMNS)
    per_brand = backlog_table.groupby("brand")[["unmade_units_per_yr", "backlog_cost_per_yr"]].sum()
    brands = brands.join(per_brand, on="brand").fillna({"unmade_units_per_yr": 0.0, "backlog_cost_per_yr": 0.0})
    lead_cols = [
        "site_id",
        "lane_class",
        "mean_days_analytic",
        "pct_days_analytic",
        "mean_days_simulated",
        "mean_days_ci",
        "p95_days_simulated",
        "p95_days_ci",
        "p99_days_simulated",
        "p99_days_ci",
        "fill_rate",
        "on_time_rate",
        "on_time_rate_ci",
        "percentile",
        "sla_days",
        "sla_met",
        "utilisation_cap",
    ]
    warn_overloads(sequence)
    contract_table = contracts_table(
        pb,
        design,
        contracts,
        pd.concat(service_tables, ignore_index=True) if service_tables else pd.DataFrame(),
        lane_names=names,
        percentile=sla_percentile,
    )
    return ShareStudy(
        problem=pb,
        design=design,
        shares=shares,
        plans=plans,
        plan_brands=plan_brands,
        network=pd.DataFrame(net_rows),
        utilization=pd.DataFrame(util_rows, columns=["site_id", "week", "utilization"]),
        lead_times=pd.DataFrame(lead_rows, columns=lead_cols),
        brands=brands,
        peak_season=pb.season_names[peak],
        backlog=backlog_table,
        service=pd.concat(service_tables, ignore_index=True) if service_tables else pd.DataFrame(),
        contracts=contract_table,
        hours=hours_table(pb, design),
        scenarios=scenario_table,
        sequence=sequence,
        timings_s=timings,
    )


def _process_minutes(pb: ShareProblem, design: DesignResult, i: int, served: Sequence[int]):
    """With ``[[routings]]``: machine-minutes per unit and per run of the served brands on each process and
    each process's machine-minutes a week at site ``i``'s level (regular + flexible hours), for the
    weekly plan (changeovers of the exact cycle where ``share.changeovers`` gives a matrix); None without
    routings (one line in units, as before)."""
    if pb.process_names == ("any",):
        return None
    lvl = design.level[i]
    week = (np.asarray(pb.process_hours_per_week, dtype=float)[lvl] + np.asarray(pb.flex_hours_per_week)[lvl]) * 60.0
    used = week > 0
    rows = list(served)
    # with a changeover matrix the exact cheapest cycle's changeover per run (its busiest season), not the
    # design's lower bound
    co = cycle_changeover_hours(pb, design)[i].max(axis=-1)  # (B, P)
    return (
        np.asarray(pb.hours_per_unit, dtype=float)[rows][:, used] * 60.0,
        co[rows][:, used] * 60.0,
        week[used],
    )


def _scenario_table(pb: ShareProblem, settings: ShareSettings) -> pd.DataFrame:
    """SAA over ``settings.scenarios`` seeded demand draws: the regret table (``scenarios.csv``)."""
    from siting.share.scenarios import draw_demand_factors, regret_table, saa_design

    try:
        factors = draw_demand_factors(
            len(pb.brand_names),
            len(pb.season_names),
            settings.scenarios,
            cv=settings.scenario_cv,
            correlation=settings.season_correlation,
            seed=settings.scenario_seed,
        )
    except InputError as exc:
        raise InputError(f"share.scenario_cv / share.season_correlation: {exc}") from None
    study = saa_design(
        pb, factors, time_limit_s=settings.time_limit_s, mip_gap=settings.mip_gap, rounds=settings.sla_mix_rounds
    )
    log.info(
        "%d demand scenarios: %d candidate designs, SAA chose %r",
        settings.scenarios,
        len(study.names),
        study.names[study.chosen],
    )
    return regret_table(pb, study)


def _refuse_design_backlog(pb: ShareProblem, design: DesignResult, tolerance_units: float = 0.5) -> None:
    """Raise naming the brand, season and nearest eligible site of the first demand the design leaves unmade."""
    weeks = np.asarray(pb.season_weeks, dtype=float)
    unmade = design.backlog_units_per_week * weeks  # (m, T) units per year
    for b, name in enumerate(pb.brand_names):
        mine = np.asarray(pb.store_brand) == b
        for t, season in enumerate(pb.season_names):
            units = float(unmade[mine, t].sum())
            if units > tolerance_units:
                j = int(np.flatnonzero(mine)[np.argmax(unmade[mine, t])])
                ok = pb.eligible([b])[:, j]
                near = int(np.argmin(np.where(ok, np.asarray(pb.delivery_time_s)[:, j], np.inf)))
                raise InfeasibleError(
                    f"the design leaves {units:,.0f} units of brand {name!r} unmade in season {season!r} (e.g. at "
                    f"site {pb.site_ids[near]!r}, the nearest within its SLA): the reservations and hours cannot "
                    "make them; raise the capacity levels or hours, add flexible hours, or accept backlog "
                    "(--backlog cost)."
                )


def _direct_costs(pb: ShareProblem, design: DesignResult) -> np.ndarray:
    """Production, delivery, stock, carry-over, offshore and backlog cost each brand causes (per year)."""
    weeks = np.asarray(pb.season_weeks, dtype=float)
    brand_of = np.asarray(pb.store_brand)
    out = np.zeros(len(pb.brand_names))
    for b in range(len(pb.brand_names)):
        f = design.flow_units_per_week[:, brand_of == b] * weeks  # (n, mb, T)
        units = f.sum()
        out[b] = (
            units * (pb.unit_cost_per_unit[b] + pb.holding_per_unit)
            + (f.sum(axis=2) * np.asarray(pb.delivery_cost_per_unit)[:, brand_of == b]).sum()
            + (design.offshore_units_per_week[brand_of == b] * weeks).sum() * pb.offshore_landed_per_unit[b]
            + (design.backlog_units_per_week[brand_of == b] * weeks).sum()
            * np.nan_to_num(np.asarray(pb.backlog_cost_per_unit)[b])
            + float(design.carry_cost_by_brand_per_yr[b])
        )
    return out
