"""The notebooks under notebooks/ execute offline: four here, 03 in test_notebooks_business_case.py and 04 in
test_notebooks_share.py (three files of similar length, so that `--dist loadfile` balances the xdist workers).

Measured at load ~9 (-n 0): 01+02 51 s, 03 ~110-150 s, 04 145 s, 05+06 98 s.
"""

from __future__ import annotations

from pathlib import Path

from notebook_exec import NOTEBOOKS, execute_notebooks

#: notebooks executed by this file; tests/test_notebooks_business_case.py and tests/test_notebooks_share.py the rest
HERE = ["01_quick_start", "02_bring_your_own_city", "05_portfolio", "06_national_malta"]


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
    from test_notebooks_business_case import HERE as BUSINESS_CASE
    from test_notebooks_share import HERE as SHARE

    assert sorted(HERE + BUSINESS_CASE + SHARE) == [p.stem for p in NOTEBOOKS]


def test_notebooks_execute(tmp_path: Path) -> None:
    execute_notebooks(HERE, tmp_path)
