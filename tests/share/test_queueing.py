"""Cobham's M/G/1 non-preemptive priority formula: a case worked by hand, and the SimPy simulation."""

from __future__ import annotations

import numpy as np
import pytest

from siting.errors import InputError
from siting.share.queueing import priority_waits
from siting.share.simulate import poisson_jobs, simulate_site


def test_cobham_worked_by_hand() -> None:
    # Two classes, hours: lambda = (0.2, 0.3) jobs/h, E[S] = (1, 1.5) h, E[S^2] = (2, 4.5) h^2 (exponential).
    # rho = (0.2, 0.45); sigma = (0.2, 0.65); W0 = (0.2*2 + 0.3*4.5) / 2 = 0.875 h.
    # W_0 = 0.875 / (1 * 0.8) = 1.09375 h; W_1 = 0.875 / (0.8 * 0.35) = 3.125 h.
    waits = priority_waits([0.2, 0.3], [1.0, 1.5], [2.0, 4.5])
    np.testing.assert_allclose(waits, [1.09375, 3.125], rtol=1e-12)


def test_one_class_is_pollaczek_khinchine() -> None:
    # M/D/1 with rho = 0.5, S = 1: W = rho * S / (2 (1 - rho)) = 0.5
    assert priority_waits([0.5], [1.0], [1.0])[0] == pytest.approx(0.5)


def test_overloaded_classes_wait_forever() -> None:
    waits = priority_waits([0.5, 0.6], [1.0, 1.0], [1.0, 1.0])
    assert np.isfinite(waits[0]) and waits[1] == np.inf


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([1.0], [1.0, 2.0], [1.0]), "one value per class"),
        (([1.0], [2.0], [1.0]), "second moment"),
        (([-1.0], [1.0], [1.0]), ">= 0"),
    ],
)
def test_bad_inputs(args, match) -> None:
    with pytest.raises(InputError, match=match):
        priority_waits(*args)


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_simulation_agrees_with_cobham(rho: float) -> None:
    """Poisson arrivals, three classes, mixed service distributions: the simulated mean waits are within
    6% of Cobham's at utilisation 0.5-0.8 (80,000 jobs, seeded; the run-to-run spread was <= 2% at 200,000)."""
    rng = np.random.default_rng(7)
    service = [rng.uniform(0.5, 3.0, 2000), rng.uniform(1.0, 6.0, 2000), rng.exponential(2.0, 2000)]
    units = [np.ones(2000)] * 3
    mean = np.array([s.mean() for s in service])
    second = np.array([(s**2).mean() for s in service])
    rates = rho * np.array([0.3, 0.4, 0.3]) / mean
    analytic = priority_waits(rates, mean, second)
    jobs = poisson_jobs(rates, service, units, 80_000 / rates.sum(), seed=3)
    sim = simulate_site(*jobs, n_classes=3, warmup_h=500.0)
    np.testing.assert_allclose(sim.mean_wait_h, analytic, rtol=0.06)
    assert sim.utilisation == pytest.approx(rho, abs=0.02)
    np.testing.assert_allclose(sim.mean_lead_h - sim.mean_wait_h, mean, rtol=0.03)


def test_simulation_is_seeded() -> None:
    rates = np.array([0.1, 0.2])
    service = [np.array([1.0, 2.0]), np.array([2.0, 3.0])]
    units = [np.array([100.0, 200.0])] * 2
    a = simulate_site(*poisson_jobs(rates, service, units, 2000.0, seed=5), n_classes=2)
    b = simulate_site(*poisson_jobs(rates, service, units, 2000.0, seed=5), n_classes=2)
    np.testing.assert_array_equal(a.mean_lead_h, b.mean_lead_h)
    assert a.peak_backlog_units == b.peak_backlog_units > 0
