"""Landed cost per site, local microfactory versus offshore: per-site table, break-even, sensitivity.

The model: :mod:`siting.costs.season` (each family over a season, from each source),
:mod:`siting.costs.landed` (a mix, per unit of demand), :mod:`siting.costs.forecast` (forecast error
growing with the horizon), :mod:`siting.costs.demand` (the newsvendor). A site's local landed cost
adds its delivery lanes and its site cost (rent x floor area + amortised set-up); the offshore
landed cost adds delivery from the distribution point. Both are priced on the same volume: the
demand of the stores the site serves.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from siting.costs.demand import NewsvendorResult, newsvendor, normal_loss
from siting.costs.landed import COMPONENTS, Comparison, LandedCost, compare, landed_cost, scale_demand
from siting.costs.products import ProductFamily, cost_default, cost_defaults, load_products
from siting.costs.season import SourcingCost, sourcing_cost
from siting.errors import InputError, MissingColumnError

__all__ = [
    "newsvendor",
    "normal_loss",
    "NewsvendorResult",
    "ProductFamily",
    "load_products",
    "cost_defaults",
    "COMPONENTS",
    "SourcingCost",
    "LandedCost",
    "Comparison",
    "BreakEven",
    "sourcing_cost",
    "landed_cost",
    "compare",
    "scale_demand",
    "break_even",
    "sensitivity",
    "delivery_cost_per_week_by_site",
    "site_landed_costs",
    "cluster_landed_costs",
    "SITE_COLUMNS",
]


@dataclass(frozen=True)
class BreakEven:
    """Demand volume (units per year) at which local and offshore landed costs are equal.

    ``units_per_yr`` is NaN when no crossing lies in the searched range; ``note`` says why.
    ``crossings_units_per_yr`` lists every crossing found, ascending.
    """

    units_per_yr: float
    scale: float
    note: str
    crossings_units_per_yr: tuple[float, ...] = ()


def break_even(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_yr: float = 0.0,
    weeks_per_yr: float | None = None,
    scale_range: tuple[float, float] = (1e-3, 1e3),
) -> BreakEven:
    """Break-even demand volume: all families' demand scaled by one factor ``k`` (mean and std,
    constant coefficient of variation), both delivery costs per year scaled by ``k``, site cost fixed.

    Every sign change of the saving per unit on a 61-point log grid of ``k`` over ``scale_range`` is
    solved with :func:`scipy.optimize.brentq`. The break-even is the largest crossing: beyond it the
    cheaper source no longer changes. Low volumes hurt both sources (site cost locally, MOQ
    leftovers offshore), so there can be a lower crossing too; all are in
    ``crossings_units_per_yr``.

    Returns
    -------
    BreakEven
        ``units_per_yr`` in mean demand units per year (NaN if no crossing in range).
    """
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    base_units = wpy * sum(p.demand_mean_units_per_week for p in products)

    def saving(k: float) -> float:
        return compare(
            scale_demand(products, k),
            site_cost_per_yr=site_cost_per_yr,
            delivery_cost_per_yr=delivery_cost_per_yr * k,
            offshore_delivery_cost_per_yr=offshore_delivery_cost_per_yr * k,
            weeks_per_yr=wpy,
        ).saving_per_unit

    from scipy.optimize import brentq  # about 0.2 s to import: only for a break-even, not on `siting rank`

    grid = np.geomspace(scale_range[0], scale_range[1], 61)
    values = np.array([saving(k) for k in grid])
    roots: list[tuple[float, str]] = []
    for i in range(len(grid) - 1):
        a, b = values[i], values[i + 1]
        if a == 0.0 or np.sign(a) != np.sign(b):
            k = grid[i] if a == 0.0 else brentq(saving, grid[i], grid[i + 1], xtol=1e-12, rtol=1e-12)
            roots.append((float(k), "above" if b > a else "below"))
    if roots:
        k, where = roots[-1]
        more = (
            f" (also crosses at {', '.join(f'{r[0] * base_units:.4g}' for r in roots[:-1])} units/yr)"
            if len(roots) > 1
            else ""
        )
        return BreakEven(
            k * base_units, k, f"local is cheaper {where} this volume{more}", tuple(r[0] * base_units for r in roots)
        )
    lo, hi = base_units * grid[0], base_units * grid[-1]
    who = "local" if values[0] > 0 else "offshore"
    return BreakEven(
        float("nan"),
        float("nan"),
        f"no break-even: {who} is cheaper at every volume from {lo:.3g} to {hi:.3g} units/yr",
    )


#: Every numeric input of a product family (all ProductFamily fields but its name and choices).
_PRODUCT_INPUTS = tuple(f.name for f in fields(ProductFamily) if f.type in ("float", float))


def sensitivity(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_yr: float = 0.0,
    change: float = 0.2,
    weeks_per_yr: float | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity: each input -change and +change, all others at base.

    Product inputs are scaled in every family at once. A change that makes the inputs invalid
    (e.g. salvage above cost) gives NaN results and the reason in ``note``.

    Returns
    -------
    pandas.DataFrame
        Tidy, for a tornado chart: ``input, change, landed_cost_local_per_unit,
        landed_cost_offshore_per_unit, saving_vs_offshore_per_unit, delta_saving_vs_offshore_per_unit,
        swing``,
        two rows per input, sorted by ``swing`` (spread of the saving) descending.
    """
    kw: dict[str, Any] = dict(offshore_delivery_cost_per_yr=offshore_delivery_cost_per_yr, weeks_per_yr=weeks_per_yr)
    base = compare(products, site_cost_per_yr=site_cost_per_yr, delivery_cost_per_yr=delivery_cost_per_yr, **kw)
    rows = []
    for name in (*_PRODUCT_INPUTS, "site_cost_per_yr", "delivery_cost_per_yr"):
        for sign in (-1.0, 1.0):
            f = 1.0 + sign * change
            site, delivery, prods, note = site_cost_per_yr, delivery_cost_per_yr, products, ""
            try:
                if name == "site_cost_per_yr":
                    site *= f
                elif name == "delivery_cost_per_yr":
                    delivery *= f
                else:
                    prods = [p.scaled(**{name: f}) for p in products]
                c = compare(prods, site_cost_per_yr=site, delivery_cost_per_yr=delivery, **kw)
                vals = (c.local.per_unit, c.offshore.per_unit, c.saving_per_unit)
            except InputError as exc:
                vals, note = (math.nan,) * 3, str(exc)
            rows.append((name, sign * change, *vals, vals[2] - base.saving_per_unit, note))
    cols = [
        "input",
        "change",
        "landed_cost_local_per_unit",
        "landed_cost_offshore_per_unit",
        "saving_vs_offshore_per_unit",
        "delta_saving_vs_offshore_per_unit",
        "note",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out["swing"] = out.groupby("input")["saving_vs_offshore_per_unit"].transform(lambda s: s.max() - s.min())
    order = out.groupby("input", sort=False)["swing"].first().sort_values(ascending=False, kind="stable")
    out["input"] = pd.Categorical(out["input"], categories=list(order.index), ordered=True)
    out = out.sort_values(["input", "change"], kind="stable").reset_index(drop=True)
    out["input"] = out["input"].astype(str)
    return out


def delivery_cost_per_week_by_site(lanes: pd.DataFrame) -> pd.Series:
    """Sum of the lanes' ``cost_per_week`` per ``site_id`` (the input the site costing needs)."""
    for col in ("site_id", "cost_per_week"):
        if col not in lanes.columns:
            raise MissingColumnError(f"lanes: missing column {col!r}; pass the table from siting.delivery.lanes.")
    return lanes.groupby("site_id")["cost_per_week"].sum().rename("delivery_cost_per_week")


#: Columns of :func:`site_landed_costs`, in order.
SITE_COLUMNS = [
    "site_id",
    "units_per_yr",
    "site_cost_per_yr",
    "delivery_cost_per_yr",
    "landed_cost_local_per_unit",
    "landed_cost_offshore_per_unit",
    "saving_vs_offshore_per_unit",
    "saving_vs_offshore_per_yr",
    *[f"{c}_{side}_per_unit" for side in ("local", "offshore") for c in COMPONENTS],
    "fill_rate_local",
    "fill_rate_offshore",
    "break_even_units_per_yr",
    "break_even_note",
]


def _per_site(candidates: pd.DataFrame, column: str, given: object, default: float) -> np.ndarray:
    """A per-site number: the candidates' column, else a mapping by site_id (NaN if absent), else a scalar."""
    if column in candidates.columns:
        return candidates[column].astype(float).to_numpy()
    if isinstance(given, (Mapping, pd.Series)):
        lookup = dict(given)
        return np.array([lookup.get(s, np.nan) for s in candidates["site_id"]], dtype=float)
    return np.full(len(candidates), default if given is None else float(given))  # type: ignore[arg-type]


def comparison_row(c: Comparison) -> dict[str, float]:
    """The per-unit figures of one comparison, named as in :data:`SITE_COLUMNS`."""
    row = {
        "units_per_yr": c.units_per_yr,
        "landed_cost_local_per_unit": c.local.per_unit,
        "landed_cost_offshore_per_unit": c.offshore.per_unit,
        "saving_vs_offshore_per_unit": c.saving_per_unit,
        "saving_vs_offshore_per_yr": c.saving_per_yr,
        "fill_rate_local": c.local.fill_rate,
        "fill_rate_offshore": c.offshore.fill_rate,
    }
    for side, lc in (("local", c.local), ("offshore", c.offshore)):
        row.update({f"{k}_{side}_per_unit": lc.component_per_unit(k) for k in COMPONENTS})
    return row


def site_landed_costs(
    candidates: pd.DataFrame,
    products: Sequence[ProductFamily],
    *,
    delivery_cost_per_week: Mapping[str, float] | pd.Series | None = None,
    offshore_delivery_cost_per_week: float = 0.0,
    floor_area_m2: float | None = None,
    setup_cost: float = 0.0,
    amortisation_yr: float | None = None,
    weeks_per_yr: float | None = None,
    with_break_even: bool = True,
    brand_units_per_week: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Landed cost per site, local versus offshore, in the volume of the stores the sites serve.

    Parameters
    ----------
    candidates : DataFrame
        ``site_id``, ``rent_per_m2_yr`` and (unless ``floor_area_m2`` is given) ``floor_area_m2``;
        optional ``delivery_cost_per_week`` and ``setup_cost`` columns override the keywords.
    products : sequence of ProductFamily
        The product mix each site would make, its demand scaled to the stores it serves
        (:func:`siting.costs.mix_for_demand`).
    delivery_cost_per_week : mapping or Series site_id -> money per week, optional
        E.g. :func:`delivery_cost_per_week_by_site` of the lanes. A site missing from it gets NaN
        results (no lanes: not costed); without it delivery costs 0.
    offshore_delivery_cost_per_week : float
        Delivery of offshore goods from their distribution point to the same stores.
    floor_area_m2 : float, optional
        Rent this area at every site (the area the microfactory needs) instead of the
        candidates' whole ``floor_area_m2``.
    setup_cost : float
        One-off set-up cost per site, spread over ``amortisation_yr`` (default 5, an assumption).
    weeks_per_yr : float, optional
    with_break_even : bool
        Solve the break-even volume per site (about 0.6 s per site with the demo families).
    brand_units_per_week : mapping, optional
        Family -> the brand's weekly volume: the offshore side is the stores' share of the brand's
        buy (:mod:`siting.costs.brand`). The break-even volume keeps the stores' own frame.

    Returns
    -------
    pandas.DataFrame
        One row per candidate (input order), :data:`SITE_COLUMNS`: the volume (``units_per_yr``),
        both landed costs per unit of demand, the saving per unit and per year, every component
        per unit on each side, both fill rates and the break-even volume.
    """
    needed = ["site_id", "rent_per_m2_yr"] + ([] if floor_area_m2 is not None else ["floor_area_m2"])
    for col in needed:
        if col not in candidates.columns:
            raise MissingColumnError(f"candidates: missing column {col!r}; add it (see the data contracts).")
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    amort = cost_default("setup_amortisation_yr") if amortisation_yr is None else float(amortisation_yr)
    if not amort > 0:
        raise InputError(f"amortisation_yr={amort}: give a number of years > 0.")
    area = (
        np.full(len(candidates), float(floor_area_m2))
        if floor_area_m2 is not None
        else candidates["floor_area_m2"].astype(float).to_numpy()
    )
    site_per_yr = (
        candidates["rent_per_m2_yr"].astype(float).to_numpy() * area
        + _per_site(candidates, "setup_cost", setup_cost, 0.0) / amort
    )
    delivery_per_yr = _per_site(candidates, "delivery_cost_per_week", delivery_cost_per_week, 0.0) * wpy
    off_delivery_per_yr = float(offshore_delivery_cost_per_week) * wpy
    # the families' season models do not depend on the site: price them once
    base = compare(
        products,
        offshore_delivery_cost_per_yr=off_delivery_per_yr,
        weeks_per_yr=wpy,
        brand_units_per_week=brand_units_per_week,
    )
    rows = []
    for sid, site, delivery in zip(candidates["site_id"], site_per_yr, delivery_per_yr):
        row: dict[str, object] = dict.fromkeys(SITE_COLUMNS, np.nan)
        row.update(site_id=sid, site_cost_per_yr=site, delivery_cost_per_yr=delivery)
        if not (np.isfinite(site) and np.isfinite(delivery)):
            row["break_even_note"] = "not costed: rent or delivery cost missing (a site without lanes?)"
            rows.append(row)
            continue
        local = dataclasses.replace(base.local, site_per_yr=float(site), delivery_per_yr=float(delivery))
        row.update(comparison_row(Comparison(local, base.offshore)))
        if with_break_even:
            be = break_even(
                products,
                site_cost_per_yr=site,
                delivery_cost_per_yr=delivery,
                offshore_delivery_cost_per_yr=off_delivery_per_yr,
                weeks_per_yr=wpy,
            )
        else:
            be = BreakEven(np.nan, np.nan, "not computed")
        row.update(break_even_units_per_yr=be.units_per_yr, break_even_note=be.note)
        rows.append(row)
    return pd.DataFrame(rows, columns=SITE_COLUMNS)


def cluster_landed_costs(
    candidates: pd.DataFrame,
    products: Sequence[ProductFamily] | Mapping[str, Sequence[ProductFamily]],
    *,
    by: str = "city",
    **kwargs: object,
) -> pd.DataFrame:
    """Per city cluster: the cheapest site's landed cost local versus offshore.

    Parameters
    ----------
    candidates : DataFrame
        As for :func:`site_landed_costs`, plus the cluster column ``by``.
    products : sequence of ProductFamily, or mapping cluster -> sequence
        The product mix of each cluster (one mix for all clusters if a sequence).
    by : str
        Cluster column.
    **kwargs
        Passed to :func:`site_landed_costs`.

    Returns
    -------
    pandas.DataFrame
        One row per cluster: ``by, n_sites, best_site_id`` and the best site's
        :func:`site_landed_costs` columns.
    """
    if by not in candidates.columns:
        raise MissingColumnError(f"candidates: missing cluster column {by!r}; add it or pass by=...")
    out = []
    for cluster, group in candidates.groupby(by, sort=True):
        if isinstance(products, Mapping):
            if cluster not in products:
                raise InputError(f"products: no product families for cluster {cluster!r}; add them.")
            mix = products[cluster]
        else:
            mix = products
        table = site_landed_costs(group, mix, **kwargs)  # type: ignore[arg-type]
        if table["landed_cost_local_per_unit"].notna().any():
            best = table.loc[table["landed_cost_local_per_unit"].idxmin()]
        else:
            best = table.iloc[0]
        out.append(
            {by: cluster, "n_sites": len(group), "best_site_id": best["site_id"], **best.drop("site_id").to_dict()}
        )
    return pd.DataFrame(out)
