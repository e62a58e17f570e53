"""Execute some of the notebooks under notebooks/ offline: jupytext -> ipynb in a temp folder -> pytest --nbmake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))


def execute_notebooks(stems: list[str], tmp_path: Path) -> None:
    """Run the named notebooks (file stems) each in a fresh kernel; fail with the tail of nbmake's report."""
    jupytext = pytest.importorskip("jupytext")
    pytest.importorskip("nbmake")
    for stem in stems:
        nb = jupytext.read(NOTEBOOK_DIR / f"{stem}.py")
        jupytext.write(nb, tmp_path / f"{stem}.ipynb")
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
            "--durations=0",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            *sorted(str(tmp_path / f"{stem}.ipynb") for stem in stems),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert f"{len(stems)} passed" in proc.stdout
