"""On-disk cache of the season model's results, keyed by the family, the source, the year and the model's code."""

from __future__ import annotations

import atexit
import hashlib
import logging
import multiprocessing
import os
import pickle
import sqlite3
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from siting.network.cache import default_cache_dir, env_switch_on

__all__ = [
    "ENV_SWITCH",
    "MAX_ROWS",
    "cost_cache_enabled",
    "cost_cache_path",
    "cost_flush",
    "cost_key",
    "cost_load",
    "cost_store",
]

log = logging.getLogger(__name__)

#: Bump when what an entry holds changes, so old entries are ignored.
COST_CACHE_FORMAT = 1
#: ``SITING_COST_CACHE=0`` (or off / false / no) switches the cache off: every season model is computed.
ENV_SWITCH = "SITING_COST_CACHE"
#: The oldest rows beyond this many are removed when a process first opens the cache (a row is ~1-3 kB).
MAX_ROWS = 30_000
#: Rows are written at least this often (seconds), and what is left when the process exits.
_FLUSH_EVERY_S = 1.0
#: The package data the cost model reads (beside every module of ``siting/costs``).
_DATA_FILES = ("cost_defaults.csv", "origins.csv", "grid_factors.csv")


def cost_cache_enabled() -> bool:
    """Whether season models are read from and written to the cache (``$SITING_COST_CACHE``, on by default).

    Returns
    -------
    bool
    """
    return env_switch_on(ENV_SWITCH)


def cost_cache_path() -> Path:
    """The cache's SQLite file: ``costs/sourcing.sqlite`` in :func:`siting.network.cache.default_cache_dir`.

    Returns
    -------
    pathlib.Path
    """
    return default_cache_dir() / "costs" / "sourcing.sqlite"


_MODEL: list[str] = []


def _model_digest() -> str:
    """sha256 of every module of ``siting/costs`` and the package data it reads: an edited model misses."""
    if not _MODEL:
        h = hashlib.sha256()
        here = Path(__file__).resolve().parent
        for path in sorted(here.glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        for name in _DATA_FILES:
            h.update(name.encode() + b"\0" + (here.parent / "data" / name).read_bytes())
        versions = sorted((name, metadata.version(name)) for name in ("numpy", "scipy"))
        h.update(repr((COST_CACHE_FORMAT, versions)).encode())
        _MODEL.append(h.hexdigest())
    return _MODEL[0]


def cost_key(*parts: Any) -> str:
    """A hex key from the ``repr`` of every part (a frozen dataclass's repr lists every field) and the model's code.

    Parameters
    ----------
    *parts
        The computation's inputs, e.g. the :class:`~siting.costs.products.ProductFamily`, the
        source and the weeks per year (floats' reprs round-trip exactly).

    Returns
    -------
    str
        A sha256 hex digest.
    """
    h = hashlib.sha256(_model_digest().encode())
    h.update(repr(parts).encode())
    return h.hexdigest()


class _Store:
    """One process's connection (opened on first use, reopened after a fork) and its unwritten rows."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.flushed_at = time.monotonic()
        self.pid = -1
        self.path: Path | None = None
        self.conn: sqlite3.Connection | None = None
        self.pending: dict[str, bytes] = {}
        self.broken = False

    def connect(self) -> sqlite3.Connection | None:
        path = cost_cache_path()
        if self.pid != os.getpid() or self.path != path:
            self.pid, self.path, self.conn, self.pending, self.broken = os.getpid(), path, None, {}, False
        if self.conn is None and not self.broken:
            try:
                self.conn = _when_unlocked(lambda: _open(path))
            except (OSError, sqlite3.Error) as exc:
                self._give_up(exc)
        return self.conn

    def _give_up(self, exc: BaseException) -> None:
        """The cache is unusable here (unwritable folder, a file that is not a database): compute everything."""
        log.debug("cost cache %s off for this process: %s", self.path, exc)
        self.broken, self.conn, self.pending = True, None, {}

    def load(self, key: str) -> Any | None:
        if key in self.pending:
            return pickle.loads(self.pending[key])
        conn = self.connect()
        if conn is None:
            return None
        try:
            row = _when_unlocked(lambda: conn.execute("SELECT value FROM sourcing WHERE key = ?", (key,)).fetchone())
            return None if row is None else pickle.loads(row[0])
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as exc:
            self._give_up(exc)
            return None

    def store(self, key: str, value: Any) -> None:
        if self.connect() is None:
            return
        self.pending[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if time.monotonic() - self.flushed_at >= _FLUSH_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if not self.pending or self.conn is None or self.pid != os.getpid():
            return
        rows, self.pending, self.flushed_at = list(self.pending.items()), {}, time.monotonic()
        conn = self.conn

        def write() -> None:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR IGNORE INTO sourcing (key, value) VALUES (?, ?)", rows)

        try:
            _when_unlocked(write)
        except sqlite3.Error as exc:
            self._give_up(exc)


#: A cache file another process is setting up (WAL mode, the table) can answer "database is locked" at
#: once, whatever the busy timeout: two workers forked together onto a new file met it on one start in
#: two, and each then ran without the cache. Tries of each step and the wait between them (seconds).
_LOCKED_TRIES, _LOCKED_WAIT_S = 50, 0.05

T = TypeVar("T")


def _when_unlocked(step: Callable[[], T]) -> T:
    """``step()``, tried again while SQLite says the file is locked (at most :data:`_LOCKED_TRIES` times)."""
    for attempt in range(_LOCKED_TRIES):
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _LOCKED_TRIES - 1:
                raise
            time.sleep(_LOCKED_WAIT_S)
    raise AssertionError("unreachable")  # pragma: no cover


def _open(path: Path) -> sqlite3.Connection:
    """A connection to the cache at ``path`` (WAL mode, the table created), pruned to :data:`MAX_ROWS`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS sourcing (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
        if multiprocessing.parent_process() is None:  # a run prunes; its forked workers do not, again and again
            _prune(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _prune(conn: sqlite3.Connection) -> None:
    """Remove the oldest rows beyond :data:`MAX_ROWS` (rowids grow with each insert)."""
    (count,) = conn.execute("SELECT count(*) FROM sourcing").fetchone()
    if count > MAX_ROWS:
        conn.execute(
            "DELETE FROM sourcing WHERE rowid IN (SELECT rowid FROM sourcing ORDER BY rowid LIMIT ?)",
            (count - MAX_ROWS,),
        )


_STORE = _Store()


def cost_load(key: str) -> Any | None:
    """The result stored under ``key`` (this process's unwritten rows first), or None on a miss.

    Parameters
    ----------
    key
        From :func:`cost_key`.

    Returns
    -------
    object or None
        None also when the cache is off or unusable (then everything is computed).
    """
    if not cost_cache_enabled():
        return None
    with _STORE.lock:
        return _STORE.load(key)


def cost_store(key: str, value: Any) -> None:
    """Keep ``value`` under ``key``: written in batches and when the process exits (never raises).

    Parameters
    ----------
    key
        From :func:`cost_key`.
    value
        A picklable result (a :class:`~siting.costs.season.SourcingCost`).
    """
    if cost_cache_enabled():
        with _STORE.lock:
            _STORE.store(key, value)


def cost_flush() -> None:
    """Write this process's unwritten rows now (done at least every second while storing, and at exit)."""
    with _STORE.lock:
        _STORE.flush()


atexit.register(cost_flush)
