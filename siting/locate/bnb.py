"""Exact p-median by Lagrangian branch and bound (Beasley 1985 style), for small p with weak LP bounds."""

from __future__ import annotations

import time

import numpy as np

from .bounds import is_integral, relaxed_sites
from .heuristics import evaluate

__all__ = ["lagrangian_branch_and_bound"]


def lagrangian_branch_and_bound(
    wc: np.ndarray,
    p: int,
    required: np.ndarray,
    incumbent: np.ndarray,
    lam0: np.ndarray,
    *,
    deadline: float | None = None,
    root_iterations: int = 300,
    node_iterations: int = 60,
) -> tuple[np.ndarray, float, float, bool, int]:
    """Depth-first branch and bound on the sites with the Lagrangian bound at every node.

    ``wc`` is the weighted cost (n, m) with ``np.inf`` for unreachable pairs (columns = candidate
    sites still allowed). Each node relaxes ``sum_j x_ij = 1`` (see :mod:`.bounds`), improves its
    multipliers by subgradient steps, evaluates every relaxed site set as a feasible solution,
    prunes when the bound reaches the incumbent, fixes sites by reduced cost, and branches on the
    relaxed site with the most negative column sum (open first, then closed).

    Returns ``(sites, cost, lower_bound, proven, nodes)``.
    """
    m = wc.shape[1]
    integral = is_integral(wc)
    best_sel = np.sort(np.asarray(incumbent, dtype=np.int64))
    best = evaluate(wc, best_sel)

    def cut(bound: float | np.ndarray) -> bool | np.ndarray:
        """True where a bound (float or array) cannot lead to a strictly better solution."""
        if integral:
            return np.ceil(bound - 1e-7) >= best - 1e-9
        return bound >= best * (1.0 - 1e-9) - 1e-12

    def leaf(f1: np.ndarray, free: np.ndarray, k: int) -> None:
        """Offer the only site set left: the opened sites plus, when k > 0, every free one."""
        nonlocal best, best_sel
        sel = np.flatnonzero(f1 | free) if k > 0 else np.flatnonzero(f1)
        if sel.size == p:
            c = evaluate(wc, sel)
            if c < best:
                best, best_sel = c, np.sort(sel)

    f1 = np.zeros(m, dtype=bool)
    f1[required] = True
    stack: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = [(f1, np.zeros(m, dtype=bool), lam0, -np.inf)]
    nodes = 0
    timed_out = False
    current = -np.inf
    while stack:
        if deadline is not None and time.perf_counter() > deadline:
            timed_out = True
            break
        f1, f0, lam, parent = stack.pop()
        if cut(parent):
            continue
        nodes += 1
        current = parent
        lam = lam.copy()
        iters = root_iterations if nodes == 1 else node_iterations
        free = ~f1 & ~f0
        k = p - int(f1.sum())
        bound, theta, stale = -np.inf, 1.0, 0
        best_lam = lam
        fidx, opened = np.flatnonzero(free), np.flatnonzero(f1)
        for _ in range(iters):
            red, chosen, val = relaxed_sites(wc, lam, opened, fidx, k)
            if val > bound + 1e-12 * max(abs(val), 1.0) or not np.isfinite(bound):
                bound, stale, best_lam = val, 0, lam.copy()
            else:
                stale += 1
                if stale >= 10:
                    theta, stale = theta / 2.0, 0
            c = evaluate(wc, chosen)
            if c < best - 1e-12 * max(abs(best), 1.0):
                best, best_sel = c, np.sort(chosen)
            if cut(bound) or theta < 1e-4:
                break
            g = 1.0 - (red[:, chosen] < 0).sum(axis=1)
            norm = float(g @ g)
            if norm == 0.0:
                break
            lam = lam + theta * max(best - val, 1e-9) / norm * g
        if cut(bound):
            continue
        lam = best_lam
        rho = np.minimum(wc - lam[:, None], 0.0).sum(axis=0)
        if k <= 0 or k >= fidx.size:
            leaf(f1, free, k)
            continue
        order = fidx[np.argsort(rho[fidx], kind="stable")]
        chosen_free, rest = order[:k], order[k:]
        base = float(lam.sum() + rho[f1].sum() + rho[chosen_free].sum())
        f0 = f0.copy()
        f1 = f1.copy()
        # reduced-cost fixing valid in this subtree (for strictly better solutions)
        f0[rest[cut(base + rho[rest] - rho[chosen_free[-1]])]] = True
        f1[chosen_free[cut(base - rho[chosen_free] + rho[rest[0]])]] = True
        free = ~f1 & ~f0
        k = p - int(f1.sum())
        if k < 0 or free.sum() < k:
            continue
        if k == 0 or free.sum() == k:
            leaf(f1, free, k)
            continue
        cand = chosen_free[free[chosen_free]]
        j = int(cand[0]) if cand.size else int(np.flatnonzero(free)[0])
        closed_child = f0.copy()
        closed_child[j] = True
        open_child = f1.copy()
        open_child[j] = True
        stack.append((f1, closed_child, lam, bound))
        stack.append((open_child, f0, lam, bound))
    if timed_out:
        pending = [b for *_, b in stack] + [current]
        lower = min([best] + pending)
        lower = float(np.ceil(lower - 1e-7)) if integral and np.isfinite(lower) else float(lower)
        return best_sel, best, min(lower, best), False, nodes
    return best_sel, best, best, True, nodes
