"""A quiet HiGHS instance for the share stage (its once-per-process banner kept off stdout)."""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["quiet_highs"]

_STATE = {"banner_shown": False}


def quiet_highs() -> Any:
    """A ``highspy.Highs`` with output off, one thread and a fixed seed (deterministic)."""
    import highspy

    if _STATE["banner_shown"]:
        h = highspy.Highs()
    else:
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
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h
