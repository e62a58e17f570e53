"""One city's design from the pipeline's per-city data: stores, candidates, delivery matrices, families."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.costs import ProductFamily
from siting.design.hubs import Hubs
from siting.design.model import DesignModel
from siting.design.neighbourhood import MAX_ADOPTED
from siting.design.outages import resilience
from siting.design.problem import DesignProblem, design_problem
from siting.design.rootproof import prove_gap
from siting.design.settle import settle_design
from siting.design.solve import Portfolio, portfolio
from siting.errors import InputError

__all__ = ["CityDesign", "design_for_city", "solve_city"]


@dataclass(frozen=True)
class CityDesign:
    """The design of one city: the three policies, each site's value, the outages and forced openings.

    ``resilience`` is empty when the outages were not asked for; ``forced_open``
    (:func:`siting.design.outages.forced_open`) holds the sites priced forced open.
    """

    problem: DesignProblem
    portfolio: Portfolio
    site_values: pd.DataFrame
    resilience: pd.DataFrame
    model: DesignModel
    forced_open: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The sites the city prices forced open, in order (``explain_site_ids``): a national design
    #: prices each cluster's the same way (:func:`siting.design.national.national_design`).
    explain_order: tuple[str, ...] = ()


def _matrix(name: str, values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != shape:
        raise InputError(f"{name}: shape {arr.shape}, expected {shape} (sites x stores in the order given).")
    bad = np.isnan(arr) | (arr < 0)
    if bad.any():
        raise InputError(
            f"{name}: entry {tuple(int(i) for i in np.argwhere(bad)[0])} is {arr[bad][0]!r}; "
            f"give a number >= 0 (inf: unreachable)."
        )
    return arr


def _promise(name: str, value: float) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0 and not np.isnan(value)
    if not ok:
        raise InputError(f"{name} must be a number of seconds > 0 (inf: no limit), got {value!r}.")
    return float(value)


def design_for_city(
    *,
    stores: pd.DataFrame,
    candidates: pd.DataFrame,
    levels: pd.DataFrame,
    lane_time_s: np.ndarray,
    lane_cost_per_unit: np.ndarray,
    direct_time_s: np.ndarray,
    direct_cost_per_unit: np.ndarray,
    families: Sequence[ProductFamily],
    making: pd.DataFrame,
    promise_s: float,
    seasons: Mapping[str, tuple[float, float]] | None = None,
    crossdock_cost_per_unit: float | np.ndarray | None = None,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    late_penalty_per_unit: float = 1e-3,
    brand_units_per_week: Mapping[str, float] | None = None,
    hubs: Hubs | None = None,
    max_sites: int | None = None,
    outages: bool = True,
    explain_site_ids: Sequence[str] = (),
    explain_sites: int | None = None,
    explain_time_limit_s: float | None = None,
    value_time_limit_s: float | None = None,
    max_nodes: int | None = None,
    value_max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
    max_adopted: int = MAX_ADOPTED,
    local_bound_rounds: int = 0,
    local_swaps: int = 0,
    crossdock_time_s: float | np.ndarray | None = None,
    drop_cost_per_week: float | np.ndarray | None = None,
    offshore_promise_s: float | None = None,
    drops_per_week: float | np.ndarray | None = None,
) -> CityDesign:
    """The portfolio design of one city, with site values and single-site outages.

    Parameters
    ----------
    stores : DataFrame
        ``store_id, units_per_week`` (all families together); each store's demand of a family is
        its units x the family's share of the families' mean weekly demand.
    candidates : DataFrame
        ``site_id, rent_per_yr`` and optionally ``store_id`` (a store-backroom site: deliveries to
        that store are free; its rent is the store's floor-area premium).
    levels : DataFrame
        ``level, hours_per_week, staff_cost_per_yr, setup_cost_per_yr`` (set-up already amortised).
    lane_time_s, lane_cost_per_unit : ndarray (sites x stores)
        Delivery time and cost per unit from each candidate to each store (inf: unreachable).
    direct_time_s, direct_cost_per_unit : ndarray (stores,)
        The same from the distribution point (offshore goods delivered directly).
    families : sequence of ProductFamily
        The city's product mix.
    making : DataFrame
        ``family, machine_hours_per_unit, changeover_hours_per_run``.
    promise_s : float
        The delivery promise: a lane slower than this serves a store only during an outage.
    seasons : mapping, optional
        Season -> (weeks a year, demand factor); default one 52-week season at factor 1.
    crossdock_cost_per_unit : float or ndarray (sites,), optional
        Trunk from the distribution point plus handling per offshore unit cross-docked at an
        open site (one figure, or one per site; NaN: not at that site); None: no cross-docking.
    time_limit_s, mip_gap, late_penalty_per_unit : float
        See :func:`siting.design.portfolio`.
    brand_units_per_week : mapping, optional
        The brand volume frame of offshore buys (see :func:`siting.design.design_problem`).
    hubs : Hubs, optional
        Candidate fulfilment hubs and their routes to ``stores`` (:func:`siting.design.hubs.hub_routes`).
    max_sites : int, optional
        At most this many sites open (None: as many as lower the cost).
    outages : bool
        Price every single-site outage of the design (``resilience``); False leaves it empty.
    explain_site_ids : sequence of str
        Sites to price forced open when the design leaves them closed, in order
        (:func:`siting.design.outages.forced_open`).
    explain_sites : int, optional
        Price at most this many of them (None: all).
    explain_time_limit_s : float, optional
        Time limit of each forced-open solve (default ``time_limit_s``).
    value_time_limit_s : float, optional
        Time limit of each closure solve of the site values (default ``time_limit_s``).
    max_nodes : int, optional
        Branch-and-bound nodes of each solve of the three policies (:func:`siting.design.portfolio`):
        the deterministic limit (None: the wall-clock limits alone, which depend on the machine's load).
    value_max_nodes : int, optional
        Branch-and-bound nodes of each closure, forced-open and outage solve (default ``max_nodes``).
    neighbourhood_sites : int, optional
        With ``max_nodes``: the hybrid, each closure and each forced opening are solved on a
        neighbourhood of sites (:func:`siting.design.neighbourhood.neighbourhood_solve`), so that
        no solve depends on the clock (an outage keeps the other sites' levels: its MILP is
        bounded by ``value_max_nodes``).
    max_adopted : int
        With ``neighbourhood_sites``: at most this many cheaper closures become the design
        (:func:`siting.design.outages.settled_values`).
    local_bound_rounds : int
        Column-generation rounds that tighten the all-local design's proven bound (0 to 500; 0:
        none beyond the whole-drop phase's; :func:`siting.design.solve.local_design`).
    local_swaps : int
        Site swaps tried on the all-local design (0 to 10,000; 0: none; :func:`siting.design.solve.local_design`).
    crossdock_time_s : float or ndarray (sites,), optional
        Time from the distribution point to each site plus its turnaround (trunk + unloading and
        sorting): offshore goods cross-dock at a site for a store only when this plus the lane's
        time is within ``promise_s`` (as a hub's route). None: 0 (the lane's time alone).
    drop_cost_per_week : float or ndarray (stores,), optional
        Fixed cost a week of one origin's drops at each store (one figure, or one per store): paid
        once per store, delivering origin (the distribution point, a site, a hub) and season,
        whatever the units (:func:`siting.design.design_problem`'s ``drops``); None: no charge.
    offshore_promise_s : float, optional
        The promise offshore goods keep from the distribution point to the store (direct delivery;
        a cross-dock's trunk + turnaround + lane). None: ``promise_s`` (one promise for both).
    drops_per_week : float or ndarray (stores,), optional
        The drops a week that ``drop_cost_per_week`` stands for at each store (one figure, or one
        per store), for the reports (``Design.drops``); None: not given.

    Returns
    -------
    CityDesign
    """
    for name, df, cols in (
        ("stores", stores, ["store_id", "units_per_week"]),
        ("candidates", candidates, ["site_id", "rent_per_yr"]),
    ):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise InputError(f"{name}: missing column(s) {', '.join(missing)}.")
    n_s, n_j = len(candidates), len(stores)
    offshore_s = promise_s if offshore_promise_s is None else _promise("offshore_promise_s", offshore_promise_s)
    t_lane = _matrix("lane_time_s", lane_time_s, (n_s, n_j))
    c_lane = _matrix("lane_cost_per_unit", lane_cost_per_unit, (n_s, n_j))
    t_dir = _matrix("direct_time_s", direct_time_s, (n_j,))
    c_dir = _matrix("direct_cost_per_unit", direct_cost_per_unit, (n_j,))
    seasons = dict(seasons or {"year": (52.0, 1.0)})
    fams = list(families)
    means = np.array([f.demand_mean_units_per_week for f in fams], dtype=float)
    share = means / means.sum() if means.sum() > 0 else np.full(len(fams), 1.0 / max(len(fams), 1))
    store_ids = [str(s) for s in stores["store_id"]]
    units = pd.to_numeric(stores["units_per_week"], errors="coerce").to_numpy(dtype=float)
    demand = pd.DataFrame(
        [
            (sid, f.family, season, u * sh * factor)
            for sid, u in zip(store_ids, units)
            for f, sh in zip(fams, share)
            for season, (_, factor) in seasons.items()
        ],
        columns=["store_id", "family", "season", "units_per_week"],
    )
    site_ids = [str(s) for s in candidates["site_id"]]
    rent = pd.to_numeric(candidates["rent_per_yr"], errors="coerce").to_numpy(dtype=float)
    lv = levels.reset_index(drop=True)
    fixed_l = pd.to_numeric(lv["staff_cost_per_yr"], errors="coerce").to_numpy(float) + pd.to_numeric(
        lv["setup_cost_per_yr"], errors="coerce"
    ).to_numpy(float)
    sites = pd.DataFrame(
        [
            (sid, str(lev), h, r + fx)
            for sid, r in zip(site_ids, rent)
            for lev, h, fx in zip(lv["level"], lv["hours_per_week"], fixed_l)
        ],
        columns=["site_id", "level", "hours_per_week", "fixed_cost_per_yr"],
    )
    xd = np.full(n_s, np.nan) if crossdock_cost_per_unit is None else np.asarray(crossdock_cost_per_unit, float)
    sites["crossdock_cost_per_unit"] = np.repeat(np.broadcast_to(xd, (n_s,)), len(lv))
    if "store_id" in candidates.columns:
        colo = dict(zip(site_ids, candidates["store_id"]))
        sites["colocated_store_id"] = [colo[s] if isinstance(colo[s], str) else None for s in sites["site_id"]]
    ss, jj = np.nonzero(np.isfinite(t_lane) & np.isfinite(c_lane))
    xd_time = np.zeros(n_s)
    if crossdock_time_s is not None:
        xd_time = _matrix("crossdock_time_s", np.broadcast_to(np.asarray(crossdock_time_s, float), (n_s,)), (n_s,))
    lanes = pd.DataFrame(
        {
            "site_id": [site_ids[s] for s in ss],
            "store_id": [store_ids[j] for j in jj],
            "cost_per_unit": c_lane[ss, jj],
            "within_promise": t_lane[ss, jj] <= promise_s,
            # a cross-dock keeps the promise counting the trunk and the turnaround at the site (as a hub)
            "crossdock_within_promise": xd_time[ss] + t_lane[ss, jj] <= offshore_s,
        }
    )
    drops = None
    if drop_cost_per_week is not None:
        per_store = np.broadcast_to(np.asarray(drop_cost_per_week, dtype=float), (n_j,))
        drops = pd.DataFrame({"store_id": store_ids, "cost_per_week": _matrix("drop_cost_per_week", per_store, (n_j,))})
        if drops_per_week is not None:
            count = np.broadcast_to(np.asarray(drops_per_week, dtype=float), (n_j,))
            drops["drops_per_week"] = _matrix("drops_per_week", count, (n_j,))
    direct = pd.DataFrame(
        {
            "store_id": store_ids,
            "cost_per_unit": np.where(np.isfinite(c_dir), c_dir, 1e6),
            "within_promise": t_dir <= offshore_s,
        }
    )
    pb = design_problem(
        demand=demand,
        sites=sites,
        lanes=lanes,
        direct=direct,
        families=fams,
        making=making,
        seasons={k: w for k, (w, _) in seasons.items()},
        brand_units_per_week=brand_units_per_week,
        hubs=hubs,
        drops=drops,
    )
    return solve_city(
        pb,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        late_penalty_per_unit=late_penalty_per_unit,
        max_sites=max_sites,
        outages=outages,
        explain_site_ids=explain_site_ids,
        explain_sites=explain_sites,
        explain_time_limit_s=explain_time_limit_s,
        value_time_limit_s=value_time_limit_s,
        max_nodes=max_nodes,
        value_max_nodes=value_max_nodes,
        neighbourhood_sites=neighbourhood_sites,
        max_adopted=max_adopted,
        local_bound_rounds=local_bound_rounds,
        local_swaps=local_swaps,
    )


def solve_city(
    pb: DesignProblem,
    *,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    late_penalty_per_unit: float = 1e-3,
    max_sites: int | None = None,
    outages: bool = True,
    explain_site_ids: Sequence[str] = (),
    explain_sites: int | None = None,
    explain_time_limit_s: float | None = None,
    value_time_limit_s: float | None = None,
    max_nodes: int | None = None,
    value_max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
    max_adopted: int = MAX_ADOPTED,
    local_bound_rounds: int = 0,
    local_swaps: int = 0,
) -> CityDesign:
    """A city's design problem solved: the three policies, the site values, outages and forced openings.

    A settled hybrid left above ``mip_gap`` is proven tighter by HiGHS's root cuts on the whole model
    (:func:`siting.design.rootproof.prove_gap`): its bound, gap and status change, its design never.

    With ``max_nodes``, ``value_max_nodes`` and ``neighbourhood_sites`` every solve is bounded by
    work (the same design and tables on any machine and load while no solve reaches its
    wall-clock limits, which the statuses name).

    Parameters
    ----------
    pb : DesignProblem
    time_limit_s, mip_gap, late_penalty_per_unit, max_sites, outages, explain_site_ids, explain_sites,
    explain_time_limit_s, value_time_limit_s, max_nodes, value_max_nodes, neighbourhood_sites, max_adopted,
    local_bound_rounds, local_swaps
        As for :func:`design_for_city`.

    Returns
    -------
    CityDesign
    """
    result, dm = portfolio(
        pb,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        late_penalty_per_unit=late_penalty_per_unit,
        max_sites=max_sites,
        max_nodes=max_nodes,
        neighbourhood_sites=neighbourhood_sites,
        local_bound_rounds=local_bound_rounds,
        local_swaps=local_swaps,
    )
    each_nodes = max_nodes if value_max_nodes is None else value_max_nodes
    pure = (result.all_offshore.x, None if result.all_local is None else result.all_local.x)
    value_limit_s = time_limit_s if value_time_limit_s is None else value_time_limit_s
    settled = settle_design(
        pb,
        result.hybrid,
        dm,
        explain=[[str(s) for s in explain_site_ids]],
        explain_sites=explain_sites,
        time_limit_s=value_limit_s,
        explain_time_limit_s=time_limit_s if explain_time_limit_s is None else explain_time_limit_s,
        mip_gap=mip_gap,
        starts=pure,
        max_nodes=each_nodes,
        neighbourhood_sites=neighbourhood_sites,
        max_adopted=max_adopted,
    )
    # a neighbourhood's bound is the LP relaxation's: HiGHS's root cuts may prove the design tighter
    hybrid = prove_gap(dm, pb, settled.design, mip_gap=mip_gap, time_limit_s=time_limit_s, what="hybrid")
    result = dataclasses.replace(result, hybrid=hybrid)
    lost = (
        resilience(
            pb,
            result.hybrid,
            dm,
            late_penalty_per_unit=late_penalty_per_unit,
            time_limit_s=value_limit_s,
            mip_gap=mip_gap,
            max_nodes=each_nodes,
        )
        if outages
        else pd.DataFrame()
    )
    order = tuple(str(s) for s in explain_site_ids)
    return CityDesign(pb, result, settled.site_values, lost, dm, settled.forced_open, order)
