"""Offshore routes priced from first principles: a hand-worked store where a hub wins and one where direct wins.

The figures (``siting/data/vehicles.csv``, ``LaneParams`` defaults, ``cost_defaults.csv``):
average diesel van 1,000 kg / 8 m3, 0.28 EUR/km, 35 EUR/h; 7.5 t rigid HGV 3,000 kg / 30 m3,
0.45 EUR/km, 40 EUR/h, 90 km/h cap; a packed unit 0.5 kg / 0.004 m3; load factor 0.8; 2 drops a
week; 600 s at each stop; handling 0.04 a unit.

Geometry: distribution point -> store 10 km, 900 s each way; distribution point -> hub the same
(the hub is near the store); hub -> store 1 km, 120 s each way.

- Trunk (full rigid, per unit): round trip 20 km x 0.45 + 0.5 h x 40 = 29 EUR over a load of
  0.8 x min(3000 / 0.5, 30 / 0.004) = 4,800 units: 0.0060417 a unit.
- Direct drop (the store's own van, 2 a week, one trip each while a drop fits the van's
  800 kg / 6.4 m3): 2 x (20 km x 0.28 + (900 + 900 + 600) s x 35 / 3600) = 57.8667 EUR a week.
- The hub's drop: 2 x (2 km x 0.28 + (120 + 120 + 600) s x 35 / 3600) = 17.4533 EUR a week.

Store of 100 units a week: direct 0.578667 a unit; via the hub 0.0060417 + 0.04 + 0.174533 =
0.220575 a unit; over 5,200 units a year the hub saves 1,862.08 EUR, so with a fixed cost of
1,000 EUR a year it opens and the design costs 862.08 less than without hubs.

Store of 2,000 units a week (a drop of 1,000 units: 500 kg, 4 m3, still one trip): direct
57.8667 / 2000 = 0.0289333 a unit; via the hub 0.0060417 + 0.04 + 17.4533 / 2000 = 0.0547683: the
drop saved (40.41 a week) is less than the handling and trunk of 2,000 units (92.08 a week):
direct wins by 0.025835 a unit, 2,686.84 EUR a year, even with a free hub.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from design_instances import FAMS

from siting.costs.products import cost_default
from siting.delivery import VEHICLES
from siting.delivery.lane_tables import LaneParams, direct_lane_values, pair_lane_cost_per_week
from siting.design.hubs import hub_routes, trunk_cost_per_unit, vehicle_load_units
from siting.design.problem import design_problem
from siting.design.solve import portfolio
from siting.errors import InputError

PARAMS = LaneParams()
VAN, RIGID = VEHICLES["van_avg_diesel"], VEHICLES["hgv_rigid_7_5t"]
HANDLING = cost_default("crossdock_handling_cost_per_unit")


def _prices(units: float, turnaround_s: float = 0.0, promise_s: float = 1800.0, fixed: float = 1000.0):
    """(direct cost per unit, the hub's routes) of the hand-worked store, priced by the library's functions."""
    load = vehicle_load_units(
        RIGID.payload_kg,
        RIGID.volume_m3,
        unit_weight_kg=PARAMS.unit_weight_kg,
        unit_volume_m3=PARAMS.unit_volume_m3,
        load_factor=PARAMS.load_factor,
    )
    trunk = trunk_cost_per_unit(
        np.array([20_000.0]),
        np.array([1800.0]),
        cost_per_km=RIGID.cost_per_km,
        cost_per_hour=RIGID.cost_per_hour,
        load_units=load,
    )
    u = np.array([units])
    direct = direct_lane_values(u * 0 + 900.0, u * 0 + 10_000.0, u * 0 + 900.0, u * 0 + 10_000.0, u, params=PARAMS)
    drop = pair_lane_cost_per_week(
        np.array([[120.0]]), np.array([[1000.0]]), np.array([[120.0]]), np.array([[1000.0]]), u, params=PARAMS
    )
    hubs = pd.DataFrame(
        {
            "hub_id": ["h"],
            "handling_cost_per_unit": [HANDLING],
            "turnaround_s": [turnaround_s],
            "fixed_cost_per_yr": [fixed],
        }
    )
    routes = hub_routes(
        hubs,
        trunk_time_s=np.array([900.0]),
        trunk_cost_per_unit=trunk,
        lane_time_s=np.array([[120.0]]),
        lane_cost_per_unit=drop / units,
        promise_s=promise_s,
        store_ids=["j0"],
    )
    return float(direct["cost_per_week"][0] / units), routes, float(trunk[0]), float(drop[0, 0])


def _design(units: float, direct_per_unit: float, routes):
    """One store, one family, one site too dear to open: only the offshore route is decided."""
    fam = FAMS[0]
    pb = design_problem(
        demand=pd.DataFrame({"store_id": ["j0"], "family": [fam.family], "season": ["t0"], "units_per_week": [units]}),
        sites=pd.DataFrame({"site_id": ["s0"], "level": ["L0"], "hours_per_week": [10.0], "fixed_cost_per_yr": [1e9]}),
        lanes=pd.DataFrame({"site_id": ["s0"], "store_id": ["j0"], "cost_per_unit": [1.0], "within_promise": [True]}),
        direct=pd.DataFrame({"store_id": ["j0"], "cost_per_unit": [direct_per_unit], "within_promise": [True]}),
        families=[fam],
        making=pd.DataFrame(
            {"family": [fam.family], "machine_hours_per_unit": [0.1], "changeover_hours_per_run": [1.0]}
        ),
        seasons={"t0": 52.0},
        hubs=routes,
    )
    p, _ = portfolio(pb, time_limit_s=30, mip_gap=1e-9)
    return p.hybrid


def test_the_route_prices_are_the_hand_worked_ones():
    direct, routes, trunk, drop = _prices(100.0)
    assert trunk == pytest.approx(29.0 / 4800.0, rel=1e-12)
    assert direct == pytest.approx(57.8667 / 100.0, rel=1e-5)
    assert drop == pytest.approx(17.4533, rel=1e-5)
    assert routes.route_cost_per_unit.tolist() == pytest.approx([0.220575], rel=1e-5)


def test_a_small_store_far_from_the_distribution_point_is_served_through_the_hub():
    direct, routes, _, _ = _prices(100.0)
    with_hub = _design(100.0, direct, routes)
    without = _design(100.0, direct, None)
    assert with_hub.hubs == ("h",)
    assert set(with_hub.portfolio["source"]) == {"offshore via hub"}
    assert without.cost_per_yr - with_hub.cost_per_yr == pytest.approx(862.08, abs=0.05)


def test_a_big_store_is_served_direct_even_by_a_free_hub():
    direct, routes, _, _ = _prices(2000.0, fixed=0.0)
    assert routes.route_cost_per_unit[0] - direct == pytest.approx(0.025835, rel=1e-4)
    with_hub = _design(2000.0, direct, routes)
    assert set(with_hub.portfolio["source"]) == {"offshore direct"}
    assert with_hub.cost_per_yr == pytest.approx(_design(2000.0, direct, None).cost_per_yr, rel=1e-9)


def test_a_turnaround_that_breaks_the_promise_leaves_only_direct():
    # 900 s trunk + 800 s turnaround + 120 s lane = 1,820 s > the 1,800 s promise: no route, though cheaper
    direct, routes, _, _ = _prices(100.0, turnaround_s=800.0)
    assert len(routes.routes) == 0
    assert set(_design(100.0, direct, routes).portfolio["source"]) == {"offshore direct"}
    _, kept, _, _ = _prices(100.0, turnaround_s=780.0)  # 1,800 s: keeps the promise
    assert len(kept.routes) == 1


@pytest.mark.parametrize(
    "kw",
    [
        {"payload_kg": -1.0},
        {"volume_m3": float("nan")},
        {"unit_weight_kg": 0.0},
        {"load_factor": 1.5},
        {"unit_volume_m3": float("inf")},
    ],
)
def test_bad_vehicle_loads_refused(kw):
    args = dict(payload_kg=1000.0, volume_m3=8.0, unit_weight_kg=0.5, unit_volume_m3=0.004, load_factor=0.8) | kw
    payload, volume = args.pop("payload_kg"), args.pop("volume_m3")
    with pytest.raises(InputError, match="vehicle load"):
        vehicle_load_units(payload, volume, **args)


def test_the_pipelines_handling_default_is_the_sourced_one():
    from siting.pipeline.portfolio import PortfolioOptions

    assert PortfolioOptions().crossdock_handling_per_unit == HANDLING
