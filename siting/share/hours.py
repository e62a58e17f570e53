"""Machine-hours of a shared-network design: per site, process and season, and a level's capacity in units."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siting.share.design import DesignResult
from siting.share.problem import ShareProblem

__all__ = ["HOURS_COLUMNS", "hours_table", "site_units_per_week", "unit_equivalent"]


def unit_equivalent(problem: Any) -> np.ndarray:
    """Units per week each level can make at the demand's brand mix on its bottleneck process, shape (L,).

    The weekly plans and the simulation count units; with routings a level's capacity in units is
    min over processes of its regular hours / the demand-weighted mean hours per unit there.
    """
    volume = np.array(
        [problem.season_demand()[np.asarray(problem.store_brand) == b].sum() for b in range(len(problem.brand_names))]
    )
    mix = volume / volume.sum() if volume.sum() > 0 else np.full(len(volume), 1.0 / len(volume))
    per_unit = mix @ problem.hours_per_unit_all_in  # (P,) hours per unit of the mix
    hours = np.asarray(problem.process_hours_per_week, dtype=float)  # (L, P)
    used = per_unit > 0
    return (hours[:, used] / per_unit[used]).min(axis=1)


def site_units_per_week(pb: ShareProblem, design: DesignResult, i: int, made: np.ndarray) -> float:
    """Units per week site ``i`` can make at its own brand mix (``made``, shape (B, T)) in its regular and
    flexible hours, on its bottleneck process: the weekly plan's capacity. With no routing and no flexible
    hours this is the level's ``capacity_units_per_week``."""
    lvl = design.level[i]
    hours = np.asarray(pb.process_hours_per_week, dtype=float)[lvl] + np.asarray(pb.flex_hours_per_week)[lvl]
    volume = made.sum(axis=1)
    if volume.sum() <= 0 or (pb.process_names == ("any",) and np.allclose(np.asarray(pb.hours_per_unit), 1.0)):
        return float(hours[0]) if pb.process_names == ("any",) else float(pb.capacity_units_per_week[lvl])
    per_unit = (volume / volume.sum()) @ pb.hours_per_unit_all_in  # hours per unit of the site's mix
    used = per_unit > 0
    return float((hours[used] / per_unit[used]).min())


def _caps(design: DesignResult, i: int, q: int, t: int, full: float) -> tuple[float, float]:
    caps = design.sla_cap_hours_per_week
    return (full, full) if caps.size == 0 else (caps[i, q, t, 0], caps[i, q, t, 1])


HOURS_COLUMNS = [
    "site_id",
    "process",
    "season",
    "hours_per_week",
    "regular_hours_per_week",
    "flex_hours_per_week",
    "utilisation_hours",
    "priority_cap_hours_per_week",
    "priority_standard_cap_hours_per_week",
]


def hours_table(pb: ShareProblem, design: DesignResult) -> pd.DataFrame:
    """Machine-hours per week of every open site, process and season (``hours.csv``).

    ``hours_per_week`` counts run hours, changeovers and reserved hours held idle;
    ``regular_hours_per_week`` is the level's hours x ``max_utilisation``; ``utilisation_hours`` =
    hours / the level's full regular hours (so it can exceed ``max_utilisation`` only with flex hours).
    ``priority_cap_hours_per_week`` and ``priority_standard_cap_hours_per_week``: the most hours the
    priority class, and the priority + standard classes, may load under the design's SLA rows (at the
    design's own priority hours; the level's full hours where no row binds or the rows are off).
    """
    rows = []
    hours = np.asarray(pb.process_hours_per_week, dtype=float)
    for i in design.open_sites:
        for q, proc in enumerate(pb.process_names):
            full = float(hours[design.level[i], q])
            for t, season in enumerate(pb.season_names):
                used = float(design.hours_per_week[i, q, t])
                rows.append(
                    (
                        pb.site_ids[i],
                        proc,
                        season,
                        used,
                        full * pb.max_utilisation,
                        float(design.flex_hours_per_week[i, q, t]),
                        used / full if full > 0 else np.nan,
                        *(float(v) for v in _caps(design, i, q, t, full)),
                    )
                )
    return pd.DataFrame(rows, columns=HOURS_COLUMNS)
