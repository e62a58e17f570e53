"""The run folder: its file names, formats and per-city folders, and how to find them (one description for all)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from siting.errors import InputError

__all__ = [
    "FORMATS",
    "LAYER_NAMES",
    "RUN_TABLES",
    "FAMILIES",
    "FRONTIER",
    "PORTFOLIO",
    "CAPACITY",
    "SITE_VALUES",
    "RESILIENCE",
    "DROPS",
    "FRONTIER_FIGURE",
    "NATIONAL_SUMMARY",
    "BUNDLE",
    "RANKING",
    "CHOSEN",
    "SUMMARY",
    "RUN_RECORD",
    "layer_path",
    "table_path",
    "layer_candidates",
    "city_folder",
    "city_folders",
    "has_layers",
    "is_run_folder",
    "safe_name",
]

#: ``--format`` values: how tables and layers are written
FORMATS = ("csv", "gpkg", "parquet", "json")
#: layer file suffix per format (``gpkg`` puts every layer into one :data:`BUNDLE`)
_LAYER_EXT = {"csv": ".gpkg", "gpkg": ".gpkg", "parquet": ".parquet", "json": ".geojson"}
#: table file suffix per format (GeoPackage has no plain tables: CSV)
_TABLE_EXT = {"csv": ".csv", "gpkg": ".csv", "parquet": ".parquet", "json": ".json"}
#: the layers of one city folder, in drawing order
LAYER_NAMES = (
    "stores",
    "candidates",
    "population",
    "rents",
    "lanes",
    "isochrones",
    "allocation",
    "tours",
    "offshore_flows",  # a portfolio plan: distribution point -> hub / cross-dock site -> stores
    "open_hubs",  # and the hubs it opens
)
#: run-wide tables beside ``ranking.csv`` (in the run's format)
RUN_TABLES = ("sensitivity", "excluded", "lane_totals", "plan")
#: the business case per city, site and family, and where local wins (tables with a ``city`` column)
FAMILIES = "families"
FRONTIER = "frontier"
#: The portfolio design's tables (when the design was solved).
PORTFOLIO = "portfolio"
CAPACITY = "capacity"
SITE_VALUES = "site_values"
RESILIENCE = "resilience"
#: the fixed charge per drop of the hybrid design (``plan``, ``rank --portfolio``)
DROPS = "drops"
#: the frontier figure: beside the tables for one city, in each city's folder for several
FRONTIER_FIGURE = "frontier.png"
#: microfactories recommended per cluster of a national run (``clusters = "auto"``)
NATIONAL_SUMMARY = "national_summary"
#: the one GeoPackage holding every layer of a city with ``--format gpkg``
BUNDLE = "layers.gpkg"
#: the ranking (all cities at the top, one city in its folder); always CSV
RANKING = "ranking.csv"
#: the chosen sites of a ``plan`` run, in each city folder
CHOSEN = "chosen.csv"
SUMMARY = "summary.json"
#: written last: a folder holding it is a complete run
RUN_RECORD = "run.json"
#: layer file suffixes in the order a reader tries them
_READ_ORDER = (".parquet", ".gpkg", ".geojson")

_UNSAFE = re.compile(r"[^\w.\- ]", re.UNICODE)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"output format {fmt!r} is unknown; use one of {', '.join(FORMATS)} (--format).")
    return fmt


def layer_path(folder: Path, name: str, fmt: str) -> Path:
    """Where layer ``name`` of a city folder is written in format ``fmt`` (``gpkg``: the bundle).

    Parameters
    ----------
    folder : Path
        The city folder.
    name : str
        One of :data:`LAYER_NAMES`.
    fmt : {"csv", "gpkg", "parquet", "json"}

    Returns
    -------
    pathlib.Path
    """
    if _check_format(fmt) == "gpkg":
        return folder / BUNDLE
    return folder / f"{name}{_LAYER_EXT[fmt]}"


def table_path(folder: Path, name: str, fmt: str) -> Path:
    """Where table ``name`` is written in format ``fmt`` (csv for ``csv`` and ``gpkg``).

    Parameters
    ----------
    folder : Path
    name : str
    fmt : {"csv", "gpkg", "parquet", "json"}

    Returns
    -------
    pathlib.Path
    """
    return folder / f"{name}{_TABLE_EXT[_check_format(fmt)]}"


def layer_candidates(folder: Path, name: str) -> list[Path]:
    """The files that may hold layer ``name`` of a city folder, in the order a reader tries them.

    Every format's file (``.parquet``, ``.gpkg``, ``.geojson``) comes first, then :data:`BUNDLE`
    (look for a layer called ``name`` inside it).

    Parameters
    ----------
    folder : Path
    name : str

    Returns
    -------
    list of pathlib.Path
    """
    return [folder / f"{name}{ext}" for ext in _READ_ORDER] + [folder / BUNDLE]


def has_layers(folder: Path) -> bool:
    """True if ``folder`` holds a city's saved candidates in any format.

    Parameters
    ----------
    folder : Path

    Returns
    -------
    bool
    """
    return any(p.is_file() for p in layer_candidates(folder, "candidates"))


def is_run_folder(folder: Path) -> bool:
    """True if ``folder`` holds the record of a finished run (:data:`RUN_RECORD`).

    Parameters
    ----------
    folder : Path

    Returns
    -------
    bool
    """
    return (folder / RUN_RECORD).is_file()


def city_folders(run_dir: Path) -> list[Path]:
    """The folders of a run holding one city's layers: the folder itself, or its city sub-folders.

    Parameters
    ----------
    run_dir : Path
        The ``--out`` folder of a run, or one of its city folders.

    Returns
    -------
    list of pathlib.Path
        Sorted by name; empty if the folder holds no saved layers.
    """
    if has_layers(run_dir):
        return [run_dir]
    if not run_dir.is_dir():
        return []
    return sorted(p for p in run_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and has_layers(p))


def city_folder(out: Path, city: str) -> Path:
    """The folder of ``city`` inside the run folder ``out`` (the name checked by :func:`safe_name`).

    Parameters
    ----------
    out : Path
    city : str

    Returns
    -------
    pathlib.Path
    """
    return out / safe_name(city, what="city name")


def safe_name(name: str, *, what: str = "name", hint: str = "") -> str:
    """Return ``name`` if it can be one file or folder name on every system, else refuse it.

    A safe name is one path component made of letters, digits, ``_``, ``-``, ``.`` and spaces,
    neither ``.`` nor ``..`` nor starting with ``.``, and not a reserved device name.

    Parameters
    ----------
    name : str
    what : str
        What the name is, for the message ("city name").
    hint : str
        Where the user sets it (e.g. ``"--city"``), for the message.

    Returns
    -------
    str
        ``name`` itself.

    Raises
    ------
    InputError
        Naming the value and a safe alternative.
    """
    text = unicodedata.normalize("NFC", str(name))
    stripped = text.strip()
    problem = None
    if not stripped:
        problem = "is empty"
    elif _UNSAFE.search(text) or stripped in (".", "..") or stripped.startswith("."):
        problem = (
            "cannot be used as a file name (it holds a path separator, a leading dot or another special character)"
        )
    elif stripped != text:
        problem = "starts or ends with spaces"
    elif text.split(".")[0].lower() in _RESERVED:
        problem = "is a reserved device name"
    elif len(text.encode("utf-8")) > 120:
        problem = "is longer than 120 bytes"
    if problem is None:
        return text
    suggestion = _UNSAFE.sub("-", stripped).strip(". -")[:60] or "city"
    where = f" ({hint})" if hint else ""
    raise InputError(
        f"{what} {name!r}{where} {problem}; it names an output folder and file. "
        f"Use letters, digits, '-', '_' and spaces, e.g. {suggestion!r}."
    )
