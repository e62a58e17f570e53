"""The notebooks under notebooks/ execute offline: jupytext -> ipynb in a temp folder -> pytest --nbmake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.py"))


def test_there_are_six_notebooks() -> None:
    assert [p.stem for p in NOTEBOOKS] == [
        "01_quick_start",
        "02_bring_your_own_city",
        "03_business_case",
        "04_shared_network",
        "05_portfolio",
        "06_national_malta",
    ]


def test_notebooks_execute(tmp_path: Path) -> None:
    jupytext = pytest.importorskip("jupytext")
    pytest.importorskip("nbmake")
    for src in NOTEBOOKS:
        nb = jupytext.read(src)
        jupytext.write(nb, tmp_path / f"{src.stem}.ipynb")
    # A separate pytest (no project config) so each notebook runs in a fresh kernel like a user's;
    # the kernel talks to it over loopback only. Each cell must finish within four minutes: the
    # shared-network study takes about 50 s on two cores (its 433 stores solved as 167 demand
    # groups, share.group_time_tolerance_s), twice that when the cores are busy.
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbmake",
            "--nbmake-timeout=240",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            *sorted(str(p) for p in tmp_path.glob("*.ipynb")),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "6 passed" in proc.stdout
