"""Routings (machine-hours per unit and process), flexible hours, pre-build and brand contracts of a shared network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.config.schema import SchemaError

__all__ = [
    "Routing",
    "Contract",
    "brand_percentiles",
    "check_terms",
    "problem_terms",
    "contracts_table",
    "CONTRACT_COLUMNS",
]

#: The process of the unit-capacity model: 1 hour per unit, ``levels_units_per_week`` hours per week.
UNIT_PROCESS = "any"


@dataclass(frozen=True)
class Routing:
    """One row of a brand's routing (``[[routings]]``).

    Attributes
    ----------
    brand : str
    process : str
        E.g. "print", "cut_and_sew", "cnc", "finishing"; its hours per week at each level are
        ``site_capacity.process_hours_per_week.<process>``.
    hours_per_unit : float
        Machine-hours per unit on this process.
    changeover_hours : float
        Hours lost before each run of the brand on this process.
    run_units : float, optional
        Units per run (default ``site_capacity.run_max_units``): the brand makes volume / run_units
        runs a week, so changeovers add ``changeover_hours / run_units`` hours per unit.
    """

    brand: str
    process: str
    hours_per_unit: float
    changeover_hours: float = 0.0
    run_units: float | None = None


@dataclass(frozen=True)
class Contract:
    """What a brand signs (``[[contracts]]``).

    Attributes
    ----------
    brand : str
    reserved_hours_per_week : mapping
        Process -> hours per week held for the brand in every season (take-or-pay); with no
        ``[[routings]]`` the one process is "any" (1 hour = 1 unit).
    reserved_rate_per_hour : float
        Paid per reserved hour, used or not (money per hour).
    spot_rate_per_hour : float
        Paid per hour used beyond the reservation (pay-per-use, money per hour).
    priority_fee_per_yr : float
        Price of the priority option (money per year); the lead time is promised at the run's
        SLA percentile (``--sla-percentile``).
    penalty_per_late_unit : float, optional
        Paid to the brand per unit delivered after the SLA, and the cost per unit of its demand the
        design leaves unmade (backlog); without it a priority brand's demand must be made.
    sla_percentile : float, optional
        Percentile at which the brand's lead time is promised, in [50, 100) (default the run's
        ``--sla-percentile``): its ``sla_met`` and promised lead time are judged there.
    """

    brand: str
    reserved_hours_per_week: Mapping[str, float] = field(default_factory=dict)
    reserved_rate_per_hour: float = 0.0
    spot_rate_per_hour: float = 0.0
    priority_fee_per_yr: float = 0.0
    penalty_per_late_unit: float | None = None
    sla_percentile: float | None = None


def _non_negative(path: str, value: float, who: str) -> None:
    if not np.isfinite(value) or value < 0:
        raise SchemaError(path, f"{who}must be a finite number >= 0, got {value:g}")


def processes_of(spec: Any) -> tuple[str, ...]:
    """The processes of a spec: its routings' in order of appearance, else ``("any",)``."""
    if not spec.routings:
        return (UNIT_PROCESS,)
    return tuple(dict.fromkeys(r.process for r in spec.routings))


def check_terms(spec: Any) -> None:
    """Check ``[[routings]]``, ``[[contracts]]``, the hours of ``[site_capacity]`` and the brands' pre-build keys.

    Raises
    ------
    SchemaError
        Naming the key path as written and the brand or process.
    """
    names = [b.name for b in spec.brands]
    procs = processes_of(spec)
    cap = spec.site_capacity
    levels = len(cap.levels_units_per_week)
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(spec.routings):
        at = f"routings[{i}]"
        if r.brand not in names:
            raise SchemaError(f"{at}.brand", f"unknown brand {r.brand!r}; brands are {', '.join(names)}")
        if not r.process.strip():
            raise SchemaError(f"{at}.process", "a process name must not be empty")
        if (r.brand, r.process) in seen:
            raise SchemaError(at, f"brand {r.brand!r} has process {r.process!r} twice; give one row per process")
        seen.add((r.brand, r.process))
        who = f"brand {r.brand!r}, process {r.process!r}: "
        _non_negative(f"{at}.hours_per_unit", r.hours_per_unit, who)
        _non_negative(f"{at}.changeover_hours", r.changeover_hours, who)
        if r.run_units is not None and not (np.isfinite(r.run_units) and r.run_units > 0):
            raise SchemaError(f"{at}.run_units", f"{who}must be a finite number > 0, got {r.run_units:g}")
    if spec.routings:
        for b in names:
            rows = [r for r in spec.routings if r.brand == b]
            if not rows:
                raise SchemaError("routings", f"brand {b!r} has no routing; add [[routings]] rows for it")
            if all(r.hours_per_unit == 0 for r in rows):
                raise SchemaError("routings", f"brand {b!r}: hours_per_unit is 0 on every process; a unit takes time")
    for key in ("process_hours_per_week", "flex_hours_per_week"):
        table = getattr(cap, key)
        for proc, hours in table.items():
            at = f"site_capacity.{key}.{proc}"
            if proc not in procs:
                raise SchemaError(at, f"unknown process {proc!r}; the processes of [[routings]] are {', '.join(procs)}")
            if len(hours) != levels:
                raise SchemaError(at, f"needs one value per capacity level ({levels}), got {len(hours)}")
            for j, h in enumerate(hours):
                _non_negative(f"{at}[{j}]", h, "")
                if h > 168 * 20:
                    raise SchemaError(f"{at}[{j}]", f"{h:g} hours a week is more than 20 machines around the clock")
    if spec.routings:
        missing = [p for p in procs if p not in cap.process_hours_per_week]
        if missing:
            raise SchemaError(
                "site_capacity.process_hours_per_week",
                f"process {missing[0]!r} of [[routings]] has no hours; add {missing[0]} = [...] (one per level)",
            )
    for proc, rate in cap.flex_cost_per_hour.items():
        if proc not in procs:
            raise SchemaError(f"site_capacity.flex_cost_per_hour.{proc}", f"unknown process {proc!r}")
        _non_negative(f"site_capacity.flex_cost_per_hour.{proc}", rate, "")
    for i, b in enumerate(spec.brands):
        who = f"brand {b.name!r}: "
        if not 0 <= b.shelf_life_seasons < len(spec.seasons):
            raise SchemaError(
                f"brands[{i}].shelf_life_seasons",
                f"{who}must be in [0, {len(spec.seasons) - 1}] (seasons in a year minus one), "
                f"got {b.shelf_life_seasons}",
            )
        _non_negative(f"brands[{i}].carry_cost_per_unit_season", b.carry_cost_per_unit_season, who)
    signed: set[str] = set()
    for i, c in enumerate(spec.contracts):
        at, who = f"contracts[{i}]", f"brand {c.brand!r}: "
        if c.brand not in names:
            raise SchemaError(f"{at}.brand", f"unknown brand {c.brand!r}; brands are {', '.join(names)}")
        if c.brand in signed:
            raise SchemaError(f"{at}.brand", f"brand {c.brand!r} has two contracts; give one [[contracts]] per brand")
        signed.add(c.brand)
        for proc, hours in c.reserved_hours_per_week.items():
            if proc not in procs:
                raise SchemaError(
                    f"{at}.reserved_hours_per_week.{proc}",
                    f"{who}unknown process {proc!r}; expected {', '.join(procs)}",
                )
            _non_negative(f"{at}.reserved_hours_per_week.{proc}", hours, who)
        for key in ("reserved_rate_per_hour", "spot_rate_per_hour", "priority_fee_per_yr"):
            _non_negative(f"{at}.{key}", getattr(c, key), who)
        if c.penalty_per_late_unit is not None:
            _non_negative(f"{at}.penalty_per_late_unit", c.penalty_per_late_unit, who)
        if c.sla_percentile is not None and not (np.isfinite(c.sla_percentile) and 50 <= c.sla_percentile < 100):
            raise SchemaError(f"{at}.sla_percentile", f"{who}must be in [50, 100), got {c.sla_percentile:g}")


def problem_terms(spec: Any) -> dict[str, Any]:
    """The :class:`~siting.share.problem.ShareProblem` keywords of a spec's routings, hours, pre-build and contracts.

    Routings and contracts of brands not in ``spec.brands`` (a spec edited in Python) are ignored.

    Returns
    -------
    dict
        ``process_names``, ``hours_per_unit``, ``changeover_hours``, ``run_units``,
        ``process_hours_per_week``, ``flex_hours_per_week``, ``flex_cost_per_hour``,
        ``shelf_life_seasons``, ``carry_cost_per_unit_season``, ``reserved_hours_per_week`` and
        ``backlog_cost_per_unit`` (NaN for a brand without a penalty).
    """
    names = [b.name for b in spec.brands]
    procs = processes_of(spec)
    cap = spec.site_capacity
    nb, npr, lv = len(names), len(procs), len(cap.levels_units_per_week)
    hpu, co = np.zeros((nb, npr)), np.zeros((nb, npr))
    runs = np.full(nb, float(cap.run_max_units))
    if not spec.routings:
        hpu[:] = 1.0
        hours = np.asarray(cap.levels_units_per_week, dtype=float)[:, None]
    else:
        for r in spec.routings:
            if r.brand not in names:
                continue  # a brand taken out of a spec in Python (a scenario file is checked: check_terms)
            b, q = names.index(r.brand), procs.index(r.process)
            hpu[b, q], co[b, q] = r.hours_per_unit, r.changeover_hours
            if r.run_units is not None:
                runs[b] = r.run_units
        hours = np.array([cap.process_hours_per_week[p] for p in procs], dtype=float).T
    flex = np.array([cap.flex_hours_per_week.get(p, (0.0,) * lv) for p in procs], dtype=float).T
    reserved = np.zeros((nb, npr))
    penalty = np.full(nb, np.nan)
    for c in spec.contracts:
        if c.brand not in names:
            continue  # the contract of a brand not in this network binds nothing
        b = names.index(c.brand)
        for p, h in c.reserved_hours_per_week.items():
            reserved[b, procs.index(p)] = h
        if c.penalty_per_late_unit is not None:
            penalty[b] = c.penalty_per_late_unit
    return {
        "process_names": procs,
        "hours_per_unit": hpu,
        "changeover_hours": co,
        "run_units": runs,
        "process_hours_per_week": hours,
        "flex_hours_per_week": flex,
        "flex_cost_per_hour": np.array([cap.flex_cost_per_hour.get(p, 0.0) for p in procs], dtype=float),
        "shelf_life_seasons": np.array([b.shelf_life_seasons for b in spec.brands], dtype=int),
        "carry_cost_per_unit_season": np.array([b.carry_cost_per_unit_season for b in spec.brands], dtype=float),
        "reserved_hours_per_week": reserved,
        "backlog_cost_per_unit": penalty,
    }


CONTRACT_COLUMNS = [
    "brand",
    "lane_class",
    "reserved_hours_per_week",
    "reserved_by_process",
    "reserved_rate_per_hour",
    "reserved_cost_per_yr",
    "hours_used_per_yr",
    "reserved_hours_idle_per_yr",
    "spot_hours_per_yr",
    "spot_rate_per_hour",
    "spot_cost_per_yr",
    "priority_fee_per_yr",
    "paid_per_yr",
    "sla_days",
    "sla_percentile",
    "p95_days_promised",
    "p95_days_promised_ci",
    "pct_days_promised",
    "on_time_rate",
    "late_units_per_yr",
    "penalty_per_late_unit",
    "penalty_per_yr",
    "unmade_units_per_yr",
    "backlog_cost_per_yr",
]


def contracts_table(
    problem: Any,
    design: Any,
    contracts: Sequence[Contract],
    service: pd.DataFrame,
    *,
    lane_names: Mapping[str, str] | None = None,
    percentile: float = 95.0,
) -> pd.DataFrame:
    """What each brand reserves, pays and is promised (``contracts.csv``); one row per brand.

    Hours are machine-hours of the brand's routing (changeovers included) per year, from the design
    (units made per season x hours per unit); reserved hours idle = reserved - used where the brand
    uses less than its reservation at a site; spot hours = used beyond it. The promise is the
    order-driven simulation's (the judge's) lead time of the brand at its worst site: its p95 and
    the contract percentile, with the 95% confidence half-width. Late units = units made x (1 - the
    simulated on-time rate) per site.

    Parameters
    ----------
    problem : ShareProblem
    design : DesignResult
    contracts : sequence of Contract
        Brands without a contract get zeros (no reservation, no fees, no penalty).
    service : pandas.DataFrame
        The judge's table (``ShareStudy.service``).
    lane_names : mapping, optional
        Kind -> lane class name.
    percentile : float
        The run's contract percentile (a contract's own ``sla_percentile`` wins).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CONTRACT_COLUMNS`; money per year unless the name says otherwise.
    """
    names = list(problem.brand_names)
    weeks = np.asarray(problem.season_weeks, dtype=float)
    brand_of = np.asarray(problem.store_brand)
    hpu = problem.hours_per_unit_all_in  # (B, P)
    held = design.reserved_hours_per_week  # (n, B, P)
    by_brand = {c.brand: c for c in contracts}
    svc = service[service["level"] == "brand"] if len(service) else service
    rows = []
    for b, name in enumerate(names):
        c = by_brand.get(name, Contract(name))
        made = design.made_units_per_week[:, brand_of == b].sum(axis=1)  # (n, T)
        load = made[:, None, :] * hpu[b][None, :, None]  # (n, P, T) hours per week
        res = held[:, b, :][:, :, None]
        used = float((load * weeks).sum())
        idle = float((np.maximum(res - load, 0.0) * weeks).sum())
        spot = float((np.maximum(load - res, 0.0) * weeks).sum())
        reserved = float(sum(c.reserved_hours_per_week.values()))
        reserved_cost = reserved * c.reserved_rate_per_hour * float(weeks.sum())
        mine = svc[svc["key"] == name] if len(svc) else svc
        units_at = {
            problem.site_ids[i]: float((made[i] * weeks).sum()) for i in range(problem.n_sites) if made[i].sum() > 0
        }
        late = sum(units_at.get(r.site_id, 0.0) * (1.0 - r.on_time_rate) for r in mine.itertuples())
        worst = mine.loc[mine["p95_days"].idxmax()] if len(mine) else None
        unmade = float((design.backlog_units_per_week[brand_of == b] * weeks).sum())
        penalty = c.penalty_per_late_unit or 0.0
        kind = problem.brand_kind[b]
        sla = float(problem.brand_lead_time_days[b])
        rows.append(
            {
                "brand": name,
                "lane_class": (lane_names or {}).get(kind, kind),
                "reserved_hours_per_week": reserved,
                "reserved_by_process": ";".join(f"{p}={h:g}" for p, h in c.reserved_hours_per_week.items()),
                "reserved_rate_per_hour": c.reserved_rate_per_hour,
                "reserved_cost_per_yr": reserved_cost,
                "hours_used_per_yr": used,
                "reserved_hours_idle_per_yr": idle,
                "spot_hours_per_yr": spot,
                "spot_rate_per_hour": c.spot_rate_per_hour,
                "spot_cost_per_yr": spot * c.spot_rate_per_hour,
                "priority_fee_per_yr": c.priority_fee_per_yr,
                "paid_per_yr": reserved_cost + spot * c.spot_rate_per_hour + c.priority_fee_per_yr,
                "sla_days": sla,
                "sla_percentile": float(c.sla_percentile if c.sla_percentile is not None else percentile),
                "p95_days_promised": float(worst["p95_days"]) if worst is not None else np.nan,
                "p95_days_promised_ci": float(worst["p95_days_ci"]) if worst is not None else np.nan,
                "pct_days_promised": float(mine["contract_pct_days"].max()) if len(mine) else np.nan,
                "on_time_rate": float(1.0 - late / sum(units_at.values())) if units_at else np.nan,
                "late_units_per_yr": float(late),
                "penalty_per_late_unit": penalty,
                "penalty_per_yr": float(late) * penalty if np.isfinite(sla) else 0.0,
                "unmade_units_per_yr": unmade,
                "backlog_cost_per_yr": unmade * penalty,
            }
        )
    return pd.DataFrame(rows, columns=CONTRACT_COLUMNS)


def brand_percentiles(brand_names: Sequence[str], contracts: Sequence[Contract], default: float) -> np.ndarray:
    """Each brand's contract percentile: its contract's ``sla_percentile``, else ``default``, shape (B,)."""
    own = {c.brand: c.sla_percentile for c in contracts if c.sla_percentile is not None}
    return np.array([float(own.get(n, default)) for n in brand_names])
