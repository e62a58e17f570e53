"""Offshore supply-chain baseline: sea freight, port -> warehouse road leg, warehouse -> store lanes (CO2e/week)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from siting.delivery.emissions import FREIGHT_MODES, FreightMode, emissions_for_tkm
from siting.delivery.lanes import LaneParams, build_lanes
from siting.errors import InputError

__all__ = ["OffshoreParams", "OFFSHORE_COLUMNS", "offshore_baseline", "offshore_lanes"]

OFFSHORE_COLUMNS = [
    "leg",
    "mode",
    "distance_km",
    "tkm_per_week",
    "vehicle_km_per_week",
    "co2e_ttw_kg_per_week",
    "co2e_wtt_kg_per_week",
    "co2e_wtw_kg_per_week",
    "cost_per_week",
    "factor_source",
]


@dataclass(frozen=True)
class OffshoreParams:
    """Parameters of the offshore baseline (override them in the scenario).

    Attributes
    ----------
    sea_km : float
        Port-to-port distance. Default 20 000 km: the order of a Far East (Shanghai) to Northern
        Europe container route via Suez, about 10 500-11 000 nautical miles in standard port-distance
        tables (illustrative round figure; set the real port pair's distance).
    sea_mode : str
        :data:`siting.delivery.FREIGHT_MODES` id; default ``container_ship_avg`` (DESNZ 2024,
        container ship, average size: 0.01612 TTW + 0.00365 WTT kg CO2e per tonne-km).
    port_to_warehouse_km : float
        Road leg from the port of entry to the central warehouse (default 30 km, illustrative).
    road_mode : str
        Default ``hgv_all_avg`` (DESNZ 2024 all HGVs, average laden: 0.09752 + 0.02359 kg/tkm).
    packaging_factor : float
        Shipped weight / product weight (cartons, pallets); default 1.1 (illustrative).
    """

    sea_km: float = 20_000.0
    sea_mode: str = "container_ship_avg"
    port_to_warehouse_km: float = 30.0
    road_mode: str = "hgv_all_avg"
    packaging_factor: float = 1.1


def _mode(mode_id: str, modes: Mapping[str, FreightMode] | None) -> FreightMode:
    table = FREIGHT_MODES if modes is None else modes
    if mode_id not in table:
        raise InputError(f"unknown freight mode {mode_id!r}; choose one of {', '.join(sorted(table))}")
    return table[mode_id]


def offshore_baseline(
    kg_per_week: float,
    last_mile: pd.DataFrame | None = None,
    *,
    params: OffshoreParams = OffshoreParams(),
    modes: Mapping[str, FreightMode] | None = None,
) -> pd.DataFrame:
    """Weekly CO2e of supplying ``kg_per_week`` of product from offshore, leg by leg.

    Parameters
    ----------
    kg_per_week : float
        Product weight delivered to the stores a week (units x unit weight).
    last_mile : DataFrame, optional
        Lanes table from the central warehouse to the stores (:func:`offshore_lanes`); its weekly
        sums become the ``warehouse_to_stores`` leg.
    params : OffshoreParams
    modes : mapping, optional
        Freight modes (default :data:`siting.delivery.FREIGHT_MODES`).

    Returns
    -------
    pandas.DataFrame
        :data:`OFFSHORE_COLUMNS`, one row per leg and a ``total`` row. Sea and port legs are
        per tonne-km (their cost is left NaN: freight rates belong to the landed-cost model).
    """
    if not kg_per_week >= 0:
        raise InputError(f"kg_per_week must be >= 0, got {kg_per_week!r}")
    if params.sea_km < 0 or params.port_to_warehouse_km < 0 or params.packaging_factor < 1:
        raise InputError("sea_km and port_to_warehouse_km must be >= 0 and packaging_factor >= 1")
    tonnes = kg_per_week * params.packaging_factor / 1000.0
    rows = []
    for leg, mode_id, km in (
        ("sea", params.sea_mode, params.sea_km),
        ("port_to_warehouse", params.road_mode, params.port_to_warehouse_km),
    ):
        mode = _mode(mode_id, modes)
        e = emissions_for_tkm(tonnes * km, mode)
        rows.append(
            {
                "leg": leg,
                "mode": mode_id,
                "distance_km": km,
                "tkm_per_week": tonnes * km,
                "vehicle_km_per_week": np.nan,
                "co2e_ttw_kg_per_week": e.ttw_kg,
                "co2e_wtt_kg_per_week": e.wtt_kg,
                "co2e_wtw_kg_per_week": e.wtw_kg,
                "cost_per_week": np.nan,
                "factor_source": f"{mode.factor_source} ({mode.factor_year})",
            }
        )
    if last_mile is not None and len(last_mile):
        s = last_mile[
            [
                "vehicle_km_per_week",
                "co2e_ttw_kg_per_week",
                "co2e_wtt_kg_per_week",
                "co2e_wtw_kg_per_week",
                "cost_per_week",
            ]
        ].sum()
        rows.append(
            {
                "leg": "warehouse_to_stores",
                "mode": str(last_mile["vehicle"].iloc[0]) if "vehicle" in last_mile else "",
                "distance_km": np.nan,
                "tkm_per_week": np.nan,
                **s.to_dict(),
                "factor_source": "siting.delivery.VEHICLES",
            }
        )
    df = pd.DataFrame(rows)
    total = {c: df[c].sum(min_count=1) for c in OFFSHORE_COLUMNS if c.endswith("_per_week")}
    df = pd.concat(
        [df, pd.DataFrame([{"leg": "total", "mode": "", "distance_km": np.nan, **total, "factor_source": ""}])],
        ignore_index=True,
    )
    return df[OFFSHORE_COLUMNS]


def offshore_lanes(
    G: nx.MultiDiGraph,
    warehouse: BaseGeometry | gpd.GeoDataFrame,
    stores: gpd.GeoDataFrame,
    *,
    pattern: str = "tour",
    lane_params: LaneParams = LaneParams(),
    params: OffshoreParams = OffshoreParams(),
    **kwargs: Any,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Lanes from a central warehouse to every store, and the offshore baseline table.

    Parameters
    ----------
    G : networkx.MultiDiGraph
    warehouse : shapely geometry (in the network CRS) or one-row GeoDataFrame
        Where the central warehouse is.
    stores : GeoDataFrame
        Stores layer (``store_id``, ``demand_units_per_week``).
    pattern : {"tour", "direct"}
    lane_params : LaneParams
        Vehicle and unit weight of the last mile (the same as the local lanes for a fair comparison).
    params : OffshoreParams
    **kwargs
        Passed to :func:`offshore_baseline` (``modes``).

    Returns
    -------
    (GeoDataFrame, DataFrame)
        Warehouse -> store lanes (``site_id == "warehouse"``) and the leg table.
    """
    if isinstance(warehouse, gpd.GeoDataFrame):
        if len(warehouse) != 1:
            raise InputError("warehouse must be one point (a one-row GeoDataFrame)")
        wh = warehouse.to_crs(G.graph["crs"]).assign(site_id="warehouse")
    else:
        wh = gpd.GeoDataFrame({"site_id": ["warehouse"]}, geometry=[warehouse], crs=G.graph["crs"])
    alloc = {s: "warehouse" for s in stores["store_id"]}
    lanes = build_lanes(G, wh, stores, alloc, pattern=pattern, params=lane_params)
    kg = float(stores["demand_units_per_week"].sum()) * lane_params.unit_weight_kg
    return lanes, offshore_baseline(kg, lanes, params=params, **kwargs)
