"""The coalitions of an exact Shapley value are solved side by side, with the costs of one at a time."""

from __future__ import annotations

import itertools

import pytest

from share.test_runcount import small_instance
from siting.share import study
from siting.share.inputs import ShareSettings

SETTINGS = ShareSettings()


def _every(n: int) -> list[frozenset[int]]:
    return [frozenset(c) for size in range(1, n) for c in itertools.combinations(range(n), size)]


def _costs(pb, threads: int) -> dict[frozenset[int], tuple[float, float]]:
    """Every proper coalition's cost and lower bound, as the cost shares read them."""
    full = study._design(
        pb, None, SETTINGS.sla_mix_rounds, time_limit_s=SETTINGS.time_limit_s, mip_gap=SETTINGS.mip_gap
    )
    cost_of, bound_of = study._coalition_cost(pb, SETTINGS, full, threads)
    return {c: (cost_of(c), bound_of(c)) for c in _every(len(pb.brand_names))}


@pytest.mark.parametrize("seed", [1])
def test_two_threads_give_each_coalition_the_cost_of_its_own_solve(seed, monkeypatch) -> None:
    pb = small_instance(seed)
    two = _costs(pb, 2)
    monkeypatch.setattr(study, "EXACT_SHAPLEY_MAX", 0)  # no solves up front: each asked for on its own
    alone = _costs(pb, 1)
    assert len({v for v, _ in alone.values()}) > 1  # the coalitions differ: a cost given to the wrong one shows
    assert two == alone  # bit for bit: each solve is stopped by its node limit, not the clock


def test_every_coalition_is_solved_up_front_largest_first(monkeypatch) -> None:
    pb = small_instance(1)
    full = study._design(
        pb, None, SETTINGS.sla_mix_rounds, time_limit_s=SETTINGS.time_limit_s, mip_gap=SETTINGS.mip_gap
    )
    asked: list[list[frozenset[int]]] = []
    real_map = study.map_in_threads

    def spy(fn, items, threads=None):
        asked.append(list(items))
        return real_map(fn, items, threads)

    monkeypatch.setattr(study, "map_in_threads", spy)
    cost_of, _ = study._coalition_cost(pb, SETTINGS, full, 2)
    assert len(asked) == 1 and sorted(asked[0], key=sorted) == sorted(_every(3), key=sorted)
    assert [len(c) for c in asked[0]] == [2, 2, 2, 1, 1, 1]
    solved: list = []
    monkeypatch.setattr(study, "_design", lambda *a, **k: solved.append(a))
    for c in _every(3):
        cost_of(c)
    assert solved == []  # the shares read the solves made up front
