"""The two-host Dask how-to (docs/howto/national.md) works as written: a `dask scheduler` and two `dask worker`
processes started by hand (here both on loopback), and `siting rank --scheduler tcp://...` gives the serial answer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import run_cli

pytest.importorskip("distributed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args: str) -> list[str]:
    """The `dask` command of this interpreter (`python -m dask` is the `dask` script)."""
    return [sys.executable, "-m", "dask", *args]


@pytest.fixture
def hand_started_cluster(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "SITING_N_JOBS": "1"}
    log = (tmp_path / "dask.log").open("w")
    procs = [
        subprocess.Popen(
            _dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"),
            stdout=log,
            stderr=log,
            env=env,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for the scheduler to listen
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        for _ in range(2):  # "one worker each" on the two hosts
            procs.append(
                subprocess.Popen(
                    _dask(
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--no-nanny",
                    ),
                    stdout=log,
                    stderr=log,
                    env=env,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        # killed, not terminated: a terminated worker waits ~30 s to say goodbye to a scheduler that is going too
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait(timeout=30)
        log.close()


def test_siting_on_a_scheduler_and_workers_started_by_hand(hand_started_cluster, helsinki_demo_rank, tmp_path):
    page = (Path(__file__).resolve().parents[1] / "docs" / "howto" / "national.md").read_text(encoding="utf-8")
    assert "dask scheduler --host" in page and "dask worker tcp://" in page and "--nworkers 1 --nthreads 1" in page
    serial = helsinki_demo_rank[2] / "out"  # the suite's serial `siting rank -q` of the demo
    code, _, err = run_cli("rank", "-q", "--no-map", "--out", tmp_path / "dask", "--scheduler", hand_started_cluster)
    assert code == 0, err
    for name in ("ranking.csv", "sensitivity.csv", "lane_totals.csv"):
        assert (serial / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
    execution = json.loads((tmp_path / "dask" / "run.json").read_text())["execution"]
    assert execution["scheduler"] == hand_started_cluster, execution
