"""Fixed-charge facility location (uncapacitated or capacitated, single-sourced or split) on HiGHS."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from siting.errors import InfeasibleError, InputError
from siting.milp import Model

from ._common import EXACT_GAP, prepare
from ._solution import Solution, relative_gap

__all__ = ["facility_location"]


def facility_location(
    cost: np.ndarray,
    fixed_cost: np.ndarray | Sequence[float],
    *,
    capacity: np.ndarray | Sequence[float] | None = None,
    weights: np.ndarray | Sequence[float] | None = None,
    required: Sequence[int] | np.ndarray | None = None,
    forbidden: Sequence[int] | np.ndarray | None = None,
    split_demand: bool = False,
    time_limit_s: float | None = None,
    p: int | None = None,
) -> Solution:
    """Open any number of sites minimising fixed cost plus weighted service cost.

    Minimises ``sum_j fixed_cost[j] y_j + sum_ij weights[i] cost[i, j] x_ij``.

    Parameters
    ----------
    cost : array (n_demand, n_candidates)
        Cost per unit of demand of serving i from j (``np.inf`` = unreachable), in the same money
        and period as ``fixed_cost`` (e.g. delivery cost per unit-year).
    fixed_cost : array (n_candidates,)
        Cost of opening each site over the same period (rent x floor area + set-up).
    capacity : array (n_candidates,), optional
        Largest total weight each site can serve; ``None`` = uncapacitated.
    weights : array (n_demand,), optional
        Demand of each point (default 1), in the unit of ``capacity``.
    split_demand : bool
        Default False: single-sourcing, every demand point is served by exactly one site (one
        factory per store; a harder MILP when capacitated). True lets a point's demand be split
        over several sites (continuous allocation). Without capacities both give the same optimum.
    time_limit_s : float, optional
        MILP time limit; the answer then carries the MILP bound and gap.
    p : int, optional
        Open exactly ``p`` sites (a fixed-charge p-median); default any number.

    Returns
    -------
    Solution
        ``assignment`` = the site serving each point (with split demand, the one serving the largest
        share); extra fields ``fixed_cost_total``, ``assignment_cost``, ``split_demand`` and, with
        split demand, ``flows`` (n, m) shares.
    """
    t0 = time.perf_counter()
    pr = prepare(cost, weights, required=required, forbidden=forbidden)
    n, m = pr.n, pr.m
    f = np.asarray(fixed_cost, dtype=np.float64).ravel()
    if f.shape != (m,) or not np.isfinite(f).all() or (f < 0).any():
        raise InputError(f"fixed_cost must hold {m} finite values >= 0 (one per candidate column)")
    cols = np.flatnonzero(pr.allowed)
    if p is not None and not 1 <= p <= cols.size:
        raise InfeasibleError(f"p={p} sites cannot be opened: {cols.size} candidate sites are allowed")
    w = pr.weights
    cap = None
    if capacity is not None:
        cap = np.asarray(capacity, dtype=np.float64).ravel()
        if cap.shape != (m,) or np.isnan(cap).any() or (cap < 0).any():
            raise InputError(f"capacity must hold {m} values >= 0 (np.inf = unlimited), one per candidate column")
        total_cap = float(cap[cols].sum())
        if total_cap < w.sum() - 1e-9:
            raise InfeasibleError(
                f"total capacity of the allowed sites ({total_cap:g}) is below the total demand "
                f"({w.sum():g}); add capacity or candidates"
            )
        if not split_demand:
            reach_cap = np.where(np.isfinite(pr.cost[:, cols]), cap[cols][None, :], 0.0).max(axis=1)
            bad = w > reach_cap + 1e-9
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InfeasibleError(
                    f"demand row {i} ({w[i]:g}) exceeds the capacity of every site that reaches "
                    "it; allow split_demand=True or raise capacities"
                )
    if cap is not None:
        # the uncapacitated optimum is a relaxation; if it fits the capacities it is optimal here too
        free = facility_location(
            cost,
            f,
            weights=w,
            required=required,
            forbidden=forbidden,
            split_demand=split_demand,
            time_limit_s=time_limit_s,
            p=p,
        )
        flows_free = free.extra["flows"] if split_demand else np.eye(m)[free.assignment]
        load = (w[:, None] * flows_free).sum(axis=0)
        if free.optimal and (load <= cap + 1e-9).all():
            extra = dict(free.extra, capacitated=True, load=load[free.selected])
            return Solution(
                model="facility_location",
                selected=free.selected,
                assignment=free.assignment,
                objective=free.objective,
                lower_bound=free.lower_bound,
                gap=free.gap,
                optimal=free.optimal,
                method=free.method.replace("ufl", "cfl") + "(capacities not binding)",
                runtime_s=time.perf_counter() - t0,
                extra=extra,
            )
        if time_limit_s is not None:
            time_limit_s = max(time_limit_s - (time.perf_counter() - t0), 0.1)
    sub = pr.cost[:, cols]
    ii, jj = np.nonzero(np.isfinite(sub))
    k = ii.size
    mc = cols.size
    # variables: y (mc), x (k pairs)
    col_lo = np.zeros(mc)
    col_lo[np.searchsorted(cols, pr.required)] = 1.0
    model = Model()
    model.add_vars("open", mc, lb=col_lo, ub=1.0, cost=f[cols], integer=True)
    # uncapacitated: x is integral once y is (closest open site); capacitated single-sourcing needs integer x
    model.add_vars("serve", k, ub=1.0, cost=w[ii] * sub[ii, jj], integer=not split_demand and cap is not None)
    assign_rows = sp.csr_matrix((np.ones(k), (ii, mc + np.arange(k))), shape=(n, mc + k))
    link = sp.csr_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (np.concatenate([np.arange(k)] * 2), np.concatenate([mc + np.arange(k), jj])),
        ),
        shape=(k, mc + k),
    )  # x_ij - y_j <= 0
    model.add_matrix("assign", assign_rows, lo=1.0, hi=1.0)
    model.add_matrix("link", link, hi=0.0)
    if cap is not None:
        capc = cap[cols]
        fin = np.isfinite(capc)
        rows = np.flatnonzero(fin)
        pos = np.full(mc, -1)
        pos[rows] = np.arange(rows.size)
        sel = fin[jj]
        capm = sp.csr_matrix(
            (
                np.concatenate([w[ii][sel], -capc[rows]]),
                (
                    np.concatenate([pos[jj[sel]], np.arange(rows.size)]),
                    np.concatenate([mc + np.flatnonzero(sel), rows]),
                ),
            ),
            shape=(rows.size, mc + k),
        )
        model.add_matrix("capacity", capm, hi=0.0)
    if p is not None:  # exactly p open sites
        model.add_rows("p_sites", np.zeros(mc), np.arange(mc), 1.0, lo=float(p), hi=float(p), n=1)
    res = model.solve(time_limit_s=time_limit_s, mip_gap=EXACT_GAP)
    if res.reason == "infeasible":
        raise InfeasibleError(
            "no set of sites can serve every demand point within the capacities; "
            "add capacity or candidates, or allow split_demand=True"
        )
    if res.x is None:
        raise InfeasibleError("the facility-location MILP found no solution within the time limit; give more time")
    x = res.x[mc:]
    flows = np.zeros((n, m))
    flows[ii, cols[jj]] = np.clip(x, 0.0, 1.0)
    selected = np.sort(cols[res.x[:mc] > 0.5])
    assignment = np.argmax(flows, axis=1)
    if split_demand:
        served = np.where(np.isfinite(pr.cost), pr.cost, 0.0)
        assignment_cost = float((w[:, None] * served * flows).sum())
    else:  # ties in the continuous uncapacitated model: serve from the largest share
        flows = np.zeros((n, m))
        flows[np.arange(n), assignment] = 1.0
        assignment_cost = float(w @ pr.cost[np.arange(n), assignment])
    fixed_total = float(f[selected].sum())
    obj = fixed_total + assignment_cost
    lower = min(float(res.bound), obj)
    gap = relative_gap(obj, lower)
    extra = {
        "fixed_cost_total": fixed_total,
        "assignment_cost": assignment_cost,
        "split_demand": bool(split_demand),
        "capacitated": cap is not None,
    }
    if cap is not None:
        extra["load"] = (w[:, None] * flows).sum(axis=0)[selected]
    if split_demand:
        extra["flows"] = flows
    return Solution(
        model="facility_location",
        selected=selected,
        assignment=assignment,
        objective=obj,
        lower_bound=lower,
        gap=gap,
        optimal=gap <= 1e-6,
        method="exact:" + ("cfl" if cap is not None else "ufl") + ("-split" if split_demand else "") + "-milp",
        runtime_s=time.perf_counter() - t0,
        extra=extra,
    )
