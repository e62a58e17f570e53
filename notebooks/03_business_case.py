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
# # The business case for the top site
#
# A microfactory trades a higher unit production cost for short local delivery lanes, lower
# carrying cost and less unsold stock. This notebook takes the demo city (central Helsinki,
# OpenStreetMap data © OpenStreetMap contributors, ODbL), and for its top-ranked site shows:
# delivery lanes by vehicle with their emissions (DESNZ 2024 factors, ISO 14083 style
# tank-to-wheel / well-to-tank / well-to-wheel), landed cost against an offshore supply chain,
# and how robust the choice of the top site is.

# %%
from siting.costs.products import example_products_path, load_products
from siting.pipeline import RankOptions, city_from_demo, run

products = load_products(example_products_path())  # illustrative product families with sources
options = RankOptions(products=products)
result = run([city_from_demo("helsinki")], options)
city = result.cities["helsinki"]
top = city.ranking.iloc[0]
print(f"top site {top['site_id']} (score {top['score']:.3f}) serves {len(city.stores)} stores")
[p.family for p in products]

# %% [markdown]
# ## Delivery lanes by vehicle
#
# The same weekly deliveries from the top site to every store, as multi-stop tours, with a
# diesel van, a battery-electric van and an e-cargo bike.

# %%
from siting.delivery.lanes import LaneParams, compare_vehicles

site = city.candidates[city.candidates["site_id"] == top["site_id"]]
allocation = {sid: top["site_id"] for sid in city.stores["store_id"]}
by_vehicle = compare_vehicles(
    city.graph,
    site,
    city.stores,
    allocation,
    ("van_avg_diesel", "van_avg_bev", "ecargo_bike"),
    params=LaneParams(solution_limit=30),
    pattern="tour",
)  # 30 improving solutions: quick and reproducible
by_vehicle[
    [
        "vehicle",
        "trips_per_week",
        "vehicle_km_per_week",
        "co2e_ttw_kg_per_week",
        "co2e_wtt_kg_per_week",
        "co2e_wtw_kg_per_week",
        "cost_per_week",
    ]
]

# %% [markdown]
# Emissions of one kilometre, by vehicle, from the package's factor table:

# %%
import pandas as pd

from siting.delivery.emissions import VEHICLES, emissions_for_km

pd.DataFrame(
    [
        {"vehicle": v, **vars(emissions_for_km(1.0, VEHICLES[v]))}
        for v in ("van_avg_diesel", "van_avg_bev", "ecargo_bike")
    ]
).set_index("vehicle")

# %% [markdown]
# ## Landed cost: microfactory versus offshore
#
# Per unit sold: production, inbound freight and duty (offshore), inventory carrying (cycle,
# safety and pipeline stock), expected obsolescence from the newsvendor model, delivery lanes and
# the site's rent.

# %%
cols = [
    "site_id",
    "rank",
    "landed_cost_per_unit",
    "offshore_landed_cost_per_unit",
    "saving_vs_offshore",
    "saving_vs_offshore_per_yr",
]
city.ranking[[c for c in cols if c in city.ranking.columns]].head(5)

# %%
from siting.costs.landed import compare

rent_per_yr = float(top["rent_per_yr"])
lane_cost_per_yr = float(city.lane_totals.query("site_id == @top.site_id")["cost_per_week"].sum()) * 52
comparison = compare(products, site_cost_per_yr=rent_per_yr, delivery_cost_per_yr=lane_cost_per_yr)
print(f"local    {comparison.local.per_unit:8.2f} per unit sold")
print(f"offshore {comparison.offshore.per_unit:8.2f} per unit sold")
print(f"saving   {comparison.saving_per_unit:8.2f} per unit, {comparison.saving_per_yr:,.0f} per year")

# %% [markdown]
# A negative saving means the offshore chain is cheaper for this product mix at this volume. The
# answer moves with the inputs: `siting.costs.sensitivity` ranks which inputs move it most, and
# `siting.costs.break_even` finds the volume at which the microfactory pays (see the README).

# %% [markdown]
# ## Robustness of the top site
#
# Weights sampled around the chosen ones (Dirichlet, seeded): how often does each site rank
# first, and over which range of each weight does the top site stay on top?

# %%
print(city.robustness["note"])
pd.DataFrame(city.robustness["weight_ranges"]).T

# %%
city.sensitivity[["site_id", "rank", "p_first", "p_top_k", "mean_rank", "robust", "narrow_win"]].head(5)
