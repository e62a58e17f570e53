"""Optional parts are extras: the quick start runs without them, and a missing one names its `pip install`.

The missing package is simulated with a real import hook on ``sys.meta_path`` that refuses to find it
(as an environment without it would), not with a mock of siting's code.
"""

from __future__ import annotations

import importlib.abc
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_cli

from siting.errors import MissingExtraError

REPO = Path(__file__).resolve().parents[1]
OPTIONAL = ("dask", "distributed", "simpy")


class _Absent(importlib.abc.MetaPathFinder):
    """An import hook under which the named top-level packages are not installed."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@pytest.fixture
def without(monkeypatch):
    """``without("simpy", ...)``: those packages are not importable for the rest of the test."""

    def hide(*names: str) -> None:
        for mod in list(sys.modules):
            if mod.split(".")[0] in names:
                monkeypatch.delitem(sys.modules, mod)
        monkeypatch.setattr(sys, "meta_path", [_Absent(names), *sys.meta_path])

    return hide


def test_the_hook_really_hides_a_package(without):
    without("simpy")
    with pytest.raises(ModuleNotFoundError):
        import simpy  # noqa: F401


def test_the_simulation_names_the_share_extra(without):
    from siting.share.simulate import simulate_site

    without("simpy")
    one = np.array([0.0])
    with pytest.raises(MissingExtraError) as info:
        simulate_site(one, np.array([0]), one, one, n_classes=1)
    msg = str(info.value)
    assert "\n" not in msg and msg.endswith('pip install "siting[share]"') and "SimPy" in msg
    assert isinstance(info.value, ImportError)


def test_scheduler_without_dask_exits_2_with_one_line(without, tmp_path):
    without("dask", "distributed")
    code, out, err = run_cli("rank", "--scheduler", "local", "--no-map", "-q", "--no-progress", "--out", tmp_path / "o")
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [lines[-1]] and lines[-1].startswith("siting: error: ")
    assert lines[-1].endswith('pip install "siting[dask]"') and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # nothing written
    index = " ".join((REPO / "docs" / "index.md").read_text(encoding="utf-8").split())
    assert f"`{lines[-1]}`" in index  # the manual quotes the message as it is


def test_the_quick_start_needs_no_extra(helsinki_demo_rank):
    """`siting rank` on the demo runs with dask, distributed and simpy all absent (osmium is core: water, signals):
    the suite's shared run of it (with its map) runs in a fresh interpreter whose import hook refuses them."""
    from cli_runner import QUICK_START_ABSENT

    assert set(QUICK_START_ABSENT) == set(OPTIONAL)
    stdout, _, folder = helsinki_demo_rank
    assert (folder / "out" / "ranking.csv").exists() and (folder / "helsinki.html").exists()
    assert "helsinki: top 10" in stdout
