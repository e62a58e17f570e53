"""The business-case, portfolio and national notebooks execute offline (split from test_notebooks.py to balance
the xdist workers)."""

from __future__ import annotations

from pathlib import Path

from notebook_exec import execute_notebooks

#: notebooks executed by this file; tests/test_notebooks.py executes the rest
HERE = ["03_business_case", "05_portfolio", "06_national_malta"]


def test_notebooks_execute(tmp_path: Path) -> None:
    execute_notebooks(HERE, tmp_path)
