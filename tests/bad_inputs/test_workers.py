"""SITING_N_JOBS: how many workers a job may use; a bad value is refused before any work, naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_cases import N_JOBS_VALUES
from cli_runner import run_cli

from siting.workers import n_workers


@pytest.mark.parametrize("value", ["1", "2", " 3 ", "256"])
def test_a_whole_number_is_the_workers(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_N_JOBS", value)
    assert n_workers() == int(value)


def test_unset_or_empty_is_the_cpu_count_at_most_two(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv("SITING_N_JOBS", raising=False)
    default = n_workers()
    assert default == max(1, min(2, os.cpu_count() or 1))
    monkeypatch.setenv("SITING_N_JOBS", "")
    assert n_workers() == default


@pytest.mark.parametrize("name", sorted(N_JOBS_VALUES))
def test_the_cli_refuses_a_bad_value_before_any_work(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 2, one line naming the variable, its value and the fix; no run folder, nothing else written."""
    value = N_JOBS_VALUES[name]
    monkeypatch.setenv("SITING_N_JOBS", value)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("rank", "--demo", "kotka", "--no-map", "--out", tmp_path / "out")
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"SITING_N_JOBS={value!r}" in err and "from 1 to 256" in err and "unset it" in err, err
    assert "rank cities" not in err and out == ""  # refused before the run started
    assert list(tmp_path.iterdir()) == []
