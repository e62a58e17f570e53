"""Writing results: tables and layers written atomically (temporary file, then rename into place)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd

__all__ = ["atomic_path", "write_text", "write_csv", "write_layer"]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    Parameters
    ----------
    path : str or Path
        Final destination. Its folder is created if needed.

    Yields
    ------
    pathlib.Path
        Where to write. Removed if the block raises, so no half-written file is ever left.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as GeoPackage want to create the file themselves
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _write(path: str | Path, writer: Callable[[Path], object]) -> Path:
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_text(text: str, path: str | Path) -> int:
    """Write UTF-8 text atomically; the file gets the usual permissions (umask), not a temp file's 0600.

    Parameters
    ----------
    text : str
    path : str or Path

    Returns
    -------
    int
        Bytes written.
    """
    data = text.encode("utf-8")
    _write(path, lambda tmp: tmp.write_bytes(data))
    return len(data)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV atomically (geometry columns dropped).

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or Path

    Returns
    -------
    pathlib.Path
    """
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return _write(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"))


def write_layer(gdf: gpd.GeoDataFrame, path: str | Path, *, layer: str | None = None) -> Path:
    """Write a GeoDataFrame atomically as GeoPackage (``.gpkg``), GeoParquet (``.parquet``) or GeoJSON.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Written in its own CRS (GeoJSON is converted to EPSG:4326, as the format requires).
    path : str or Path
    layer : str, optional
        Layer name inside a GeoPackage.

    Returns
    -------
    pathlib.Path
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return _write(path, lambda tmp: gdf.to_parquet(tmp))
    if suffix in (".geojson", ".json"):
        return _write(path, lambda tmp: gdf.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON"))
    return _write(path, lambda tmp: gdf.to_file(tmp, driver="GPKG", layer=layer or Path(path).stem))
