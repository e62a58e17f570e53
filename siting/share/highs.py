"""HiGHS for the share stage: a quiet deterministic instance, a solve Ctrl-C can stop, and honest status words."""

from __future__ import annotations

from typing import Any

from siting.highs import new_highs

__all__ = ["quiet_highs", "run_interruptible", "status_words", "PROVEN_GAP"]

#: A MIP is called "optimal" only when its relative gap is proven at most this.
PROVEN_GAP = 1e-4


def quiet_highs() -> Any:
    """A ``highspy.Highs`` with output off, one thread and a fixed seed (deterministic)."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h


def run_interruptible(h: Any, poll_s: float = 0.1) -> None:
    """Solve ``h`` in HiGHS's solver thread so that Ctrl-C stops it.

    The main thread waits in short polls; on ``KeyboardInterrupt`` it asks HiGHS to stop through
    its user-interrupt callback (``cancelSolve``), waits for the solver thread to end and raises
    ``KeyboardInterrupt`` again (the CLI exits 130). Nothing is printed.

    Parameters
    ----------
    h : highspy.Highs
        A model passed and ready to solve.
    poll_s : float
        Seconds between polls.
    """
    h.HandleUserInterrupt = True
    thread = h.startSolve()
    try:
        while not h.wait(poll_s)[0]:
            pass
    except KeyboardInterrupt:
        h.cancelSolve()
        while thread.is_alive():
            thread.join(poll_s)
        raise
    thread.join()


def status_words(gap: float, model_status: str) -> str:
    """``"optimal"`` when the gap is proven at most :data:`PROVEN_GAP`, else ``"stopped at gap g (why)"``.

    Parameters
    ----------
    gap : float
        Relative gap between the design's cost and the best bound known (``inf`` with no bound).
    model_status : str
        Why HiGHS stopped ("time_limit", "optimal" for its own gap target, ...).

    Returns
    -------
    str
    """
    if gap <= PROVEN_GAP:
        return "optimal"
    why = {"time_limit": "time limit", "optimal": "gap target reached", "interrupted": "interrupted"}.get(
        model_status, model_status
    )
    return f"stopped at gap {gap:.3g} ({why})"
