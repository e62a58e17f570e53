"""The frontier redrawn (issue 22): every crossing listed, where local wins, and a figure with no blank panel.

The crossings are checked against an independent scan: the saving (offshore minus local landed cost
per unit) priced through :func:`siting.costs.family_cost` plus the same overheads per unit, on a
grid four times finer than the frontier's own, every sign change located.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from siting.costs import family_cost, frontier, frontier_figure, load_products, mix_for_demand
from siting.costs.families import MAP_INPUT
from siting.costs.products import example_products_path

MIX = mix_for_demand(load_products(example_products_path()), 8008.0)
UNITS = 8008.0 * 52
KW = dict(site_cost_per_yr=0.3 * UNITS, delivery_cost_per_yr=0.8 * UNITS, offshore_delivery_cost_per_yr=1.1 * UNITS)


@pytest.fixture(scope="module")
def traced():
    fams = [p for p in MIX if p.family in ("fashion_top", "spare_parts")]
    units = sum(p.demand_mean_units_per_week for p in fams) * 52
    kw = {k: v * units / UNITS for k, v in KW.items()}  # the same overheads per unit as the whole mix
    return frontier(fams, **kw)


def _saving(p, **change) -> float:
    q = dataclasses.replace(p, **change)
    local = family_cost(q, "local").cost_per_unit + 0.3 + 0.8
    offshore = family_cost(q, "offshore").cost_per_unit + 1.1
    return offshore - local


def test_every_crossing_of_the_season_is_listed(traced):
    table, _ = traced
    p = next(f for f in MIX if f.family == "fashion_top")
    row = table[(table["family"] == "fashion_top") & (table["input"] == "season_weeks")].iloc[0]
    listed = [float(x.split(" ")[0]) for x in row["crossings"].split("; ")]
    grid = np.linspace(1.0, 52.0, 97)
    values = np.array([_saving(p, season_weeks=float(w)) for w in grid])
    changes = [(grid[i], grid[i + 1]) for i in range(len(grid) - 1) if np.sign(values[i]) != np.sign(values[i + 1])]
    assert len(changes) == len(listed) >= 2  # fashion_top: local only inside a range of season lengths
    for (a, b), x in zip(changes, listed):
        assert a - 1e-6 <= x <= b + 1e-6
    # the range is printed to 3 significant figures from the exact roots (the crossings column to more)
    where = [float(x) for x in row["local_cheaper_where"].split("-")]
    assert where == pytest.approx(listed[:2], abs=0.051)
    assert (round(listed[0]), round(listed[1])) == (6, 52)  # docs/methods/costs.md
    docs = (Path(__file__).resolve().parents[2] / "docs" / "methods" / "costs.md").read_text(encoding="utf-8")
    assert "local only for seasons between 6 and 52 weeks" in " ".join(docs.split())
    inside = 0.5 * (listed[0] + listed[1])
    assert _saving(p, season_weeks=inside) > 0 > _saving(p, season_weeks=1.0)


def test_the_map_is_the_saving_on_a_grid(traced):
    _, curves = traced
    cells = curves[(curves["family"] == "fashion_top") & (curves["input"] == MAP_INPUT)]
    assert len(cells) == 7 * 9
    p = next(f for f in MIX if f.family == "fashion_top")
    for cell in cells.sample(4, random_state=1).itertuples():
        want = _saving(p, forecast_cv_preseason=cell.value, moq_offshore_units=cell.moq_offshore_units)
        assert cell.saving_vs_offshore_per_unit == pytest.approx(want, abs=1e-9)
    assert cells["saving_vs_offshore_per_unit"].min() < 0 < cells["saving_vs_offshore_per_unit"].max()
    assert not len(curves[(curves["family"] == "spare_parts") & (curves["input"] == MAP_INPUT)])  # Poisson


def test_the_figure_has_no_blank_panel(traced, tmp_path):
    import matplotlib.image

    table, curves = traced
    path = frontier_figure(curves, table, tmp_path / "frontier.png")
    image = matplotlib.image.imread(path)[..., :3]
    height, width = image.shape[:2]
    top = int(0.05 * height)  # below the title
    rows, cols = 2, 4
    for r in range(rows):
        for c in range(cols):
            cell = image[top + r * (height - top) // rows : top + (r + 1) * (height - top) // rows]
            cell = cell[:, c * width // cols : (c + 1) * width // cols]
            ink = float((cell.mean(axis=2) < 0.8).mean())
            assert ink > 0.003, (r, c, ink)  # every panel draws something or says why it has nothing
