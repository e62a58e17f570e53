"""The illustrative shared-network demo: three brands on the demo cities (central Helsinki and Kotka)."""

from __future__ import annotations

import dataclasses

import numpy as np

from siting.share.contracts import Contract
from siting.share.inputs import Brand, LaneClass, Season, ShareSettings, ShareSpec, SiteCapacity

__all__ = ["DEMO_LABEL", "demo_share_spec", "demo_share_cities"]

#: Shown wherever the demo's figures are shown: the brands, costs and seasons are made up.
DEMO_LABEL = (
    "ILLUSTRATIVE: three made-up brands on the demo cities' real OpenStreetMap shops; demand, costs, "
    "seasons and capacities are illustrative defaults, not measurements"
)


def demo_share_spec() -> ShareSpec:
    """The demo's brands, seasons, lane classes and site capacity (illustrative figures).

    Three brands split the demo cities' shops: "Aurora" (priority lane, 5-day SLA, flat demand),
    "Birch" (standard lane, 10-day target, a strong autumn peak) and "Cove" (overflow, may go
    offshore). Local production costs 8.5-9.5 per unit against an offshore landed cost of 11.5-12.5
    (the order of the per-unit figures in ``siting/data/cost_defaults.csv``; illustrative).

    Returns
    -------
    ShareSpec
    """
    return ShareSpec(
        brands=(
            Brand("Aurora", "priority", unit_cost_per_unit=9.5, offshore_landed_per_unit=12.5, demand_scale=0.5),
            Brand(
                "Birch",
                "standard",
                unit_cost_per_unit=9.0,
                offshore_landed_per_unit=12.0,
                demand_scale=0.5,
                season_multipliers={"autumn": 1.9},
            ),
            Brand("Cove", "overflow", unit_cost_per_unit=8.5, offshore_landed_per_unit=11.5, demand_scale=0.5),
        ),
        seasons=(
            Season("winter", 13, 0.8),
            Season("spring", 13, 1.0),
            Season("summer", 13, 0.9),
            Season("autumn", 13, 1.3),
        ),
        lane_classes=(
            LaneClass("priority", "priority", 5.0),
            LaneClass("standard", "standard", 10.0),
            LaneClass("overflow", "overflow"),
        ),
        site_capacity=SiteCapacity(
            levels_units_per_week=(1000.0, 2500.0), floor_area_m2=(250.0, 500.0), setup_cost=(40000.0, 70000.0)
        ),
        # illustrative contracts: pay-per-use (without [[routings]] an hour is a unit of capacity, process
        # "any"), priority as a paid option with a late-unit penalty; no take-or-pay reservation here (the
        # tests exercise those: reservation rows slowed the demo's coalition solves to their time limit)
        contracts=(
            Contract("Aurora", spot_rate_per_hour=9.0, priority_fee_per_yr=12000.0, penalty_per_late_unit=25.0),
            Contract("Birch", spot_rate_per_hour=8.0),
            Contract("Cove", spot_rate_per_hour=7.0),
        ),
        # 30 s: the design (433 stores on their road edges, merged into ~170 groups within 30 s / 0.005
        # per unit) reaches its 0.5% gap well within it on 2 busy cores
        settings=ShareSettings(time_limit_s=30.0, mip_gap=0.005, sim_weeks=260),
    )


def demo_share_cities(names: tuple[str, ...] = ("helsinki", "kotka")) -> list:
    """The demo cities with their shops dealt to the three demo brands (every third shop by id).

    Kotka's few shops go to the two non-priority brands only (no site there could be justified
    for a handful of priority shops).

    Returns
    -------
    list of siting.pipeline.CityInputs
    """
    from siting.pipeline import city_from_demo

    brands = [b.name for b in demo_share_spec().brands]
    out = []
    for name in names:
        city = city_from_demo(name)
        stores = city.stores.sort_values("store_id").reset_index(drop=True)
        pool = brands if len(stores) >= 30 else brands[1:]
        stores["brand"] = np.array(pool)[np.arange(len(stores)) % len(pool)]
        out.append(dataclasses.replace(city, stores=stores))
    return out
