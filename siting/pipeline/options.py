"""Options of a ranking run (RankOptions) and what one city of a run needs (CityInputs)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

from siting.delivery.lanes import LaneParams
from siting.errors import InputError
from siting.ranking.filters import SiteFilters
from siting.ranking.robustness import RobustnessOptions
from siting.ranking.scoring import DEFAULT_WEIGHTS

log = logging.getLogger("siting")


@dataclass(frozen=True)
class RankOptions:
    """Options of a ranking run (defaults are right for a city-centre microfactory).

    Attributes
    ----------
    weights : mapping
        Criterion -> weight (see :data:`siting.ranking.scoring.CRITERIA`); scaled to sum to 1 with a logged
        message if they do not. Criteria left out are computed and shown with weight 0. A weighted
        criterion a city cannot compute (population without a population layer, landed cost
        without product families) is dropped for that city with a warning.
    reach_time_s : float
        Reach time for ``population_reachable`` and ``stores_within_reach`` (default 10 minutes).
    sla_time_s : float
        Service time for ``stores_within_sla`` (default 20 minutes: e.g. same-day replacements).
    required_floor_area_m2 : float
        Floor area the microfactory needs: smaller sites are filtered out, rent is priced on it,
        ``floor_area_fit_ratio`` compares it with each site's floor area.
    max_snap_distance_m : float
        Sites or stores farther than this from the road network are left out (reported).
    mode : str
        Network mode for delivery ("drive" for vans).
    normalisation : {"minmax", "rank"}
        ``minmax``: (x - worst) / (best - worst); ``rank``: average rank scaled to 0..1 (robust
        to outliers). See :func:`siting.ranking.scoring.normalise`.
    lanes_for_top : int
        Build delivery lanes (road routes with trips, km, CO2e, cost) for this many top sites.
    lane_pattern : {"direct", "tour"}
        Pattern of the output lanes: out-and-back per store, or multi-stop tours (OR-Tools; slower).
        The ``co2e_wtw_kg_per_week`` criterion always prices out-and-back lanes for every site.
    lane_params : siting.delivery.lanes.LaneParams
        Vehicle, unit weight and volume, load factor, drops per week, tour limits.
    vehicles : mapping, optional
        Vehicle table to look ``lane_params.vehicle`` up in (default the built-in
        :data:`siting.delivery.VEHICLES`; :func:`siting.delivery.load_vehicles` adds a user's file).
    filters : SiteFilters
        Hard limits applied before scoring (rent, excluded zones, delivery time, ...).
    robustness : RobustnessOptions
        Monte Carlo over the weights and the robustness thresholds.
    products : tuple of siting.costs.ProductFamily
        Product families each site would make; when given, ``landed_cost_per_unit`` and
        ``saving_vs_offshore`` are computed (see :func:`siting.costs.load_products`).
    setup_cost : float
        One-off set-up cost per site for the landed cost (amortised over the default years).
    break_even : bool
        Also solve each site's break-even volume (``break_even_units_per_yr``; ~10 ms per site).
    isochrones_for_top : int
        Reach-time isochrone polygons for this many top sites (for the map; 0 = none).
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    reach_time_s: float = 600.0
    sla_time_s: float = 1200.0
    required_floor_area_m2: float = 500.0
    max_snap_distance_m: float = 500.0
    mode: str = "drive"
    normalisation: str = "minmax"
    lanes_for_top: int = 1
    lane_pattern: str = "direct"
    lane_params: LaneParams = field(default_factory=LaneParams)
    vehicles: Mapping[str, Any] | None = None
    filters: SiteFilters = field(default_factory=SiteFilters)
    robustness: RobustnessOptions = field(default_factory=RobustnessOptions)
    products: tuple[Any, ...] = ()
    setup_cost: float = 0.0
    break_even: bool = False
    isochrones_for_top: int = 1

    def __post_init__(self) -> None:
        if self.lane_pattern not in ("direct", "tour"):
            raise InputError(f"lane_pattern must be 'direct' or 'tour', got {self.lane_pattern!r}.")
        if self.normalisation not in ("minmax", "rank"):
            raise InputError(f"normalisation must be 'minmax' or 'rank', got {self.normalisation!r}.")
        for name in ("reach_time_s", "sla_time_s", "required_floor_area_m2", "max_snap_distance_m", "setup_cost"):
            value = getattr(self, name)
            try:
                ok = float(value) >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise InputError(f"{name} must be a number >= 0, got {value!r}.")
        for name in ("lanes_for_top", "isochrones_for_top"):
            if not isinstance(getattr(self, name), (int, np.integer)) or getattr(self, name) < 0:
                raise InputError(f"{name} must be a whole number >= 0, got {getattr(self, name)!r}.")
        object.__setattr__(self, "products", tuple(self.products))


@dataclass(frozen=True)
class CityInputs:
    """Everything one city of a run needs: validated layers and a network source.

    Attributes
    ----------
    name : str
    stores, candidates : geopandas.GeoDataFrame
    population, rents : geopandas.GeoDataFrame or None
    network_source : Any
        Anything :func:`siting.network.build_network` accepts (OSM file, GraphML, ...) or a graph.
    currency : str
    attribution : str
    mode : str, optional
        This city's network mode ("drive", "bike", "walk"); None uses ``RankOptions.mode``.
    region : str, optional
        For a city found by clustering (``clusters = "auto"``), the scenario entry it was found in.
    """

    name: str
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    network_source: Any
    population: gpd.GeoDataFrame | None = None
    rents: gpd.GeoDataFrame | None = None
    mode: str | None = None
    currency: str = "EUR"
    attribution: str = "© OpenStreetMap contributors (ODbL)"
    region: str | None = None


def city_from_demo(name: str = "helsinki") -> CityInputs:
    """The inputs of an embedded demo city.

    Parameters
    ----------
    name : {"helsinki", "kotka"}

    Returns
    -------
    CityInputs
    """
    from siting.inputs.demo import demo_city

    demo = demo_city(name)
    return CityInputs(
        name=demo.name,
        stores=demo.stores,
        candidates=demo.candidates,
        population=demo.population,
        rents=demo.rents,
        network_source=demo.osm_path,
        currency=demo.currency,
        attribution=demo.attribution,
    )
