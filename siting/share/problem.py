"""The shared-network design problem as plain arrays: sites x stores x brands x seasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siting.errors import InputError
from siting.share.sequence import incoming_lower_bound

__all__ = ["ShareProblem", "KINDS"]

#: Lane class kinds, in priority order (class 0 = highest priority).
KINDS = ("priority", "standard", "overflow")


@dataclass(frozen=True)
class ShareProblem:
    """Everything the network design needs, as arrays (n sites, m stores, B brands, T seasons, L levels).

    Money is per year unless the name says otherwise; demand is in units per week.

    Attributes
    ----------
    site_ids : tuple of str
    store_ids : tuple of str
    brand_names : tuple of str
    season_names : tuple of str
    store_brand : ndarray of int, shape (m,)
        Brand index of each store.
    demand_units_per_week : ndarray, shape (m,)
        Base weekly demand of each store (before season multipliers).
    season_weeks : ndarray, shape (T,)
    multiplier : ndarray, shape (B, T)
        Demand multiplier of each brand in each season.
    delivery_time_s : ndarray, shape (n, m)
        Drive time site -> store (``inf`` where unreachable).
    delivery_cost_per_unit : ndarray, shape (n, m)
    rent_per_yr : ndarray, shape (n, L)
        Rent of each site at each capacity level.
    setup_per_yr : ndarray, shape (n, L)
        Amortised set-up cost of each site at each level.
    capacity_units_per_week : ndarray, shape (L,)
    unit_cost_per_unit, offshore_landed_per_unit : ndarray, shape (B,)
    brand_kind : tuple of str
        Lane class kind of each brand ("priority", "standard", "overflow").
    brand_lead_time_days : ndarray, shape (B,)
        SLA (priority) or target (standard) lead time; ``nan`` for none.
    production_lead_time_days : float
    max_utilisation : float
    holding_per_unit : float
        Cycle-stock carrying cost of a unit made locally.
    dedicated : ndarray of int, shape (n,)
        Brand index a site is dedicated to, -1 for shared.
    level_allowed : ndarray of bool, shape (n, L)
        Levels a site can open at (e.g. its floor area fits the level's); default all.
    process_names : tuple of str, length P
        Processes whose machine-hours are counted (default ``("any",)``: one process at 1 hour per
        unit, so ``capacity_units_per_week`` are its hours).
    hours_per_unit : ndarray, shape (B, P)
        Each brand's routing: machine-hours per unit on each process (default 1 on "any").
    changeover_hours : ndarray, shape (B, P)
        Changeover hours before each run of the brand on each process (default 0).
    run_units : ndarray, shape (B,)
        Units per run of each brand: the brand's weekly run count is its weekly volume / run_units,
        so its changeover hours per unit are ``changeover_hours / run_units`` (default 1).
    process_hours_per_week : ndarray, shape (L, P)
        Regular machine-hours per week of each process at each level (default the unit capacities).
    flex_hours_per_week : ndarray, shape (L, P)
        Most overtime / temporary-shift hours per week of each process at each level (default 0).
    flex_cost_per_hour : ndarray, shape (P,)
        Premium paid per flexible hour (money per hour; default 0).
    shelf_life_seasons : ndarray of int, shape (B,)
        Seasons a unit may be held before it is sold: units made in season s can be sold in seasons
        s+1 .. s+shelf_life (seasons in calendar order; the year does not wrap; default 0).
    carry_cost_per_unit_season : ndarray, shape (B,)
        Holding cost of a unit carried from one season into the next (money per unit per season).
    reserved_hours_per_week : ndarray, shape (B, P)
        Take-or-pay reservations: hours per week of each process held for the brand in every season
        across the network, whether it uses them or not (default 0).
    backlog_cost_per_unit : ndarray, shape (B,)
        Cost of a unit of demand left unmade (e.g. the contract's penalty per late unit); ``nan``
        (default) forbids backlog: a priority brand's demand must then be made.
    line_hours_per_week : float, optional
        Clock hours per week a site's line runs (``site_capacity.hours_per_week``). Given, the design
        caps each lane class's load per site, level, process and season where its SLA holds
        (:func:`siting.share.slacaps.design_caps`); None (default) leaves the SLAs to the weekly plans.
    run_min_units : float, optional
        Smallest run the weekly plan makes (``site_capacity.run_min_units``): for its SLA a brand may
        be made in runs down to this size (more runs a week, a shorter wait for the next one); None:
        runs of ``run_units`` only.
    demand_cv : ndarray, shape (B,)
        Week-to-week coefficient of variation of each brand's demand (default 0.25), for the caps.
    sla_percentile : ndarray, shape (B,)
        Percentile at which each brand's lead time is promised (default 95), for the caps.
    changeover_matrix_hours : ndarray, shape (P, B, B), optional
        Sequence-dependent changeovers: hours on process p to change over from brand (family) a to
        brand b (:func:`siting.share.sequence.changeover_matrix`). Given, ``changeover_hours`` is
        replaced by its lower bound, the cheapest incoming changeover of each brand
        (:func:`siting.share.sequence.incoming_lower_bound`), and ``sequence.csv`` reports the exact
        cyclic sequence of the chosen design.
    runs_in_design : bool
        With ``line_hours_per_week``: the runs a week of each brand with an SLA are a design decision
        (:mod:`siting.share.runcount`). Where the design makes such a brand at a site in a season (a
        binary), it pays the changeovers of the catchment's run count the SLA caps assume,
        ``max(1, catchment / run_units)`` runs a week, and makes at most ``run_units`` units a run; the
        brand's hours per unit are then its routing's alone. False (default): changeovers are charged per
        unit made (``changeover_hours / run_units``), the run count following the volume.
    """

    site_ids: tuple[str, ...]
    store_ids: tuple[str, ...]
    brand_names: tuple[str, ...]
    season_names: tuple[str, ...]
    store_brand: np.ndarray
    demand_units_per_week: np.ndarray
    season_weeks: np.ndarray
    multiplier: np.ndarray
    delivery_time_s: np.ndarray
    delivery_cost_per_unit: np.ndarray
    rent_per_yr: np.ndarray
    setup_per_yr: np.ndarray
    capacity_units_per_week: np.ndarray
    unit_cost_per_unit: np.ndarray
    offshore_landed_per_unit: np.ndarray
    brand_kind: tuple[str, ...]
    brand_lead_time_days: np.ndarray
    production_lead_time_days: float = 2.0
    max_utilisation: float = 0.85
    holding_per_unit: float = 0.04
    dedicated: np.ndarray | None = None
    level_allowed: np.ndarray | None = None
    process_names: tuple[str, ...] = ("any",)
    hours_per_unit: np.ndarray | None = None
    changeover_hours: np.ndarray | None = None
    run_units: np.ndarray | None = None
    process_hours_per_week: np.ndarray | None = None
    flex_hours_per_week: np.ndarray | None = None
    flex_cost_per_hour: np.ndarray | None = None
    shelf_life_seasons: np.ndarray | None = None
    carry_cost_per_unit_season: np.ndarray | None = None
    reserved_hours_per_week: np.ndarray | None = None
    backlog_cost_per_unit: np.ndarray | None = None
    line_hours_per_week: float | None = None
    run_min_units: float | None = None
    demand_cv: np.ndarray | None = None
    sla_percentile: np.ndarray | None = None
    changeover_matrix_hours: np.ndarray | None = None
    runs_in_design: bool = False

    def __post_init__(self) -> None:
        n, m, b, t, lv = (
            len(self.site_ids),
            len(self.store_ids),
            len(self.brand_names),
            len(self.season_names),
            len(self.capacity_units_per_week),
        )
        shapes = {
            "store_brand": (m,),
            "demand_units_per_week": (m,),
            "season_weeks": (t,),
            "multiplier": (b, t),
            "delivery_time_s": (n, m),
            "delivery_cost_per_unit": (n, m),
            "rent_per_yr": (n, lv),
            "setup_per_yr": (n, lv),
            "unit_cost_per_unit": (b,),
            "offshore_landed_per_unit": (b,),
            "brand_lead_time_days": (b,),
        }
        for name, shape in shapes.items():
            value = np.asarray(getattr(self, name))
            if value.shape != shape:
                raise InputError(f"ShareProblem.{name}: expected shape {shape}, got {value.shape}.")
        if len(self.brand_kind) != b or any(k not in KINDS for k in self.brand_kind):
            raise InputError(f"ShareProblem.brand_kind: one of {KINDS} per brand.")
        if (np.asarray(self.demand_units_per_week) < 0).any():
            raise InputError("ShareProblem.demand_units_per_week: demand must be >= 0.")
        if self.dedicated is None:
            object.__setattr__(self, "dedicated", np.full(n, -1, dtype=int))
        if self.level_allowed is None:
            object.__setattr__(self, "level_allowed", np.ones((n, lv), dtype=bool))
        elif np.asarray(self.level_allowed).shape != (n, lv):
            raise InputError(f"ShareProblem.level_allowed: expected shape {(n, lv)}.")
        self._default_terms(b, lv)

    def _default_terms(self, b: int, lv: int) -> None:
        """Fill the hours, carry-over and contract arrays left out (the unit-capacity model) and check them."""
        p = len(self.process_names)
        if p == 0 or len(set(self.process_names)) != p:
            raise InputError("ShareProblem.process_names: at least one process, each named once.")
        defaults = {
            "hours_per_unit": ((b, p), np.ones((b, p))),
            "changeover_hours": ((b, p), np.zeros((b, p))),
            "run_units": ((b,), np.ones(b)),
            "process_hours_per_week": (
                (lv, p),
                np.repeat(np.asarray(self.capacity_units_per_week, dtype=float)[:, None], p, axis=1),
            ),
            "flex_hours_per_week": ((lv, p), np.zeros((lv, p))),
            "flex_cost_per_hour": ((p,), np.zeros(p)),
            "shelf_life_seasons": ((b,), np.zeros(b, dtype=int)),
            "carry_cost_per_unit_season": ((b,), np.zeros(b)),
            "reserved_hours_per_week": ((b, p), np.zeros((b, p))),
            "backlog_cost_per_unit": ((b,), np.full(b, np.nan)),
            "demand_cv": ((b,), np.full(b, 0.25)),
            "sla_percentile": ((b,), np.full(b, 95.0)),
        }
        for name, (shape, default) in defaults.items():
            value = getattr(self, name)
            value = default if value is None else np.asarray(value, dtype=default.dtype)
            if value.shape != shape:
                raise InputError(f"ShareProblem.{name}: expected shape {shape}, got {value.shape}.")
            finite = value[~np.isnan(value)] if name == "backlog_cost_per_unit" else value
            if not np.isfinite(finite).all() or (finite < 0).any():
                raise InputError(f"ShareProblem.{name}: values must be finite and >= 0 (nan: no backlog).")
            object.__setattr__(self, name, value)
        if self.changeover_matrix_hours is not None:
            matrix = np.asarray(self.changeover_matrix_hours, dtype=float)
            if matrix.shape != (p, b, b):
                raise InputError(
                    f"ShareProblem.changeover_matrix_hours: expected shape {(p, b, b)}, got {matrix.shape}."
                )
            if not np.isfinite(matrix).all() or (matrix < 0).any():
                raise InputError("ShareProblem.changeover_matrix_hours: hours must be finite and >= 0.")
            object.__setattr__(self, "changeover_matrix_hours", matrix)
            object.__setattr__(self, "changeover_hours", incoming_lower_bound(matrix))
        if (np.asarray(self.run_units) <= 0).any():
            raise InputError("ShareProblem.run_units: units per run must be > 0.")
        if not ((np.asarray(self.sla_percentile) > 0) & (np.asarray(self.sla_percentile) < 100)).all():
            raise InputError("ShareProblem.sla_percentile: each brand's percentile must be in (0, 100).")
        if self.run_min_units is not None and not (np.isfinite(self.run_min_units) and self.run_min_units > 0):
            raise InputError(f"ShareProblem.run_min_units: a finite number of units > 0, got {self.run_min_units}.")
        if not isinstance(self.runs_in_design, bool | np.bool_):
            raise InputError(f"ShareProblem.runs_in_design: true or false, got {self.runs_in_design!r}.")
        h = self.line_hours_per_week
        if h is not None and not (np.isfinite(h) and 0 < h <= 168):
            raise InputError(f"ShareProblem.line_hours_per_week: clock hours in (0, 168], got {h}.")

    @property
    def hours_per_unit_all_in(self) -> np.ndarray:
        """Machine-hours per unit of each brand on each process, changeovers included, shape (B, P)."""
        return np.asarray(self.hours_per_unit) + np.asarray(self.changeover_hours) / np.asarray(self.run_units)[:, None]

    @property
    def n_sites(self) -> int:
        """Number of candidate sites."""
        return len(self.site_ids)

    def season_demand(self) -> np.ndarray:
        """Weekly demand of each store in each season, shape (m, T)."""
        return np.asarray(self.demand_units_per_week)[:, None] * np.asarray(self.multiplier)[self.store_brand]

    def eligible(self, brands: Sequence[int] | None = None) -> np.ndarray:
        """Which site may serve which store, shape (n, m): reachable, not dedicated to another brand,
        and for a priority brand within its SLA (production lead time + delivery time)."""
        time_days = np.asarray(self.delivery_time_s) / 86400.0
        ok = np.isfinite(time_days)
        ded = np.asarray(self.dedicated)
        ok &= (ded[:, None] < 0) | (ded[:, None] == self.store_brand[None, :])
        sla = np.asarray(self.brand_lead_time_days)[self.store_brand]
        prio = np.array([self.brand_kind[k] == "priority" for k in self.store_brand])
        within = self.production_lead_time_days + time_days <= sla[None, :] + 1e-12
        ok &= ~prio[None, :] | within
        if brands is not None:
            ok &= np.isin(self.store_brand, list(brands))[None, :]
        return ok
