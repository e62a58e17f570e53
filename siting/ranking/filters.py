"""Hard filters on candidate sites before scoring, with a report of what each filter removed."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError, MissingColumnError, hint

__all__ = ["SiteFilters", "EXCLUDED_COLUMNS", "attribute_filters", "criteria_filters", "filter_report", "excluded_rows"]

#: Columns of an excluded-items table (``CityResult.excluded``).
EXCLUDED_COLUMNS = ["layer", "id", "filter", "reason", "value"]


@dataclass(frozen=True)
class SiteFilters:
    """Hard limits a candidate site must meet to be ranked at all (None = no limit).

    The minimum floor area is :attr:`siting.pipeline.RankOptions.required_floor_area_m2`. Filters
    run in the order of these fields; a site is reported under the first filter it fails.

    Attributes
    ----------
    max_rent_per_m2_yr : float, optional
        Highest acceptable rent per m2 per year.
    max_rent_per_yr : float, optional
        Highest acceptable yearly rent of the floor area the microfactory needs.
    excluded_zones : GeoDataFrame, str or Path, optional
        Polygons where no site may be (flood zones, residential-only areas, ...): a GeoDataFrame
        with a CRS or a path to a GeoPackage / GeoJSON / GeoParquet layer. A site touching a zone is
        removed; the zone's ``name`` or ``zone_id`` column (if present) is named in the report.
    max_delivery_time_s : float, optional
        Highest acceptable demand-weighted delivery time.
    min_stores_within_sla : int, optional
        Fewest stores the site must reach within the service time (``RankOptions.sla_time_s``).
    min_population_reachable : float, optional
        Fewest residents the site must reach within the reach time.
    max_co2e_wtw_kg_per_week : float, optional
        Highest acceptable weekly lane CO2e (well-to-wheel).
    max_landed_cost_per_unit : float, optional
        Highest acceptable landed cost per unit (only when product families are given).
    max_unreachable_stores : int, optional
        Most stores a site may fail to reach by road (0 = must reach every store).
    """

    max_rent_per_m2_yr: float | None = None
    max_rent_per_yr: float | None = None
    excluded_zones: Any = None  # a layer path (resolved against the scenario) or a GeoDataFrame
    max_delivery_time_s: float | None = None
    min_stores_within_sla: int | None = None
    min_population_reachable: float | None = None
    max_co2e_wtw_kg_per_week: float | None = None
    max_landed_cost_per_unit: float | None = None
    max_unreachable_stores: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "excluded_zones" or value is None:
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise InputError(f"filters: {f.name} must be a number, got {value!r}.") from None
            if not np.isfinite(number) or number < 0:
                raise InputError(f"filters: {f.name} must be a finite number >= 0, got {value!r}.")

    def active(self) -> dict[str, Any]:
        """The filters that are set, by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def excluded_rows(layer: str, ids: Any, filter_name: str, reason: str, values: Any = np.nan) -> pd.DataFrame:
    """Rows of an excluded-items table (:data:`EXCLUDED_COLUMNS`)."""
    ids = [str(i) for i in ids]
    vals: Any = np.broadcast_to(np.asarray(values, dtype=float), (len(ids),)) if len(ids) else []
    return pd.DataFrame(
        {"layer": layer, "id": ids, "filter": filter_name, "reason": reason, "value": vals}, columns=EXCLUDED_COLUMNS
    )


def _zones(zones: Any, crs: Any) -> gpd.GeoDataFrame:
    if isinstance(zones, (str, Path)):
        path = Path(zones)
        if not path.exists():
            raise InputError(f"{path}: excluded-zones file not found; pass a GeoPackage, GeoJSON or GeoParquet layer.")
        zones = gpd.read_parquet(path) if path.suffix.lower() == ".parquet" else gpd.read_file(path)
    if not isinstance(zones, gpd.GeoDataFrame):
        raise InputError("filters: excluded_zones must be a GeoDataFrame or a path to a polygon layer.")
    if zones.crs is None:
        raise InputError(
            "filters: excluded_zones has no CRS; "
            + hint(python="set one (e.g. zones.set_crs('EPSG:4326')).", cli="set one in the file (e.g. EPSG:4326).")
        )
    return zones.to_crs(crs)


def _step(kept: pd.DataFrame, fail: np.ndarray, name: str, reason: str, values: Any, out: list[pd.DataFrame]):
    fail = np.asarray(fail, dtype=bool)
    out.append(excluded_rows("site_id", kept.loc[fail, "site_id"], name, reason, np.asarray(values, dtype=float)[fail]))
    return kept.loc[~fail]


def attribute_filters(
    candidates: gpd.GeoDataFrame, filters: SiteFilters, *, required_floor_area_m2: float
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Apply the filters that need no network: floor area, rent, excluded zones.

    Parameters
    ----------
    candidates : GeoDataFrame
        ``site_id``, ``floor_area_m2``, ``rent_per_m2_yr``, in a metric CRS.
    filters : SiteFilters
    required_floor_area_m2 : float
        Sites with less floor area are removed.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The sites kept, and one row per site removed (:data:`EXCLUDED_COLUMNS`).
    """
    removed: list[pd.DataFrame] = [excluded_rows("site_id", [], "", "")]
    kept = candidates
    area = kept["floor_area_m2"].to_numpy(dtype=float)
    kept = _step(
        kept,
        area < required_floor_area_m2,
        "min_floor_area_m2",
        f"floor area below the required {required_floor_area_m2:g} m2",
        area,
        removed,
    )
    if filters.max_rent_per_m2_yr is not None:
        rent = kept["rent_per_m2_yr"].to_numpy(dtype=float)
        kept = _step(
            kept,
            rent > filters.max_rent_per_m2_yr,
            "max_rent_per_m2_yr",
            f"rent above {filters.max_rent_per_m2_yr:g} per m2 per year",
            rent,
            removed,
        )
    if filters.max_rent_per_yr is not None:
        rent = kept["rent_per_m2_yr"].to_numpy(dtype=float) * required_floor_area_m2
        kept = _step(
            kept,
            rent > filters.max_rent_per_yr,
            "max_rent_per_yr",
            f"yearly rent of {required_floor_area_m2:g} m2 above {filters.max_rent_per_yr:g}",
            rent,
            removed,
        )
    if filters.excluded_zones is not None and len(kept):
        zones = _zones(filters.excluded_zones, kept.crs)
        label = next((c for c in ("name", "zone_id") if c in zones.columns), None)
        hits = gpd.sjoin(kept[["site_id", kept.geometry.name]], zones, how="inner", predicate="intersects")
        first = hits[~hits.index.duplicated(keep="first")]
        fail = kept.index.isin(first.index)
        names = first[label].astype(str).reindex(kept.index) if label is not None else None
        for zone in sorted(set(names[fail])) if names is not None else [None]:
            sel = fail & ((names == zone).to_numpy() if zone is not None else True)
            reason = f"inside the excluded zone {zone!r}" if zone is not None else "inside an excluded zone"
            removed.append(excluded_rows("site_id", kept.loc[sel, "site_id"], "excluded_zones", reason))
        kept = kept.loc[~fail]
    return kept, pd.concat(removed, ignore_index=True)


_CRITERIA_LIMITS = (
    # (filter field, criteria column, "max" | "min", reason template)
    ("max_unreachable_stores", "stores_unreachable", "max", "cannot reach more than {v:g} store(s) by road"),
    ("max_delivery_time_s", "delivery_time_s", "max", "delivery time above {v:g} s"),
    ("min_stores_within_sla", "stores_within_sla", "min", "fewer than {v:g} stores within the service time"),
    ("min_population_reachable", "population_reachable", "min", "fewer than {v:g} residents within the reach time"),
    ("max_co2e_wtw_kg_per_week", "co2e_wtw_kg_per_week", "max", "lane CO2e above {v:g} kg per week"),
    ("max_landed_cost_per_unit", "landed_cost_local_per_unit", "max", "landed cost above {v:g} per unit"),
)


def criteria_filters(criteria: pd.DataFrame, filters: SiteFilters) -> tuple[np.ndarray, pd.DataFrame]:
    """Apply the filters on computed criteria (delivery time, reach, CO2e, landed cost).

    A missing value (NaN: e.g. a site that reaches no store) fails a limit.

    Parameters
    ----------
    criteria : DataFrame
        One row per site with ``site_id`` and the criteria columns the active filters need.
    filters : SiteFilters

    Returns
    -------
    (ndarray of bool, DataFrame)
        Which rows are kept, and one row per site removed (:data:`EXCLUDED_COLUMNS`).
    """
    keep = np.ones(len(criteria), dtype=bool)
    removed = [excluded_rows("site_id", [], "", "")]
    for name, col, kind, template in _CRITERIA_LIMITS:
        limit = getattr(filters, name)
        if limit is None:
            continue
        if col not in criteria.columns:
            raise MissingColumnError(
                f"filters: {name} needs the criterion {col!r}, which this run does not compute "
                "(landed cost needs product families); remove the filter or give the inputs."
            )
        x = criteria[col].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            fail = ~(x <= limit) if kind == "max" else ~(x >= limit)
        fail &= keep
        removed.append(
            excluded_rows("site_id", criteria.loc[fail, "site_id"], name, template.format(v=float(limit)), x[fail])
        )
        keep &= ~fail
    return keep, pd.concat(removed, ignore_index=True)


def filter_report(excluded: pd.DataFrame) -> pd.DataFrame:
    """How many items each filter removed.

    Parameters
    ----------
    excluded : DataFrame
        An excluded-items table (:data:`EXCLUDED_COLUMNS`, optionally with ``city``).

    Returns
    -------
    pandas.DataFrame
        ``[city,] layer, filter, reason, removed`` (count), in the order filters ran.
    """
    keys = (["city"] if "city" in excluded.columns else []) + ["layer", "filter", "reason"]
    if excluded.empty:
        return pd.DataFrame(columns=[*keys, "removed"])
    return excluded.groupby(keys, sort=False).size().rename("removed").reset_index()
