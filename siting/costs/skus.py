"""SKU granularity: a family's demand split over its SKUs by a Zipf curve, grouped into demand classes, and summed back.

A family with ``skus = m`` items (style-colour-size or part numbers) and Zipf exponent ``a`` gives
SKU ``i`` (``i = 1 .. m``, most popular first) the share ``s_i = i^-a / sum_j j^-a`` of the
family's weekly demand; ``a = 0`` is equal shares. Each SKU is bought and made on its own:

* its weekly mean is ``mean x s_i`` and its weekly standard deviation ``std x sqrt(s_i)`` (the
  SKUs' demands are independent, as the stores' are); a Poisson family's SKUs are Poisson with
  their own mean, a negative binomial family's keep its variance-to-mean ratio; the pre-season
  forecast CV is the family's (a relative error);
* offshore, the family's ``moq_offshore_units`` applies **per SKU** (per part number or per
  style-colour-size, no pooling over a size curve; ``moq_offshore_basis = "sku"``, the default) or
  **per style with a size curve** (``"style"``: the family is one style whose buy of at least the
  MOQ is split over its SKUs by their shares, so SKU ``i`` orders at least ``MOQ x s_i``); locally,
  ``moq_local_units`` is the minimum run **per SKU**; everything else (lead times, review periods,
  prices) is the family's. A test drop is split over the SKUs by their shares.
* the shares may be given explicitly instead (``sku_popularity``, read from a CSV by
  :func:`siting.costs.products.load_sku_popularity`).

The family's cost is the sum over SKUs of the single-SKU season model
(:func:`siting.costs.season.sourcing_cost`). To stay fast for thousands of part numbers, SKUs
whose shares lie within a factor ``1 + CLASS_WIDTH`` of the class's most popular SKU form one
demand class priced once at the class's mean share (which keeps the family's total demand exact)
and counted ``count`` times: at most ``ln(s_1 / s_m) / ln(1 + CLASS_WIDTH) + 2`` classes (a class
also ends where the SKUs' demand falls below the print-on-demand threshold, so no class straddles it).

Locally, a SKU selling less than the family's ``print_on_demand_below_units_per_week`` is printed
on demand (:func:`siting.costs.season.sourcing_cost`): made after each sale, no stock.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import numpy as np

from siting.costs.products import ProductFamily

__all__ = ["CLASS_WIDTH", "family_shares", "sku_classes", "sku_shares", "sku_family", "sum_over_skus"]

#: Relative width of a demand class: SKUs whose shares are within 5% of the class's top share are priced once.
CLASS_WIDTH = 0.05


def sku_shares(skus: int, exponent: float) -> np.ndarray:
    """Zipf shares of the family's demand, most popular SKU first (they sum to 1).

    Parameters
    ----------
    skus : int
        Number of SKUs, >= 1.
    exponent : float
        Zipf exponent ``a`` >= 0 (share of SKU ``i`` proportional to ``i^-a``).

    Returns
    -------
    numpy.ndarray
        ``skus`` shares, non-increasing.
    """
    weights = np.arange(1, int(skus) + 1, dtype=float) ** -float(exponent)
    return weights / weights.sum()


def family_shares(product: ProductFamily) -> np.ndarray:
    """The family's SKU shares, most popular first: its ``sku_popularity`` (from a CSV) or the Zipf curve."""
    if product.sku_popularity:
        return np.asarray(product.sku_popularity, dtype=float)
    return sku_shares(product.skus, product.sku_zipf_exponent)


@lru_cache(maxsize=256)
def sku_classes(
    skus: int, exponent: float, width: float = CLASS_WIDTH, split: float = 0.0
) -> tuple[tuple[int, float], ...]:
    """The SKUs grouped into demand classes: ``(count, mean share)`` per class, most popular first.

    A class starts at its most popular SKU and takes every next SKU whose share is at least
    ``top / (1 + width)`` and on the same side of the share ``split`` (the print-on-demand
    threshold). ``sum(count x share)`` is 1.
    """
    return classes_of(tuple(sku_shares(skus, exponent)), width, split)


@lru_cache(maxsize=256)
def classes_of(
    shares_given: tuple[float, ...], width: float = CLASS_WIDTH, split: float = 0.0
) -> tuple[tuple[int, float], ...]:
    """:func:`sku_classes` of given shares (non-increasing, summing to 1)."""
    shares = np.asarray(shares_given, dtype=float)
    # class index: how many factors of (1 + width) below the top share; shares are non-increasing
    ratio = np.log(shares[0] / shares) / math.log1p(width)
    starts = [0]
    top = 0.0
    for i, r in enumerate(ratio):
        if r - top >= 1.0 - 1e-12 or (i > 0 and shares[i] < split <= shares[i - 1]):
            starts.append(i)
            top = float(r)
    bounds = [*starts, len(shares)]
    return tuple((b - a, float(shares[a:b].mean())) for a, b in zip(bounds[:-1], bounds[1:]))


def sku_family(product: ProductFamily, share: float) -> ProductFamily:
    """One SKU of ``product`` carrying ``share`` of its demand, as a single-SKU family (see the module docstring)."""
    return replace(
        product,
        demand_mean_units_per_week=product.demand_mean_units_per_week * share,
        demand_std_units_per_week=product.demand_std_units_per_week * math.sqrt(share),
        test_drop_units=product.test_drop_units * share,
        # per style with a size curve: the style's MOQ split over its SKUs by their shares
        moq_offshore_units=product.moq_offshore_units * (share if product.moq_offshore_basis == "style" else 1.0),
        sku_popularity=(),
        skus=1,
    )


def sum_over_skus(product: ProductFamily, one: Callable[[ProductFamily], object]) -> list[tuple[int, object]]:
    """``(count, one(sku family))`` per demand class of ``product``, most popular class first."""
    split = product.print_on_demand_below_units_per_week / product.demand_mean_units_per_week
    if product.sku_popularity:
        classes = classes_of(product.sku_popularity, CLASS_WIDTH, split)
    else:
        classes = sku_classes(product.skus, product.sku_zipf_exponent, CLASS_WIDTH, split)
    return [(count, one(sku_family(product, share))) for count, share in classes]
