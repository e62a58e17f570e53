"""Piecewise-linear cost curves: a family's cost per week from one source against its weekly volume."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from siting.costs import ProductFamily, family_cost
from siting.errors import InputError

__all__ = ["CostCurve", "cost_curve", "exact_cost_per_week", "RUN_MIN_UNITS", "RUN_MAX_UNITS"]

#: Microfactory runs are 50-500 units (the siting brief).
RUN_MIN_UNITS = 50.0
RUN_MAX_UNITS = 500.0


def _local_overrides(family: ProductFamily, units_per_week: float) -> dict[str, float]:
    """Runs within 50-500: the local MOQ clipped to [50, 500], the review period to at most 500 / volume."""
    review = min(family.review_period_local_weeks, RUN_MAX_UNITS / units_per_week)
    moq = min(max(family.moq_local_units, RUN_MIN_UNITS), RUN_MAX_UNITS)
    return {"review_period_local_weeks": review, "moq_local_units": moq}


@lru_cache(maxsize=1 << 16)
def _exact(family: ProductFamily, source: str, v: float, brand_extra: float) -> tuple[float, float]:
    """Memoised :func:`exact_cost_per_week` (one evaluation takes up to ~0.5 s at large local volumes)."""
    if source == "local":
        fc = family_cost(family, "local", v, **_local_overrides(family, v))
        runs = v / min(max(fc.order_size_units, RUN_MIN_UNITS), RUN_MAX_UNITS)
        return v * fc.cost_per_unit, runs
    if brand_extra > 0:
        from siting.costs.brand import brand_family

        brand = brand_family(family, v + brand_extra)
        return v * family_cost(brand, "offshore").cost_per_unit, 0.0
    fc = family_cost(family, "offshore", v)
    return v * fc.cost_per_unit, 0.0


def exact_cost_per_week(
    family: ProductFamily, source: str, units_per_week: float, brand_extra_units_per_week: float = 0.0
) -> tuple[float, float]:
    """Exact cost per week and runs per week of ``family`` from ``source`` at one weekly volume.

    Cost per week = volume x :func:`siting.costs.family_cost`'s cost per unit (0 at volume 0).
    Local runs are held within 50-500 units (see :data:`RUN_MIN_UNITS`); runs per week =
    volume / run size, clipped to [volume / 500, volume / 50]. Offshore has no runs here (0).

    Parameters
    ----------
    family : ProductFamily
    source : {"local", "offshore"}
    units_per_week : float
    brand_extra_units_per_week : float
        Offshore only: the rest of the brand's offshore volume of this family. When > 0, the
        volume is the city's share of the brand's buy of ``units_per_week + extra``
        (:mod:`siting.costs.brand`): cost per week = volume x the brand's cost per unit.

    Returns
    -------
    tuple of float
        (cost per week, runs per week)
    """
    v = float(units_per_week)
    if v <= 0:
        return 0.0, 0.0
    return _exact(family, str(source), v, float(brand_extra_units_per_week))


@dataclass(frozen=True)
class CostCurve:
    """Cost per week (and local runs per week) of one family and source, linear between breakpoints.

    ``volume_units_per_week[0]`` is 0 (cost 0); between ``v_min`` = ``volume_units_per_week[1]``
    and the last breakpoint the interpolated cost is within ``rel_tol`` of the exact one (measured:
    ``max_rel_error``) except inside ``jumps``: segments narrower than ``jump_width`` (relative)
    around a step of the exact cost (an integer number of buys per season changes), where the
    chord runs between the two sides of the step. Below ``v_min`` the error is at most the cost at
    ``v_min``.
    """

    family: str
    source: str
    volume_units_per_week: np.ndarray = field(repr=False)
    cost_per_week: np.ndarray = field(repr=False)
    runs_per_week: np.ndarray = field(repr=False)
    rel_tol: float
    max_rel_error: float
    jumps: tuple[tuple[float, float], ...] = ()
    brand_extra_units_per_week: float = 0.0

    @property
    def v_min(self) -> float:
        """The first breakpoint above 0."""
        return float(self.volume_units_per_week[1])

    def cost_at(self, units_per_week: np.ndarray | float) -> np.ndarray:
        """Interpolated cost per week."""
        return np.interp(units_per_week, self.volume_units_per_week, self.cost_per_week)

    def runs_at(self, units_per_week: np.ndarray | float) -> np.ndarray:
        """Interpolated runs per week."""
        return np.interp(units_per_week, self.volume_units_per_week, self.runs_per_week)


def _probes(a: float, b: float, n: int) -> np.ndarray:
    """n points strictly inside (a, b), evenly spaced in log volume (a > 0)."""
    return np.exp(np.linspace(math.log(a), math.log(b), n + 2)[1:-1])


def cost_curve(
    family: ProductFamily,
    source: str,
    v_max_units_per_week: float,
    *,
    v_min_units_per_week: float = 1.0,
    rel_tol: float = 0.01,
    max_breakpoints: int = 64,
    probes_per_segment: int = 6,
    jump_width: float = 1e-3,
    brand_extra_units_per_week: float = 0.0,
) -> CostCurve:
    """Precompute the cost curve of one family and source on an adaptive grid of weekly volumes.

    Breakpoints start geometric (ratio 4) from ``v_min`` to ``v_max``; a segment is split at its
    worst probe while the interpolated cost there is more than ``rel_tol`` off the exact cost.

    Parameters
    ----------
    family : ProductFamily
    source : {"local", "offshore"}
    v_max_units_per_week, v_min_units_per_week : float
        The volume range the design can reach (> 0, v_min < v_max).
    rel_tol : float
        Relative error allowed between breakpoints above ``v_min``.
    max_breakpoints : int
        Cap on breakpoints while refining (the measured error is then reported, possibly above ``rel_tol``).
    jump_width : float
        A segment this narrow (b / a - 1) is not split further: the exact cost steps inside it.
    probes_per_segment : int
        Exact evaluations inside each segment when refining and measuring.
    brand_extra_units_per_week : float
        Offshore: the rest of the brand's volume (see :func:`exact_cost_per_week`).

    Returns
    -------
    CostCurve
    """
    if source not in ("local", "offshore"):
        raise InputError(f"cost curve: source must be 'local' or 'offshore', not {source!r}.")
    lo, hi = float(v_min_units_per_week), float(v_max_units_per_week)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
        raise InputError(f"cost curve of {family.family!r}: volumes {lo!r}..{hi!r}; give 0 < v_min < v_max.")
    exact: dict[float, tuple[float, float]] = {}

    def ev(v: float) -> tuple[float, float]:
        if v not in exact:
            exact[v] = exact_cost_per_week(family, source, v, brand_extra_units_per_week)
        return exact[v]

    def seg_error(a: float, b: float) -> tuple[float, float]:
        """Worst relative error of the chord a-b over every exact point inside (probed up to ``probes_per_segment``).

        Points already evaluated inside count as probes: new probes are added only while fewer
        than ``probes_per_segment`` exact points lie inside (each evaluation costs up to ~0.5 s).
        """
        ga, gb = ev(a)[0], ev(b)[0]
        inside = [v for v in exact if a < v < b]
        if len(inside) < probes_per_segment:
            inside += [float(v) for v in _probes(a, b, probes_per_segment - len(inside))]
        best_err, best_v = 0.0, a
        for v in inside:
            g = ev(v)[0]
            err = abs(ga + (gb - ga) * (v - a) / (b - a) - g) / max(abs(g), 1e-12)
            if err > best_err:
                best_err, best_v = err, v
        return best_err, best_v

    n0 = max(2, math.ceil(math.log(hi / lo) / math.log(4.0)) + 1)
    points = sorted({*np.geomspace(lo, hi, n0).tolist()})
    while len(points) < max_breakpoints:  # refine: split where the chord is off, except across a jump
        split = [
            v
            for a, b in zip(points[:-1], points[1:])
            if b / a - 1 > jump_width
            for e, v in [seg_error(a, b)]
            if e > rel_tol
        ]
        if not split:
            break
        points = sorted({*points, *split[: max_breakpoints - len(points)]})
    jumps = {
        (a, b) for a, b in zip(points[:-1], points[1:]) if b / a - 1 <= jump_width and seg_error(a, b)[0] > rel_tol
    }
    keep_ends = {v for ab in jumps for v in ab}
    i = 1
    while i < len(points) - 1:  # prune: drop a breakpoint whose neighbours' chord is good enough
        if points[i] not in keep_ends and seg_error(points[i - 1], points[i + 1])[0] <= rel_tol:
            del points[i]
        else:
            i += 1
    smooth = [seg_error(a, b)[0] for a, b in zip(points[:-1], points[1:]) if (a, b) not in jumps]
    worst = max(smooth, default=0.0)
    vol = np.array([0.0, *points])
    cost = np.array([0.0, *(ev(v)[0] for v in points)])
    runs = np.array([0.0, *(ev(v)[1] for v in points)])
    return CostCurve(
        family.family,
        source,
        vol,
        cost,
        runs,
        float(rel_tol),
        float(worst),
        tuple(sorted(jumps)),
        float(brand_extra_units_per_week),
    )
