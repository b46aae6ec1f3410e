"""An import's inserts into a SQLite store, made by a thread of their own while the command
checks the next chunk.

SQLite gives up Python's lock while it works through a statement, so a thread inserting
one chunk can run beside the checks of the next on the machine's other core. It does so
only if each chunk goes in with one statement: ``executemany`` gives up the lock and waits
to have it back for every row, and the two threads would mostly take turns. So a chunk's
events go in with statements over a JSON array of their keys, versions and topics and
one blob of their stored bytes, and their hashes with one more (bench/RESULTS.md).

Each chunk after a transaction's first is read out of those into a temporary table,
then moved from there with ``INSERT OR IGNORE``, and the move counted. A statement that
inserts several rows and may stop half-way (on a key taken, or on an error of a function
it calls) makes SQLite copy every page it changes to a statement journal first, so that
it can undo itself alone; the events' random keys change a page of their index for
nearly every event, so that was some 3 KB written an event. The move calls no function
and stops at nothing, so it needs none; a key taken shows as an event not inserted. (The
first chunk goes straight in: the transaction must write before it reads.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import orjson
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.store.errors import ConcurrentWriteError

Insert = Callable[[Sequence[StoredEvent]], Sequence[int]]

_EVENT_COLUMNS = "originator_id, originator_version, topic, state"
# A chunk's events, as rows: ?1 is a JSON array of [key, version, topic, start, length] for
# each event, in order, and ?2 the events' stored bytes one after another (an event's are
# the ``length`` bytes from byte ``start``, from 1); see events_parameters.
_CHUNK_ROWS = (
    "SELECT e.value ->> 0, e.value ->> 1, e.value ->> 2, "
    "substr(?2, e.value ->> 3, e.value ->> 4) FROM json_each(?1) AS e ORDER BY e.key"
)


def _straight_in(table: str) -> str:
    return f"INSERT INTO {table} ({_EVENT_COLUMNS}) {_CHUNK_ROWS}"


# Later chunks go by way of a table of the connection's own.
_MAKE_CHUNK_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS ledger_chunk "
    "(originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB)"
)
_EMPTY_CHUNK_TABLE = "DELETE FROM temp.ledger_chunk"
_FILL_CHUNK_TABLE = f"INSERT INTO temp.ledger_chunk ({_EVENT_COLUMNS}) {_CHUNK_ROWS}"


def _moved_in(table: str) -> str:
    """From the chunk table, in order; an event whose key is taken is left out."""
    return (
        f"INSERT OR IGNORE INTO {table} ({_EVENT_COLUMNS}) "
        f"SELECT {_EVENT_COLUMNS} FROM temp.ledger_chunk ORDER BY rowid"
    )


# How a chunk's events go into the store's table: cursor, table, keys, events.
InsertChunk = Callable[[sqlite3.Cursor, str, list[str], Sequence[StoredEvent]], None]


def insert_straight(
    cursor: sqlite3.Cursor, table: str, keys: list[str], events: Sequence[StoredEvent]
) -> None:
    """A chunk's events straight into the store's table: the first write of a transaction,
    which must write before it reads (recorders._GrowingCacheInsert)."""
    cursor.execute(_straight_in(table), events_parameters(keys, events))


def insert_through_chunk_table(
    cursor: sqlite3.Cursor, table: str, keys: list[str], events: Sequence[StoredEvent]
) -> None:
    """A chunk's events by way of the chunk table, once the transaction has written (its
    statements read before they write); IntegrityError if the key of one is taken (by
    another writer)."""
    for statement in (_MAKE_CHUNK_TABLE, _EMPTY_CHUNK_TABLE):
        cursor.execute(statement)
    cursor.execute(_FILL_CHUNK_TABLE, events_parameters(keys, events))
    cursor.execute(_moved_in(table))
    if cursor.rowcount != len(events):
        raise IntegrityError(
            f"{len(events) - cursor.rowcount:,} of {len(events):,} events were not "
            "inserted: their ids are taken"
        )


def events_parameters(keys: Sequence[str], events: Sequence[StoredEvent]) -> tuple[bytes, bytes]:
    """The parameters of a chunk's rows (_CHUNK_ROWS) for these events, stored under
    these keys (their aggregates' ids as the table keeps them)."""
    described, start = [], 1
    for key, event in zip(keys, events, strict=True):
        described.append((key, event.originator_version, event.topic, start, len(event.state)))
        start += len(event.state)
    return orjson.dumps(described), b"".join(event.state for event in events)


def insert_hashes_statement(table: str) -> str:
    """One statement inserting a chunk's hashes: ?1 a JSON array of [position, hash]."""
    return f"INSERT INTO {table} SELECT h.value ->> 0, h.value ->> 1 FROM json_each(?1) AS h"


class InsertBehind:
    """Inserts each chunk but the first in a thread of its own, one chunk at a time, and
    hands back its positions at once. The first chunk goes in before anything is read
    (the write lock is taken by writing), and gives the store's end; while the write
    transaction lasts no other writer can append, so each later chunk takes the positions
    that follow, and the thread checks that it did. A chunk's error is raised by the next
    call, or by ``finish``."""

    def __init__(self, insert: Insert):
        self.insert = insert
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="ledger-insert")
        self.pending: Future[None] | None = None
        self.next_position: int | None = None

    def __call__(self, events: Sequence[StoredEvent]) -> list[int]:
        if not events:
            return []
        self.finish()
        if self.next_position is None:
            positions = list(self.insert(events))
        else:
            positions = list(range(self.next_position, self.next_position + len(events)))
            self.pending = self.thread.submit(self._insert_at, events, positions)
        self.next_position = positions[-1] + 1
        return positions

    def _insert_at(self, events: Sequence[StoredEvent], positions: list[int]) -> None:
        taken = list(self.insert(events))
        if taken != positions:
            raise ConcurrentWriteError(
                "another writer appended to the store while this import ran; nothing was "
                "recorded, and running the command again is safe"
            )

    def finish(self) -> None:
        """Wait for the chunk being inserted; raise its error, if it had one."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the thread to end (a chunk it is inserting is let finish)."""
        self.thread.shutdown(wait=True, cancel_futures=True)


@contextmanager
def inserting_behind(insert: Insert) -> Iterator[InsertBehind]:
    """``insert`` for the length of the block, each chunk but the first made behind it;
    every chunk is in when the block ends without an exception."""
    behind = InsertBehind(insert)
    try:
        yield behind
        behind.finish()
    finally:
        behind.close()
