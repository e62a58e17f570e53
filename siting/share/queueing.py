"""Mean waits of an M/G/1 non-preemptive priority queue (Cobham 1954)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from siting.errors import InputError

__all__ = ["priority_waits"]


def priority_waits(
    arrival_rates: Sequence[float] | np.ndarray,
    mean_service: Sequence[float] | np.ndarray,
    second_moment_service: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Mean time in queue of each class of an M/G/1 non-preemptive priority queue (Cobham's formula).

    With ``rho_i = lambda_i E[S_i]``, ``sigma_k = rho_0 + ... + rho_k`` and
    ``W0 = sum_i lambda_i E[S_i^2] / 2`` (the mean residual work found in service by an arrival),
    class ``k`` waits ``W_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k))`` on average.
    Assumes Poisson arrivals per class, independent service times, one server, no
    pre-emption, first come first served within a class.

    Parameters
    ----------
    arrival_rates : sequence of float
        Arrivals per unit time of each class; class 0 is the highest priority.
    mean_service : sequence of float
        Mean service time ``E[S_i]`` of each class (same time unit).
    second_moment_service : sequence of float
        ``E[S_i^2]`` of each class (time unit squared); at least ``E[S_i]^2``.

    Returns
    -------
    numpy.ndarray
        Mean wait in queue (excluding service) of each class, in the inputs' time unit;
        ``inf`` for classes whose cumulative load reaches 1.
    """
    lam = np.asarray(arrival_rates, dtype=float).ravel()
    es = np.asarray(mean_service, dtype=float).ravel()
    es2 = np.asarray(second_moment_service, dtype=float).ravel()
    if not (len(lam) == len(es) == len(es2)) or len(lam) == 0:
        raise InputError(
            "priority_waits: arrival_rates, mean_service and second_moment_service need one value per class "
            f"(got {len(lam)}, {len(es)}, {len(es2)})."
        )
    if (lam < 0).any() or (es < 0).any() or not np.isfinite(np.r_[lam, es, es2]).all():
        raise InputError("priority_waits: arrival rates and service times must be finite and >= 0.")
    if (es2 < es**2 * (1 - 1e-9)).any():
        raise InputError("priority_waits: a second moment E[S^2] is below E[S]^2; pass E[S^2], not a variance.")
    rho = lam * es
    sigma = np.cumsum(rho)
    sigma_before = np.r_[0.0, sigma[:-1]]
    w0 = float(np.sum(lam * es2) / 2.0)
    with np.errstate(divide="ignore"):
        waits = w0 / ((1.0 - sigma_before) * (1.0 - sigma))
    return np.where(sigma < 1.0, waits, np.inf)
