"""One design across a national run's clusters: each cluster's sites serve its stores, offshore is bought brand-wide."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from logging import INFO

import numpy as np
import pandas as pd

from siting.costs.brand import brand_family
from siting.design.alllocal import MAX_SITE_SWAPS, SITE_SWAPS_MEANING
from siting.design.colgen import check_bound_rounds
from siting.design.hubs import Hubs
from siting.design.model import build_model
from siting.design.national_local import clusters_all_local
from siting.design.neighbourhood import MAX_ADOPTED, check_max_adopted, neighbourhood_solve
from siting.design.problem import DesignProblem, curve_job
from siting.design.rootproof import prove_gap
from siting.design.settle import settle_design
from siting.design.solve import (
    Design,
    Portfolio,
    _as_solution,
    _solve,
    _tables,
    local_design,
    portfolio,
    solve_design,
    with_bound,
)
from siting.errors import InfeasibleError, InputError, check_whole_count
from siting.forked import map_forked
from siting.milp import relative_gap

log = logging.getLogger("siting")

__all__ = [
    "NationalDesign",
    "national_problem",
    "national_design",
    "national_table",
    "cluster_slice",
    "cluster_portfolios",
]

#: Separates a cluster's name from a site, store or family name in the national problem's ids.
SEP = "\x1f"


@dataclass(frozen=True)
class NationalDesign:
    """The national design: the three policies solved on one MILP over every cluster.

    ``portfolio`` holds the national hybrid, all-offshore and all-local designs; their tables
    name sites, stores and families as ``cluster + SEP + name`` (see :func:`cluster_slice`).
    """

    problem: DesignProblem = field(repr=False)
    portfolio: Portfolio = field(repr=False)
    clusters: tuple[str, ...]
    #: The national hybrid's site values and forced-open prices (national ids; empty unless every
    #: solve is bounded by work), and the sites whose forced opening became the design, in order.
    site_values: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    forced_open: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    adopted: tuple[str, ...] = ()


def _same(problems: Mapping[str, DesignProblem], attr: str) -> tuple:
    values = {name: tuple(getattr(pb, attr)) for name, pb in problems.items()}
    first = next(iter(values.values()))
    for name, v in values.items():
        if v != first:
            raise InputError(
                f"national design: cluster {name!r} has {attr} {v}, another has {first}; give every cluster the same."
            )
    return first


def national_problem(
    problems: Mapping[str, DesignProblem],
    *,
    brand_units_per_week: Mapping[str, float] | None = None,
    rel_tol: float = 0.01,
) -> DesignProblem:
    """One design problem from the clusters' problems: block-diagonal sites and stores, shared offshore buys.

    Each cluster keeps its sites, capacity levels, lanes (a site serves only its own cluster's
    stores), direct deliveries and its local cost curves (its own mix); each family row is one
    (cluster, family). The offshore buy of a family is one for the whole brand: its cost curve
    is the family at the brand's volume (:func:`siting.costs.brand.brand_family`: the clusters'
    volumes summed, or ``brand_units_per_week``, coefficient of variation kept), over the sum of
    the clusters' offshore volumes.

    Parameters
    ----------
    problems : mapping
        Cluster name -> its :class:`DesignProblem` (same seasons and capacity levels).
    brand_units_per_week : mapping, optional
        Family -> the brand's weekly volume, if larger than the clusters' sum (the rest is
        assumed bought offshore too).
    rel_tol : float
        Relative error of the offshore cost curves.

    Returns
    -------
    DesignProblem
        Ids ``cluster + SEP + id``; ``offshore_group`` maps each family row to its family's buy.
    """
    if not problems:
        raise InputError("national design: no cluster has a design (switch the portfolio on).")
    seasons = _same(problems, "season_names")
    levels = _same(problems, "level_names")
    weeks = np.asarray(next(iter(problems.values())).weeks_per_yr)
    n_t = len(seasons)
    site_ids, store_ids, rows = [], [], []
    fam_rows, local_curves, hpu, chg, rows_buy = [], [], [], [], []
    hours, fixed, ok, crossdock, d_cost, d_ok = [], [], [], [], [], []
    lanes, lane_cost, late, late_cost = [], [], [], []
    # a cluster without them: no charge, no co-location, the lanes' own promise, no fallback
    drop_week, no_drop, xd_ok, fallback, drop_count = [], [], [], [], []
    buys: dict[str, list] = {}
    s0 = j0 = 0
    blocks = []
    for name, pb in problems.items():
        site_ids += [f"{name}{SEP}{s}" for s in pb.site_ids]
        store_ids += [f"{name}{SEP}{j}" for j in pb.store_ids]
        for f, fam in enumerate(pb.families):
            rows.append(f"{name}{SEP}{fam.family}")
            fam_rows.append(fam)
            local_curves.append(pb.local_curves[f])
            hpu.append(pb.machine_hours_per_unit[f])
            chg.append(pb.changeover_hours_per_run[f])
            buys.setdefault(fam.family, []).append(fam)
            rows_buy.append(fam.family)
        hours.append(pb.hours_per_week)
        fixed.append(pb.fixed_cost_per_yr)
        ok.append(pb.level_ok)
        crossdock.append(pb.crossdock_cost_per_unit)
        d_cost.append(pb.direct_cost_per_unit)
        d_ok.append(pb.direct_ok)
        lanes.append(pb.lanes + [s0, j0])
        lane_cost.append(pb.lane_cost_per_unit)
        late.append(pb.late_lanes.reshape(-1, 2) + [s0, j0])
        late_cost.append(pb.late_lane_cost_per_unit)
        drop_week.append(pb.drop_cost_of_store())
        drop_count.append(np.full(len(pb.store_ids), np.nan) if pb.drops_per_week is None else pb.drops_per_week)
        no_drop.append(~pb.lane_pays_drop()[: len(pb.lanes)])
        xd_ok.append(np.ones(len(pb.lanes), bool) if pb.crossdock_ok is None else np.asarray(pb.crossdock_ok, bool))
        fallback.append(pb.direct_allowed() & ~np.asarray(pb.direct_ok, bool))
        blocks.append((len(rows) - len(pb.families), j0, pb.demand_units_per_week))
        s0 += len(pb.site_ids)
        j0 += len(pb.store_ids)
    hubs = _hubs(problems)
    dem = np.zeros((len(rows), j0, n_t))
    for r0, j_start, d in blocks:
        dem[r0 : r0 + d.shape[0], j_start : j_start + d.shape[1]] = d
    names = list(buys)
    group = np.array([names.index(b) for b in rows_buy], dtype=np.int64)
    offshore_families, jobs = [], []
    for g, fam_name in enumerate(names):
        volume = sum(p.demand_mean_units_per_week for p in buys[fam_name])
        brand = float((brand_units_per_week or {}).get(fam_name, volume))
        fam = brand_family(buys[fam_name][0], max(brand, volume))
        offshore_families.append(fam)
        total = dem[group == g].sum(axis=(0, 1))
        v_max = max(float(total.max()), 1e-6) * 1.0001
        smallest = dem[group == g][dem[group == g] > 0]
        v_min = min(float(smallest.min()) / 4 if smallest.size else v_max / 10, v_max / 10)
        jobs.append((fam, "offshore", v_max, v_min, rel_tol, max(brand - volume, 0.0)))
    offshore_curves = map_forked(curve_job, jobs)  # side by side on forked workers (siting.forked)
    return DesignProblem(
        site_ids=tuple(site_ids),
        store_ids=tuple(store_ids),
        family_names=tuple(rows),
        season_names=seasons,
        weeks_per_yr=weeks,
        level_names=levels,
        hours_per_week=np.vstack(hours),
        fixed_cost_per_yr=np.vstack(fixed),
        level_ok=np.vstack(ok),
        crossdock_cost_per_unit=np.concatenate(crossdock),
        demand_units_per_week=dem,
        lanes=np.vstack(lanes).astype(np.int64),
        lane_cost_per_unit=np.concatenate(lane_cost),
        late_lanes=np.vstack(late).astype(np.int64).reshape(-1, 2),
        late_lane_cost_per_unit=np.concatenate(late_cost),
        direct_cost_per_unit=np.concatenate(d_cost),
        direct_ok=np.concatenate(d_ok),
        machine_hours_per_unit=np.array(hpu, dtype=float),
        changeover_hours_per_run=np.array(chg, dtype=float),
        families=tuple(fam_rows),
        local_curves=tuple(local_curves),
        offshore_curves=tuple(offshore_curves),
        offshore_group=group,
        offshore_families=tuple(offshore_families),
        hubs=hubs,
        drop_cost_per_week=None
        if all(pb.drop_cost_per_week is None for pb in problems.values())
        else np.concatenate(drop_week),
        lane_no_drop=np.concatenate(no_drop),
        drops_per_week=None
        if all(pb.drops_per_week is None for pb in problems.values())
        else np.concatenate(drop_count).astype(float),
        crossdock_ok=np.concatenate(xd_ok),
        direct_fallback=np.concatenate(fallback),
    )


def _hubs(problems: Mapping[str, DesignProblem]) -> Hubs | None:
    """The clusters' candidate hubs side by side (ids ``cluster + SEP + hub``), store indices offset."""
    if all(pb.hubs is None for pb in problems.values()):
        return None
    ids, fixed, routes, cost, stores = [], [], [], [], []
    h0 = j0 = 0
    for name, pb in problems.items():
        if pb.hubs is not None:
            ids += [f"{name}{SEP}{h}" for h in pb.hubs.hub_ids]
            fixed.append(pb.hubs.fixed_cost_per_yr)
            routes.append(pb.hubs.routes + [h0, j0])
            cost.append(pb.hubs.route_cost_per_unit)
            h0 += len(pb.hubs.hub_ids)
        stores += [f"{name}{SEP}{j}" for j in pb.store_ids]
        j0 += len(pb.store_ids)
    return Hubs(
        tuple(ids),
        np.concatenate(fixed),
        np.vstack(routes).astype(np.int64).reshape(-1, 2),
        np.concatenate(cost),
        tuple(stores),
    )


def national_design(
    problems: Mapping[str, DesignProblem],
    *,
    brand_units_per_week: Mapping[str, float] | None = None,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    late_penalty_per_unit: float = 1e-3,
    start_levels: Mapping[str, Mapping[str, str]] | None = None,
    max_sites: int | None = None,
    max_nodes: int | None = None,
    neighbourhood_sites: int | None = None,
    explain_site_ids: Mapping[str, Sequence[str]] | None = None,
    explain_sites: int | None = None,
    value_max_nodes: int | None = None,
    max_adopted: int = MAX_ADOPTED,
    local_bound_rounds: int = 0,
    local_swaps: int = 0,
    local_designs: Mapping[str, Design | None] | None = None,
) -> NationalDesign:
    """Solve one design across the clusters (:func:`national_problem`): hybrid, all-offshore, all-local.

    One MILP: the clusters share only the offshore buys, so the model is the clusters' models
    side by side plus one brand-wide piecewise-linear cost curve per family. The solver's gap is
    proven on the whole (``portfolio.hybrid.gap``, against the national MILP's own bound); no
    decomposition. The hybrid never costs more than either pure policy.

    Parameters
    ----------
    problems : mapping
        Cluster name -> its :class:`DesignProblem`.
    brand_units_per_week : mapping, optional
    time_limit_s, mip_gap, late_penalty_per_unit : float
        See :func:`siting.design.portfolio`.
    start_levels : mapping, optional
        Cluster -> {site: level} of each cluster's own design: the national hybrid first solves
        with those sites at those levels (and no others), and starts from that design when it
        beats both pure policies (a large national MILP may otherwise stop at the pure design).
    max_sites : int, optional
        At most this many sites open in each cluster (``k`` is per city: ``siting plan --k``), in
        all three policies; None: as many as lower the cost.
    max_nodes : int, optional
        Branch-and-bound nodes per HiGHS solve (deterministic; ``time_limit_s`` is then a safety
        net per solve). See :func:`siting.design.portfolio`.
    neighbourhood_sites : int, optional
        With ``max_nodes``: the national hybrid may open only the clusters' own sites (of
        ``start_levels``), its start's and this many more, the ones the national LP relaxation
        opens most; its bound is that LP's
        (:func:`siting.design.neighbourhood.neighbourhood_solve`), tightened by HiGHS's root cuts when
        the settled design stands above ``mip_gap`` (:func:`siting.design.rootproof.prove_gap`); the
        all-local design is the cheapest greedy start (:func:`siting.design.solve.local_design`). No
        solve then depends on the clock.
    explain_site_ids : mapping, optional
        Cluster -> its sites (its own ids) to price forced open, in order (a run gives each
        city's ``CityDesign.explain_order``).
    explain_sites : int, optional
        Of each cluster's, the first this many the national hybrid leaves closed are priced (None: all).
    value_max_nodes : int, optional
        Branch-and-bound nodes of each closure and forced-open solve (default ``max_nodes``).
    max_adopted : int
        With ``start_levels``, ``max_nodes`` and ``neighbourhood_sites``, the national hybrid is
        settled as a city's (:func:`siting.design.settle.settle_design`): a closure or a forced
        opening cheaper than it becomes the design (the national bound kept), at most this many
        times each; ``site_values``, ``forced_open`` and ``adopted`` are filled.
    local_bound_rounds : int
        Column-generation rounds that tighten the all-local design's proven bound (0 to 500; 0:
        none beyond the whole-drop phase's; :func:`siting.design.solve.local_design`).
    local_swaps : int
        Site swaps tried on the all-local design (0 to 10,000; 0: none; :func:`siting.design.solve.local_design`).
    local_designs : mapping, optional
        Cluster -> its own all-local design, solved on its problem of ``problems`` (a run gives each
        city's ``CityDesign.portfolio.all_local``). With ``start_levels``, ``max_nodes`` and ``neighbourhood_sites``,
        their union is the national all-local design when it is the cheaper, and the sum of their
        bounds proves it (:func:`siting.design.national_local.clusters_all_local`: all-local, the
        clusters share nothing); the national one then runs no column round nor swap of its own
        (the clusters' designs carry theirs), and the larger of the two bounds is kept.

    Returns
    -------
    NationalDesign
    """
    if max_sites is not None and (
        isinstance(max_sites, bool) or not isinstance(max_sites, int | np.integer) or max_sites < 1
    ):
        raise InputError(f"max_sites must be a whole number >= 1 (or None), got {max_sites!r}.")
    max_adopted = check_max_adopted(max_adopted)
    local_bound_rounds = check_bound_rounds(local_bound_rounds, "local_bound_rounds")
    local_swaps = check_whole_count(local_swaps, "local_swaps", MAX_SITE_SWAPS, SITE_SWAPS_MEANING)
    pb = national_problem(problems, brand_units_per_week=brand_units_per_week)
    group = np.array([_split(s)[0] for s in pb.site_ids], dtype=object)  # each site's cluster
    if start_levels is None:
        result, _ = portfolio(
            pb,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            late_penalty_per_unit=late_penalty_per_unit,
            max_sites=max_sites,
            site_group=group,
            max_nodes=max_nodes,
            neighbourhood_sites=neighbourhood_sites,
            local_bound_rounds=local_bound_rounds,
            local_swaps=local_swaps,
        )
        return NationalDesign(pb, result, tuple(problems))
    dm = build_model(pb, late_penalty_per_unit=late_penalty_per_unit, max_sites=max_sites, site_group=group)
    off = solve_design(pb, "offshore", model=dm, time_limit_s=time_limit_s, mip_gap=mip_gap, max_nodes=max_nodes)
    deterministic = neighbourhood_sites is not None and max_nodes is not None
    loc: Design | None
    if deterministic:
        union = clusters_all_local(dm, pb, local_designs, SEP) if local_designs else None
        loc = local_design(
            dm,
            pb,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            max_nodes=max_nodes,
            bound_rounds=local_bound_rounds if union is None else 0,
            swaps=local_swaps if union is None else 0,
        )
        loc = _cheaper_proven(loc, union)
    else:
        try:
            loc = solve_design(pb, "local", model=dm, time_limit_s=time_limit_s, mip_gap=mip_gap, max_nodes=max_nodes)
        except InfeasibleError:
            loc = None
    best = off if loc is None or off.cost_per_yr <= loc.cost_per_yr else loc
    # the clusters' own designs (each priced in the brand frame) as a start: their site levels fixed
    wanted = {f"{c}{SEP}{s}": lev for c, levels in start_levels.items() for s, lev in levels.items()}
    fixed = [pb.level_names.index(wanted[s]) if s in wanted else -1 for s in pb.site_ids]
    start: np.ndarray | None = best.x
    first = _solve(
        dm, pb, "hybrid", fixed_levels=fixed, time_limit_s=time_limit_s, mip_gap=mip_gap, max_nodes=max_nodes
    )
    if first.has_solution and first.objective < best.cost_per_yr:
        start = first.x
    if deterministic:
        assert max_nodes is not None and neighbourhood_sites is not None
        sol = neighbourhood_solve(
            dm,
            pb,
            start=start,
            max_nodes=max_nodes,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            keep=[pb.site_ids.index(s) for s in wanted if s in pb.site_ids],
            sites=neighbourhood_sites,
        )
        if not sol.has_solution:
            raise InfeasibleError(f"the national hybrid design: {sol.status}; raise the capacity levels.")
        hyb = _tables(dm, pb, sol, "hybrid")
    else:
        hyb = solve_design(
            pb,
            "hybrid",
            model=dm,
            start=start,
            heuristic=False,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            max_nodes=max_nodes,
        )
    if hyb.cost_per_yr > best.cost_per_yr:  # the solver kept a worse incumbent: the pure design is a hybrid too
        hyb = _tables(dm, pb, _as_solution(dm, best, hyb), "hybrid")
    if not deterministic:
        return NationalDesign(pb, Portfolio(hyb, off, loc), tuple(problems))
    # as a city's: a cheaper closure or forced opening becomes the design, a fixed number of times
    settled = settle_design(
        pb,
        hyb,
        dm,
        explain=[[f"{c}{SEP}{s}" for s in ids] for c, ids in (explain_site_ids or {}).items()],
        explain_sites=explain_sites,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        starts=(off.x, None if loc is None else loc.x),
        max_nodes=max_nodes if value_max_nodes is None else value_max_nodes,
        neighbourhood_sites=neighbourhood_sites,
        max_adopted=max_adopted,
    )
    # the neighbourhood's bound is the national LP's: HiGHS's root cuts prove the design tighter
    proven = prove_gap(
        dm,
        pb,
        settled.design,
        mip_gap=mip_gap,
        time_limit_s=time_limit_s,
        what="national hybrid",
        log_level=INFO,
    )
    return NationalDesign(
        pb,
        Portfolio(proven, off, loc),
        tuple(problems),
        settled.site_values,
        settled.forced_open,
        settled.adopted,
    )


def _cheaper_proven(loc: Design | None, union: Design | None) -> Design | None:
    """The cheaper of two all-local designs of the same national problem, proven against the larger bound; logged
    (the clusters' own designs side by side, ``union``, against the national model's own, ``loc``)."""
    if loc is None or union is None:
        return loc if union is None else union
    best = union if union.cost_per_yr < loc.cost_per_yr else loc
    bound = max(union.bound_per_yr, loc.bound_per_yr)
    log.info(
        "national all-local: %s a year, proven within %.2f%% (design: %s, bound: %s); the national model alone: "
        "%s a year, within %.2f%%",
        f"{best.cost_per_yr:,.0f}",
        100 * relative_gap(best.cost_per_yr, bound),
        "the clusters' own" if best is union else "the national model's",
        "the clusters' summed" if union.bound_per_yr > loc.bound_per_yr else "the national model's",
        f"{loc.cost_per_yr:,.0f}",
        100 * loc.gap,
    )
    return best if bound <= best.bound_per_yr else with_bound(best, bound)


def _split(value: object) -> tuple[str, str]:
    text = str(value)
    cluster, _, name = text.partition(SEP)
    return (cluster, name) if name or SEP in text else ("", text)


def _local_site(name: str) -> str:
    """A site or ``hub:`` route name in its cluster's words."""
    if name.startswith("hub:"):
        return "hub:" + _split(name.removeprefix("hub:"))[1]
    return _split(name)[1]


def national_table(design: Design) -> pd.DataFrame:
    """A national design's ``portfolio`` table with a ``cluster`` column and each id in its cluster's words.

    A row routed through several sites names them ``site; site``.
    """
    table = design.portfolio.copy()
    cluster = [_split(j)[0] for j in table["store_id"]]
    table["store_id"] = [_split(j)[1] for j in table["store_id"]]
    table["family"] = [_split(f)[1] for f in table["family"]]
    table["site"] = ["; ".join(_local_site(s) for s in str(v).split("; ")) if v else "" for v in table["site"]]
    table.insert(0, "cluster", cluster)
    return table


def cluster_slice(design: Design, cluster: str, fixed_cost_per_yr: float) -> Design:
    """The part of a national design in one cluster, in the cluster's own ids (a :class:`Design`).

    ``cost_per_yr`` and ``exact_cost_per_yr`` are the cluster's: its rows' cost plus the fixed
    cost of its opened sites (``fixed_cost_per_yr``); status, gap and bound are the national solve's.
    """
    table = national_table(design)
    mine = table[table["cluster"] == cluster].drop(columns="cluster").reset_index(drop=True)
    cap = design.capacity.copy()
    keep = np.array([_split(s)[0] == cluster for s in cap["site"]], dtype=bool)  # a mask even when no site opens
    cap = cap[keep].reset_index(drop=True)
    cap["site"] = [_split(s)[1] for s in cap["site"]]
    levels = {_split(s)[1]: lev for s, lev in design.levels.items() if _split(s)[0] == cluster}
    hubs = tuple(_split(h)[1] for h in design.hubs if _split(h)[0] == cluster)
    cost = float(mine["cost_per_yr"].sum()) + float(fixed_cost_per_yr)
    drops = design.drops.copy()
    if len(drops.columns):
        drops = drops[[_split(j)[0] == cluster for j in drops["store_id"]]].reset_index(drop=True)
        drops["store_id"] = [_split(j)[1] for j in drops["store_id"]]
        drops["origin"] = [o if o == "direct" else _local_site(o) for o in drops["origin"]]
    return dataclasses.replace(
        design,
        levels=levels,
        portfolio=mine,
        capacity=cap,
        cost_per_yr=cost,
        exact_cost_per_yr=cost,
        hubs=hubs,
        drops=drops,
    )


def cluster_portfolios(design: NationalDesign) -> dict[str, Portfolio]:
    """Each cluster's part of the national hybrid, all-offshore and all-local designs (its own ids).

    Returns
    -------
    dict
        Cluster -> :class:`Portfolio` whose designs are :func:`cluster_slice` of the national ones.
    """
    pb = design.problem

    def fixed(d: Design, cluster: str) -> float:
        sites = sum(
            pb.fixed_cost_per_yr[pb.site_ids.index(s), pb.level_names.index(lev)]
            for s, lev in d.levels.items()
            if _split(s)[0] == cluster
        )
        hubs = pb.hubs
        mine = [h for h in d.hubs if _split(h)[0] == cluster]
        opened = sum(hubs.fixed_cost_per_yr[hubs.hub_ids.index(h)] for h in mine) if hubs is not None else 0.0
        return float(sites + opened)

    p = design.portfolio
    out = {}
    for c in design.clusters:
        local = None if p.all_local is None else cluster_slice(p.all_local, c, fixed(p.all_local, c))
        hybrid = cluster_slice(p.hybrid, c, fixed(p.hybrid, c))
        out[c] = Portfolio(hybrid, cluster_slice(p.all_offshore, c, fixed(p.all_offshore, c)), local)
    return out
