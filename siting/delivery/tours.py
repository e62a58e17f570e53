"""Multi-stop delivery tours from one site (capacitated VRP with a shift limit, OR-Tools) and ISO 14083 allocation."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from siting.errors import InputError

log = logging.getLogger("siting")

__all__ = ["TourPlan", "solve_tours", "allocate_by_tonne_km", "out_and_back_m"]

_CAP_UNITS = 1_000_000  # one vehicle load, in integer solver units


@dataclass(frozen=True)
class TourPlan:
    """Tours of one delivery round (one drop to every store) from one depot.

    Attributes
    ----------
    routes : tuple of tuple of int
        Store positions (0-based, into the arrays given to :func:`solve_tours`) in visit order.
    length_m, time_s, load : tuple of float
        Per tour: driven length, duration (travel + service) and load as a share of one vehicle.
    solver_status : str
        OR-Tools status name of the last search stage, or "trivial" when no routing was needed.
    local_optimum : bool
        The first stage (greedy descent) ran to a local optimum: no single move of OR-Tools'
        neighbourhoods shortens the tours. False when the time budget stopped it first.
    descent_length_m : float
        Length of the tours at that local optimum (before guided local search), m; NaN without routing.
    gls_gain : float
        Share of that length guided local search removed afterwards (0.02 = 2% shorter).
    search_s : float
        Wall-clock seconds of both stages.
    budget_hit : bool
        The time budget, not the solution count, ended the search (the plan may differ between runs).
    """

    routes: tuple[tuple[int, ...], ...]
    length_m: tuple[float, ...]
    time_s: tuple[float, ...]
    load: tuple[float, ...]
    solver_status: str
    local_optimum: bool = True
    descent_length_m: float = float("nan")
    gls_gain: float = 0.0
    search_s: float = 0.0
    budget_hit: bool = False

    @property
    def total_length_m(self) -> float:
        """Driven length of all tours together."""
        return float(sum(self.length_m))


def out_and_back_m(length_m: npt.ArrayLike) -> np.ndarray:
    """Round-trip length depot -> store -> depot for every store of a (n+1, n+1) matrix (depot = 0)."""
    d = np.asarray(length_m, dtype=float)
    return d[0, 1:] + d[1:, 0]


def _tour_metrics(
    route: tuple[int, ...], length_m: np.ndarray, time_s: np.ndarray, service_s: float
) -> tuple[float, float]:
    nodes = [0, *[i + 1 for i in route], 0]
    ln = sum(length_m[a, b] for a, b in zip(nodes[:-1], nodes[1:]))
    tm = sum(time_s[a, b] for a, b in zip(nodes[:-1], nodes[1:])) + service_s * len(route)
    return float(ln), float(tm)


def solve_tours(
    length_m: npt.ArrayLike,
    time_s: npt.ArrayLike,
    load: npt.ArrayLike,
    *,
    shift_s: float = 8 * 3600.0,
    service_s: float = 600.0,
    time_limit_s: float = 60.0,
    solution_limit: int = 50,
    descent_solution_limit: int | None = None,
) -> TourPlan:
    """Plan tours that visit every store once, minimising driven length.

    The depot is row/column 0 of the matrices; store ``i`` is row ``i + 1``. Each tour carries at
    most one vehicle load (``sum(load) <= 1``) and lasts at most ``shift_s`` (travel + service).
    OR-Tools' routing solver runs in two stages within one time budget: from a cheapest-arc
    start, greedy descent to a local optimum (no move of its neighbourhoods shortens the tours;
    on Malta's 238-store clusters 3-6 s and 23-30% shorter than the plan an early stop gave);
    then guided local search from that optimum for ``solution_limit`` more solutions (a few
    percent more). Both stages are deterministic; ``time_limit_s`` is the budget and safety net.
    A tour that came out longer than serving its stores out-and-back is split into out-and-back
    trips, so the plan never drives more than out-and-back delivery does.

    Parameters
    ----------
    length_m, time_s : array_like, shape (n + 1, n + 1)
        Road length and vehicle travel time between depot and stores (finite).
    load : array_like, shape (n,)
        Load of each store for this round as a share of one vehicle load, in (0, 1].
    shift_s : float
        Longest tour (driver shift), seconds.
    service_s : float
        Time spent at each stop, seconds.
    time_limit_s : float
        Time budget of both stages together, a safety net: when it stops the search before the
        local optimum or before ``solution_limit``, the plan may differ between runs and a
        warning says so (``TourPlan.budget_hit``).
    solution_limit : int
        Solutions guided local search visits after the local optimum (0: stop there).
    descent_solution_limit : int, optional
        Stop greedy descent after this many solutions, before the local optimum (deterministic,
        unlike a short ``time_limit_s``: a quicker, looser plan; no guided local search follows).
        None (default): descend to the local optimum.

    Returns
    -------
    TourPlan

    Raises
    ------
    InputError
        Bad shapes, non-finite distances, or a load outside (0, 1].
    """
    D = np.asarray(length_m, dtype=float)
    T = np.asarray(time_s, dtype=float)
    q = np.asarray(load, dtype=float)
    n = q.size
    if D.shape != (n + 1, n + 1) or T.shape != (n + 1, n + 1):
        raise InputError(f"length_m and time_s must be ({n + 1}, {n + 1}) for {n} stores; got {D.shape}, {T.shape}")
    if not (np.all(np.isfinite(D)) and np.all(np.isfinite(T))):
        raise InputError(
            "length_m / time_s hold unreachable (inf/NaN) pairs; snap stores to the network's largest component"
        )
    if np.any(q <= 0) or np.any(q > 1 + 1e-9):
        raise InputError("each store's load per round must be in (0, 1] vehicle loads; split full loads first")
    if n == 0:
        return TourPlan((), (), (), (), "trivial")
    # a store that cannot be served within one shift even alone still gets its out-and-back trip
    alone_s = T[0, 1:] + T[1:, 0] + service_s
    routable = [i for i in range(n) if alone_s[i] <= shift_s]
    routes: list[tuple[int, ...]] = [(i,) for i in range(n) if alone_s[i] > shift_s]
    status = "trivial"
    search: dict[str, Any] = {}
    if len(routable) == 1:
        routes.append((routable[0],))
    elif routable:
        solved, status, search = _route(
            D, T, q, routable, shift_s, service_s, time_limit_s, solution_limit, descent_solution_limit
        )
        routes.extend(solved)
    # guarantee: never longer than out-and-back (fastest-path lengths need not obey the triangle inequality)
    oab = out_and_back_m(D)
    final: list[tuple[int, ...]] = []
    for r in routes:
        ln, _ = _tour_metrics(r, D, T, service_s)
        if len(r) > 1 and ln > oab[list(r)].sum() + 1e-6:
            final.extend((i,) for i in r)
        else:
            final.append(r)
    final.sort(key=lambda r: r[0])
    metrics = [_tour_metrics(r, D, T, service_s) for r in final]
    return TourPlan(
        routes=tuple(final),
        length_m=tuple(m[0] for m in metrics),
        time_s=tuple(m[1] for m in metrics),
        load=tuple(float(q[list(r)].sum()) for r in final),
        solver_status=status,
        **search,
    )


def _route(
    D: np.ndarray,
    T: np.ndarray,
    q: np.ndarray,
    stores: list[int],
    shift_s: float,
    service_s: float,
    time_limit_s: float,
    solution_limit: int,
    descent_solution_limit: int | None = None,
) -> tuple[list[tuple[int, ...]], str, dict[str, Any]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    nodes = [0, *[i + 1 for i in stores]]
    k = len(stores)
    dist = np.rint(D[np.ix_(nodes, nodes)]).astype(np.int64)
    serv = np.r_[0.0, np.full(k, service_s)]
    tim = np.rint(T[np.ix_(nodes, nodes)] + serv[:, None]).astype(np.int64)
    demand = np.r_[0, np.ceil(q[stores] * _CAP_UNITS - 1e-6)].astype(np.int64)

    manager = pywrapcp.RoutingIndexManager(k + 1, k, 0)
    routing = pywrapcp.RoutingModel(manager)

    # matrices registered in C++ (no Python callback per arc evaluation); depot is node 0 = index 0
    dist_cb = routing.RegisterTransitMatrix(dist.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(dist_cb)
    time_cb = routing.RegisterTransitMatrix(tim.tolist())
    routing.AddDimension(time_cb, 0, int(shift_s), True, "time")
    dem_cb = routing.RegisterUnaryTransitVector(demand.tolist())
    routing.AddDimensionWithVehicleCapacity(dem_cb, 0, [_CAP_UNITS] * k, True, "load")

    enums = routing_enums_pb2
    started = time.perf_counter()
    # stage 1: greedy descent to a local optimum (deterministic; the budget is a safety net)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = enums.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(max(int(time_limit_s * 1000), 1))
    # LNS completion searches stop on their own, not at OR-Tools' 100 ms default: reproducible under load
    params.lns_time_limit.FromMilliseconds(max(int(time_limit_s * 1000), 1))
    if descent_solution_limit is not None:
        params.solution_limit = int(descent_solution_limit)
    sol = routing.SolveWithParameters(params)
    status = _status_name(routing.status(), enums)
    local_optimum = status in ("SUCCESS", "OPTIMAL")
    if sol is None:  # cannot happen while every store fits alone, but stay safe
        return [(i,) for i in stores], status, {"local_optimum": False, "search_s": time.perf_counter() - started}
    descent_m = float(sol.ObjectiveValue())
    final_m = descent_m
    left_s = time_limit_s - (time.perf_counter() - started)
    # stage 2: guided local search from the local optimum for a fixed number of solutions
    if local_optimum and solution_limit > 0 and left_s > 0.01:
        gls = pywrapcp.DefaultRoutingSearchParameters()
        gls.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        gls.time_limit.FromMilliseconds(int(left_s * 1000))
        gls.lns_time_limit.FromMilliseconds(int(left_s * 1000))
        gls.solution_limit = int(solution_limit)
        better = routing.SolveFromAssignmentWithParameters(sol, gls)
        if better is not None and better.ObjectiveValue() <= descent_m:
            sol, final_m = better, float(better.ObjectiveValue())
        status = _status_name(routing.status(), enums)
    search_s = time.perf_counter() - started
    budget_hit = search_s >= 0.98 * time_limit_s
    if budget_hit:
        log.warning(
            "tours for %d stores stopped at the %.3g s time limit before %s: the plan may differ "
            "between runs; raise time_limit_s (or lower solution_limit) for reproducible tours",
            k,
            time_limit_s,
            f"{solution_limit} guided-local-search solutions" if local_optimum else "a local optimum",
        )
    routes: list[tuple[int, ...]] = []
    for v in range(k):
        idx = routing.Start(v)
        seq: list[int] = []
        while not routing.IsEnd(idx):
            node = manager.IndexToNode(idx)
            if node:
                seq.append(stores[node - 1])
            idx = sol.Value(routing.NextVar(idx))
        if seq:
            routes.append(tuple(seq))
    search = {
        "local_optimum": local_optimum,
        "descent_length_m": descent_m,
        "gls_gain": 1.0 - final_m / descent_m if descent_m > 0 else 0.0,
        "search_s": search_s,
        "budget_hit": budget_hit,
    }
    return routes, status, search


def _status_name(status: int, enums: Any) -> str:
    """OR-Tools routing status without its ``ROUTING_`` prefix."""
    try:
        return str(enums.RoutingSearchStatus.Value.Name(status)).removeprefix("ROUTING_")
    except ValueError:
        return str(status)


def allocate_by_tonne_km(total: float | npt.ArrayLike, load_kg: npt.ArrayLike, sfd_m: npt.ArrayLike) -> np.ndarray:
    """Split a tour's total (CO2e, km or cost) over its stores as ISO 14083 prescribes.

    Each store's share is its load x its shortest feasible distance (SFD) from the depot, over the
    sum of that product on the tour (tonne-km over the SFD). Falls back to load shares when every
    SFD is zero, and to equal shares when every load is zero.

    Parameters
    ----------
    total : float or array_like
        Tour total; an array of shape (m,) allocates m quantities at once (result (n, m)).
    load_kg : array_like, shape (n,)
        Load delivered to each store on the tour.
    sfd_m : array_like, shape (n,)
        Shortest feasible (road) distance depot -> store.

    Returns
    -------
    ndarray
        Allocated amounts; they sum to ``total``.
    """
    w = np.asarray(load_kg, dtype=float) * np.asarray(sfd_m, dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InputError("loads and distances for allocation must be finite and >= 0")
    if w.sum() <= 0:
        w = np.asarray(load_kg, dtype=float)
    if w.sum() <= 0:
        w = np.ones_like(w)
    share = w / w.sum()
    tot = np.asarray(total, dtype=float)
    return share * tot if tot.ndim == 0 else np.outer(share, tot)
