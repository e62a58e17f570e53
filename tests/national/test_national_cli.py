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


def test_malta_demo_on_dask_writes_the_same_files_as_serial(tmp_path, capsys, monkeypatch, dask_client, malta_demo_run):
    """The serial run is the session's shared `siting rank --demo malta` (with maps; the maps change no table)."""
    import geopandas as gpd
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    serial, out = malta_demo_run / "run", (malta_demo_run / "stdout.txt").read_text()
    base = ["rank", "--demo", "malta", "--no-map", "--no-progress"]
    code, _, err = _siting([*base, "--out", "dask", "--scheduler", dask_client.scheduler.address], capsys)
    assert code == 0, err
    for name in ("ranking.csv", "national_summary.csv", "sensitivity.csv", "lane_totals.csv", "excluded.csv"):
        assert (serial / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name
    rec = json.loads((tmp_path / "dask" / "run.json").read_text())
    found = {c["cluster"]: c["n_stores"] for c in rec["clusters"]}
    assert found == MALTA_CLUSTERS
    assert list(found) == list(MALTA_CLUSTERS)  # by falling demand
    assert {c["region"] for c in rec["clusters"]} == {"malta"}
    for name in MALTA_CLUSTERS:  # Gozo (north of 36.0 N) holds exactly victoria, nadur and gharb
        stores = gpd.read_file(tmp_path / "dask" / name / "stores.gpkg").to_crs("EPSG:4326")
        assert (stores.geometry.y.mean() > 36.0) == (name in ("victoria", "nadur", "gharb")), name
    summary = pd.read_csv(tmp_path / "dask" / "national_summary.csv")
    assert set(summary["cluster"]) == set(MALTA_CLUSTERS)
    assert (summary["recommended_sites"] >= 0).all()
    opened = summary[summary["recommended_sites"] > 0]
    assert (opened["saving_vs_offshore_per_yr"] > 0).all()  # the business case: only sites that beat offshore
    assert rec["scenario"]["rank"] == {"sla_time_s": 600.0, "required_floor_area_m2": 200.0}
    assert "gzira: top" in out


def test_the_shipped_malta_extract_is_small_and_derived():
    from importlib import resources

    from siting.app.runinfo import file_sha256

    path = resources.files("siting").joinpath("data", "malta.osm.pbf")
    size = path.stat().st_size  # type: ignore[attr-defined]
    assert size < 1.1e6  # "about 1 MB" in the README; the issue allows 2.5 MB
    assert file_sha256(str(path)) != "30630ced134dff92917f9d6a675cff1e5222700887317957730ece6a750cd246"


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
