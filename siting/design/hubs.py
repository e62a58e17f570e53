"""Candidate fulfilment hubs: offshore goods routed distribution point -> hub -> store, a hub opened at a fixed cost."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import InputError, MissingColumnError
from siting.milp import Model

__all__ = [
    "Hubs",
    "HUB_COLUMNS",
    "check_hubs",
    "read_hubs",
    "hub_routes",
    "add_hub_routes",
    "trunk_cost_per_unit",
    "vehicle_load_units",
]

#: Columns of a hubs table (``fixed_cost_per_yr`` optional, default 0).
HUB_COLUMNS = ("hub_id", "handling_cost_per_unit", "turnaround_s")


@dataclass(frozen=True)
class Hubs:
    """Candidate hubs and the (hub, store) routes within the delivery promise.

    ``route_cost_per_unit`` is the whole route per offshore unit: trunk from the distribution
    point to the hub, the hub's handling, and the hub's lane to the store.
    """

    hub_ids: tuple[str, ...]
    fixed_cost_per_yr: np.ndarray = field(repr=False)  # (h,)
    routes: np.ndarray = field(repr=False)  # (q, 2) hub, store index (into ``store_ids``)
    route_cost_per_unit: np.ndarray = field(repr=False)  # (q,)
    store_ids: tuple[str, ...] = ()


def check_hubs(table: pd.DataFrame, where: str = "hubs") -> pd.DataFrame:
    """Check a hubs table: ``hub_id, handling_cost_per_unit, turnaround_s`` (+ ``fixed_cost_per_yr``).

    Ids must be non-empty and unique; handling cost, turnaround (seconds, at most a week) and
    fixed cost finite and >= 0.

    Parameters
    ----------
    table : DataFrame
    where : str
        Named in error messages (the file).

    Returns
    -------
    DataFrame
        ``hub_id`` as text, numbers as floats, ``fixed_cost_per_yr`` filled with 0.
    """
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{where}: give a table, not {type(table).__name__}.")
    missing = [c for c in HUB_COLUMNS if c not in table.columns]
    if missing:
        raise MissingColumnError(
            f"{where}: missing column(s) {', '.join(missing)}; a hubs table has {', '.join(HUB_COLUMNS)} "
            "(and optionally fixed_cost_per_yr)."
        )
    if table.empty:
        raise InputError(f"{where}: no hubs; give at least one row or leave the hubs out.")
    out = table.copy()
    ids = []
    for i, v in enumerate(out["hub_id"]):
        if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip():
            raise InputError(f"{where}: row {i + 1} has an empty hub_id; give every hub an id.")
        ids.append(str(v))
    dup = sorted({h for h in ids if ids.count(h) > 1})
    if dup:
        raise InputError(f"{where}: hub_id {dup[0]!r} appears more than once; give each hub once.")
    out["hub_id"] = ids
    if "fixed_cost_per_yr" not in out.columns:
        out["fixed_cost_per_yr"] = 0.0
    limits = {"handling_cost_per_unit": math.inf, "turnaround_s": 7 * 86400.0, "fixed_cost_per_yr": math.inf}
    for col, top in limits.items():
        values = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < 0) | (values > top)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            rule = "a finite number >= 0" + (f" and at most {top:g} (a week)" if math.isfinite(top) else "")
            raise InputError(f"{where}: column {col!r} is {out[col].iloc[i]!r} at hub_id={ids[i]!r}; give {rule}.")
        out[col] = values
    return out


def read_hubs(path: str | Path) -> pd.DataFrame:
    """Read a hubs CSV: ``hub_id, lon, lat, handling_cost_per_unit, turnaround_s`` (+ ``fixed_cost_per_yr``).

    ``lon``/``lat`` are WGS84 degrees where the hub is; the rest as :func:`check_hubs`.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    DataFrame
        The checked table.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"hubs file {path}: not found; give the path of a CSV of candidate hubs.")
    try:
        table = pd.read_csv(path, comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"hubs file {path}: cannot be read as CSV ({type(exc).__name__}); give a CSV.") from None
    for col in ("lon", "lat"):
        if col not in table.columns:
            raise MissingColumnError(f"hubs file {path}: missing column {col!r} (WGS84 degrees of each hub).")
    table = check_hubs(table, f"hubs file {path}")
    for col, top in (("lon", 180.0), ("lat", 90.0)):
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (np.abs(values) > top)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"hubs file {path}: column {col!r} is {table[col].iloc[i]!r} at hub_id={table['hub_id'].iloc[i]!r}; "
                f"give degrees within +-{top:g} (WGS84)."
            )
        table[col] = values
    return table.reset_index(drop=True)


def vehicle_load_units(
    payload_kg: float, volume_m3: float, *, unit_weight_kg: float, unit_volume_m3: float, load_factor: float
) -> float:
    """Units a full vehicle carries: ``load_factor x min(payload / unit weight, volume / unit volume)``.

    Parameters
    ----------
    payload_kg, volume_m3 : float
        The vehicle's payload and load space (``siting/data/vehicles.csv``).
    unit_weight_kg, unit_volume_m3 : float
        One packed unit.
    load_factor : float
        Usable share of payload and volume (0, 1].

    Returns
    -------
    float
        Units per full load (> 0).
    """
    values = (payload_kg, volume_m3, unit_weight_kg, unit_volume_m3, load_factor)
    if not all(math.isfinite(v) and v > 0 for v in values) or load_factor > 1:
        raise InputError(
            f"vehicle load: payload {payload_kg!r} kg, volume {volume_m3!r} m3, unit {unit_weight_kg!r} kg / "
            f"{unit_volume_m3!r} m3, load factor {load_factor!r}; give finite numbers > 0 (load factor at most 1)."
        )
    return load_factor * min(payload_kg / unit_weight_kg, volume_m3 / unit_volume_m3)


def trunk_cost_per_unit(
    round_trip_length_m: np.ndarray,
    round_trip_time_s: np.ndarray,
    *,
    cost_per_km: float,
    cost_per_hour: float,
    load_units: float,
) -> np.ndarray:
    """A consolidated trunk's cost per unit: one full vehicle's round trip over the units it carries.

    ``(km x cost_per_km + hours x cost_per_hour) / load_units``: the trunk from the distribution
    point to a hub or cross-dock site runs full (its frequency follows the volume), so each unit
    pays its share of the load. inf where the leg is unreachable.

    Parameters
    ----------
    round_trip_length_m, round_trip_time_s : ndarray
        Out and back (vehicle time, its speed caps applied).
    cost_per_km, cost_per_hour : float
        The trunk vehicle's running and driver cost.
    load_units : float
        Units of a full load (:func:`vehicle_load_units`).

    Returns
    -------
    ndarray
        Money per unit, the shape of the inputs.
    """
    km = np.asarray(round_trip_length_m, dtype=float) / 1000.0
    hours = np.asarray(round_trip_time_s, dtype=float) / 3600.0
    with np.errstate(invalid="ignore"):
        cost = (km * cost_per_km + hours * cost_per_hour) / load_units
    return np.where(np.isfinite(km) & np.isfinite(hours), cost, np.inf)


def hub_routes(
    hubs: pd.DataFrame,
    *,
    trunk_time_s: np.ndarray,
    trunk_cost_per_unit: np.ndarray,
    lane_time_s: np.ndarray,
    lane_cost_per_unit: np.ndarray,
    promise_s: float,
    store_ids: list[str] | tuple[str, ...],
) -> Hubs:
    """The routes distribution point -> hub -> store that keep the delivery promise, priced per unit.

    A route's cost per unit is the consolidated trunk to the hub (:func:`trunk_cost_per_unit`)
    + the hub's handling per unit + the hub's own drop at the store (its lane, priced like a
    site's); the store then gets its offshore goods in the hub's drop instead of a drop of its own
    from the distribution point. A route keeps the promise when trunk time + the hub's turnaround +
    the hub's lane time to the store is at most ``promise_s`` (the same promise as direct delivery).

    Parameters
    ----------
    hubs : DataFrame
        :func:`check_hubs` table.
    trunk_time_s, trunk_cost_per_unit : ndarray (h,)
        From the distribution point to each hub (inf: unreachable).
    lane_time_s, lane_cost_per_unit : ndarray (h, stores)
        From each hub to each store (inf: unreachable).
    promise_s : float
    store_ids : sequence of str

    Returns
    -------
    Hubs
    """
    hubs = check_hubs(hubs)
    n_h, n_j = len(hubs), len(store_ids)
    t_lane, c_lane = np.asarray(lane_time_s, float), np.asarray(lane_cost_per_unit, float)
    t_trunk, c_trunk = np.asarray(trunk_time_s, float), np.asarray(trunk_cost_per_unit, float)
    if t_lane.shape != (n_h, n_j) or c_lane.shape != (n_h, n_j) or t_trunk.shape != (n_h,) or c_trunk.shape != (n_h,):
        raise InputError(f"hub routes: expected trunks of shape ({n_h},) and lanes ({n_h}, {n_j}).")
    turnaround = hubs["turnaround_s"].to_numpy(float)
    total_t = t_trunk[:, None] + turnaround[:, None] + t_lane
    cost = c_trunk[:, None] + hubs["handling_cost_per_unit"].to_numpy(float)[:, None] + c_lane
    ok = np.isfinite(total_t) & np.isfinite(cost) & (total_t <= promise_s)
    h, j = np.nonzero(ok)
    return Hubs(
        tuple(hubs["hub_id"]),
        hubs["fixed_cost_per_yr"].to_numpy(float),
        np.column_stack([h, j]).astype(np.int64).reshape(-1, 2),
        cost[h, j],
        tuple(str(x) for x in store_ids),
    )


def add_hub_routes(
    m: Model, hubs: Hubs | None, store_units: np.ndarray, weeks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Add the hub variables to the design MILP: ``open_hub[h]`` and routed units ``via_hub[q, t]``.

    ``via_hub[q, t] <= (store j's units in season t) x open_hub[h]`` (a tight per-route link);
    route cost per unit x weeks in the objective; the fixed cost per year of each opened hub.

    Parameters
    ----------
    m : Model
    hubs : Hubs or None
    store_units : ndarray (j, t)
        All units of each store and season (the route's upper bound).
    weeks : ndarray (t,)

    Returns
    -------
    (open columns (h,), route columns (q, t), (rows, cols, vals) for the routes balance row)
        The balance rows are ``j * n_t + t`` with coefficient -1 (units arriving at store j).
    """
    n_j, n_t = store_units.shape
    if hubs is None or not len(hubs.hub_ids):
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros((0, n_t), dtype=np.int64), (empty, empty, np.zeros(0))
    open_h = m.add_vars("open_hub", len(hubs.hub_ids), binary=True, cost=hubs.fixed_cost_per_yr)
    q = len(hubs.routes)
    yh = m.add_vars("via_hub", (q, n_t), cost=hubs.route_cost_per_unit[:, None] * weeks[None, :])
    if q:
        r = np.arange(q * n_t)
        units = store_units[np.repeat(hubs.routes[:, 1], n_t), np.tile(np.arange(n_t), q)]
        m.add_rows(
            "hub_open",
            np.r_[r, r],
            np.r_[yh.ravel(), open_h[np.repeat(hubs.routes[:, 0], n_t)]],
            np.r_[np.ones(q * n_t), -units],
            hi=np.zeros(q * n_t),
        )
    rows = (hubs.routes[:, 1][:, None] * n_t + np.arange(n_t)[None, :]).ravel()
    return open_h, yh, (rows, yh.ravel(), -np.ones(yh.size))
