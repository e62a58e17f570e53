"""Input layers: read stores, population, rents and candidate sites, validate them once, project them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from siting.errors import InputError, MissingColumnError, MissingFileError, NoCrsError, hint
from siting.inputs.files import (
    check_coordinates,
    check_crs_text,
    open_layer,
    read_csv_text,
    require_crs,
    split_layer_path,
)

log = logging.getLogger("siting")

__all__ = [
    "LAYER_SCHEMAS",
    "LayerSchema",
    "read_layer",
    "validate_layer",
    "local_utm_crs",
    "assign_rents",
]

_POINT = frozenset({"Point"})
_AREA = frozenset({"Polygon", "MultiPolygon"})
_ANY = _POINT | _AREA | frozenset({"MultiPoint"})


@dataclass(frozen=True)
class LayerSchema:
    """What one kind of layer must hold.

    Attributes
    ----------
    kind : str
        Layer name used in messages ("stores", "candidates", ...).
    id_column : str
        Column with unique, non-null identifiers (kept as strings).
    required : tuple of str
        Numeric columns that must be present, finite and non-negative.
    optional : tuple of str
        Numeric columns checked the same way when present.
    positive : tuple of str
        Columns that must be strictly positive.
    geom_types : frozenset of str
        Geometry types accepted.
    """

    kind: str
    id_column: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    positive: tuple[str, ...]
    geom_types: frozenset[str]


LAYER_SCHEMAS: dict[str, LayerSchema] = {
    "stores": LayerSchema("stores", "store_id", ("demand_units_per_week",), (), (), _POINT | _AREA),
    "candidates": LayerSchema(
        "candidates", "site_id", ("floor_area_m2",), ("rent_per_m2_yr",), ("floor_area_m2",), _ANY
    ),
    "population": LayerSchema("population", "zone_id", ("population",), (), (), _ANY),
    "rents": LayerSchema("rents", "zone_id", ("rent_per_m2_yr",), (), (), _AREA),
}

_SPREADSHEETS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")
#: largest plausible value per numeric column (beyond it: a unit or typing mistake)
_MAXIMA = {
    "demand_units_per_week": 1e7,
    "floor_area_m2": 1e7,
    "rent_per_m2_yr": 1e6,
    "population": 1e8,
}

_LON_NAMES = ("lon", "lng", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")


def _schema(kind: str) -> LayerSchema:
    try:
        return LAYER_SCHEMAS[kind]
    except KeyError:
        raise InputError(f"unknown layer kind {kind!r}; use one of {sorted(LAYER_SCHEMAS)}") from None


def _read_csv_points(path: Path, crs: str | None, text_columns: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    df = read_csv_text(path, text_columns)
    lower = {c.lower(): c for c in df.columns}
    lon = next((lower[n] for n in _LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in _LAT_NAMES if n in lower), None)
    if lon is None or lat is None:
        raise MissingColumnError(
            f"{path}: a CSV layer needs coordinate columns 'lon' and 'lat' (or longitude/latitude, x/y); "
            f"found columns {list(df.columns)}. Add them, or save the layer as GeoPackage/GeoJSON."
        )
    for col in (lon, lat):
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: column {col!r} on line {row + 2} is {df[col].iloc[row]!r}, not a number; "
                "every row needs numeric coordinates."
            )
        df[col] = values
    geographic = crs is None or CRS.from_user_input(crs).is_geographic
    if geographic and (df[lat].abs() > 90).any() and (df[lon].abs() <= 90).all() and (df[lat].abs() <= 180).all():
        raise InputError(
            f"{path}: column {lat!r} holds values beyond 90 while {lon!r} stays within 90: longitude and "
            f"latitude look swapped; swap the two columns' names."
        )
    if geographic and ((df[lon].abs() > 180).any() or (df[lat].abs() > 90).any()):
        raise InputError(
            f"{path}: coordinates in {lon!r}/{lat!r} lie outside longitude/latitude range; if they are projected, "
            + hint(python="pass the CRS (e.g. crs='EPSG:3067').", cli="pass the CRS (e.g. --crs EPSG:3067).")
        )
    geometry = gpd.points_from_xy(df[lon], df[lat])
    return gpd.GeoDataFrame(df.drop(columns=[lon, lat]), geometry=geometry, crs=crs or "EPSG:4326")


#: column roles per layer (the keys of a scenario's ``columns`` and of ``--column LAYER.ROLE=NAME``)
#: -> the column siting uses
LAYER_COLUMNS: dict[str, dict[str, str]] = {
    "stores": {"id": "store_id", "name": "name", "demand": "demand_units_per_week", "shop": "shop"},
    "candidates": {
        "id": "site_id",
        "name": "name",
        "floor_area": "floor_area_m2",
        "rent": "rent_per_m2_yr",
        "store": "store_id",  # a back-room site: the store it sits in (siting.inputs.backrooms)
    },
    "population": {"id": "zone_id", "population": "population"},
    "rents": {"id": "zone_id", "rent": "rent_per_m2_yr"},
}


def read_layer(
    path: str | Path,
    kind: str,
    *,
    crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate one input layer from GeoPackage, GeoJSON, GeoParquet, Shapefile or CSV.

    Parameters
    ----------
    path : str or Path
        The file. CSV files need ``lon``/``lat`` columns (EPSG:4326 unless ``crs`` says otherwise).
    kind : {"stores", "candidates", "population", "rents"}
        Which layer this is; decides the required columns (see ``LAYER_SCHEMAS``).
    crs : str, optional
        CRS to assume when the file has none. A file with no CRS and no ``crs`` is refused.
    columns : mapping, optional
        Rename the user's columns to siting's names, e.g. ``{"weekly_units": "demand_units_per_week"}``.
    layer : str, optional
        The layer of a multi-layer file (GeoPackage); also given as ``path.gpkg:layer``. A file
        with several layers and none named is refused with the list of its layers.

    Returns
    -------
    geopandas.GeoDataFrame
        The validated layer, in the file's CRS (project it with ``to_crs`` afterwards).
    """
    path, named = split_layer_path(path)
    layer = layer if layer is not None else named
    if not path.exists():
        raise MissingFileError(f"{path}: {kind} file not found; check the path.")
    if path.is_dir() and path.suffix.lower() not in (".gdb",):
        raise InputError(f"{path}: is a folder; give the {kind} file itself.")
    user_crs = check_crs_text(crs, str(path))
    suffix = path.suffix.lower()
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: the {kind} file is empty (0 bytes); export the layer again.")
    if suffix in _SPREADSHEETS:
        raise InputError(
            f"{path}: a spreadsheet is not a layer; save the {kind} sheet as CSV (UTF-8) with lon and lat "
            "columns, or as GeoPackage."
        )
    if suffix in (".csv", ".tsv", ".txt"):
        schema = _schema(kind)
        ids = (
            schema.id_column,
            "name",
            *(("store_id",) if kind == "candidates" else ()),
            *[
                user
                for user, ours in (columns or {}).items()
                if ours in (schema.id_column, "name") or (kind == "candidates" and ours == "store_id")
            ],
        )
        gdf = _read_csv_points(path, crs, ids)
    else:
        gdf = require_crs(open_layer(path, kind, layer), user_crs, path, kind)
    return validate_layer(gdf, kind, source=str(path), columns=columns)


def validate_layer(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    source: str = "<in-memory layer>",
    columns: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Check one layer against its schema and return a clean copy.

    Ids become strings, numeric columns float64, polygon stores become centroids. Any problem
    raises an :class:`~siting.InputError` that names ``source``, the column or row, and the fix.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer.
    kind : {"stores", "candidates", "population", "rents"}
        Which schema applies.
    source : str
        File name (or description) used in error messages.
    columns : mapping, optional
        Renames applied before checking (user column -> siting column).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    schema = _schema(kind)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{source}: the {kind} layer must be a GeoDataFrame, got {type(gdf).__name__}.")
    if gdf.crs is None:
        raise NoCrsError(f"{source}: the {kind} layer has no CRS; set one with gdf.set_crs(...).")
    absent = [user for user in (columns or {}) if user not in gdf.columns]
    if absent:
        raise MissingColumnError(
            f"{source}: the {kind} layer has no column {absent[0]!r} to map to {dict(columns or {})[absent[0]]!r}; "
            f"its columns are {[c for c in gdf.columns if c != gdf.geometry.name]}. Fix the column mapping."
        )
    gdf = _rename_columns(gdf, dict(columns or {}), kind, source)
    if len(gdf) == 0:
        raise InputError(f"{source}: the {kind} layer has no rows.")
    for col in (schema.id_column, *schema.required):
        if col not in gdf.columns:
            raise MissingColumnError(
                f"{source}: the {kind} layer has no column {col!r}; found {list(gdf.columns)}. "
                f"Add it or map your column to it: " + _map_hint(kind, col)
            )
    ids = gdf[schema.id_column]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise InputError(f"{source}: column {schema.id_column!r} is empty in row {row + 1}; every row needs an id.")
    ids = ids.astype(str)
    dup = ids.duplicated(keep=False)
    if dup.any():
        first = ids[dup].iloc[0]
        rows = (np.flatnonzero(dup.to_numpy())[:5] + 1).tolist()
        raise InputError(
            f"{source}: column {schema.id_column!r} has duplicate id {first!r} (rows {rows}); ids must be unique."
        )
    gdf[schema.id_column] = ids
    # rows in messages count from 1, in file order (the first feature is row 1)
    for col in (*schema.required, *[c for c in schema.optional if c in gdf.columns]):
        gdf[col] = _check_numeric(gdf, col, schema, source)
    if kind == "stores" and not (gdf["demand_units_per_week"] > 0).any():
        raise InputError(
            f"{source}: column 'demand_units_per_week' is 0 for every store; siting weighs delivery by demand, "
            "so give at least one store its weekly demand (units per week)."
        )
    missing_geom = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing_geom.any():
        row = int(np.flatnonzero(missing_geom.to_numpy())[0])
        raise InputError(
            f"{source}: row {row + 1} ({schema.id_column} {ids.iloc[row]!r}) has no geometry; "
            "drop it or add a location."
        )
    bad_type = ~gdf.geom_type.isin(schema.geom_types)
    if bad_type.any():
        row = int(np.flatnonzero(bad_type.to_numpy())[0])
        raise InputError(
            f"{source}: row {row + 1} ({schema.id_column} {ids.iloc[row]!r}) is a {gdf.geom_type.iloc[row]}; "
            f"{kind} must be {' or '.join(sorted(schema.geom_types))}."
        )
    check_coordinates(gdf, kind, source)
    if kind == "stores" and not gdf.geom_type.eq("Point").all():
        areas = gdf.geom_type.ne("Point")
        gdf.loc[areas, "geometry"] = gdf.loc[areas].geometry.representative_point()
    if kind == "candidates":
        from siting.inputs.backrooms import backroom_ids

        gdf = backroom_ids(gdf, source)
    if "name" in gdf.columns:
        gdf["name"] = gdf["name"].astype(object).where(gdf["name"].notna(), "").astype(str)
    else:
        gdf["name"] = ""
    return gdf.reset_index(drop=True)


def _rename_columns(gdf: gpd.GeoDataFrame, renames: dict[str, str], kind: str, source: str) -> gpd.GeoDataFrame:
    """Rename the user's columns to siting's; a mapped column wins over one already bearing siting's name."""
    shadowed = [ours for user, ours in renames.items() if ours in gdf.columns and ours != user]
    for ours in shadowed:
        user = next(u for u, o in renames.items() if o == ours)
        log.info(
            "%s: the %s layer's column %r is used as %r (as mapped); its own %r column is ignored",
            source,
            kind,
            user,
            ours,
            ours,
        )
    return gdf.drop(columns=[c for c in shadowed if c not in renames]).rename(columns=renames).copy()


def _map_hint(kind: str, col: str) -> str:
    """How to map a user's column onto ``col``, in the words of the interface in use."""
    role = next((r for r, c in LAYER_COLUMNS.get(kind, {}).items() if c == col), col)
    return hint(
        python=f"columns={{'your_name': {col!r}}}.",
        cli=f'--column {kind}.{role}=YOUR_NAME (or columns = {{ {role} = "YOUR_NAME" }} in the scenario).',
    )


def _show(value: object) -> str:
    """A cell value as a user wrote it: numbers plain (-2, not np.int64(-2)), text quoted."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return f"{value.item() if isinstance(value, np.generic) else value}"
    return repr(value)


def _check_numeric(gdf: gpd.GeoDataFrame, col: str, schema: LayerSchema, source: str) -> pd.Series:
    values = pd.to_numeric(gdf[col], errors="coerce").astype("float64")
    ids = gdf[schema.id_column]
    problems = [(values.isna() | ~np.isfinite(values), "is missing or not a number"), (values < 0, "is negative")]
    if col in schema.positive:
        problems.append((values <= 0, "must be greater than 0"))
    if col in _MAXIMA:
        problems.append((values > _MAXIMA[col], f"is above the plausible maximum {_MAXIMA[col]:g} (check the unit)"))
    for mask, what in problems:
        mask = mask.fillna(False).to_numpy(dtype=bool)
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            raise InputError(
                f"{source}: column {col!r} {what} in row {row + 1} ({schema.id_column} {ids.iloc[row]!r}, "
                f"value {_show(gdf[col].iloc[row])}); fix the value or drop the row "
                f"({int(mask.sum())} row(s) affected)."
            )
    return values


def local_utm_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """The UTM zone CRS that contains the centre of a layer's extent.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Any layer with a CRS.

    Returns
    -------
    pyproj.CRS
    """
    if gdf.crs is None:
        raise NoCrsError("cannot choose a local CRS for a layer without a CRS.")
    crs = gdf.estimate_utm_crs()
    return CRS.from_user_input(crs)


def assign_rents(candidates: gpd.GeoDataFrame, rents: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Give every candidate site a ``rent_per_m2_yr``, from its own column or the rent zone it lies in.

    A site's own value wins; otherwise the rent of the zone containing its representative point.

    Parameters
    ----------
    candidates, rents : geopandas.GeoDataFrame
        Validated layers in the same CRS. ``rents`` may be None when every site has a rent.

    Returns
    -------
    geopandas.GeoDataFrame
        ``candidates`` with ``rent_per_m2_yr`` filled and ``rent_source`` ("site" or "zone").
    """
    out = candidates.copy()
    if "rent_per_m2_yr" not in out.columns:
        out["rent_per_m2_yr"] = np.nan
    default_source = pd.Series(np.where(out["rent_per_m2_yr"].notna(), "site", "zone"), index=out.index)
    # a layer that went through here before keeps where its rents came from
    out["rent_source"] = out["rent_source"].fillna(default_source) if "rent_source" in out.columns else default_source
    need = out["rent_per_m2_yr"].isna()
    if need.any():
        if rents is None:
            raise InputError(
                "candidates: column 'rent_per_m2_yr' is missing for "
                f"{int(need.sum())} site(s) (e.g. {out.loc[need, 'site_id'].iloc[0]!r}) and no rents layer was given; "
                "add the column or pass a rents layer."
            )
        if rents.crs != out.crs:
            rents = rents.to_crs(out.crs)
        points = gpd.GeoDataFrame(
            {"site_id": out.loc[need, "site_id"]}, geometry=out.loc[need].geometry.representative_point(), crs=out.crs
        )
        joined = gpd.sjoin(points, rents[["rent_per_m2_yr", "geometry"]], how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        out.loc[need, "rent_per_m2_yr"] = joined["rent_per_m2_yr"].to_numpy()
        outside = out["rent_per_m2_yr"].isna()
        if outside.any():
            nearest = gpd.sjoin_nearest(
                points.loc[outside[need].to_numpy()], rents[["rent_per_m2_yr", "geometry"]], how="left"
            )
            nearest = nearest[~nearest.index.duplicated(keep="first")]
            out.loc[outside, "rent_per_m2_yr"] = nearest["rent_per_m2_yr"].to_numpy()
            out.loc[outside, "rent_source"] = "nearest zone"
    return out
