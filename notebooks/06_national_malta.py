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
# # A national run of Malta with the portfolio design
#
# **Illustrative.** The packaged Malta extract's real shops (© OpenStreetMap contributors, ODbL),
# with the package's example product families and capacity levels: the costs are illustrative
# defaults, not measurements.
#
# `siting plan --demo malta --objective portfolio` finds ten city clusters in the island's 922
# stores. With the portfolio on, the national run solves **one** design across its clusters: each
# cluster's sites serve its own stores, and the offshore goods are bought once for the whole brand
# (an MOQ is not paid per cluster). To keep this notebook quick it runs the three smallest clusters,
# while pricing offshore buys at the whole island's volume (`brand_units_per_week`).

# %%
import dataclasses

from siting.app import city_inputs, demo_scenario, rank_options
from siting.pipeline import plan

scenario = demo_scenario("malta")
clusters = city_inputs(scenario)
brand_units = sum(float(c.stores["demand_units_per_week"].sum()) for c in clusters)
small = sorted(clusters, key=lambda c: float(c.stores["demand_units_per_week"].sum()))[:3]
print(f"{len(clusters)} clusters, the brand sells {brand_units:,.0f} units a week; running", [c.name for c in small])

# %% [markdown]
# The portfolio design uses the demo scenario's product families and is kept small here: 8
# demand points per cluster. Every solve is bounded by work (nodes, neighbourhoods of sites), so
# the figures below are the same on any machine and load.

# %%
options = rank_options(scenario)
options = dataclasses.replace(
    options,
    costs=dataclasses.replace(options.costs, brand_units_per_week=brand_units),
    portfolio=dataclasses.replace(options.portfolio, demand_points=8),
)
planned = plan(small, 1, options, objective="portfolio")
national = planned.run.national
p = national.portfolio
local = "impossible" if p.all_local is None else f"{p.all_local.cost_per_yr:,.0f}"
print(
    f"one design over {len(national.clusters)} clusters: hybrid {p.hybrid.cost_per_yr:,.0f} EUR a year, "
    f"all-offshore {p.all_offshore.cost_per_yr:,.0f}, all-local {local}; {p.hybrid.status}"
)

# %% [markdown]
# Where the units come from, per cluster (units per week): `portfolio.csv` of the run folder holds
# these rows with a `cluster` column.

# %%
from siting.design.national import national_table

table = national_table(p.hybrid)
table.pivot_table(index="cluster", columns="source", values="units_per_week", aggfunc="sum", fill_value=0).round(1)

# %% [markdown]
# The sites the national design opens, their level and what they make:

# %%
planned.sites[["city", "site_id", "level", "portfolio_makes_per_week"]]

# %% [markdown]
# Why one design and not one per cluster: alone, the smallest cluster would buy the offshore MOQs
# for its 4 stores and pay over a hundred euros a unit; as its share of the brand's buy it pays the
# brand's cost per unit (`siting.costs.brand`).

# %%
from siting.costs import landed_cost, mix_for_demand
from siting.costs.brand import brand_volumes

products = options.costs.products
tiny = small[0]
units = float(tiny.stores["demand_units_per_week"].sum())
mix = mix_for_demand(products, units)
volumes = brand_volumes([mix_for_demand(products, brand_units)])
alone = landed_cost(mix, "offshore").per_unit
shared = landed_cost(mix, "offshore", brand_units_per_week=volumes).per_unit
print(
    f"{tiny.name} ({units:,.0f} units a week): offshore {alone:,.2f} EUR a unit alone, {shared:,.2f} in the brand's buy"
)
