"""A HiGHS instance for every stage that solves a MILP, its once-per-process banner kept off stdout."""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["new_highs"]

_STATE = {"banner_shown": False}


def new_highs() -> Any:
    """A fresh ``highspy.Highs``; the first one of the process is built with stdout silenced.

    HiGHS prints a version banner when its first instance is created, on the C-level stdout,
    where siting prints results; later instances print nothing.

    Returns
    -------
    highspy.Highs
    """
    import highspy

    if _STATE["banner_shown"]:
        return highspy.Highs()
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
