"""Solver honesty in the share stage: "optimal" only when proven, limits honoured, Ctrl-C stops HiGHS."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from share.test_design import brute_force, tiny
from siting.errors import InfeasibleError, InputError
from siting.share import design_network
from siting.share.highs import PROVEN_GAP, status_words

REPO = Path(__file__).resolve().parents[2]


def test_status_words() -> None:
    assert status_words(0.0, "optimal") == "optimal"
    assert status_words(PROVEN_GAP, "time_limit") == "optimal"
    assert status_words(0.0034, "optimal") == "stopped at gap 0.0034 (gap target reached)"
    assert status_words(0.2, "time_limit") == "stopped at gap 0.2 (time limit)"


@pytest.mark.parametrize("seed", range(4))
def test_status_and_bound_are_honest_against_brute_force(seed: int) -> None:
    pb = tiny(seed)
    try:
        result = design_network(pb, mip_gap=0.2)
    except InfeasibleError:
        return
    best = brute_force(pb)
    assert result.lower_bound <= best + 1e-6 * abs(best)  # the bound is a bound
    assert result.total_per_yr >= best - 1e-6 * abs(best)
    assert (result.status == "optimal") == (result.gap <= PROVEN_GAP)
    if result.status != "optimal":
        assert result.status.startswith(f"stopped at gap {result.gap:.3g}")


def test_a_time_limit_without_an_incumbent_says_so() -> None:
    """No warm start and a 10 ms limit on 64 sites: HiGHS stops before any feasible design; the message says it
    is the limit (with the bound), not infeasibility."""
    pb = tiny(0, n=64, m=400)
    with pytest.raises(InputError, match="before HiGHS found any feasible design") as err:
        design_network(pb, time_limit_s=0.01, warm_start=False)
    assert "not infeasibility" in str(err.value) and "raise the capacity" not in str(err.value)
    assert not isinstance(err.value, InfeasibleError)


@pytest.mark.parametrize(("limit", "gap"), [(0.0, 1e-4), (np.nan, 1e-4), (10.0, np.inf), (10.0, -0.1)])
def test_bad_limits_are_refused(limit: float, gap: float) -> None:
    with pytest.raises(InputError, match="time_limit_s"):
        design_network(tiny(0), time_limit_s=limit, mip_gap=gap)


HARD_MIP = """
import sys, numpy as np, highspy, scipy.sparse as sp
from siting.share.highs import quiet_highs, run_interruptible
rng = np.random.default_rng(0)
n, m = 120, 12                       # a multi-dimensional knapsack: hard to prove at gap 0
w = rng.integers(20, 100, (m, n)).astype(float)
v = w.sum(axis=0) + rng.integers(0, 20, n)
h = quiet_highs()
h.setOptionValue("mip_rel_gap", 0.0)
h.setOptionValue("time_limit", 120.0)
a = sp.csc_matrix(w)
lp = highspy.HighsLp()
lp.num_col_, lp.num_row_ = n, m
lp.col_cost_ = -v
lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
lp.row_lower_, lp.row_upper_ = np.full(m, -highspy.kHighsInf), w.sum(axis=1) / 2
lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
lp.integrality_ = [highspy.HighsVarType.kInteger] * n
h.passModel(lp)
print("solving", file=sys.stderr, flush=True)
try:
    run_interruptible(h)
except KeyboardInterrupt:
    print("interrupted", h.getModelStatus(), file=sys.stderr, flush=True)
    sys.exit(130)
print("finished", h.getModelStatus(), file=sys.stderr, flush=True)
"""


def test_ctrl_c_stops_highs_inside_its_solve(tmp_path: Path) -> None:
    script = tmp_path / "hard.py"
    script.write_text(HARD_MIP, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script)], stderr=subprocess.PIPE, text=True, cwd=REPO, env={"PYTHONPATH": str(REPO)}
    )
    assert proc.stderr is not None
    assert proc.stderr.readline().strip() == "solving"
    time.sleep(1.5)
    assert proc.poll() is None, "the solve ended before the interrupt: make the instance harder"
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    rest = proc.communicate(timeout=30)[1]
    assert proc.returncode == 130, rest
    assert "interrupted" in rest and "Interrupt" in rest
    assert time.perf_counter() - sent < 10.0
