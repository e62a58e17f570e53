"""The exception tree: every error a user can cause or fix is a SitingError (and the shared whole-count check)."""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = [
    "SitingError",
    "InputError",
    "NoCrsError",
    "MissingColumnError",
    "UnknownNameError",
    "MissingFileError",
    "NetworkUnavailableError",
    "InfeasibleError",
    "hint",
    "cli_interface",
    "ClusterFailedError",
    "MissingExtraError",
]

_INTERFACE: ContextVar[str] = ContextVar("siting_interface", default="python")


@contextlib.contextmanager
def cli_interface() -> Iterator[None]:
    """Within this block, messages name command-line options instead of Python arguments."""
    token = _INTERFACE.set("cli")
    try:
        yield
    finally:
        _INTERFACE.reset(token)


def hint(*, python: str, cli: str) -> str:
    """The fix in the words of the interface the user is in (see :func:`cli_interface`).

    Parameters
    ----------
    python, cli : str
        The fix for a Python user and for a command-line user.

    Returns
    -------
    str
    """
    return cli if _INTERFACE.get() == "cli" else python


class SitingError(Exception):
    """Base class of every error raised on purpose by siting."""


class InputError(SitingError, ValueError):
    """Bad user input: a file, column, row or option that the user must fix.

    The message names the file, the column or row, and the fix. The CLI prints it
    without a traceback and exits with status 2.
    """


class NoCrsError(InputError):
    """A layer has no coordinate reference system and none was given."""


class MissingColumnError(InputError, KeyError):
    """A required column is missing from an input layer."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class UnknownNameError(InputError, KeyError):
    """A name siting does not know: a cost parameter, a cost component, a policy."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class MissingFileError(InputError, FileNotFoundError):
    """An input file named by the user does not exist."""

    def __str__(self) -> str:  # OSError would otherwise format (errno, strerror)
        return str(self.args[0]) if self.args else ""


class NetworkUnavailableError(SitingError, ConnectionError):
    """An online source (place name, bbox, polygon) was asked for without a network."""


class InfeasibleError(InputError):
    """A request that no solution can satisfy (p > candidates, capacity < demand, ...)."""


class MissingExtraError(SitingError, ImportError):
    """An optional part of siting is not installed; the message names the extra, e.g. ``pip install "siting[dask]"``."""


class ClusterFailedError(SitingError, RuntimeError):
    """One or more clusters of a distributed run failed; the others' results are kept.

    Attributes
    ----------
    failures : dict
        Cluster name -> what went wrong (exception type and message).
    partial : siting.pipeline.RunResult or None
        The clusters that finished (None when none did).
    """

    def __init__(self, failures: dict[str, str], partial: object | None = None) -> None:
        self.failures = dict(failures)
        self.partial = partial
        lines = "; ".join(f"cluster {name!r}: {why}" for name, why in self.failures.items())
        kept = "none" if partial is None else ", ".join(getattr(partial, "cities", {}))
        super().__init__(f"{len(self.failures)} cluster(s) failed ({lines}); results kept for: {kept}.")


def check_whole_count(value: object, key: str, high: int, meaning: str) -> int:
    """``value`` as a whole number from 0 to ``high`` (not a bool), else an InputError naming ``key``.

    Parameters
    ----------
    value : object
    key : str
        The option's name as the user typed it.
    high : int
    meaning : str
        What the count counts, for the message.

    Returns
    -------
    int
    """
    ok = not isinstance(value, bool) and isinstance(value, numbers.Integral) and 0 <= int(value) <= high
    if not ok:
        raise InputError(f"{key} must be a whole number from 0 to {high:,} ({meaning}), got {value!r}.")
    return int(value)  # type: ignore[call-overload]
