"""Per family: which source is cheaper, and the frontier of demand CV, offshore MOQ and season length."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from siting.costs.information import information_value
from siting.costs.landed import COMPONENTS
from siting.costs.products import ProductFamily, cost_default
from siting.costs.sides import side_cost
from siting.errors import InputError

__all__ = ["FAMILY_COLUMNS", "FRONTIER_COLUMNS", "FRONTIER_INPUTS", "family_costs", "frontier", "frontier_figure"]

#: Columns of :func:`family_costs`.
FAMILY_COLUMNS = [
    "family",
    "units_per_yr",
    "skus",
    "landed_cost_local_per_unit",
    "landed_cost_offshore_per_unit",
    "saving_vs_offshore_per_unit",
    "fill_rate_local",
    "fill_rate_offshore",
    "cheaper",
    *[f"{c}_{side}_per_unit" for side in ("local", "offshore") for c in COMPONENTS],
    "orders_per_season_local",
    "orders_per_season_offshore",
    "written_off_units_local_per_yr",
    "written_off_units_offshore_per_yr",
    "incoterm",
    "origin",
    "moq_offshore_basis",
    "sku_popularity",
    "test_drop_units",
    "learning_value_local_per_unit",
    "learning_value_local_per_yr",
    "test_drop_value_local_per_unit",
    "test_drop_value_local_per_yr",
]

#: The inputs the frontier is traced along: (field, low, high, log grid).
FRONTIER_INPUTS = {
    "forecast_cv_preseason": (0.0, 2.0, False),
    "moq_offshore_units": (1.0, 100_000.0, True),
    "season_weeks": (1.0, 52.0, False),
}

#: Columns of :func:`frontier`: ``crossings`` lists every crossing, ``local_cheaper_where`` the ranges where local wins.
FRONTIER_COLUMNS = [
    "family",
    "input",
    "at",
    "base_value",
    "frontier_value",
    "local_cheaper",
    "note",
    "crossings",
    "local_cheaper_where",
]

#: The 2-D map of the figure: forecast CVs (x) and offshore MOQs (y) it is priced on.
MAP_CVS = tuple(float(x) for x in np.linspace(0.0, 1.5, 7))
MAP_MOQS = tuple(float(x) for x in np.geomspace(10.0, 100_000.0, 9))

#: Savings wider than this (currency per unit) are drawn on a symmetric log scale (linear within 1 of 0).
SYMLOG_ABOVE = 30.0

#: The ``input`` of the 2-D map's rows in the curves (``value`` the CV, ``moq_offshore_units`` the MOQ).
MAP_INPUT = "forecast_cv_preseason x moq_offshore_units"

#: Forecast CVs at which the offshore-MOQ frontier is also traced (the CV x MOQ frontier).
FRONTIER_CVS = (0.0, 0.25, 0.5, 1.0)


def _overheads(
    products: Sequence[ProductFamily],
    site_cost_per_yr: float,
    delivery_cost_per_yr: float,
    off_delivery: float,
    wpy: float,
) -> tuple[float, float, float]:
    units = wpy * sum(p.demand_mean_units_per_week for p in products)
    if units <= 0:
        raise InputError("family_costs: the families have no demand.")
    return site_cost_per_yr / units, delivery_cost_per_yr / units, off_delivery / units


def _family_row(
    p: ProductFamily, site_u: float, delivery_u: float, off_delivery_u: float, wpy: float, brand: float | None = None
) -> dict:
    loc = side_cost(p, "local", weeks_per_yr=wpy)  # a sweep of one side reuses the other (siting.costs.sides)
    if brand is None:
        off = side_cost(p, "offshore", weeks_per_yr=wpy)
    else:  # the brand volume frame: the stores' share of the brand's buy
        from siting.costs.brand import brand_sourcing_cost

        off = brand_sourcing_cost(p, brand, weeks_per_yr=wpy)
    units = loc.demand_units_per_yr
    row: dict = {"family": p.family, "units_per_yr": units, "skus": p.skus}
    for side, s, delivery, site in (("local", loc, delivery_u, site_u), ("offshore", off, off_delivery_u, 0.0)):
        for c in COMPONENTS[:5]:
            row[f"{c}_{side}_per_unit"] = getattr(s, f"{c}_per_yr") / units
        row[f"delivery_{side}_per_unit"] = delivery
        row[f"site_{side}_per_unit"] = site
        row[f"landed_cost_{side}_per_unit"] = sum(row[f"{c}_{side}_per_unit"] for c in COMPONENTS)
        row[f"fill_rate_{side}"] = s.fill_rate
        row[f"orders_per_season_{side}"] = s.buys_per_season
        row[f"written_off_units_{side}_per_yr"] = s.written_off_units_per_yr
    row["incoterm"], row["origin"] = p.incoterm, p.origin or "as given"
    row["moq_offshore_basis"] = "per style, size curve" if p.moq_offshore_basis == "style" else "per SKU"
    row["sku_popularity"] = "csv" if p.sku_popularity else f"zipf {p.sku_zipf_exponent:g}"
    row["saving_vs_offshore_per_unit"] = row["landed_cost_offshore_per_unit"] - row["landed_cost_local_per_unit"]
    row["cheaper"] = "local" if row["saving_vs_offshore_per_unit"] > 0 else "offshore"
    return row


def family_costs(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_yr: float = 0.0,
    weeks_per_yr: float | None = None,
    brand_units_per_week: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Landed cost per family, local and offshore, and which is cheaper.

    The site's yearly cost and both delivery costs are shared over the mix per unit of demand
    (every unit carries the same site and delivery cost), the rest is the family's own. With
    ``brand_units_per_week`` (family -> the brand's weekly volume) the offshore side is the
    stores' share of the brand's buy (:mod:`siting.costs.brand`). The last columns price
    information made locally (:func:`siting.costs.information_value`): the value of learning from
    sales (cost with the pre-season forecast only minus cost with the Kalman re-orders) and of a
    test drop of ``test_drop_units`` on top of it, per unit and per year.

    Returns
    -------
    pandas.DataFrame
        :data:`FAMILY_COLUMNS`, one row per family.
    """
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    over = _overheads(products, site_cost_per_yr, delivery_cost_per_yr, offshore_delivery_cost_per_yr, wpy)
    brand = brand_units_per_week or {}
    rows = []
    for p in products:
        row = _family_row(p, *over, wpy, brand.get(p.family))
        info = information_value(p, weeks_per_yr=wpy)  # made locally: learning, then a test drop on top
        row["test_drop_units"] = info.test_drop_units
        row["learning_value_local_per_unit"] = info.learning_value_per_unit
        row["learning_value_local_per_yr"] = info.learning_value_per_yr
        row["test_drop_value_local_per_unit"] = info.test_drop_value_per_unit
        row["test_drop_value_local_per_yr"] = info.test_drop_value_per_yr
        rows.append(row)
    return pd.DataFrame(rows, columns=FAMILY_COLUMNS)


def _grid(name: str, n_grid: int) -> np.ndarray:
    """The values an input is swept over (``n_grid`` points of its :data:`FRONTIER_INPUTS` range)."""
    lo, hi, log = FRONTIER_INPUTS[name]
    return np.geomspace(lo, hi, n_grid) if log else np.linspace(lo, hi, n_grid)


def _roots(p: ProductFamily, name: str, over: tuple, wpy: float, grid: np.ndarray, values: np.ndarray) -> list:
    """Every sign change of the saving along a sweep, solved to 1e-6 (:func:`scipy.optimize.brentq`), and its side."""
    from scipy.optimize import brentq  # about 0.2 s to import: only for a frontier, not on `siting rank`

    roots = []
    for i in range(len(grid) - 1):
        a, b = values[i], values[i + 1]
        if np.sign(a) != np.sign(b):
            x = brentq(lambda v: _saving(p, name, v, over, wpy), grid[i], grid[i + 1], xtol=1e-6)
            roots.append((float(x), "above" if b > a else "below"))
    return roots


def _frontier_row(p: ProductFamily, name: str, at: str, roots: list, values: np.ndarray) -> tuple:
    lo, hi, _ = FRONTIER_INPUTS[name]
    base = float(getattr(p, name))
    where = _local_ranges(roots, values, lo, hi)
    listed = "; ".join(f"{x:.4g} (local cheaper {side})" for x, side in roots)
    if not roots:
        who = "local" if values.mean() > 0 else "offshore"
        return (p.family, name, at, base, math.nan, "", f"{who} cheaper over {lo:g}-{hi:g}", "", where)
    x, side = min(roots, key=lambda r: abs(r[0] - base))
    note = f"{len(roots)} crossings" if len(roots) > 1 else ""
    return (p.family, name, at, base, x, side, note, listed, where)


def _local_ranges(roots: list, values: np.ndarray, lo: float, hi: float) -> str:
    """Where local is cheaper along the sweep, e.g. ``"3.9-45.5"`` or ``"1-2.2; 30-52"`` (``""``: nowhere)."""
    edges = [lo, *[x for x, _ in roots], hi]
    local = values[0] > 0  # the sweep's first point is the range's low end
    ranges = []
    for a, b in zip(edges, edges[1:]):
        if local:
            ranges.append(f"{a:.3g}-{b:.3g}")
        local = not local
    return "; ".join(ranges)


def _saving(p: ProductFamily, name: str, value: float, over: tuple[float, float, float], wpy: float) -> float:
    q = dataclasses.replace(p, **{name: value})  # type: ignore[arg-type]  # a numeric field by name
    return float(_family_row(q, *over, wpy)["saving_vs_offshore_per_unit"])


_MOQ = "moq_offshore_units"


def _no_cv(p: ProductFamily, name: str) -> bool:
    """A Poisson family has no forecast CV to sweep."""
    return name == "forecast_cv_preseason" and p.distribution == "poisson"


def _saving_job(job: tuple) -> float:
    """:func:`_saving` of one point of a sweep or map: (family, input, value, overheads, weeks a year)."""
    return _saving(*job)


def frontier(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_yr: float = 0.0,
    weeks_per_yr: float | None = None,
    n_grid: int = 25,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where local wins: for each family and each of :data:`FRONTIER_INPUTS`, the value beyond which
    local is cheaper, the other inputs at their base values and the overheads per unit fixed.

    Each input is swept over its range (``n_grid`` points); every sign change of the saving per unit
    is solved with :func:`scipy.optimize.brentq`. The crossing nearest the base value is
    ``frontier_value``; ``crossings`` lists every one and ``local_cheaper_where`` the ranges of the
    sweep where local is cheaper (e.g. fashion_top's season: local only between two lengths).
    For the figure, the saving is also priced on a grid of forecast CV (:data:`MAP_CVS`) x
    offshore MOQ (:data:`MAP_MOQS`) per family (not Poisson ones, which have no forecast error).
    The offshore-MOQ frontier is also traced at the forecast CVs of :data:`FRONTIER_CVS` (the
    CV x MOQ frontier; ``at`` says which). A Poisson family has no forecast CV to sweep.

    Returns
    -------
    (DataFrame, DataFrame)
        The frontier table (:data:`FRONTIER_COLUMNS`; ``local_cheaper`` says on which side of the
        frontier local wins, ``above`` or ``below``) and the swept curves
        (``family, input, value, saving_vs_offshore_per_unit, moq_offshore_units``; the map's rows
        have ``input`` :data:`MAP_INPUT`) for the figure.
    """
    from siting.forked import map_forked

    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    over = _overheads(products, site_cost_per_yr, delivery_cost_per_yr, offshore_delivery_cost_per_yr, wpy)
    # every point of every sweep and map first (each prices the season model, up to a second at long
    # seasons: side by side on forked workers), then the crossings and tables in the families' order
    sweeps: list[tuple] = []  # (family's index, family, input, at, grid)
    maps: list[tuple[int, ProductFamily]] = []
    for i, p in enumerate(products):
        sweeps += [
            (i, p, name, "others at base", _grid(name, n_grid)) for name in FRONTIER_INPUTS if not _no_cv(p, name)
        ]
        if p.distribution != "poisson":  # the CV x MOQ frontier: the offshore MOQ frontier at other forecast CVs
            for cv in FRONTIER_CVS:
                q = dataclasses.replace(p, forecast_cv_preseason=cv)
                sweeps.append((i, q, _MOQ, f"forecast_cv_preseason={cv:g}", _grid(_MOQ, max(n_grid // 2, 9))))
            maps.append((i, p))
    points = [(q, name, float(x), over, wpy) for _, q, name, _, grid in sweeps for x in grid]
    points += [
        (dataclasses.replace(p, forecast_cv_preseason=cv), _MOQ, moq, over, wpy)
        for _, p in maps
        for moq in MAP_MOQS
        for cv in MAP_CVS
    ]
    savings = iter(map_forked(_saving_job, points))
    swept = {}
    for i, q, name, at, grid in sweeps:  # the points come back in the order they were listed
        values = np.array([next(savings) for _ in grid])
        swept[(i, name, at)] = (_roots(q, name, over, wpy, grid, values), grid, values)
    mapped = {i: [(p.family, MAP_INPUT, cv, next(savings), moq) for moq in MAP_MOQS for cv in MAP_CVS] for i, p in maps}
    rows: list[tuple] = []
    curves: list[tuple] = []
    for i, p in enumerate(products):
        for name in FRONTIER_INPUTS:
            if _no_cv(p, name):
                base = float(p.forecast_cv_preseason)
                rows.append(
                    (p.family, name, "others at base", base, math.nan, "", "Poisson demand: no CV to sweep", "", "")
                )
                continue
            roots, grid, values = swept[(i, name, "others at base")]
            curves += [(p.family, name, float(x), float(v)) for x, v in zip(grid, values)]
            rows.append(_frontier_row(p, name, "others at base", roots, values))
        if p.distribution == "poisson":
            continue
        for cv in FRONTIER_CVS:
            at = f"forecast_cv_preseason={cv:g}"
            roots, _, values = swept[(i, _MOQ, at)]
            rows.append(_frontier_row(dataclasses.replace(p, forecast_cv_preseason=cv), _MOQ, at, roots, values))
        curves += mapped[i]  # the figure's 2-D map: forecast CV x offshore MOQ
    table = pd.DataFrame(rows, columns=FRONTIER_COLUMNS)
    columns = ["family", "input", "value", "saving_vs_offshore_per_unit", "moq_offshore_units"]
    return table, pd.DataFrame([(*c, math.nan) if len(c) == 4 else c for c in curves], columns=columns)


def frontier_figure(curves: pd.DataFrame, table: pd.DataFrame, path: str | Path, *, currency: str = "EUR") -> Path:
    """A PNG per run: one row per family, the forecast CV x offshore MOQ map and the three sweeps.

    The map colours the saving (offshore minus local landed cost per unit, in ``currency`` per unit)
    on a scale centred on 0 (red: offshore cheaper, blue: local cheaper), draws the break-even
    contour (saving 0) and marks the base case. Each sweep plots the saving with 0 on its axis and
    every crossing marked and labelled. A panel a family has no data for says why (a Poisson family
    has no forecast error to sweep).

    Parameters
    ----------
    curves, table : DataFrame
        From :func:`frontier`.
    path : str or Path
        The PNG to write.
    currency : str

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(table["family"]))
    inputs = list(FRONTIER_INPUTS)
    fig, axes = plt.subplots(len(families), 1 + len(inputs), figsize=(17, 3.0 * len(families)), squeeze=False)
    unit = f"saving, {currency} per unit"
    for r, fam in enumerate(families):
        rows = table[(table["family"] == fam) & (table["at"] == "others at base")].set_index("input")
        _map_panel(axes[r][0], curves[(curves["family"] == fam) & (curves["input"] == MAP_INPUT)], rows, fam, unit)
        for c, name in enumerate(inputs, start=1):
            ax = axes[r][c]
            cur = curves[(curves["family"] == fam) & (curves["input"] == name)]
            row = rows.loc[name]
            if not len(cur):
                ax.text(0.5, 0.5, f"{fam}: {row['note']}", ha="center", va="center", wrap=True, fontsize=8)
                ax.set_axis_off()
                continue
            ax.plot(cur["value"], cur["saving_vs_offshore_per_unit"], color="tab:blue")
            if FRONTIER_INPUTS[name][2]:
                ax.set_xscale("log")
            low, high = float(cur["saving_vs_offshore_per_unit"].min()), float(cur["saving_vs_offshore_per_unit"].max())
            pad = 0.1 * max(high - low, abs(high), abs(low), 1e-6)
            ax.set_ylim(min(low, 0.0) - pad, max(high, 0.0) + pad)  # 0 always on the axis
            if max(abs(low), abs(high)) > SYMLOG_ABOVE:  # a wide range: linear within 1 of 0, log beyond
                ax.set_yscale("symlog", linthresh=1.0)
            ax.axhline(0.0, color="grey", lw=0.8)
            ax.axvline(row["base_value"], color="black", ls=":", lw=0.8)
            crossings = [float(x.split(" ")[0]) for x in str(row["crossings"]).split("; ") if x]
            for x in crossings:
                ax.axvline(x, color="tab:red", ls="--", lw=1)
                ax.annotate(
                    f"{x:.3g}", (x, 0.0), fontsize=7, color="tab:red", xytext=(3, 3), textcoords="offset points"
                )
            where = row["local_cheaper_where"] or "nowhere"
            ax.set_title(f"{fam}: {name}\nlocal cheaper: {where}", fontsize=8, y=1.0)
            ax.tick_params(labelsize=7)
            ax.set_ylabel(unit, fontsize=7)
    fig.suptitle(
        f"Saving = offshore minus local landed cost, {currency} per unit: above 0 (blue) the microfactory is cheaper; "
        "black line / dotted: break-even, star / dotted: base case, red dashed: crossings"
    )
    # fixed margins in inches (a title of two lines above each panel, the figure's title on top): a layout
    # like tight_layout's on these panels, without its extra pass over every tick label (about 1 s a run)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.035, right=0.99, bottom=0.4 / height, top=1 - 0.95 / height, wspace=0.3, hspace=0.5)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _map_panel(ax, cells: pd.DataFrame, rows: pd.DataFrame, fam: str, unit: str) -> None:
    """The forecast CV x offshore MOQ map of one family, or why it has none."""
    from matplotlib.colors import Normalize, SymLogNorm, TwoSlopeNorm

    if not len(cells):
        note = rows.loc["forecast_cv_preseason", "note"] if "forecast_cv_preseason" in rows.index else ""
        ax.text(
            0.5,
            0.5,
            f"{fam}: no forecast CV x MOQ map\n({note or 'no forecast error to sweep'})",
            ha="center",
            va="center",
            fontsize=8,
        )
        ax.set_axis_off()
        return
    grid = cells.pivot(index="moq_offshore_units", columns="value", values="saving_vs_offshore_per_unit")
    z = grid.to_numpy()
    low, high = float(np.nanmin(z)), float(np.nanmax(z))
    if max(abs(low), abs(high)) > SYMLOG_ABOVE:  # symmetric around 0, linear within 1 of it, log beyond
        span = max(abs(low), abs(high))
        norm: Normalize = SymLogNorm(linthresh=1.0, vmin=-span, vmax=span)
    elif low < 0.0 < high:
        norm = TwoSlopeNorm(vmin=low, vcenter=0.0, vmax=high)
    else:  # one sign everywhere: keep 0 at an end of the scale so the reader sees there is no crossing
        norm = Normalize(vmin=min(low, 0.0), vmax=max(high, 0.0))
    mesh = ax.pcolormesh(grid.columns, grid.index, z, cmap="RdBu", norm=norm, shading="nearest")
    if low < 0.0 < high:
        ax.contour(grid.columns, grid.index, z, levels=[0.0], colors="black", linewidths=1.2)
    else:
        who = "local" if low >= 0 else "offshore"
        ax.text(0.02, 0.95, f"{who} cheaper on the whole map", transform=ax.transAxes, fontsize=7, va="top")
    ax.set_yscale("log")
    base_cv, base_moq = rows.loc["forecast_cv_preseason", "base_value"], rows.loc["moq_offshore_units", "base_value"]
    ax.plot([base_cv], [base_moq], marker="*", color="gold", markeredgecolor="black", markersize=12)
    ax.set_xlabel("pre-season forecast CV", fontsize=7)
    ax.set_ylabel("offshore MOQ (units)", fontsize=7)
    ax.set_title(f"{fam}: forecast error x offshore MOQ", fontsize=8, y=1.0)
    ax.tick_params(labelsize=7)
    bar = ax.figure.colorbar(mesh, ax=ax)
    bar.set_label(unit, fontsize=7)
    bar.ax.axhline(0.0, color="black", lw=1)
    bar.ax.tick_params(labelsize=7)
