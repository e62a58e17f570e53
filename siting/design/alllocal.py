"""The all-local policy's own strengthening: the fewest sites each group of stores needs, and whole-store starts."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from siting.design.model import DesignModel
from siting.design.problem import DesignProblem
from siting.design.start import _hours, complete

__all__ = [
    "LOCAL_MILP_FLOWS",
    "LOCAL_SEARCH_PASSES",
    "MAX_SITE_SWAPS",
    "SITE_SWAPS_MEANING",
    "fewest_sites",
    "whole_store_local",
    "with_fewest_sites",
]

#: Passes of the whole-store local search (moves and swaps; Helsinki demo: 3 passes to a local optimum).
LOCAL_SEARCH_PASSES = 5

#: The all-local neighbourhood MILP runs only on at most this many local flow columns (lanes x families x
#: seasons) unless it holds every site: HiGHS's root cut loop, which no node limit bounds, ran past 60 s on
#: Helsinki's 6-site neighbourhood (900 columns); Kotka's whole model has 160.
LOCAL_MILP_FLOWS = 400

#: Site costs a whole-store search remembers (each keyed by the site's volume: 8 bytes per family and season).
_SITE_MEMO = 200_000

#: The largest number of site swaps accepted (each re-assigns every store: a fraction of a second on a city).
MAX_SITE_SWAPS = 10_000

#: What a swap count counts, for messages naming it.
SITE_SWAPS_MEANING = "site swaps tried on the all-local design; 0: none"


def _components(pb: DesignProblem) -> tuple[np.ndarray, np.ndarray]:
    """Connected groups of sites and stores by the on-time lanes: a label per site (s,) and per store (j,)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_s, n_j = len(pb.site_ids), len(pb.store_ids)
    lanes = np.asarray(pb.lanes, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(lanes)), (lanes[:, 0], n_s + lanes[:, 1])), shape=(n_s + n_j, n_s + n_j))
    _, label = connected_components(graph, directed=False)
    return label[:n_s], label[n_s:]


def fewest_sites(pb: DesignProblem) -> list[tuple[np.ndarray, int]]:
    """Per group of stores the on-time lanes join: its sites and the fewest of them an all-local design opens.

    Every unit is made within the group, and a unit of family f takes at least
    ``machine_hours_per_unit[f]`` hours (changeovers only add), while a site has at most its largest
    level's hours a week: so the group opens at least ``ceil(max over seasons of its machine hours /
    its largest site's hours)`` sites. Helsinki demo: 601.4 h a week on sites of at most 120 h, 6 sites
    (the LP relaxation opened 5.06).

    Parameters
    ----------
    pb : DesignProblem

    Returns
    -------
    list of (ndarray of int, int)
        The group's site indices and the fewest sites it opens (groups with no demand left out).
    """
    site_label, store_label = _components(pb)
    dem = pb.demand_units_per_week
    hours_ft = pb.machine_hours_per_unit[:, None, None] * dem  # (f, j, t): machine hours alone
    top = np.where(pb.level_ok, pb.hours_per_week, 0.0).max(axis=1)
    out = []
    for g in np.unique(site_label):
        sites = np.flatnonzero(site_label == g)
        need = hours_ft[:, store_label == g].sum(axis=(0, 1)).max(initial=0.0)
        biggest = top[sites].max(initial=0.0)
        if need <= 0 or biggest <= 0:
            continue
        out.append((sites, int(np.ceil(need / biggest - 1e-9))))
    return out


def with_fewest_sites(dm: DesignModel, pb: DesignProblem) -> DesignModel:
    """A copy of ``dm`` with one row per group of stores: its open sites >= :func:`fewest_sites` (same columns).

    Valid for the all-local policy only (the hybrid may buy offshore instead): the all-local LP
    relaxation and MILPs use this model, whose solutions are the same column vectors as ``dm``'s.

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem

    Returns
    -------
    DesignModel
    """
    groups = fewest_sites(pb)
    if not groups:
        return dm
    model = copy.deepcopy(dm.model)
    n_l = dm.open_cols.shape[1]
    rows = np.concatenate([np.full(len(sites) * n_l, g) for g, (sites, _) in enumerate(groups)])
    cols = np.concatenate([dm.open_cols[sites].ravel() for sites, _ in groups])
    model.add_rows("fewest_sites_local", rows, cols, 1.0, lo=np.array([float(n) for _, n in groups]))
    return dataclasses.replace(dm, model=model)


class _WholeStores:
    """Costs a year of whole-store all-local designs: a store -> site assignment priced as the model prices it."""

    def __init__(self, dm: DesignModel, pb: DesignProblem) -> None:
        self.dm, self.pb = dm, pb
        self._memo: dict[tuple[int, bytes], tuple[float, int]] = {}
        self.dem = pb.demand_units_per_week
        n_f, n_j, n_t = self.dem.shape
        self.weeks = pb.weeks_per_yr
        self.top = np.where(pb.level_ok, pb.hours_per_week, 0.0).max(axis=1)
        self.lane: dict[tuple[int, int], int] = {(int(s), int(j)): p for p, (s, j) in enumerate(pb.lanes)}
        units = self.dem.sum(axis=0)  # (j, t)
        self.drop_yr = (pb.drop_cost_of_store()[:, None] * (units > 0)) @ self.weeks  # one origin's drops (j,)
        self.pays = pb.lane_pays_drop()[: len(pb.lanes)]
        self.units_yr = units @ self.weeks  # (j,)
        self.zero = np.array([c.cost_at(0.0) for c in pb.local_curves])
        self.group = _components(pb)[1]  # stores only swap within their group
        self.hours_at = [  # hours a week on each family's breakpoints (the model's)
            pb.machine_hours_per_unit[f] * c.volume_units_per_week + pb.changeover_hours_per_run[f] * c.runs_per_week
            for f, c in enumerate(pb.local_curves)
        ]
        # each store's delivery from each site, as plain floats (the searches read them millions of times), and
        # the sites that reach it on time, by index
        n_s = len(pb.site_ids)
        self._deliv: list[list[float]] = [[np.inf] * n_s for _ in range(n_j)]
        for (s, j), p in self.lane.items():
            drop = self.drop_yr[j] if self.pays[p] else 0.0
            self._deliv[j][s] = float(self.units_yr[j] * self.pb.lane_cost_per_unit[p] + drop)
        self.reaching: list[list[int]] = [[s for s in range(n_s) if row[s] < np.inf] for row in self._deliv]

    def delivery(self, j: int, s: int) -> float:
        """Lane cost and drops a year of store ``j`` served whole by site ``s`` (inf without an on-time lane)."""
        return self._deliv[j][s]

    def site(self, s: int, volume: np.ndarray) -> tuple[float, int]:
        """Fixed and making cost a year of site ``s`` making ``volume`` (f, t) and its cheapest level (-1: closed).

        Remembered per site and volume (the searches price the same sites' volumes again and again: on
        the Helsinki demo 20 site swaps asked 128,000 times); forgotten past :data:`_SITE_MEMO` entries.
        """
        key = (s, volume.tobytes())
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) >= _SITE_MEMO:
                self._memo.clear()
            hit = self._memo[key] = self._site(s, volume)
        return hit

    def _site(self, s: int, volume: np.ndarray) -> tuple[float, int]:
        made = np.flatnonzero(volume.any(axis=1))  # the families made (a national problem has many rows)
        if not len(made):
            return 0.0, -1
        used = np.zeros(volume.shape[1])
        making = 0.0
        for f in made:
            curve = self.pb.local_curves[f]
            used += np.interp(volume[f], curve.volume_units_per_week, self.hours_at[f])
            cost = np.interp(volume[f], curve.volume_units_per_week, curve.cost_per_week) - self.zero[f]
            making += float(cost @ self.weeks)
        fits = self.pb.level_ok[s] & (self.pb.hours_per_week[s] >= used.max() * (1 + 1e-9))
        if not fits.any():
            return np.inf, -1
        level = int(np.flatnonzero(fits)[np.argmin(self.pb.fixed_cost_per_yr[s, fits])])
        return float(self.pb.fixed_cost_per_yr[s, level]) + making, level

    def cost(self, assign: np.ndarray) -> float:
        """The yearly cost of an assignment (store -> site, -1: no demand), as the model prices it."""
        n_s = len(self.pb.site_ids)
        volume = np.zeros((n_s, *self.dem[:, 0].shape))
        delivery = 0.0
        for j, s in enumerate(assign):
            if s >= 0:
                volume[s] += self.dem[:, j]
                delivery += self.delivery(j, int(s))
        return delivery + sum(self.site(s, volume[s])[0] for s in range(n_s))

    def design(self, assign: np.ndarray) -> np.ndarray | None:
        """The full column vector of an assignment (store -> site, -1: no demand), or None when infeasible."""
        dm, n_s = self.dm, len(self.pb.site_ids)
        col = {(int(dm.xp[i]), int(dm.xf[i]), int(dm.xt[i])): int(i) for i in np.flatnonzero(dm.xp < dm.n_on_time)}
        x_local = np.zeros(len(dm.x_cols))
        volume = np.zeros((n_s, *self.dem[:, 0].shape))
        for j, s in enumerate(assign):
            if s < 0:
                continue
            p = self.lane[(int(s), j)]
            volume[s] += self.dem[:, j]
            for f, t in zip(*np.nonzero(self.dem[:, j] > 0)):
                x_local[col[(p, int(f), int(t))]] = self.dem[f, j, t]
        levels = np.array([self.site(s, volume[s])[1] for s in range(n_s)])
        return complete(dm, self.pb, levels, x_local)


def _improve(ws: _WholeStores, assign: np.ndarray, max_passes: int) -> np.ndarray:
    """Moves of one store to another site (opening or closing sites) and swaps of two stores' sites.

    First improvement in a fixed order (busiest store first, sites by index), at most ``max_passes``
    passes: deterministic, bounded by work.
    """
    pb, dem = ws.pb, ws.dem
    n_s = len(pb.site_ids)
    assign = assign.copy()
    volume = np.zeros((n_s, *dem[:, 0].shape))
    for j, s in enumerate(assign):
        if s >= 0:
            volume[s] += dem[:, j]
    cost = np.array([ws.site(s, volume[s])[0] for s in range(n_s)])
    stores = [int(j) for j in np.argsort(-ws.units_yr, kind="stable") if assign[j] >= 0]
    tol = 1e-6 * max(cost.sum(), 1.0)  # a move must save more than this (follows the cost after each move)
    for _ in range(max_passes):
        moved = False
        for j in stores:  # move j to another site
            a = int(assign[j])
            less = ws.site(a, volume[a] - dem[:, j])[0]
            here = ws.delivery(j, a)
            plus = volume + dem[:, j]  # every site's volume with j added (elementwise: as one site's)
            for b in ws.reaching[j]:  # the sites with an on-time lane to j, by index
                if b == a:
                    continue
                there = ws.delivery(j, b)
                more = ws.site(b, plus[b])[0]
                delta = less + more + there - cost[a] - cost[b] - here
                if delta < -tol:
                    volume[a] -= dem[:, j]
                    volume[b] += dem[:, j]
                    cost[a], cost[b], assign[j], moved = less, more, b, True
                    tol = 1e-6 * max(cost.sum(), 1.0)
                    break
        for i, j in enumerate(stores):  # swap the sites of two stores of one group (lanes join them)
            for k in stores[i + 1 :]:
                a, b = int(assign[j]), int(assign[k])
                if ws.group[j] != ws.group[k]:
                    continue
                if a == b:
                    continue
                d_old = ws.delivery(j, a) + ws.delivery(k, b)
                d_new = ws.delivery(j, b) + ws.delivery(k, a)
                if not np.isfinite(d_new):
                    continue
                va = volume[a] - dem[:, j] + dem[:, k]
                vb = volume[b] - dem[:, k] + dem[:, j]
                ca, cb = ws.site(a, va)[0], ws.site(b, vb)[0]
                if ca + cb + d_new - cost[a] - cost[b] - d_old < -tol:
                    volume[a], volume[b] = va, vb
                    cost[a], cost[b] = ca, cb
                    assign[j], assign[k], moved = b, a, True
                    tol = 1e-6 * max(cost.sum(), 1.0)
        if not moved:
            break
    return assign


def whole_store_local(
    dm: DesignModel, pb: DesignProblem, site_order: np.ndarray, max_passes: int = 0, max_swaps: int = 0
) -> np.ndarray | None:
    """An all-local design that serves each store whole from one site (one drop), sites opened in ``site_order``.

    Stores, busiest first, go whole (every family) to the open site with the cheapest lane that
    still has the hours of its largest level; a new site opens when none has. Then at most
    ``max_passes`` passes of local search move one store to another site (opening or closing
    sites) or swap two stores' sites while that lowers the cost. Each site takes its cheapest level
    whose hours hold what it makes. Then at most ``max_swaps`` site swaps (:func:`_swap_sites`).
    Against :func:`siting.design.start.greedy_local` (family by family, so a store may get drops
    from several sites), on the Helsinki demo: see docs/portfolio.md.

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    site_order : ndarray of int
        The order in which sites open.
    max_passes : int
        Passes of the local search (0: none).
    max_swaps : int
        Site swaps tried, each one greedy assignment and its local search (0: none).

    Returns
    -------
    ndarray or None
        A feasible vector (offshore units 0), or None (a store no open site can take whole).
    """
    ws = _WholeStores(dm, pb)
    order = [int(s) for s in site_order]
    assign = _greedy(ws, order)
    if assign is None:
        return None
    if max_passes > 0:
        assign = _improve(ws, assign, max_passes)
    if max_swaps > 0:
        assign = _swap_sites(ws, assign, order, max_swaps, max(max_passes, 1))
    return ws.design(assign)


def _greedy(ws: _WholeStores, order: list[int]) -> np.ndarray | None:
    """Stores, busiest first, whole to the open site with the cheapest lane and the hours; sites opened in ``order``."""
    pb, dem = ws.pb, ws.dem
    n_s = len(pb.site_ids)
    lane_of: dict[int, list[tuple[float, int]]] = {}
    for p, (s, j) in enumerate(pb.lanes):
        lane_of.setdefault(int(j), []).append((float(pb.lane_cost_per_unit[p]), int(s)))
    opened = np.zeros(n_s, bool)
    volume = np.zeros((n_s, *dem[:, 0].shape))
    assign = np.full(len(pb.store_ids), -1)
    for j in np.argsort(-dem.sum(axis=(0, 2)), kind="stable"):
        need = dem[:, j]
        if not need.any():
            continue
        while True:
            fit = (
                s
                for _, s in sorted(lane_of.get(int(j), []))
                if opened[s] and np.all(_hours(pb, volume[s] + need) <= ws.top[s] * (1 - 1e-9))
            )
            site = next(fit, None)
            if site is not None:
                break
            reach = {s for _, s in lane_of.get(int(j), [])}
            nxt = next((s for s in order if not opened[s] and s in reach and pb.level_ok[s].any()), None)
            if nxt is None:
                return None
            opened[nxt] = True
        volume[site] += need
        assign[j] = site
    return assign


def _swap_sites(ws: _WholeStores, assign: np.ndarray, order: list[int], max_swaps: int, passes: int) -> np.ndarray:
    """Close one open site and open another, re-assign every store: keep the first swap that lowers the cost.

    For each open site ``a`` (by index), the closed sites that reach all of ``a``'s stores on time,
    nearest first (mean lane cost to those stores, then index), each tried in turn: the greedy
    assignment (:func:`_greedy`) opening that site first, then the other open sites, then
    ``order``, and ``passes`` passes of :func:`_improve`. The first cheaper design is kept and
    the scan starts again from it, until no swap lowers the cost or ``max_swaps`` have been tried
    (bounded by work, deterministic): the exchange (Teitz-Bart) neighbourhood of p-median
    heuristics, which the store moves alone cannot cross (a site opened for one store pays a
    whole fixed cost). Helsinki demo: see docs/portfolio.md.
    """
    pb = ws.pb
    n_s = len(pb.site_ids)
    lane = np.full((n_s, len(pb.store_ids)), np.inf)
    for p, (s, j) in enumerate(pb.lanes):
        lane[s, j] = min(lane[s, j], float(pb.lane_cost_per_unit[p]))
    can_open = [bool(row.any()) for row in np.asarray(pb.level_ok, bool)]
    best, best_cost = assign, ws.cost(assign)
    tried = 0
    while tried < max_swaps:
        opened = sorted({int(s) for s in best if s >= 0})
        found = False
        for a in opened:
            mine = np.flatnonzero(best == a)
            near = [b for b in range(n_s) if b not in opened and can_open[b] and np.isfinite(lane[b, mine]).all()]
            near.sort(key=lambda b: (float(lane[b, mine].mean()), b))
            for b in near:
                if tried >= max_swaps:
                    return best
                tried += 1
                rest = [s for s in opened if s != a]
                g = _greedy(ws, [b, *rest, *(s for s in order if s != b and s not in rest)])
                if g is None:
                    continue
                g = _improve(ws, g, passes)
                c = ws.cost(g)
                if c < best_cost - 1e-6 * max(abs(best_cost), 1.0):
                    best, best_cost, found = g, c, True
                    break
            if found:
                break
        if not found:
            break
    return best
