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
from siting.pipeline import CostOptions, RankOptions, city_from_demo, run

products = load_products(example_products_path())  # illustrative product families with sources
options = RankOptions(costs=CostOptions(products=products, frontier=True))  # frontier.csv: where local wins per family
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
from siting.delivery import LaneParams, compare_vehicles

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
# ## Landed cost: microfactory versus offshore, in the stores' volume
#
# Every site is priced on the units it would make for the stores it serves (`units_per_yr`):
# production, freight and duty, carrying, unsold stock and lost margin (from a season model in
# which forecast error grows with the horizon and the microfactory re-orders on early sales),
# delivery (local lanes; offshore from the distribution point) and the site's rent and set-up.
# Every figure is per unit of demand, the same denominator on both sides.

# %%
cols = [
    "site_id",
    "rank",
    "units_per_yr",
    "landed_cost_local_per_unit",
    "landed_cost_offshore_per_unit",
    "saving_vs_offshore_per_unit",
    "fill_rate_local",
    "fill_rate_offshore",
    "co2e_local_kg_per_unit",
    "co2e_offshore_kg_per_unit",
]
city.ranking[cols].head(5)

# %% [markdown]
# The breakdown of the top site, per unit of demand:

# %%
from siting.costs.landed import COMPONENTS

pd.DataFrame(
    {side: [top[f"{c}_{side}_per_unit"] for c in COMPONENTS] for side in ("local", "offshore")}, index=COMPONENTS
).round(3)

# %% [markdown]
# ## Which families a microfactory should make
#
# The same comparison per product family at the top site (`families.csv` in a run folder). The
# illustrative families are a staple, a trend item, an artist collaboration (limited edition), a
# regional print and spare parts (Poisson demand); the reasons can be read off the components.

# %%
city.families[
    [
        "family",
        "units_per_yr",
        "landed_cost_local_per_unit",
        "landed_cost_offshore_per_unit",
        "fill_rate_local",
        "fill_rate_offshore",
        "cheaper",
        "unsold_stock_offshore_per_unit",
        "lost_margin_offshore_per_unit",
    ]
].round(3)

# %% [markdown]
# ## Where local wins
#
# For each family, the value of the pre-season forecast CV, the offshore MOQ and the season length
# beyond which the microfactory is cheaper (others at their base values), and the MOQ frontier at
# other forecast CVs (`frontier.csv` and `frontier.png` in a run folder).

# %%
city.frontier[["family", "input", "at", "base_value", "frontier_value", "local_cheaper", "note"]]

# %%
from siting.costs import frontier_figure

frontier_figure(city.frontier_curves, city.frontier, "frontier.png")

from IPython.display import Image

Image("frontier.png")

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
