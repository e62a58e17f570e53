"""Shapley shares against a hand-computed three-brand example, sampling, and the core check."""

from __future__ import annotations

import numpy as np
import pytest

from siting.share.sharing import shapley_values, share_costs

# A three-brand cost game (money per year), worked by hand:
# v(A)=100, v(B)=80, v(C)=60, v(AB)=150, v(AC)=130, v(BC)=120, v(ABC)=180.
GAME = {(): 0, (0,): 100, (1,): 80, (2,): 60, (0, 1): 150, (0, 2): 130, (1, 2): 120, (0, 1, 2): 180}


def cost(s: frozenset[int]) -> float:
    return float(GAME[tuple(sorted(s))])


def test_shapley_hand_computed() -> None:
    # A: 1/3*100 + 1/6*(150-80) + 1/6*(130-60) + 1/3*(180-120) = 33.33 + 11.67 + 11.67 + 20 = 76.67
    # B: 1/3*80 + 1/6*(150-100) + 1/6*(120-60) + 1/3*(180-130) = 26.67 + 8.33 + 10 + 16.67 = 61.67
    # C: 1/3*60 + 1/6*(130-100) + 1/6*(120-80) + 1/3*(180-150) = 20 + 5 + 6.67 + 10 = 41.67
    phi, exact = shapley_values(3, cost)
    assert exact
    np.testing.assert_allclose(phi, [230 / 3, 185 / 3, 125 / 3], rtol=1e-12)
    assert phi.sum() == pytest.approx(180.0)


def test_share_costs_proportional_core_and_alone() -> None:
    shares = share_costs(3, cost, [500, 300, 200])
    np.testing.assert_allclose(shares.proportional, [90, 54, 36])
    assert shares.shared_total == 180
    np.testing.assert_allclose(shares.alone, [100, 80, 60])
    assert shares.in_core is True
    assert not shares.better_off_alone.any()


def test_core_violation_is_found() -> None:
    bad = dict(GAME)
    bad[(0, 1, 2)] = 250  # the grand coalition costs more than A alone + BC together (100 + 120)
    shares = share_costs(3, lambda s: float(bad[tuple(sorted(s))]), [1, 1, 1])
    assert shares.in_core is False


def test_sampled_shapley_approaches_exact_for_an_additive_game() -> None:
    # 14 brands, cost = sum of stand-alone costs minus a shared fixed saving split evenly: phi_i = c_i - 10
    c = np.arange(1, 15) * 10.0

    def game(s: frozenset[int]) -> float:
        return float(sum(c[list(s)]) - 10 * len(s)) if s else 0.0

    phi, exact = shapley_values(14, game, samples=50, seed=1)
    assert not exact
    np.testing.assert_allclose(phi, c - 10, rtol=1e-9)
