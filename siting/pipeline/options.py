"""Options of a ranking run (RankOptions and its groups) and what one city of a run needs (CityInputs)."""

from __future__ import annotations

import logging
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np

from siting.delivery.lanes import LaneParams
from siting.delivery.offshore import OffshoreParams
from siting.errors import InputError
from siting.network.build import NetworkSource
from siting.pipeline.portfolio import PortfolioOptions
from siting.ranking.filters import SiteFilters
from siting.ranking.robustness import RobustnessOptions
from siting.ranking.scoring import DEFAULT_WEIGHTS

log = logging.getLogger("siting")


#: Network modes a run can deliver on (:data:`siting.network.MODES`).
Mode = Literal["drive", "bike", "walk"]
#: Time bands of travel times (:data:`siting.network.TRAFFIC_BANDS`).
TrafficBand = Literal["free_flow", "off_peak", "peak"]
#: How criteria are scaled to 0..1 (:func:`siting.ranking.scoring.normalise`).
Normalisation = Literal["minmax", "rank"]
#: Pattern of the delivery lanes.
LanePattern = Literal["direct", "tour"]


def _one_of(name: str, value: Any, allowed: Any) -> None:
    """Refuse a value outside a Literal's set (InputError naming the option and the allowed values)."""
    values = typing.get_args(allowed)
    if value not in values:
        raise InputError(f"{name} must be one of {', '.join(map(repr, values))}, got {value!r}.")


def _non_negative(owner: Any, names: tuple[str, ...]) -> None:
    """Refuse fields that are not finite-or-infinite numbers >= 0 (InputError naming the option)."""
    for name in names:
        value = getattr(owner, name)
        try:
            ok = not isinstance(value, bool) and float(value) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"{name} must be a number >= 0, got {value!r}.")


def _whole(owner: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(owner, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise InputError(f"{name} must be a whole number >= 0, got {value!r}.")


@dataclass(frozen=True)
class ReachOptions:
    """How far and how fast: the network mode, snapping, reach and service times, and travel times.

    Attributes
    ----------
    reach_time_s : float
        Reach time for ``population_reachable`` and ``stores_within_reach`` (default 10 minutes).
    sla_time_s : float
        Service time for ``stores_within_sla`` (default 20 minutes: e.g. same-day replacements).
    max_snap_distance_m : float
        Sites or stores farther than this from the road network are left out (reported).
    mode : {"drive", "bike", "walk"}
        Network mode for delivery ("drive" for vans).
    isochrones_for_top : int
        Reach-time isochrone polygons for this many top sites (for the map; 0 = none).
    traffic : {"free_flow", "off_peak", "peak"}
        Time band of every travel time in the run (criteria, SLAs, lanes, isochrones); see
        :func:`siting.network.apply_traffic` for the congestion factors and their source.
    traffic_factors : mapping, optional
        Overrides ``{band: {road class: factor}}`` (classes motorway, trunk, primary,
        secondary, tertiary, other).
    junction_delay_s : float
        Delay per junction passed (s), added to every road edge ending at a junction (default 0).
    delivery_window : str, optional
        Hours deliveries leave in, e.g. ``"06:00-09:00"`` (Monday-Friday) or ``"sat 10:00-14:00"``;
        every travel time of the run (lanes, SLAs, isochrones) is then the window's, from the
        speed profile, signal delay and turn penalty (see docs/travel-times.md). Replaces ``traffic``.
    speed_profile : Path, optional
        A per-class hourly profile CSV (``road_class,day,hour,time_factor`` or ``speed_kph``), e.g.
        from ``siting network calibrate``; default the shipped estimate.
    segment_speeds : Path, optional
        Observed speeds per segment (``from_osm_node,to_osm_node,speed_kph``, OSRM's format).
    signal_delay_s, turn_penalty_s : float
        Delay at a signalised junction (default 15 s) and on a turn onto a higher road class
        (default 7.5 s), used with a delivery window.
    """

    reach_time_s: float = 600.0
    sla_time_s: float = 1200.0
    max_snap_distance_m: float = 500.0
    mode: Mode = "drive"
    isochrones_for_top: int = 1
    traffic: TrafficBand = "free_flow"
    traffic_factors: Mapping[str, Mapping[str, float]] | None = None
    junction_delay_s: float = 0.0
    delivery_window: str | None = None
    speed_profile: Path | None = None
    segment_speeds: Path | None = None
    signal_delay_s: float = 15.0
    turn_penalty_s: float = 7.5

    def __post_init__(self) -> None:
        _one_of("mode", self.mode, Mode)
        _non_negative(self, ("reach_time_s", "sla_time_s", "max_snap_distance_m", "junction_delay_s"))
        _whole(self, ("isochrones_for_top",))
        from siting.network.traffic import congestion_factors

        congestion_factors(self.traffic, self.traffic_factors)  # raises InputError naming the bad entry
        from siting.pipeline.travel import check_travel_options

        check_travel_options(self)


@dataclass(frozen=True)
class LaneOptions:
    """The delivery lanes: how many top sites get them, their pattern, vehicle and load.

    Attributes
    ----------
    lanes_for_top : int
        Build delivery lanes (road routes with trips, km, CO2e, cost) for this many top sites.
    lane_pattern : {"direct", "tour"}
        Pattern of the output lanes: out-and-back per store, or multi-stop tours (OR-Tools; slower).
        The lane criteria (``co2e_wtw_kg_per_week``, ``lane_cost_per_week``, ...) price the same
        pattern with the real return legs: exactly the output lanes for ``direct``; for ``tour``
        the OR-Tools tours of the sites that have them in the run, and for every other site a
        continuous approximation calibrated on those tours (``tour_sample_sites``).
    tour_sample_sites : int
        Tour runs: solve the tours of this many top sites (by the approximate ranking; at least
        ``lanes_for_top``) with OR-Tools to calibrate the approximation per run (least squares on
        vehicle-km; see docs/maps-and-emissions.md). 0 with ``lanes_for_top = 0``: no calibration.
    lane_params : siting.delivery.lanes.LaneParams
        Vehicle, unit weight and volume, load factor, drops per week, tour limits.
    vehicles : mapping, optional
        Vehicle table to look ``lane_params.vehicle`` up in (default the built-in
        :data:`siting.delivery.VEHICLES`; :func:`siting.delivery.load_vehicles` adds a user's file).
    """

    lanes_for_top: int = 1
    lane_pattern: LanePattern = "direct"
    tour_sample_sites: int = 5
    lane_params: LaneParams = field(default_factory=LaneParams)
    vehicles: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        _one_of("lane_pattern", self.lane_pattern, LanePattern)
        _whole(self, ("lanes_for_top", "tour_sample_sites"))


@dataclass(frozen=True)
class CostOptions:
    """The business case: product families, set-up, the offshore baseline and its grid factors.

    Attributes
    ----------
    products : tuple of siting.costs.ProductFamily
        Product families each site would make (their demand shares: the mix is scaled to the
        demand of the stores each site serves); when given, the business case is computed:
        ``landed_cost_local_per_unit``, ``landed_cost_offshore_per_unit``,
        ``saving_vs_offshore_per_unit``, components, fill rates and CO2e per unit (see
        :func:`siting.costs.load_products`). A city's own mix (:class:`CityInputs`) wins.
    setup_cost : float
        One-off set-up cost per site for the landed cost (amortised over the default years).
    offshore_dc_lonlat : (float, float), optional
        Where offshore goods reach the stores from (lon, lat in WGS84), e.g. the brand's
        distribution centre. Default: the road-network node farthest from the stores'
        demand-weighted centre (an edge-of-town warehouse inside the mapped area).
    grid_kg_co2e_per_kwh : float, optional
        Grid factor of the microfactory's electricity; default from the city's country
        (:func:`siting.costs.grid_factor`, EU-27 average when unknown).
    offshore_grid_kg_co2e_per_kwh : float, optional
        Grid factor where offshore goods are made; default China's (``grid_factor("CN")``).
    offshore : siting.delivery.OffshoreParams
        Sea and port legs of the offshore baseline (CO2e of offshore goods and of local materials).
    frontier : bool
        Trace the per-family frontier (demand CV, offshore MOQ, season length) at the top site
        (``frontier.csv``, ``frontier.png``). Off by default: it prices about 700 seasons of the
        inventory-risk model, several seconds per city (the demo cities' scenarios turn it on).
    break_even : bool
        Also solve each site's break-even volume (``break_even_units_per_yr``; about 0.6 s per
        site with the demo families).
    brand_units_per_week : float or mapping, optional
        The brand volume frame of offshore buys (:mod:`siting.costs.brand`): an offshore MOQ is
        bought once for the whole brand, and each city (cluster) pays its share by demand, at the
        brand's cost per unit. The brand's weekly demand, all families together (split like the
        run's mix) or per family (family -> units a week); each must be at least the run's own.
        Default: the run's total over its cities (a national run: every cluster); a one-city run
        is then priced in its own volume, as before.
    """

    products: tuple[Any, ...] = ()
    setup_cost: float = 0.0
    offshore_dc_lonlat: tuple[float, float] | None = None
    grid_kg_co2e_per_kwh: float | None = None
    offshore_grid_kg_co2e_per_kwh: float | None = None
    offshore: OffshoreParams = field(default_factory=OffshoreParams)
    frontier: bool = False
    break_even: bool = False
    brand_units_per_week: float | Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        _non_negative(self, ("setup_cost",))
        brand = self.brand_units_per_week
        if brand is not None:
            values = brand.items() if isinstance(brand, Mapping) else [("all families", brand)]
            for name, value in values:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
                if not ok or not (math.isfinite(value) and value > 0):
                    raise InputError(
                        f"brand_units_per_week ({name}) must be a finite number of units a week > 0, got {value!r}."
                    )
            if isinstance(brand, Mapping):
                object.__setattr__(self, "brand_units_per_week", {str(k): float(v) for k, v in brand.items()})
            else:
                object.__setattr__(self, "brand_units_per_week", float(brand))
        object.__setattr__(self, "products", tuple(self.products))
        if self.offshore_dc_lonlat is not None:
            try:
                lon, lat = (float(v) for v in self.offshore_dc_lonlat)
            except (TypeError, ValueError):
                lon = lat = float("nan")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InputError(f"offshore_dc_lonlat must be [lon, lat] in degrees, got {self.offshore_dc_lonlat!r}.")
            object.__setattr__(self, "offshore_dc_lonlat", (lon, lat))
        for name in ("grid_kg_co2e_per_kwh", "offshore_grid_kg_co2e_per_kwh"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value >= 0):
                raise InputError(f"{name} must be a number >= 0 (kg CO2e per kWh), got {value!r}.")


@dataclass(frozen=True)
class RankOptions:
    """Options of a ranking run, in groups (defaults are right for a city-centre microfactory).

    A scenario's ``[rank]`` table keeps its flat keys (``reach_time_s``, ``lanes_for_top``,
    ``products``, ...): :func:`siting.app.rank_options` puts each into its group.

    Attributes
    ----------
    weights : mapping
        Criterion -> weight (see :data:`siting.ranking.scoring.CRITERIA`); scaled to sum to 1 with a logged
        message if they do not. Criteria left out are computed and shown with weight 0. A weighted
        criterion a city cannot compute (population without a population layer, landed cost
        without product families) is dropped for that city with a warning.
    normalisation : {"minmax", "rank"}
        ``minmax``: (x - worst) / (best - worst); ``rank``: average rank scaled to 0..1 (robust
        to outliers). See :func:`siting.ranking.scoring.normalise`.
    required_floor_area_m2 : float
        Floor area the microfactory needs: smaller sites are filtered out, rent is priced on it,
        ``floor_area_fit_ratio`` compares it with each site's floor area.
    reach : ReachOptions
        Network mode, snapping, reach and service times, traffic band or delivery window.
    lanes : LaneOptions
        The delivery lanes of the top sites and the lane criteria's pattern and vehicle.
    costs : CostOptions
        Product families and the offshore baseline of the business case.
    filters : SiteFilters
        Hard limits applied before scoring (rent, excluded zones, delivery time, ...).
    robustness : RobustnessOptions
        Monte Carlo over the weights and the robustness thresholds.
    portfolio : siting.pipeline.portfolio.PortfolioOptions
        The portfolio design solved beside the ranking when the run has product families: which
        sites open at which capacity, making which families, against offshore; it gives every site
        ``portfolio_value_per_yr`` and a verdict.
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    normalisation: Normalisation = "minmax"
    required_floor_area_m2: float = 500.0
    reach: ReachOptions = field(default_factory=ReachOptions)
    lanes: LaneOptions = field(default_factory=LaneOptions)
    costs: CostOptions = field(default_factory=CostOptions)
    filters: SiteFilters = field(default_factory=SiteFilters)
    robustness: RobustnessOptions = field(default_factory=RobustnessOptions)
    portfolio: PortfolioOptions = field(default_factory=PortfolioOptions)

    def __post_init__(self) -> None:
        _one_of("normalisation", self.normalisation, Normalisation)
        _non_negative(self, ("required_floor_area_m2",))
        for name, cls in (
            ("reach", ReachOptions),
            ("lanes", LaneOptions),
            ("costs", CostOptions),
            ("filters", SiteFilters),
            ("robustness", RobustnessOptions),
            ("portfolio", PortfolioOptions),
        ):
            if not isinstance(getattr(self, name), cls):
                raise InputError(f"RankOptions.{name} must be a {cls.__name__}, got {getattr(self, name)!r}.")


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
        This city's network mode ("drive", "bike", "walk"); None uses ``RankOptions.reach.mode``.
    country : str, optional
        ISO 3166 alpha-2 code of the city (the grid factor of local production).
    products : tuple of siting.costs.ProductFamily
        This city's own product mix (a regional assortment); empty: ``RankOptions.costs.products``.
    demand_shares : mapping, optional
        Family -> share of this city's demand (a regional assortment from the run's families).
    region : str, optional
        For a city found by clustering (``clusters = "auto"``), the scenario entry it was found in.
    area : shapely geometry, optional
        For a city found by clustering, the area (hull of its stores plus a buffer, in the CRS of
        ``stores``) its network was cut with; drawn on the national map.
    """

    name: str
    stores: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    network_source: NetworkSource | nx.MultiDiGraph
    population: gpd.GeoDataFrame | None = None
    rents: gpd.GeoDataFrame | None = None
    mode: str | None = None
    currency: str = "EUR"
    attribution: str = "© OpenStreetMap contributors (ODbL)"
    country: str | None = None
    products: tuple[Any, ...] = ()
    demand_shares: Mapping[str, float] | None = None
    region: str | None = None
    area: Any = None


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
        country="FI",
        attribution=demo.attribution,
    )
