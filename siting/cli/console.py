"""What the CLI prints through rich: user data always literal, tables that fit the terminal (narrow or --wide)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from siting.app.run import RunOutcome

__all__ = [
    "Column",
    "design_status_line",
    "literal",
    "make_console",
    "print_line",
    "print_table",
    "print_ranking",
    "print_plan",
]


def literal(value: object) -> Text:
    """``value`` as rich text printed exactly as written: never read as markup (``[bold]``, ``[/]`` stay)."""
    from rich.text import Text

    return Text(str(value), overflow="fold")


def make_console() -> Console:
    """A console on stdout: the terminal's width, else ``COLUMNS``, else 80 when piped; no highlighting."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False)


def print_line(console: Console, text: object) -> None:
    """Print one line of text (user data included) literally, never as markup."""
    console.print(literal(text))


@dataclass(frozen=True)
class Column:
    """One column of a printed table.

    ``drop`` orders the columns the narrow layout leaves out when the table does not fit: 0 is always
    shown, the highest number goes first. An ``id`` column is never cut: it is at least as wide as its
    longest value.
    """

    header: str
    justify: Literal["left", "right"] = "right"
    drop: int = 0


def _table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]], caption: str | None) -> Any:
    from rich.table import Table

    table = Table(title=literal(title), caption=literal(caption) if caption else None)
    for i, col in enumerate(columns):
        # a fixed width: every value in full (ids never cut), the header wrapped at its spaces
        width = max([len(str(r[i])) for r in rows] + [len(w) for w in col.header.split()] + [1])
        table.add_column(literal(col.header), justify=col.justify, width=width, overflow="fold")
    for row in rows:
        table.add_row(*(literal(v) for v in row))
    return table


def _min_width(console: Console, table: Any) -> int:
    from rich.measure import Measurement

    # measured without the console's width: rich caps a measurement at the width it is given
    return Measurement.get(console, console.options.update_width(1_000_000), table).minimum


def print_table(
    console: Console,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    wide: bool = False,
    caption: str | None = None,
    more: str = "",
) -> None:
    """Print a table whose cells are all literal text and never cut.

    Narrow (the default): columns are left out, highest ``drop`` first, until the table fits the
    console's width; a line then says how many and where they are (``more``). ``wide``: every column,
    wider than the console if it must be (a file or pipe gets the whole table).
    """
    keep = list(range(len(columns)))
    table = _table(title, columns, rows, caption)
    if wide:
        need = _min_width(console, table)
        if need > console.width:
            console.width = need  # the whole table on each line: nothing cut, the terminal wraps if it must
        console.print(table)
        return
    while _min_width(console, table) > console.width and any(columns[i].drop for i in keep):
        worst = max((i for i in keep if columns[i].drop), key=lambda i: (columns[i].drop, i))
        keep.remove(worst)
        table = _table(title, [columns[i] for i in keep], [[r[i] for i in keep] for r in rows], caption)
    console.print(table)
    left_out = len(columns) - len(keep)
    if left_out:
        print_line(console, f"({left_out} more column{'s' if left_out > 1 else ''} with --wide{more})")


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
    return str(value)


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


def _print_families(city: Any, console: Console, wide: bool) -> None:
    """The business case per product family at the top site (what families.csv holds)."""
    fams = getattr(city, "families", None)
    if fams is None or not len(fams):
        return
    cur = city.currency
    columns = [
        Column("family", "left"),
        Column("units/yr"),
        Column(f"local ({cur})"),
        Column(f"offshore ({cur})"),
        Column("fill local", drop=2),
        Column("fill offshore", drop=1),
        Column("cheaper", "left"),
    ]
    rows = [
        [
            str(r["family"]),
            f"{r['units_per_yr']:,.0f}",
            f"{r['landed_cost_local_per_unit']:.2f}",
            f"{r['landed_cost_offshore_per_unit']:.2f}",
            f"{r['fill_rate_local']:.3f}",
            f"{r['fill_rate_offshore']:.3f}",
            str(r["cheaper"]),
        ]
        for _, r in fams.iterrows()
    ]
    title = f"{city.name}: business case per family at {fams['site_id'].iloc[0]} (per unit of demand)"
    print_table(console, title, columns, rows, wide=wide, more="; all in families.csv")


def _header(col: str, currency: str) -> str:
    if col in _SHORT:
        return _SHORT[col].format(cur=currency)
    if col.endswith("_s"):
        return f"{col[:-2]} (min)"
    if col.endswith("_per_yr") and not col.endswith("_per_m2_yr"):
        return f"{col} ({currency})"
    return col


#: the order in which the narrow layout leaves columns out (later in the tuple = left out first)
_KEEP_ORDER = (
    "delivery_time_s",
    "p_first",
    "saving_vs_offshore_per_unit",
    "co2e_wtw_kg_per_week",
    "rent_per_yr",
    "population_reachable",
    "landed_cost_local_per_unit",
    "p_top_k",
)


def _drop_rank(col: str, weights: dict[str, float]) -> int:
    """Narrow-layout order: known columns in ``_KEEP_ORDER``, other weighted criteria by falling weight."""
    if col in _KEEP_ORDER:
        return 1 + _KEEP_ORDER.index(col)
    return 1 + len(_KEEP_ORDER) + (0 if weights.get(col, 0) > 0 else 1)


def print_ranking(result: Any, top: int, wide: bool = False) -> None:
    """Print the top sites per city with their criteria (results go to stdout).

    Narrow by default: rank, site id and score always, then as many criteria as fit the terminal;
    ``wide``: every weighted criterion, the business case, the robustness figures and the portfolio
    design's verdicts (the top site and each site the design opens).
    """
    console = make_console()
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
        columns = [Column("rank"), Column("site_id", "left"), Column("score")]
        columns += [Column(_header(c, city.currency), drop=_drop_rank(c, weights)) for c in (*crit, *robust)]
        table_rows = [
            [
                str(r["rank"]),
                str(r["site_id"]),
                f"{r['score']:.3f}",
                *[_fmt_value(c, r[c]) for c in crit],
                *[f"{r[c]:.2f}" for c in robust],
            ]
            for _, r in rows.head(top).iterrows()
        ]
        title = f"{name}: top {min(top, len(rows))} of {len(rows)} candidate sites"
        print_table(console, title, columns, table_rows, wide=wide, more="; all in ranking.csv")
        note = (getattr(city, "robustness", None) or {}).get("note")
        if note:
            print_line(console, f"robustness: {note}")
        _print_backrooms(rows.head(top), console)
        if wide:
            _print_verdicts(rows, console)
        _print_families(city, console, wide)
    if len(result.cities) > 1:
        _print_cities(result, console, wide)


def _print_backrooms(rows: Any, console: Console) -> None:
    """One line per back-room site among the rows shown (ranking.csv's ``backroom_store_id``)."""
    if "backroom_store_id" not in rows.columns:
        return
    for _, r in rows.iterrows():
        store = r["backroom_store_id"]
        if isinstance(store, str) and store:
            print_line(
                console,
                f"back room: {r['site_id']} (rank {r['rank']}) is in store {store}: its own deliveries are free, "
                "with no drop",
            )


def _print_verdicts(rows: Any, console: Console) -> None:
    """The portfolio design's verdict on the top site, and the sites the best design opens (when it was solved)."""
    if "portfolio_verdict" not in rows.columns or rows.empty:
        return
    first = rows.iloc[0]
    print_line(console, f"portfolio: {first['site_id']}: {first['portfolio_verdict']}")
    opened = rows[rows["portfolio_opens"].astype(bool) & (rows["site_id"] != first["site_id"])]
    for _, r in opened.iterrows():
        print_line(console, f"portfolio: {r['site_id']} (rank {r['rank']}): {r['portfolio_verdict']}")


def _print_cities(result: Any, console: Console, wide: bool) -> None:
    """The comparable cross-city table of a multi-city run (when the pipeline provides it)."""
    try:
        summary = result.summary
    except AttributeError:
        return
    drops = {"best_rank_overall": 3, "n_candidates_ranked": 2, "n_stores": 1}
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
    columns = [
        Column(_header(c, ""), "left" if c in ("city", "best_site_id") else "right", drops.get(c, 0)) for c in cols
    ]
    rows = [
        [
            str(r[c])
            if c in ("city", "best_site_id")
            else (f"{r[c]:.3f}" if c in ("best_score", "best_p_first") else _fmt_value(c, r[c]))
            for c in cols
        ]
        for _, r in summary.iterrows()
    ]
    print_table(console, "cities compared (best site of each)", columns, rows, wide=wide)


def _site_worth(city: Any, sites: list[str]) -> str:
    """Each opened site's value from the design's site values: ``site value; ...`` (empty: none opened)."""
    values = getattr(getattr(city, "design", None), "site_values", None)
    if values is None or not len(sites):
        return ""
    table = values.set_index(values["site_id"].astype(str))
    parts = []
    for site in sites:
        row = table.loc[site] if site in table.index else None
        if row is None or not bool(row["opens"]):
            parts.append(f"{site} not valued (not in the city's own design)")
        elif not np.isfinite(float(row["value_per_yr"])):
            parts.append(f"{site} essential (a store has no other on-time source)")
        else:
            parts.append(f"{site} {float(row['value_per_yr']):,.0f}")
    return "; ".join(parts)


def _policy_gaps(hybrid_gap: float, extra: dict[str, Any], scope: str = "") -> str:
    """The proven gap of each policy of a portfolio plan, on one line (naming a wall-clock stop)."""

    def one(gap: float | None, status: str | None) -> str:
        if gap is None:
            return "impossible"
        return f"{100 * gap:.2f}%" + (" (time limit)" if "time limit" in str(status) else "")

    return (
        f"{scope}proven gaps: hybrid {100 * hybrid_gap:.2f}%, "
        f"all-offshore {one(extra['offshore_gap'], extra['offshore_status'])}, "
        f"all-local {one(extra['local_gap'], extra['local_status'])}"
    )


def _policy_costs(hybrid_cost_per_yr: float, extra: dict[str, Any], currency: str) -> str:
    """``cost per year (EUR): hybrid ..., all-offshore ..., all-local ...`` (all-local ``impossible`` without one)."""
    local = extra.get("local_cost_per_yr")
    local_text = "impossible" if local is None else f"{local:,.0f}"
    return (
        f"cost per year ({currency}): hybrid {hybrid_cost_per_yr:,.0f}, "
        f"all-offshore {extra['offshore_cost_per_yr']:,.0f}, all-local {local_text}"
    )


def _policy_lines(
    hybrid_cost_per_yr: float, hybrid_gap: float, extra: dict[str, Any], currency: str, scope: str = ""
) -> list[str]:
    """The proven gaps, the savings the pure policies' bounds prove and the all-local hint (empty lines left out).

    ``scope`` is put before the figures' names (``"national "``: a national run's totals).
    """
    bounds = {"all-offshore": extra.get("offshore_bound_per_yr"), "all-local": extra.get("local_bound_per_yr")}
    lines = [
        _policy_gaps(hybrid_gap, extra, scope),
        _proven_savings(hybrid_cost_per_yr, bounds, currency, scope),
        _local_gap_hint(extra, scope),
    ]
    return [line for line in lines if line]


def _proven_savings(hybrid_cost_per_yr: float, bounds: dict[str, float | None], currency: str, scope: str = "") -> str:
    """What the hybrid saves against every design of each pure policy, whatever its gap (empty: nothing proven).

    No design of a policy costs less than its proven bound (``bounds``: policy name -> bound, None
    when unknown), so the hybrid design saves at least the bound minus its own cost against any of
    them, however far that policy's own design is from its optimum.
    """
    parts = []
    for name, bound in bounds.items():
        if bound is not None and np.isfinite(bound) and bound > hybrid_cost_per_yr:
            saving = bound - hybrid_cost_per_yr
            parts.append(f"at least {saving:,.0f} against any {name} design (none costs under {bound:,.0f})")
    return f"the {scope}hybrid saves a year ({currency}): {'; '.join(parts)}" if parts else ""


def _local_gap_hint(extra: dict[str, Any], scope: str = "") -> str:
    """A line saying how to prove the all-local design tighter when its gap is above the one asked for.

    ``siting plan`` proves it by default; a run that asked for fewer column rounds
    (``extra["local_bound_rounds"]``: ``--no-prove-all-local``, the scenario's keys, or ``rank``'s site
    values) is told so and offered ``siting plan --prove-all-local``; a run that asked for every round
    is told what is left between the design and its bound.
    """
    from siting.design.colgen import MAX_BOUND_ROUNDS

    gap, asked = extra.get("local_gap"), extra.get("mip_gap")
    if gap is None or asked is None or gap <= asked * (1 + 1e-9):
        return ""
    head = f"{scope}all-local is proven within {100 * gap:.2f}%, not the {100 * asked:.2f}% asked for (mip_gap)"
    if int(extra.get("local_bound_rounds") or 0) >= MAX_BOUND_ROUNDS:
        return (
            f"{head}, even with column rounds until it is (all_local_bound_rounds = {MAX_BOUND_ROUNDS}): they ended "
            "first, so the design may be dearer than the optimum, or the Lagrangian bound below it (see the "
            "portfolio manual)"
        )
    rounds = int(extra.get("local_bound_rounds") or 0)
    return (
        f"{head}: this run asked for {rounds} column round{'' if rounds == 1 else 's'} (all_local_bound_rounds); "
        "siting plan --prove-all-local (plan's default) runs them until it is, which also find cheaper designs, "
        "with site swaps that make the design cheaper (about 80 s of CPU more on the demo city; see the portfolio "
        "manual)"
    )


def design_status_line(status: str, gap: float, runtime_s: float) -> str:
    """The design's status line: its words, the proven gap unless the words name it, and the solve's time.

    Parameters
    ----------
    status : str
        ``"optimal"`` or ``"stopped at gap 0.71%"`` (possibly with a reason in brackets).
    gap : float
        The proven relative gap.
    runtime_s : float

    Returns
    -------
    str
        e.g. ``"design optimal, gap 0.01%, 0.6 s"`` or ``"design stopped at gap 0.71%, 0.6 s"``.
    """
    named = status.startswith("stopped at gap")  # "stopped at gap 0.71%, gap 0.71%" said it twice
    return f"design {status}{'' if named else f', gap {100 * gap:.2f}%'}, {runtime_s:.1f} s"


def _print_portfolio_plan(console: Any, name: str, city: Any, sol: Any, wide: bool) -> None:
    """``plan --objective portfolio``: what each opened site makes, and hybrid vs all-offshore vs all-local."""
    from siting.app.run import portfolio_sites

    made, units_text = portfolio_sites(city)
    cur = getattr(city, "currency", "")
    rows = [
        [
            str(r.site_id),
            str(r.level),
            str(r.family) or "(cross-dock only)",
            units_text(float(r.units_per_week)),
            f"{100 * float(r.utilisation):.0f}%",
        ]
        for r in made.itertuples()
    ]
    columns = [
        Column("site_id", "left"),
        Column("level", "left", drop=2),
        Column("family", "left"),
        Column("units/week"),
        Column("peak use", drop=1),
    ]
    n = made["site_id"].nunique()
    title = f"{name}: the design opens {n} site(s)" if n else f"{name}: the design opens no site (all offshore)"
    if rows:
        print_table(console, title, columns, rows, wide=wide)
    else:
        print_line(console, title)
    print_line(console, _policy_costs(sol.objective, sol.extra, cur))
    worth = _site_worth(city, list(dict.fromkeys(made["site_id"].astype(str))))
    if worth:
        print_line(console, f"worth a year ({cur}; cost without the site minus with it): {worth}")
    if sol.extra.get("national"):  # a slice's status, gap and bounds are the national run's, printed above
        print_line(console, "design: this cluster's slice of the national design (its status and gaps above)")
        return
    print_line(console, design_status_line(str(sol.extra["status"]), sol.gap, sol.runtime_s))
    if "offshore_gap" in sol.extra:
        for line in _policy_lines(sol.objective, sol.gap, sol.extra, cur):
            print_line(console, line)


def _print_national_totals(console: Any, outcome: RunOutcome) -> None:
    """A national plan's totals, once: hybrid vs all-offshore vs all-local, their gaps and what the bounds prove.

    Each cluster's lines below show its slice of the national designs, whose status, gap and bound
    are the national solve's: they are printed here, with the national costs.
    """
    from siting.app.run import national_totals

    totals = national_totals(outcome)
    if totals is None:
        return
    hybrid, extra = totals
    cur = next((getattr(c, "currency", "") for c in outcome.result.cities.values()), "")
    costs = _policy_costs(float(hybrid.cost_per_yr), extra, cur)
    print_line(console, f"national design over {len(outcome.result.national.clusters)} clusters, {costs}")
    print_line(console, f"national design {hybrid.status}")
    for line in _policy_lines(float(hybrid.cost_per_yr), float(hybrid.gap), extra, cur, "national "):
        print_line(console, line)


def print_plan(outcome: RunOutcome, wide: bool = False) -> None:
    """Print the chosen sites per city and how close to optimal the solve is."""
    console = make_console()
    _print_national_totals(console, outcome)
    for name, plan in outcome.plan.items():
        sites, sol = plan.sites, plan.solution
        note = None
        if sol is not None:
            note = (
                f"{'proven optimal' if sol.optimal else f'within {100 * sol.gap:.2f}% of the optimum'} "
                f"({sol.method}, {sol.runtime_s:.2f} s)"
            )
        if sol is not None and getattr(sol, "model", "") == "portfolio":
            _print_portfolio_plan(console, name, outcome.result.cities[name], sol, wide)
            continue
        by_cost = sol is not None and getattr(sol, "model", "") == "facility_location"  # plan --objective cost
        columns = [
            Column("site_id", "left"),
            Column("rank"),
            Column("stores served"),
            Column("demand (units/week)"),
            Column("cost per unit/yr" if by_cost else "mean delivery (min)"),
        ]
        rows = []
        for _, r in sites.iterrows():
            served = float(r.get("demand_served", 0) or 0)
            scale = 1 if by_cost else 60
            mean_min = float(r.get("weighted_cost", 0) or 0) / served / scale if served > 0 else float("nan")
            rows.append(
                [
                    str(r["site_id"]),
                    _fmt_value("", r.get("rank")),
                    _fmt_value("", r.get("n_stores")),
                    _fmt_value("", served),
                    "-" if not np.isfinite(mean_min) else f"{mean_min:.1f}",
                ]
            )
        print_table(console, f"{name}: best {len(sites)} site(s)", columns, rows, wide=wide, caption=note)
