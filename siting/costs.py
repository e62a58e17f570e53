"""Landed cost per unit, local microfactory versus offshore: inventory risk, break-even, sensitivity.

Time unit: the week. For each product family and source (``"local"`` or ``"offshore"``):

* Replenishment every ``R`` weeks, at least ``MOQ / mean`` weeks (a batch of MOQ units must last
  that long) and at most one season: ``R_eff = min(season, max(R, MOQ / mean))``.
* Each replenishment is a newsvendor over ``R_eff`` weeks: demand mean ``mean R_eff``, standard
  deviation ``std sqrt(L + R_eff)`` (the order must protect the lead time plus the review period,
  as in a periodic-review policy, with weekly demands independent), unit cost = acquisition cost
  (production, plus freight and duty offshore), order at least the MOQ.
* Stock: cycle stock ``E[sales] / 2`` per cycle, safety stock ``E[leftover]`` (what is expected on
  hand when the next batch arrives), pipeline stock ``sales rate x L`` (Little's law). Carrying cost
  = rate x acquisition cost x (cycle + safety + pipeline).
* Leftover carries over between replenishments and becomes obsolete at the end of each season:
  obsolescence per year = ``E[leftover] x (acquisition cost - salvage) x seasons per year``.
* Landed cost per unit sold = (production + freight + duty + carrying + obsolescence + delivery +
  site) per year / units sold per year. Lost sales are reported, not costed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from siting._errors import InputError, MissingColumnError
from siting.newsvendor import NewsvendorResult, newsvendor, normal_loss
from siting.products import ProductFamily, cost_default, cost_defaults, load_products

__all__ = [
    "newsvendor",
    "normal_loss",
    "NewsvendorResult",
    "ProductFamily",
    "load_products",
    "cost_defaults",
    "SourcingCost",
    "LandedCost",
    "Comparison",
    "BreakEven",
    "sourcing_cost",
    "landed_cost",
    "compare",
    "break_even",
    "sensitivity",
    "delivery_cost_per_week_by_site",
    "site_landed_costs",
    "cluster_landed_costs",
]

COMPONENTS = ("production", "freight", "duty", "carrying", "obsolescence", "delivery", "site")


@dataclass(frozen=True)
class SourcingCost:
    """Yearly inventory and product cost of one product family from one source (money per year)."""

    family: str
    source: str
    review_period_weeks: float
    cycle: NewsvendorResult
    units_sold_per_yr: float
    lost_sales_units_per_yr: float
    cycle_stock_units: float
    safety_stock_units: float
    pipeline_stock_units: float
    production_per_yr: float
    freight_per_yr: float
    duty_per_yr: float
    carrying_per_yr: float
    obsolescence_per_yr: float

    @property
    def total_per_yr(self) -> float:
        """Production + freight + duty + carrying + obsolescence per year."""
        return (self.production_per_yr + self.freight_per_yr + self.duty_per_yr
                + self.carrying_per_yr + self.obsolescence_per_yr)


def sourcing_cost(product: ProductFamily, source: str, *, weeks_per_yr: float | None = None) -> SourcingCost:
    """Inventory-risk and product cost per year of one family from one source.

    Parameters
    ----------
    product : ProductFamily
    source : {"local", "offshore"}
    weeks_per_yr : float, optional
        Default from the package cost defaults (52).

    Returns
    -------
    SourcingCost
    """
    if source not in ("local", "offshore"):
        raise ValueError(f"source must be 'local' or 'offshore', not {source!r}")
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    mean, std = product.demand_mean_units_per_week, product.demand_std_units_per_week
    lead = getattr(product, f"lead_time_{source}_weeks")
    moq = getattr(product, f"moq_{source}_units")
    review = min(product.season_weeks, max(getattr(product, f"review_period_{source}_weeks"), moq / mean))
    cost = product.acquisition_cost(source)
    cyc = newsvendor(mean * review, std * math.sqrt(lead + review), product.price_per_unit, cost,
                     product.salvage_per_unit, moq=moq)
    sold = cyc.expected_sales * wpy / review
    cycle_stock, safety, pipeline = cyc.expected_sales / 2.0, cyc.expected_leftover, sold / wpy * lead
    offshore = source == "offshore"
    return SourcingCost(
        family=product.family,
        source=source,
        review_period_weeks=review,
        cycle=cyc,
        units_sold_per_yr=sold,
        lost_sales_units_per_yr=cyc.expected_lost_sales * wpy / review,
        cycle_stock_units=cycle_stock,
        safety_stock_units=safety,
        pipeline_stock_units=pipeline,
        production_per_yr=sold * getattr(product, f"unit_cost_{source}"),
        freight_per_yr=sold * product.freight_offshore_per_unit if offshore else 0.0,
        duty_per_yr=sold * product.duty_offshore_per_unit if offshore else 0.0,
        carrying_per_yr=product.carrying_rate_per_yr * cost * (cycle_stock + safety + pipeline),
        obsolescence_per_yr=(cyc.expected_leftover * (cost - product.salvage_per_unit)
                             * wpy / product.season_weeks),
    )


@dataclass(frozen=True)
class LandedCost:
    """Landed cost of a product mix from one source, per year and per unit sold."""

    source: str
    families: tuple[SourcingCost, ...]
    delivery_per_yr: float
    site_per_yr: float

    @property
    def units_sold_per_yr(self) -> float:
        """Expected units sold per year over all families."""
        return sum(f.units_sold_per_yr for f in self.families)

    def component_per_yr(self, name: str) -> float:
        """One cost component per year (a name in ``siting.costs.COMPONENTS``)."""
        if name in ("delivery", "site"):
            return getattr(self, f"{name}_per_yr")
        return sum(getattr(f, f"{name}_per_yr") for f in self.families)

    @property
    def total_per_yr(self) -> float:
        """Total landed cost per year."""
        return sum(self.component_per_yr(c) for c in COMPONENTS)

    @property
    def per_unit(self) -> float:
        """Total landed cost per unit sold."""
        return self.total_per_yr / self.units_sold_per_yr

    def breakdown(self) -> pd.DataFrame:
        """Tidy table ``component, per_yr, per_unit`` (one row per cost component, then total)."""
        units = self.units_sold_per_yr
        rows = [(c, self.component_per_yr(c)) for c in COMPONENTS] + [("total", self.total_per_yr)]
        return pd.DataFrame([(c, v, v / units) for c, v in rows], columns=["component", "per_yr", "per_unit"])


def landed_cost(
    products: Sequence[ProductFamily],
    source: str,
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    weeks_per_yr: float | None = None,
) -> LandedCost:
    """Landed cost of a product mix from one source.

    Parameters
    ----------
    products : sequence of ProductFamily
    source : {"local", "offshore"}
    site_cost_per_yr : float
        Rent x floor area + amortised set-up (money per year); 0 for offshore.
    delivery_cost_per_yr : float
        Delivery from the site (or the offshore baseline's city warehouse) to the stores.
    weeks_per_yr : float, optional

    Returns
    -------
    LandedCost
    """
    if not products:
        raise InputError("landed_cost: no product families given; load some with load_products().")
    fams = tuple(sourcing_cost(p, source, weeks_per_yr=weeks_per_yr) for p in products)
    return LandedCost(source, fams, float(delivery_cost_per_yr), float(site_cost_per_yr))


@dataclass(frozen=True)
class Comparison:
    """Local versus offshore landed cost of the same product mix (saving > 0: local is cheaper)."""

    local: LandedCost
    offshore: LandedCost

    @property
    def saving_per_unit(self) -> float:
        """Offshore minus local landed cost per unit sold."""
        return self.offshore.per_unit - self.local.per_unit

    @property
    def saving_per_yr(self) -> float:
        """Saving per unit x units sold locally per year."""
        return self.saving_per_unit * self.local.units_sold_per_yr


def compare(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_unit: float | None = None,
    weeks_per_yr: float | None = None,
) -> Comparison:
    """Landed cost local (at a site) versus offshore (no site), same products.

    Parameters
    ----------
    products : sequence of ProductFamily
    site_cost_per_yr, delivery_cost_per_yr : float
        The local site's yearly rent + amortised set-up and delivery (lanes) cost.
    offshore_delivery_cost_per_unit : float, optional
        Last-mile delivery per unit in the offshore baseline; default: the local delivery cost per
        unit sold, so that delivery cancels out of the saving.
    weeks_per_yr : float, optional

    Returns
    -------
    Comparison
    """
    local = landed_cost(products, "local", site_cost_per_yr=site_cost_per_yr,
                        delivery_cost_per_yr=delivery_cost_per_yr, weeks_per_yr=weeks_per_yr)
    per_unit = (delivery_cost_per_yr / local.units_sold_per_yr if offshore_delivery_cost_per_unit is None
                else float(offshore_delivery_cost_per_unit))
    fams = tuple(sourcing_cost(p, "offshore", weeks_per_yr=weeks_per_yr) for p in products)
    offshore = LandedCost("offshore", fams, per_unit * sum(f.units_sold_per_yr for f in fams), 0.0)
    return Comparison(local, offshore)


def _scale_demand(products: Sequence[ProductFamily], k: float) -> list[ProductFamily]:
    return [p.scaled(demand_mean_units_per_week=k, demand_std_units_per_week=k) for p in products]


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
    offshore_delivery_cost_per_unit: float | None = None,
    weeks_per_yr: float | None = None,
    scale_range: tuple[float, float] = (1e-3, 1e3),
) -> BreakEven:
    """Break-even demand volume: all families' demand scaled by one factor ``k`` (mean and std,
    constant coefficient of variation), delivery cost per year scaled by ``k``, site cost fixed.

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
        return compare(_scale_demand(products, k), site_cost_per_yr=site_cost_per_yr,
                       delivery_cost_per_yr=delivery_cost_per_yr * k,
                       offshore_delivery_cost_per_unit=offshore_delivery_cost_per_unit,
                       weeks_per_yr=wpy).saving_per_unit

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
        more = (f" (also crosses at {', '.join(f'{r[0] * base_units:.4g}' for r in roots[:-1])} units/yr)"
                if len(roots) > 1 else "")
        return BreakEven(k * base_units, k, f"local is cheaper {where} this volume{more}",
                         tuple(r[0] * base_units for r in roots))
    lo, hi = base_units * grid[0], base_units * grid[-1]
    who = "local" if values[0] > 0 else "offshore"
    return BreakEven(float("nan"), float("nan"),
                     f"no break-even: {who} is cheaper at every volume from {lo:.3g} to {hi:.3g} units/yr")


_PRODUCT_INPUTS = (
    "price_per_unit", "demand_mean_units_per_week", "demand_std_units_per_week", "unit_cost_local",
    "unit_cost_offshore", "moq_local_units", "moq_offshore_units", "lead_time_local_weeks",
    "lead_time_offshore_weeks", "review_period_local_weeks", "review_period_offshore_weeks",
    "salvage_per_unit", "freight_offshore_per_unit", "duty_offshore_per_unit", "carrying_rate_per_yr",
    "season_weeks",
)


def sensitivity(
    products: Sequence[ProductFamily],
    *,
    site_cost_per_yr: float = 0.0,
    delivery_cost_per_yr: float = 0.0,
    offshore_delivery_cost_per_unit: float | None = None,
    change: float = 0.2,
    weeks_per_yr: float | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity: each input -change and +change, all others at base.

    Product inputs are scaled in every family at once. A change that makes the inputs invalid
    (e.g. salvage above cost) gives NaN results and the reason in ``note``.

    Returns
    -------
    pandas.DataFrame
        Tidy, for a tornado chart: ``input, change, landed_cost_per_unit,
        offshore_landed_cost_per_unit, saving_vs_offshore, delta_saving_vs_offshore, swing``,
        two rows per input, sorted by ``swing`` (spread of the saving) descending.
    """
    kw = dict(offshore_delivery_cost_per_unit=offshore_delivery_cost_per_unit, weeks_per_yr=weeks_per_yr)
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
    cols = ["input", "change", "landed_cost_per_unit", "offshore_landed_cost_per_unit",
            "saving_vs_offshore", "delta_saving_vs_offshore", "note"]
    out = pd.DataFrame(rows, columns=cols)
    out["swing"] = out.groupby("input")["saving_vs_offshore"].transform(lambda s: s.max() - s.min())
    order = out.groupby("input", sort=False)["swing"].first().sort_values(ascending=False, kind="stable")
    out["input"] = pd.Categorical(out["input"], categories=list(order.index), ordered=True)
    out = out.sort_values(["input", "change"], kind="stable").reset_index(drop=True)
    out["input"] = out["input"].astype(str)
    return out


def delivery_cost_per_week_by_site(lanes: pd.DataFrame) -> pd.Series:
    """Sum of the lanes' ``cost_per_week`` per ``site_id`` (the input the site costing needs)."""
    for col in ("site_id", "cost_per_week"):
        if col not in lanes.columns:
            raise MissingColumnError(f"lanes: missing column {col!r}; pass the table from siting.lanes.")
    return lanes.groupby("site_id")["cost_per_week"].sum().rename("delivery_cost_per_week")


def site_landed_costs(
    candidates: pd.DataFrame,
    products: Sequence[ProductFamily],
    *,
    delivery_cost_per_week: Mapping[str, float] | pd.Series | None = None,
    setup_cost: float = 0.0,
    amortisation_yr: float | None = None,
    offshore_delivery_cost_per_unit: float | None = None,
    weeks_per_yr: float | None = None,
    with_break_even: bool = True,
) -> pd.DataFrame:
    """Landed cost per site, local versus offshore: the columns the ranking uses.

    Parameters
    ----------
    candidates : DataFrame
        ``site_id``, ``floor_area_m2``, ``rent_per_m2_yr``; optional ``delivery_cost_per_week``
        and ``setup_cost`` columns override the keyword arguments per site.
    products : sequence of ProductFamily
        The product mix each site would make (the whole demand it serves).
    delivery_cost_per_week : mapping or Series site_id -> money per week, optional
        E.g. :func:`delivery_cost_per_week_by_site` of the lanes. A site missing from it gets NaN
        results (no lanes: not costed); without it delivery costs 0.
    setup_cost : float
        One-off set-up cost per site, spread over ``amortisation_yr`` (default 5, an assumption).
    offshore_delivery_cost_per_unit, weeks_per_yr : see :func:`compare`.
    with_break_even : bool
        Solve the break-even volume per site (about 10 ms per site).

    Returns
    -------
    pandas.DataFrame
        One row per candidate (input order): ``site_id, units_sold_per_yr, site_cost_per_yr,
        delivery_cost_per_yr, landed_cost_per_unit, offshore_landed_cost_per_unit,
        saving_vs_offshore`` (per unit), ``saving_vs_offshore_per_yr, break_even_units_per_yr,
        break_even_note``.
    """
    for col in ("site_id", "floor_area_m2", "rent_per_m2_yr"):
        if col not in candidates.columns:
            raise MissingColumnError(f"candidates: missing column {col!r}; add it (see the data contracts).")
    wpy = cost_default("weeks_per_yr") if weeks_per_yr is None else float(weeks_per_yr)
    amort = cost_default("setup_amortisation_yr") if amortisation_yr is None else float(amortisation_yr)
    if amort <= 0:
        raise InputError(f"amortisation_yr={amort}: give a number of years > 0.")
    if "delivery_cost_per_week" in candidates.columns:
        delivery = candidates["delivery_cost_per_week"].astype(float).to_numpy()
    elif delivery_cost_per_week is not None:
        lookup = dict(delivery_cost_per_week)
        delivery = np.array([lookup.get(s, np.nan) for s in candidates["site_id"]], dtype=float)
    else:
        delivery = np.zeros(len(candidates))
    setup = (candidates["setup_cost"].astype(float).to_numpy() if "setup_cost" in candidates.columns
             else np.full(len(candidates), float(setup_cost)))
    rows = []
    for i, (sid, area, rent) in enumerate(candidates[["site_id", "floor_area_m2", "rent_per_m2_yr"]].itertuples(index=False)):
        site = float(rent) * float(area) + setup[i] / amort
        row = {"site_id": sid, "site_cost_per_yr": site, "delivery_cost_per_yr": delivery[i] * wpy}
        if not (np.isfinite(site) and np.isfinite(delivery[i])):
            row.update(units_sold_per_yr=np.nan, landed_cost_per_unit=np.nan, offshore_landed_cost_per_unit=np.nan,
                       saving_vs_offshore=np.nan, saving_vs_offshore_per_yr=np.nan,
                       break_even_units_per_yr=np.nan, break_even_note="not costed: rent or delivery cost missing (a site without lanes?)")
            rows.append(row)
            continue
        kw = dict(site_cost_per_yr=site, delivery_cost_per_yr=delivery[i] * wpy,
                  offshore_delivery_cost_per_unit=offshore_delivery_cost_per_unit, weeks_per_yr=wpy)
        c = compare(products, **kw)
        row.update(units_sold_per_yr=c.local.units_sold_per_yr, landed_cost_per_unit=c.local.per_unit,
                   offshore_landed_cost_per_unit=c.offshore.per_unit, saving_vs_offshore=c.saving_per_unit,
                   saving_vs_offshore_per_yr=c.saving_per_yr)
        be = break_even(products, **kw) if with_break_even else BreakEven(np.nan, np.nan, "not computed")
        row.update(break_even_units_per_yr=be.units_per_yr, break_even_note=be.note)
        rows.append(row)
    cols = ["site_id", "units_sold_per_yr", "site_cost_per_yr", "delivery_cost_per_yr", "landed_cost_per_unit",
            "offshore_landed_cost_per_unit", "saving_vs_offshore", "saving_vs_offshore_per_yr",
            "break_even_units_per_yr", "break_even_note"]
    return pd.DataFrame(rows, columns=cols)


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
        if table["landed_cost_per_unit"].notna().any():
            best = table.loc[table["landed_cost_per_unit"].idxmin()]
        else:
            best = table.iloc[0]
        out.append({by: cluster, "n_sites": len(group), "best_site_id": best["site_id"],
                    **best.drop("site_id").to_dict()})
    return pd.DataFrame(out)
