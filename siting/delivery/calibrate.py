"""Per-run calibration of the tour approximation on the sites whose tours OR-Tools solved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.errors import InputError

__all__ = ["TourCalibration", "fit_factor", "fit_tour_calibration", "calibrated_lane_sums"]

#: Weekly sums a calibration rescales: km and the CO2e that is proportional to km by the km
#: factor, cost by the cost factor; trips (store visits) are exact in the approximation.
KM_COLUMNS = ("vehicle_km_per_week", "co2e_wtw_kg_per_week", "co2e_ttw_kg_per_week", "co2e_wtt_kg_per_week")
COST_COLUMN = "cost_per_week"


def fit_factor(approx: npt.ArrayLike, real: npt.ArrayLike) -> float:
    """Least-squares factor through the origin: ``c`` minimising ``sum((c a_i - r_i)^2)``.

    Parameters
    ----------
    approx, real : array_like, shape (n,)
        Approximated and real values of the same sites (finite, approx > 0 somewhere).

    Returns
    -------
    float
        ``sum(a r) / sum(a^2)``.

    Raises
    ------
    InputError
        Different lengths, non-finite values, or no positive approximation.
    """
    a = np.asarray(approx, dtype=float)
    r = np.asarray(real, dtype=float)
    if a.shape != r.shape or a.ndim != 1:
        raise InputError(f"fit_factor: approx and real must be two 1-d arrays of one length, got {a.shape}, {r.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(r))):
        raise InputError("fit_factor: approx and real must be finite (a site that reaches no store has no tours)")
    denom = float(a @ a)
    if denom <= 0:
        raise InputError("fit_factor: every approximated value is 0; nothing to calibrate")
    return float(a @ r) / denom


@dataclass(frozen=True)
class TourCalibration:
    """A fitted calibration of the tour approximation.

    Attributes
    ----------
    km_factor, cost_factor : float
        Least-squares factors (through the origin) of real over approximated weekly vehicle-km
        and weekly cost on ``site_ids``; 1.0 when no site was solved.
    site_ids : tuple of str
        Sites with real (OR-Tools) tours the factors were fitted on.
    approx_km, tours_km : tuple of float
        Their approximated and real weekly vehicle-km.
    residuals : tuple of float
        ``km_factor x approx / tours - 1`` per site (in sample).
    holdout_residuals : tuple of float
        The same with the factor fitted on the other sites only (leave one out); NaN with
        fewer than two sites.
    """

    km_factor: float
    cost_factor: float
    site_ids: tuple[str, ...]
    approx_km: tuple[float, ...]
    tours_km: tuple[float, ...]
    residuals: tuple[float, ...]
    holdout_residuals: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-able record (run.json): factors, sites, km, residuals, largest hold-out residual."""
        held = [h for h in self.holdout_residuals if np.isfinite(h)]
        return {
            "km_factor": round(self.km_factor, 6),
            "cost_factor": round(self.cost_factor, 6),
            "sites": list(self.site_ids),
            "approx_km_per_week": [round(v, 3) for v in self.approx_km],
            "tours_km_per_week": [round(v, 3) for v in self.tours_km],
            "residuals": [round(v, 5) for v in self.residuals],
            "holdout_residuals": [round(v, 5) if np.isfinite(v) else None for v in self.holdout_residuals],
            "holdout_max_abs": round(max(abs(h) for h in held), 5) if held else None,
        }


def fit_tour_calibration(site_ids: Sequence[str], approx: pd.DataFrame, tours: pd.DataFrame) -> TourCalibration:
    """Fit the km and cost factors on the sites with real tours.

    Parameters
    ----------
    site_ids : sequence of str
        The sites with real tours, in the order of the rows of ``approx`` and ``tours``.
    approx, tours : DataFrame
        Their approximated and real weekly sums (``vehicle_km_per_week``, ``cost_per_week``).

    Returns
    -------
    TourCalibration
    """
    ids = tuple(str(s) for s in site_ids)
    if not ids:
        return TourCalibration(1.0, 1.0, (), (), (), (), ())
    a_km = approx["vehicle_km_per_week"].to_numpy(dtype=float)
    r_km = tours["vehicle_km_per_week"].to_numpy(dtype=float)
    if len(a_km) != len(ids) or len(r_km) != len(ids):
        raise InputError("fit_tour_calibration: one approx row and one tours row per site")
    c_km = fit_factor(a_km, r_km)
    c_cost = fit_factor(approx[COST_COLUMN].to_numpy(dtype=float), tours[COST_COLUMN].to_numpy(dtype=float))
    resid = c_km * a_km / r_km - 1.0
    held = np.full(len(ids), np.nan)
    if len(ids) > 1:
        for i in range(len(ids)):
            rest = np.arange(len(ids)) != i
            held[i] = fit_factor(a_km[rest], r_km[rest]) * a_km[i] / r_km[i] - 1.0
    return TourCalibration(
        km_factor=c_km,
        cost_factor=c_cost,
        site_ids=ids,
        approx_km=tuple(float(v) for v in a_km),
        tours_km=tuple(float(v) for v in r_km),
        residuals=tuple(float(v) for v in resid),
        holdout_residuals=tuple(float(v) for v in held),
    )


def calibrated_lane_sums(
    approx: pd.DataFrame, calibration: TourCalibration, tours: Mapping[str, Mapping[str, float]] | None = None
) -> pd.DataFrame:
    """Every site's weekly lane sums: its real tours where solved, else the calibrated approximation.

    Parameters
    ----------
    approx : DataFrame
        ``site_id`` + weekly sums of the approximation (any of :data:`KM_COLUMNS`,
        ``cost_per_week``, ``trips_per_week``).
    calibration : TourCalibration
    tours : mapping, optional
        site_id -> real weekly sums (same column names) of the sites with real tours.

    Returns
    -------
    DataFrame
        ``approx`` with its sums replaced, plus ``lane_basis`` ("tours" or "calibrated
        approximation") and ``lane_calibration_factor`` (the km factor applied; 1 for tours).
    """
    out = approx.copy()
    for col in KM_COLUMNS:
        if col in out.columns:
            out[col] = out[col] * calibration.km_factor
    if COST_COLUMN in out.columns:
        out[COST_COLUMN] = out[COST_COLUMN] * calibration.cost_factor
    out["lane_basis"] = "calibrated approximation"
    out["lane_calibration_factor"] = calibration.km_factor
    ids = out["site_id"].astype(str)
    for sid, sums in (tours or {}).items():
        rows = (ids == str(sid)).to_numpy()
        for col, value in sums.items():
            if col in out.columns:
                out.loc[rows, col] = float(value)
        out.loc[rows, "lane_basis"] = "tours"
        out.loc[rows, "lane_calibration_factor"] = 1.0
    return out
