"""The library's PostgreSQL application recorder, extended for the ledger like the SQLite
one in recorders.py: chained hashes, chunked inserts in one transaction, and batch lookups.
Imported only for a store given as a postgresql:// URL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.errors import DuplicateObject
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from ledger.store.errors import StoreMadeMeanwhile
from ledger.store.hash_chain import (
    GENESIS,
    HASHES_TABLE,
    ChainLink,
    chained_on,
    extend,
    lost_table,
)
from ledger.store.inserts_behind import Insert
from ledger.store.recorders import (
    ID_PAGE,
    PAGE_SIZE,
    NotificationRow,
    hex_key,
    paged_links,
    stored,
)
from ledger.store.totals import COUNTED_TABLE, TOTALS_TABLE, StoredTotals


class _ReadingRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, with the reads the ledger asks of its store
    beyond the library's: first events by id, the log as plain rows, and the hash chain."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.events_table = SQL("{0}.{1}").format(schema, Identifier(self.events_table_name))
        self.hashes_table = SQL("{0}.{1}").format(schema, Identifier(HASHES_TABLE))
        self.totals_table = SQL("{0}.{1}").format(schema, Identifier(TOTALS_TABLE))
        self.counted_table = SQL("{0}.{1}").format(schema, Identifier(COUNTED_TABLE))

    @contextmanager
    def _reading(self) -> Iterator[Cursor[tuple[Any, ...]]]:
        """A read-only transaction whose rows are plain tuples, not the library's dicts (a
        third quicker), in binary (half the time again: as text a state's bytes are hex),
        and unpacked by position."""
        with (
            self.datastore.transaction(commit=False) as curs,
            curs.connection.cursor(binary=True, row_factory=tuple_row) as reading,
        ):
            yield reading

    def select_first_events(self, originator_keys: Sequence[str]) -> list[StoredEvent]:
        """The first event of each of these aggregates that exists (ids as hex digits)."""
        found: list[StoredEvent] = []
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0} "
            "WHERE originator_version = 1 AND originator_id = ANY(%s)"
        ).format(self.events_table)
        for start in range(0, len(originator_keys), ID_PAGE):
            chunk = [UUID(key) for key in originator_keys[start : start + ID_PAGE]]
            with self._reading() as curs:
                curs.execute(statement, (chunk,))
                found += [stored(*row) for row in curs.fetchall()]
        return found

    def first_event_keys(self, up_to: int) -> set[str]:
        """The ids (32 hex digits) of the aggregates whose first event is at a position up
        to ``up_to``."""
        statement = SQL(
            "SELECT originator_id FROM {0} WHERE originator_version = 1 AND notification_id <= %s"
        ).format(self.events_table)
        with self._reading() as curs:
            curs.execute(statement, (up_to,))
            return {row[0].hex for row in curs.fetchall()}  # psycopg reads UUIDs

    def notification_rows(self, after: int, limit: int) -> Sequence[NotificationRow]:
        """The notification log after position ``after``, as plain rows."""
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(self.events_table)
        with self._reading() as curs:
            curs.execute(statement, (after, limit))
            return curs.fetchall()  # bytea is read as bytes

    def notification_rows_of_topics(
        self, after: int, limit: int, up_to: int, topics: Sequence[str]
    ) -> Sequence[NotificationRow]:
        """The notification log's events of these topics after position ``after`` and up
        to ``up_to``, found with the index of topics."""
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0} "
            "WHERE notification_id > %s AND notification_id <= %s AND topic = ANY(%s) "
            "ORDER BY notification_id LIMIT %s"
        ).format(self.events_table)
        with self._reading() as curs:
            curs.execute(statement, (after, up_to, list(topics), limit))
            return curs.fetchall()

    def file_problems(self) -> None:
        """None: the server keeps its own files (SQLite's integrity check has no equal)."""
        return None

    def holds_rows(self, table: str) -> bool | None:
        """Whether the store's table ``table`` holds a row: None when there is no such table."""
        schema = self.datastore.schema
        with self._reading() as curs:
            curs.execute(
                "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", (schema, table)
            )
            if curs.fetchone() is None:
                return None
            curs.execute(
                SQL("SELECT EXISTS (SELECT 1 FROM {0}.{1})").format(
                    Identifier(schema), Identifier(table)
                )
            )
            return bool(curs.fetchone()[0])  # type: ignore[index]  # one row always

    def head(self) -> tuple[int, str]:
        """The last chained position and its hash (0 and the genesis hash when empty)."""
        with self._reading() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id, hash FROM {0} ORDER BY notification_id DESC LIMIT 1"
                ).format(self.hashes_table)
            )
            row = curs.fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def chain_links(self) -> Iterator[ChainLink]:
        """Every position that has an event or a hash, in order, with both sides."""
        statement = SQL(
            "SELECT p.position, e.originator_id, e.originator_version, e.topic, e.state, h.hash "
            "FROM (SELECT notification_id AS position FROM {events} WHERE notification_id > %s "
            "      UNION SELECT notification_id FROM {hashes} WHERE notification_id > %s "
            "      ORDER BY 1 LIMIT %s) AS p "
            "LEFT JOIN {events} AS e ON e.notification_id = p.position "
            "LEFT JOIN {hashes} AS h ON h.notification_id = p.position "
            "ORDER BY p.position"
        ).format(events=self.events_table, hashes=self.hashes_table)

        def page_after(after: int) -> list[tuple[Any, ...]]:
            with self._reading() as curs:
                curs.execute(statement, (after, after, PAGE_SIZE))
                return curs.fetchall()

        return paged_links(page_after)


class _KeptTotals(_ReadingRecorder):
    """The sums kept beside a PostgreSQL store's events (see store.totals)."""

    def read_totals(self, position: int) -> StoredTotals | None:
        """The sums kept beside the events, if they count up to ``position``."""
        try:
            with self._reading() as curs:
                curs.execute(
                    SQL("SELECT position, corrections FROM {0}").format(self.counted_table)
                )
                counted = curs.fetchone()
                if counted is None or counted[0] != position:
                    return None
                curs.execute(
                    SQL("SELECT financial_year, account, total FROM {0}").format(self.totals_table)
                )
                sums = {(year, account): total for year, account, total in curs.fetchall()}
        except PersistenceError:  # a store made before they were kept, opened to read
            return None
        return StoredTotals(position, counted[1], sums)

    def write_totals(self, totals: StoredTotals) -> None:
        """Keep these sums in place of those kept before, in one transaction."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            curs.execute(SQL("DELETE FROM {0}").format(self.counted_table))
            curs.execute(SQL("DELETE FROM {0}").format(self.totals_table))
            curs.executemany(
                SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(self.totals_table),
                [(*key, total) for key, total in totals.by_account.items()],
            )
            curs.execute(
                SQL("INSERT INTO {0} VALUES (%s, %s)").format(self.counted_table),
                (totals.position, totals.corrections),
            )


class _ArrayInserts(_KeptTotals):
    """Events and their hashes inserted as one array for each column, in psycopg's binary
    format. The library sends events as one array of a composite type, which psycopg
    writes as text in Python: for 2,000 events, 91 ms of this process's time against 19 ms as
    arrays; and 2,000 hashes took 51 ms by executemany, 4 ms as arrays (bench/RESULTS.md)."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.insert_events_statement = SQL(
            "INSERT INTO {0} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::text[]::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(self.events_table)
        self.insert_hashes_statement = SQL(
            "INSERT INTO {0} SELECT * FROM unnest(%b::bigint[], %b::text[])"
        ).format(self.hashes_table)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> None:
        """As the library's (the table locked, listeners told), with the events' columns as
        arrays; their positions are returned in the order of the events."""
        self._lock_table(curs)
        self._notify_channel(curs)
        columns = (
            [hex_key(event.originator_id) for event in stored_events],
            [event.originator_version for event in stored_events],
            [event.topic for event in stored_events],
            [event.state for event in stored_events],
        )
        curs.execute(self.insert_events_statement, columns)

    def _insert_hashes(self, curs: Cursor[DictRow], hashes: Sequence[tuple[int, str]]) -> None:
        positions, chained = zip(*hashes, strict=True) if hashes else ((), ())
        curs.execute(self.insert_hashes_statement, (list(positions), list(chained)))


class _NewTables(_ArrayInserts):
    """Making the store's schema and tables: where they are new, or, for a new store,
    with the first insert of its first import (see ChainedPostgresApplicationRecorder)."""

    def _lock_schema(self, curs: Cursor[DictRow]) -> None:
        """Wait, no longer than an insert would for a writer's lock, for any other process
        making this schema's tables (PostgreSQL's IF NOT EXISTS is not safe against a
        concurrent create): the lock is held until the transaction ends."""
        curs.execute(SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout))
        curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.datastore.schema])

    def _make_tables(self, curs: Cursor[DictRow]) -> None:
        """Make the schema named in the store's URL and its tables where they are new."""
        schema = Identifier(self.datastore.schema)
        curs.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(schema))
        for statement in self.sql_create_statements:
            if "CREATE TYPE" in statement.as_string():
                with suppress(DuplicateObject), curs.connection.transaction():
                    curs.execute(statement, prepare=False)
        self._create_table(curs)

    def _make_new_tables(self, curs: Cursor[DictRow]) -> None:
        self._lock_schema(curs)
        if self._has_events_table(curs):
            raise StoreMadeMeanwhile("another process made the store's tables meanwhile")
        self._make_tables(curs)

    def _has_events_table(self, curs: Cursor[DictRow]) -> bool:
        curs.execute(
            "SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(%s)) AS found",
            [self.datastore.schema, self.events_table_name],
        )
        row = curs.fetchone()
        return row is not None and row["found"] is not None


class ChainedPostgresApplicationRecorder(_NewTables):
    """The library's PostgreSQL recorder, also writing each event's chained hash. Its
    inserts take an exclusive lock on the events table, so chained hashes are written in
    the order the events are numbered, whoever writes them."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} "
                "(notification_id bigint PRIMARY KEY, hash text NOT NULL)"
            ).format(self.hashes_table)
        )
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (financial_year text NOT NULL, account text "
                "NOT NULL, total bigint NOT NULL, PRIMARY KEY (financial_year, account))"
            ).format(self.totals_table),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} "
                "(position bigint NOT NULL, corrections bigint NOT NULL)"
            ).format(self.counted_table),
            # Checks find the few closures, mergers and errata among a store's records by
            # their topic: without an index, each search reads every event.
            SQL("CREATE INDEX IF NOT EXISTS {0} ON {1} (topic, notification_id)").format(
                Identifier(f"{self.events_table_name}_topic"), self.events_table
            ),
        ]

    def create_table(self) -> None:
        """Make the schema named in the store's URL and its tables if they are new, in one
        transaction that waits for any other process doing the same (PostgreSQL's IF NOT
        EXISTS is not safe against a concurrent create) and no longer than an insert would
        for a writer's lock."""
        damage = lost_table(self.events_table_name, self.holds_rows)
        if damage:  # the events or the hashes would be made again over the damage
            raise damage
        totals_lost = self.holds_rows(TOTALS_TABLE) is None
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_schema(curs)
            self._make_tables(curs)
            if totals_lost:  # sums kept without their table of totals are counted again
                curs.execute(SQL("DELETE FROM {0}").format(self.counted_table))
        self.datastore.register_type_adapters()

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or []
        if not positions:
            return positions
        curs.execute(
            SQL("SELECT MAX(notification_id) AS last FROM {0} WHERE notification_id < %s").format(
                self.events_table
            ),
            (min(positions),),
        )
        last_before = curs.fetchone()["last"] or 0  # type: ignore[index]  # one row always
        curs.execute(
            SQL(
                "SELECT notification_id, hash FROM {0} ORDER BY notification_id DESC LIMIT 1"
            ).format(self.hashes_table)
        )
        row = curs.fetchone()
        chained_on(row["notification_id"] if row else 0, last_before)
        hashes = extend(row["hash"] if row else GENESIS, positions, stored_events)
        self._insert_hashes(curs, hashes)
        return positions

    @contextmanager
    def inserting(self, *, new_store: bool = False) -> Iterator[Insert]:
        """One transaction in which events can be inserted a chunk at a time; all of them
        are kept only if the block ends without an exception. ``new_store``: the store's
        tables are made by the first insert, in the same transaction, so that nothing is
        made if the block fails or inserts nothing; StoreMadeMeanwhile if another process
        has made them since the store was found missing."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            tables_made = not new_store

            def insert(stored_events: Sequence[StoredEvent]) -> Sequence[int]:
                nonlocal tables_made
                if not stored_events:
                    return []
                if not tables_made:
                    self._make_new_tables(curs)
                    tables_made = True
                self._insert_stored_events(curs, stored_events)
                return self._fetch_ids_after_insert_events(curs, stored_events) or []

            yield insert
        if new_store:
            self.datastore.register_type_adapters()
