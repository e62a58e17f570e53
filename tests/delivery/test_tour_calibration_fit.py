"""Calibration of the tour approximation: least squares through the origin, hold-out residuals, re-pricing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.delivery.calibrate import calibrated_lane_sums, fit_factor, fit_tour_calibration
from siting.errors import InputError


def test_fit_factor_recovers_a_known_factor() -> None:
    a = np.array([120.0, 75.5, 300.0, 42.0])
    np.testing.assert_allclose(fit_factor(a, 1.2 * a), 1.2, rtol=1e-12)
    # by hand: sum(a r) / sum(a^2) = (1*2 + 2*3) / (1 + 4) = 8/5
    assert fit_factor([1.0, 2.0], [2.0, 3.0]) == pytest.approx(1.6)


def test_fit_factor_refuses_bad_input() -> None:
    with pytest.raises(InputError, match="finite"):
        fit_factor([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(InputError, match="0"):
        fit_factor([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(InputError, match="one length"):
        fit_factor([1.0], [1.0, 2.0])


def test_calibration_residuals_and_hold_out_by_hand() -> None:
    approx = pd.DataFrame({"vehicle_km_per_week": [1.0, 2.0], "cost_per_week": [10.0, 10.0]})
    tours = pd.DataFrame({"vehicle_km_per_week": [2.0, 3.0], "cost_per_week": [12.0, 14.0]})
    cal = fit_tour_calibration(["a", "b"], approx, tours)
    assert cal.km_factor == pytest.approx(1.6)
    assert cal.cost_factor == pytest.approx((120 + 140) / 200)
    np.testing.assert_allclose(cal.residuals, [1.6 * 1 / 2 - 1, 1.6 * 2 / 3 - 1])
    # leave one out: a alone gives 2.0 (predicts b: 2*2/3 - 1); b alone gives 1.5 (predicts a: 1.5/2 - 1)
    np.testing.assert_allclose(cal.holdout_residuals, [1.5 * 1 / 2 - 1, 2.0 * 2 / 3 - 1])
    rec = cal.as_dict()
    assert rec["sites"] == ["a", "b"] and rec["holdout_max_abs"] == pytest.approx(1 / 3, abs=1e-5)
    single = fit_tour_calibration(["a"], approx.iloc[:1], tours.iloc[:1])
    assert single.km_factor == pytest.approx(2.0) and np.isnan(single.holdout_residuals[0])


def test_calibrated_sums_use_tours_where_solved_and_the_factor_elsewhere() -> None:
    approx = pd.DataFrame(
        {
            "site_id": ["a", "b", "c"],
            "trips_per_week": [4.0, 4.0, 4.0],
            "vehicle_km_per_week": [10.0, 20.0, 30.0],
            "co2e_wtw_kg_per_week": [3.0, 6.0, 9.0],
            "cost_per_week": [100.0, 200.0, 300.0],
        }
    )
    tours = pd.DataFrame(
        {"trips_per_week": [4.0], "vehicle_km_per_week": [11.0], "co2e_wtw_kg_per_week": [3.3], "cost_per_week": [90.0]}
    )
    cal = fit_tour_calibration(["a"], approx.iloc[:1], tours)
    out = calibrated_lane_sums(approx, cal, {"a": tours.iloc[0].to_dict()})
    assert out["lane_basis"].tolist() == ["tours", "calibrated approximation", "calibrated approximation"]
    np.testing.assert_allclose(out["vehicle_km_per_week"], [11.0, 22.0, 33.0])
    np.testing.assert_allclose(out["co2e_wtw_kg_per_week"], [3.3, 6.6, 9.9])
    np.testing.assert_allclose(out["cost_per_week"], [90.0, 180.0, 270.0])
    np.testing.assert_allclose(out["trips_per_week"], [4.0, 4.0, 4.0])
    np.testing.assert_allclose(out["lane_calibration_factor"], [1.0, 1.1, 1.1])
