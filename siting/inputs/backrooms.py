"""Back-room candidates: a candidate site's ``store_id`` (the store it sits in), read and checked against the stores."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from siting.errors import InputError

__all__ = ["BACKROOM_COLUMN", "backroom_ids", "check_backrooms"]

#: The candidates' column naming the store whose back room the site is (``--column candidates.store=NAME``).
BACKROOM_COLUMN = "store_id"


def _one_id(value: object) -> str | None:
    """A store id as text; None for blank/NaN; ValueError for a value that cannot be an id."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        raise ValueError
    if isinstance(value, float | np.floating):  # a numeric column with blanks: 12.0 stands for 12
        if not math.isfinite(value) or value != int(value):
            raise ValueError
        return str(int(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, str):
        text = value.strip()
        return text or None
    raise ValueError


def backroom_ids(candidates: pd.DataFrame, source: str = "candidates layer") -> pd.DataFrame:
    """The candidates with ``store_id`` as text (None: an ordinary site), or an InputError naming the row.

    Parameters
    ----------
    candidates : DataFrame
        With ``site_id`` and optionally ``store_id``.
    source : str
        File name (or description) used in error messages.

    Returns
    -------
    DataFrame
        A copy; unchanged when there is no ``store_id`` column.
    """
    if BACKROOM_COLUMN not in candidates.columns:
        return candidates
    out = candidates.copy()
    ids = []
    for row, (site, value) in enumerate(zip(out["site_id"], out[BACKROOM_COLUMN])):
        try:
            ids.append(_one_id(value))
        except ValueError:
            raise InputError(
                f"{source}: column {BACKROOM_COLUMN!r} in row {row + 1} (site_id {str(site)!r}) is {value!r}, "
                "not a store id; give the store_id of the store whose back room the site is, or leave it blank "
                "for an ordinary site."
            ) from None
    out[BACKROOM_COLUMN] = pd.Series(ids, index=out.index, dtype=object)
    return out


def check_backrooms(candidates: pd.DataFrame, stores: pd.DataFrame, source: str = "candidates layer") -> None:
    """Refuse back-room candidates naming a store not in the stores layer, or one store twice.

    One store has one back room: two candidates naming it would let the design open both and
    deliver to the store free twice over, from the same floor area. Alternatives for one back room
    (two layouts, two premiums) are two scenarios, not two candidates of one run.

    Parameters
    ----------
    candidates : DataFrame
        With ``site_id`` and optionally ``store_id`` (text or None, see :func:`backroom_ids`).
    stores : DataFrame
        With ``store_id``.
    source : str
        File name (or description) of the candidates, used in error messages.
    """
    if BACKROOM_COLUMN not in candidates.columns:
        return
    known = set(stores["store_id"].astype(str))
    seen: dict[str, int] = {}
    for row, (site, store) in enumerate(zip(candidates["site_id"], candidates[BACKROOM_COLUMN])):
        if store is None or (isinstance(store, float) and math.isnan(store)):
            continue
        store = str(store)
        if store not in known:
            raise InputError(
                f"{source}: column {BACKROOM_COLUMN!r} in row {row + 1} (site_id {str(site)!r}) names store "
                f"{store!r}, which is not in the stores layer; give the store_id of a store of this city, or "
                "leave it blank for an ordinary site."
            )
        if store in seen:
            raise InputError(
                f"{source}: column {BACKROOM_COLUMN!r} names store {store!r} in rows {seen[store] + 1} and {row + 1}; "
                "a store has one back room, so keep one back-room candidate per store (run alternatives as "
                "separate scenarios)."
            )
        seen[store] = row
