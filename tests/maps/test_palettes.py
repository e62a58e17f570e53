"""Tests of siting.maps.palettes: one distinct colour-blind-safe colour per category."""

from __future__ import annotations

import re

import pytest

from siting.maps.palettes import OKABE_ITO, TOL_RAINBOW, categorical_colours


@pytest.mark.parametrize("n", range(24))
def test_n_categories_get_n_distinct_colours(n):
    colours = categorical_colours(n)
    assert len(colours) == n and len(set(colours)) == n
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colours)


def test_published_sets_are_used_as_published():
    assert categorical_colours(8) == OKABE_ITO  # Okabe & Ito (2008), black last
    assert set(OKABE_ITO) == {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    # Tol (2021) fig. 22: the set for 10 is not the set for 9 with one more (it is chosen per count)
    assert categorical_colours(9) == TOL_RAINBOW[9] and categorical_colours(10) == TOL_RAINBOW[10]
    assert (
        TOL_RAINBOW[10][:6] == TOL_RAINBOW[9][:6] and "#EE8026" in TOL_RAINBOW[9] and "#EE8026" not in TOL_RAINBOW[10]
    )


def test_beyond_23_colours_repeat_with_a_warning(caplog):
    colours = categorical_colours(25)
    assert len(colours) == 25 and len(set(colours)) == 23
    assert "only 23 distinct" in caplog.text
