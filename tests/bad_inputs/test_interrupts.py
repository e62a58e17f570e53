"""Ctrl-C (a real SIGINT) and concurrent runs: exit 130 or a refusal, and the earlier outputs untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bad_input_cases import earlier_output, snapshot

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "siting.cli", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interrupt_when(proc: subprocess.Popen[str], marker: str) -> tuple[int, str]:
    """Send SIGINT once ``marker`` appears on stderr; return (exit code, all of stderr)."""
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 120
    while marker not in seen:
        line = proc.stderr.readline()
        assert line or proc.poll() is None, f"ended before {marker!r}: {seen}"
        seen += line
        assert time.monotonic() < deadline
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    return proc.returncode, seen + rest


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("command", ["rank", "plan"])
def test_ctrl_c_exits_130_and_leaves_out_and_maps_untouched(command: str, tmp_path: Path) -> None:
    earlier_output(tmp_path)
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "helsinki.html").write_text("<p>earlier map</p>")
    before = snapshot(tmp_path)
    proc = _start([command, "--out", "out", "--progress"], tmp_path)
    code, stderr = _interrupt_when(proc, "rank cities:")
    assert code == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert snapshot(tmp_path) == before
    assert _leftovers(tmp_path) == [] and _leftovers(tmp_path / "maps") == []


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def test_ctrl_c_while_forked_workers_price_costs_exits_130_and_leaves_no_worker(tmp_path: Path) -> None:
    """Ctrl-C while the cost curves and the frontier are priced on forked workers (siting.forked): exit 130,
    one line, nothing written, and no worker left behind. The season models' cache is off, so they work
    for seconds."""
    earlier_output(tmp_path)
    before = snapshot(tmp_path)
    env = _env()
    env["SITING_COST_CACHE"] = "0"
    env["SITING_N_JOBS"] = "2"  # workers whatever the load (two test workers keep both cores busy)
    proc = subprocess.Popen(
        [sys.executable, "-m", "siting.cli", "rank", "--out", "out", "--no-map"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (workers := _children(proc.pid)):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no worker process was forked"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert snapshot(tmp_path) == before and _leftovers(tmp_path) == []
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)], workers


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_ctrl_c_during_network_build_leaves_the_graphml_untouched(tmp_path: Path, helsinki_pbf: Path) -> None:
    (tmp_path / "g.graphml").write_text("<graphml>earlier</graphml>")
    before = snapshot(tmp_path)
    proc = _start(["network", "build", str(helsinki_pbf), "--no-cache", "--out", "g.graphml", "--progress"], tmp_path)
    code, stderr = _interrupt_when(proc, "network:")
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert snapshot(tmp_path) == before


def test_ctrl_c_exits_130_with_cpythons_unhandled_interrupt_flag_set(tmp_path: Path, helsinki_pbf: Path) -> None:
    """A real Ctrl-C of a network build run as ``python -m`` exits 130 even with CPython's "unhandled
    KeyboardInterrupt" flag set.

    A KeyboardInterrupt that passes through Python code a C extension runs with ``PyRun_String`` sets that
    flag although siting handles the interrupt; after a ``python -m`` module ends (``siting``'s console
    script too) CPython checks it and killed the process with SIGINT: exit -2 instead of 130, 1
    6 of 117 interrupted network builds by chance. Here an exit handler raises one through ``PyRun_String``
    (and catches it), so the flag is set at every exit.
    """
    (tmp_path / "ctrl_c_flag.py").write_text(
        "import atexit, ctypes, sys\n"
        "def through_c_api():\n"
        "    g = ctypes.py_object({})\n"
        "    try:\n"
        "        ctypes.pythonapi.PyRun_String(b'raise KeyboardInterrupt', 257, g, g)\n"
        "    except KeyboardInterrupt:\n"
        "        pass\n"
        "atexit.register(through_c_api)\n"
        f"sys.argv = ['siting', 'network', 'build', {str(helsinki_pbf)!r}, '--no-cache', '--progress']\n"
        "from siting.cli.app import console_main\n"
        "console_main()\n",
        encoding="utf-8",
    )
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env["PYTHONPATH"]])
    proc = subprocess.Popen(
        [sys.executable, "-m", "ctrl_c_flag"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    code, stderr = _interrupt_when(proc, "network:")
    assert code == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr


def test_a_second_run_into_the_same_out_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    """The first run is paused (SIGSTOP) while it holds the lock, so the second surely meets it; then it finishes."""
    first = _start(["rank", "--demo", "kotka", "--out", "out", "--no-map", "--no-portfolio", "--progress"], tmp_path)
    assert first.stderr is not None
    seen = ""
    while "rank cities:" not in seen:  # the first run holds the lock from before its computation
        line = first.stderr.readline()
        assert line, seen
        seen += line
    first.send_signal(signal.SIGSTOP)
    try:
        second = _start(["rank", "--out", "out", "--no-map"], tmp_path)
        _, err2 = second.communicate(timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
    _, err1 = first.communicate(timeout=300)
    assert second.returncode == 2, err2
    assert "another siting run" in err2 and "out" in err2
    assert first.returncode == 0, err1
    assert (tmp_path / "out" / "run.json").is_file()
    assert (tmp_path / "out" / "kotka").is_dir() and not (tmp_path / "out" / "helsinki").exists()
    assert _leftovers(tmp_path) == []


def test_ctrl_c_in_a_local_dask_run_prints_one_line(tmp_path: Path) -> None:
    """Ctrl-C from a terminal reaches the whole process group: the workers stay quiet, siting says one line."""
    earlier_output(tmp_path)
    (tmp_path / "m.toml").write_text('[[cities]]\nname = "malta"\ndemo = "malta"\nclusters = "auto"\n')
    before = snapshot(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "siting.cli", "rank", "m.toml", "--out", "out", "--no-map", "--scheduler", "local"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 300
    while "rank cities:   0%" not in seen:  # the workers are up and ranking
        line = proc.stderr.readline()
        assert line or proc.poll() is None, f"ended early: {seen}"
        seen += line
        assert time.monotonic() < deadline
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, rest = proc.communicate(timeout=120)
    assert proc.returncode == 130, rest
    assert rest.strip().splitlines()[-1] == "siting: interrupted; nothing was written or replaced."
    assert "Traceback" not in rest and "distributed." not in rest and "KeyboardInterrupt" not in rest, rest
    assert snapshot(tmp_path) == before
