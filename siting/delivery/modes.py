"""Which vehicle a lane may be priced with on a network of a given travel mode (van, cargo bike, on foot)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from siting.delivery.emissions import VEHICLES, Vehicle
from siting.errors import InputError

__all__ = ["MODE_VEHICLE", "MAY_RUN_ON", "vehicle_for_mode"]

log = logging.getLogger("siting")

#: The vehicle a run of each network mode is priced with when the default van was left in place.
MODE_VEHICLE: Mapping[str, str] = {"bike": "ecargo_bike", "walk": "on_foot"}

#: Networks each kind of vehicle may be routed on: a van only on roads built for cars; a cargo bike
#: on the bike network or (capped at its speed) on car roads; a porter on foot anywhere.
MAY_RUN_ON: Mapping[str, frozenset[str]] = {
    "drive": frozenset({"drive"}),
    "bike": frozenset({"bike", "drive"}),
    "walk": frozenset({"walk", "bike", "drive"}),
}

_DEFAULT = "van_avg_diesel"  # LaneParams' default vehicle: left in place, it follows the mode


def vehicle_for_mode(
    vehicle_id: str, mode: str, vehicles: Mapping[str, Vehicle] | None = None, *, where: str = ""
) -> str:
    """The vehicle to price lanes with on a network of ``mode``.

    A vehicle that may run on the network is kept. The default van (``van_avg_diesel``) on a
    bike or walk network is switched to :data:`MODE_VEHICLE` of the mode, with a log line; any
    other vehicle that may not run there is refused.

    Parameters
    ----------
    vehicle_id
        The chosen vehicle (``lane_params.vehicle``).
    mode
        The network mode: "drive", "bike" or "walk".
    vehicles
        The vehicle table (default :data:`siting.delivery.VEHICLES`).
    where
        The city, for messages.

    Returns
    -------
    str
        The vehicle id to use.

    Raises
    ------
    InputError
        When the chosen vehicle cannot travel on the mode's network.
    """
    table = VEHICLES if vehicles is None else vehicles
    if mode not in MAY_RUN_ON:
        raise InputError(f"{where or 'run'}: network mode {mode!r}; choose drive, bike or walk")
    vehicle = table.get(vehicle_id)
    if vehicle is None:
        return vehicle_id  # unknown ids are reported where lanes are priced, with the list of choices
    if mode in MAY_RUN_ON[vehicle.network_mode]:
        return vehicle_id
    fits = sorted(v for v, veh in table.items() if mode in MAY_RUN_ON[veh.network_mode])
    if vehicle_id == _DEFAULT and MODE_VEHICLE.get(mode) in table:
        new = MODE_VEHICLE[mode]
        log.warning(
            "%s: the network mode is %s, so lanes are priced with %s (%s) instead of the default %s",
            where or "run",
            mode,
            new,
            table[new].name,
            vehicle_id,
        )
        return new
    raise InputError(
        f"{where or 'run'}: vehicle {vehicle_id!r} ({vehicle.name}) travels on {vehicle.network_mode} networks, "
        f"but this run's network mode is {mode!r}; choose one of {', '.join(fits)} (vehicles.use in the "
        "scenario, lane_params.vehicle in Python), or set the network mode to drive"
    )
