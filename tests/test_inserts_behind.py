"""A large import's chunks are inserted by a thread of their own while the next is checked
(store/inserts_behind.py). What a user sees must be what one thread would give: every
event at its position with its hash, and nothing kept when a chunk inserted behind fails
or the import is stopped while one is going in."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import allocation, write_jsonl
from stores import world_store

from ledger.cli import main
from ledger.records.located import Located
from ledger.records.models import parse_record
from ledger.store import inserts_behind
from ledger.store.errors import ConcurrentWriteError
from ledger.store.inserts_behind import InsertBehind
from ledger.writing.importing import CHUNK
from ledger.writing.ledger import Ledger

MANY = 3 * CHUNK + 17  # four chunks: the first inserted in turn, three behind


def ledger(store: str, *args: str) -> str:
    views = str(Path(store).parent / "views.db")
    result = CliRunner().invoke(main, ["--store", store, "--views", views, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def fingerprint(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def allocations(count: int, prefix: str = "many") -> list[dict]:
    return [allocation(f"{prefix}-{n}", amount=str(n + 1)) for n in range(count)]


def test_an_import_of_many_chunks_keeps_every_event_in_order_with_its_hash(tmp_path):
    store = world_store(tmp_path)
    records = allocations(MANY)
    ledger(store, "import", str(write_jsonl(tmp_path / "many.jsonl", records)))

    with sqlite3.connect(store) as db:
        rows = db.execute(
            "SELECT rowid, json_extract(CAST(state AS TEXT), '$.record.id') FROM stored_events "
            "ORDER BY rowid"
        ).fetchall()
        hashes = db.execute("SELECT COUNT(*) FROM stored_event_hashes").fetchone()[0]
    positions = [position for position, _ in rows]
    assert positions == list(range(1, len(rows) + 1))
    assert [record_id for _, record_id in rows[-MANY:]] == [r["id"] for r in records]
    assert hashes == len(rows)
    checked = ledger(store, "check")
    assert f"No failures in 17 checks over {len(rows):,} records." in checked


def test_a_full_disk_met_by_a_chunk_inserted_behind_records_nothing(tmp_path, monkeypatch):
    """The store may grow by a chunk and a half: the first chunk goes in, the second,
    inserted behind, finds the disk full."""
    from eventsourcing.sqlite import SQLiteConnectionPool

    store = world_store(tmp_path)
    more = write_jsonl(tmp_path / "more.jsonl", allocations(MANY))
    with sqlite3.connect(store) as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    connect = SQLiteConnectionPool._create_connection
    behind = []

    def nearly_full(self):
        connection = connect(self)
        connection._sqlite_conn.execute(f"PRAGMA max_page_count = {pages + 90}")
        return connection

    def inserted_behind(self, events, positions):
        behind.append(positions[0])
        return insert_at(self, events, positions)

    insert_at = InsertBehind._insert_at
    monkeypatch.setattr(SQLiteConnectionPool, "_create_connection", nearly_full)
    monkeypatch.setattr(InsertBehind, "_insert_at", inserted_behind)
    before = fingerprint(store)

    result = CliRunner().invoke(main, ["--store", store, "import", str(more)])

    assert (result.exit_code, result.stderr) == (
        1,
        "Error: the disk holding the store is full; nothing was recorded: free some space "
        "and run the command again\n",
    )
    assert behind  # the chunk that met the full disk was one inserted behind
    assert fingerprint(store) == before


def test_an_import_stopped_while_a_chunk_goes_in_behind_records_nothing(tmp_path):
    """Ctrl-C reaches the command while the thread inserts: the thread's chunk is let
    finish, and then the whole transaction is rolled back."""
    store = world_store(tmp_path)
    before = fingerprint(store)
    records = [Located(f"many.jsonl:{n}", parse_record(r)) for n, r in enumerate(allocations(MANY))]
    started, stop = threading.Event(), threading.Event()
    real_insert = InsertBehind._insert_at

    def slow_insert(self, events, positions):
        started.set()
        stop.wait(5)
        return real_insert(self, events, positions)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(InsertBehind, "_insert_at", slow_insert)
        writing = Ledger(store)
        with pytest.raises(KeyboardInterrupt), writing, writing.appending() as append:
            append(records[:CHUNK])
            append(records[CHUNK : 2 * CHUNK])
            assert started.wait(5)
            stop.set()
            raise KeyboardInterrupt

    assert fingerprint(store) == before
    assert "No failures in 17 checks over" in ledger(store, "check")


def test_an_id_taken_when_a_chunk_goes_in_behind_records_nothing(tmp_path):
    """A chunk after the first is moved into the store's table with INSERT OR IGNORE, so
    that SQLite keeps no statement journal for it (store/inserts_behind.py), and counted:
    an event whose id is taken is refused as it was when the insert failed on it, not
    left out. (The checks of an import keep two records from sharing an id; here the
    second chunk repeats one of the first, as another writer's would.)"""
    store = world_store(tmp_path)
    before = fingerprint(store)
    records = [
        Located(f"many.jsonl:{n}", parse_record(r)) for n, r in enumerate(allocations(2 * CHUNK))
    ]
    writing = Ledger(store)
    refused = pytest.raises(ConcurrentWriteError, match="another writer recorded one of these ids")
    with refused, writing, writing.appending() as append:
        append(records[:CHUNK])
        append([*records[CHUNK : 2 * CHUNK - 1], records[7]])

    assert fingerprint(store) == before
    assert "No failures in 17 checks over" in ledger(store, "check")


def test_positions_are_handed_back_at_once_and_a_chunk_s_error_raised_by_the_next_call():
    inserted: list[list[str]] = []
    end = 10

    def insert(events):
        nonlocal end
        if events == ["bad"]:
            raise sqlite3.IntegrityError("UNIQUE constraint failed")
        inserted.append(list(events))
        end += len(events)
        return list(range(end - len(events) + 1, end + 1))

    with inserts_behind.inserting_behind(insert) as behind:
        assert behind(["a", "b"]) == [11, 12]  # the first: in before its positions are known
        assert behind(["c"]) == [13]
        assert behind([]) == []
        assert behind(["d", "e", "f"]) == [14, 15, 16]
    assert inserted == [["a", "b"], ["c"], ["d", "e", "f"]]

    with pytest.raises(sqlite3.IntegrityError), inserts_behind.inserting_behind(insert) as behind:
        behind(["g"])
        behind(["bad"])  # goes in behind; its error comes with the next call
        behind(["h"])
    assert ["h"] not in inserted


def test_a_chunk_that_did_not_take_the_positions_it_was_given_is_said_to_be_another_writer_s():
    end = 0

    def insert(events):  # another writer appends one event between this one's chunks
        nonlocal end
        end += len(events) + 1
        return list(range(end - len(events) + 1, end + 1))

    taken = pytest.raises(ConcurrentWriteError, match="another writer appended to the store")
    with taken, inserts_behind.inserting_behind(insert) as behind:
        behind(["a"])
        behind(["b"])
