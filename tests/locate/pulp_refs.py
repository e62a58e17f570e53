"""Independent references for the locate tests: brute force over subsets and textbook MILPs in PuLP/CBC."""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pulp


def subsets(m: int, p: int, required=(), forbidden=()):
    allowed = [j for j in range(m) if j not in set(forbidden)]
    for s in combinations(allowed, p):
        if set(required) <= set(s):
            yield list(s)


def brute_p_median(cost, p, w, required=(), forbidden=()):
    best = np.inf
    for s in subsets(cost.shape[1], p, required, forbidden):
        d = cost[:, s].min(axis=1)
        if np.isfinite(d).all():
            best = min(best, float(np.sum(w * d)))
    return best


def brute_p_center(cost, p):
    return min(float(cost[:, s].min(axis=1).max()) for s in subsets(cost.shape[1], p))


def brute_mclp(cost, p, radius, w):
    return max(float(w[(cost[:, s] <= radius).any(axis=1)].sum()) for s in subsets(cost.shape[1], p))


def brute_lscp(cost, radius):
    m = cost.shape[1]
    for k in range(1, m + 1):
        if any((cost[:, s] <= radius).any(axis=1).all() for s in subsets(m, k)):
            return k
    return None


def brute_facility(cost, f, w, cap=None):
    """Single-sourcing: enumerate open sets and, if capacitated, every assignment."""
    n, m = cost.shape
    best = np.inf
    for k in range(1, m + 1):
        for s in subsets(m, k):
            if cap is None:
                best = min(best, float(f[s].sum() + np.sum(w * cost[:, s].min(axis=1))))
                continue
            for assign in product(s, repeat=n):
                a = np.array(assign)
                load = np.bincount(a, weights=w, minlength=m)
                if (load <= cap + 1e-9).all():
                    best = min(best, float(f[s].sum() + np.sum(w * cost[np.arange(n), a])))
    return best


def _model(name, sense, m):
    """A PuLP problem and one binary open-site variable per candidate."""
    return pulp.LpProblem(name, sense), [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]


def _solve(prob):
    prob.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[prob.status] == "Optimal"
    return float(pulp.value(prob.objective))


def pulp_p_median(cost, p, w):
    n, m = cost.shape
    prob, y = _model("pm", pulp.LpMinimize, m)
    x = {(i, j): pulp.LpVariable(f"x{i}_{j}", 0, 1) for i in range(n) for j in range(m) if np.isfinite(cost[i, j])}
    prob += pulp.lpSum(w[i] * cost[i, j] * v for (i, j), v in x.items())
    for i in range(n):
        prob += pulp.lpSum(v for (a, _j), v in x.items() if a == i) == 1
    for (_i, j), v in x.items():
        prob += v <= y[j]
    prob += pulp.lpSum(y) == p
    return _solve(prob)


def pulp_p_center(cost, p):
    n, m = cost.shape
    prob, y = _model("pc", pulp.LpMinimize, m)
    x = [[pulp.LpVariable(f"x{i}_{j}", 0, 1) for j in range(m)] for i in range(n)]
    d = pulp.LpVariable("d", 0)
    prob += d
    for i in range(n):
        prob += pulp.lpSum(x[i]) == 1
        prob += pulp.lpSum(cost[i, j] * x[i][j] for j in range(m)) <= d
        for j in range(m):
            prob += x[i][j] <= y[j]
    prob += pulp.lpSum(y) == p
    return _solve(prob)


def pulp_mclp(cost, p, radius, w):
    n, m = cost.shape
    prob, y = _model("mclp", pulp.LpMaximize, m)
    u = [pulp.LpVariable(f"u{i}", cat="Binary") for i in range(n)]
    prob += pulp.lpSum(w[i] * u[i] for i in range(n))
    for i in range(n):
        prob += u[i] <= pulp.lpSum(y[j] for j in range(m) if cost[i, j] <= radius)
    prob += pulp.lpSum(y) == p
    return _solve(prob)


def pulp_lscp(cost, radius):
    n, m = cost.shape
    prob, y = _model("lscp", pulp.LpMinimize, m)
    prob += pulp.lpSum(y)
    for i in range(n):
        prob += pulp.lpSum(y[j] for j in range(m) if cost[i, j] <= radius) >= 1
    return _solve(prob)


def pulp_facility(cost, f, w, cap=None, split=False):
    n, m = cost.shape
    prob, y = _model("fl", pulp.LpMinimize, m)
    cat = "Continuous" if split else "Binary"
    x = [[pulp.LpVariable(f"x{i}_{j}", 0, 1, cat=cat) for j in range(m)] for i in range(n)]
    prob += pulp.lpSum(f[j] * y[j] for j in range(m)) + pulp.lpSum(
        w[i] * cost[i, j] * x[i][j] for i in range(n) for j in range(m)
    )
    for i in range(n):
        prob += pulp.lpSum(x[i]) == 1
        for j in range(m):
            prob += x[i][j] <= y[j]
    if cap is not None:
        for j in range(m):
            prob += pulp.lpSum(w[i] * x[i][j] for i in range(n)) <= cap[j] * y[j]
    return _solve(prob)
