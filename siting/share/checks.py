"""Checks of the shared-network tables: finite numbers, ranges, sums and coverage, each naming its key."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from siting.config.schema import SchemaError

ShareSpec = Any  # siting.share.inputs.ShareSpec (not imported: that module imports this one)

__all__ = ["refuse_non_finite", "check_share_spec", "WEEKS_PER_YEAR"]

#: The seasons of a shared network cover one year: every per-year figure sums weeks x weekly flow.
WEEKS_PER_YEAR = 52


def refuse_non_finite(doc: Mapping[str, Any], tables: tuple[str, ...]) -> None:
    """Refuse ``nan`` and ``inf`` anywhere in the named tables of a TOML document.

    Parameters
    ----------
    doc : mapping
        The parsed TOML document.
    tables : tuple of str
        Top-level keys to walk (tables, arrays of tables, nested tables and arrays).

    Raises
    ------
    SchemaError
        At the first non-finite number, with its key path as written (``site_capacity.setup_cost[1]``).
    """

    def walk(value: Any, path: str) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            raise SchemaError(path, f"is {value}; give a finite number")
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    for key in tables:
        if key in doc:
            walk(doc[key], key)


def _at_least(path: str, value: float, low: float, *, strict: bool = False, fix: str = "", who: str = "") -> None:
    bad = value <= low if strict else value < low
    if bad:
        sign = ">" if strict else ">="
        raise SchemaError(path, f"{who}must be {sign} {low:g}, got {value:g}" + (f"; {fix}" if fix else ""))


def _unique(names: list[str], key: str, what: str) -> None:
    for i, name in enumerate(names):
        if not name.strip():
            raise SchemaError(f"{key}[{i}].name", f"{what} names must not be empty")
        if name in names[:i]:
            raise SchemaError(f"{key}[{i}].name", f"{name!r} appears twice; {what} names must be unique")


def _check_brands(spec: ShareSpec) -> None:
    classes = {c.name for c in spec.lane_classes}
    seasons = {s.name: s for s in spec.seasons}
    _unique([b.name for b in spec.brands], "brands", "brand")
    for i, b in enumerate(spec.brands):
        at = f"brands[{i}]"
        who = f"brand {b.name!r}: "
        if b.lane_class not in classes:
            raise SchemaError(
                f"{at}.lane_class",
                f"unknown lane class {b.lane_class!r} ({who.rstrip(': ')}); expected one of {', '.join(classes)}",
            )
        for key in ("unit_cost_per_unit", "offshore_landed_per_unit"):
            _at_least(f"{at}.{key}", getattr(b, key), 0.0, who=who)
        _at_least(
            f"{at}.demand_scale",
            b.demand_scale,
            0.0,
            strict=True,
            fix="a brand needs demand (remove it instead)",
            who=who,
        )
        unknown = sorted(set(b.season_multipliers) - set(seasons))
        if unknown:
            raise SchemaError(
                f"{at}.season_multipliers", f"{who}unknown season {unknown[0]!r}; seasons are {', '.join(seasons)}"
            )
        for name, value in b.season_multipliers.items():
            _at_least(f"{at}.season_multipliers.{name}", value, 0.0, who=who)
        if all(b.season_multipliers.get(s.name, s.multiplier) == 0 for s in spec.seasons):
            raise SchemaError(
                f"{at}.season_multipliers",
                f"{who}the brand's demand multiplier is 0 in every season, so it has no demand; remove the brand or "
                "give a season a multiplier above 0",
            )


def _check_seasons(spec: ShareSpec) -> None:
    _unique([s.name for s in spec.seasons], "seasons", "season")
    for i, s in enumerate(spec.seasons):
        _at_least(f"seasons[{i}].weeks", s.weeks, 1, who=f"season {s.name!r}: ")
        _at_least(f"seasons[{i}].multiplier", s.multiplier, 0.0, who=f"season {s.name!r}: ")
    total = sum(s.weeks for s in spec.seasons)
    if total != WEEKS_PER_YEAR:
        raise SchemaError(
            "seasons",
            f"the seasons' weeks add up to {total}, "
            f"{'fewer' if total < WEEKS_PER_YEAR else 'more'} than {WEEKS_PER_YEAR}: costs and savings are per year "
            f"(rent and set-up are yearly), so the seasons must cover the year; "
            + (
                f'add a season for the other {WEEKS_PER_YEAR - total} weeks (e.g. name = "rest", weeks = '
                f"{WEEKS_PER_YEAR - total})"
                if total < WEEKS_PER_YEAR
                else "shorten the seasons"
            ),
        )


def _check_lane_classes(spec: ShareSpec) -> None:
    _unique([c.name for c in spec.lane_classes], "lane_classes", "lane class")
    for i, c in enumerate(spec.lane_classes):
        at, who = f"lane_classes[{i}].lead_time_days", f"class {c.name!r}: "
        if c.kind == "priority" and c.lead_time_days is None:
            raise SchemaError(at, "a priority class needs its SLA in days (> 0)")
        if c.lead_time_days is not None:
            _at_least(at, c.lead_time_days, 0.0, strict=True, who=who)


def _check_capacity(spec: ShareSpec, names: list[str]) -> None:
    cap = spec.site_capacity
    n = len(cap.levels_units_per_week)
    if n == 0 or len(cap.floor_area_m2) != n or len(cap.setup_cost) != n:
        raise SchemaError(
            "site_capacity", "levels_units_per_week, floor_area_m2 and setup_cost need one value per level"
        )
    for key, strict in (("levels_units_per_week", True), ("floor_area_m2", True), ("setup_cost", False)):
        for j, value in enumerate(getattr(cap, key)):
            _at_least(f"site_capacity.{key}[{j}]", value, 0.0, strict=strict)
    _at_least(
        "site_capacity.amortisation_yrs",
        cap.amortisation_yrs,
        0.0,
        strict=True,
        fix="set-up costs are spread over this many years",
    )
    _at_least("site_capacity.hours_per_week", cap.hours_per_week, 0.0, strict=True)
    if cap.hours_per_week > 168:
        raise SchemaError("site_capacity.hours_per_week", f"a week has 168 hours, got {cap.hours_per_week:g}")
    _at_least("site_capacity.changeover_min", cap.changeover_min, 0.0)
    _at_least("site_capacity.production_lead_time_days", cap.production_lead_time_days, 0.0)
    _at_least("site_capacity.run_min_units", cap.run_min_units, 1)
    if cap.run_min_units > cap.run_max_units:
        raise SchemaError(
            "site_capacity.run_max_units",
            f"must be >= run_min_units ({cap.run_min_units}), got {cap.run_max_units}",
        )
    if not 0 < cap.max_utilisation <= 1:
        raise SchemaError("site_capacity.max_utilisation", f"must be in (0, 1], got {cap.max_utilisation:g}")
    for site, brand in cap.dedicated.items():
        if brand not in names:
            raise SchemaError(f"site_capacity.dedicated.{site}", f"unknown brand {brand!r}")


def _check_settings(spec: ShareSpec) -> None:
    st = spec.settings
    if not 0 <= st.reserved_share < 1:
        raise SchemaError("share.reserved_share", f"must be in [0, 1), got {st.reserved_share:g}")
    _at_least("share.delivery_cost_per_unit_km", st.delivery_cost_per_unit_km, 0.0)
    _at_least("share.holding_cost_per_unit_week", st.holding_cost_per_unit_week, 0.0)
    _at_least("share.time_limit_s", st.time_limit_s, 0.0, strict=True, fix="the design solve needs time to run")
    if not 0 <= st.mip_gap < 1:
        raise SchemaError("share.mip_gap", f"must be in [0, 1) (a share of the optimum), got {st.mip_gap:g}")
    _at_least("share.shapley_samples", st.shapley_samples, 1)
    _at_least("share.sim_weeks", st.sim_weeks, 1)
    _at_least("share.coalition_max_nodes", st.coalition_max_nodes, 1)
    _at_least("share.sla_mix_rounds", st.sla_mix_rounds, 0, fix="0 keeps the worst case over class mixes")
    if st.sla_mix_rounds > 20:
        raise SchemaError("share.sla_mix_rounds", f"must be at most 20 re-solves, got {st.sla_mix_rounds}")
    _at_least("share.scenarios", st.scenarios, 0, fix="0 runs no demand scenarios")
    _at_least("share.scenario_cv", st.scenario_cv, 0.0)
    _at_least("share.scenario_seed", st.scenario_seed, 0, fix="any whole number from 0 seeds the draws")
    if not -1 <= st.season_correlation <= 1:
        raise SchemaError("share.season_correlation", f"must be in [-1, 1], got {st.season_correlation:g}")
    _at_least("share.group_time_tolerance_s", st.group_time_tolerance_s, 0.0, fix="0 merges only identical stores")
    _at_least(
        "share.group_cost_tolerance_per_unit",
        st.group_cost_tolerance_per_unit,
        0.0,
        fix="0 merges only identical stores",
    )


def check_share_spec(spec: ShareSpec) -> None:
    """Check the ranges, sums and coverage of a shared-network spec.

    Parameters
    ----------
    spec : ShareSpec

    Raises
    ------
    SchemaError
        Naming the key path as written in the scenario, and the brand, season or class.
    """
    if not spec.brands:
        raise SchemaError("brands", "a shared network needs at least one brand ([[brands]] with a name)")
    _check_seasons(spec)
    _check_lane_classes(spec)
    _check_brands(spec)
    _check_capacity(spec, [b.name for b in spec.brands])
    _check_settings(spec)
