"""Vehicle profiles, their emission factors (with source and year) and lane CO2e (ISO 14083 split)."""

from __future__ import annotations

import csv
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.errors import InputError

__all__ = [
    "Vehicle",
    "Emissions",
    "FreightMode",
    "VEHICLES",
    "FREIGHT_MODES",
    "FACTOR_SET",
    "load_vehicles",
    "emissions_for_km",
    "emissions_for_tkm",
    "trips_per_week",
    "vehicle_time_s",
    "on_grid",
]

#: Name of the factor set shipped with the package (reported next to every CO2e figure).
FACTOR_SET = "desnz-2024-v1.1"

_NUMERIC = (
    "payload_kg",
    "volume_m3",
    "speed_factor",
    "max_speed_kph",
    "ttw_kg_per_km",
    "wtt_kg_per_km",
    "ttw_kg_per_tkm",
    "wtt_kg_per_tkm",
    "kwh_per_km",
    "cost_per_km",
    "cost_per_hour",
)
_REQUIRED_NEW = ("payload_kg", "ttw_kg_per_km", "wtt_kg_per_km")
_POSITIVE = ("payload_kg", "volume_m3", "speed_factor", "max_speed_kph")


@dataclass(frozen=True)
class Vehicle:
    """One delivery vehicle profile.

    Attributes
    ----------
    vehicle_id, name, fuel : str
        Identifier, label and energy carrier ("diesel", "petrol", "electricity").
    payload_kg, volume_m3 : float
        Usable load per trip.
    speed_factor : float
        Multiplier on the road network's car travel time (1.0 = car speeds).
    max_speed_kph : float
        Cap on the average speed along a route (``inf`` = no cap); e.g. 15 for a cargo bike.
    ttw_kg_per_km, wtt_kg_per_km : float
        Tank-to-wheel and well-to-tank kg CO2e per vehicle-km.
    ttw_kg_per_tkm, wtt_kg_per_tkm : float
        The same per tonne-km (used when only tonne-km are known).
    kwh_per_km : float
        Electricity drawn from the grid per km (electric vehicles; NaN otherwise).
    cost_per_km, cost_per_hour : float
        Running cost per vehicle-km and per vehicle (driver) hour, in the scenario currency.
    factor_set, factor_source, factor_year, spec_source, cost_source : str / int
        Provenance of the figures.
    network_mode : str
        The network it travels on: "drive" (motor vehicles: drive networks only), "bike" (cargo
        bikes: bike or drive networks) or "walk" (on foot: any network). See
        :func:`siting.delivery.modes.vehicle_for_mode`.
    """

    vehicle_id: str
    name: str
    fuel: str
    payload_kg: float
    volume_m3: float = math.inf
    speed_factor: float = 1.0
    max_speed_kph: float = math.inf
    ttw_kg_per_km: float = 0.0
    wtt_kg_per_km: float = 0.0
    ttw_kg_per_tkm: float = math.nan
    wtt_kg_per_tkm: float = math.nan
    kwh_per_km: float = math.nan
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    factor_set: str = ""
    factor_source: str = ""
    factor_year: int = 0
    spec_source: str = ""
    cost_source: str = ""
    network_mode: str = "drive"

    @property
    def wtw_kg_per_km(self) -> float:
        """Well-to-wheel kg CO2e per vehicle-km."""
        return self.ttw_kg_per_km + self.wtt_kg_per_km


_FIELD_NAMES = frozenset(f.name for f in fields(Vehicle))


@dataclass(frozen=True)
class Emissions:
    """Greenhouse-gas emissions in kg CO2e, split as ISO 14083 / GLEC report them."""

    ttw_kg: float
    wtt_kg: float
    wtw_kg: float


@dataclass(frozen=True)
class FreightMode:
    """A freight mode known only per tonne-km (sea, long-haul road)."""

    mode_id: str
    name: str
    ttw_kg_per_tkm: float
    wtt_kg_per_tkm: float
    factor_set: str
    factor_source: str
    factor_year: int


def emissions_for_km(km: float, vehicle: Vehicle) -> Emissions:
    """Emissions of driving ``km`` vehicle-km with ``vehicle``.

    Parameters
    ----------
    km : float
        Vehicle-kilometres (>= 0).
    vehicle : Vehicle
        Profile whose per-km factors are used.

    Returns
    -------
    Emissions
        ``ttw_kg``, ``wtt_kg`` and ``wtw_kg = ttw_kg + wtt_kg``.

    Examples
    --------
    Ten km in an average diesel van (DESNZ 2024 factors):

    >>> from siting.delivery import VEHICLES, emissions_for_km
    >>> e = emissions_for_km(10, VEHICLES["van_avg_diesel"])
    >>> round(e.ttw_kg, 4), round(e.wtt_kg, 4), round(e.wtw_kg, 4)
    (2.5023, 0.6128, 3.1151)
    """
    km = float(km)
    if not km >= 0:
        raise InputError(f"vehicle-km must be a number >= 0, got {km!r}")
    ttw = km * vehicle.ttw_kg_per_km
    wtt = km * vehicle.wtt_kg_per_km
    return Emissions(ttw_kg=ttw, wtt_kg=wtt, wtw_kg=ttw + wtt)


def emissions_for_tkm(tkm: float, vehicle: Vehicle | FreightMode) -> Emissions:
    """Emissions of ``tkm`` tonne-km moved by ``vehicle`` (a Vehicle or a FreightMode).

    Parameters
    ----------
    tkm : float
        Tonne-kilometres (>= 0).
    vehicle : Vehicle or FreightMode
        Profile whose per-tonne-km factors are used.

    Returns
    -------
    Emissions
    """
    tkm = float(tkm)
    if not tkm >= 0:
        raise InputError(f"tonne-km must be a number >= 0, got {tkm!r}")
    if math.isnan(vehicle.ttw_kg_per_tkm) or math.isnan(vehicle.wtt_kg_per_tkm):
        name = getattr(vehicle, "vehicle_id", getattr(vehicle, "mode_id", "?"))
        raise InputError(f"vehicle {name!r} has no per-tonne-km factors; add ttw_kg_per_tkm and wtt_kg_per_tkm")
    ttw = tkm * vehicle.ttw_kg_per_tkm
    wtt = tkm * vehicle.wtt_kg_per_tkm
    return Emissions(ttw_kg=ttw, wtt_kg=wtt, wtw_kg=ttw + wtt)


def trips_per_week(
    units_per_week: npt.ArrayLike,
    vehicle: Vehicle,
    *,
    unit_weight_kg: float,
    unit_volume_m3: float = 0.0,
    load_factor: float = 0.8,
    drops_per_week: float = 2.0,
) -> np.ndarray:
    """Vehicle trips a week needed to deliver each store's demand.

    Each of the ``drops_per_week`` deliveries carries ``units_per_week / drops_per_week`` units;
    one drop needs ``ceil(max(kg / (payload_kg * load_factor), m3 / (volume_m3 * load_factor)))``
    trips. A store with zero demand gets zero trips.

    Parameters
    ----------
    units_per_week : array_like
        Demand per store.
    vehicle : Vehicle
    unit_weight_kg, unit_volume_m3 : float
        Weight and volume of one unit (packed).
    load_factor : float
        Usable share of payload and volume (0 < lf <= 1).
    drops_per_week : float
        Deliveries to each store a week (> 0).

    Returns
    -------
    ndarray of float64
        Trips a week per store.
    """
    units = np.asarray(units_per_week, dtype=float)
    if not 0 < load_factor <= 1:
        raise InputError(f"load_factor must be in (0, 1], got {load_factor}")
    if not drops_per_week > 0:
        raise InputError(f"drops_per_week must be > 0, got {drops_per_week}")
    if unit_weight_kg < 0 or unit_volume_m3 < 0:
        raise InputError("unit_weight_kg and unit_volume_m3 must be >= 0")
    if np.any(~np.isfinite(units)) or np.any(units < 0):
        raise InputError("demand_units_per_week must be finite and >= 0")
    trips_per_drop = np.ceil(_drop_loads(units, vehicle, unit_weight_kg, unit_volume_m3, load_factor, drops_per_week))
    return np.where(units > 0, trips_per_drop * drops_per_week, 0.0)


def _drop_loads(
    units: np.ndarray,
    vehicle: Vehicle,
    unit_weight_kg: float,
    unit_volume_m3: float,
    load_factor: float,
    drops_per_week: float,
) -> np.ndarray:
    """Load of one drop as a share of one usable vehicle load (weight or volume, whichever binds).

    Rounded to 9 decimals so that float noise cannot turn an exact 2.0 loads into 3 trips.
    Inputs are not checked here (see :func:`trips_per_week`).
    """
    per_drop = units / drops_per_week
    need = per_drop * unit_weight_kg / (vehicle.payload_kg * load_factor)
    if unit_volume_m3 > 0 and math.isfinite(vehicle.volume_m3):
        need = np.maximum(need, per_drop * unit_volume_m3 / (vehicle.volume_m3 * load_factor))
    return np.round(need, 9)


def vehicle_time_s(time_s: npt.ArrayLike, length_m: npt.ArrayLike, vehicle: Vehicle) -> np.ndarray:
    """Travel time of ``vehicle`` on routes with car ``time_s`` and ``length_m``.

    ``max(time_s * speed_factor, length_m / max_speed)``: a slower vehicle (cargo bike) is capped
    at its own average speed.
    """
    t = np.asarray(time_s, dtype=float) * vehicle.speed_factor
    if math.isfinite(vehicle.max_speed_kph):
        t = np.maximum(t, np.asarray(length_m, dtype=float) / (vehicle.max_speed_kph / 3.6))
    return t


def on_grid(
    vehicle: Vehicle,
    *,
    generation_kg_per_kwh: float,
    td_kg_per_kwh: float = 0.0,
    upstream_kg_per_kwh: float = 0.0,
    source: str,
    year: int,
) -> Vehicle:
    """The same electric vehicle charged from another grid (e.g. the demo city's country).

    ``wtt_kg_per_km = kwh_per_km x (generation + T&D + upstream)`` (all energy provision under
    ISO 14083; TTW stays 0). The per-tonne-km factor is scaled by the same ratio.

    Parameters
    ----------
    vehicle : Vehicle
        An electric vehicle with ``kwh_per_km``.
    generation_kg_per_kwh, td_kg_per_kwh, upstream_kg_per_kwh : float
        Grid intensity (kg CO2e per kWh) of generation, of T&D losses, and of the fuels' upstream.
    source : str
    year : int
        Provenance of the grid figures (recorded on the returned vehicle).

    Returns
    -------
    Vehicle
    """
    if not math.isfinite(vehicle.kwh_per_km):
        raise InputError(f"vehicle {vehicle.vehicle_id!r} has no kwh_per_km; add it to use on_grid")
    per_kwh = generation_kg_per_kwh + td_kg_per_kwh + upstream_kg_per_kwh
    if not (per_kwh >= 0 and min(generation_kg_per_kwh, td_kg_per_kwh, upstream_kg_per_kwh) >= 0):
        raise InputError("grid intensities must be >= 0 kg CO2e/kWh")
    wtt = vehicle.kwh_per_km * per_kwh
    ratio = wtt / vehicle.wtt_kg_per_km if vehicle.wtt_kg_per_km > 0 else math.nan
    return replace(
        vehicle,
        ttw_kg_per_km=0.0,
        wtt_kg_per_km=wtt,
        ttw_kg_per_tkm=0.0,
        wtt_kg_per_tkm=vehicle.wtt_kg_per_tkm * ratio,
        factor_set=f"{vehicle.factor_set}+grid",
        factor_source=f"{vehicle.factor_source}; grid: {source}",
        factor_year=int(year),
    )


# ----------------------------------------------------------------------------- loading


def _parse_row(raw: Mapping[str, Any], base: Vehicle | None, where: str) -> Vehicle:
    """Turn one CSV/TOML row into a Vehicle (overriding ``base`` if given)."""
    vid = str(raw.get("vehicle_id", "") or "").strip()
    values: dict[str, Any] = {} if base is None else {name: getattr(base, name) for name in _FIELD_NAMES}
    values["vehicle_id"] = vid
    for key, val in raw.items():
        if key is None:
            raise InputError(f"{where}: more values than header columns; check the quoting of that row")
        key = key.strip()
        if key == "vehicle_id" or val is None or (isinstance(val, str) and val.strip() == ""):
            continue
        if key in _NUMERIC:
            try:
                num = float(val)
            except (TypeError, ValueError):
                raise InputError(
                    f"{where}, column {key!r}: {val!r} is not a number; write a plain number like 0.25"
                ) from None
            if math.isnan(num) or num < 0:
                raise InputError(f"{where}, column {key!r}: {val!r} must be a number >= 0")
            if key in _POSITIVE and num == 0:
                raise InputError(f"{where}, column {key!r}: must be > 0")
            values[key] = num
        elif key == "factor_year":
            try:
                values[key] = int(float(val))
            except (TypeError, ValueError):
                raise InputError(f"{where}, column 'factor_year': {val!r} is not a year like 2024") from None
        elif key == "network_mode":
            mode = str(val).strip()
            if mode not in ("drive", "bike", "walk"):
                raise InputError(f"{where}, column 'network_mode': {val!r}; write drive, bike or walk")
            values[key] = mode
        elif key in _FIELD_NAMES:
            values[key] = str(val)
        # unknown columns (notes, factor_ids) are ignored on purpose
    if base is None:
        missing = [c for c in _REQUIRED_NEW if c not in values]
        if missing:
            raise InputError(
                f"{where}: new vehicle {vid!r} needs column(s) {', '.join(missing)} "
                "(or use the vehicle_id of a built-in vehicle to override only some fields)"
            )
        values.setdefault("name", vid)
        values.setdefault("fuel", "")
    return Vehicle(**values)


def load_vehicles(path: str | Path, *, base: Mapping[str, Vehicle] | None = None) -> dict[str, Vehicle]:
    """Read vehicle profiles from a CSV or TOML file and merge them over ``base``.

    A row whose ``vehicle_id`` is already in ``base`` overrides only the columns it fills; a new
    id needs at least ``payload_kg``, ``ttw_kg_per_km`` and ``wtt_kg_per_km``. TOML files hold
    one table per vehicle (``[vehicles.my_van]``) or an array ``[[vehicles]]`` with ``vehicle_id``.

    Parameters
    ----------
    path : str or Path
        ``.csv`` or ``.toml`` file.
    base : mapping, optional
        Vehicles to start from; defaults to :data:`VEHICLES`. Pass ``{}`` to start empty.

    Returns
    -------
    dict of str to Vehicle

    Raises
    ------
    InputError
        Naming the file, row and column of the first bad value.
    """
    path = Path(path)
    base = dict(VEHICLES if base is None else base)
    if not path.is_file():
        raise InputError(f"vehicle file {path} does not exist")
    rows: list[tuple[str, Mapping[str, Any]]] = []
    if path.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path}: not valid TOML ({exc})") from None
        table = doc.get("vehicles", doc)
        if isinstance(table, list):
            rows = [(f"{path}, [[vehicles]] entry {i + 1}", r) for i, r in enumerate(table)]
        elif isinstance(table, dict):
            rows = [
                (f"{path}, [vehicles.{k}]", {"vehicle_id": k, **v}) for k, v in table.items() if isinstance(v, dict)
            ]
    elif path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or "vehicle_id" not in [c.strip() for c in reader.fieldnames]:
                raise InputError(f"{path}: header must have a 'vehicle_id' column")
            rows = [(f"{path}, row {i + 2}", r) for i, r in enumerate(reader)]
    else:
        raise InputError(f"{path}: vehicle files must end in .csv or .toml")
    if not rows:
        raise InputError(f"{path}: no vehicles found")
    out = dict(base)
    for where, raw in rows:
        vid = str(raw.get("vehicle_id", "") or "").strip()
        if not vid:
            raise InputError(f"{where}, column 'vehicle_id': empty; give every vehicle an id")
        out[vid] = _parse_row(raw, out.get(vid), where)
    return out


def _load_freight_modes() -> dict[str, FreightMode]:
    text = resources.files("siting").joinpath("data/freight_modes.csv").read_text(encoding="utf-8")
    modes = {}
    for r in csv.DictReader(text.splitlines()):
        modes[r["mode_id"]] = FreightMode(
            mode_id=r["mode_id"],
            name=r["name"],
            ttw_kg_per_tkm=float(r["ttw_kg_per_tkm"]),
            wtt_kg_per_tkm=float(r["wtt_kg_per_tkm"]),
            factor_set=r["factor_set"],
            factor_source=r["factor_source"],
            factor_year=int(r["factor_year"]),
        )
    return modes


def _load_builtin() -> dict[str, Vehicle]:
    ref = resources.files("siting").joinpath("data/vehicles.csv")
    with resources.as_file(ref) as p:
        return load_vehicles(p, base={})


#: Built-in vehicles (DESNZ 2024 factors; see siting/data/vehicles.md for every figure's source).
VEHICLES: dict[str, Vehicle] = _load_builtin()
#: Freight modes known per tonne-km (sea, long-haul road) for the offshore baseline.
FREIGHT_MODES: dict[str, FreightMode] = _load_freight_modes()
