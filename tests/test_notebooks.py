"""The notebooks under notebooks/ execute offline: the first two here, the others in test_notebooks_share.py and
test_notebooks_portfolio.py (three files of similar length, so that `--dist loadfile` balances the xdist workers).
"""

from __future__ import annotations

from pathlib import Path

from notebook_exec import NOTEBOOKS, execute_notebooks

#: notebooks executed by this file; tests/test_notebooks_share.py and tests/test_notebooks_portfolio.py the rest
HERE = ["01_quick_start", "02_bring_your_own_city"]


def test_there_are_six_notebooks() -> None:
    assert [p.stem for p in NOTEBOOKS] == [
        "01_quick_start",
        "02_bring_your_own_city",
        "03_business_case",
        "04_shared_network",
        "05_portfolio",
        "06_national_malta",
    ]


def test_every_notebook_is_executed_by_one_of_the_three_files() -> None:
    from test_notebooks_portfolio import HERE as PORTFOLIO
    from test_notebooks_share import HERE as SHARE

    assert sorted(HERE + SHARE + PORTFOLIO) == [p.stem for p in NOTEBOOKS]


def test_notebooks_execute(tmp_path: Path) -> None:
    execute_notebooks(HERE, tmp_path)
