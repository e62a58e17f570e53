"""The shared-network tables of a scenario: brands, seasons, lane classes, site capacity and settings."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from siting.config.scenario import SHARE_TABLES
from siting.config.schema import SchemaError, table_fields, tomltype
from siting.errors import InputError
from siting.share.checks import check_share_spec, refuse_non_finite
from siting.share.contracts import Contract, Routing, check_terms

__all__ = [
    "Brand",
    "Season",
    "LaneClass",
    "SiteCapacity",
    "ShareSettings",
    "ShareSpec",
    "Routing",
    "Contract",
    "SHARE_TABLES",
    "parse_share",
    "load_share_scenario",
    "unit_costs_from_products",
]


@dataclass(frozen=True)
class Brand:
    """One brand of a shared network.

    Attributes
    ----------
    name : str
    lane_class : str
        Name of a lane class (``[[lane_classes]]``): its priority and lead-time contract.
    unit_cost_per_unit : float
        Local production cost per unit (money).
    offshore_landed_per_unit : float
        Landed cost per unit of offshore supply, paid for demand not made locally (money).
    stores : Path, optional
        The brand's own stores layer; without it, the stores of the city layers whose ``brand``
        column equals ``name``.
    demand_scale : float
        Multiplies the stores' ``demand_units_per_week``.
    season_multipliers : mapping
        Season name -> demand multiplier for this brand (missing seasons: the season's own).
    shelf_life_seasons : int
        Seasons a unit may wait in stock before it is sold (pre-build; 0 = made in the season sold).
    carry_cost_per_unit_season : float
        Holding cost of a unit carried into the next season (money per unit per season).
    """

    name: str
    lane_class: str = "standard"
    unit_cost_per_unit: float = 9.0
    offshore_landed_per_unit: float = 12.0
    stores: Path | None = None
    demand_scale: float = 1.0
    season_multipliers: Mapping[str, float] = field(default_factory=dict)
    shelf_life_seasons: int = 0
    carry_cost_per_unit_season: float = 0.0


@dataclass(frozen=True)
class Season:
    """A season: how many weeks it lasts and its demand multiplier for every brand."""

    name: str
    weeks: int
    multiplier: float = 1.0


@dataclass(frozen=True)
class LaneClass:
    """A lane class: ``priority`` (contracted SLA, hard), ``standard`` (target) or ``overflow`` (best effort).

    ``lead_time_days`` is the SLA of a priority class and the target of a standard one, from order
    to delivery (production lead time + delivery time).
    """

    name: str
    kind: Literal["priority", "standard", "overflow"] = "standard"
    lead_time_days: float | None = None


@dataclass(frozen=True)
class SiteCapacity:
    """Capacity levels and running rules of every candidate site.

    Attributes
    ----------
    levels_units_per_week : tuple of float
        Capacity of each level a site can be opened at (units per week).
    floor_area_m2 : tuple of float
        Floor area of each level; rent = the site's ``rent_per_m2_yr`` x area. A site opens only at
        levels whose area fits its ``floor_area_m2``.
    setup_cost : tuple of float
        One-off set-up cost of each level (money), amortised over ``amortisation_yrs``.
    amortisation_yrs : float
    hours_per_week : float
        Production hours per week (the capacity is made in these hours).
    changeover_min : float
        Changeover time before each production run (minutes).
    run_min_units, run_max_units : int
        Run size limits.
    max_utilisation : float
        Share of the capacity the design may plan on (the rest absorbs changeovers and queues).
    production_lead_time_days : float
        Order-to-dispatch time the design assumes when checking a priority SLA.
    dedicated : mapping
        site_id -> brand: a site that only this brand may use (others are shared).
    process_hours_per_week : mapping
        Process -> machine-hours per week at each level (one value per level); needed for every
        process of ``[[routings]]``. Without routings capacity is counted in units (process "any").
    flex_hours_per_week : mapping
        Process -> most overtime / temporary-shift hours per week at each level (default none).
    flex_cost_per_hour : mapping
        Process -> premium paid per flexible hour (money per hour).
    """

    levels_units_per_week: tuple[float, ...] = (1500.0, 3000.0)
    floor_area_m2: tuple[float, ...] = (300.0, 550.0)
    setup_cost: tuple[float, ...] = (40000.0, 65000.0)
    amortisation_yrs: float = 5.0
    hours_per_week: float = 80.0
    changeover_min: float = 30.0
    run_min_units: int = 50
    run_max_units: int = 500
    max_utilisation: float = 0.85
    production_lead_time_days: float = 2.0
    dedicated: Mapping[str, str] = field(default_factory=dict)
    process_hours_per_week: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    flex_hours_per_week: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    flex_cost_per_hour: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ShareSettings:
    """Settings of ``siting share``.

    Attributes
    ----------
    priority_rule : {"strict", "reserved"}
        Strict priority in the weekly plan, or a reserved share of each week's hours.
    reserved_share : float
        Share of the hours reserved for priority runs (``priority_rule = "reserved"``).
    delivery_cost_per_unit_km : float
        Delivery cost per unit per road km from site to store (money).
    holding_cost_per_unit_week : float
        Carrying cost of a unit of stock per week (money); local cycle stock waits half a week.
    time_limit_s, mip_gap : float
        Limits of the design solve.
    shapley_samples : int
        Permutations sampled for the Shapley value beyond 12 brands.
    sim_weeks : int
        Weeks simulated per site.
    group_time_tolerance_s, group_cost_tolerance_per_unit : float
        Stores of one brand with the same eligible sites whose drive times (s) and delivery costs
        (money per unit) from every eligible site agree within these share one demand group in the
        design solve (default 30 s and 0.005, i.e. 100 m of road at the default 0.05 per unit-km;
        modelling choices, not measurements); 0 and 0 merge only identical stores. Reported costs and
        lead times are each store's own.
    coalition_max_nodes : int
        Branch-and-bound nodes each coalition's design solve (for the cost shares) may explore: a
        limit on work, so the shares do not depend on how busy the machine is; its time limit is
        ``COALITION_TIME_FACTOR`` x ``time_limit_s``, only a safety net (default 1000; the demo's six
        coalitions reach their gap within 100).
    scenarios : int
        Demand scenarios to choose the design on by sample average approximation (0: none);
        ``scenarios.csv`` then holds each candidate design's mean cost, regret and the share of
        scenarios in which each priority brand's SLA is met (:func:`siting.share.scenarios.saa_design`).
    scenario_seed : int
        Seed of the scenario draws.
    scenario_cv : float
        Coefficient of variation of each brand's season demand across scenarios (default 0.2, the
        default of :func:`siting.share.scenarios.draw_demand_factors`; a modelling choice).
    season_correlation : float
        Correlation between the brands' demand factors in a season, in [-1, 1].
    sla_caps_in_design : bool
        Cap each lane class's hours per site, level, process and season in the design MILP where its
        SLA holds at the contract percentile (:func:`siting.share.slacaps.design_caps`, the caps of the
        design's own class mix, the worst case over mixes as the fallback); default true; false: only the
        weekly plans are held to the SLA caps.
    sla_mix_rounds : int
        With ``sla_caps_in_design``: solves with the caps of a design's own class mix before the worst case
        over mixes is solved as the fallback, in [0, 20] (:func:`siting.share.mixcaps.design_with_mix_caps`;
        default :data:`siting.share.mixcaps.MIX_ROUNDS`, 0: the worst case over mixes only).
    runs_in_design : bool
        With ``sla_caps_in_design``: the runs a week of each brand with an SLA are part of the design
        (default true): where it makes such a brand at a site in a season it pays the changeovers of the
        run count the caps assume (the catchment's, :mod:`siting.share.runcount`), so that the runs it
        makes are the runs its caps were derived for; false: changeovers per unit made (the older model,
        whose run count the caps do not match).
    sequence_overrun : {"warn", "refuse"}
        A design whose exact changeover cycle (``changeovers``) needs more hours than a site's process
        has in a season: logged as a warning, or the run is refused naming site, process and season.
    changeovers : Path, optional
        A CSV of sequence-dependent changeovers, ``process,from_family,to_family,changeover_min``
        (families are the brands; pairs left out cost the to-brand's own ``changeover_hours``):
        the design charges each run the cheapest incoming changeover, ``sequence.csv`` reports the
        exact cyclic sequence (:mod:`siting.share.sequence`).
    """

    priority_rule: Literal["strict", "reserved"] = "strict"
    reserved_share: float = 0.3
    delivery_cost_per_unit_km: float = 0.05
    holding_cost_per_unit_week: float = 0.08
    time_limit_s: float = 60.0
    mip_gap: float = 1e-4
    shapley_samples: int = 2000
    sim_weeks: int = 52
    group_time_tolerance_s: float = 30.0
    group_cost_tolerance_per_unit: float = 0.005
    coalition_max_nodes: int = 1000
    scenarios: int = 0
    scenario_seed: int = 0
    scenario_cv: float = 0.2
    season_correlation: float = 0.0
    sla_caps_in_design: bool = True
    sla_mix_rounds: int = 3
    runs_in_design: bool = True
    sequence_overrun: Literal["warn", "refuse"] = "warn"
    changeovers: Path | None = None


@dataclass(frozen=True)
class ShareSpec:
    """The shared-network part of a scenario (validated)."""

    brands: tuple[Brand, ...]
    seasons: tuple[Season, ...]
    lane_classes: tuple[LaneClass, ...]
    site_capacity: SiteCapacity = field(default_factory=SiteCapacity)
    settings: ShareSettings = field(default_factory=ShareSettings)
    routings: tuple[Routing, ...] = ()
    contracts: tuple[Contract, ...] = ()

    def lane_class(self, brand: Brand) -> LaneClass:
        """The lane class of a brand."""
        return next(c for c in self.lane_classes if c.name == brand.lane_class)


def _array(doc: Mapping[str, Any], key: str, cls: type, base: Path) -> tuple:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise SchemaError(key, f"expected an array of tables ([[{key}]]), got {tomltype(value)}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise SchemaError(f"{key}[{i}]", f"expected a table, got {tomltype(item)}")
        out.append(cls(**table_fields(item, cls, f"{key}[{i}]", base)))
    return tuple(out)


def parse_share(doc: Mapping[str, Any], *, source: str = "<scenario>", base: Path | None = None) -> ShareSpec:
    """Validate the shared-network tables of a parsed scenario document.

    Parameters
    ----------
    doc : mapping
        The TOML document; reads ``[[brands]]``, ``[[seasons]]``, ``[[lane_classes]]``,
        ``[site_capacity]``, ``[share]``, ``[[routings]]`` and ``[[contracts]]``.
    source : str
        Named in error messages.
    base : Path, optional
        Folder relative paths are resolved against.

    Returns
    -------
    ShareSpec

    Raises
    ------
    InputError
        ``"<source>: <key path>: <problem>"``.
    """
    base = base or Path.cwd()
    try:
        refuse_non_finite(doc, SHARE_TABLES)
        seasons = _array(doc, "seasons", Season, base) or (Season("year", 52),)
        classes = _array(doc, "lane_classes", LaneClass, base) or (
            LaneClass("priority", "priority", 5.0),
            LaneClass("standard", "standard", 10.0),
            LaneClass("overflow", "overflow"),
        )
        spec = ShareSpec(
            brands=_array(doc, "brands", Brand, base),
            seasons=seasons,
            lane_classes=classes,
            site_capacity=SiteCapacity(
                **table_fields(doc.get("site_capacity", {}), SiteCapacity, "site_capacity", base)
            ),
            settings=ShareSettings(**table_fields(doc.get("share", {}), ShareSettings, "share", base)),
            routings=_array(doc, "routings", Routing, base),
            contracts=_array(doc, "contracts", Contract, base),
        )
        check_share_spec(spec)
        check_terms(spec)
    except SchemaError as exc:
        raise InputError(f"{source}: {exc}") from None
    if spec.settings.changeovers is not None:  # checked now, before any network is built
        from siting.share.contracts import problem_terms
        from siting.share.sequence import read_changeovers

        terms = problem_terms(spec)
        read_changeovers(
            spec.settings.changeovers, [b.name for b in spec.brands], terms["process_names"], terms["changeover_hours"]
        )
    return spec


def load_share_scenario(path: str | Path) -> tuple[Any, ShareSpec]:
    """Read a scenario file with shared-network tables.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    (siting.config.Scenario, ShareSpec)
        The cities (and other settings) as for ``siting rank``, and the shared-network tables.
    """
    import dataclasses

    from siting.config.scenario import parse_scenario

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: scenario file not found; check the path.")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML text file: {exc}") from None
    base = p.resolve().parent
    rest = {k: v for k, v in doc.items() if k not in SHARE_TABLES}
    scenario = dataclasses.replace(parse_scenario(rest, source=str(path), base=base), source=p, raw=doc)
    return scenario, parse_share(doc, source=str(path), base=base)


def unit_costs_from_products(products: Any) -> tuple[float, float]:
    """Per-unit local production cost and offshore landed cost of a product mix, from :mod:`siting.costs`.

    The one place the share stage reads siting's cost model (only its public names). The design
    takes both figures as plain inputs per brand; this turns a brand's product families into them.

    Parameters
    ----------
    products : sequence of siting.costs.ProductFamily
        E.g. ``siting.costs.load_products(path)``.

    Returns
    -------
    (unit_cost_per_unit, offshore_landed_per_unit)
        Local production cost per unit of demand, and the offshore landed cost per unit of demand
        (production, freight and duty, carrying, unsold stock and lost margin; no site or delivery),
        both in the stores' volume frame of :func:`siting.costs.landed_cost`.
    """
    from siting.costs import landed_cost

    local = landed_cost(products, "local")
    offshore = landed_cost(products, "offshore")
    landed = sum(
        offshore.component_per_unit(c)
        for c in ("production", "freight_duty", "carrying", "unsold_stock", "lost_margin")
    )
    return local.component_per_unit("production"), landed
