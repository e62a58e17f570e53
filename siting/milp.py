"""The one model builder for HiGHS: named variable blocks, rows in bulk, a solve Ctrl-C stops, honest status words."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from siting.errors import InputError
from siting.highs import new_highs

__all__ = ["Model", "MilpSolution", "OPTIMAL_GAP", "relative_gap", "status_words"]

#: A solve is called "optimal" only when its proven relative gap is at most this.
OPTIMAL_GAP = 1e-4


@dataclass(frozen=True)
class MilpSolution:
    """The outcome of one solve.

    ``status`` is ``"optimal"`` only when the proven relative gap (incumbent - best bound) /
    |incumbent| is at most :data:`OPTIMAL_GAP`; ``"stopped at gap 0.83%"`` when a limit or the
    requested gap stopped it earlier; ``"infeasible"``; or ``"time limit reached with no feasible
    solution"`` when the limit came before any incumbent. ``x`` is None when there is no solution.
    ``bound`` is the best proven bound (a lower bound when minimising, an upper bound when
    maximising); ``reason`` is why HiGHS stopped: ``"optimal"`` (its own gap target met),
    ``"time_limit"``, ``"infeasible"``, ``"unbounded"``, ``"interrupted"`` or ``"other"`` (empty
    when the solution was assembled outside HiGHS). ``nodes`` is the number of branch-and-bound
    nodes HiGHS explored (0 for an LP); ``mip_max_nodes`` stops a solve with reason ``"other"``.
    """

    status: str
    objective: float
    bound: float
    gap: float
    time_s: float
    x: np.ndarray | None = field(repr=False)
    blocks: Mapping[str, tuple[int, tuple[int, ...]]] = field(repr=False)
    reason: str = ""
    nodes: int = 0
    #: An LP relaxation's row duals (HiGHS's, one per row), None for a MILP or without a dual solution.
    row_dual: np.ndarray | None = field(default=None, repr=False)

    @property
    def has_solution(self) -> bool:
        """True when a feasible solution (an incumbent) was found."""
        return self.x is not None

    @property
    def proven_optimal(self) -> bool:
        """True when the gap is proven at most :data:`OPTIMAL_GAP`."""
        return self.status == "optimal"

    def value(self, name: str) -> np.ndarray:
        """The values of one named variable block, in its shape.

        Parameters
        ----------
        name : str

        Returns
        -------
        numpy.ndarray
        """
        if self.x is None:
            raise InputError(f"no solution ({self.status}): block {name!r} has no values")
        start, shape = self.blocks[name]
        return self.x[start : start + math.prod(shape)].reshape(shape)


def relative_gap(objective: float, bound: float) -> float:
    """(objective - bound) / max(|objective|, 1e-9), at least 0; inf when the bound is unknown."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    return max(objective - bound, 0.0) / max(abs(objective), 1e-9)


def status_words(gap: float, reason: str) -> str:
    """``"optimal"`` when ``gap`` is proven at most :data:`OPTIMAL_GAP`, else ``"stopped at gap g (why)"``.

    The words the share stage reports (a design's ``status``).

    Parameters
    ----------
    gap : float
        Relative gap between a solution's cost and the best bound known (``inf`` with no bound).
    reason : str
        Why HiGHS stopped (:attr:`MilpSolution.reason`: "time_limit", "optimal" for its own gap
        target, "interrupted", ...).

    Returns
    -------
    str
    """
    if gap <= OPTIMAL_GAP:
        return "optimal"
    why = {"time_limit": "time limit", "optimal": "gap target reached", "interrupted": "interrupted"}.get(
        reason, reason
    )
    return f"stopped at gap {gap:.3g} ({why})"


#: HiGHS instances solving in worker threads (:func:`siting.solve_threads.map_in_threads`), and the
#: event that stops them: set by the main thread on Ctrl-C, cleared when its pool has ended.
_WORKER_SOLVES: set[Any] = set()
_WORKER_LOCK = threading.Lock()
_WORKERS_STOP = threading.Event()


def cancel_worker_solves() -> None:
    """Stop every solve running in a worker thread, and any a worker starts until :func:`resume_worker_solves`."""
    _WORKERS_STOP.set()
    with _WORKER_LOCK:
        for h in _WORKER_SOLVES:
            h.cancelSolve()


def resume_worker_solves() -> None:
    """Let worker threads solve again (after their pool has ended)."""
    _WORKERS_STOP.clear()


def _run_in_worker(h: Any) -> None:
    """Solve ``h`` on this worker thread; :func:`cancel_worker_solves` stops it (KeyboardInterrupt here)."""
    h.HandleUserInterrupt = True
    with _WORKER_LOCK:
        if _WORKERS_STOP.is_set():
            raise KeyboardInterrupt
        _WORKER_SOLVES.add(h)
    try:
        h.run()
    finally:
        with _WORKER_LOCK:
            _WORKER_SOLVES.discard(h)
    if _WORKERS_STOP.is_set():
        raise KeyboardInterrupt


def _run_interruptible(h: Any, poll_s: float = 0.1) -> None:
    """Solve ``h`` in HiGHS's solver thread so that Ctrl-C stops it.

    The main thread waits in short polls (a finished solve returns at once); on
    ``KeyboardInterrupt`` it asks HiGHS to stop through its user-interrupt callback
    (``cancelSolve``), waits for the solver thread to end and raises ``KeyboardInterrupt`` again
    (the CLI exits 130). Nothing is printed. On a worker thread of
    :func:`siting.solve_threads.map_in_threads` the solve runs on that thread instead (highspy's
    solver thread admits one solve per process) and the main thread stops it.
    """
    if threading.current_thread() is not threading.main_thread():
        _run_in_worker(h)
        return
    h.HandleUserInterrupt = True
    thread = h.startSolve()
    try:
        while not h.wait(poll_s)[0]:
            pass
    except KeyboardInterrupt:
        h.cancelSolve()
        while thread.is_alive():
            thread.join(poll_s)
        raise
    thread.join()


class Model:
    """A MILP assembled block by block, then solved by HiGHS (possibly many times).

    Parameters
    ----------
    sense : {"min", "max"}
        Minimise (default) or maximise the objective.
    offset : float
        A constant added to the objective (also settable as the attribute ``offset``).

    Examples
    --------
    >>> m = Model()
    >>> x = m.add_vars("x", (2,), cost=[1.0, 2.0])
    >>> _ = m.add_rows("demand", rows=[0, 0], cols=x, vals=[1.0, 1.0], lo=3.0)
    >>> s = m.solve()
    >>> s.status, s.objective, s.value("x").tolist()
    ('optimal', 3.0, [3.0, 0.0])
    """

    def __init__(self, *, sense: Literal["min", "max"] = "min", offset: float = 0.0) -> None:
        if sense not in ("min", "max"):
            raise InputError(f"Model: sense must be 'min' or 'max', got {sense!r}")
        self.sense = sense
        self.offset = float(offset)
        self._blocks: dict[str, tuple[int, tuple[int, ...]]] = {}
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._cost: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._row_lo: list[np.ndarray] = []
        self._row_hi: list[np.ndarray] = []
        self._row_blocks: dict[str, tuple[int, int]] = {}
        self.num_cols = 0
        self.num_rows = 0

    def row_block(self, name: str) -> slice:
        """The global row indices of the row block ``name`` (as a slice).

        Parameters
        ----------
        name : str

        Returns
        -------
        slice
        """
        if name not in self._row_blocks:
            raise InputError(f"no row block {name!r}")
        start, n = self._row_blocks[name]
        return slice(start, start + n)

    def add_vars(
        self,
        name: str,
        shape: int | tuple[int, ...],
        *,
        lb: Any = 0.0,
        ub: Any = math.inf,
        cost: Any = 0.0,
        binary: bool = False,
        integer: bool = False,
    ) -> np.ndarray:
        """Add a block of variables; return their column indices in ``shape``.

        Parameters
        ----------
        name : str
            Unique block name (read back with :meth:`MilpSolution.value`).
        shape : int or tuple of int
        lb, ub, cost : float or array broadcastable to ``shape``
        binary : bool
            Integer variables in [0, 1] (``lb``/``ub`` ignored).
        integer : bool
            Integer variables within ``lb``/``ub``.

        Returns
        -------
        numpy.ndarray of int
        """
        if name in self._blocks:
            raise InputError(f"variable block {name!r} added twice")
        shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
        n = math.prod(shape)
        idx = self.num_cols + np.arange(n).reshape(shape)
        self._blocks[name] = (self.num_cols, shape)
        lo, hi = (0.0, 1.0) if binary else (lb, ub)
        self._lb.append(np.broadcast_to(np.asarray(lo, dtype=float), shape).ravel().copy())
        self._ub.append(np.broadcast_to(np.asarray(hi, dtype=float), shape).ravel().copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=float), shape).ravel().copy())
        self._int.append(np.full(n, binary or integer))
        self.num_cols += n
        return idx

    def add_rows(
        self,
        name: str,
        rows: Any,
        cols: Any,
        vals: Any,
        *,
        lo: Any = -math.inf,
        hi: Any = math.inf,
        n: int | None = None,
    ) -> np.ndarray:
        """Add ``n`` rows ``lo <= A x <= hi`` given as (local row, column, value) triplets.

        Parameters
        ----------
        name : str
        rows : array of int
            Row numbers within this block, 0..n-1 (duplicate (row, col) pairs add up).
        cols : array of int
            Column indices (as returned by :meth:`add_vars`).
        vals : float or array
        lo, hi : float or array of length ``n``
        n : int, optional
            Number of rows (default: the longest of ``lo``/``hi``, else max(rows) + 1).

        Returns
        -------
        numpy.ndarray of int
            The rows' global indices.
        """
        if name in self._row_blocks:
            raise InputError(f"row block {name!r} added twice")
        r = np.asarray(rows, dtype=np.int64).ravel()
        c = np.asarray(cols, dtype=np.int64).ravel()
        v = np.broadcast_to(np.asarray(vals, dtype=float), r.shape).ravel()
        if len(c) != len(r):
            raise InputError(f"row block {name!r}: {len(r)} row numbers but {len(c)} columns")
        if n is None:
            sizes = [np.size(lo) if np.ndim(lo) else 0, np.size(hi) if np.ndim(hi) else 0]
            n = max(sizes) or (int(r.max()) + 1 if len(r) else 0)
        if len(r) and (r.min() < 0 or r.max() >= n or c.min() < 0 or c.max() >= self.num_cols):
            raise InputError(f"row block {name!r}: a row or column index is out of range")
        self._rows.append(r + self.num_rows)
        self._cols.append(c)
        self._vals.append(v)
        self._row_lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n,)).copy())
        self._row_hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)).copy())
        self._row_blocks[name] = (self.num_rows, n)
        self.num_rows += n
        return self.num_rows - n + np.arange(n)

    def add_matrix(
        self, name: str, a: sp.spmatrix | sp.sparray, *, lo: Any = -math.inf, hi: Any = math.inf
    ) -> np.ndarray:
        """Add the rows ``lo <= a x <= hi`` of a sparse matrix over all columns added so far.

        Parameters
        ----------
        name : str
        a : scipy sparse matrix, shape (rows, num_cols)
        lo, hi : float or array of length rows

        Returns
        -------
        numpy.ndarray of int
            The rows' global indices.
        """
        if a.shape[1] != self.num_cols:
            raise InputError(f"row block {name!r}: the matrix has {a.shape[1]} columns, the model {self.num_cols}")
        coo = sp.coo_matrix(a)
        return self.add_rows(name, coo.row, coo.col, coo.data, lo=lo, hi=hi, n=int(a.shape[0]))

    @property
    def blocks(self) -> dict[str, tuple[int, tuple[int, ...]]]:
        """Variable block name -> (first column, shape)."""
        return dict(self._blocks)

    def matrix(self) -> sp.csr_matrix:
        """The constraint matrix (rows x columns)."""
        cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dtype=dt)  # noqa: E731
        return sp.csr_matrix(
            (cat(self._vals, float), (cat(self._rows, np.int64), cat(self._cols, np.int64))),
            shape=(self.num_rows, self.num_cols),
        )

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the column lower and upper bounds (to edit and pass to :meth:`solve`)."""
        return np.concatenate(self._lb) if self._lb else np.zeros(0), np.concatenate(
            self._ub
        ) if self._ub else np.zeros(0)

    def objective(self, x: np.ndarray) -> float:
        """The objective value of a full column vector ``x`` (offset included)."""
        return float(np.concatenate(self._cost) @ x) + self.offset

    def solve(
        self,
        *,
        time_limit_s: float | None = 60.0,
        mip_gap: float = OPTIMAL_GAP,
        start: np.ndarray | None = None,
        col_lower: np.ndarray | None = None,
        col_upper: np.ndarray | None = None,
        relax: bool = False,
        threads: int | None = None,
        options: Mapping[str, Any] | None = None,
        on_improving: Callable[[np.ndarray], None] | None = None,
        max_checks: int | None = None,
    ) -> MilpSolution:
        """Solve with HiGHS; Ctrl-C stops it (``KeyboardInterrupt`` is raised once HiGHS has stopped).

        Parameters
        ----------
        time_limit_s : float or None
            Wall-clock limit of this solve (None: no limit).
        mip_gap : float
            Relative gap at which HiGHS may stop (the status still reports the proven gap).
        start : ndarray, optional
            A full feasible column vector to start from (HiGHS checks it).
        col_lower, col_upper : ndarray, optional
            Column bounds replacing the model's for this solve (fix or forbid variables).
        relax : bool
            Solve the LP relaxation (binaries continuous in [0, 1]).
        threads : int, optional
            Ignored unless 1: every HiGHS instance of the process runs on one thread (see
            :func:`siting.highs.new_highs`).
        options : mapping, optional
            Further HiGHS options by name (e.g. ``{"mip_heuristic_effort": 0.3}``).
        on_improving : callable, optional
            Called with a copy of every improving MILP solution HiGHS finds (the full column
            vector, in the order found; the last is the solution returned unless the solve stopped
            on the way). Presolve off only (``options={"presolve": "off"}``): HiGHS reports a
            presolved model's incumbents in its own columns.
        max_checks : int, optional
            A work limit: the solve stops after HiGHS's MIP solver has checked its limits this many
            times (its interrupt callback: about once per cut round at the root, once per node
            after), the same count on any machine and load. The solution then has reason
            ``"work_limit"`` and the best dual bound HiGHS reported at those checks (HiGHS's own
            figure after an interrupt is not one), and ``x`` only if HiGHS returned one.
        Returns
        -------
        MilpSolution
        """
        import highspy

        t0 = time.perf_counter()
        h = new_highs()
        if time_limit_s is not None:
            h.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        if threads is not None and int(threads) != 1:
            raise InputError(
                "siting's HiGHS solves run on one thread (siting.highs.new_highs); pass threads=1 or None."
            )
        for key, value in (options or {}).items():
            h.setOptionValue(key, value)
        inf = highspy.kHighsInf
        lb0, ub0 = self.bounds()
        lb = lb0 if col_lower is None else np.asarray(col_lower, dtype=float)
        ub = ub0 if col_upper is None else np.asarray(col_upper, dtype=float)
        csc = self.matrix().tocsc()
        csc.sum_duplicates()
        csc.sort_indices()
        row_lo, row_hi = np.concatenate(self._row_lo or [np.zeros(0)]), np.concatenate(self._row_hi or [np.zeros(0)])
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.num_cols, self.num_rows
        lp.col_cost_ = np.concatenate(self._cost) if self._cost else np.zeros(0)
        lp.offset_ = self.offset
        if self.sense == "max":
            lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_lower_ = np.where(np.isfinite(lb), lb, -inf)
        lp.col_upper_ = np.where(np.isfinite(ub), ub, inf)
        lp.row_lower_ = np.where(np.isfinite(row_lo), row_lo, -inf)
        lp.row_upper_ = np.where(np.isfinite(row_hi), row_hi, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(np.float64)
        integer = np.concatenate(self._int) if self._int else np.zeros(0, dtype=bool)
        is_mip = bool(integer.any()) and not relax
        if is_mip:
            kinds = highspy.HighsVarType
            lp.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in integer]
        h.passModel(lp)
        if on_improving is not None:
            if (options or {}).get("presolve") != "off":
                raise ValueError("on_improving needs options={'presolve': 'off'}")
            report = on_improving  # its own name: mypy keeps the narrowing inside the lambda
            h.cbMipImprovingSolution.subscribe(lambda e: report(np.array(e.data_out.mip_solution, dtype=float)))
        checks: list[tuple[float, float]] = []  # (dual bound, incumbent) at each of HiGHS's limit checks
        asked_stop: list[bool] = []
        if max_checks is not None:
            limit = int(max_checks)

            def check(e: Any) -> None:
                checks.append((float(e.data_out.mip_dual_bound), float(e.data_out.mip_primal_bound)))
                if len(checks) > limit:
                    e.interrupt()
                    asked_stop.append(True)

            h.cbMipInterrupt.subscribe(check)
        if start is not None:
            given = highspy.HighsSolution()
            given.col_value = list(np.asarray(start, dtype=np.float64))
            given.value_valid = True
            h.setSolution(given)
        _run_interruptible(h)
        sol = self._outcome(h, is_mip, time.perf_counter() - t0)
        if asked_stop and sol.reason in ("interrupted", "other"):  # HiGHS stopped on the work limit
            return self._at_work_limit(sol, checks, start)
        presolve_on = (options or {}).get("presolve", "choose") != "off"
        if start is not None and presolve_on and sol.x is not None and not self._prices_at(sol):
            # HiGHS 1.16 with presolve and a start returned the start's columns with another, lower
            # objective and bound (tests/design seed 27: 43,874 against 46,909 by enumeration):
            # solve again without presolve in the time left
            used_s = time.perf_counter() - t0
            left = None if time_limit_s is None else max(time_limit_s - used_s, 0.05 * time_limit_s)
            again = self.solve(
                time_limit_s=left,
                mip_gap=mip_gap,
                start=start,
                col_lower=col_lower,
                col_upper=col_upper,
                relax=relax,
                threads=threads,
                options={**(options or {}), "presolve": "off"},
                max_checks=max_checks,
            )
            return dataclasses.replace(again, time_s=time.perf_counter() - t0)
        return sol

    def _at_work_limit(
        self, sol: MilpSolution, checks: list[tuple[float, float]], start: np.ndarray | None
    ) -> MilpSolution:
        """``sol`` of a solve stopped by ``max_checks``: the best dual bound reported at its checks.

        With a start whose objective HiGHS reported otherwise as its incumbent (a presolved model
        pricing the start at another objective, seen in HiGHS 1.16), no bound is trusted.
        """
        sign = 1.0 if self.sense == "min" else -1.0
        seen = [sign * d for d, _ in checks if math.isfinite(d)]
        bound = sign * max(seen) if seen else -sign * math.inf
        primal = [p for _, p in checks if math.isfinite(p)]
        if start is not None and primal:
            own = self.objective(np.asarray(start, dtype=float))
            if sign * primal[-1] < sign * own - 1e-6 * max(1.0, abs(own)):  # dearer than HiGHS says
                bound = -sign * math.inf
        if sol.x is None:
            return dataclasses.replace(sol, status="work limit reached", bound=bound, reason="work_limit")
        gap = relative_gap(sign * sol.objective, sign * bound)
        status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
        return dataclasses.replace(sol, status=status, bound=bound, gap=gap, reason="work_limit")

    def _prices_at(self, sol: MilpSolution) -> bool:
        """True when the solution's columns price at its reported objective (relative 1e-6)."""
        assert sol.x is not None
        return abs(self.objective(sol.x) - sol.objective) <= 1e-6 * max(1.0, abs(sol.objective))

    def _outcome(self, h: Any, is_mip: bool, time_s: float) -> MilpSolution:
        import highspy

        ms = highspy.HighsModelStatus
        model_status = h.getModelStatus()
        reason = _REASONS.get(model_status.name, "other")
        info = h.getInfo()
        has_x = info.primal_solution_status >= 2 or (is_mip and info.primal_solution_status >= 1)
        x = np.asarray(h.getSolution().col_value, dtype=float) if has_x else None
        blocks = dict(self._blocks)
        worst = math.inf if self.sense == "min" else -math.inf  # the objective of "no solution"
        if model_status in (ms.kInfeasible, ms.kUnboundedOrInfeasible) and x is None:
            return MilpSolution("infeasible", worst, worst, math.inf, time_s, None, blocks, reason)
        if model_status == ms.kUnbounded:
            return MilpSolution("unbounded", -worst, -worst, math.inf, time_s, None, blocks, reason)
        bound = float(info.mip_dual_bound) if is_mip else -worst
        if x is None:
            why = "time limit" if model_status == ms.kTimeLimit else h.modelStatusToString(model_status)
            status = f"{why} reached with no feasible solution"
            return MilpSolution(status, worst, bound, math.inf, time_s, None, blocks, reason)
        objective = float(info.objective_function_value)
        if not is_mip and model_status == ms.kOptimal:
            bound = objective
        sign = 1.0 if self.sense == "min" else -1.0
        gap = relative_gap(sign * objective, sign * bound)
        status = "optimal" if gap <= OPTIMAL_GAP else f"stopped at gap {gap:.2%}"
        nodes = int(info.mip_node_count) if is_mip else 0
        duals = None
        if not is_mip and model_status == ms.kOptimal and info.dual_solution_status >= 2:
            duals = np.asarray(h.getSolution().row_dual, dtype=float)
        return MilpSolution(status, objective, bound, gap, time_s, x, blocks, reason, nodes, duals)


#: HiGHS model status (enum name) -> :attr:`MilpSolution.reason`.
_REASONS = {
    "kOptimal": "optimal",
    "kTimeLimit": "time_limit",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kInterrupt": "interrupted",
}
