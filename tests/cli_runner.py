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
