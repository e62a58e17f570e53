"""What `rank` and `plan` print: top sites with their breakdown, the business case, cross-city table, plan."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from siting.cli.runner import RunOutcome

__all__ = ["print_ranking", "print_plan", "plain"]


def plain(value: object) -> str:
    """Text that rich prints literally, never as markup: ids, brands, cities, file names, help text with ``[x]``.

    The one place the CLI escapes (``rich.markup.escape``); every name a user gave goes through it
    before it reaches a rich table, title or ``console.print`` (typer help text included).

    Parameters
    ----------
    value : object
        Anything; it is turned into ``str`` first.

    Returns
    -------
    str
    """
    from rich.markup import escape

    return escape(str(value))


def _criteria(ranking: pd.DataFrame) -> list[str]:
    return [c for c in ranking.columns if f"{c}_norm" in ranking.columns]


def _fmt_value(col: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    if col.endswith("_s"):
        return f"{value / 60:.1f}"
    if isinstance(value, (int, float, np.number)):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}"
    return plain(value)


#: short column headers for the printed tables (the CSV keeps the full names with units)
_SHORT = {
    "delivery_time_s": "delivery (min)",
    "population_reachable": "population reached",
    "rent_per_yr": "rent/yr ({cur})",
    "co2e_wtw_kg_per_week": "CO2e WTW kg/wk",
    "landed_cost_local_per_unit": "landed cost local/unit ({cur})",
    "landed_cost_offshore_per_unit": "offshore/unit ({cur})",
    "saving_vs_offshore_per_unit": "saving vs offshore/unit ({cur})",
    "fill_rate_local": "fill local",
    "fill_rate_offshore": "fill offshore",
    "co2e_local_kg_per_unit": "CO2e local kg/unit",
    "co2e_offshore_kg_per_unit": "CO2e offshore kg/unit",
    "stores_within_sla": "stores within SLA",
    "floor_area_fit_ratio": "floor fit",
}


#: the business case, printed beside the weighted criteria whenever it was computed
_BUSINESS_CASE = (
    "landed_cost_local_per_unit",
    "saving_vs_offshore_per_unit",
    "co2e_local_kg_per_unit",
    "co2e_offshore_kg_per_unit",
)


def _print_families(city: Any, console: Any) -> None:
    """The business case per product family at the top site (what families.csv holds)."""
    from rich.table import Table

    fams = getattr(city, "families", None)
    if fams is None or not len(fams):
        return
    cur = city.currency
    table = Table(
        title=f"{plain(city.name)}: business case per family at {plain(fams['site_id'].iloc[0])} (per unit of demand)"
    )
    cols = [
        ("family", "family"),
        ("units_per_yr", "units/yr"),
        ("landed_cost_local_per_unit", f"local ({cur})"),
        ("landed_cost_offshore_per_unit", f"offshore ({cur})"),
        ("fill_rate_local", "fill local"),
        ("fill_rate_offshore", "fill offshore"),
        ("cheaper", "cheaper"),
    ]
    for _, head in cols:
        table.add_column(head, justify="left" if head in ("family", "cheaper") else "right")
    for _, r in fams.iterrows():
        table.add_row(
            plain(r["family"]),
            f"{r['units_per_yr']:,.0f}",
            f"{r['landed_cost_local_per_unit']:.2f}",
            f"{r['landed_cost_offshore_per_unit']:.2f}",
            f"{r['fill_rate_local']:.3f}",
            f"{r['fill_rate_offshore']:.3f}",
            plain(r["cheaper"]),
        )
    console.print(table)


def _header(col: str, currency: str) -> str:
    if col in _SHORT:
        return _SHORT[col].format(cur=currency)
    if col.endswith("_s"):
        return f"{col[:-2]} (min)"
    if col.endswith("_per_yr") and not col.endswith("_per_m2_yr"):
        return f"{col} ({currency})"
    return col


def _console():
    from rich.console import Console

    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)


def print_ranking(result: Any, top: int) -> None:
    """Print the top sites per city with their criteria (results go to stdout)."""
    from rich.table import Table

    console = _console()
    extras = ("p_first", "p_top_k")
    for name, city in result.cities.items():
        rows = city.ranking.sort_values("rank")
        crit = _criteria(rows)
        weights = getattr(city, "weights", None) or {}
        if any(weights.get(c, 0) > 0 for c in crit):  # show the weighted criteria; the CSV has them all
            crit = [c for c in crit if weights.get(c, 0) > 0]
        # the business case (landed cost against offshore) is always shown when it was computed
        crit += [c for c in _BUSINESS_CASE if c in rows.columns and c not in crit]
        robust = [c for c in extras if c in rows.columns]
        table = Table(title=f"{plain(name)}: top {min(top, len(rows))} of {len(rows)} candidate sites")
        for col in ("rank", "site_id", "score", *crit, *robust):
            table.add_column(_header(col, city.currency), justify="left" if col == "site_id" else "right")
        for _, r in rows.head(top).iterrows():
            table.add_row(
                str(r["rank"]),
                plain(r["site_id"]),
                f"{r['score']:.3f}",
                *[_fmt_value(c, r[c]) for c in crit],
                *[f"{r[c]:.2f}" for c in robust],
            )
        console.print(table)
        note = (getattr(city, "robustness", None) or {}).get("note")
        if note:
            console.print(f"robustness: {plain(note)}", highlight=False)
        _print_families(city, console)
    if len(result.cities) > 1:
        _print_cities(result, console)


def _print_cities(result: Any, console: Any) -> None:
    """The comparable cross-city table of a multi-city run (when the pipeline provides it)."""
    from rich.table import Table

    try:
        summary = result.summary
    except AttributeError:
        return
    cols = [
        c
        for c in (
            "city",
            "n_candidates_ranked",
            "n_stores",
            "best_site_id",
            "best_score",
            "best_rank_overall",
            "best_p_first",
            "delivery_time_s",
        )
        if c in summary.columns
    ]
    table = Table(title="cities compared (best site of each)")
    for c in cols:
        table.add_column(_header(c, ""), justify="left" if c in ("city", "best_site_id") else "right")
    for _, r in summary.iterrows():
        table.add_row(
            *[
                plain(r[c])
                if c in ("city", "best_site_id")
                else (f"{r[c]:.3f}" if c in ("best_score", "best_p_first") else _fmt_value(c, r[c]))
                for c in cols
            ]
        )
    console.print(table)


def print_plan(outcome: RunOutcome) -> None:
    """Print the chosen sites per city and how close to optimal the solve is."""
    from rich.table import Table

    console = _console()
    for name, plan in outcome.plan.items():
        sites, sol = plan.sites, plan.solution
        note = None
        if sol is not None:
            note = (
                f"{'proven optimal' if sol.optimal else f'within {100 * sol.gap:.2f}% of the optimum'} "
                f"({sol.method}, {sol.runtime_s:.2f} s)"
            )
        table = Table(title=f"{plain(name)}: best {len(sites)} site(s)", caption=note)
        table.add_column("site_id")
        table.add_column("rank", justify="right")
        table.add_column("stores served", justify="right")
        table.add_column("demand (units/week)", justify="right")
        by_cost = sol is not None and getattr(sol, "model", "") == "facility_location"  # plan --objective cost
        table.add_column("cost per unit/yr" if by_cost else "mean delivery (min)", justify="right")
        for _, r in sites.iterrows():
            served = float(r.get("demand_served", 0) or 0)
            scale = 1 if by_cost else 60
            mean_min = float(r.get("weighted_cost", 0) or 0) / served / scale if served > 0 else float("nan")
            table.add_row(
                plain(r["site_id"]),
                _fmt_value("", r.get("rank")),
                _fmt_value("", r.get("n_stores")),
                _fmt_value("", served),
                "-" if not np.isfinite(mean_min) else f"{mean_min:.1f}",
            )
        console.print(table)
