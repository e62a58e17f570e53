"""Mapped columns over siting's own, names printed literally, a killed run's leftovers taken over, brand counts,
share tables ignored by rank: the issue-26 behaviours that end in exit 0 (the refusals are in the catalogue)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import cli_runner
import numpy as np
import pytest
from bad_input_cases import Kit, make_kit


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    return make_kit(tmp_path_factory.mktemp("kit"))


def test_a_mapped_column_wins_over_sitings_own(kit: Kit, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from siting.inputs.layers import read_layer

    stores = kit.stores.assign(qty=np.arange(1.0, len(kit.stores) + 1) * 7.0)
    stores.to_file(tmp_path / "s.gpkg")
    with caplog.at_level(logging.INFO, logger="siting"):
        got = read_layer(tmp_path / "s.gpkg", "stores", columns={"qty": "demand_units_per_week"})
    assert got["demand_units_per_week"].tolist() == stores["qty"].tolist()  # not the file's own column
    assert "qty" not in got.columns and list(got.columns).count("demand_units_per_week") == 1
    assert any("'qty' is used as 'demand_units_per_week'" in r.getMessage() for r in caplog.records)


def test_rank_with_a_mapped_column_over_sitings_own_runs(kit: Kit, tmp_path: Path) -> None:
    stores = kit.stores.assign(qty=kit.stores["demand_units_per_week"] * 3.0)
    stores.to_file(tmp_path / "s.gpkg")
    code, _, stderr = cli_runner.run_cli(
        "rank", "--stores", tmp_path / "s.gpkg", "--candidates", kit.path("candidates"), "--network", kit.pbf,
        "--column", "stores.demand=qty", "--out", tmp_path / "out", "--no-map",
    )  # fmt: skip
    assert code == 0, stderr
    assert "its own 'demand_units_per_week' column is ignored" in stderr


def test_names_with_brackets_are_printed_literally(kit: Kit, tmp_path: Path) -> None:
    candidates = kit.candidates.copy()
    candidates["site_id"] = [f"[bold]s{i}[/bold]" for i in range(len(candidates))]
    candidates.to_file(tmp_path / "c.gpkg")
    code, stdout, stderr = cli_runner.run_cli(
        "rank", "--stores", kit.path("stores"), "--candidates", tmp_path / "c.gpkg", "--network", kit.pbf,
        "--out", tmp_path / "out", "--no-map", "--top", "3",
    )  # fmt: skip
    assert code == 0, stderr
    shown = [i for i in candidates["site_id"] if i in stdout]
    assert len(shown) == 3, stdout  # every printed id as written, tags and all


def test_share_help_prints_the_table_names() -> None:
    code, stdout, _ = cli_runner.run_cli("share", "--help")
    assert code == 0
    text = " ".join(stdout.split())
    assert "[[brands]]" in text and "[site_capacity]" in text and "[share]" in text


def test_rank_ignores_the_share_tables(kit: Kit, tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'[[cities]]\nname = "k"\nnetwork = "{kit.pbf}"\n[cities.layers.stores]\npath = "{kit.path("stores")}"\n'
        f'[cities.layers.candidates]\npath = "{kit.path("candidates")}"\n'
        '[[brands]]\nname = "A"\n[site_capacity]\namortisation_yrs = 5\n[share]\nmip_gap = 0.01\n',
        encoding="utf-8",
    )
    code, _, stderr = cli_runner.run_cli("rank", scenario, "--out", tmp_path / "out", "--no-map")
    assert code == 0, stderr
    assert json.loads((tmp_path / "out" / "run.json").read_text())["command"] == "rank"


def test_a_killed_runs_lock_and_staging_folder_are_taken_over(kit: Kit, tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer runs (the run that was killed)
    (tmp_path / ".out.lock").write_text(str(dead.pid))
    staged = tmp_path / ".out.tmp-killed"
    staged.mkdir()
    (staged / "network.csv").write_text("half,written\n")
    code, _, stderr = cli_runner.run_cli(
        "rank", "--stores", kit.path("stores"), "--candidates", kit.path("candidates"), "--network", kit.pbf,
        "--out", tmp_path / "out", "--no-map",
    )  # fmt: skip
    assert code == 0, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no lock, no staging folder left
    assert "left by a run that was killed" in stderr
    assert (tmp_path / "out" / "run.json").is_file()


def test_a_killed_runs_earlier_output_is_put_back(kit: Kit, tmp_path: Path) -> None:
    """Killed between moving the earlier run aside and moving the new one in: the next run finds it again."""
    from siting.app.staging import staged_run

    aside = tmp_path / ".out.old-killed" / "run"
    aside.mkdir(parents=True)
    (aside / "run.json").write_text('{"command": "rank"}')
    (tmp_path / ".out.lock").write_text(str(2**22 + 12345))  # beyond pid_max: no such process
    with staged_run(tmp_path / "out") as staged:
        assert (tmp_path / "out" / "run.json").read_text() == '{"command": "rank"}'  # put back before the run
        assert staged.folder is not None
        (staged.folder / "run.json").write_text('{"command": "plan"}')
    assert (tmp_path / "out" / "run.json").read_text() == '{"command": "plan"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_empty_brand_values_are_counted_right(kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    from siting.pipeline import city_from_demo
    from siting.share.inputs import Brand, LaneClass, Season, ShareSpec
    from siting.share.layers import problem_from_cities

    city = city_from_demo("kotka")
    stores = city.stores.sort_values("store_id").reset_index(drop=True)
    assert len(stores) >= 4
    brands = np.array(["A", "B"] * len(stores), dtype=object)[: len(stores)]
    brands[1], brands[2] = None, "Z"  # one store with an empty brand, one of a brand not in [[brands]]
    city = dataclasses.replace(city, stores=stores.assign(brand=brands))
    spec = ShareSpec(
        brands=(Brand("A"), Brand("B", "overflow")),
        seasons=(Season("year", 52),),
        lane_classes=(LaneClass("standard"), LaneClass("overflow", "overflow")),
    )
    with caplog.at_level(logging.WARNING, logger="siting"):
        problem_from_cities([city], spec)
    lines = [r.getMessage() for r in caplog.records]
    assert any(f"1 of {len(stores)} stores have an empty 'brand'" in ln for ln in lines), lines
    assert any(f"1 of {len(stores) - 1} stores are of brands not in [[brands]]" in ln for ln in lines), lines


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux core count")
def test_workers_are_bounded_by_the_machine() -> None:
    from siting.errors import InputError
    from siting.national.scheduler import check_workers, max_local_workers

    limit, cores, _ = max_local_workers()
    assert 1 <= limit <= cores == len(os.sched_getaffinity(0))
    assert check_workers(limit) == limit
    with pytest.raises(InputError, match=f"at most {limit}"):
        check_workers(limit + 1)
