"""The fast learning path (issue 22) against the values the per-re-order loop gave before it was vectorised.

``data/learning_reference.json`` holds the figures :func:`siting.costs.family_cost` returned with
``reorder_forecast`` ``kalman`` (with and without a test drop) and ``prior``, computed by the code before the
speed-up (commit c22f9b6) on a grid of the example families, volumes and both sources. It is a regression
check only: the model itself is held to the simulation in ``test_learning.py``. Regenerate with
``python tests/costs/test_learning_fast.py`` (only on purpose: after a model change, not a speed-up).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from siting.costs import family_cost, load_products
from siting.costs.products import example_products_path

REFERENCE = Path(__file__).parent / "data" / "learning_reference.json"
FAMILIES = {p.family: p for p in load_products(example_products_path())}
VOLUME_SHARES = (0.05, 0.3, 1.0, 4.0)  # of the family's own weekly mean
POLICIES = {
    "kalman": {"reorder_forecast": "kalman"},
    "test_drop": {"reorder_forecast": "kalman", "test_drop_units": 40.0},
    "prior": {"reorder_forecast": "prior"},
    "kalman_skus": {"reorder_forecast": "kalman", "skus": 4},
}
GRID = [
    (name, share, source, policy)
    for name in FAMILIES
    for share in VOLUME_SHARES
    for source in ("local", "offshore")
    for policy in POLICIES
    if not (policy == "test_drop" and source == "offshore")
]
FIGURES = ("cost_per_unit", "fill_rate", "lost_units_per_season", "written_off_units_per_season", "orders_per_season")


def _figures(name: str, share: float, source: str, policy: str) -> dict[str, float]:
    family = FAMILIES[name]
    cost = family_cost(family, source, family.demand_mean_units_per_week * share, **POLICIES[policy])  # type: ignore[arg-type]
    return {f: float(getattr(cost, f)) for f in FIGURES}


def _key(name: str, share: float, source: str, policy: str) -> str:
    return f"{name}|{share}|{source}|{policy}"


@pytest.mark.parametrize("name,share,source,policy", GRID, ids=[_key(*g) for g in GRID])
def test_fast_path_matches_the_reference(name, share, source, policy):
    want = json.loads(REFERENCE.read_text())[_key(name, share, source, policy)]
    got = _figures(name, share, source, policy)
    for figure, value in want.items():
        assert math.isclose(got[figure], value, rel_tol=1e-9, abs_tol=1e-9), (figure, got[figure], value)


if __name__ == "__main__":  # regenerate the reference (see the module docstring)
    out = {_key(*g): _figures(*g) for g in GRID}
    REFERENCE.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(out)} cases written to {REFERENCE}", file=sys.stderr)
