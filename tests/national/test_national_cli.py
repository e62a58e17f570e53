"""`siting rank --scheduler`: a scenario mixing a named city and clusters = "auto", serial and on Dask."""

from __future__ import annotations

import json

import pytest

from siting.app import city_inputs, load_scenario
from siting.cli import main
from siting.national.synthetic import synthetic_country
from siting.network import save_network

SCENARIO = """
name = "country"

[[cities]]
name = "harbour"
network = "harbour.graphml"
[cities.layers.stores]
path = "harbour_stores.gpkg"
[cities.layers.candidates]
path = "harbour_sites.gpkg"

[[cities]]
name = "land"
clusters = "auto"
network = "country.graphml"
cluster_link_distance_m = 1200
cluster_max_radius_m = 5000
[cities.layers.stores]
path = "stores.gpkg"
[cities.layers.candidates]
path = "sites.gpkg"

[rank]
isochrones_for_top = 0
"""


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("country")
    land = synthetic_country(n_cities=3, nodes_per_city=900, stores_per_city=30, candidates_per_city=6, seed=5)
    harbour = synthetic_country(n_cities=1, nodes_per_city=400, stores_per_city=20, candidates_per_city=4, seed=6)
    save_network(land.network, d / "country.graphml")
    save_network(harbour.network, d / "harbour.graphml")
    land.stores.to_file(d / "stores.gpkg")
    land.candidates.to_file(d / "sites.gpkg")
    harbour.stores.to_file(d / "harbour_stores.gpkg")
    harbour.candidates.to_file(d / "harbour_sites.gpkg")
    (d / "scenario.toml").write_text(SCENARIO)
    return d


def _siting(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_a_scenario_mixes_a_named_city_and_found_clusters(scenario_dir, capsys):
    code, out, err = _siting(["validate", str(scenario_dir / "scenario.toml")], capsys)
    assert code == 0, err
    assert "city cluster-01 (found in land): 30 stores, 6 candidates; network 900 nodes" in out
    assert "OK (2 cities)" in out
    cities = city_inputs(load_scenario(scenario_dir / "scenario.toml"))
    assert [c.name for c in cities] == ["harbour", "cluster-01", "cluster-02", "cluster-03"]
    assert [c.region for c in cities] == [None, "land", "land", "land"]
    assert [len(c.stores) for c in cities[1:]] == [30, 30, 30]
    assert all(c.network_source.number_of_nodes() == 900 for c in cities[1:])


def test_cli_on_a_local_cluster_writes_the_same_files_as_serial(scenario_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scen = str(scenario_dir / "scenario.toml")
    code, _, _ = _siting(["rank", scen, "--out", "serial", "--no-map", "--no-progress"], capsys)
    assert code == 0
    code, out, err = _siting(
        ["rank", scen, "--out", "dask", "--no-map", "--no-progress", "--scheduler", "local", "--workers", "2"], capsys
    )
    assert code == 0, err
    assert "cluster-02: criterion population_reachable cannot be computed" in err  # a worker's log, forwarded
    serial = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*") if p.is_file())
    dask = sorted(p.relative_to(tmp_path / "dask") for p in (tmp_path / "dask").rglob("*") if p.is_file())
    assert serial == dask
    tables = [p for p in serial if p.suffix == ".csv"]
    assert {"ranking.csv", "national_summary.csv", "sensitivity.csv"} <= {p.name for p in tables}
    for rel in tables:
        assert (tmp_path / "serial" / rel).read_bytes() == (tmp_path / "dask" / rel).read_bytes(), rel
    rec_s = json.loads((tmp_path / "serial" / "run.json").read_text())
    rec_d = json.loads((tmp_path / "dask" / "run.json").read_text())
    assert rec_s["execution"] == {"scheduler": "in-process", "workers": 1}
    assert rec_d["execution"] == {"scheduler": "local", "workers": 2, "threads": 2}
    assert [c["cluster"] for c in rec_d["clusters"]] == ["cluster-01", "cluster-02", "cluster-03"]
    assert rec_d["clusters"] == rec_s["clusters"]
    assert rec_d["clusters"][0]["n_stores"] == 30 and rec_d["clusters"][0]["network_nodes"] == 900
    assert set(rec_d["recommended_sites"]) == {"harbour", "cluster-01", "cluster-02", "cluster-03"}


def test_cli_on_an_existing_scheduler_address(scenario_dir, tmp_path, capsys, monkeypatch, dask_client):
    monkeypatch.chdir(tmp_path)
    address = dask_client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    code, out, err = _siting(
        [
            "plan",
            str(scenario_dir / "scenario.toml"),
            "--objective",
            "time",
            "--out",
            "o",
            "--no-progress",
            "--scheduler",
            address,
        ],
        capsys,
    )
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "run.json").read_text())
    assert rec["execution"]["scheduler"] == address and rec["execution"]["workers"] == 2
    assert (tmp_path / "maps" / "national.html").is_file()
    assert set(rec["chosen_sites"]) == {"harbour", "cluster-01", "cluster-02", "cluster-03"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scheduler", "nowhere"], "--scheduler 'nowhere': not a scheduler address; give 'local' or"),
        (["--demo", "atlantis"], "unknown demo city 'atlantis'"),
    ],
)
def test_bad_scheduler_or_demo_is_a_clear_error(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _siting(["rank", *args, "--no-map", "--no-progress"], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_clusters_must_be_auto(tmp_path):
    from siting.app import parse_scenario
    from siting.errors import InputError

    doc = {"cities": [{"name": "x", "clusters": "yes", "network": "n.graphml"}]}
    with pytest.raises(InputError, match=r'cities\[0\].clusters: expected "auto"'):
        parse_scenario(doc)
    with pytest.raises(InputError, match="needs clusters"):
        parse_scenario({"cities": [{"name": "m", "demo": "malta"}]})


MALTA_CLUSTERS = {  # the README quotes these
    "gzira": 238,
    "birkirkara": 226,
    "tarxien": 245,
    "victoria": 59,
    "bugibba": 57,
    "nadur": 24,
    "zurrieq": 26,
    "rabat": 28,
    "mellieha": 15,
    "gharb": 4,
}


def test_demo_country_files_give_the_same_clusters(tmp_path, capsys):
    code, out, err = _siting(["demo", str(tmp_path / "m"), "--city", "malta"], capsys)
    assert code == 0, err
    assert {p.name for p in (tmp_path / "m").iterdir()} == {
        "stores.gpkg",
        "candidates.gpkg",
        "malta.osm.pbf",
        "products.csv",
        "scenario.toml",
    }
    cities = city_inputs(load_scenario(tmp_path / "m" / "scenario.toml"))  # names from the file's place nodes
    assert {c.name: len(c.stores) for c in cities} == MALTA_CLUSTERS


def test_a_bad_cluster_distance_names_the_city_and_the_key(scenario_dir, tmp_path):
    from siting.errors import InputError

    text = (
        (scenario_dir / "scenario.toml").read_text().replace("cluster_max_radius_m = 5000", "cluster_max_radius_m = -1")
    )
    (tmp_path / "bad.toml").write_text(text)
    for f in scenario_dir.iterdir():
        if f.suffix in (".gpkg", ".graphml"):
            (tmp_path / f.name).symlink_to(f)
    # the key as written in the scenario, not the option's name inside siting (max_radius_m)
    with pytest.raises(
        InputError, match=r"city 'land' \(clusters = \"auto\"\): cluster_max_radius_m must be a number > 0"
    ):
        city_inputs(load_scenario(tmp_path / "bad.toml"))
