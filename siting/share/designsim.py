"""The order-driven simulation of a design as its SLA caps model it: one line per site, process and season."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.share.design import DesignResult
from siting.share.judge import judge_table
from siting.share.orders import BrandOrders, LineRules, simulate_orders
from siting.share.problem import KINDS, ShareProblem
from siting.share.runcount import design_run_units
from siting.share.sequence import cycle_changeover_hours

__all__ = ["DESIGN_SIM_COLUMNS", "simulate_design"]

DESIGN_SIM_COLUMNS = [
    "site_id",
    "process",
    "season",
    "lane_class",
    "utilisation",
    "percentile",
    "sla_days",
    "pct_days",
    "pct_days_ci",
    "on_time_rate",
    "on_time_rate_ci",
    "sla_met",
]


def simulate_design(
    problem: ShareProblem,
    design: DesignResult,
    *,
    replications: int = 10,
    seed: int = 0,
    weeks: int = 52,
    runs: str = "catchment",
) -> pd.DataFrame:
    """Simulate every open site, process and season of ``design`` order by order and judge each lane class.

    Each (site, process, season) is the line of :func:`siting.share.slacaps.design_caps`:
    ``line_hours_per_week`` clock hours a week, a machine-hour of the level's process taking
    ``line_hours_per_week / H_{l,p}`` clock hours; each brand's own minutes per unit and changeover
    (its routing; with a changeover matrix the exact cheapest cycle's,
    :func:`siting.share.sequence.cycle_changeover_hours`, not the design's lower bound); the
    season's made units every week (:func:`siting.share.orders.simulate_orders`: gamma weekly
    demand with the brand's ``demand_cv``, runs released on a fixed cycle of
    ``max(1, catchment / run_units)`` a week, the run count the caps assume; priority first; no
    weekly cap, the queue alone) over ``weeks`` weeks after a warm-up year, ``replications`` times.
    Lead time = next-run wait + queue + run + the brand's flow-weighted drive from the site.

    Parameters
    ----------
    problem : ShareProblem
        With ``line_hours_per_week`` set.
    design : DesignResult
    replications : int
        Independent simulated years (>= 2); the intervals come from their spread.
    seed : int
    weeks : int
        Weeks simulated per season (the season stationary).
    runs : {"catchment", "made"}
        Runs a week of a brand: ``max(1, catchment / run_units)`` as the caps assume (where the site makes
        less than its catchment, more changeovers than the design charged: the line may saturate), or
        ``max(1, runs_per_week)`` of the design, the runs whose changeovers it charged: ``made / run_units``,
        or with ``runs_in_design`` the catchment's count wherever a brand with an SLA is made.

    Returns
    -------
    pandas.DataFrame
        :data:`DESIGN_SIM_COLUMNS`, one row per site, process, season and lane class with an SLA:
        the simulated lead time at the class's strictest contract percentile (days) with the half-width
        of its 95% interval, the on-time rate with its interval, and ``sla_met`` when the interval's
        upper end of that percentile is within the SLA.
    """
    pb = problem
    if pb.line_hours_per_week is None:
        raise InputError("simulate_design: the problem needs line_hours_per_week (the caps' line).")
    if runs not in ("catchment", "made"):
        raise InputError(f"simulate_design: runs is 'catchment' or 'made', got {runs!r}.")
    if replications < 2 or weeks < 1:
        raise InputError("simulate_design: replications >= 2 and weeks >= 1.")
    hpw = float(pb.line_hours_per_week)
    rank = np.array([KINDS.index(k) for k in pb.brand_kind])
    brand_of = np.asarray(pb.store_brand)
    nb = len(pb.brand_names)
    made = design.made_units_per_week  # (n, m, T)
    flow = design.flow_units_per_week
    ok = pb.eligible(list(design.brands)).astype(float)  # (n, m)
    catch = np.stack([ok[:, brand_of == b] @ pb.season_demand()[brand_of == b] for b in range(nb)], axis=1)  # n,B,T
    hours = np.asarray(pb.process_hours_per_week, float)
    hpu = np.asarray(pb.hours_per_unit, float)
    cycle_co = cycle_changeover_hours(pb, design)  # (n, B, P, T): the exact cycle's, with a changeover matrix
    sla = np.asarray(pb.brand_lead_time_days, float)
    pct = np.asarray(pb.sla_percentile, float)
    cv = np.asarray(pb.demand_cv, float)
    run_u = design_run_units(pb)
    made_runs = design.runs_per_week  # the runs whose changeovers the design pays (n, B, T)
    if np.size(made_runs) == 0:  # a design from before the runs were recorded
        made_runs = np.stack([made[:, brand_of == b].sum(axis=1) for b in range(nb)], axis=1) / run_u[None, :, None]
    rows = []
    for i in design.open_sites:
        lvl = int(design.level[i])
        drive = np.zeros(nb)
        for b in range(nb):
            f = flow[i][brand_of == b].sum(axis=1)
            if f.sum() > 0:
                t_s = np.where(f > 0, np.asarray(pb.delivery_time_s)[i, brand_of == b], 0.0)  # inf where unreachable
                drive[b] = float((f * t_s).sum() / f.sum()) / 86400.0
        for q, proc in enumerate(pb.process_names):
            if hours[lvl, q] <= 0:
                continue
            clock = hpw / hours[lvl, q]
            for t, season in enumerate(pb.season_names):
                units = np.array([made[i, brand_of == b, t].sum() for b in range(nb)])
                co = cycle_co[i, :, :, t]  # (B, P)
                on = [b for b in range(nb) if units[b] > 1e-9 and hpu[b, q] + co[b, q] > 0]
                if not on or not any(rank[b] < 2 and np.isfinite(sla[b]) for b in on):
                    continue
                basis = catch[i, :, t] / run_u if runs == "catchment" else made_runs[i, :, t]
                per_week = [max(float(basis[b]), 1.0) for b in on]
                orders = [
                    BrandOrders(
                        pb.brand_names[b],
                        int(rank[b]),
                        np.full(weeks, units[b]),
                        np.full(weeks, n),
                        float(cv[b]),
                        float(drive[b]),
                        float(sla[b]) if rank[b] < 2 else float("nan"),
                        minutes_per_unit=max(hpu[b, q] * clock * 60.0, 1e-9),
                        changeover_min=co[b, q] * clock * 60.0,
                    )
                    for b, n in zip(on, per_week, strict=True)
                ]
                line = LineRules(hpw, 1.0, 0.0, 1e12, np.inf)
                sim = simulate_orders(
                    orders, line, replications=replications, percentile=95.0, seed=seed + 1000 * int(i) + 10 * q + t
                )
                groups = []
                for k in (0, 1):
                    members = [j for j, b in enumerate(on) if rank[b] == k]
                    slas = [sla[on[j]] for j in members if np.isfinite(sla[on[j]])]
                    if members and slas:
                        p = max(pct[on[j]] for j in members)
                        groups.append(("lane_class", KINDS[k], pb.site_ids[i], members, min(slas), p))
                table = judge_table(sim, groups)
                for row in table.itertuples(index=False):
                    rows.append(
                        (
                            pb.site_ids[i],
                            proc,
                            season,
                            row.key,
                            float(sim.utilisation.mean()),
                            row.percentile,
                            row.sla_days,
                            row.contract_pct_days,
                            row.contract_pct_days_ci,
                            row.on_time_rate,
                            row.on_time_rate_ci,
                            bool(row.contract_pct_days + row.contract_pct_days_ci <= row.sla_days),
                        )
                    )
    return pd.DataFrame(rows, columns=DESIGN_SIM_COLUMNS)
