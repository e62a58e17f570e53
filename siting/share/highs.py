"""A quiet, deterministic HiGHS instance for the share stage (output off, one thread, fixed seed)."""

from __future__ import annotations

from typing import Any

from siting.highs import new_highs

__all__ = ["quiet_highs"]


def quiet_highs() -> Any:
    """A ``highspy.Highs`` with output off, one thread and a fixed seed (deterministic)."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h
