"""Run the ``siting`` command line in-process for tests (tests/ is on sys.path through its conftest)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from siting.cli.app import main


def run_cli(*args: object) -> tuple[int, str, str]:
    """Run ``siting ARGS`` in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


#: The optional extras the quick start must not need: the suite's shared demo rank runs with them absent.
QUICK_START_ABSENT = ("dask", "distributed", "simpy")

_ABSENT_SCRIPT = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {absent!r}:
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Absent())
from siting.cli.app import main
main(sys.argv[1:])
"""


def run_cli_without(absent: tuple[str, ...], *args: object, cwd: object, env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``siting ARGS`` in a fresh interpreter in which the ``absent`` top-level packages cannot be imported
    (a real import hook on ``sys.meta_path``); return (exit code, stdout, stderr)."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _ABSENT_SCRIPT.format(absent=absent), *[str(a) for a in args]],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=str(cwd),
        env=env,
    )
    return proc.returncode, proc.stdout, proc.stderr
