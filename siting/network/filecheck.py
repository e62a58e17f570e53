"""Network files checked before building: empty, truncated, mislabelled or unreadable files and CRS strings."""

from __future__ import annotations

import bz2
import re
import struct
from pathlib import Path
from typing import Any

from siting.errors import InputError, MissingFileError

__all__ = ["check_network_file", "check_crs", "looks_like_path", "FILE_KINDS"]

#: network source kinds that are local files
FILE_KINDS = ("pbf", "xml", "graphml")
_PATH_SUFFIX = re.compile(r"\.(osm|pbf|bz2|graphml|xml|gpkg|geojson|json|shp|csv)$", re.IGNORECASE)
_FIX = "re-download or re-export the file (e.g. a Geofabrik extract as .osm.pbf)"


def looks_like_path(source: str) -> bool:
    """True if a network source string is meant as a file (has a folder part or a file suffix).

    A place name ("Kotka, Finland") has neither; ``data/kotka`` or ``kotka.osm`` are paths.

    Parameters
    ----------
    source : str

    Returns
    -------
    bool
    """
    text = str(source).strip()
    return "/" in text or "\\" in text or text.startswith(("~", ".")) or bool(_PATH_SUFFIX.search(text))


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _blob_header(buf: bytes) -> tuple[str, int]:
    """(type, datasize) of an OSM PBF BlobHeader (protobuf fields 1 string, 2 bytes, 3 int32)."""
    i, kind, size = 0, "", -1
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 2:
            n, i = _varint(buf, i)
            if field == 1:
                kind = buf[i : i + n].decode("ascii", "replace")
            i += n
        elif wire == 0:
            v, i = _varint(buf, i)
            if field == 3:
                size = v
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return kind, size


def _check_pbf(path: Path) -> None:
    """Walk the blob headers of a .osm.pbf to its end: catches text files and truncation."""
    total = path.stat().st_size
    with open(path, "rb") as f:
        pos, first = 0, True
        while pos < total:
            head = f.read(4)
            if len(head) < 4:
                raise ValueError(f"truncated at byte {pos}")
            (n,) = struct.unpack(">I", head)
            if n == 0 or n > 64 * 1024:
                raise ValueError("not an OSM PBF block header" if first else f"bad block header at byte {pos}")
            kind, size = _blob_header(f.read(n))
            if first and kind != "OSMHeader":
                raise ValueError("does not start with an OSMHeader block")
            if size < 0 or size > 32 * 1024 * 1024:
                raise ValueError(f"bad block size at byte {pos}")
            pos += 4 + n + size
            if pos > total:
                raise ValueError(f"truncated: a block ends at byte {pos} but the file has {total} bytes")
            f.seek(pos)
            first = False


def _check_xml(path: Path) -> None:
    """The file opens (bz2 decompresses to its end) and starts like OSM XML."""
    compressed = str(path).lower().endswith(".bz2")
    opener: Any = bz2.open if compressed else open
    with opener(path, "rb") as f:
        head = f.read(4096)
        if compressed:  # a corrupt or truncated stream fails somewhere: read it through
            while f.read(1 << 20):
                pass
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"<?xml", b"<osm")) or b"<osm" not in head:
        raise ValueError("does not start with <?xml or <osm: not OSM XML")


def _check_graphml(path: Path) -> None:
    """Starts like GraphML and declares the graph attribute ``crs`` (osmnx needs it)."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if b"<graphml" not in head:
        raise ValueError("no <graphml> element: not a GraphML file")
    if not re.search(rb'attr\.name="crs"', head):
        raise ValueError(
            "its graph has no 'crs' attribute; save it with osmnx.save_graphml or `siting network build --out`"
        )


def check_network_file(path: str | Path, kind: str) -> None:
    """Refuse a network file that is empty, truncated, mislabelled or unreadable, naming it.

    Parameters
    ----------
    path : str or Path
    kind : {"pbf", "xml", "graphml"}

    Raises
    ------
    InputError
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"network file {path} does not exist; check the path.")
    try:
        if path.stat().st_size == 0:
            raise InputError(f"network file {path} is empty (0 bytes); {_FIX}.")
        {"pbf": _check_pbf, "xml": _check_xml, "graphml": _check_graphml}[kind](path)
    except InputError:
        raise
    except (OSError, EOFError, ValueError) as exc:
        what = {"pbf": "an OSM PBF file", "xml": "OSM XML", "graphml": "a GraphML network"}[kind]
        raise InputError(f"network file {path} is not readable as {what}: {exc}; {_FIX}.") from None


def check_crs(crs: Any, option: str = "crs") -> None:
    """Refuse a CRS that pyproj cannot read, naming the option.

    Parameters
    ----------
    crs : str, int or pyproj.CRS, optional
    option : str
        The option that named it, for the message.
    """
    if crs is None:
        return
    import pyproj

    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError, ValueError) as exc:
        raise InputError(f"{option} {crs!r} is not a CRS pyproj knows ({exc}); use e.g. 'EPSG:3067'.") from None
    del parsed
