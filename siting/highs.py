"""A HiGHS instance for every MILP of siting: one thread, quiet, seed 0, the once-per-process banner off stdout."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

__all__ = ["new_highs"]

_STATE = {"banner_shown": False}
_BANNER_LOCK = threading.Lock()


def new_highs() -> Any:
    """A fresh ``highspy.Highs``: one thread, output off, seed 0; the process's first is built with stdout silenced.

    HiGHS prints a version banner when its first instance is created, on the C-level stdout,
    where siting prints results; later instances print nothing. Every instance runs on one
    thread: HiGHS starts one process-wide thread pool with the first solve's ``threads`` and fails
    any later solve that asks for another count, so every MILP of siting (locate, design, share)
    uses the same setting (:mod:`siting.solve_threads` runs independent instances side by side on
    its own threads, each instance still on one). Output is off and the random seed fixed (0) so that a solve is
    deterministic. Only :mod:`siting.milp` calls this: the stages build their models there.

    Returns
    -------
    highspy.Highs
    """
    import highspy

    if _STATE["banner_shown"]:
        return _configured(highspy.Highs())
    with _BANNER_LOCK:  # worker threads (siting.solve_threads) may build their first instances together
        if _STATE["banner_shown"]:
            return _configured(highspy.Highs())
        return _configured(_silenced_first())


def _silenced_first() -> Any:
    """The process's first ``highspy.Highs``, built while the C-level stdout points at the null device."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _STATE["banner_shown"] = True
    return h


def _configured(h: Any) -> Any:
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h
