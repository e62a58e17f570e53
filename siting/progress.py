"""Progress reporting: a tiny callback protocol stages accept, with a rich bar or a log line every 10%."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import IO, Any, Protocol

__all__ = ["ProgressCallback", "report", "LogProgress", "RichProgress", "make_progress"]

log = logging.getLogger("siting")


class ProgressCallback(Protocol):
    """``progress(stage, done, total)``: ``done`` of ``total`` units of ``stage`` are finished.

    Stages call it with ``done`` from 0 up to ``total`` (call with ``done == total`` at the end).
    ``stage`` is a short label such as ``"network"``, ``"od"``, ``"solve"`` or ``"tours"``
    (prefix the city when useful: ``"helsinki: od"``). It must be cheap; stages may call it
    once per chunk or per item.
    """

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def report(progress: Callable[[str, int, int], None] | None, stage: str, done: int, total: int) -> None:
    """Call ``progress(stage, done, total)`` if a callback was given (for stages: one line, no checks).

    Parameters
    ----------
    progress : callable or None
    stage : str
    done, total : int
    """
    if progress is not None:
        progress(stage, int(done), int(total))


class LogProgress:
    """Log ``stage: 40% (4/10)`` on the ``siting`` logger each time a stage passes another 10%.

    For output that is not a terminal (CI logs, files), where progress bars print nothing useful.
    """

    def __init__(self, logger: logging.Logger | None = None, *, step: float = 0.1) -> None:
        self._log = logger or log
        self._step = step
        self._last: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total <= 0:
            return
        bucket = int(min(done, total) / total / self._step + 1e-9)
        if bucket > self._last.get(stage, -1) and (done > 0 or stage not in self._last):
            self._last[stage] = bucket
            self._log.info("%s: %3.0f%% (%d/%d)", stage, 100.0 * min(done, total) / total, done, total)


class RichProgress:
    """A rich progress bar per stage on a terminal (use as a context manager)."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}", markup=False),  # stage names print literally
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream or sys.stderr),
            transient=False,
        )
        self._tasks: dict[str, Any] = {}
        self._saved: list[logging.Handler] = []

    def __enter__(self) -> RichProgress:
        self._progress.start()
        # log lines printed through the bar's console, so they do not tear the bar apart
        console = self._progress.console
        level = min((h.level for h in log.handlers), default=logging.NOTSET)

        class _ToConsole(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                console.print(self.format(record), highlight=False, markup=False)

        self._saved = log.handlers[:]
        handler = _ToConsole(level)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.handlers[:] = [handler]
        return self

    def __exit__(self, *exc: object) -> None:
        log.handlers[:] = self._saved
        self._progress.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(stage, total=max(total, 1))
        self._progress.update(task, completed=done, total=max(total, 1))


class _Null:
    def __enter__(self) -> _Null:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def make_progress(enabled: bool | None = None, *, stream: IO[str] | None = None):
    """A progress callback and the context to run it in.

    Parameters
    ----------
    enabled : bool or None
        True: show progress; False: none; None: a bar on a terminal, log lines (every 10%) off it.
    stream : file, optional
        Where bars go (default stderr).

    Returns
    -------
    (callback or None, context manager)
        Use as ``cb, ctx = make_progress(); with ctx: stage(..., progress=cb)``.
    """
    stream = stream or sys.stderr
    if enabled is False:
        return None, _Null()
    if stream.isatty():
        bar = RichProgress(stream)
        return bar, bar
    return LogProgress(), _Null()
