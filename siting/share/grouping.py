"""Stores merged into demand groups for the shared-network design (same brand, same sites, close times and costs)."""

from __future__ import annotations

import numpy as np

from siting.share.problem import ShareProblem

__all__ = ["demand_groups"]


def demand_groups(
    pb: ShareProblem, stores: np.ndarray, ok: np.ndarray, time_tol_s: float, cost_tol_per_unit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge stores into demand groups; return each store's group, the groups' delivery cost per unit
    (n, G) and each store's grouping slack (money per unit, see below).

    Two stores share a group only when they have the same brand (hence the same season profile), the
    same eligible sites (``ok``, shape (n, m)), and, on every eligible site, drive times within
    ``time_tol_s`` and delivery costs within ``cost_tol_per_unit`` of every other member (greedy, in
    store order: a store joins the first group it fits). A group's delivery cost from a site is the
    demand-weighted mean of its members'; a design that serves every member in the same shares as its
    group then costs exactly what the model says. A store's slack is its largest deviation from that
    mean over the eligible sites: splitting groups could save at most sum(annual units x slack).
    """
    t_all = np.asarray(pb.delivery_time_s, dtype=float)[:, stores]
    c_all = np.asarray(pb.delivery_cost_per_unit, dtype=float)[:, stores]
    elig = ok[:, stores]
    t_all = np.where(elig, t_all, 0.0)
    c_all = np.where(elig, c_all, 0.0)
    group_of = np.full(len(stores), -1)
    key = np.column_stack([pb.store_brand[stores], elig.T]).astype(np.int64)
    _, kind = np.unique(key, axis=0, return_inverse=True)
    count = 0
    for k in np.unique(kind):
        lo_t = np.empty((0, t_all.shape[0]))
        hi_t, lo_c, hi_c = lo_t.copy(), lo_t.copy(), lo_t.copy()
        ids: list[int] = []
        for j in np.flatnonzero(kind.ravel() == k):
            t, c = t_all[:, j], c_all[:, j]
            spread_t = (np.maximum(hi_t, t) - np.minimum(lo_t, t)).max(axis=1, initial=0.0)
            spread_c = (np.maximum(hi_c, c) - np.minimum(lo_c, c)).max(axis=1, initial=0.0)
            fits = np.flatnonzero((spread_t <= time_tol_s) & (spread_c <= cost_tol_per_unit))
            if len(fits):
                g = fits[0]
                lo_t[g], hi_t[g] = np.minimum(lo_t[g], t), np.maximum(hi_t[g], t)
                lo_c[g], hi_c[g] = np.minimum(lo_c[g], c), np.maximum(hi_c[g], c)
                group_of[j] = ids[g]
            else:
                lo_t, hi_t = np.vstack([lo_t, t]), np.vstack([hi_t, t])
                lo_c, hi_c = np.vstack([lo_c, c]), np.vstack([hi_c, c])
                ids.append(count)
                group_of[j] = count
                count += 1
    weight = pb.season_demand()[stores].sum(axis=1)  # same brand: one demand profile, any season weights alike
    total = np.zeros(count)
    np.add.at(total, group_of, weight)
    group_cost = np.zeros((c_all.shape[0], count))
    np.add.at(group_cost.T, group_of, (c_all * weight[None, :]).T)
    group_cost /= np.where(total > 0, total, 1.0)[None, :]
    slack = np.abs(c_all - group_cost[:, group_of]).max(axis=0, initial=0.0)
    return group_of, group_cost, slack
