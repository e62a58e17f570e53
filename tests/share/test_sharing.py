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


def _game(values: dict[tuple[int, ...], float]):
    return lambda s: values[tuple(sorted(s))] if s else 0.0


def test_shapley_outside_the_core_falls_back_to_the_least_core() -> None:
    """Worked by hand: c(i) = 1, c(12) = 1, c(13) = c(23) = 1.5, c(123) = 2. Shapley = (7/12, 7/12, 5/6) gives
    brands 1 and 2 together 7/6 > 1 (slack -1/6); the core is the single point (0.5, 0.5, 1)."""
    from siting.share.sharing import share_costs

    cost = _game({(0,): 1, (1,): 1, (2,): 1, (0, 1): 1, (0, 2): 1.5, (1, 2): 1.5, (0, 1, 2): 2})
    out = share_costs(3, cost, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(out.shapley, [7 / 12, 7 / 12, 5 / 6], rtol=1e-12)
    assert out.in_core is False and out.rule.startswith("least core")
    assert out.core_slack is not None and out.core_slack[(0, 1)] == pytest.approx(-1 / 6)
    np.testing.assert_allclose(out.recommended, [0.5, 0.5, 1.0], atol=1e-7)


def test_core_check_counts_a_coalition_at_its_lower_bound() -> None:
    from siting.share.sharing import share_costs

    values = {(0,): 10, (1,): 10, (2,): 10, (0, 1): 10, (0, 2): 20, (1, 2): 20, (0, 1, 2): 20}
    exact = share_costs(3, _game(values), [1.0, 1.0, 1.0])
    assert exact.in_core and exact.rule == "shapley"  # Shapley (5, 5, 10): pairs pay 10, 15, 15
    # the pair {0, 1} solved to a gap: its bound is 9.5, so the Shapley shares (10 together) are not proven stable
    bounded = share_costs(
        3, _game(values), [1.0, 1.0, 1.0], lower_bound=lambda s: _game(values)(s) - 0.5 * (s == {0, 1})
    )
    assert bounded.core_slack is not None and bounded.core_slack[(0, 1)] == pytest.approx(-0.5)
    assert bounded.in_core is False


def test_sampled_shapley_states_its_error_beyond_12_brands() -> None:
    """13 identical brands with economies of scale (cost = sqrt of total volume): by symmetry each pays c(N)/13;
    the sampled values are within 4 stated standard errors of it."""
    from siting.share.sharing import shapley_sampled

    phi, exact, se = shapley_sampled(13, lambda s: float(np.sqrt(len(s))), samples=400, seed=1)
    assert not exact and (se > 0).all()
    assert (np.abs(phi - np.sqrt(13) / 13) <= 4 * se).all()
    assert phi.sum() == pytest.approx(np.sqrt(13))
