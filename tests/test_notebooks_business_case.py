"""The business-case notebook executes offline (one of the longest; split from test_notebooks.py to balance the
xdist workers)."""

from __future__ import annotations

from pathlib import Path

from notebook_exec import execute_notebooks

#: notebooks executed by this file; tests/test_notebooks.py lists where the others run
HERE = ["03_business_case"]


def test_notebooks_execute(tmp_path: Path) -> None:
    execute_notebooks(HERE, tmp_path)
