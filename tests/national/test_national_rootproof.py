"""A real national plan (three small Malta clusters, the demo's options but no forced-open prices): its hybrid
proven within the gap asked."""

from __future__ import annotations

import logging


def test_root_cuts_prove_the_national_hybrid_within_the_gap_asked(caplog):
    """The national LP relaxation alone proved this design within 16.00%; the root cut loop proves 0.92%.

    The design's cost and sites are the neighbourhood solve's (the proof changes the bound alone), and the
    bound stays below the cost of every design the run priced: the three pure or hybrid national designs.
    """
    import dataclasses

    from siting.app import city_inputs, demo_scenario, rank_options
    from siting.pipeline import plan

    scenario = demo_scenario("malta")
    small = [c for c in city_inputs(scenario) if c.name in ("rabat", "mellieha", "gharb")]
    options = rank_options(scenario)
    # no forced-open prices (explain_sites = 0): the same proof, a third less work (with 3: 15.89% -> 0.90%)
    options = dataclasses.replace(options, portfolio=dataclasses.replace(options.portfolio, explain_sites=0))
    with caplog.at_level(logging.INFO, logger="siting"):
        result = plan(small, 1, options, objective="portfolio")
    national = result.run.national
    assert national is not None
    p = national.portfolio
    hyb = p.hybrid
    assert hyb.gap <= options.portfolio.mip_gap, hyb.status
    assert f"{100 * hyb.gap:.2f}" == "0.92" and hyb.status == "stopped at gap 0.92%", hyb.status
    proofs = [r.getMessage() for r in caplog.records if "national hybrid: the root cut loop proved" in r.getMessage()]
    assert len(proofs) == 1 and proofs[0].startswith("national hybrid: the root cut loop proved gap 0.92% (was 16.00%)")
    for d in (p.all_offshore, p.all_local, hyb):
        assert d is not None and hyb.bound_per_yr <= d.cost_per_yr + 1e-6
    assert hyb.cost_per_yr <= min(p.all_offshore.cost_per_yr, p.all_local.cost_per_yr) + 1e-6
