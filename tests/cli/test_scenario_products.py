"""[costs] sku_popularity and order_history in a scenario: applied to the products of `siting rank` and a city."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
from cli_runner import run_cli

from siting.costs.products import example_products_path

POPULARITY = "family,sku,share\nbasic_tshirt,white_m,50\nbasic_tshirt,black_m,30\nbasic_tshirt,grey_s,20\n"
# fashion_top: SKU a orders 20, 30, 25 units in weeks 1, 3, 6; SKU b 10, 12 in weeks 2, 7 (history weeks 1-7)
HISTORY = "family,sku,week,units\nfashion_top,a,1,20\nfashion_top,a,3,30\nfashion_top,b,2,10\nfashion_top,a,6,25\n"
HISTORY += "fashion_top,b,7,12\n"


def _croston_sba_mean(orders: list[tuple[int, float]], start: int, alpha: float = 0.1) -> float:
    """Croston-SBA by hand: size z and interval p smoothed at each order, mean (1 - a/2) z / p."""
    z, p = orders[0][1], orders[0][0] - (start - 1)
    last = orders[0][0]
    for week, size in orders[1:]:
        z += alpha * (size - z)
        p += alpha * ((week - last) - p)
        last = week
    return (1 - alpha / 2) * z / p


def _scenario(folder: Path, costs: str, city: str = "") -> Path:
    shutil.copyfile(example_products_path(), folder / "products.csv")
    (folder / "popularity.csv").write_text(POPULARITY, encoding="utf-8")
    (folder / "history.csv").write_text(HISTORY, encoding="utf-8")
    body = f'name = "t"\n[[cities]]\nname = "kotka"\ndemo = "kotka"\n{city}[costs]\n{costs}'
    path = folder / "sc.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_rank_applies_sku_popularity_and_order_history_from_the_scenario(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    sub = tmp_path / "scenario"  # relative paths resolve against the scenario file, not the working folder
    sub.mkdir()
    costs = 'products = "products.csv"\nsku_popularity = "popularity.csv"\norder_history = "history.csv"\n'
    sc = _scenario(sub, costs)
    code, _, err = run_cli("rank", sc, "--out", "out", "--no-map")
    assert code == 0, err
    fam = pd.read_csv(tmp_path / "out" / "families.csv").drop_duplicates("family").set_index("family")
    assert fam.loc["basic_tshirt", "sku_popularity"] == "csv" and fam.loc["basic_tshirt", "skus"] == 3
    assert fam.loc["fashion_top", "sku_popularity"] == "csv" and fam.loc["fashion_top", "skus"] == 2
    assert fam.loc["artist_collab", "sku_popularity"].startswith("zipf")


def test_a_citys_own_products_take_the_families_they_have(tmp_path: Path) -> None:
    from siting.app import city_inputs, load_scenario

    sc = _scenario(tmp_path, 'sku_popularity = "popularity.csv"\norder_history = "history.csv"\n')
    table = pd.read_csv(tmp_path / "products.csv")
    table[table["family"].isin(["fashion_top", "spare_parts"])].to_csv(tmp_path / "city.csv", index=False)
    text = sc.read_text(encoding="utf-8").replace('demo = "kotka"\n', 'demo = "kotka"\nproducts = "city.csv"\n')
    sc.write_text(text, encoding="utf-8")
    (city,) = city_inputs(load_scenario(sc))
    by = {p.family: p for p in city.products}
    assert set(by) == {"fashion_top", "spare_parts"}  # basic_tshirt of popularity.csv skipped for this city
    top = by["fashion_top"]
    a = _croston_sba_mean([(1, 20.0), (3, 30.0), (6, 25.0)], start=1)
    b = _croston_sba_mean([(2, 10.0), (7, 12.0)], start=1)
    assert math.isclose(top.demand_mean_units_per_week, a + b, rel_tol=1e-12)
    assert top.distribution == "negbin" and top.skus == 2
    assert math.isclose(sum(top.sku_popularity), 1.0) and math.isclose(top.sku_popularity[0], a / (a + b))
    assert by["spare_parts"].sku_popularity == ()
