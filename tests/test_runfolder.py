"""The run folder: one layout for writer, map reader and finder; runs replace their folder whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_runner import run_cli

from siting import runfolder
from siting.errors import InputError


@pytest.mark.parametrize("fmt", runfolder.FORMATS)
def test_siting_map_draws_a_run_written_in_each_format(fmt: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("rank", "--demo", "kotka", "--format", fmt, "--out", "run", "--no-map", "-q")
    assert code == 0, err
    layer_files = sorted(p.name for p in (tmp_path / "run" / "kotka").iterdir())
    expected = {"csv": ".gpkg", "gpkg": ".gpkg", "parquet": ".parquet", "json": ".geojson"}[fmt]
    assert all(n.endswith((expected, ".csv")) for n in layer_files), layer_files
    code, out, err = run_cli("map", "run", "--out", "redrawn")
    assert code == 0, err
    assert out.startswith(str(Path("redrawn") / "kotka.html"))
    assert (tmp_path / "redrawn" / "kotka.html").stat().st_size > 10_000
    from siting.maps import map_from_outputs

    counts = map_from_outputs(tmp_path / "run").siting_layers
    # every layer the run wrote comes back, with its features
    for name in ("stores", "candidates", "population", "rents", "lanes", "isochrones"):
        assert counts.get(name, 0) > 0, counts
    from siting.maps.from_run import read_run_layer

    stores = read_run_layer(tmp_path / "run" / "kotka", "stores")
    assert stores is not None and counts["stores"] == len(stores) > 0


def test_a_run_replaces_its_folder_whole_and_keeps_no_stale_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("plan", "--demo", "kotka", "--objective", "time", "--out", "out", "--no-map", "-q")[0] == 0
    assert (tmp_path / "out" / "kotka" / "chosen.csv").is_file() and (tmp_path / "out" / "plan.csv").is_file()
    code, _, err = run_cli("rank", "--demo", "kotka", "--format", "json", "--out", "out", "--no-map", "-q")
    assert code == 0, err
    names = {str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*")}
    assert "kotka/chosen.csv" not in names and "plan.csv" not in names and "kotka/allocation.gpkg" not in names
    assert json.loads((tmp_path / "out" / "run.json").read_text())["command"] == "rank"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder or lock left


@pytest.fixture(scope="module")
def kotka_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `siting rank --demo kotka --out out --no-map -q` ran (once for this file); tests only read it."""
    folder = tmp_path_factory.mktemp("kotka-run")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        code, _, err = run_cli("rank", "--demo", "kotka", "--out", "out", "--no-map", "-q")
    assert code == 0, err
    return folder


def test_a_failed_run_leaves_the_earlier_run_whole(kotka_run: Path, tmp_path: Path, monkeypatch) -> None:
    """The earlier run is a copy of :func:`kotka_run`'s folder."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copytree(kotka_run / "out", tmp_path / "out")
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    (tmp_path / "s.toml").write_text('[[cities]]\nname = "k"\ndemo = "kotka"\n[rank]\nmax_snap_distance_m = 0.001\n')
    code, _, err = run_cli("rank", "s.toml", "--out", "out", "--no-map")
    assert code == 2, err  # fails after the computation started (no store near a road at 1 mm)
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before


def test_the_run_record_names_the_files_where_they_end_up(kotka_run: Path, monkeypatch) -> None:
    monkeypatch.chdir(kotka_run)
    outputs = json.loads((kotka_run / "out" / "run.json").read_text())["outputs"]
    assert outputs and all(Path(p).exists() for p in outputs)
    assert all(".tmp-" not in p for p in outputs)


@pytest.mark.parametrize("name", ["../x", "a/b", "a\\b", "..", ".", ".hidden", "", " x", "CON", "x" * 200, "a:b"])
def test_unsafe_names_are_refused_with_a_safe_suggestion(name: str) -> None:
    with pytest.raises(InputError, match="city name|e.g."):
        runfolder.safe_name(name, what="city name")


@pytest.mark.parametrize("name", ["helsinki", "Kotka 2", "São Paulo", "north-east_1", "v1.2"])
def test_safe_names_pass_unchanged(name: str) -> None:
    assert runfolder.safe_name(name) == name


def test_the_finder_sees_every_format(tmp_path: Path) -> None:
    for i, name in enumerate(["candidates.parquet", "candidates.gpkg", "candidates.geojson", "layers.gpkg"]):
        (tmp_path / f"c{i}").mkdir()
        (tmp_path / f"c{i}" / name).write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "candidates.gpkg").write_text("x")
    assert [p.name for p in runfolder.city_folders(tmp_path)] == ["c0", "c1", "c2", "c3"]
    for fmt in runfolder.FORMATS:  # every format the writer uses is one the finder looks for
        assert runfolder.layer_path(tmp_path, "candidates", fmt) in runfolder.layer_candidates(tmp_path, "candidates")


def test_an_unwritable_out_is_refused_before_any_computation(tmp_path: Path, monkeypatch) -> None:
    import siting.app.staging as staging
    import siting.network.build

    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir()
    real = os.access
    # the tests run as root, for whom every folder is writable: make this one look read-only
    monkeypatch.setattr(staging.os, "access", lambda p, mode: False if Path(p).name == "ro" else real(p, mode))

    def must_not_build(*args, **kwargs):
        raise AssertionError("output checks come before any computation")

    monkeypatch.setattr(siting.network.build, "build_network", must_not_build)
    code, _, err = run_cli("rank", "--demo", "kotka", "--out", "ro/run", "--no-map")
    assert code == 2 and "permission denied" in err and "ro" in err, err
    code, _, err = run_cli("rank", "--demo", "kotka", "--out", "run", "--map", "ro/m.html")
    assert code == 2 and "--map" in err and "permission denied" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro"]
