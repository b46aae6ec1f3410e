"""The library's application recorders, extended for the ledger: each writes every
event's chained hash in the same transaction as the event (see hash_chain.py), inserts a
large batch a chunk at a time in one transaction, and finds a batch of records by id with
a few queries. They are named in the store's settings by APPLICATION_RECORDER_TOPIC, the
library's extension point for recorders. This module holds the SQLite one;
postgres_recorder.py the PostgreSQL one."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import orjson
from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from ledger.store.hash_chain import (
    GENESIS,
    HASHES_TABLE,
    ChainDamage,
    ChainLink,
    chained_on,
    extend,
    links_of,
    lost_table,
)
from ledger.store.inserts_behind import (
    Insert,
    InsertChunk,
    insert_hashes_statement,
    insert_straight,
    insert_through_chunk_table,
    inserting_behind,
)
from ledger.store.sqlite_rows import (
    IS_DAMAGED,
    DamagedRow,
    DamagedText,
    UndecodedText,
    marked_rows,
    plain_rows,
    read_rows,
    text_or_damaged,
)
from ledger.store.totals import COUNTED_TABLE, TOTALS_TABLE, StoredTotals

PAGE_SIZE = 5000  # chain links read at a time
ID_PAGE = 500  # record ids looked up at a time
FILE_PROBLEMS = 10  # what an integrity check of the file lists at most

# (position, originator id, originator version, topic, state): a notification's fields.
NotificationRow = tuple[int, Any, int, str, bytes]


@runtime_checkable
class ChainedRecorder(Protocol):
    """What the ledger asks of its store beyond the library's recorder."""

    events_table_name: str

    def inserting(self, *, new_store: bool = False) -> Any: ...

    def holds_rows(self, table: str) -> bool | None: ...

    def select_first_events(self, originator_keys: Sequence[str]) -> list[StoredEvent]: ...

    def first_event_keys(self, up_to: int) -> set[str]: ...

    def head(self) -> tuple[int, str]: ...

    def chain_links(self) -> Iterator[ChainLink]: ...

    def notification_rows(self, after: int, limit: int) -> Sequence[NotificationRow]: ...

    def notification_rows_of_topics(
        self, after: int, limit: int, up_to: int, topics: Sequence[str]
    ) -> Sequence[NotificationRow]: ...

    def file_problems(self) -> list[str] | None: ...

    def read_totals(self, position: int) -> StoredTotals | None: ...

    def write_totals(self, totals: StoredTotals) -> None: ...


# An import's page cache: at least 64 MB, and 100 bytes for each event in the store. The
# index of the events' keys, which a bulk import writes at random, takes about 47 bytes
# an event (141 MB at three million). Appending the third million of three took 1.55
# times as long as the first with 64 MB, 1.29 times with 60 bytes an event, and 1.11
# times with 100 (bench/RESULTS.md).
IMPORT_CACHE_KIB = 64 * 1024
KEY_INDEX_BYTES_PER_EVENT = 100


def import_cache_kib(events: int) -> int:
    """The page cache (KiB) an import into a store of this many events is given."""
    return max(IMPORT_CACHE_KIB, events * KEY_INDEX_BYTES_PER_EVENT // 1024)


class _KeptTotals:
    """The sums kept beside a SQLite store's events (see store.totals)."""

    datastore: SQLiteDatastore

    def read_totals(self, position: int) -> StoredTotals | None:
        """The sums kept beside the events, if they count up to ``position``."""
        try:
            with self.datastore.transaction(commit=False) as c:
                c.execute(f"SELECT position, corrections FROM {COUNTED_TABLE}")
                counted = c.fetchone()
                if counted is None or counted[0] != position:
                    return None
                c.execute(f"SELECT financial_year, account, total FROM {TOTALS_TABLE}")
                sums = {(year, account): total for year, account, total in c.fetchall()}
        except PersistenceError:  # a store made before they were kept, opened to read
            return None
        return StoredTotals(position, counted[1], sums)

    def write_totals(self, totals: StoredTotals) -> None:
        """Keep these sums in place of those kept before, in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {COUNTED_TABLE}")
            c.execute(f"DELETE FROM {TOTALS_TABLE}")
            c.executemany(
                f"INSERT INTO {TOTALS_TABLE} VALUES (?, ?, ?)",
                [(*key, total) for key, total in totals.by_account.items()],
            )
            c.execute(
                f"INSERT INTO {COUNTED_TABLE} VALUES (?, ?)", (totals.position, totals.corrections)
            )


class _GrowingCacheInsert:
    """An import's inserts, a chunk at a time, each followed by growing the connection's
    page cache to fit the store (never shrinking it). Nothing is read before the first
    insert: a transaction that reads first cannot take the write lock once another
    writer has committed, where one that writes first waits its turn."""

    def __init__(self, cursor: SQLiteCursor, insert: Insert):
        self.cursor, self.insert, self.kib = cursor, insert, 0
        self.fit(0)

    def __call__(self, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        positions = self.insert(stored_events)
        if positions:
            self.fit(positions[-1])
        return positions

    def fit(self, events: int) -> None:
        wanted = import_cache_kib(events)
        if wanted > self.kib:
            self.cursor.execute(f"PRAGMA cache_size = {-wanted}")
            self.kib = wanted


class _ReadingSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, with the reads the ledger asks of its store beyond
    the library's: first events by id, the log as plain rows, and the hash chain."""

    def select_first_events(self, originator_keys: Sequence[str]) -> list[StoredEvent]:
        """The first event of each of these aggregates that exists (their ids as 32 hex
        digits, as the table keeps them)."""
        found: list[StoredEvent] = []
        for start in range(0, len(originator_keys), ID_PAGE):
            chunk = list(originator_keys[start : start + ID_PAGE])
            statement = (
                f"SELECT originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE originator_version = 1 "
                f"AND originator_id IN ({', '.join('?' * len(chunk))})"
            )
            found += [stored(*row) for row in read_rows(self.datastore, statement, chunk)]
        return found

    def first_event_keys(self, up_to: int) -> set[str]:
        """The ids (32 hex digits) of the aggregates whose first event is at a position up
        to ``up_to``, read from the table of events; DamagedRow if one is not text."""
        where = f"FROM {self.events_table_name} WHERE originator_version = 1 AND rowid <= ?"
        try:
            rows = plain_rows(self.datastore, f"SELECT originator_id {where}", (up_to,))
            return {row[0] for row in rows}
        except UndecodedText:
            rows = marked_rows(self.datastore, f"SELECT rowid, originator_id {where}", (up_to,))
        position = min(row[0] for row in rows if isinstance(row[1], DamagedText))
        raise DamagedRow(f"the id of the event at position {position:,} {IS_DAMAGED}")

    def notification_rows(self, after: int, limit: int) -> Sequence[NotificationRow]:
        """The notification log after position ``after`` as plain tuples: a replay of a
        million events spends seconds making the Notification, UUID and Row objects."""
        return read_rows(
            self.datastore,
            f"SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (after, limit),
        )

    def notification_rows_of_topics(
        self, after: int, limit: int, up_to: int, topics: Sequence[str]
    ) -> Sequence[NotificationRow]:
        """The notification log's events of these topics after position ``after`` and up
        to ``up_to``, found with the index of topics."""
        return read_rows(
            self.datastore,
            f"SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? "
            f"AND topic IN ({', '.join('?' * len(topics))}) ORDER BY rowid LIMIT ?",
            (after, up_to, *topics, limit),
        )

    def file_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong in the file (its pages, and indexes
        that do not match their tables): nothing for a sound file."""
        rows = read_rows(self.datastore, f"PRAGMA integrity_check({FILE_PROBLEMS})")
        lines = [line for row in rows for line in str(row[0]).splitlines()]
        return [line for line in lines if line not in ("ok", "*** in database main ***")]

    def holds_rows(self, table: str) -> bool | None:
        """Whether the store's table ``table`` holds a row: None when there is no such table."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
            if c.fetchone() is None:
                return None
            c.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            return bool(c.fetchone()[0])

    def head(self) -> tuple[int, str]:
        """The last chained position and its hash (0 and the genesis hash when empty);
        ChainDamage if the hash is not text."""
        rows = read_rows(
            self.datastore,
            f"SELECT notification_id, hash FROM {HASHES_TABLE} "
            "ORDER BY notification_id DESC LIMIT 1",
        )
        return chain_end(rows[0] if rows else None)

    def chain_links(self) -> Iterator[ChainLink]:
        """Every position that has an event or a hash, in order, with both sides."""
        statement = (
            f"SELECT p.position, e.originator_id, e.originator_version, e.topic, e.state, h.hash "
            f"FROM (SELECT rowid AS position FROM {self.events_table_name} WHERE rowid > ?"
            f"      UNION SELECT notification_id FROM {HASHES_TABLE} WHERE notification_id > ?"
            f"      ORDER BY 1 LIMIT ?) AS p "
            f"LEFT JOIN {self.events_table_name} AS e ON e.rowid = p.position "
            f"LEFT JOIN {HASHES_TABLE} AS h ON h.notification_id = p.position "
            f"ORDER BY p.position"
        )
        return paged_links(
            lambda after: read_rows(self.datastore, statement, (after, after, PAGE_SIZE))
        )


class ChainedSQLiteApplicationRecorder(_KeptTotals, _ReadingSQLiteRecorder):
    """The library's SQLite recorder, also writing each event's chained hash."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {HASHES_TABLE} "
            "(notification_id INTEGER PRIMARY KEY, hash TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {TOTALS_TABLE} (financial_year TEXT NOT NULL, "
            "account TEXT NOT NULL, total INTEGER NOT NULL, PRIMARY KEY (financial_year, account))",
            f"CREATE TABLE IF NOT EXISTS {COUNTED_TABLE} "
            "(position INTEGER NOT NULL, corrections INTEGER NOT NULL)",
            # Checks find the few closures, mergers and errata among a store's records by
            # their topic: without an index, each search reads every event.
            f"CREATE INDEX IF NOT EXISTS {self.events_table_name}_topic "
            f"ON {self.events_table_name} (topic)",
        ]

    def create_table(self) -> None:
        """Make the store's tables where they are missing, but refuse (ChainDamage) to make
        again the events or the hashes of a store that has lost one. Sums kept without
        their table of totals are counted again."""
        damage = lost_table(self.events_table_name, self.holds_rows)
        if damage:
            raise damage
        totals_lost = self.holds_rows(TOTALS_TABLE) is None
        super().create_table()
        if totals_lost:
            with self.datastore.transaction(commit=True) as c:
                c.execute(f"DELETE FROM {COUNTED_TABLE}")

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        """Insert all the events with one statement, the first write of a transaction
        (see inserting)."""
        return self._inserted(c, stored_events, insert_straight)

    def _inserted(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], insert: InsertChunk
    ) -> Sequence[int]:
        """Insert the events with ``insert``, and their hashes. The transaction holds
        SQLite's write lock from the first insert, and each new row takes the next rowid,
        so the events have the positions up to the highest rowid, in order."""
        if not stored_events:
            return []
        keys = [hex_key(event.originator_id) for event in stored_events]
        insert(c.sqlite_cursor, self.events_table_name, keys, stored_events)
        c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
        last = int(c.fetchone()[0])
        positions = list(range(last - len(stored_events) + 1, last + 1))
        c.execute(
            f"SELECT MAX(rowid) FROM {self.events_table_name} WHERE rowid < ?", (positions[0],)
        )
        last_before = c.fetchone()[0] or 0
        c.execute(  # as bytes: a hash that is not text is damage, said as such
            f"SELECT notification_id, CAST(hash AS BLOB) FROM {HASHES_TABLE} "
            "ORDER BY notification_id DESC LIMIT 1"
        )
        row = c.fetchone()
        head, last_hash = chain_end(row and (row[0], text_or_damaged(row[1])))
        chained_on(head, last_before)
        hashes = extend(last_hash, positions, stored_events)
        c.execute(insert_hashes_statement(HASHES_TABLE), (orjson.dumps(hashes),))
        return positions

    @contextmanager
    def inserting(self, *, new_store: bool = False) -> Iterator[Insert]:
        """One write transaction in which events can be inserted a chunk at a time; all of
        them are kept only if the block ends without an exception. (A new SQLite store is
        made in a file of its own, store.new_file: its tables are there already.)"""
        assert not new_store, "a new SQLite store's tables are made when it is opened"
        with self.datastore.transaction(commit=True) as c:
            # A bulk import lands each event's random-UUID key on an index page of its
            # own. Once that index outgrows the page cache, most keys read a page back
            # (from the write-ahead log or the file) and the cache writes pages out again
            # and again, so the cache grows with the store (see bench/RESULTS.md).
            insert = _GrowingCacheInsert(c, _FirstThenMoved(self, c))
            with inserting_behind(insert) as insert_behind:
                yield insert_behind


class _FirstThenMoved:
    """An import's chunks: the first inserted directly, so that the transaction writes
    before it reads (see _GrowingCacheInsert), the rest by way of the chunk table."""

    def __init__(self, recorder: ChainedSQLiteApplicationRecorder, cursor: SQLiteCursor):
        self.recorder, self.cursor, self.written = recorder, cursor, False

    def __call__(self, events: Sequence[StoredEvent]) -> Sequence[int]:
        how = insert_through_chunk_table if self.written else insert_straight
        positions = self.recorder._inserted(self.cursor, events, how)
        self.written = self.written or bool(positions)
        return positions


def paged_links(page_after: Callable[[int], list[tuple[Any, ...]]]) -> Iterator[ChainLink]:
    """Chain links read a page at a time: ``page_after(position)`` gives the next
    PAGE_SIZE rows of (position, originator id, version, topic, state, hash)."""
    after = 0
    while True:
        rows = page_after(after)
        yield from links_of(rows)
        if len(rows) < PAGE_SIZE:
            return
        after = rows[-1][0]


def chain_end(row: tuple[Any, Any] | None) -> tuple[int, str]:
    """The last chained position and its hash, from its row (None: there is none yet);
    ChainDamage if the hash is not text."""
    if row is None:
        return 0, GENESIS
    position, recorded = row
    if not isinstance(recorded, str):
        raise ChainDamage(f"the hash of the event at position {position:,} {IS_DAMAGED}")
    return int(position), recorded


def hex_key(originator_id: UUID | str) -> str:
    """An aggregate's id as the text a store keeps (a UUID's 32 hex digits)."""
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def stored(originator_id: Any, version: Any, topic: Any, state: Any) -> StoredEvent:
    """A stored event from a row (a topic that is not text stays DamagedText)."""
    return StoredEvent(originator_id, int(version), topic, bytes(state))
