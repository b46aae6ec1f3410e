"""A bulk import into SQLite writes each event's key at random into the index of keys. Once
that index outgrows the page cache, an import slows with the size of the store, so the
cache an import is given grows with the store, chunk by chunk (issue 21)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result
from factories import allocation, world, write_jsonl

from ledger.cli import main
from ledger.store import recorders
from ledger.writing.importing import CHUNK


@pytest.fixture
def run_sqlite(sqlite_store: str) -> Callable[..., Result]:
    """The CLI on a SQLite store: the PostgreSQL server keeps its own cache."""
    return lambda *args: CliRunner().invoke(main, ["--store", sqlite_store, *args])


@pytest.fixture
def cache_sizes(monkeypatch) -> list[int]:
    """The page cache (KiB) of the import's connection each time it is fitted to the store,
    read back from SQLite; a KiB a stored event, with no floor, so that a small store
    shows the growth."""
    monkeypatch.setattr(recorders, "IMPORT_CACHE_KIB", 1)
    monkeypatch.setattr(recorders, "KEY_INDEX_BYTES_PER_EVENT", 1024)
    sizes: list[int] = []
    fit = recorders._GrowingCacheInsert.fit

    def fit_and_read(cache: Any, events: int) -> None:
        fit(cache, events)
        cache.cursor.execute("PRAGMA cache_size")
        sizes.append(-cache.cursor.fetchone()[0])

    monkeypatch.setattr(recorders._GrowingCacheInsert, "fit", fit_and_read)
    return sizes


def test_an_import_grows_its_page_cache_with_the_store(run_sqlite, tmp_path, cache_sizes):
    records = [*world(), *(allocation(f"alloc-{n}") for n in range(2 * CHUNK))]
    imported = run_sqlite("import", str(write_jsonl(tmp_path / "big.jsonl", records)))
    assert imported.exit_code == 0, imported.output
    # The floor as the import starts, then after each chunk the events stored by then.
    assert cache_sizes == [1, CHUNK, 2 * CHUNK, len(records)]


def test_a_later_import_fits_the_cache_to_the_whole_store(run_sqlite, tmp_path, cache_sizes):
    first = run_sqlite("import", str(write_jsonl(tmp_path / "world.jsonl", world())))
    assert first.exit_code == 0, first.output
    cache_sizes.clear()
    later = run_sqlite("import", str(write_jsonl(tmp_path / "one.jsonl", [allocation()])))
    assert later.exit_code == 0, later.output
    # Nothing is read before the first insert (see test_concurrency.py), so the cache is
    # fitted to the store after it.
    assert cache_sizes == [1, len(world()) + 1]


def test_the_cache_is_never_smaller_than_the_floor():
    assert recorders.import_cache_kib(0) == recorders.IMPORT_CACHE_KIB
    at_ten_million = recorders.import_cache_kib(10_000_000)
    assert at_ten_million == 10_000_000 * recorders.KEY_INDEX_BYTES_PER_EVENT // 1024
    assert at_ten_million > recorders.IMPORT_CACHE_KIB
