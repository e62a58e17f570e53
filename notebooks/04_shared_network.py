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
# # A microfactory network shared by three brands
#
# **Illustrative.** Three made-up brands share the real OpenStreetMap shops of the demo cities
# (central Helsinki and Kotka, © OpenStreetMap contributors, ODbL); their demand, costs, seasons
# and site capacities are illustrative defaults, not measurements.
#
# - **Aurora** buys a *priority* lane: a 5-day lead-time SLA, never offshore, flat demand;
# - **Birch** has a *standard* lane (10-day target) and a strong autumn spike;
# - **Cove** is *overflow*: best effort, and may go offshore at its landed cost.
#
# `siting` designs the network they would share (which sites, at which capacity, serving whom in
# each season), compares it with each brand's own best network, splits the cost (proportional and
# Shapley), plans every site's weeks and measures each lane's lead time at the peak.

# %%

from siting.share import demo_share_cities, demo_share_spec, problem_from_cities, run_share

spec = demo_share_spec()
layers = problem_from_cities(demo_share_cities(), spec)
names = {spec.lane_class(b).kind: spec.lane_class(b).name for b in spec.brands}
study = run_share(layers.problem, spec.site_capacity, spec.settings, lane_names=names)
summary = study.summary()
print(
    f"{len(summary['sites_opened'])} sites open; shared network {summary['cost_per_yr']['total']:,.0f} per year, "
    f"within {100 * summary['solver']['gap']:.2f}% of the optimum"
)

# %% [markdown]
# ## What sharing saves each brand
#
# `cost_alone` is each brand's own best network (same model, its stores only). The Shapley share
# averages what each brand adds to every coalition; nobody pays more than alone when the shares
# are in the core.

# %%
study.brands[
    [
        "brand",
        "lane_class",
        "cost_alone",
        "cost_shared_proportional",
        "cost_shared_shapley",
        "saving_shapley_pct",
        "better_off_alone",
    ]
].round(1)

# %%
print(
    f"all brands alone {summary['cost_all_brands_alone_per_yr']:,.0f}; shared {summary['cost_per_yr']['total']:,.0f}; "
    f"saved {summary['saving_per_yr']:,.0f} per year ({summary['saving_pct']:.1f}%); Shapley in the core: "
    f"{summary['shapley_in_core']}"
)

# %% [markdown]
# ## The sites, and how full they get
#
# Utilisation is the share of a week's production hours spent producing or changing over, from
# each site's weekly lot-sizing plan (runs of 50-500 units).

# %%
study.network[["site_id", "capacity_units_per_week", "brands_served", "rent_per_yr", "peak_utilization"]]

# %%
study.utilization.pivot(index="week", columns="site_id", values="utilization").plot(
    figsize=(9, 3.5), ylim=(0, 1.05), ylabel="utilisation", title="weekly utilisation per site (illustrative)"
)
# %% [markdown]
# ## Priority lead times at the peak
#
# Each open site is a single production line taking one run at a time, priority runs first
# (non-preemptive). The analytic column is Cobham's M/G/1 priority formula (Poisson arrivals of
# runs); the simulated columns release exactly the weekly plan's runs at random hours of their
# week. The plan's arrivals are more regular than Poisson, so the simulation waits less; the gap
# grows for the lower classes, which see the whole queue.

# %%
study.lead_times.round(2)

# %%
peak = study.lead_times.groupby("lane_class")[
    ["mean_days_analytic", "mean_days_simulated", "p95_days_simulated"]
].mean()
peak.round(2)

# %% [markdown]
# The map draws the open sites sized by capacity and coloured by peak utilisation, and every lane
# coloured by its class. It opens offline (`siting.maps.draw.save_map`).

# %%
from siting.maps.draw import show_map
from siting.share import share_map

show_map(share_map(study, layers, title="Shared microfactory network (illustrative)"))
