"""The `siting` CLI: every command and every exit path (0 ok, 2 bad input, 1 internal error)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from cli_runner import run_cli

from siting.app.runinfo import file_sha256

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- end to end (subprocess)


def test_siting_rank_with_no_arguments_ranks_the_demo(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "siting.cli", "rank"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "helsinki: top 10 of" in proc.stdout and "way/" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert "network drive" in proc.stderr  # logs go to stderr, results to stdout
    assert "network drive" not in proc.stdout
    assert (tmp_path / "maps" / "helsinki.html").stat().st_size > 10_000


def test_bad_scenario_key_exits_2_with_the_key_path_and_no_traceback(typo_scenario: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "siting.cli", "validate", "scenario.toml"],
        cwd=typo_scenario.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "siting: error: scenario.toml: cities[1].layers.stores.columns: unknown key 'demnd'; "
        "expected one of id, name, demand, shop"
    ]
    assert proc.stdout == ""


# --------------------------------------------------------------------------- one shared run: init -> validate -> plan


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("cli")
    scenario = d / "siting.toml"
    results = {"init": run_cli("init", scenario)}
    results["validate"] = run_cli("validate", scenario)
    out = d / "out"
    results["plan"] = run_cli(
        "plan", scenario, "--objective", "time", "--out", out, "--map", d / "plan.html", "--progress"
    )
    return {"dir": d, "scenario": scenario, "out": out, **results}


def test_plan_map_shows_the_chosen_sites_isochrones(planned) -> None:
    """The plan map's isochrone layer is drawn from the chosen sites (k = 2), not the top-ranked site."""
    page = (planned["dir"] / "plan.html").read_text(encoding="utf-8")
    call = re.search(r'siting\.geoLayer\(map_\w+, "isochrones", (\{.*?\}), \{"kind"', page)
    assert call, "the plan map has no isochrone layer"
    tips = [f["properties"]["t"] for f in json.loads(call.group(1))["features"]]
    drawn = {re.search(r"from site_id (\S+)", t).group(1) for t in tips}
    chosen = set(pd.read_csv(planned["out"] / "plan.csv")["site_id"])
    assert len(chosen) == 2 and drawn == chosen, (drawn, chosen)
    assert len(tips) == 2  # one reach polygon per chosen site
    layer = gpd.read_file(planned["out"] / "helsinki" / "isochrones.gpkg")  # what `siting map` redraws
    assert set(layer["site_id"]) == chosen


def test_init_writes_a_scenario_that_validates_and_runs(planned) -> None:
    code, stdout, _ = planned["init"]
    assert code == 0 and stdout.strip() == str(planned["scenario"])
    text = planned["scenario"].read_text(encoding="utf-8")
    assert text.count("#") > 20  # commented
    code, stdout, _ = planned["validate"]
    assert code == 0 and stdout.strip().endswith("OK (1 city)")
    code, stdout, stderr = planned["plan"]
    assert code == 0, stderr
    assert "helsinki: best 2 site(s)" in stdout
    assert "Traceback" not in stderr


def test_init_refuses_to_overwrite(planned) -> None:
    code, _, stderr = run_cli("init", planned["scenario"])
    assert code == 2 and "already exists" in stderr
    assert run_cli("init", planned["scenario"], "--force")[0] == 0


def test_plan_outputs_and_progress(planned) -> None:
    out = planned["out"]
    _, stdout, stderr = planned["plan"]
    assert "solve: 100%" in stderr  # off a terminal: a log line per 10%
    chosen = pd.read_csv(out / "helsinki" / "chosen.csv", dtype=str)
    assert len(chosen) == 2  # k = 2 in the init template
    plan = pd.read_csv(out / "plan.csv", dtype={"site_id": str})
    assert sorted(plan["site_id"]) == sorted(chosen["site_id"])
    for site in chosen["site_id"]:
        assert site in stdout
    ranking = pd.read_csv(out / "ranking.csv", dtype={"site_id": str})
    assert sorted(ranking["rank"]) == list(range(1, len(ranking) + 1))
    for layer in ("stores", "candidates", "lanes", "allocation"):
        assert (out / "helsinki" / f"{layer}.gpkg").exists(), layer
    assert (planned["dir"] / "plan.html").exists()
    assert not list(out.rglob(".*"))  # no temporary files left behind


def test_run_json_records_scenario_versions_hashes_and_top_sites(planned) -> None:
    import siting
    from siting.delivery.emissions import FACTOR_SET
    from siting.inputs.demo import demo_osm_path

    out = planned["out"]
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["command"] == "plan"
    assert record["siting_version"] == siting.__version__
    assert record["factor_set"] == FACTOR_SET
    assert record["scenario"] == tomllib.loads(planned["scenario"].read_text(encoding="utf-8"))
    assert record["inputs"]["scenario"]["sha256"] == file_sha256(planned["scenario"])
    assert record["inputs"]["helsinki.network"]["sha256"] == file_sha256(demo_osm_path("helsinki"))
    ranking = pd.read_csv(out / "helsinki" / "ranking.csv", dtype={"site_id": str}).sort_values("rank")
    top = record["top_sites"]["helsinki"]
    assert top == list(ranking["site_id"][: len(top)])
    chosen = pd.read_csv(out / "helsinki" / "chosen.csv", dtype=str)["site_id"].tolist()
    assert record["chosen_sites"]["helsinki"] == chosen
    assert all(v >= 0 for v in record["timings_s"].values())
    assert record["timings_s"]["rank_s"] > 0
    assert str(out / "ranking.csv") in record["outputs"]


def test_map_redraws_from_outputs_without_recomputing(planned, tmp_path, forbid_network_build) -> None:
    code, stdout, stderr = run_cli("map", planned["out"], "--out", tmp_path)
    assert code == 0, stderr
    page = (tmp_path / "helsinki.html").read_text(encoding="utf-8")
    assert "OpenStreetMap" in page and '<script src="http' not in page
    assert "helsinki.html" in stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("map", empty)[0] == 2
    code, _, stderr = run_cli("map", tmp_path / "missing")
    assert code == 2 and "folder not found" in stderr


def test_diff_shows_changed_settings_inputs_and_top_sites(planned, tmp_path) -> None:
    run_a = planned["out"] / "run.json"
    code, stdout, _ = run_cli("diff", run_a, planned["out"])
    assert code == 0 and "no differences" in stdout
    record = json.loads(run_a.read_text(encoding="utf-8"))
    record["scenario"]["rank"]["weights"]["rent_per_yr"] = 0.9
    record["inputs"]["scenario"]["sha256"] = "0" * 64
    top = record["top_sites"]["helsinki"]
    record["top_sites"]["helsinki"] = [top[1], top[0], "way/new", *top[3:]]
    chosen = record["chosen_sites"]["helsinki"]
    record["chosen_sites"]["helsinki"] = [chosen[0], "way/new"]
    run_b = tmp_path / "run.json"
    run_b.write_text(json.dumps(record), encoding="utf-8")
    code, stdout, _ = run_cli("diff", run_a, run_b)
    assert code == 0
    assert "rank.weights.rent_per_yr: 0.3 -> 0.9" in stdout
    assert "scenario: content changed" in stdout
    assert f"moved: {top[0]} 1 -> 2" in stdout
    assert "entered: way/new (rank 3)" in stdout and f"left: {top[2]} (was rank 3)" in stdout
    assert f"helsinki: {', '.join(chosen)}  ->  {chosen[0]}, way/new" in stdout
    assert run_cli("diff", run_a, tmp_path / "nope")[0] == 2


# --------------------------------------------------------------------------- formats, demo files, own files


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("demo") / "kotka"
    code, stdout, stderr = run_cli("demo", d, "--city", "kotka", "-q")
    assert code == 0, stderr
    return d


def test_demo_writes_inputs_and_a_scenario_that_validates(demo_dir, forbid_network_build) -> None:
    for name in ("stores.gpkg", "candidates.gpkg", "population.gpkg", "rents.gpkg", "scenario.toml", "test.osm.pbf"):
        assert (demo_dir / name).exists(), name
    code, stdout, stderr = run_cli("validate", demo_dir / "scenario.toml")
    assert code == 0, stderr
    assert "city kotka:" in stdout
    code, _, stderr = run_cli("demo", demo_dir, "--city", "kotka")
    assert code == 2 and "--force" in stderr


@pytest.mark.parametrize(
    "fmt, layer_file, table_file",
    [
        ("gpkg", "layers.gpkg", "sensitivity.csv"),
        ("parquet", "candidates.parquet", "sensitivity.parquet"),
        ("json", "candidates.geojson", "sensitivity.json"),
    ],
)
def test_rank_own_files_in_each_format(demo_dir, tmp_path, fmt, layer_file, table_file) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(
        "rank",
        "--stores",
        demo_dir / "stores.gpkg",
        "--candidates",
        demo_dir / "candidates.gpkg",
        "--population",
        demo_dir / "population.gpkg",
        "--rents",
        demo_dir / "rents.gpkg",
        "--network",
        demo_dir / "test.osm.pbf",
        "--city",
        "kotka",
        "--out",
        out,
        "--format",
        fmt,
        "--no-map",
        "--quiet",
        "--no-progress",
        "--top",
        "3",
    )
    assert code == 0, stderr
    assert stderr == ""  # --quiet: nothing but results
    assert "kotka: top 3 of" in stdout
    assert (out / "kotka" / layer_file).exists() and (out / table_file).exists()
    ranking = pd.read_csv(out / "ranking.csv", dtype={"site_id": str})
    assert set(ranking["city"]) == {"kotka"}
    if fmt == "json":
        assert json.loads((out / "ranking.json").read_text(encoding="utf-8"))[0]["site_id"] == ranking["site_id"][0]
    else:
        assert run_cli("map", out, "--out", tmp_path / "maps")[0] == 0
        assert (tmp_path / "maps" / "kotka.html").exists()


def test_bad_inputs_exit_2(demo_dir, tmp_path, forbid_network_build) -> None:
    code, _, stderr = run_cli("rank", "--stores", demo_dir / "stores.gpkg")
    assert code == 2 and "--candidates, --network missing" in stderr
    code, _, stderr = run_cli("rank", demo_dir / "scenario.toml", "--stores", demo_dir / "stores.gpkg")
    assert code == 2 and "not both" in stderr
    code, _, stderr = run_cli("rank", tmp_path / "missing.toml")
    assert code == 2 and "scenario file not found" in stderr and "Traceback" not in stderr
    code, _, stderr = run_cli("rank", "--no-such-option")
    assert code == 2 and "No such option" in stderr
    broken = tmp_path / "broken.toml"
    broken.write_text(
        (demo_dir / "scenario.toml")
        .read_text(encoding="utf-8")
        .replace('path = "stores.gpkg"', f'path = "{tmp_path}/gone.gpkg"')
        .replace('products = "products.csv"', f'products = "{demo_dir}/products.csv"'),
        encoding="utf-8",
    )
    code, _, stderr = run_cli("validate", broken)
    assert code == 2 and "gone.gpkg: stores file not found" in stderr


def test_internal_error_exits_1_without_traceback_unless_verbose(monkeypatch, tmp_path) -> None:
    import siting.app

    def broken(path):
        raise RuntimeError("boom")

    monkeypatch.setattr(siting.app, "read_run", broken)
    code, _, stderr = run_cli("diff", tmp_path, tmp_path)
    assert code == 1
    assert "internal error: RuntimeError: boom" in stderr and "Traceback" not in stderr
    code, _, stderr = run_cli("diff", tmp_path, tmp_path, "--verbose")
    assert code == 1 and "Traceback" in stderr


def test_network_build_and_cache(kotka_pbf, tmp_path) -> None:
    cache = tmp_path / "cache"
    code, stdout, stderr = run_cli("network", "build", kotka_pbf, "--cache-dir", cache, "--out", tmp_path / "g.graphml")
    assert code == 0, stderr
    assert "nodes" in stdout and "(cache miss)" in stdout
    assert (tmp_path / "g.graphml").exists() and any(cache.iterdir())
    code, stdout, _ = run_cli("network", "build", kotka_pbf, "--cache-dir", cache, "-q")
    assert code == 0 and "(cache hit)" in stdout
    code, _, stderr = run_cli("network", "build", tmp_path / "nowhere.osm.pbf")
    assert code == 2 and "does not exist" in stderr
    code, _, stderr = run_cli("network", "build", kotka_pbf, "--mode", "boat")
    assert code == 2 and "drive" in stderr


def test_help_lists_every_command() -> None:
    code, stdout, _ = run_cli("--help")
    assert code == 0
    for command in ("rank", "plan", "map", "network", "validate", "demo", "init", "diff"):
        assert command in stdout
        # listed as a command row, not merely a word of the help text ("rank candidate sites on road networks")
        assert re.search(rf"^\W*{command}\s", stdout, re.M), command


def test_help_does_not_import_the_heavy_libraries() -> None:
    """`siting --help` stays fast: the commands import geopandas, folium and osmnx only when they run."""
    heavy = ("geopandas", "pandas", "folium", "osmnx", "networkx", "shapely")
    code = (
        "import sys\nfrom siting.cli.app import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "rank" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_progress_logs_every_tenth_off_a_terminal() -> None:
    import logging

    from siting.progress import LogProgress, make_progress, report

    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("siting.test.progress")
    logger.addHandler(Collect())
    logger.setLevel(logging.INFO)
    logger.propagate = False
    callback = LogProgress(logger)
    for done in range(0, 1001):
        report(callback, "od", done, 1000)
    assert len(records) == 11  # 0%, 10%, ..., 100%
    assert records[0].startswith("od:   0%") and records[-1] == "od: 100% (1000/1000)"
    report(None, "od", 1, 2)  # no callback: nothing happens
    assert make_progress(False)[0] is None
    assert isinstance(make_progress(None, stream=io.StringIO())[0], LogProgress)


def test_rich_progress_draws_a_bar_and_keeps_logs_readable() -> None:
    import logging

    from siting.progress import RichProgress

    log = logging.getLogger("siting")
    saved = log.handlers[:]
    stream = io.StringIO()
    with RichProgress(stream) as bar:
        for done in range(5):
            bar("tours", done, 4)
        log.warning("a log line while the bar runs")
    assert log.handlers == saved  # the CLI's own handler is back
    text = stream.getvalue()
    assert "tours" in text and "4/4" in text and "a log line while the bar runs" in text
