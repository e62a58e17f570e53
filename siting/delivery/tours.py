"""Multi-stop delivery tours from one site (capacitated VRP with a shift limit, OR-Tools) and ISO 14083 allocation."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

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
        OR-Tools status name, or "trivial" when no routing was needed.
    """

    routes: tuple[tuple[int, ...], ...]
    length_m: tuple[float, ...]
    time_s: tuple[float, ...]
    load: tuple[float, ...]
    solver_status: str

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
    solution_limit: int = 100,
) -> TourPlan:
    """Plan tours that visit every store once, minimising driven length.

    The depot is row/column 0 of the matrices; store ``i`` is row ``i + 1``. Each tour carries at
    most one vehicle load (``sum(load) <= 1``) and lasts at most ``shift_s`` (travel + service).
    OR-Tools' routing solver runs with a cheapest-arc start and guided local search, stopped by
    ``solution_limit`` (deterministic) or ``time_limit_s`` (safety net, whichever comes first).
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
        Wall-clock limit of the search, a safety net: when it stops the search before
        ``solution_limit`` does, the plan may differ between runs and a warning says so.
    solution_limit : int
        Number of improving solutions after which the search stops (keeps results reproducible).

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
    if len(routable) == 1:
        routes.append((routable[0],))
    elif routable:
        solved, status = _route(D, T, q, routable, shift_s, service_s, time_limit_s, solution_limit)
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
) -> tuple[list[tuple[int, ...]], str]:
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

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    params.solution_limit = int(solution_limit)
    started = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    if time.perf_counter() - started >= 0.98 * time_limit_s:
        log.warning(
            "tours for %d stores stopped at the %.0f s time limit before %d solutions: the plan may differ "
            "between runs; raise time_limit_s or lower solution_limit for reproducible tours",
            k,
            time_limit_s,
            solution_limit,
        )
    status = routing.status()
    try:
        status_name = routing_enums_pb2.RoutingSearchStatus.Value.Name(status).removeprefix("ROUTING_")
    except ValueError:
        status_name = str(status)
    if sol is None:  # cannot happen while every store fits alone, but stay safe
        return [(i,) for i in stores], status_name
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
    return routes, status_name


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
