"""A scenario's product families: a products CSV with the ``[costs]`` SKU popularity and order history applied."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from siting.config.scenario import CostsSpec
from siting.errors import InputError

if TYPE_CHECKING:
    from siting.costs.products import ProductFamily

__all__ = ["scenario_products"]


def scenario_products(
    path: str | Path, costs: CostsSpec, *, source: str = "<scenario>", all_families: bool = True
) -> tuple[ProductFamily, ...]:
    """Read a product-family CSV and apply ``[costs] sku_popularity`` and ``[costs] order_history``.

    ``sku_popularity`` (a ``family,sku,share`` CSV, :func:`siting.costs.products.load_sku_popularity`)
    replaces the Zipf curve of the families it lists; ``order_history`` (a ``family,sku,week,units``
    CSV, :func:`siting.costs.history.with_order_history`) then sets the weekly demand mean, its
    standard deviation, the ``negbin`` class and the SKU shares of the families it covers (so for a
    family in both files the history's shares win).

    Parameters
    ----------
    path : str or Path
        The product-family CSV (``[costs] products`` or a city's ``products``).
    costs : CostsSpec
        The scenario's ``[costs]`` table (paths already resolved against the scenario file).
    source : str
        The scenario file, named in error messages.
    all_families : bool
        True (``[costs] products``): every family the two files name must be in ``path``; False (a
        city's own assortment): the files' other families are skipped.

    Returns
    -------
    tuple of ProductFamily

    Raises
    ------
    InputError
        ``"<scenario>: costs.<key>: <file>...: <problem>"`` naming the key and the file.
    """
    from siting.costs.history import load_order_history, with_order_history
    from siting.costs.products import load_products, load_sku_popularity

    popularity: dict[str, tuple[float, ...]] | None = None
    if costs.sku_popularity is not None:
        try:
            popularity = load_sku_popularity(costs.sku_popularity)
        except InputError as exc:
            raise type(exc)(f"{source}: costs.sku_popularity: {exc}") from None
    history = None
    if costs.order_history is not None:
        try:
            history = load_order_history(costs.order_history)
        except InputError as exc:
            raise type(exc)(f"{source}: costs.order_history: {exc}") from None
    if not all_families and (popularity or history is not None):
        families = {p.family for p in load_products(path)}
        popularity = {f: s for f, s in (popularity or {}).items() if f in families}
        if history is not None:
            history = history[history["family"].astype(str).isin(families)]
    try:
        products = load_products(path, sku_popularity=popularity)
    except InputError as exc:
        if costs.sku_popularity is None or "SKU popularity" not in str(exc):
            raise
        raise type(exc)(f"{source}: costs.sku_popularity: {costs.sku_popularity}: {exc}") from None
    if history is None or history.empty:
        return products
    try:
        return with_order_history(products, history)
    except InputError as exc:
        raise type(exc)(f"{source}: costs.order_history: {costs.order_history}: {exc}") from None
