"""design_for_city: the pipeline's per-city data in, the three policies, site values and outages out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from design_instances import FAMS

from siting.design import design_for_city
from siting.errors import InputError


def _city(rng: np.random.Generator, n_s: int = 3, n_j: int = 5) -> dict:
    fams = list(FAMS[:3])
    stores = pd.DataFrame({"store_id": [f"j{j}" for j in range(n_j)], "units_per_week": rng.uniform(50, 200, n_j)})
    candidates = pd.DataFrame({"site_id": [f"s{s}" for s in range(n_s)], "rent_per_yr": rng.uniform(1e4, 3e4, n_s)})
    candidates["store_id"] = [f"j{s}" if s == 0 else None for s in range(n_s)]  # s0 is in store j0's back room
    levels = pd.DataFrame(
        {
            "level": ["small", "large"],
            "hours_per_week": [40.0, 120.0],
            "staff_cost_per_yr": [3e4, 8e4],
            "setup_cost_per_yr": [5e3, 1e4],
        }
    )
    time_s = rng.uniform(600, 4000, (n_s, n_j))
    making = pd.DataFrame(
        {"family": [f.family for f in fams], "machine_hours_per_unit": 0.05, "changeover_hours_per_run": 1.0}
    )
    return dict(
        stores=stores,
        candidates=candidates,
        levels=levels,
        lane_time_s=time_s,
        lane_cost_per_unit=0.1 + time_s / 3600,
        direct_time_s=np.full(n_j, 3000.0),
        direct_cost_per_unit=np.full(n_j, 1.2),
        families=fams,
        making=making,
        promise_s=3600.0,
        seasons={"high": (26.0, 1.2), "low": (26.0, 0.8)},
        crossdock_cost_per_unit=0.3,
        time_limit_s=30.0,
    )


def test_city_design_serves_every_store_and_prices_the_backroom_site_free():
    kw = _city(np.random.default_rng(2))
    out = design_for_city(**kw)
    pb = out.problem
    share = np.array([f.demand_mean_units_per_week for f in kw["families"]])
    share /= share.sum()
    units = kw["stores"]["units_per_week"].to_numpy()
    expected = units[None, :, None] * share[:, None, None] * np.array([1.2, 0.8])[None, None, :]
    np.testing.assert_allclose(pb.demand_units_per_week, expected)
    lane = (pb.lanes[:, 0] == 0) & (pb.lanes[:, 1] == 0)
    assert pb.lane_cost_per_unit[lane].tolist() == [0.0]
    h = out.portfolio.hybrid
    assert h.portfolio["units_per_week"].sum() == pytest.approx(expected.sum())
    assert h.cost_per_yr <= out.portfolio.all_offshore.cost_per_yr + 1e-6
    assert set(out.site_values["site_id"]) == set(pb.site_ids)
    assert list(out.resilience["site_id"]) == list(h.levels)


def test_city_design_refuses_a_matrix_of_the_wrong_shape():
    kw = _city(np.random.default_rng(2))
    kw["lane_time_s"] = kw["lane_time_s"][:, :-1]
    with pytest.raises(InputError, match="lane_time_s"):
        design_for_city(**kw)
