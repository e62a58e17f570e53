"""A HiGHS instance for every stage that solves a MILP, its once-per-process banner kept off stdout."""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["new_highs"]

_STATE = {"banner_shown": False}


def new_highs() -> Any:
    """A fresh ``highspy.Highs`` on one thread; the first one of the process is built with stdout silenced.

    HiGHS prints a version banner when its first instance is created, on the C-level stdout,
    where siting prints results; later instances print nothing. Every instance runs on one
    thread: HiGHS starts one process-wide thread pool with the first solve's ``threads`` and fails
    any later solve that asks for another count, so every MILP of siting (locate, design, share)
    uses the same setting.

    Returns
    -------
    highspy.Highs
    """
    import highspy

    if _STATE["banner_shown"]:
        h = highspy.Highs()
        h.setOptionValue("threads", 1)
        return h
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
    h.setOptionValue("threads", 1)
    return h
