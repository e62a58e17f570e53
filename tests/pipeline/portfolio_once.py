"""Rank a cut of the Helsinki demo with its portfolio design and write the portfolio columns (run as a script).

`python tests/pipeline/portfolio_once.py OUT.csv [MAX_NODES TIME_LIMIT_S]`: the determinism test runs it in
separate processes (other PYTHONHASHSEED, CPU load) and compares the files byte for byte.
"""

from __future__ import annotations

import dataclasses
import sys


def main(out: str, max_nodes: int = 2, time_limit_s: float = 120.0) -> None:
    from siting.app import city_inputs, demo_scenario, rank_options
    from siting.pipeline import rank_city
    from siting.pipeline.portfolio import PORTFOLIO_COLUMNS, PortfolioOptions

    sc = demo_scenario("helsinki")
    city = city_inputs(sc)[0]
    stores = city.stores.sort_values("demand_units_per_week", ascending=False).head(150)
    city = dataclasses.replace(city, stores=stores.reset_index(drop=True), candidates=city.candidates.head(14))
    popt = PortfolioOptions(
        enabled=True,
        max_nodes=max_nodes,
        value_max_nodes=max_nodes,
        time_limit_s=time_limit_s,
        mip_gap=1e-6,
        demand_points=14,
        explain_sites=3,
    )
    opts = rank_options(sc, portfolio=popt)
    opts = dataclasses.replace(
        opts,
        reach=dataclasses.replace(opts.reach, isochrones_for_top=0),
        costs=dataclasses.replace(opts.costs, frontier=False),
    )
    result = rank_city(city, opts)
    table = result.ranking[["site_id", "rank", *PORTFOLIO_COLUMNS]].sort_values("site_id")
    design = result.design
    statuses = [design.portfolio.hybrid.status, *design.site_values["status"], *design.forced_open["status"]]
    table.to_csv(out, index=False, float_format="%.6f")
    with open(out + ".status", "w") as fh:
        fh.write("\n".join(statuses) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], *(int(sys.argv[2]), float(sys.argv[3])) if len(sys.argv) > 3 else ())
