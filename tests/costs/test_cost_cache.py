"""The on-disk cache of season models: a hit is the computed result exactly; any changed input or model is a miss."""

from __future__ import annotations

import dataclasses
import os
import pickle
import sqlite3
import subprocess
import sys
import time

import pytest

import siting.costs.cost_cache as cost_cache
import siting.costs.season as season
from siting.costs import family_cost
from siting.costs.cost_cache import ENV_SWITCH, cost_cache_path, cost_flush
from siting.costs.products import example_products_path, load_products


@pytest.fixture
def computed(monkeypatch, tmp_path):
    """The cache on in a private folder, the in-memory layers emptied; a list that grows by one per model computed."""
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(ENV_SWITCH, "1")
    calls: list[str] = []
    real = season._sourcing_cost.__wrapped__

    def spy(product, source, wpy):
        calls.append(product.family)
        return real(product, source, wpy)

    monkeypatch.setattr(season, "_sourcing_cost", spy)
    season._cached.cache_clear()
    season._over_skus.cache_clear()
    yield calls
    cost_flush()
    season._cached.cache_clear()
    season._over_skus.cache_clear()


def _forget() -> None:
    """Write what is pending and empty the in-memory layer: the next call reads the disk or computes."""
    cost_flush()
    season._cached.cache_clear()
    season._over_skus.cache_clear()


@pytest.fixture(scope="module")
def family():
    """The example catalogue's fashion_top (k re-orders, forecast error: a model worth caching)."""
    return next(p for p in load_products(example_products_path()) if p.family == "fashion_top")


def test_a_warm_call_reads_the_stored_result_exactly(computed, family):
    cold = season.sourcing_cost(family, "local")
    assert computed == ["fashion_top"]
    _forget()
    warm = season.sourcing_cost(family, "local")
    assert computed == ["fashion_top"], "the second call computed again instead of reading the cache"
    assert warm == cold  # every field, floats bit for bit (the dataclass's equality)
    assert cost_cache_path().is_file()


def test_the_stored_entry_is_what_a_call_returns(computed, family, monkeypatch):
    """Tamper with the stored row: the call returns it (the key is the call's), and the model with the cache off."""
    true = season.sourcing_cost(family, "offshore")
    _forget()
    key = cost_cache.cost_key("sourcing_cost", family, "offshore", 52.0)
    with sqlite3.connect(cost_cache_path()) as conn:
        assert conn.execute("SELECT count(*) FROM sourcing WHERE key = ?", (key,)).fetchone() == (1,)
    forged = dataclasses.replace(true, production_per_yr=true.production_per_yr + 1.0)
    cost_cache._STORE.conn = None  # write the forged row through a new connection
    with sqlite3.connect(cost_cache_path()) as conn:
        conn.execute("UPDATE sourcing SET value = ? WHERE key = ?", (pickle.dumps(forged), key))
    assert season.sourcing_cost(family, "offshore") == forged
    season._cached.cache_clear()
    monkeypatch.setenv(ENV_SWITCH, "0")
    assert season.sourcing_cost(family, "offshore") == true


def test_any_changed_field_source_year_or_model_is_a_miss(computed, family, monkeypatch):
    season.sourcing_cost(family, "local")
    _forget()
    changed = [
        dataclasses.replace(family, salvage_per_unit=family.salvage_per_unit + 1e-9),
        dataclasses.replace(family, demand_mean_units_per_week=family.demand_mean_units_per_week * (1 + 1e-12)),
        dataclasses.replace(family, reorder_forecast="kalman" if family.reorder_forecast != "kalman" else "level"),
    ]
    for p in changed:
        season.sourcing_cost(p, "local")
    season.sourcing_cost(family, "offshore")
    season.sourcing_cost(family, "local", weeks_per_yr=50)
    assert len(computed) == 1 + len(changed) + 2
    _forget()
    monkeypatch.setattr(cost_cache, "_MODEL", ["an edited model"])
    season.sourcing_cost(family, "local")
    assert len(computed) == 1 + len(changed) + 3, "an edited cost model read the old model's result"


def test_the_public_api_and_a_sku_family_go_through_the_cache(computed, family):
    """family_cost (what the design's cost curves call) and a many-SKU family are computed once."""
    many = dataclasses.replace(family, family="many_skus", skus=40, sku_zipf_exponent=1.1)
    cold = [family_cost(family, "local", 37.5), family_cost(many, "local", 37.5)]
    n = len(computed)
    assert n >= 2
    _forget()
    assert [family_cost(family, "local", 37.5), family_cost(many, "local", 37.5)] == cold
    assert len(computed) == n


@pytest.mark.parametrize("damage", ["not a database", "a folder", "unreadable row"])
def test_an_unusable_cache_is_computed_through(computed, family, tmp_path, monkeypatch, damage):
    """A damaged file, a folder where the file should be or a row that does not unpickle: computed, no error."""
    monkeypatch.setenv(ENV_SWITCH, "0")
    expected = season.sourcing_cost(family, "local")
    monkeypatch.setenv(ENV_SWITCH, "1")
    computed.clear()
    season._cached.cache_clear()
    path = cost_cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if damage == "not a database":
        path.write_bytes(b"this is not a SQLite file " * 200)
    elif damage == "a folder":
        path.mkdir()
    else:
        key = cost_cache.cost_key("sourcing_cost", family, "local", 52.0)
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE sourcing (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
            conn.execute("INSERT INTO sourcing VALUES (?, ?)", (key, b"\x80\x05garbage"))
    cost_cache._STORE.path = None  # a fresh connection, as a new process would open
    assert season.sourcing_cost(family, "local") == expected
    assert computed == ["fashion_top"]


def test_the_oldest_rows_beyond_the_limit_are_removed(computed, family, monkeypatch):
    for volume in (10.0, 20.0, 30.0, 40.0, 50.0):
        family_cost(family, "offshore", volume)
    _forget()
    monkeypatch.setattr(cost_cache, "MAX_ROWS", 3)
    cost_cache._STORE.path = None  # the limit is applied when a process opens the cache
    family_cost(family, "offshore", 50.0)  # the newest row: read, not computed
    with sqlite3.connect(cost_cache_path()) as conn:
        assert conn.execute("SELECT count(*) FROM sourcing").fetchone() == (3,)
    assert len(computed) == 5
    _forget()
    family_cost(family, "offshore", 10.0)  # the oldest row was removed: computed again
    assert len(computed) == 6


_WRITER = """
import sys
from siting.costs import family_cost
from siting.costs.products import example_products_path, load_products
import siting.costs.season as season
p = next(p for p in load_products(example_products_path()) if p.family == sys.argv[1])
calls = []
real = season._sourcing_cost.__wrapped__
season._sourcing_cost = lambda *a: calls.append(1) or real(*a)
for v in range(1, 41):
    family_cost(p, "local", v * 3.0)
print(len(calls))
"""


def test_processes_writing_at_once_share_one_cache(tmp_path):
    """Two processes fill the cache together (no error, no lost row); a third computes nothing."""
    env = {**os.environ, "SITING_CACHE_DIR": str(tmp_path), ENV_SWITCH: "1"}

    def start(family: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", _WRITER, family], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    both = [start("regional_print"), start("artist_collab")]
    outs = [p.communicate(timeout=300) for p in both]
    assert all(p.returncode == 0 for p in both), [err for _, err in outs]
    assert [int(out) for out, _ in outs] == [40, 40]
    with sqlite3.connect(tmp_path / "costs" / "sourcing.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM sourcing").fetchone() == (80,)
    again = [start("regional_print"), start("artist_collab")]
    assert [int(p.communicate(timeout=300)[0]) for p in again] == [0, 0]


def test_processes_opening_a_new_cache_together_all_keep_their_rows(monkeypatch, tmp_path):
    """Four processes forked together onto a new cache file each read, then write one row: every row is kept.

    One of them used to find the file "locked" while another set it up (WAL mode, the table), whatever the
    busy timeout, and ran without the cache (about one start in four with two workers).
    """
    monkeypatch.setenv(ENV_SWITCH, "1")
    for trial in range(6):
        monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path / f"trial{trial}"))
        children = []
        start = time.time() + 0.3  # the four open the file at the same moment
        for i in range(4):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's lines run in the forked process
                code = 1
                try:
                    while time.time() < start:
                        pass
                    cost_cache.cost_load(f"key{i}")  # a miss, as a season model's first look
                    cost_cache.cost_store(f"key{i}", {"row": i})
                    cost_flush()
                    code = 0 if cost_cache._STORE.conn is not None else 3
                finally:
                    os._exit(code)
            children.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
        assert codes == [0, 0, 0, 0], (trial, codes)  # 3: the child gave its cache up
        rows = dict(sqlite3.connect(cost_cache_path()).execute("SELECT key, value FROM sourcing").fetchall())
        assert {k: pickle.loads(v) for k, v in rows.items()} == {f"key{i}": {"row": i} for i in range(4)}, trial
