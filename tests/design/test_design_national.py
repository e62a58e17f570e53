"""The national design (one MILP over clusters, offshore bought brand-wide) against brute-force enumeration."""

from __future__ import annotations

import pandas as pd
import pytest
from design_instances import enumerate_designs, tables

from siting.costs.brand import brand_family
from siting.design.national import SEP, national_design, national_table
from siting.design.problem import DesignProblem, design_problem
from siting.design.solve import portfolio

SEEDS = range(16)


def _clusters(seed: int, fixed_scale: float = 1.0) -> dict[str, DesignProblem]:
    """Two clusters with the same two families: ``a`` (2 sites, 1-2 stores) and ``b`` (1 site, 1 store).

    ``fixed_scale`` multiplies cluster ``a``'s fixed costs (small: both its sites tend to open).
    """
    a = tables(seed, n_s=2, n_j=1 + seed % 2, n_f=2)
    a["sites"]["fixed_cost_per_yr"] *= fixed_scale
    b = tables(seed + 1000, n_s=1, n_j=1, n_f=2)
    rename = {old.family: new.family for old, new in zip(b["families"], a["families"])}
    b["demand"]["family"] = b["demand"]["family"].map(rename)
    b["making"]["family"] = b["making"]["family"].map(rename)
    b["families"] = a["families"]
    out = {}
    for name, t in (("a", a), ("b", b)):
        units = t["demand"].groupby("family")["units_per_week"].sum()
        # each cluster's mix in its own volume (CV kept), as the pipeline scales it
        t["families"] = [
            brand_family(f, float(units[f.family])) if f.family in units.index else f for f in t["families"]
        ]
        out[name] = design_problem(**t)
    return out


def brute_force_groups(pb: DesignProblem, max_sites: int | None = None) -> float:
    """Cheapest single-sourced design by enumeration, offshore priced per brand-wide buy (``offshore_group``).

    ``max_sites``: only level choices opening at most this many sites in each cluster (site ids ``cluster<SEP>site``).
    """
    assert pb.offshore_group is not None
    cluster = [str(s).partition(SEP)[0] for s in pb.site_ids]
    return enumerate_designs(pb, max_sites=max_sites, site_cluster=cluster)


@pytest.fixture(scope="module")
def solved():
    out = []
    for seed in SEEDS:
        clusters = _clusters(seed)
        nd = national_design(clusters, time_limit_s=30, mip_gap=1e-6)
        out.append((seed, clusters, nd))
    return out


def test_national_milp_equals_enumeration(solved):
    single = 0
    for seed, _, nd in solved:
        hyb = nd.portfolio.hybrid
        assert hyb.status == "optimal", seed
        brute = brute_force_groups(nd.problem)
        assert hyb.cost_per_yr <= brute * (1 + 1e-6) + 1e-6, (seed, hyb.cost_per_yr, brute)
        split = hyb.portfolio.groupby(["family", "store_id", "season"])["source"].nunique()
        if (split <= 1).all():
            single += 1
            assert hyb.cost_per_yr == pytest.approx(brute, rel=1e-6), seed
    assert single >= 8, single


def test_one_buy_per_family_across_clusters(solved):
    for seed, clusters, nd in solved:
        pb = nd.problem
        assert len(pb.offshore_curves) == 2 and len(pb.family_names) == 4, seed
        a, b = clusters["a"], clusters["b"]
        for fam in pb.offshore_families or ():
            both = sum(p.families[p.family_names.index(fam.family)].demand_mean_units_per_week for p in (a, b))
            assert fam.demand_mean_units_per_week == pytest.approx(both), seed
        # a site serves only its own cluster's stores
        for s, j in pb.lanes:
            assert pb.site_ids[s].split("\x1f")[0] == pb.store_ids[j].split("\x1f")[0]


def test_hybrid_never_above_pure_and_tables_add_up(solved):
    for seed, _, nd in solved:
        p, pb = nd.portfolio, nd.problem
        hyb = p.hybrid
        assert hyb.cost_per_yr <= p.all_offshore.cost_per_yr + 1e-6, seed
        if p.all_local is not None:
            assert hyb.cost_per_yr <= p.all_local.cost_per_yr + 1e-6, seed
        fixed = sum(
            pb.fixed_cost_per_yr[pb.site_ids.index(s), pb.level_names.index(lv)] for s, lv in hyb.levels.items()
        )
        assert hyb.portfolio["cost_per_yr"].sum() + fixed == pytest.approx(hyb.cost_per_yr, rel=1e-6), seed
        table = national_table(hyb)
        assert set(table["cluster"]) == {"a", "b"} and len(table) == len(hyb.portfolio), seed
        assert table["units_per_week"].sum() == pytest.approx(pb.demand_units_per_week.sum(), rel=1e-9), seed


def test_national_design_caps_the_sites_of_each_cluster():
    """max_sites (plan --k) caps each cluster's sites, as k is per city: against enumeration with that cap."""
    bites = 0
    for seed in range(12):
        clusters = _clusters(seed, fixed_scale=0.0)
        nd = national_design(clusters, time_limit_s=30, mip_gap=1e-6)
        capped = national_design(clusters, time_limit_s=30, mip_gap=1e-6, max_sites=1)
        # as the pipeline runs it: started from each cluster's own capped design
        own = {
            c: portfolio(pb, time_limit_s=30, mip_gap=1e-6, max_sites=1)[0].hybrid.levels for c, pb in clusters.items()
        }
        started = national_design(clusters, time_limit_s=30, mip_gap=1e-6, max_sites=1, start_levels=own)
        assert started.portfolio.hybrid.cost_per_yr == pytest.approx(capped.portfolio.hybrid.cost_per_yr, rel=1e-5)
        assert all(
            n <= 1 for n in pd.Series([s.partition(SEP)[0] for s in started.portfolio.hybrid.levels]).value_counts()
        ), (seed, started.portfolio.hybrid.levels)
        hyb = capped.portfolio.hybrid
        per_cluster = pd.Series([s.partition(SEP)[0] for s in hyb.levels]).value_counts()
        assert (per_cluster <= 1).all(), (seed, hyb.levels)
        uncapped = pd.Series([s.partition(SEP)[0] for s in nd.portfolio.hybrid.levels]).value_counts()
        bites += int((uncapped > 1).any())
        brute = brute_force_groups(capped.problem, max_sites=1)
        assert hyb.cost_per_yr <= brute * (1 + 1e-6) + 1e-6, (seed, hyb.cost_per_yr, brute)
        split = hyb.portfolio.groupby(["family", "store_id", "season"])["source"].nunique()
        if (split <= 1).all():
            assert hyb.cost_per_yr == pytest.approx(brute, rel=1e-6), seed
        assert hyb.cost_per_yr >= nd.portfolio.hybrid.cost_per_yr * (1 - 1e-6)  # a cap never lowers the cost
    assert bites >= 2, bites  # the cap binds somewhere (the uncapped design opens both of a's sites)
