"""The frozen Solution record every location model returns, and its summary helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Solution", "relative_gap"]


def relative_gap(objective: float, lower_bound: float) -> float:
    """Relative gap ``(objective - lower_bound) / max(|objective|, 1e-9)``, never below 0."""
    if not np.isfinite(objective):
        return float("inf")
    gap = (objective - lower_bound) / max(abs(objective), 1e-9)
    return float(max(gap, 0.0))


@dataclass(frozen=True)
class Solution:
    """Result of one location model.

    Attributes
    ----------
    model : str
        ``"p_median"``, ``"p_center"``, ``"mclp"``, ``"lscp"`` or ``"facility_location"``.
    selected : numpy.ndarray
        Sorted indices (columns of the cost matrix) of the chosen sites.
    assignment : numpy.ndarray
        For every demand point (row), the index of the site serving it; -1 if unserved
        (only for mclp, where uncovered points are left unserved). With split demand in
        ``facility_location`` this is the site carrying the largest share.
    objective : float
        The model's objective value of this solution (minimised, except mclp: covered weight,
        maximised).
    lower_bound : float
        A proven bound on the optimum: a lower bound for minimisation models, an upper
        bound on the covered weight for mclp.
    gap : float
        Relative gap between objective and bound (0 = proven optimal).
    optimal : bool
        True when the gap is closed (within 1e-6 relative).
    method : str
        How it was solved, e.g. ``"exact:radius-milp"`` or ``"heuristic:greedy+swap+vns"``.
    runtime_s : float
        Wall-clock time of the solve.
    extra : dict
        Model-specific fields (``covered_weight``, ``max_cost``, ``fixed_cost_total``,
        ``assignment_cost``, ``flows`` ...).
    """

    model: str
    selected: np.ndarray
    assignment: np.ndarray
    objective: float
    lower_bound: float
    gap: float
    optimal: bool
    method: str
    runtime_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("selected", "assignment"):
            arr = np.asarray(getattr(self, name), dtype=np.int64).copy()
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def p(self) -> int:
        """Number of selected sites."""
        return int(self.selected.size)

    def __getattr__(self, name: str) -> Any:
        # model-specific fields read like attributes: sol.covered_weight
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        raise AttributeError(name)
