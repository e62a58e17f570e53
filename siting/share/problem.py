"""The shared-network design problem as plain arrays: sites x stores x brands x seasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from siting.errors import InputError

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
