"""Cost sharing among brands: each brand alone, use-proportional shares, Shapley value and the core check."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from siting.errors import InputError

__all__ = ["CostShares", "share_costs", "shapley_values", "EXACT_SHAPLEY_MAX"]

#: Up to this many brands the Shapley value is exact (2^n coalitions); beyond, seeded sampling.
EXACT_SHAPLEY_MAX = 12


def shapley_values(
    n: int, cost: Callable[[frozenset[int]], float], *, samples: int = 2000, seed: int = 0
) -> tuple[np.ndarray, bool]:
    """Shapley value of a cost game: each player's average marginal cost over all join orders.

    Parameters
    ----------
    n : int
        Number of players (brands).
    cost : callable
        ``cost(coalition)`` for a frozenset of player indices; ``cost(frozenset()) == 0``.
    samples : int
        Random join orders used when ``n > EXACT_SHAPLEY_MAX``.
    seed : int

    Returns
    -------
    (values, exact)
        Shares (they add up to ``cost(all players)``) and whether they are exact.
    """
    if n < 1:
        raise InputError("shapley_values: need at least one brand.")
    players = range(n)
    phi = np.zeros(n)
    if n <= EXACT_SHAPLEY_MAX:
        for i in players:
            others = [p for p in players if p != i]
            for size in range(n):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                for combo in itertools.combinations(others, size):
                    s = frozenset(combo)
                    phi[i] += weight * (cost(s | {i}) - cost(s))
        return phi, True
    rng = np.random.default_rng(seed)
    for _ in range(samples):
        order = rng.permutation(n)
        before: frozenset[int] = frozenset()
        prev = 0.0
        for p in order:
            now = before | {int(p)}
            value = cost(now)
            phi[p] += value - prev
            before, prev = now, value
    return phi / samples, False


@dataclass(frozen=True)
class CostShares:
    """What each brand pays: alone, and its share of the shared network by two rules.

    Attributes
    ----------
    alone, proportional, shapley : ndarray
        Cost per year of each brand.
    shared_total : float
        Cost of the shared network (shares add up to it).
    exact : bool
        Whether the Shapley values are exact (else sampled).
    in_core : bool or None
        Whether the Shapley shares give no coalition more than it would pay on its own (checked
        when exact; None otherwise).
    """

    alone: np.ndarray
    proportional: np.ndarray
    shapley: np.ndarray
    shared_total: float
    exact: bool
    in_core: bool | None

    @property
    def better_off_alone(self) -> np.ndarray:
        """Brands whose Shapley share exceeds their cost alone."""
        return self.shapley > self.alone * (1 + 1e-9) + 1e-6


def share_costs(
    n: int,
    cost: Callable[[frozenset[int]], float],
    use_units: Sequence[float] | np.ndarray,
    *,
    direct_costs: Sequence[float] | np.ndarray | None = None,
    samples: int = 2000,
    seed: int = 0,
) -> CostShares:
    """Split the shared network's cost among brands and check whether any would rather go alone.

    Parameters
    ----------
    n : int
        Number of brands.
    cost : callable
        Cost per year of the best network for a coalition (cache it: it is called often).
    use_units : sequence of float
        Each brand's use of the shared network (units per year) for the proportional rule.
    direct_costs : sequence of float, optional
        Costs each brand causes on its own in the shared network (production, delivery, stock,
        offshore); the proportional rule charges these directly and splits the rest (rent and
        set-up) by ``use_units``. Default: everything is split by use.
    samples, seed
        Shapley sampling beyond :data:`EXACT_SHAPLEY_MAX` brands.

    Returns
    -------
    CostShares
    """
    use = np.asarray(use_units, dtype=float)
    if use.shape != (n,) or (use < 0).any() or use.sum() <= 0:
        raise InputError("share_costs: use_units needs one non-negative value per brand, not all zero.")
    everyone = frozenset(range(n))
    total = float(cost(everyone))
    alone = np.array([cost(frozenset({i})) for i in range(n)])
    phi, exact = shapley_values(n, cost, samples=samples, seed=seed)
    in_core = None
    if exact:
        in_core = all(
            phi[list(s)].sum() <= cost(frozenset(s)) * (1 + 1e-9) + 1e-6
            for size in range(1, n)
            for s in itertools.combinations(range(n), size)
        )
    direct = np.zeros(n) if direct_costs is None else np.asarray(direct_costs, dtype=float)
    proportional = direct + (total - direct.sum()) * use / use.sum()
    return CostShares(
        alone=alone, proportional=proportional, shapley=phi, shared_total=total, exact=exact, in_core=in_core
    )
