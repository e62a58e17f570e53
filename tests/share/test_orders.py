"""SLA caps (Kingman-Cobham + exponential tail + next-run wait) against the order-driven simulation and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from siting.share.caps import (
    class_quantiles_days,
    class_traffic,
    kingman_priority_waits,
    lead_time_quantile,
    sla_utilisation_caps,
)
from siting.share.judge import judge_table, weighted_quantile
from siting.share.orders import BrandOrders, LineRules, simulate_orders
from siting.share.queueing import priority_waits

H, MPU, CO = 40.0, 0.6, 30.0  # hours a week, minutes per unit, changeover minutes


def test_kingman_priority_is_cobham_with_poisson_arrivals_and_kingman_with_one_class() -> None:
    lam, es, cs2 = np.array([0.2, 0.3, 0.1]), np.array([1.0, 1.5, 2.0]), np.array([0.3, 1.0, 0.0])
    np.testing.assert_allclose(
        kingman_priority_waits(lam, es, cs2, np.ones(3)), priority_waits(lam, es, es**2 * (1 + cs2)), rtol=1e-12
    )
    # one class, rho = 0.8, ca^2 = 0.5, cs^2 = 0.25, E[S] = 2 h: Kingman W = 0.8/0.2 * 0.375 * 2 = 3 h
    assert kingman_priority_waits([0.4], [2.0], [0.25], [0.5])[0] == pytest.approx(3.0)


@pytest.mark.parametrize(("p_wait", "mean_wait", "cycle"), [(0.8, 0.5, 3.5), (0.3, 2.0, 1.0), (0.95, 0.1, 0.0)])
def test_lead_time_quantile_matches_monte_carlo(p_wait: float, mean_wait: float, cycle: float) -> None:
    rng = np.random.default_rng(5)
    n = 2_000_000
    wait = np.where(rng.uniform(size=n) < p_wait, rng.exponential(mean_wait / p_wait, n), 0.0)
    sample = 1.25 + rng.uniform(0, cycle, n) + wait
    for pct in (50.0, 95.0, 99.0):
        got = lead_time_quantile(pct, mean_wait=mean_wait, p_wait=p_wait, cycle=cycle, fixed=1.25)
        share_above = float((sample > got).mean())  # binomial error sqrt(p (1 - p) / n) <= 3.6e-4
        assert share_above == pytest.approx(1 - pct / 100, abs=4 * np.sqrt(pct / 100 * (1 - pct / 100) / n))


def test_weighted_quantile_counts_unmade_units_as_infinitely_late() -> None:
    values, weights = np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 2.0])
    assert weighted_quantile(values, weights, 0.5) == 2.0  # cumulative 0.25, 0.75, 1.0 over sorted 1, 2, 3
    assert weighted_quantile(values, weights, 0.95, total=5.0) == np.inf  # one unit of five never made


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_poisson_case_simulated_waits_agree_with_the_analytic_figure(rho: float) -> None:
    """Each order is a run of fixed size arriving at random (cv 0, no weekly limit): an M/D/1 priority queue, so
    Cobham is exact. The simulated mean waits (40 seeded one-year replications) are within 3 standard errors
    of the replication mean and within 10% of the analytic figure."""
    line = LineRules(H, MPU, CO, run_max_units=2000, week_cap_utilisation=np.inf)
    q, n = np.array([150.0, 250.0, 300.0]), np.array([3.0, 4.0, 2.0])
    n = n * rho / ((q * MPU + CO) * n / 60 / H).sum()
    brands = [BrandOrders(f"b{k}", k, np.full(52, q[k] * n[k]), np.full(52, n[k]), 0.0, 0.0, np.nan) for k in range(3)]
    sim = simulate_orders(brands, line, replications=40, release="poisson", seed=1)
    analytic = kingman_priority_waits(n / H, (CO + q * MPU) / 60, np.zeros(3), np.ones(3))
    mean, se = sim.mean_wait_h.mean(axis=0), sim.mean_wait_h.std(axis=0, ddof=1) / np.sqrt(40)
    assert sim.utilisation.mean() == pytest.approx(rho, abs=0.01)
    assert (np.abs(mean - analytic) <= 3 * se).all(), (mean, analytic, se)
    np.testing.assert_allclose(mean, analytic, rtol=0.10)


def _site(scale: float, sla: list[float], cv: float) -> list[BrandOrders]:
    q, n, drive = np.array([200.0, 250.0, 400.0]), np.array([2.0, 3.0, 2.0]), [0.1, 0.2, 0.3]
    return [
        BrandOrders(f"b{k}", k, np.full(52, q[k] * n[k] * scale), np.full(52, n[k]), cv, drive[k], sla[k])
        for k in range(3)
    ]


def _load_at_cap(sla: list[float], cv: float, line: LineRules) -> tuple[float, np.ndarray]:
    """Scale the runs (fixed cycles) until the line's utilisation equals the SLA cap of its own mix."""
    scale = 1.0
    for _ in range(30):
        traffic, util = class_traffic(_site(scale, sla, cv), line, np.arange(52))
        caps = sla_utilisation_caps(traffic, percentile=95.0, hours_per_week=H)
        fixed = 7 * CO / 60 / H  # changeover share of the week (7 runs), independent of the scale
        scale = (caps.min() - fixed) / ((util - fixed) / scale)
    return scale, caps


@pytest.mark.parametrize(
    ("sla", "cv", "week_cap", "cap", "p95"),
    [
        ([5.0, 8.0, 14.0], 0.25, 1.0, 0.778, [4.39, 3.69, 5.17]),
        ([5.0, 7.0, 10.0], 0.4, np.inf, 0.689, [4.21, 3.73, 5.14]),
    ],
)
def test_caps_from_slas_hold_in_the_order_driven_simulation(
    sla: list[float], cv: float, week_cap: float, cap: float, p95: list[float]
) -> None:
    """Loaded exactly at the cap its SLAs give, every brand is on time for at least 95% of its units at the
    lower end of the 95% confidence interval (20 seeded replications, weekly demand noise, cyclic runs).
    The cap and the simulated p95s are the figures docs/shared-networks.md quotes."""
    line = LineRules(H, MPU, CO, run_max_units=2000, week_cap_utilisation=week_cap)
    scale, caps = _load_at_cap(sla, cv, line)
    assert caps.min() == pytest.approx(cap, abs=5e-4)  # the overflow SLA binds; the others allow a full line
    traffic, util = class_traffic(_site(scale, sla, cv), line, np.arange(52))
    assert util == pytest.approx(caps.min(), rel=1e-6)
    assert class_quantiles_days(traffic, util, 95.0, H)[2] == pytest.approx(sla[2], rel=1e-6)
    sim = simulate_orders(_site(scale, sla, cv), line, replications=20, seed=2)
    assert sim.utilisation.mean() == pytest.approx(util, abs=0.02)
    table = judge_table(sim, [("brand", f"b{k}", "s", [k], sla[k]) for k in range(3)])
    assert (table["on_time_rate"] - table["on_time_rate_ci"] >= 0.95).all(), table
    assert table["sla_met"].all() and (table["contract_pct_days"] <= table["sla_days"]).all()
    np.testing.assert_allclose(table["p95_days"], p95, atol=0.01)


def test_a_priority_sla_shorter_than_the_wait_for_the_next_run_gets_no_capacity() -> None:
    """Two runs a week: the 95th percentile of the wait for the next run alone is 0.95 * 3.5 = 3.3 days, so a
    3-day SLA fails at any load (cap 0), and the simulation at a light load agrees."""
    sla = [3.0, 8.0, 14.0]
    line = LineRules(H, MPU, CO, run_max_units=2000)
    traffic, _ = class_traffic(_site(0.3, sla, 0.25), line, np.arange(52))
    assert sla_utilisation_caps(traffic, percentile=95.0, hours_per_week=H)[0] == 0.0
    sim = simulate_orders(_site(0.3, sla, 0.25), line, replications=5, seed=3)
    row = judge_table(sim, [("brand", "b0", "s", [0], 3.0)]).iloc[0]
    assert not row["sla_met"] and row["p95_days"] > 3.0
