"""SKU popularity from a CSV and the offshore MOQ per style with a size curve (issue 22).

Checks: shares read from a CSV price exactly as the same Zipf curve does (in any order and scale);
an offshore MOQ per style on equal shares is, by hand, ``m`` single-SKU families each at ``MOQ / m``;
a style MOQ never costs more than the same MOQ per SKU; model against the per-SKU simulation within
1% / 0.005 for both bases on a six-size curve; families.csv states the basis and the curve.
"""

from __future__ import annotations

import dataclasses

import pytest

from siting.costs import family_cost, family_costs, load_products, simulate_family
from siting.costs.products import example_products_path, load_sku_popularity
from siting.costs.skus import sku_shares
from siting.errors import InputError

CSV = {p.family: p for p in load_products(example_products_path())}
SIZES = (0.05, 0.15, 0.3, 0.3, 0.15, 0.05)  # XS .. XXL


def test_csv_shares_price_as_the_same_zipf_curve():
    zipf = dataclasses.replace(CSV["fashion_top"], skus=12, sku_zipf_exponent=0.8)
    # the same curve, least popular first and in units sold rather than shares
    given = dataclasses.replace(CSV["fashion_top"], sku_popularity=tuple(sku_shares(12, 0.8)[::-1] * 700.0))
    assert given.skus == 12 and given.sku_popularity[0] > given.sku_popularity[-1]
    for source in ("local", "offshore"):
        assert family_cost(given, source).cost_per_unit == pytest.approx(
            family_cost(zipf, source).cost_per_unit, rel=1e-9
        )


def test_style_moq_on_equal_shares_by_hand():
    """m equal SKUs, MOQ per style: each SKU is a single-SKU family with mean / m, std / sqrt(m), MOQ / m."""
    p = dataclasses.replace(CSV["fashion_top"], demand_mean_units_per_week=600.0, demand_std_units_per_week=120.0)
    style = dataclasses.replace(p, sku_popularity=(1.0,) * 4, moq_offshore_basis="style")
    one = dataclasses.replace(
        p, demand_mean_units_per_week=150.0, demand_std_units_per_week=60.0, moq_offshore_units=750
    )
    assert family_cost(style, "offshore").cost_per_unit == pytest.approx(family_cost(one, "offshore").cost_per_unit)
    per_sku = dataclasses.replace(style, moq_offshore_basis="sku")
    assert family_cost(style, "offshore").cost_per_unit < family_cost(per_sku, "offshore").cost_per_unit


@pytest.mark.parametrize("basis", ["sku", "style"])
def test_size_curve_within_one_percent_of_simulation(basis):
    p = dataclasses.replace(CSV["fashion_top"], sku_popularity=SIZES, moq_offshore_basis=basis)
    for source in ("local", "offshore"):
        model = family_cost(p, source, 1955.0)
        sim = simulate_family(p, source, 1955.0, seasons=20_000, seed=3)
        assert model.cost_per_unit == pytest.approx(sim.cost_per_unit, rel=0.01)
        assert model.fill_rate == pytest.approx(sim.fill_rate, abs=0.005)


def test_popularity_csv_read_and_reported(tmp_path):
    path = tmp_path / "popularity.csv"
    path.write_text("family,sku,share\nfashion_top,S,30\nfashion_top,M,50\nfashion_top,L,20\nregional_print,a,1\n")
    shares = load_sku_popularity(path)
    assert shares == {"fashion_top": (30.0, 50.0, 20.0), "regional_print": (1.0,)}
    products = {p.family: p for p in load_products(example_products_path(), sku_popularity=path)}
    assert products["fashion_top"].sku_popularity == pytest.approx((0.5, 0.3, 0.2))
    assert products["fashion_top"].skus == 3 and products["basic_tshirt"].sku_popularity == ()
    table = family_costs(tuple(products.values())).set_index("family")
    assert table.loc["fashion_top", "sku_popularity"] == "csv"
    assert table.loc["basic_tshirt", "sku_popularity"] == "zipf 1"
    assert table.loc["fashion_top", "moq_offshore_basis"] == "per SKU"
    assert table.loc["fashion_top", "skus"] == 3


@pytest.mark.parametrize(
    "body,words",
    [
        ("family,sku,share\nfashion_top,S,-1\n", ("line 2", "'share'")),
        ("family,sku,share\nfashion_top,S,nan\n", ("line 2", "'share'")),
        ("family,sku,share\nfashion_top,S,inf\n", ("line 2", "'share'")),
        ("family,sku,share\nfashion_top,S,0\n", ("line 2", "'share'")),
        ("family,sku,share\nfashion_top,S,lots\n", ("line 2", "'share'")),
        ("family,sku,share\n", ("no SKUs",)),
        ("family,sku,share\nfashion_top,S,1\nfashion_top,S,2\n", ("'S'", "twice")),
        ("family,share\nfashion_top,1\n", ("'sku'",)),
        ("family,sku,share\nnobody,S,1\n", ("'nobody'",)),
    ],
)
def test_bad_popularity_refused(tmp_path, body, words):
    path = tmp_path / "popularity.csv"
    path.write_text(body)
    with pytest.raises(InputError) as err:
        load_products(example_products_path(), sku_popularity=path)
    for w in words:
        assert w in str(err.value)
