"""The p-median model: open p sites minimising total weighted cost; exact, heuristic or auto."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from siting.errors import InfeasibleError, InputError

from ._common import nearest_site, prepare
from ._solution import Solution, relative_gap
from .bnb import lagrangian_branch_and_bound
from .bounds import fix_by_reduced_cost, lagrangian_bound, weighted_cost
from .heuristics import penalised_weighted_cost, vns
from .radius import solve_radius

__all__ = ["p_median", "DEFAULT_TIME_LIMIT_S"]

DEFAULT_TIME_LIMIT_S = 60.0
_EXACT_MAX_CELLS = 25_000_000  # auto: beyond n*m of this, stay with heuristic + bound
_BNB_MAX_P = 50  # measured on OR-Library and random instances: B&B is faster up to here, the MILP above
_BNB_SHARE = 0.5  # with a time limit, the B&B gets this share and the radius MILP the rest


def p_median(
    cost: np.ndarray,
    p: int,
    weights: np.ndarray | Sequence[float] | None = None,
    *,
    required: Sequence[int] | np.ndarray | None = None,
    forbidden: Sequence[int] | np.ndarray | None = None,
    method: str = "auto",
    time_limit_s: float | None = None,
    seed: int = 0,
) -> Solution:
    """Open ``p`` sites minimising the total weighted cost of serving every demand point.

    Parameters
    ----------
    cost : array (n_demand, n_candidates)
        ``cost[i, j]`` = cost (time, distance) of serving demand i from candidate j; ``np.inf`` =
        unreachable (never assigned).
    p : int
        Number of sites to open.
    weights : array (n_demand,), optional
        Demand weights (default 1).
    required, forbidden : candidate indices or boolean masks, optional
        Sites that must / must not be opened.
    method : {"auto", "exact", "heuristic"}
        ``"heuristic"``: greedy + swap interchange + VNS, with a Lagrangian lower bound.
        ``"exact"``: heuristic + Lagrangian bound, sites fixed by Lagrangian reduced costs, then
        for p <= 50 a Lagrangian branch and bound (half the time budget), then if needed the radius
        MILP on HiGHS warm-started by the best solution, until proven optimal or ``time_limit_s``.
        ``"auto"``: heuristic + Lagrangian bound; if the gap is open and the matrix is not huge,
        the exact MILP runs in the remaining time (default limit 60 s).
    time_limit_s : float, optional
        Wall-clock budget. The heuristic is deterministic unless this budget cuts it short.
    seed : int
        Seed of the VNS shakes.

    Returns
    -------
    Solution
        ``objective`` = sum of ``weights[i] * cost[i, assignment[i]]``; ``lower_bound`` proven.

    Examples
    --------
    Three stores (rows) and three candidate sites (columns), drive times in seconds; open one
    (by hand: site 0 costs 10 x 60 + 10 x 240 + 1 x 400 = 3400, site 1 4100, site 2 9030):

    >>> import numpy as np
    >>> from siting.locate import p_median
    >>> cost = np.array([[60.0, 300.0, 500.0], [240.0, 90.0, 400.0], [400.0, 200.0, 30.0]])
    >>> sol = p_median(cost, 1, weights=[10, 10, 1])
    >>> sol.selected.tolist(), sol.objective, sol.optimal
    ([0], 3400.0, True)

    Raises
    ------
    InfeasibleError
        p larger than the allowed candidates, a demand row no allowed site reaches, or no set of
        p sites reaching every demand row.
    """
    t0 = time.perf_counter()
    if method not in ("auto", "exact", "heuristic"):
        raise InputError(f"method must be 'auto', 'exact' or 'heuristic', got {method!r}")
    pr = prepare(cost, weights, required=required, forbidden=forbidden, p=p)
    p = int(p)
    limit = time_limit_s if time_limit_s is not None else (DEFAULT_TIME_LIMIT_S if method == "auto" else None)
    deadline = None if limit is None else t0 + float(limit)
    wc, cols, penalty = penalised_weighted_cost(pr)
    req_local = np.searchsorted(cols, pr.required)
    heur_deadline = None if limit is None else t0 + 0.5 * float(limit)
    iters = 30 if method == "exact" else 300
    sel, val = vns(wc, p, req_local, seed=seed, iterations=iters, deadline=heur_deadline)
    reachable = val < penalty
    lower = -np.inf
    lam = None
    tag = "heuristic:greedy+swap+vns"
    if reachable:
        lower, lam = lagrangian_bound(pr, p, val, start=wc[:, sel].min(axis=1), deadline=deadline)
        tag += "+lagrangian-bound"
    gap_open = not reachable or relative_gap(val, lower) > 1e-6
    run_exact = gap_open and (method == "exact" or (method == "auto" and wc.size <= _EXACT_MAX_CELLS))
    if run_exact:
        left = None if deadline is None else max(deadline - time.perf_counter(), 0.1)
        keep = np.ones(cols.size, dtype=bool)
        req_sub, floor = req_local, np.inf
        if lam is not None:  # Lagrangian variable fixing shrinks the candidate set
            closed, opened, floor = fix_by_reduced_cost(pr, p, lam, val, sel)
            keep = ~closed
            req_sub = np.union1d(req_local, np.flatnonzero(opened))
        kept = np.flatnonzero(keep)
        engine = ""
        best, lb, open_cols = np.inf, -np.inf, sel
        if lam is not None and p <= _BNB_MAX_P:
            wcinf, _ = weighted_cost(pr)
            dl = None if left is None else time.perf_counter() + _BNB_SHARE * left
            bnb_cols, best, lb, proven, nodes = lagrangian_branch_and_bound(
                wcinf[:, kept], p, np.searchsorted(kept, req_sub), np.searchsorted(kept, sel), lam, deadline=dl
            )
            open_cols = bnb_cols
            engine = f"lagrangian-bnb(nodes={nodes}{'' if proven else ',stopped'})+"
        if not engine or (lb < best - 1e-9 * max(abs(best), 1.0)):
            left = None if deadline is None else max(deadline - time.perf_counter(), 0.1)
            sub = pr.cost[:, cols[kept]]
            start = open_cols if np.isfinite(best) else np.searchsorted(kept, sel)
            r_cols, r_best, r_lb, _, rounds = solve_radius(
                sub, pr.weights, p, np.searchsorted(kept, req_sub), start, time_limit_s=left
            )
            if r_best < best:
                best, open_cols = r_best, r_cols
            lb = max(lb, r_lb)
            engine += f"radius-milp(rounds={rounds})+"
        engine = engine.rstrip("+")
        if not np.isfinite(best) and lb == np.inf and lam is None:  # the MILP proved it infeasible
            raise InfeasibleError(
                f"no set of p={p} allowed sites reaches every demand row; raise p or "
                "add candidates that reach the isolated demand points"
            )
        if np.isfinite(best) and (not reachable or best <= val):
            sel, val = kept[open_cols], best
            reachable = True
        lower = max(lower, min(lb, floor))
        fixed_note = f"fixed={int((~keep).sum())}," if lam is not None else ""
        part = f"{fixed_note}{engine}"
        tag = f"exact:{part}" if method == "exact" else f"{tag}+{part}"
    if method == "exact" and not run_exact:
        tag = "exact:" + tag.removeprefix("heuristic:")  # the Lagrangian bound closed the gap
    if not reachable:
        raise InfeasibleError(
            f"found no set of p={p} sites that reaches every demand row within the time limit "
            "(some demand rows are reachable only from a few candidates); raise p, add "
            "candidates or give more time"
        )
    selected = np.sort(cols[sel])
    assignment = nearest_site(pr.cost, selected)
    objective = float(pr.weights @ pr.cost[np.arange(pr.n), assignment])
    lower = min(float(lower), objective)
    gap = relative_gap(objective, lower)
    return Solution(
        model="p_median",
        selected=selected,
        assignment=assignment,
        objective=objective,
        lower_bound=lower,
        gap=gap,
        optimal=gap <= 1e-6,
        method=tag,
        runtime_s=time.perf_counter() - t0,
        extra={"p": p},
    )
