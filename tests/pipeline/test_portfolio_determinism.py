"""The portfolio columns agree in two processes (other PYTHONHASHSEED, one under CPU load): work limits, no clock.

Seen failing with a clock-dependent work limit (a count of HiGHS's MIP interrupt callbacks at the root,
which HiGHS calls more often when a solve takes longer): the unloaded run stopped three forced-open
solves at 0.2-3.2% gaps ("costs 180,800 EUR a year more (at least 59,696 EUR)"), the loaded one proved
them optimal (59,696 EUR). On this cut of the demo the node limit does not bind (every solve is
optimal); it checks that the model, its build order (PYTHONHASHSEED) and the solves are reproducible.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def _run(out: Path, seed: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(HERE / "portfolio_once.py"), str(out), "1", "120"], env=env)


def _burn() -> subprocess.Popen:
    """A process keeping a core busy (artificial CPU load)."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def test_two_processes_give_the_same_portfolio_columns(tmp_path):
    first = _run(tmp_path / "a.csv", "1")
    assert first.wait(timeout=900) == 0
    burners = [_burn(), _burn()]
    try:
        second = _run(tmp_path / "b.csv", "4242")
        assert second.wait(timeout=900) == 0
    finally:
        for b in burners:
            b.kill()
            b.wait()
    a, b = (tmp_path / "a.csv").read_bytes(), (tmp_path / "b.csv").read_bytes()
    assert a == b
    assert (tmp_path / "a.csv.status").read_text() == (tmp_path / "b.csv.status").read_text()
    assert b"portfolio_verdict" in a and len(a.splitlines()) == 15  # 14 sites and the header
