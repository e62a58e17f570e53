"""siting.milp: blocks, bulk rows, bound overrides and an honest status against hand-solved models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from siting.milp import OPTIMAL_GAP, Model, relative_gap


def _facility() -> tuple[Model, np.ndarray, np.ndarray]:
    """2 facilities (fixed 10 and 12), 3 customers of demand 1; serving costs below. Optimum: open both = 22+1+2+1."""
    m = Model()
    y = m.add_vars("open", 2, binary=True, cost=[10.0, 12.0])
    c = np.array([[1.0, 9.0, 20.0], [20.0, 2.0, 1.0]])
    x = m.add_vars("serve", (2, 3), ub=1.0, cost=c)
    m.add_rows("demand", np.tile(np.arange(3), 2), x.ravel(), 1.0, lo=np.ones(3), hi=np.ones(3))
    i, j = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    r = np.arange(6)
    m.add_rows("link", np.r_[r, r], np.r_[x.ravel(), y[i.ravel()]], np.r_[np.ones(6), -np.ones(6)], hi=np.zeros(6))
    return m, y, x


def test_solves_a_hand_worked_facility_model():
    m, y, x = _facility()
    s = m.solve()
    # open both: 22 + 1 + 2 + 1 = 26; open 0 only: 10 + 1 + 9 + 20 = 40; open 1 only: 12 + 20 + 2 + 1 = 35
    assert s.status == "optimal" and s.objective == pytest.approx(26.0)
    assert s.value("open").tolist() == [1.0, 1.0]
    assert s.gap <= OPTIMAL_GAP


def test_bound_overrides_fix_variables_for_one_solve():
    m, y, x = _facility()
    lb, ub = m.bounds()
    ub[y[1]] = 0.0
    assert m.solve(col_upper=ub).objective == pytest.approx(40.0)
    assert m.solve().objective == pytest.approx(26.0)  # the model itself is unchanged
    relaxed = m.solve(relax=True)
    assert relaxed.objective <= 26.0 + 1e-9


def test_infeasible_and_gap_status():
    m = Model()
    v = m.add_vars("v", 1, binary=True)
    m.add_rows("impossible", [0], v, 1.0, lo=2.0)
    s = m.solve()
    assert s.status == "infeasible" and not s.has_solution
    with pytest.raises(ValueError, match="no solution"):
        s.value("v")
    assert relative_gap(100.0, 99.0) == pytest.approx(0.01)
    assert relative_gap(100.0, -math.inf) == math.inf


def test_start_outside_a_row_is_rejected_but_the_solve_goes_on():
    m, y, x = _facility()
    s = m.solve(start=np.zeros(m.num_cols))  # infeasible start: demand rows unmet
    assert s.status == "optimal" and s.objective == pytest.approx(26.0)


def test_bad_blocks_are_refused():
    m = Model()
    m.add_vars("a", 2)
    with pytest.raises(ValueError, match="'a' added twice"):
        m.add_vars("a", 1)
    with pytest.raises(ValueError, match="out of range"):
        m.add_rows("r", [0], [5], 1.0, hi=1.0)


def test_every_stage_solves_in_one_process_whatever_came_first():
    """HiGHS keeps one thread pool per process: a design-model solve first must not break a later locate solve."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import numpy as np
        from siting.locate import p_center
        from siting.milp import Model
        m = Model()
        y = m.add_vars("y", 2, binary=True, cost=[1.0, 2.0])
        m.add_rows("one", [0, 0], y, 1.0, lo=[1.0], hi=[1.0])
        assert m.solve().status == "optimal"
        cost = np.random.default_rng(0).integers(1, 100, size=(8, 6)).astype(float)
        sol = p_center(cost, 2)
        best = min(cost[:, [a, b]].min(axis=1).max() for a in range(6) for b in range(a + 1, 6))
        assert sol.optimal and abs(sol.objective - best) < 1e-9, (sol.objective, best)
        print("ok")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
