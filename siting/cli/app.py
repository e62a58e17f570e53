"""The `siting` command line: the entry point, exit codes (0, 2 bad input, 1 internal, 130 interrupted)."""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import sys
import traceback
from typing import Any, NoReturn

# importing the command modules registers their commands on the app
from siting.cli import run_commands, share_command, tool_commands  # noqa: F401
from siting.cli.options import app, log
from siting.errors import SitingError


def _exception_modules() -> list[Any]:
    """Where click-style exceptions live: click itself, and the copies newer typer versions vendor."""
    mods: list[Any] = []
    for name in ("click.exceptions", "typer._click.exceptions", "typer.exceptions"):
        # older typer uses click itself; typer >= 0.29 vendors its own copy
        with contextlib.suppress(ImportError):
            mods.append(__import__(name, fromlist=["_"]))
    return mods


def _classes(name: str) -> tuple[type[BaseException], ...]:
    return tuple({getattr(m, name) for m in _exception_modules() if hasattr(m, name)})


_EXIT = _classes("Exit")
_CLICK_ERROR = _classes("ClickException")
_USAGE_ERROR = _classes("UsageError")
_ABORT = _classes("Abort")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``siting`` console script: exit 0 on success, 2 on bad input, 1 on internal error,
    130 when interrupted (Ctrl-C)."""
    saved = (log.handlers[:], log.level, log.propagate)
    try:
        _main(argv)
    finally:  # leave the library's logger as it was (matters when main() is called in-process)
        log.handlers[:], log.level, log.propagate = saved


def console_main() -> None:
    """Entry point of the ``siting`` script and ``python -m siting.cli``: :func:`main` in a process that ends next."""
    # A run allocates millions of small objects that hold no cycles (graph dicts, shapely
    # geometries): collecting every 50 000 new containers instead of 700 cuts the collector's
    # time in a warm Malta run from 0.21 s to 0.07 s, for a few MB more at the peak.
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    try:
        main()
    except SystemExit as exc:
        if exc.code == 130:
            _exit_interrupted()
        raise
    finally:
        # The process exits next: moving the run's objects out of the cyclic collector's reach spares
        # interpreter shutdown a last walk over all of them (0.25 s after a Malta run). Not done by
        # main(), which may be called in a long-lived process.
        gc.freeze()


def _exit_interrupted() -> NoReturn:
    """End an interrupted run with 130 now: the exit handlers run, the interpreter's finalization is skipped.

    A KeyboardInterrupt that passes through Python code a C extension runs with ``PyRun_String`` sets
    CPython's "unhandled KeyboardInterrupt" flag although siting handles the interrupt; after the
    console script (or ``python -m``) ends, CPython checks that flag and kills the process with SIGINT:
    exit -2 instead of 130, in 6 of 117 interrupted ``siting network build`` runs. Pools and clusters
    are closed before this point (their ``with`` blocks and :mod:`siting.national.execute`); only the
    exit itself is cut short.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(130)


def _interrupted() -> None:
    print("siting: interrupted; nothing was written or replaced.", file=sys.stderr)
    sys.exit(130)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Python warnings as one log line each, without source lines."""
    log.warning("warning: %s", message)


def _main(argv: list[str] | None) -> None:
    import warnings

    from siting.errors import cli_interface

    with cli_interface(), warnings.catch_warnings():
        warnings.showwarning = _show_warning
        _dispatch(argv)


def _dispatch(argv: list[str] | None) -> None:
    try:
        from siting.workers import n_workers

        n_workers()  # a bad SITING_N_JOBS is refused before any work, not when a stage first asks
        code = app(args=argv, prog_name="siting", standalone_mode=False)
        if code == 130:  # typer turns Ctrl-C into Exit(130), returned (not raised) outside standalone mode
            _interrupted()
        if isinstance(code, int) and code:
            sys.exit(code)
    except KeyboardInterrupt:
        _interrupted()
    except _EXIT as exc:
        exit_code = getattr(exc, "exit_code", 1)
        if exit_code == 130:
            _interrupted()
        sys.exit(exit_code)
    except _CLICK_ERROR as exc:
        getattr(exc, "show")()  # noqa: B009 (click's method, not typed on BaseException)
        sys.exit(2 if isinstance(exc, _USAGE_ERROR) else getattr(exc, "exit_code", 1))
    except _ABORT:
        print("siting: aborted", file=sys.stderr)
        sys.exit(1)
    except SitingError as exc:
        print(f"siting: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:  # the last line of defence: no traceback unless asked for
        if log.isEnabledFor(logging.DEBUG):
            traceback.print_exc()
        print(
            f"siting: internal error: {type(exc).__name__}: {exc}. Rerun with --verbose for details and report it.",
            file=sys.stderr,
        )
        sys.exit(1)
    sys.exit(0)
