"""Opening layer files: format, layer choice, text encoding and delimiter, and coordinate sanity."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from siting.errors import InputError, NoCrsError, hint

__all__ = ["split_layer_path", "open_layer", "read_csv_text", "check_coordinates", "check_crs_text"]

log = logging.getLogger("siting")

_DELIMITERS = ",;\t|"


def split_layer_path(path: str | Path) -> tuple[Path, str | None]:
    """Split ``file.gpkg:layer`` into the file and the layer name (None when no layer is named).

    A colon is read as a layer separator only when the text before it ends in a file suffix
    and the whole text is not itself an existing file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    (pathlib.Path, str or None)
    """
    text = str(path)
    head, sep, layer = text.rpartition(":")
    if sep and layer and "/" not in layer and "\\" not in layer and Path(head).suffix and not Path(text).exists():
        return Path(head), layer
    return Path(text), None


def check_crs_text(crs: str | None, source: str) -> CRS | None:
    """Parse a CRS given by the user, refusing one pyproj does not know (naming where it came from).

    Parameters
    ----------
    crs : str, optional
    source : str
        The file the CRS is for, for the message.

    Returns
    -------
    pyproj.CRS or None
    """
    if crs is None:
        return None
    try:
        return CRS.from_user_input(crs)
    except Exception as exc:  # pyproj.exceptions.CRSError and friends
        raise InputError(
            f"{source}: CRS {crs!r} is not one pyproj knows ({exc}); "
            + hint(python="pass e.g. crs='EPSG:3067'.", cli="pass e.g. --crs EPSG:3067 (or crs = ... in the scenario).")
        ) from None


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8-sig":
            log.info("%s: not UTF-8; read as %s (save it as UTF-8 to be sure of accents)", path, encoding)
        return text
    raise InputError(f"{path}: not readable as text; save the table as CSV (UTF-8).")  # pragma: no cover


def read_csv_text(path: Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV whatever its encoding (UTF-8, Windows-1252, latin-1) and delimiter (``,``, ``;``, tab, ``|``).

    A semicolon-separated file with decimal commas (``24,95``) is read as such.

    Parameters
    ----------
    path : Path
    text_columns : tuple of str
        Columns read as text as written (ids such as ``007`` keep their zeros).

    Returns
    -------
    pandas.DataFrame
    """
    text = _decode(path)
    if not text.strip():
        raise InputError(f"{path}: the CSV file holds no rows; export the layer again.")
    sample = "\n".join(text.splitlines()[:50])
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0]
        sep = max(_DELIMITERS, key=first.count)
    decimal = "," if sep == ";" else "."
    try:
        return pd.read_csv(
            io.StringIO(text), sep=sep, decimal=decimal, dtype=dict.fromkeys(text_columns, str), keep_default_na=True
        )
    except Exception as exc:  # pandas raises many types for unreadable CSVs
        raise InputError(
            f"{path}: cannot read as CSV ({exc}); save it as comma-separated UTF-8 text with a header row."
        ) from None


def open_layer(path: Path, kind: str, layer: str | None) -> gpd.GeoDataFrame:
    """Read a GeoPackage, GeoJSON, GeoParquet or Shapefile, choosing ``layer`` in a multi-layer file.

    Parameters
    ----------
    path : Path
    kind : str
        For messages ("stores", ...).
    layer : str, optional
        The layer to read; required when the file holds several.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        try:
            return gpd.read_parquet(path)
        except Exception as exc:  # pyarrow raises its own types
            raise InputError(f"{path}: cannot read as GeoParquet ({exc}); export the {kind} layer again.") from None
    import pyogrio

    try:
        layers = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise InputError(
            f"{path}: cannot read as a {kind} layer ({str(exc).splitlines()[0]}); use GeoPackage, GeoJSON, "
            "GeoParquet, Shapefile or CSV with lon/lat columns."
        ) from None
    if layer is not None and layer not in layers:
        raise InputError(f"{path}: has no layer {layer!r}; its layers are {layers}.")
    if layer is None and len(layers) > 1:
        raise InputError(
            f"{path}: holds {len(layers)} layers {layers}; say which is the {kind} layer: "
            + hint(
                python=f"read_layer('{path}', '{kind}', layer='{layers[0]}').",
                cli=f"'{path}:{layers[0]}' (or layer = \"{layers[0]}\" in the scenario).",
            )
        )
    try:
        return gpd.read_file(path, layer=layer)
    except Exception as exc:  # a damaged file
        raise InputError(f"{path}: cannot read the {kind} layer ({exc}); export it again.") from None


def _bounds(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    geom = gdf.geometry
    ok = geom.notna() & ~geom.is_empty
    if not ok.any():
        return None
    b = np.asarray(geom[ok].total_bounds, dtype=float)
    return b if np.isfinite(b).all() else None


def check_coordinates(gdf: gpd.GeoDataFrame, kind: str, source: str) -> None:
    """Refuse coordinates that cannot be right for the layer's CRS: out of range, swapped, or
    outside the area the CRS is meant for.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        With a CRS.
    kind : str
    source : str
        For messages.
    """
    crs = CRS.from_user_input(gdf.crs)
    b = _bounds(gdf)
    if b is None:
        return
    fix_crs = hint(python="set the right one with crs='EPSG:....'", cli="set the right one with --crs EPSG:....")
    x0, y0, x1, y1 = b
    if crs.is_geographic:
        if max(abs(x0), abs(x1)) <= 90 and max(abs(y0), abs(y1)) > 90 and max(abs(y0), abs(y1)) <= 180:
            raise InputError(
                f"{source}: the {kind} layer's latitudes reach {max(abs(y0), abs(y1)):g} (beyond 90) while its "
                "longitudes stay within 90: longitude and latitude look swapped; swap the columns (x/lon first)."
            )
        if max(abs(x0), abs(x1)) > 180 or max(abs(y0), abs(y1)) > 90:
            raise InputError(
                f"{source}: the {kind} layer says {crs.to_string()} (degrees) but its coordinates reach "
                f"({x1:.6g}, {y1:.6g}): they look projected (metres); {fix_crs}."
            )
        return
    if crs.is_projected and max(abs(x0), abs(x1), abs(y0), abs(y1)) <= 180 and (x1 - x0) < 5 and (y1 - y0) < 5:
        raise InputError(
            f"{source}: the {kind} layer says {crs.to_string()} (metres) but its coordinates all lie within "
            f"({x0:.6g}, {y0:.6g})-({x1:.6g}, {y1:.6g}): they look like longitude/latitude; "
            + hint(python="use crs='EPSG:4326'.", cli="use --crs EPSG:4326.")
        )
    area = crs.area_of_use
    if crs.is_projected and area is not None:
        from pyproj import Transformer

        try:
            to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            lon0, lat0, lon1, lat1 = to_lonlat.transform_bounds(x0, y0, x1, y1)
        except Exception:  # a transform pyproj cannot do is not ours to judge
            return
        margin = 5.0
        if not np.isfinite([lon0, lat0, lon1, lat1]).all() or (
            lon1 < area.west - margin
            or lon0 > area.east + margin
            or lat1 < area.south - margin
            or lat0 > area.north + margin
        ):
            raise InputError(
                f"{source}: the {kind} layer lies outside the area of its CRS {crs.to_string()} "
                f"({area.name}); the file's CRS is probably wrong: {fix_crs}."
            )


def require_crs(gdf: gpd.GeoDataFrame, crs: CRS | None, path: Path, kind: str) -> gpd.GeoDataFrame:
    """Give a layer without CRS the user's ``crs``, or refuse it naming the option to set."""
    if gdf.crs is not None:
        return gdf
    if crs is None:
        raise NoCrsError(
            f"{path}: the {kind} layer has no CRS; set one in the file or "
            + hint(
                python="pass crs= (e.g. crs='EPSG:4326' for longitude/latitude).",
                cli="pass --crs (e.g. --crs EPSG:4326 for longitude/latitude; crs = ... in the scenario).",
            )
        )
    return gdf.set_crs(crs)
