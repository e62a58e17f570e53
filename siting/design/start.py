"""Feasible starting designs for the design MILP, built by hand: a full column vector from levels and flows."""

from __future__ import annotations

import numpy as np

from siting.design.model import DesignModel, set_drops
from siting.design.problem import DesignProblem

__all__ = ["complete", "greedy_local", "without_site", "is_feasible"]

_TOL = 1e-6


def _fill(x: np.ndarray, dm: DesignModel, seg: np.ndarray, bins: str, volume: np.ndarray, breaks: np.ndarray) -> None:
    """Segment fills and order binaries of the volumes ``volume`` (shape of ``seg`` without its last axis)."""
    dv = np.diff(breaks)
    lo = breaks[:-1]
    delta = np.clip((volume[..., None] - lo) / dv, 0.0, 1.0)
    x[seg] = delta
    k = seg.shape[-1]
    if k > 1:
        start, shape = dm.model.blocks[bins]
        z = (delta[..., 1:] > 0).astype(float)  # delta[k+1] <= z[k] <= delta[k]: 1 where the next segment fills
        x[start : start + z.size] = z.reshape(-1)
        del shape


def complete(dm: DesignModel, pb: DesignProblem, levels: np.ndarray, x_local: np.ndarray) -> np.ndarray | None:
    """A full column vector from each site's level and the local flows; the rest goes offshore direct.

    Parameters
    ----------
    dm : DesignModel
    pb : DesignProblem
    levels : ndarray (s,) of int
        Level index of each site, -1: closed.
    x_local : ndarray
        Units per week on each of ``dm.x_cols`` (local flows; 0 on lanes of closed sites).

    Returns
    -------
    ndarray or None
        The vector, or None when it breaks a row or bound (e.g. offshore units to a store no
        direct delivery reaches within the promise, or a site's hours exceeded).
    """
    n_s = len(pb.site_ids)
    n_f, n_j, n_t = pb.demand_units_per_week.shape
    x = np.zeros(dm.model.num_cols)
    opened = levels >= 0
    x[dm.open_cols[np.flatnonzero(opened), levels[opened]]] = 1.0
    x[dm.x_cols] = x_local
    local = np.zeros((n_f, n_s, n_t))
    np.add.at(local, (dm.xf, dm.lanes[dm.xp, 0], dm.xt), x_local)
    served = np.zeros((n_f, n_j, n_t))
    np.add.at(served, (dm.xf, dm.lanes[dm.xp, 1], dm.xt), x_local)
    off = np.maximum(pb.demand_units_per_week - served, 0.0)
    x[dm.yo_cols] = off
    for f in range(n_f):
        _fill(x, dm, dm.local_seg[f], f"bin_local_{f}", local[f], pb.local_curves[f].volume_units_per_week)
    buy = pb.buy_of_family()  # offshore is bought per buy: one per family, or per group of family rows
    for g, curve in enumerate(pb.offshore_curves):
        volume = off[buy == g].sum(axis=(0, 1))
        _fill(x, dm, dm.offshore_seg[g], f"bin_offshore_{g}", volume, curve.volume_units_per_week)
    x[dm.yd_cols] = off.sum(axis=0)
    x = set_drops(dm, x)  # a drop from each origin that delivers anything
    return x if is_feasible(dm, x) else None


def is_feasible(dm: DesignModel, x: np.ndarray, lb: np.ndarray | None = None, ub: np.ndarray | None = None) -> bool:
    """True when ``x`` keeps every row and column bound of the model (the given bounds, else the model's)."""
    lo, hi = dm.model.bounds()
    lo = lo if lb is None else lb
    hi = hi if ub is None else ub
    if np.any(x < lo - _TOL) or np.any(x > hi + _TOL):
        return False
    ax = dm.model.matrix() @ x
    r_lo = np.concatenate(dm.model._row_lo) if dm.model._row_lo else np.zeros(0)  # noqa: SLF001
    r_hi = np.concatenate(dm.model._row_hi) if dm.model._row_hi else np.zeros(0)  # noqa: SLF001
    scale = 1.0 + np.abs(ax)
    return bool(np.all(ax >= r_lo - _TOL * scale) and np.all(ax <= r_hi + _TOL * scale))


def _hours(pb: DesignProblem, volume_ft: np.ndarray) -> np.ndarray:
    """Hours per week (t,) of one site's volumes (f, t), on the model's own breakpoints."""
    out = np.zeros(volume_ft.shape[1])
    for f, curve in enumerate(pb.local_curves):
        h = (
            pb.machine_hours_per_unit[f] * curve.volume_units_per_week
            + pb.changeover_hours_per_run[f] * curve.runs_per_week
        )
        out += np.interp(volume_ft[f], curve.volume_units_per_week, h)
    return out


def greedy_local(dm: DesignModel, pb: DesignProblem, site_order: np.ndarray) -> np.ndarray | None:
    """An all-local design: sites open at their largest level in ``site_order`` until every demand fits.

    Each store (busiest first) goes whole, family by family, to the open site with the cheapest lane
    that still has the hours; a new site opens when none has.

    Returns
    -------
    ndarray or None
        A feasible vector (offshore units 0), or None when the sites cannot make everything.
    """
    n_s = len(pb.site_ids)
    dem = pb.demand_units_per_week
    n_f, n_j, n_t = dem.shape
    big = np.where(pb.level_ok, pb.hours_per_week, -1.0).argmax(axis=1)
    hours = pb.hours_per_week[np.arange(n_s), big]
    on_time = dm.xp < dm.n_on_time
    col = {(int(p), int(f), int(t)): i for i, (p, f, t) in enumerate(zip(dm.xp, dm.xf, dm.xt)) if on_time[i]}
    lane_of: dict[int, list[tuple[float, int, int]]] = {}
    for p, (s, j) in enumerate(dm.lanes[: dm.n_on_time]):
        lane_of.setdefault(int(j), []).append((float(dm.lane_cost_per_unit[p]), int(s), p))
    levels = np.full(n_s, -1)
    volume = np.zeros((n_s, n_f, n_t))
    x_local = np.zeros(len(dm.x_cols))
    order = [int(s) for s in site_order]
    for j in np.argsort(-dem.sum(axis=(0, 2)), kind="stable"):
        for f in range(n_f):
            need = dem[f, j]
            if not need.any():
                continue
            placed = False
            while not placed:
                for _, s, p in sorted(lane_of.get(int(j), [])):
                    if levels[s] < 0:
                        continue
                    trial = volume[s].copy()
                    trial[f] += need
                    if np.all(_hours(pb, trial) <= hours[s] * (1 - 1e-9)):
                        volume[s] = trial
                        for t in np.flatnonzero(need > 0):
                            x_local[col[(p, f, int(t))]] = need[t]
                        placed = True
                        break
                if not placed:
                    reach = {s for _, s, _ in lane_of.get(int(j), [])}
                    nxt = next((s for s in order if levels[s] < 0 and s in reach and pb.level_ok[s].any()), None)
                    if nxt is None:
                        return None
                    levels[nxt] = big[nxt]
    return complete(dm, pb, levels, x_local)


def without_site(dm: DesignModel, pb: DesignProblem, x: np.ndarray, s: int) -> np.ndarray | None:
    """The design ``x`` with site ``s`` closed and what it made bought offshore (delivered direct).

    Returns
    -------
    ndarray or None
        A feasible vector, or None (e.g. a store the site served has no direct delivery within the promise).
    """
    opened = np.round(x[dm.open_cols]) > 0.5
    levels = np.where(opened.any(axis=1), opened.argmax(axis=1), -1)
    levels[s] = -1
    x_local = x[dm.x_cols].copy()
    x_local[dm.lanes[dm.xp, 0] == s] = 0.0
    x_local[x_local < 0] = 0.0
    return complete(dm, pb, levels, x_local)
