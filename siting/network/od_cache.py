"""On-disk cache of exact OD results, keyed by a hash of every array the computation reads."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from siting.network.cache import default_cache_dir, env_switch_on

__all__ = [
    "od_cache_enabled",
    "od_cache_dir",
    "od_key",
    "od_load",
    "od_store",
    "ENV_SWITCH",
    "MAX_ENTRIES",
    "OD_ENGINE",
]

log = logging.getLogger(__name__)

# Bump when what an entry holds (or how it is computed) changes, so old entries are ignored.
OD_CACHE_FORMAT = 1
# ``SITING_OD_CACHE=0`` (or off / false / no) switches the cache off: every OD is computed.
ENV_SWITCH = "SITING_OD_CACHE"
# The oldest entries beyond this many are removed after each store (an entry is 2-4 MB on Malta).
MAX_ENTRIES = 48
# The source files (in siting/network/) whose code computes an OD entry: an edited engine misses.
OD_ENGINE = ("csr.py", "virtual.py", "od_cache.py")


def od_cache_enabled() -> bool:
    """Whether OD results are read from and written to the cache (``$SITING_OD_CACHE``, on by default).

    Returns
    -------
    bool
    """
    return env_switch_on(ENV_SWITCH)


def od_cache_dir() -> Path:
    """The folder of cached OD results: ``od/`` in :func:`siting.network.cache.default_cache_dir`.

    Returns
    -------
    pathlib.Path
    """
    return default_cache_dir() / "od"


_ENGINE: dict[tuple[str, ...], str] = {}


def _engine_digest(files: tuple[str, ...]) -> str:
    """sha256 of the engine's source files (in siting/network/): an edited engine misses."""
    if files not in _ENGINE:
        h = hashlib.sha256()
        here = Path(__file__).resolve().parent
        for name in files:
            h.update((here / name).read_bytes())
        _ENGINE[files] = h.hexdigest()
    return _ENGINE[files]


def od_key(arrays: Mapping[str, np.ndarray], options: Mapping[str, Any], *, engine: tuple[str, ...] = OD_ENGINE) -> str:
    """A hex key from every input array (dtype, shape and bytes) and every option.

    Parameters
    ----------
    arrays
        Name -> array: the graph's CSR arrays, the points' legs and access columns.
    options
        Name -> JSON-able value (weight, limit, with_lengths, ...).
    engine
        The source files in ``siting/network/`` that compute the entry (the OD engine's by
        default; the isochrones' for :mod:`siting.network.reach_cache`).

    Returns
    -------
    str
        A sha256 hex digest (with the cache format, numpy/scipy versions and the engine's source).
    """
    h = hashlib.sha256()
    versions = {name: metadata.version(name) for name in ("numpy", "scipy")}
    h.update(repr((OD_CACHE_FORMAT, sorted(versions.items()), sorted(options.items()))).encode())
    h.update(_engine_digest(tuple(engine)).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"|{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def od_load(key: str) -> tuple[np.ndarray, ...] | None:
    """The arrays stored under ``key``, or None on a miss (or an unreadable entry).

    Parameters
    ----------
    key
        From :func:`od_key`.

    Returns
    -------
    tuple of numpy.ndarray or None
    """
    path = od_cache_dir() / f"{key}.npz"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return tuple(z[f"a{i}"] for i in range(len(z.files)))
    except Exception as exc:  # a truncated or foreign file is a miss, recomputed and overwritten
        log.warning("cache entry %s is unreadable (%s: %s); computing it again", path, type(exc).__name__, exc)
        return None


def od_store(key: str, arrays: tuple[np.ndarray, ...]) -> None:
    """Store arrays under ``key`` atomically; keep the newest :data:`MAX_ENTRIES` entries.

    A cache folder that cannot be written is skipped silently (the result is still returned
    by the caller; only the next run recomputes it).

    Parameters
    ----------
    key
        From :func:`od_key`.
    arrays
        The results to keep.
    """
    folder = od_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp.npz"
        try:
            named: dict[str, Any] = {f"a{i}": a for i, a in enumerate(arrays)}
            np.savez(tmp, **named)
            os.replace(tmp, folder / f"{key}.npz")
        finally:
            tmp.unlink(missing_ok=True)
        entries = [e for e in folder.glob("*.npz") if not e.name.startswith(".")]  # not others' temporaries
        entries.sort(key=lambda e: e.stat().st_mtime)
        for old in entries[: max(0, len(entries) - MAX_ENTRIES)]:
            old.unlink(missing_ok=True)
    except OSError:
        return
