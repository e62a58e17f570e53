"""Scenario files: every shipped scenario validates; each bad key or type is named by its key path."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import geopandas as gpd
import pytest

from siting import InputError, MissingColumnError, NoCrsError
from siting.app import check_inputs, city_inputs, load_scenario, parse_scenario, rank_options
from siting.inputs.layers import LAYER_COLUMNS
from siting.pipeline import CityInputs, RankOptions

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "siting" / "data" / "scenario_template.toml"
DEMO_CITY = {"name": "a", "demo": "kotka"}


@pytest.mark.parametrize(
    "path", [REPO / "data" / "helsinki.toml", REPO / "data" / "two_cities.toml", TEMPLATE], ids=lambda p: p.name
)
def test_shipped_scenarios_validate(path: Path) -> None:
    sc = load_scenario(path)
    assert sc.cities and sc.source == path
    opts = rank_options(sc)
    assert isinstance(opts, RankOptions)
    # what the file says is what the options hold (each flat [rank] key in its group)
    from siting.app.options import rank_keys

    for key, value in sc.raw.get("rank", {}).items():
        held: object = opts
        for part in rank_keys()[key].split("."):
            held = getattr(held, part)
        if not isinstance(value, dict) or key == "weights":
            assert held == value
        else:
            for sub, v in value.items():
                assert getattr(held, sub) == v


def _doc(**extra):
    return {"cities": [dict(DEMO_CITY)], **extra}


BAD_DOCS = [
    # (document, expected message fragment)
    ({"cities": [DEMO_CITY], "cty": 1}, "s.toml: unknown key 'cty'"),
    (
        {
            "cities": [
                DEMO_CITY,
                {
                    "name": "b",
                    "network": "x.osm.pbf",
                    "layers": {
                        "stores": {"path": "s.gpkg", "columns": {"demnd": "x"}},
                        "candidates": {"path": "c.gpkg"},
                    },
                },
            ]
        },
        "s.toml: cities[1].layers.stores.columns: unknown key 'demnd'",
    ),
    ({"cities": [{**DEMO_CITY, "k": "2"}]}, "cities[0].k: expected an integer, got a string '2'"),
    ({"cities": [{**DEMO_CITY, "k": 0}]}, "cities[0].k: must be at least 1"),
    ({"cities": [{**DEMO_CITY, "k": 1.5}]}, "cities[0].k: expected an integer"),
    ({"cities": [{"demo": "kotka"}]}, "cities[0]: missing key 'name'"),
    ({"cities": [DEMO_CITY, DEMO_CITY]}, "cities[1].name: 'a' appears twice"),
    ({"cities": [{**DEMO_CITY, "demo": "oslo"}]}, "cities[0].demo: unknown demo city 'oslo'"),
    ({"cities": [{**DEMO_CITY, "mode": "boat"}]}, "cities[0].mode: unknown mode 'boat'"),
    ({"cities": [{"name": "b", "network": "x.osm.pbf"}]}, "cities[0].layers: missing the stores layer"),
    (
        {"cities": [{"name": "b", "layers": {"stores": {"path": "s.gpkg"}, "candidates": {"path": "c.gpkg"}}}]},
        "cities[0]: missing key 'network'",
    ),
    ({"cities": [{**DEMO_CITY, "layers": {"stores": {"path": 3}}}]}, "cities[0].layers.stores.path: expected a path"),
    ({"cities": [{**DEMO_CITY, "layers": {"shops": {"path": "s.gpkg"}}}]}, "cities[0].layers: unknown key 'shops'"),
    ({"cities": []}, "cities: a scenario needs at least one city"),
    ({"cities": {"name": "a"}}, "cities: expected an array"),
    (_doc(seed=True), "seed: expected an integer, got a boolean"),
    (_doc(outputs={"format": "xlsx"}), "outputs.format: expected one of 'csv', 'gpkg', 'parquet', 'json'"),
    (_doc(outputs={"map": "yes"}), "outputs.map: expected true or false"),
    (_doc(rank={"reach_time_s": "10 min"}), "rank.reach_time_s: expected a number, got a string"),
    (_doc(rank={"weights": {"delivery_time_s": 1, "beauty": 2}}), "rank.weights: unknown criterion 'beauty'"),
    (_doc(rank={"weights": {"delivery_time_s": "high"}}), "rank.weights.delivery_time_s: expected a number"),
    (_doc(rank={"filters": {"max_rent_per_yr": 1e5, "bogus": 1}}), "rank.filters: unknown key 'bogus'"),
    (_doc(rank={"robustness": {"samples": "many"}}), "rank.robustness.samples: expected an integer"),
    (_doc(rank={"normalisation": "zscore"}), "rank.normalisation: expected one of 'minmax', 'rank', got 'zscore'"),
    (_doc(rank={"speed": 3}), "rank: unknown key 'speed'"),
    (_doc(rank={"robustness": {"min_p_first": 2.0}}), "rank.robustness: robustness: min_p_first"),
    (_doc(rank={"products": "p.csv"}), "rank.products: give product families as a CSV file in [costs]"),
    (_doc(vehicles={"use": "rocket"}), "vehicles.use: unknown vehicle 'rocket'"),
    (_doc(vehicles={"fleet": "x"}), "vehicles: unknown key 'fleet'"),
    (_doc(costs={"products": 5}), "costs.products: expected a path string"),
]


@pytest.mark.parametrize(
    "doc, message", BAD_DOCS, ids=[m.split(":")[0 if m.startswith("cities") else -1][:40] for _, m in BAD_DOCS]
)
def test_bad_keys_and_types_name_the_key_path(doc, message) -> None:
    with pytest.raises(InputError) as info:
        parse_scenario(doc, source="s.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("s.toml: ")


def test_load_scenario_file_errors(tmp_path: Path, typo_scenario: Path) -> None:
    with pytest.raises(InputError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.toml: not valid TOML"):
        load_scenario(bad)
    with pytest.raises(InputError) as info:
        load_scenario(typo_scenario)
    assert f"{typo_scenario}: cities[1].layers.stores.columns: unknown key 'demnd'" in str(info.value)


def _scalar(tp):
    """A sample TOML value for a scalar type hint (None when the type is not a plain scalar)."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    tp = args[0] if typing.get_origin(tp) in (typing.Union, __import__("types").UnionType) and len(args) == 1 else tp
    return {float: 0.5, int: 3, bool: True}.get(tp)


def test_every_scalar_rank_option_can_be_set_from_a_scenario() -> None:
    """The scenario follows RankOptions generically: each numeric/bool field (grouped or nested) maps through
    from its flat ``[rank]`` key."""
    from siting.app.options import rank_keys

    checked = 0
    for key, where in rank_keys().items():
        owner = RankOptions()
        for part in where.split(".")[:-1]:
            owner = getattr(owner, part)
        tp = typing.get_type_hints(type(owner))[key]
        path = where.split(".")
        if dataclasses.is_dataclass(tp):
            sub_hints = typing.get_type_hints(tp)
            for sub in dataclasses.fields(tp):
                value = _scalar(sub_hints[sub.name])
                if value is None:
                    continue
                got = rank_options(parse_scenario(_doc(rank={key: {sub.name: value}}), source="s.toml"))
                for part in path:
                    got = getattr(got, part)
                assert getattr(got, sub.name) == value, (key, sub.name)
                checked += 1
        else:
            value = _scalar(tp)
            if value is None:
                continue
            got = rank_options(parse_scenario(_doc(rank={key: value}), source="s.toml"))
            for part in path:
                got = getattr(got, part)
            assert got == value, key
            checked += 1
    assert checked >= 25


def test_scenario_level_settings_fill_rank_options() -> None:
    sc = parse_scenario(_doc(seed=7, vehicles={"use": "ecargo_bike"}), source="s.toml")
    opts = rank_options(sc)
    assert opts.lanes.lane_params.vehicle == "ecargo_bike"
    assert opts.robustness.seed == 7
    # an explicit [rank] value wins over the scenario-level one
    sc = parse_scenario(
        _doc(
            seed=7,
            vehicles={"use": "ecargo_bike"},
            rank={"lane_params": {"vehicle": "van_avg_bev"}, "robustness": {"seed": 1}},
        ),
        source="s.toml",
    )
    opts = rank_options(sc)
    assert (opts.lanes.lane_params.vehicle, opts.robustness.seed) == ("van_avg_bev", 1)
    assert rank_options(sc, reach_time_s=120.0).reach.reach_time_s == 120.0


@pytest.fixture(scope="module")
def user_files(tmp_path_factory) -> Path:
    """A user's own files: the Kotka demo layers saved with the user's own column names."""
    from siting.inputs.demo import demo_city

    d = tmp_path_factory.mktemp("own")
    kotka = demo_city("kotka")
    kotka.stores.rename(columns={"store_id": "shop_code", "demand_units_per_week": "units"}).to_crs(4326).to_file(
        d / "shops.gpkg"
    )
    sites = kotka.candidates.rename(columns={"site_id": "code", "floor_area_m2": "area"})
    sites.to_crs(4326).to_file(d / "sites.geojson", driver="GeoJSON")
    pts = kotka.population.to_crs(4326)
    pts = pts.assign(lon=pts.geometry.representative_point().x, lat=pts.geometry.representative_point().y)
    pts.drop(columns="geometry").rename(columns={"population": "people"}).to_csv(d / "people.csv", index=False)
    kotka.rents.to_parquet(d / "rents.parquet")
    (d / "scenario.toml").write_text(
        f'name = "own"\ncurrency = "EUR"\n[[cities]]\nname = "kotka"\nnetwork = "{kotka.osm_path}"\nk = 2\n'
        '[cities.layers.stores]\npath = "shops.gpkg"\ncolumns = { id = "shop_code", demand = "units" }\n'
        '[cities.layers.candidates]\npath = "sites.geojson"\ncolumns = { id = "code", floor_area = "area" }\n'
        '[cities.layers.population]\npath = "people.csv"\ncolumns = { population = "people" }\n'
        '[cities.layers.rents]\npath = "rents.parquet"\n',
        encoding="utf-8",
    )
    return d


def test_city_inputs_reads_every_format_with_column_mappings(user_files: Path) -> None:
    sc = load_scenario(user_files / "scenario.toml")
    (city,) = city_inputs(sc)
    assert isinstance(city, CityInputs) and city.name == "kotka"
    for kind, gdf in (
        ("stores", city.stores),
        ("candidates", city.candidates),
        ("population", city.population),
        ("rents", city.rents),
    ):
        assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs is not None and len(gdf)
        assert LAYER_COLUMNS[kind]["id"] in gdf.columns
    assert "demand_units_per_week" in city.stores.columns and "units" not in city.stores.columns
    assert "floor_area_m2" in city.candidates.columns
    lines = check_inputs(sc)
    assert any(line.startswith("city kotka:") and "stores" in line for line in lines)


def _variant(src: Path, dst: Path, text_from: str, text_to: str) -> Path:
    text = (src / "scenario.toml").read_text(encoding="utf-8").replace(text_from, text_to)
    dst.write_text(text, encoding="utf-8")
    return dst


def test_check_inputs_catches_each_error_class_without_building_a_network(user_files, tmp_path, forbid_network_build):
    gpd.read_file(user_files / "shops.gpkg").drop(columns="units").to_file(tmp_path / "nodemand.gpkg")
    nocrs = gpd.read_parquet(user_files / "rents.parquet")
    nocrs = nocrs.set_crs(None, allow_override=True)
    nocrs.to_parquet(tmp_path / "nocrs.parquet")
    (tmp_path / "vehicles.csv").write_text("vehicle_id,payload_kg\nmy_van,-5\n", encoding="utf-8")
    (tmp_path / "products.csv").write_text("family,price_per_unit\nshirts,20\n", encoding="utf-8")
    cases = [
        (f'path = "{user_files}/shops.gpkg"', 'path = "missing.gpkg"', InputError, "stores file not found"),
        (f'path = "{user_files}/shops.gpkg"', f'path = "{tmp_path}/nodemand.gpkg"', MissingColumnError, "units"),
        (f'path = "{user_files}/rents.parquet"', f'path = "{tmp_path}/nocrs.parquet"', NoCrsError, "no CRS"),
        ('network = "', 'network = "/nowhere/', InputError, "network file not found"),
        (None, f'[vehicles]\nfile = "{tmp_path}/vehicles.csv"', InputError, "vehicles.file: "),
        (None, f'[costs]\nproducts = "{tmp_path}/products.csv"', MissingColumnError, "missing column"),
    ]
    src = (user_files / "scenario.toml").read_text(encoding="utf-8")
    for i, (old, new, error, fragment) in enumerate(cases):
        text = src.replace('path = "shops.gpkg"', f'path = "{user_files}/shops.gpkg"')
        text = text.replace('path = "rents.parquet"', f'path = "{user_files}/rents.parquet"')
        text = text.replace('path = "sites.geojson"', f'path = "{user_files}/sites.geojson"')
        text = text.replace('path = "people.csv"', f'path = "{user_files}/people.csv"')
        assert old is None or old in text, old
        path = tmp_path / f"case{i}.toml"
        path.write_text(text + new + "\n" if old is None else text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(error) as info:
            check_inputs(load_scenario(path))
        assert fragment in str(info.value), (i, str(info.value))


def test_relative_paths_resolve_against_the_scenario_folder(user_files, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    sc = load_scenario(user_files / "scenario.toml")
    assert sc.cities[0].layers.stores.path == user_files / "shops.gpkg"
    assert city_inputs(sc)[0].stores is not None


def test_check_inputs_reads_layer_files_named_in_rank_options(user_files, tmp_path) -> None:
    zones = gpd.read_parquet(user_files / "rents.parquet").head(2)
    zones.to_file(tmp_path / "flood.gpkg")
    text = (user_files / "scenario.toml").read_text(encoding="utf-8").replace('path = "', f'path = "{user_files}/')
    ok = tmp_path / "ok.toml"
    ok.write_text(text + '[rank.filters]\nexcluded_zones = "flood.gpkg"\n', encoding="utf-8")
    sc = load_scenario(ok)
    assert rank_options(sc).filters.excluded_zones == str(tmp_path / "flood.gpkg")  # relative to the scenario
    assert "rank.filters.excluded_zones: 2 features" in "\n".join(check_inputs(sc))
    missing = tmp_path / "missing.toml"
    missing.write_text(text + '[rank.filters]\nexcluded_zones = "gone.gpkg"\n', encoding="utf-8")
    with pytest.raises(InputError, match="gone.gpkg: file not found"):
        check_inputs(load_scenario(missing))


def test_vehicle_from_a_file_drives_the_lanes(tmp_path: Path) -> None:
    """A vehicle defined only in the scenario's vehicle file prices the lanes of the ranking."""
    from siting.delivery.emissions import VEHICLES
    from siting.pipeline import run

    (tmp_path / "fleet.csv").write_text(
        "vehicle_id,payload_kg,ttw_kg_per_km,wtt_kg_per_km\nmy_van,600,0.5,0.1\n", encoding="utf-8"
    )
    doc = _doc(vehicles={"use": "my_van", "file": str(tmp_path / "fleet.csv")})
    sc = parse_scenario(doc, source="s.toml")
    opts = rank_options(sc)
    assert opts.lanes.lane_params.vehicle == "my_van" and "my_van" in opts.lanes.vehicles and "my_van" not in VEHICLES
    city = city_inputs(sc)[0]
    lanes = run([city], opts).cities[city.name].lanes
    assert set(lanes["vehicle"]) == {"my_van"}
    km = lanes["vehicle_km_per_week"].sum()
    assert lanes["co2e_ttw_kg_per_week"].sum() == pytest.approx(0.5 * km, rel=1e-9)
    assert lanes["co2e_wtt_kg_per_week"].sum() == pytest.approx(0.1 * km, rel=1e-9)


def test_a_city_mode_builds_that_citys_network() -> None:
    """`mode` of one city in a scenario reaches the network build of that city only."""
    from siting.pipeline import run

    doc = {
        "cities": [{"name": "a", "demo": "kotka", "mode": "bike"}, {"name": "b", "demo": "kotka"}],
        "rank": {"required_floor_area_m2": 300},
    }
    cities = city_inputs(parse_scenario(doc, source="s.toml"))
    assert [c.mode for c in cities] == ["bike", None]
    result = run(cities, rank_options(parse_scenario(doc, source="s.toml")))
    assert result.cities["a"].graph.graph["mode"] == "bike"
    assert result.cities["b"].graph.graph["mode"] == "drive"
    assert len(result.cities["a"].graph) != len(result.cities["b"].graph)


def test_the_demo_is_defined_once():
    """`siting rank` with no scenario, data/helsinki.toml and the packaged demo file resolve to the same run."""
    import dataclasses as dc

    from siting.app import demo_scenario, rank_options
    from siting.cli.run_commands import _demo_scenario

    packaged = demo_scenario("helsinki")
    repo = load_scenario(REPO / "data" / "helsinki.toml")
    cli = _demo_scenario("helsinki")
    assert cli == packaged
    assert (REPO / "data" / "products.csv").read_bytes() == Path(packaged.costs.products).read_bytes()
    for field in ("name", "currency", "seed", "cities", "rank", "vehicles", "outputs"):
        assert getattr(repo, field) == getattr(packaged, field), field
    a, b = rank_options(repo), rank_options(packaged)
    no_products = dc.replace(a.costs, products=())
    assert dc.replace(a, costs=no_products) == dc.replace(b, costs=dc.replace(b.costs, products=()))
    assert a.costs.products == b.costs.products
