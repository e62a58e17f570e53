"""Cost sharing among brands: each brand alone, use-proportional shares, Shapley value and the core check."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from siting.errors import InputError

__all__ = ["CostShares", "share_costs", "shapley_values", "shapley_sampled", "least_core", "EXACT_SHAPLEY_MAX"]

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
        Shares (they add up to ``cost(all players)``) and whether they are exact. The standard error
        of sampled values is :func:`shapley_sampled`'s.
    """
    phi, exact, _ = shapley_sampled(n, cost, samples=samples, seed=seed)
    return phi, exact


def shapley_sampled(
    n: int, cost: Callable[[frozenset[int]], float], *, samples: int = 2000, seed: int = 0
) -> tuple[np.ndarray, bool, np.ndarray]:
    """Shapley values, whether exact, and each value's standard error (0 when exact).

    Beyond :data:`EXACT_SHAPLEY_MAX` players, ``samples`` random join orders: a value is the mean of
    the player's marginal costs over the orders and its standard error their standard deviation
    over ``sqrt(samples)`` (Castro, Gomez and Tejada 2009, Computers & Operations Research 36(5)).
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
        return phi, True, np.zeros(n)
    if samples < 2:
        raise InputError("shapley_values: at least 2 sampled join orders beyond 12 brands.")
    rng = np.random.default_rng(seed)
    marginal = np.zeros((samples, n))
    for k in range(samples):
        order = rng.permutation(n)
        before: frozenset[int] = frozenset()
        prev = 0.0
        for p in order:
            now = before | {int(p)}
            value = cost(now)
            marginal[k, p] = value - prev
            before, prev = now, value
    return marginal.mean(axis=0), False, marginal.std(axis=0, ddof=1) / np.sqrt(samples)


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
        when exact; None otherwise); a coalition solved to a gap counts at its lower bound.
    shapley_se : ndarray
        Standard error of each Shapley value (0 when exact).
    core_slack : dict
        Coalition (tuple of brand indices) -> its cost's lower bound minus its members' Shapley
        shares (negative: the coalition would pay less on its own).
    recommended : ndarray
        Shapley when in the core; else the least-core allocation closest to Shapley.
    rule : str
        "shapley", "least core (Shapley not in the core)" or "shapley (sampled; core not checked)".
    """

    alone: np.ndarray
    proportional: np.ndarray
    shapley: np.ndarray
    shared_total: float
    exact: bool
    in_core: bool | None
    shapley_se: np.ndarray | None = None
    core_slack: dict[tuple[int, ...], float] | None = None
    recommended: np.ndarray | None = None
    rule: str = "shapley"

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
    lower_bound: Callable[[frozenset[int]], float] | None = None,
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
    lower_bound : callable, optional
        The solver's proven lower bound on a coalition's cost (default ``cost``): the core check
        counts a coalition solved to a gap at its bound, so no coalition is wrongly said to gain.

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
    phi, exact, se = shapley_sampled(n, cost, samples=samples, seed=seed)
    bound = lower_bound or cost
    in_core, slack, recommended, rule = None, None, phi, "shapley (sampled; core not checked)"
    if exact:
        slack = {
            s: float(bound(frozenset(s)) - phi[list(s)].sum())
            for size in range(1, n)
            for s in itertools.combinations(range(n), size)
        }
        in_core = all(v >= -(1e-9 * abs(total) + 1e-6) for v in slack.values())
        rule = "shapley"
        if not in_core:
            recommended = least_core(n, {s: float(bound(frozenset(s))) for s in slack}, total, phi)
            rule = "least core (Shapley not in the core)"
    direct = np.zeros(n) if direct_costs is None else np.asarray(direct_costs, dtype=float)
    proportional = direct + (total - direct.sum()) * use / use.sum()
    return CostShares(
        alone=alone,
        proportional=proportional,
        shapley=phi,
        shared_total=total,
        exact=exact,
        in_core=in_core,
        shapley_se=se,
        core_slack=slack,
        recommended=recommended,
        rule=rule,
    )


def least_core(n: int, coalition_cost: dict[tuple[int, ...], float], total: float, near: np.ndarray) -> np.ndarray:
    """The least-core allocation closest (L1) to ``near``: two LPs solved by HiGHS.

    First ``max eps`` subject to ``sum_{i in S} x_i <= c(S) - eps`` for every proper coalition and
    ``sum x = total`` (the least core; ``eps >= 0`` means the core is not empty); then, with ``eps``
    fixed at its optimum, ``min sum |x_i - near_i|``.

    Parameters
    ----------
    n : int
    coalition_cost : dict
        Proper coalition (tuple of indices) -> cost (or its lower bound).
    total : float
        Cost of everyone together.
    near : ndarray
        The allocation to stay close to (the Shapley value).

    Returns
    -------
    ndarray
    """
    from scipy.optimize import linprog

    coalitions = list(coalition_cost)
    rows = np.zeros((len(coalitions), n + 1))
    for r, s in enumerate(coalitions):
        rows[r, list(s)] = 1.0
        rows[r, n] = 1.0  # + eps
    b = np.array([coalition_cost[s] for s in coalitions])
    eq = np.r_[np.ones(n), 0.0][None, :]
    first = linprog(
        np.r_[np.zeros(n), -1.0],
        A_ub=rows,
        b_ub=b,
        A_eq=eq,
        b_eq=[total],
        bounds=[(None, None)] * (n + 1),
        method="highs",
    )
    if first.status != 0:
        raise InputError("least_core: the least-core LP did not solve; check the coalition costs are finite.")
    eps = float(first.x[n])
    # variables x (n), t (n): min sum t, t >= x - near, t >= near - x
    a_ub = np.zeros((len(coalitions) + 2 * n, 2 * n))
    a_ub[: len(coalitions), :n] = rows[:, :n]
    b_ub = np.r_[b - eps + 1e-9 * max(abs(total), 1.0), np.asarray(near), -np.asarray(near)]
    a_ub[len(coalitions) : len(coalitions) + n, :n] = np.eye(n)
    a_ub[len(coalitions) : len(coalitions) + n, n:] = -np.eye(n)
    a_ub[len(coalitions) + n :, :n] = -np.eye(n)
    a_ub[len(coalitions) + n :, n:] = -np.eye(n)
    second = linprog(
        np.r_[np.zeros(n), np.ones(n)],
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=np.r_[np.ones(n), np.zeros(n)][None, :],
        b_eq=[total],
        bounds=[(None, None)] * n + [(0, None)] * n,
        method="highs",
    )
    return np.asarray(second.x[:n]) if second.status == 0 else np.asarray(first.x[:n])
