"""Pre-build on the demo: all three brands peak in autumn; stock made in summer cuts autumn's offshore volume."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from siting.share import demo_share_cities, demo_share_spec, design_network, problem_from_cities
from siting.share.problem import ShareProblem


@pytest.fixture(scope="module")
def demo_few_sites() -> ShareProblem:
    """The demo's stores, brands, seasons and costs on its 8 cheapest candidate sites (solves to optimality in ~1 s;
    the full demo's chosen site helsinki:way/37286924 is among them)."""
    pb = problem_from_cities(demo_share_cities(), demo_share_spec()).problem
    keep = np.argsort(pb.rent_per_yr[:, 0], kind="stable")[:8]
    return dataclasses.replace(
        pb,
        site_ids=tuple(pb.site_ids[i] for i in keep),
        delivery_time_s=pb.delivery_time_s[keep],
        delivery_cost_per_unit=pb.delivery_cost_per_unit[keep],
        rent_per_yr=pb.rent_per_yr[keep],
        setup_per_yr=pb.setup_per_yr[keep],
        dedicated=pb.dedicated[keep],
        level_allowed=pb.level_allowed[keep],
    )


def test_prebuild_lowers_autumn_offshore_volume_on_the_demo(demo_few_sites: ShareProblem) -> None:
    pb = demo_few_sites
    autumn = pb.season_names.index("autumn")
    assert all(pb.multiplier[b, autumn] == pb.multiplier[b].max() for b in range(3))  # every brand peaks in autumn
    st = demo_share_spec().settings
    kw = dict(mip_gap=1e-4, group_time_tolerance_s=st.group_time_tolerance_s)
    carry = np.full(3, 0.3)  # money per unit per season (illustrative)
    plain = design_network(dataclasses.replace(pb, carry_cost_per_unit_season=carry), **kw)
    prebuilt = design_network(
        dataclasses.replace(pb, shelf_life_seasons=np.ones(3, dtype=int), carry_cost_per_unit_season=carry), **kw
    )
    assert plain.status == prebuilt.status == "optimal"
    weeks = pb.season_weeks
    off_plain = plain.offshore_units_per_week[:, autumn].sum() * weeks[autumn]
    off_prebuilt = prebuilt.offshore_units_per_week[:, autumn].sum() * weeks[autumn]
    assert off_prebuilt < 0.5 * off_plain  # units per year shipped offshore in autumn
    assert off_plain == pytest.approx(23821, rel=0.01) and off_prebuilt < 300  # as docs/shared-networks.md says
    assert prebuilt.carried_units_per_yr[autumn - 1, autumn] > 0  # made in summer, sold in autumn
    assert prebuilt.total_per_yr < plain.total_per_yr  # a relaxation: never dearer, here cheaper
    # the stock carried costs what the cost line says: units x seasons held x 0.3
    age = np.maximum(np.arange(4)[None, :] - np.arange(4)[:, None], 0)
    assert prebuilt.cost_per_yr["carry"] == pytest.approx((prebuilt.carried_units_per_yr * age).sum() * 0.3)
