"""One city's portfolio design from the ranking's own data: lanes priced per store, sites' rent, the product mix."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError

log = logging.getLogger("siting")

__all__ = [
    "PortfolioOptions",
    "capacity_levels",
    "making_table",
    "city_portfolio",
    "portfolio_columns",
    "solve_limit_s",
    "prove_all_local",
    "PORTFOLIO_COLUMNS",
    "PROVE_ALL_LOCAL_SWAPS",
]

#: Every design solve is bounded by work (nodes, a neighbourhood of sites), not time: with
#: ``time_limit_s`` unset this wall clock is only a safety net per HiGHS call, which the status
#: names if it ever stops one (Malta's slowest measured solve: 4.2 s of CPU).
SAFETY_NET_S = 60.0

#: The largest ``neighbourhood_sites`` and ``max_adopted`` a scenario may give (more gives back the
#: whole model's root cut loop, or repeats the values without end).
MAX_NEIGHBOURHOOD_SITES = 10_000
MAX_ADOPTED_CAP = 100

#: The site swaps ``siting plan`` (``--prove-all-local``, its default) tries on the all-local design
#: (:func:`prove_all_local`), besides column rounds until it is proven within ``mip_gap``. Helsinki demo:
#: 400 swaps give 6,701,954 EUR/yr, 0.34% below the unswapped 6,724,580; 50 swaps give 6,712,135
#: (docs/portfolio.md). The rounds' masters then find designs of their own (6,695,933 on Helsinki), but not
#: always cheaper ones: on the Malta demo's birkirkara cluster the swaps give 2,936,881, the masters
#: 2,940,272 from the unswapped start.
PROVE_ALL_LOCAL_SWAPS = 400

#: Columns the portfolio adds to a city's ranking.
PORTFOLIO_COLUMNS = ["portfolio_value_per_yr", "portfolio_opens", "portfolio_verdict"]


@dataclass(frozen=True)
class PortfolioOptions:
    """The portfolio design run beside the ranking (when the run has product families).

    Attributes
    ----------
    enabled : bool
        Solve the design whenever the city has product families (``--no-portfolio`` or
        ``[rank.portfolio] enabled = false``: off) and
        add ``portfolio_value_per_yr`` (the design's cost with the site forced closed minus its
        cost with the site allowed), ``portfolio_opens`` and a plain ``portfolio_verdict`` to
        every site; the value joins the default weights.
    scope : {"values", "full"}
        ``values`` (``rank``'s default): the design, the site values (one closure solve per
        opened site) and the forced-open prices of ``explain_sites`` sites. ``full``
        (``siting plan --objective portfolio``, ``rank --portfolio``): also every single-site
        outage (``resilience.csv``) and, with several clusters, the one national design across
        them (at most ``max_sites`` sites open in each cluster).
    explain_sites : int
        The first this many sites the design leaves closed, in the order of the other criteria's
        score, are priced forced open (one solve each, ``value_max_nodes``): their
        verdict says what opening them costs a year. The others' verdict gives their fixed cost
        as the bound.
    max_nodes : int
        Branch-and-bound nodes of each HiGHS solve of the design's three policies (HiGHS's
        ``mip_max_nodes``): a limit on work, the same on any machine and load. It does not bound
        HiGHS's root node (its cut loop), so every MILP of the hybrid (the design, each closure,
        forced opening and the national design) is solved on a neighbourhood of sites, whose root
        is short (Malta's tarxien closure: 4.2 s CPU on 6 sites against 0 nodes after 60 s on all
        85); see :func:`siting.design.neighbourhood.neighbourhood_solve`. Both scopes are thus the
        same on any machine and load.
    value_max_nodes : int
        The same for each closure (a site's value), forced-open and outage solve.
    neighbourhood_sites : int
        Sites a neighbourhood MILP may open besides the design's own and its start's: the ones the
        LP relaxation opens most (1 to 10,000; default 6). More sites: a design and values closer
        to the whole model's, a longer root.
    max_adopted : int
        A closure cheaper than the design becomes the design and the values are solved again, at
        most this many times (0 to 100; default 3; 0: never, a site's value may then be negative).
    all_local_bound_rounds : int, optional
        The most rounds of column generation that tighten the all-local design's proven bound, after the
        Lagrangian's subgradient steps (0 to 500; 0: none beyond the one round the whole-drop phase runs on
        problems of at most 10,000 local flows); they stop once it is proven within ``mip_gap``. Unset (the
        default): by ``scope``, 500 in ``full`` (``siting plan``: the decision proves every design it prints
        within ``mip_gap``) and 0 in ``values`` (``rank``'s site values); :meth:`local_bound_rounds` says
        which. Each round solves a small MILP per candidate site, side by side on ``SITING_N_JOBS`` threads
        (default: the CPU count, at most 2), seconds on a city. Each round's master also says which sites a
        cheaper all-local design opens, and such a design replaces the start
        (:func:`siting.design.solve.local_design`). With 500 rounds asked for (``siting plan``'s default,
        :func:`prove_all_local`) the Helsinki demo's plan proves its all-local design within 1%
        (docs/portfolio.md). The hybrid is unchanged.
    all_local_swaps : int, optional
        Site swaps tried on the all-local design (0 to 10,000; 0: none): close one of its
        sites, open another, re-assign every store whole, keep it when cheaper. Unset (the
        default): by ``scope``, 400 in ``full`` and 0 in ``values`` (:meth:`local_swaps`). A fraction of a
        second each on a city; the all-local design gets cheaper (never dearer), the hybrid is unchanged.
    time_limit_s : float, optional
        Unset (the default): no solve stops on the clock; 60 s per HiGHS call is only a safety
        net, whose stop the status names ("(time limit)"). Set: the wall-clock limit of each
        solve (a closure, a forced opening, an outage; the national design's solves get it times
        the number of clusters): a solve it stops depends on the machine's load.
    mip_gap : float
        Relative gap at which a solve stops (0.01 = within 1% of the optimum).
    crossdock : bool
        Offshore goods may be cross-docked at an open microfactory (a consolidated trunk from the
        distribution point plus handling, then the site's own drop at the store), besides direct
        delivery from the distribution point.
    crossdock_handling_per_unit : float
        Handling cost per unit cross-docked (currency; default ``crossdock_handling_cost_per_unit``
        of ``siting/data/cost_defaults.csv``, 0.04).
    trunk_vehicle : str
        Vehicle of the consolidated trunk from the distribution point to a cross-dock site or hub
        (a row of ``siting/data/vehicles.csv``; default the 7.5 t rigid HGV): its round trip's
        ``cost_per_km`` and ``cost_per_hour`` over a full load (``load_factor`` x its payload or
        load space in the lanes' packed units) is the trunk's cost per unit.
    demand_points : int
        The stores are grouped into at most this many demand points (demand-weighted k-means on
        their coordinates) to keep the design small: a point's demand is its stores' sum, its
        lane cost per unit their demand-weighted mean, its lane time their longest (a lane keeps
        the promise only if it does for every store of the point).
    hubs : DataFrame or path, optional
        Candidate fulfilment hubs (:func:`siting.design.hubs.read_hubs`; the scenario's
        ``[costs] hubs``): offshore goods may reach a store through a hub (consolidated trunk from
        the distribution point, handling, the hub's drop at the store) within the promise; a hub opens at its
        ``fixed_cost_per_yr``. Hubs more than ``max_snap_distance_m`` from a city's network are
        left out of that city.
    max_sites : int, optional
        At most this many sites open (``siting plan --k``); None: as many as lower the cost.
    drop_cost : float, optional
        Fixed cost of one drop at a store (currency): a store pays it once per delivering origin
        (the distribution point's van, each site whose drop brings its local or cross-docked
        goods, each hub), per drop (``lane_params.drops_per_week``), whatever the units, so a
        store served by two origins pays two drops. The lanes' per-unit prices leave out one stop
        per drop (it is this charge). Default (None): the stop as the lanes price it, the lane
        vehicle's ``cost_per_hour`` x ``lane_params.service_s`` (35 EUR/h x 600 s = 5.83 a drop for
        the default van); 0: stops cost nothing.
    crossdock_turnaround_s : float, optional
        Time from the trunk's arrival at a microfactory to the departure of its drop (unloading
        and sorting): a cross-dock at a site keeps the promise only when the trunk's time from the
        distribution point + this + the site's lane time is within ``offshore_promise_s``, as a
        hub's route with its ``turnaround_s``. Default (None): the lanes' stop time
        ``lane_params.service_s`` (the trunk unloads like a drop).
    offshore_promise_s : float
        The promise offshore goods keep from the distribution point to the store, by any route:
        direct, or a cross-dock's (a hub's) trunk + turnaround + lane (seconds, > 0, at most a
        week). Offshore goods are stock replenished on a schedule, so their promise is not the
        local lanes' ``reach.sla_time_s`` (a site's made-to-order run reaches its stores within
        that). Default 86,400 s: next-day store replenishment (``offshore_promise_s`` of
        ``siting/data/cost_defaults.csv``).
    """

    enabled: bool = True
    scope: str = "values"
    explain_sites: int = 3
    max_nodes: int = 500
    value_max_nodes: int = 100
    neighbourhood_sites: int = 6
    max_adopted: int = 3
    all_local_bound_rounds: int | None = None
    all_local_swaps: int | None = None
    time_limit_s: float | None = None
    mip_gap: float = 0.01
    crossdock: bool = True
    crossdock_handling_per_unit: float = 0.04  # cost_defaults.csv crossdock_handling_cost_per_unit (checked by a test)
    trunk_vehicle: str = "hgv_rigid_7_5t"
    demand_points: int = 30
    hubs: Any = field(default=None, compare=False)
    max_sites: int | None = None
    drop_cost: float | None = None
    crossdock_turnaround_s: float | None = None
    offshore_promise_s: float = 86400.0  # cost_defaults.csv offshore_promise_s (checked by a test)

    def __post_init__(self) -> None:
        if self.hubs is not None:  # a path (from a scenario) or a table: read and checked once here
            from siting.design.hubs import read_hubs

            if isinstance(self.hubs, (str, Path)):
                object.__setattr__(self, "hubs", read_hubs(self.hubs))
            elif not isinstance(self.hubs, pd.DataFrame):
                raise InputError(f"portfolio.hubs must be a hubs CSV path or table, got {type(self.hubs).__name__}.")
        for name in ("time_limit_s", "mip_gap", "crossdock_handling_per_unit"):
            value = getattr(self, name)
            if name == "time_limit_s" and value is None:
                continue
            ok = isinstance(value, (int, float)) and math.isfinite(value) and value >= 0
            if not ok or (name == "time_limit_s" and value <= 0):
                bound = "> 0" if name == "time_limit_s" else ">= 0"
                raise InputError(f"portfolio.{name} must be a finite number {bound}, got {value!r}.")
        for name, top, unit in (
            ("drop_cost", math.inf, "money per drop"),
            ("crossdock_turnaround_s", 7 * 86400.0, "s"),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
            if not ok or not 0 <= value <= top:
                most = f" and at most {top:g} (a week)" if math.isfinite(top) else ""
                raise InputError(
                    f"portfolio.{name} must be a finite number >= 0{most} ({unit}), or left out for the default, "
                    f"got {value!r}."
                )
        o = self.offshore_promise_s
        if isinstance(o, bool) or not isinstance(o, (int, float)) or not 0 < o <= 7 * 86400.0:
            raise InputError(
                f"portfolio.offshore_promise_s must be a number of seconds > 0 and at most 604800 (a week), got {o!r}."
            )
        if not isinstance(self.trunk_vehicle, str) or not self.trunk_vehicle.strip():
            raise InputError(f"portfolio.trunk_vehicle must be a vehicle id, got {self.trunk_vehicle!r}.")
        if self.scope not in ("values", "full"):
            raise InputError(f"portfolio.scope must be 'values' or 'full', got {self.scope!r}.")
        e = self.explain_sites
        if isinstance(e, bool) or not isinstance(e, int) or e < 0:
            raise InputError(f"portfolio.explain_sites must be a whole number >= 0, got {e!r}.")
        if not isinstance(self.demand_points, int) or self.demand_points < 1:
            raise InputError(f"portfolio.demand_points must be a whole number >= 1, got {self.demand_points!r}.")
        from siting.design.solve import check_max_nodes

        for name in ("max_nodes", "value_max_nodes"):
            check_max_nodes(f"portfolio.{name}", getattr(self, name))
            if getattr(self, name) is None:
                raise InputError(f"portfolio.{name} must be a whole number >= 1, got None.")
        from siting.design.alllocal import MAX_SITE_SWAPS
        from siting.design.colgen import MAX_BOUND_ROUNDS

        for name, low, high in (
            ("neighbourhood_sites", 1, MAX_NEIGHBOURHOOD_SITES),
            ("max_adopted", 0, MAX_ADOPTED_CAP),
            ("all_local_bound_rounds", 0, MAX_BOUND_ROUNDS),
            ("all_local_swaps", 0, MAX_SITE_SWAPS),
        ):
            v = getattr(self, name)
            if v is None and name.startswith("all_local_"):
                continue  # by scope (local_bound_rounds, local_swaps)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not low <= v <= high:
                raise InputError(f"portfolio.{name} must be a whole number from {low} to {high:,}, got {v!r}.")
        k = self.max_sites
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise InputError(f"portfolio.max_sites must be a whole number >= 1 (or unset), got {k!r}.")

    def local_bound_rounds(self) -> int:
        """The all-local column rounds asked for: ``all_local_bound_rounds``, else 500 in ``full``, 0 in ``values``.

        Returns
        -------
        int
        """
        from siting.design.colgen import MAX_BOUND_ROUNDS

        return self._by_scope(self.all_local_bound_rounds, MAX_BOUND_ROUNDS)

    def local_swaps(self) -> int:
        """The all-local site swaps this run asks for: ``all_local_swaps``, else 400 in ``full`` scope, 0 in ``values``.

        Returns
        -------
        int
        """
        return self._by_scope(self.all_local_swaps, PROVE_ALL_LOCAL_SWAPS)

    def _by_scope(self, given: int | None, proof: int) -> int:
        """``given`` when set, else the proof's ``proof`` in ``full`` scope (``siting plan``) and 0 in ``values``."""
        if given is not None:
            return int(given)
        return proof if self.scope == "full" else 0


@lru_cache(maxsize=1)
def _data(name: str) -> pd.DataFrame:
    with resources.files("siting").joinpath(f"data/{name}").open("r") as fh:
        return pd.read_csv(fh, comment="#")


def capacity_levels() -> pd.DataFrame:
    """The default capacity levels: ``level, hours_per_week, staff_cost_per_yr, setup_cost_per_yr`` (with sources).

    Returns
    -------
    pandas.DataFrame
        A copy of ``siting/data/capacity_levels.csv``.
    """
    return _data("capacity_levels.csv").copy()


def making_table(families: list[Any]) -> pd.DataFrame:
    """Machine-hours per unit and changeover hours per run of each family (package defaults, ``*`` for others).

    Parameters
    ----------
    families : list of ProductFamily

    Returns
    -------
    pandas.DataFrame
        ``family, machine_hours_per_unit, changeover_hours_per_run``.
    """
    table = _data("making.csv").set_index("family")
    rows = []
    for f in families:
        row = table.loc[f.family] if f.family in table.index else table.loc["*"]
        rows.append((f.family, float(row["machine_hours_per_unit"]), float(row["changeover_hours_per_run"])))
    return pd.DataFrame(rows, columns=["family", "machine_hours_per_unit", "changeover_hours_per_run"])


def demand_points(xy: np.ndarray, units: np.ndarray, k: int) -> np.ndarray:
    """Label of each store's demand point: demand-weighted k-means of the coordinates (seeded, deterministic).

    Parameters
    ----------
    xy : ndarray (n, 2)
        Store coordinates in a metric CRS.
    units : ndarray (n,)
        Weekly demand (the weights).
    k : int
        At most this many points.

    Returns
    -------
    ndarray of int
        Point of each store, 0 .. k-1.
    """
    n = len(xy)
    if n <= k:
        return np.arange(n)
    from sklearn.cluster import KMeans

    weights = np.where(units > 0, units, 1e-9)
    model = KMeans(n_clusters=k, n_init=4, random_state=0).fit(xy, sample_weight=weights)
    _, labels = np.unique(model.labels_, return_inverse=True)
    return labels


def _group(values: np.ndarray, labels: np.ndarray, units: np.ndarray, how: str) -> np.ndarray:
    """Columns (stores) of ``values`` grouped by ``labels``: demand-weighted mean or max; inf stays inf."""
    k = int(labels.max()) + 1 if len(labels) else 0
    out = np.empty((*values.shape[:-1], k))
    for p in range(k):
        cols = labels == p
        part = values[..., cols]
        if how == "max":
            out[..., p] = part.max(axis=-1)
        else:
            w = units[cols]
            with np.errstate(invalid="ignore"):
                mean = (part * w).sum(axis=-1) / w.sum() if w.sum() > 0 else part.mean(axis=-1)
            out[..., p] = np.where(np.isfinite(part).all(axis=-1), mean, np.inf)
    return out


def _per_unit(cost_per_week: np.ndarray, units: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(units > 0, cost_per_week / units, 0.0)


def city_portfolio(
    *,
    G: Any,
    candidates: pd.DataFrame,
    stores: pd.DataFrame,
    store_time_s: np.ndarray,
    store_length_m: np.ndarray,
    back_time_s: np.ndarray,
    back_length_m: np.ndarray,
    rent_per_yr: np.ndarray,
    mix: list[Any],
    dc_node: int,
    options: Any,
    explain_site_ids: Sequence[str] = (),
) -> Any:
    """The portfolio design of one city (:func:`siting.design.design_for_city`) from the ranking's data.

    Lanes are out-and-back drops priced per store with the run's vehicle
    (:func:`siting.delivery.lane_tables.direct_lane_values`) at the store's whole weekly demand, so
    the cost per unit is the lane's cost per week over that demand. The delivery promise is
    ``options.reach.sla_time_s``; rent is the ranking's ``rent_per_yr`` plus the amortised set-up cost.
    ``explain_site_ids``: sites to price forced open when the design leaves them closed (the first
    ``options.portfolio.explain_sites`` of them). Every solve stops at
    ``max_nodes`` (the policies) or ``value_max_nodes`` (closures, forced openings, outages) nodes.

    Returns
    -------
    siting.design.city.CityDesign
    """
    from siting.costs.products import cost_default
    from siting.delivery.lane_tables import direct_lane_values, pair_lane_cost_per_week
    from siting.design import design_for_city
    from siting.network.od import od_time_length

    popt: PortfolioOptions = options.portfolio
    limit_s = solve_limit_s(popt)
    units = stores["demand_units_per_week"].to_numpy(dtype=float)
    n_s, n_j = store_time_s.shape
    per_week = pair_lane_cost_per_week(
        store_time_s,
        store_length_m,
        back_time_s,
        back_length_m,
        units,
        params=options.lanes.lane_params,
        vehicles=options.lanes.vehicles,
    )
    stop = _stop_cost_per_week(units, options)  # one stop per drop leaves the per-unit price: the drop charge
    lane_cost = _per_unit(np.maximum(per_week - stop[None, :], 0.0), units[None, :])
    lane_cost = np.where(np.isfinite(store_time_s), lane_cost, np.inf)
    out_t, out_l = od_time_length(G, [dc_node], stores["node"].to_numpy())
    back_t, back_l = od_time_length(G, stores["node"].to_numpy(), [dc_node])
    direct = direct_lane_values(
        out_t[0],
        out_l[0],
        back_t[:, 0],
        back_l[:, 0],
        units,
        params=options.lanes.lane_params,
        vehicles=options.lanes.vehicles,
    )
    direct_cost = np.where(
        np.isfinite(out_t[0]), _per_unit(np.maximum(direct["cost_per_week"] - stop, 0.0), units), np.inf
    )
    setup_per_yr = float(options.costs.setup_cost) / cost_default("setup_amortisation_yr")
    trunk_site = _trunk_per_unit(G, dc_node, candidates["node"].to_numpy(), options) if popt.crossdock else None
    # a cross-dock keeps the promise counting the trunk's road time to the site and its turnaround (as a hub)
    trunk_time = od_time_length(G, [dc_node], candidates["node"].to_numpy())[0][0]
    params = options.lanes.lane_params
    turnaround_s = params.service_s if popt.crossdock_turnaround_s is None else popt.crossdock_turnaround_s
    room_of_site, room_stores = _backrooms(candidates, stores)
    labels = _point_labels(stores, units, popt.demand_points, room_stores)
    k = int(labels.max()) + 1
    point_units = np.bincount(labels, weights=units, minlength=k)
    # each store of a point receives its own drops: a point's drops a week are its stores' (with demand)
    point_stores = np.bincount(labels, weights=(units > 0).astype(float), minlength=k)
    per_drop = _stop_cost_per_drop(options) if popt.drop_cost is None else float(popt.drop_cost)
    lane_time = np.where(np.isfinite(store_time_s), store_time_s, np.inf)
    direct_time = np.where(np.isfinite(out_t[0]), out_t[0], np.inf)
    point_ids = [f"point-{p + 1:02d}" for p in range(k)]
    ids = stores["store_id"].astype(str).to_numpy()
    for j in room_stores:  # a back-room store is its own point, named by its store id
        point_ids[int(labels[j])] = ids[j] if ids[j] not in point_ids else f"store {ids[j]}"
    hubs = None
    if popt.hubs is not None:
        hubs = _hub_routes(G, stores, units, labels, dc_node, point_ids, options)
    return design_for_city(
        stores=pd.DataFrame({"store_id": point_ids, "units_per_week": point_units}),
        candidates=pd.DataFrame(
            {
                "site_id": candidates["site_id"].astype(str),
                "rent_per_yr": np.asarray(rent_per_yr) + setup_per_yr,
                # a back-room site delivers to its own store's point for free, with no drop
                "store_id": [None if j is None else point_ids[int(labels[j])] for j in room_of_site],
            }
        ),
        levels=capacity_levels()[["level", "hours_per_week", "staff_cost_per_yr", "setup_cost_per_yr"]],
        lane_time_s=_group(lane_time, labels, units, "max"),
        lane_cost_per_unit=_group(lane_cost, labels, units, "mean"),
        direct_time_s=_group(direct_time, labels, units, "max"),
        direct_cost_per_unit=_group(direct_cost, labels, units, "mean"),
        families=mix,
        making=making_table(mix),
        promise_s=float(options.reach.sla_time_s),
        crossdock_cost_per_unit=None
        if trunk_site is None
        else _finite_or_nan(trunk_site + popt.crossdock_handling_per_unit),
        time_limit_s=limit_s,
        mip_gap=popt.mip_gap,
        brand_units_per_week=options.costs.brand_units_per_week,
        hubs=hubs,
        max_sites=popt.max_sites,
        outages=popt.scope == "full",
        explain_site_ids=list(explain_site_ids),
        explain_sites=popt.explain_sites,
        # both scopes: every solve bounded by work (nodes, a neighbourhood of sites); the clock only
        # a safety net unless the user set time_limit_s
        explain_time_limit_s=limit_s,
        value_time_limit_s=limit_s,
        max_nodes=popt.max_nodes,
        value_max_nodes=popt.value_max_nodes,
        neighbourhood_sites=popt.neighbourhood_sites,
        max_adopted=popt.max_adopted,
        local_bound_rounds=popt.local_bound_rounds(),
        local_swaps=popt.local_swaps(),
        crossdock_time_s=np.where(np.isfinite(trunk_time), trunk_time + float(turnaround_s), np.inf),
        drop_cost_per_week=per_drop * float(params.drops_per_week) * point_stores,
        offshore_promise_s=float(popt.offshore_promise_s),
        drops_per_week=float(params.drops_per_week) * point_stores,
    )


def _backrooms(candidates: pd.DataFrame, stores: pd.DataFrame) -> tuple[list[int | None], list[int]]:
    """Row of the store each candidate sits in (None: an ordinary site) and those store rows.

    A back room whose store left the run (off the network) is an ordinary site, logged.
    """
    from siting.inputs.backrooms import BACKROOM_COLUMN, backroom_ids

    if BACKROOM_COLUMN not in candidates.columns:
        return [None] * len(candidates), []
    named = backroom_ids(candidates)[BACKROOM_COLUMN]
    row_of = {s: j for j, s in enumerate(stores["store_id"].astype(str))}
    rooms: list[int | None] = []
    for site, store in zip(candidates["site_id"], named):
        if store is not None and store not in row_of:
            log.warning("site %s: its store %s is not in the run (off the network?): an ordinary site", site, store)
        rooms.append(row_of.get(store) if store is not None else None)
    return rooms, sorted({j for j in rooms if j is not None})


def _point_labels(stores: pd.DataFrame, units: np.ndarray, k: int, own: list[int]) -> np.ndarray:
    """Demand point of each store: each store of ``own`` (back rooms) a point of its own, the others k-means."""
    xy = np.column_stack([stores.geometry.x, stores.geometry.y])
    rest = np.setdiff1d(np.arange(len(stores)), np.asarray(own, dtype=int))
    labels = np.empty(len(stores), dtype=int)
    if len(rest):
        labels[rest] = demand_points(xy[rest], units[rest], k)
    start = int(labels[rest].max()) + 1 if len(rest) else 0
    labels[np.asarray(own, dtype=int)] = start + np.arange(len(own))
    return labels


def _stop_cost_per_drop(options: Any) -> float:
    """What the lanes charge for one stop: the lane vehicle's cost per hour x ``lane_params.service_s``."""
    from siting.delivery import VEHICLES

    params = options.lanes.lane_params
    table = options.lanes.vehicles or VEHICLES
    if params.vehicle not in table:
        raise InputError(f"unknown vehicle {params.vehicle!r}; choose one of {', '.join(sorted(table))}.")
    return float(table[params.vehicle].cost_per_hour) * float(params.service_s) / 3600.0


def _stop_cost_per_week(units: np.ndarray, options: Any) -> np.ndarray:
    """One stop per drop a week at each store with demand (money per week), the part of a lane the drop charge takes."""
    drops = float(options.lanes.lane_params.drops_per_week)
    return np.where(np.asarray(units, dtype=float) > 0, drops * _stop_cost_per_drop(options), 0.0)


def solve_limit_s(popt: PortfolioOptions) -> float:
    """The wall clock of each design solve: the user's ``time_limit_s``, else the safety net :data:`SAFETY_NET_S`.

    Parameters
    ----------
    popt : PortfolioOptions

    Returns
    -------
    float
        Seconds per HiGHS call.
    """
    return SAFETY_NET_S if popt.time_limit_s is None else float(popt.time_limit_s)


def prove_all_local(popt: PortfolioOptions, prove: bool = True) -> PortfolioOptions:
    """``popt`` set to prove the all-local design within ``mip_gap``, or not (``siting plan --[no-]prove-all-local``).

    Proving: column rounds until the all-local design is proven within ``mip_gap``, at most
    :data:`siting.design.colgen.MAX_BOUND_ROUNDS`, their masters' sites giving cheaper designs on the
    way, and :data:`PROVE_ALL_LOCAL_SWAPS` site swaps on its start (``all_local_bound_rounds`` and
    ``all_local_swaps``): what ``siting plan`` runs by default, whatever the scenario's keys say. Not
    proving (``prove=False``): neither, for quick what-ifs; the all-local design is then the greedy
    start and its gap the default Lagrangian bound's (2.55% on the Helsinki demo instead of 0.96%),
    which the summary says is above ``mip_gap``. The hybrid is unchanged either way.

    Parameters
    ----------
    popt : PortfolioOptions
    prove : bool
        Prove (the default) or skip the proof.

    Returns
    -------
    PortfolioOptions
    """
    import dataclasses

    from siting.design.colgen import MAX_BOUND_ROUNDS

    if not prove:
        return dataclasses.replace(popt, all_local_bound_rounds=0, all_local_swaps=0)
    return dataclasses.replace(popt, all_local_bound_rounds=MAX_BOUND_ROUNDS, all_local_swaps=PROVE_ALL_LOCAL_SWAPS)


def _hub_routes(
    G: Any,
    stores: pd.DataFrame,
    units: np.ndarray,
    labels: np.ndarray,
    dc_node: int,
    point_ids: list[str],
    options: Any,
) -> Any:
    """The city's routes distribution point -> hub -> demand point within the promise (None: no hub on its network).

    The trunk to a hub is a full ``trunk_vehicle`` round trip from the distribution point over its
    load (:func:`_trunk_per_unit`) and takes the road time from the distribution point; the hub's
    drop at a store is priced like a site's lane (out-and-back at the store's weekly demand).
    """
    import geopandas as gpd

    from siting.delivery.lane_tables import pair_lane_cost_per_week
    from siting.design.hubs import hub_routes
    from siting.network.od import od_time_length, snap

    table = options.portfolio.hubs
    points = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=4326)
    with warnings.catch_warnings():  # hubs of other cities are off this network: expected, logged below
        warnings.simplefilter("ignore", UserWarning)
        snapped = snap(G, points, max_distance_m=options.reach.max_snap_distance_m)
    log.info("%d of %d candidate hubs on this network", len(snapped), len(table))
    if snapped.empty:
        log.info("no candidate hub within %.0f m of this network", options.reach.max_snap_distance_m)
        return None
    kept = table.loc[snapped.index].reset_index(drop=True)
    nodes = snapped["node"].to_numpy()
    store_nodes = stores["node"].to_numpy()
    out_t, out_l = od_time_length(G, nodes, store_nodes)
    back_t, back_l = od_time_length(G, store_nodes, nodes)
    trunk_t, _ = od_time_length(G, [dc_node], nodes)
    per_week = pair_lane_cost_per_week(
        out_t, out_l, back_t, back_l, units, params=options.lanes.lane_params, vehicles=options.lanes.vehicles
    )
    stop = _stop_cost_per_week(units, options)  # the hub's drops pay their stop as the drop charge
    lane_cost = np.where(
        np.isfinite(out_t), _per_unit(np.maximum(per_week - stop[None, :], 0.0), units[None, :]), np.inf
    )
    return hub_routes(
        kept,
        trunk_time_s=trunk_t[0],
        trunk_cost_per_unit=_trunk_per_unit(G, dc_node, nodes, options),
        lane_time_s=_group(np.where(np.isfinite(out_t), out_t, np.inf), labels, units, "max"),
        lane_cost_per_unit=_group(lane_cost, labels, units, "mean"),
        promise_s=float(options.portfolio.offshore_promise_s),
        store_ids=point_ids,
    )


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nan)


def _trunk_per_unit(G: Any, dc_node: int, nodes: np.ndarray, options: Any) -> np.ndarray:
    """Consolidated trunk per unit from the distribution point to each node and back (inf: unreachable)."""
    from siting.delivery import VEHICLES
    from siting.delivery.emissions import vehicle_time_s
    from siting.design.hubs import trunk_cost_per_unit, vehicle_load_units
    from siting.network.od import od_time_length

    popt, params = options.portfolio, options.lanes.lane_params
    table = options.lanes.vehicles or VEHICLES
    if popt.trunk_vehicle not in table:
        raise InputError(
            f"portfolio.trunk_vehicle {popt.trunk_vehicle!r} is not a known vehicle; choose one of "
            f"{', '.join(sorted(table))}."
        )
    v = table[popt.trunk_vehicle]
    out_t, out_l = od_time_length(G, [dc_node], nodes)
    back_t, back_l = od_time_length(G, nodes, [dc_node])
    time_s = vehicle_time_s(out_t[0], out_l[0], v) + vehicle_time_s(back_t[:, 0], back_l[:, 0], v)
    load = vehicle_load_units(
        v.payload_kg,
        v.volume_m3,
        unit_weight_kg=params.unit_weight_kg,
        unit_volume_m3=params.unit_volume_m3,
        load_factor=params.load_factor,
    )
    return trunk_cost_per_unit(
        out_l[0] + back_l[:, 0], time_s, cost_per_km=v.cost_per_km, cost_per_hour=v.cost_per_hour, load_units=load
    )


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}".strip()


def _open_verdict(row: Any, design: Any, currency: str) -> str:
    made = design.portfolio.hybrid.portfolio
    fams = sorted(set(made.loc[(made["site"] == row.site_id) & (made["source"] == "local"), "family"]))
    makes = f"makes {', '.join(fams) or 'nothing locally (cross-dock)'}"
    if not np.isfinite(row.value_per_yr):
        return (
            f"opens in the best design ({row.level}), essential: without it some store has no source within "
            f"the delivery promise; {makes}"
        )
    text = f"opens in the best design ({row.level}), worth {_money(row.value_per_yr, currency)} a year"
    low, high = float(row.value_low_per_yr), float(row.value_high_per_yr)
    if np.isfinite(low) and np.isfinite(high) and high - low > max(0.02 * abs(row.value_per_yr), 1.0):
        text += f" (between {_money(max(low, 0.0), currency)} and {_money(high, currency)}: solver gaps)"
    return f"{text}; {makes}"


def _closed_verdict(site: str, design: Any, forced: pd.DataFrame, currency: str) -> str:
    hybrid = design.portfolio.hybrid
    pb = design.problem
    if len(forced) and site in set(forced["site_id"]):
        row = forced.set_index("site_id").loc[site]
        extra = float(row["extra_cost_per_yr"])
        if not np.isfinite(extra):
            return f"not worth opening: no design with it open was found ({row['status']})"
        if extra < 0:
            return (
                f"worth a second look: forcing it open ({row['level']}) saves {_money(-extra, currency)} a year "
                f"against the design found ({hybrid.status})"
            )
        text = f"not worth opening: forcing it open ({row['level']}) costs {_money(extra, currency)} a year more"
        low = float(row["extra_low_per_yr"])
        if extra - low > max(0.02 * extra, 1.0):
            text += f" (at least {_money(low, currency)}: {row['status']})"
        return text
    s = pb.site_ids.index(site)
    if not pb.level_ok[s].any():
        return "not worth opening: no capacity level is offered here"
    lev = int(np.argmin(np.where(pb.level_ok[s], pb.hours_per_week[s], np.inf)))
    other = "opens other sites" if hybrid.levels else "makes everything offshore"
    return (
        f"not worth opening: its fixed cost ({pb.level_names[lev]}, {_money(pb.fixed_cost_per_yr[s, lev], currency)} "
        f"a year) does not pay back; the best design {other}"
    )


def portfolio_columns(design: Any, currency: str = "") -> pd.DataFrame:
    """Per site: ``portfolio_value_per_yr``, ``portfolio_opens`` and a plain ``portfolio_verdict``.

    A site whose closure leaves a store with no source within the promise (value ``inf``) gets
    the largest finite value of the city in ``portfolio_value_per_yr`` (so it scores at least as
    well as the best) and says so in its verdict.

    Parameters
    ----------
    design : siting.design.city.CityDesign
    currency : str
        Named in the verdicts.

    Returns
    -------
    pandas.DataFrame
        One row per site of the design, with ``site_id``.
    """
    values = design.site_values
    hybrid = design.portfolio.hybrid
    proven = "" if hybrid.status == "optimal" else f" (the design {hybrid.status}: not proven)"
    verdicts = []
    for row in values.itertuples():
        if row.opens:
            verdicts.append(_open_verdict(row, design, currency) + proven)
        else:
            verdicts.append(_closed_verdict(str(row.site_id), design, design.forced_open, currency) + proven)
    value = values["value_per_yr"].to_numpy(dtype=float)
    finite = value[np.isfinite(value)]
    value = np.where(np.isposinf(value), finite.max(initial=0.0), value)
    return pd.DataFrame(
        {
            "site_id": values["site_id"].astype(str),
            "portfolio_value_per_yr": value,
            "portfolio_opens": values["opens"].astype(bool).to_numpy(),
            "portfolio_verdict": verdicts,
        }
    )
