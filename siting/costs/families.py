"""Per family: which source is cheaper, and the frontier of demand CV, offshore MOQ and season length."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from siting.costs.landed import COMPONENTS
from siting.costs.products import ProductFamily, cost_default
from siting.costs.season import sourcing_cost
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
]

#: The inputs the frontier is traced along: (field, low, high, log grid).
FRONTIER_INPUTS = {
    "forecast_cv_preseason": (0.0, 2.0, False),
    "moq_offshore_units": (1.0, 100_000.0, True),
    "season_weeks": (1.0, 52.0, False),
}

#: Columns of :func:`frontier`.
FRONTIER_COLUMNS = ["family", "input", "at", "base_value", "frontier_value", "local_cheaper", "note"]

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
    loc = sourcing_cost(p, "local", weeks_per_yr=wpy)
    if brand is None:
        off = sourcing_cost(p, "offshore", weeks_per_yr=wpy)
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
    stores' share of the brand's buy (:mod:`siting.costs.brand`).

    Returns
    -------
    pandas.DataFrame
        :data:`FAMILY_COLUMNS`, one row per family.
    """
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    over = _overheads(products, site_cost_per_yr, delivery_cost_per_yr, offshore_delivery_cost_per_yr, wpy)
    brand = brand_units_per_week or {}
    rows = [_family_row(p, *over, wpy, brand.get(p.family)) for p in products]
    return pd.DataFrame(rows, columns=FAMILY_COLUMNS)


def _crossings(
    p: ProductFamily, name: str, over: tuple, wpy: float, n_grid: int
) -> tuple[list, np.ndarray, np.ndarray]:
    lo, hi, log = FRONTIER_INPUTS[name]
    grid = np.geomspace(lo, hi, n_grid) if log else np.linspace(lo, hi, n_grid)
    values = np.array([_saving(p, name, float(x), over, wpy) for x in grid])
    roots = []
    for i in range(n_grid - 1):
        a, b = values[i], values[i + 1]
        if np.sign(a) != np.sign(b):
            x = brentq(lambda v: _saving(p, name, v, over, wpy), grid[i], grid[i + 1], xtol=1e-6)
            roots.append((float(x), "above" if b > a else "below"))
    return roots, grid, values


def _frontier_row(p: ProductFamily, name: str, at: str, roots: list, values: np.ndarray) -> tuple:
    lo, hi, _ = FRONTIER_INPUTS[name]
    base = float(getattr(p, name))
    if not roots:
        who = "local" if values.mean() > 0 else "offshore"
        return (p.family, name, at, base, math.nan, "", f"{who} cheaper over {lo:g}-{hi:g}")
    x, side = min(roots, key=lambda r: abs(r[0] - base))
    return (p.family, name, at, base, x, side, f"{len(roots)} crossings" if len(roots) > 1 else "")


def _saving(p: ProductFamily, name: str, value: float, over: tuple[float, float, float], wpy: float) -> float:
    q = dataclasses.replace(p, **{name: value})  # type: ignore[arg-type]  # a numeric field by name
    return float(_family_row(q, *over, wpy)["saving_vs_offshore_per_unit"])


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
    is solved with :func:`scipy.optimize.brentq`. The crossing nearest the base value is reported.
    The offshore-MOQ frontier is also traced at the forecast CVs of :data:`FRONTIER_CVS` (the
    CV x MOQ frontier; ``at`` says which). A Poisson family has no forecast CV to sweep.

    Returns
    -------
    (DataFrame, DataFrame)
        The frontier table (:data:`FRONTIER_COLUMNS`; ``local_cheaper`` says on which side of the
        frontier local wins, ``above`` or ``below``) and the swept curves
        (``family, input, value, saving_vs_offshore_per_unit``) for the figure.
    """
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    over = _overheads(products, site_cost_per_yr, delivery_cost_per_yr, offshore_delivery_cost_per_yr, wpy)
    rows, curves = [], []
    for p in products:
        for name in FRONTIER_INPUTS:
            if name == "forecast_cv_preseason" and p.distribution == "poisson":
                base = float(p.forecast_cv_preseason)
                rows.append((p.family, name, "others at base", base, math.nan, "", "Poisson demand: no CV to sweep"))
                continue
            roots, grid, values = _crossings(p, name, over, wpy, n_grid)
            curves += [(p.family, name, float(x), float(v)) for x, v in zip(grid, values)]
            rows.append(_frontier_row(p, name, "others at base", roots, values))
        if p.distribution == "poisson":
            continue
        for cv in FRONTIER_CVS:  # the CV x MOQ frontier: the offshore MOQ frontier at other forecast CVs
            q = dataclasses.replace(p, forecast_cv_preseason=cv)
            roots, _, values = _crossings(q, "moq_offshore_units", over, wpy, max(n_grid // 2, 9))
            rows.append(_frontier_row(q, "moq_offshore_units", f"forecast_cv_preseason={cv:g}", roots, values))
    table = pd.DataFrame(rows, columns=FRONTIER_COLUMNS)
    return table, pd.DataFrame(curves, columns=["family", "input", "value", "saving_vs_offshore_per_unit"])


def frontier_figure(curves: pd.DataFrame, table: pd.DataFrame, path: str | Path, *, currency: str = "EUR") -> Path:
    """A PNG: saving per unit against each frontier input, one row of panels per family.

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
    fig, axes = plt.subplots(len(families), len(inputs), figsize=(4 * len(inputs), 2.4 * len(families)), squeeze=False)
    for r, fam in enumerate(families):
        for c, name in enumerate(inputs):
            ax = axes[r][c]
            cur = curves[(curves["family"] == fam) & (curves["input"] == name)]
            if len(cur):
                ax.plot(cur["value"], cur["saving_vs_offshore_per_unit"], color="tab:blue")
                if FRONTIER_INPUTS[name][2]:
                    ax.set_xscale("log")
            ax.axhline(0.0, color="grey", lw=0.8)
            row = table[(table["family"] == fam) & (table["input"] == name)].iloc[0]
            ax.axvline(row["base_value"], color="black", ls=":", lw=0.8)
            if np.isfinite(row["frontier_value"]):
                ax.axvline(row["frontier_value"], color="tab:red", ls="--", lw=1)
            ax.set_title(f"{fam}: {name}", fontsize=8)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_ylabel(f"saving/unit ({currency})", fontsize=7)
    fig.suptitle(
        "Saving = offshore minus local landed cost per unit: above 0 the microfactory is cheaper "
        "(red: frontier, dotted: base)"
    )
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
