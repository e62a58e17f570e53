"""A check shared by the national tests: national_summary.csv follows the national portfolio design."""

from __future__ import annotations

import pytest


def assert_summary_follows_the_design(run) -> int:
    """Each cluster's row recommends the sites the national hybrid opens there, in the design's words, and the
    rows' savings add up to the national saving against all-offshore. Returns the number of sites opened."""
    from siting.national import national_summary

    national = run.national
    summary = national_summary(run).set_index("cluster")
    p = national.portfolio
    opened = {c: sorted(run.cities[c].design.portfolio.hybrid.levels) for c in national.clusters}
    assert sum(len(v) for v in opened.values()) == len(p.hybrid.levels)
    for c in national.clusters:
        row = summary.loc[c]
        listed = "" if row["sites"] != row["sites"] else str(row["sites"])  # NaN: no site
        assert row["recommended_sites"] == len(opened[c]) and sorted(listed.split()) == opened[c], (c, row)
        words = "opens no site here" if not opened[c] else f"opens {len(opened[c])} site(s)"
        assert row["reason"].startswith(f"the portfolio design {words}"), row["reason"]
    national_saving = p.all_offshore.cost_per_yr - p.hybrid.cost_per_yr
    assert summary["saving_vs_offshore_per_yr"].sum() == pytest.approx(national_saving, rel=1e-6)
    return len(p.hybrid.levels)
