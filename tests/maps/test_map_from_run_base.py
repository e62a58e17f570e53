"""`siting map` redraws the land-and-sea base and access legs from the network file the run recorded."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from cli_runner import run_cli

from siting.maps import map_from_outputs, save_map

LAYER = r'siting\.geoLayer\(map_\w+, "{}", (\{{.*?\}}), \{{"kind"'


def _layer(page: str, name: str) -> dict | None:
    found = re.search(LAYER.format(name), page)
    return None if found is None else json.loads(found.group(1))


@pytest.fixture(scope="module")
def ranked(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("map_base")
    scenario = d / "siting.toml"
    assert run_cli("init", scenario)[0] == 0
    out = d / "out"
    code, _, stderr = run_cli("rank", scenario, "--out", out, "--map", d / "rank.html")
    assert code == 0, stderr
    return {"dir": d, "out": out}


def test_redrawn_map_has_the_runs_access_legs_and_base(ranked, tmp_path: Path) -> None:
    page = (ranked["dir"] / "rank.html").read_text(encoding="utf-8")
    path = tmp_path / "again.html"
    save_map(map_from_outputs(ranked["out"]), path)
    again = path.read_text(encoding="utf-8")
    for name in ("access", "base"):
        drawn = _layer(page, name)
        assert drawn is not None and drawn == _layer(again, name), name


def test_a_changed_network_file_is_said_in_one_line_and_left_out(ranked, tmp_path: Path, caplog) -> None:
    out = tmp_path / "out"
    shutil.copytree(ranked["out"], out)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    record["inputs"]["helsinki.network"]["sha256"] = "0" * 64
    (out / "run.json").write_text(json.dumps(record), encoding="utf-8")
    path = tmp_path / "again.html"
    with caplog.at_level(logging.INFO, logger="siting"):
        save_map(map_from_outputs(out), path)
    again = path.read_text(encoding="utf-8")
    assert _layer(again, "access") is None and _layer(again, "base") is None
    said = [r.getMessage() for r in caplog.records if "no land-and-sea base" in r.getMessage()]
    assert len(said) == 1 and "has changed since the run" in said[0]
