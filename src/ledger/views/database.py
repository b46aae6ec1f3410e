"""The views database: a disposable SQLite file of tables rebuilt from the event store.

The projector writes its rows and its tracked position in the same transaction, so a
crash can leave the database behind the store but never counting an event twice. The
tables are plain SQLite (integer pence, ISO dates as text) and open as they are in the
sqlite3 shell or Datasette; projections/README.md describes them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from ledger.store.files import TRACKING, folder_problem, reading_uri
from ledger.views.errors import (
    ANOTHER,
    DAMAGE,
    ViewsError,
    damaged,
    is_views_file,
    not_views,
    primary_code,
    views_errors,
    views_problem,
)
from ledger.views.tables import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    TABLES,
    TABLES_BY_NAME,
)

# sqlite3 (of Python 3.11) binds None slowly: finding no adapter registered for it, it
# looks for an __adapt__ method on its protocol class, a failed lookup that makes and
# throws away an AttributeError for every NULL bound (about a microsecond). An adapter
# that gives None back as it is binds the same NULL, found at once: a rebuild binds
# millions of them (a third of a posting's columns), and writes its postings in half
# the time.
sqlite3.register_adapter(type(None), lambda value: value)


@dataclass(frozen=True)
class Tracking:
    """How far the views database has read the store, and what it was built to show."""

    position: int
    record_id: str | None  # the record at ``position``, to recognise the store it follows
    known_by: str | None  # ISO date: only records known by then (a replay "as at")
    schema_version: int
    recorded_by: str | None = None  # ISO date: only errata recorded by then


class ViewsConnection:
    """One connection to a views database file: its journal, its transactions and the
    position in the store it has read up to."""

    def __init__(self, path: str | Path, *, reading: bool = False):
        self.path = Path(path)
        with views_errors(self.path):  # a new file in a folder that cannot be written
            if reading:  # only to read (a file, or a folder, that cannot be written)
                self.conn = sqlite3.connect(reading_uri(self.path), uri=True)
            else:
                self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA busy_timeout = 30000")
        self._tables: Any = None

    @property
    def db(self) -> Any:
        """sqlite-utils on the same connection, for creating and writing tables. Made only
        when needed: a views database that is up to date is read with sqlite3 alone, which
        keeps a command's start-up quick."""
        if self._tables is None:
            import sqlite_utils

            self._tables = sqlite_utils.Database(self.conn)
        return self._tables

    def set_journal(self, mode: str) -> None:
        """WAL for use; MEMORY (with no syncing) while a new file is built that a crash would
        only throw away: a journal in memory still rolls back an event that fails. OFF, no
        journal at all, is quicker but cannot roll anything back."""
        if mode not in ("WAL", "MEMORY", "OFF"):
            raise ValueError(f"unknown journal mode {mode!r}")
        building = mode != "WAL"
        self.conn.commit()
        self.conn.execute(f"PRAGMA journal_mode = {mode}")
        self.conn.execute(f"PRAGMA synchronous = {'OFF' if building else 'NORMAL'}")
        # A build's cache: 16 MB rather than SQLite's 2 MB. At a million events 2, 16 and
        # 64 MB build as quickly; 16 MB is kept for larger stores, where the corrections
        # read pages again (2 MB was not measured there). A rebuild's peak memory is about
        # twice the cache: the sorter that makes an index takes as much again.
        self.conn.execute(f"PRAGMA cache_size = {-16384 if building else -2000}")
        # The sorter that makes an index may use a second core: a build makes its indexes
        # once its pages are in, when the worker that made them (ahead.py) has stopped.
        # At a million events, 2.5 s rather than 2.9 s; a larger cache made it slower.
        self.conn.execute(f"PRAGMA threads = {2 if building else 0}")

    @property
    def tracking(self) -> Tracking:
        try:
            row = self.conn.execute(
                f"SELECT position, record_id, known_by, schema_version, recorded_by FROM {TRACKING}"
            ).fetchone()
        except sqlite3.Error as error:
            raise views_problem(self.path, error) or damaged(self.path, error) from None
        if row is None:
            raise damaged(self.path, "its tracking table is empty")
        return Tracking(*row)

    def track(self, position: int, record_id: str | None) -> None:
        """Move the tracked position (inside the caller's transaction)."""
        self.conn.execute(
            f"UPDATE {TRACKING} SET position = ?, record_id = ?", (position, record_id)
        )

    @contextmanager
    def writing(self) -> Iterator[Self]:
        """One write transaction, taken before reading the position, so two processes
        catching up the same file cannot both apply the same events."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside the caller's transaction: keep what the block writes only if it ends
        without an exception."""
        self.conn.execute("SAVEPOINT projecting")
        try:
            yield
        except BaseException:
            # SQLite ends the whole transaction itself on some errors (a full disk), and
            # the savepoint with it: then the caller's rollback is all there is to do.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK TO projecting")
                self.conn.execute("RELEASE projecting")
            raise
        else:
            self.conn.execute("RELEASE projecting")

    def close(self) -> None:
        self.conn.close()


class ViewsSchema(ViewsConnection):
    """Opening a file as a views database: making its tables and indexes when it is new,
    refusing a file that is something else."""

    @classmethod
    def open(
        cls,
        path: str | Path,
        known_by: str | None = None,
        recorded_by: str | None = None,
        *,
        reading: bool = False,
    ) -> Self:
        """Open (creating if new, unless only ``reading`` it) a views database; a file
        that is not one is refused."""
        path = Path(path)
        problem = folder_problem(path)
        if problem:
            raise ViewsError(f"cannot use {path} as the views database: {problem}; {ANOTHER}")
        views = cls(path, reading=reading)
        try:
            tables = views._table_names()
            if not tables and not reading:
                views._create_if_new(known_by, recorded_by)
            elif TRACKING not in tables:
                raise not_views(path)
            else:
                views._check_tables(tables)
        except BaseException:
            views.close()
            raise
        return views

    def _table_names(self) -> set[str]:
        try:
            rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {str(name) for (name,) in rows}
        except sqlite3.DatabaseError as error:
            if primary_code(error) in DAMAGE and not is_views_file(self.path):
                raise not_views(self.path, error) from None
            raise views_problem(self.path, error) or error from None

    def _check_tables(self, tables: set[str]) -> None:
        """Every table this version of the ledger makes is there (a file made by another
        version is rebuilt by the caller, not refused)."""
        missing = [name for name in TABLES if name not in tables]
        if missing and self.tracking.schema_version == SCHEMA_VERSION:
            raise damaged(self.path, f"it has no table {missing[0]}")

    def _create_if_new(self, known_by: str | None, recorded_by: str | None = None) -> None:
        """Create the tables of a new (or empty) file under the write lock, so that of two
        processes opening it at once one creates them and the other finds them made."""
        with views_errors(self.path):
            self.set_journal("WAL")
            with self.writing():
                tables = self._table_names()
                if tables and TRACKING not in tables:
                    raise not_views(self.path)
                if not tables:
                    self._create_tables(known_by, recorded_by, indexed=True)

    def create(
        self,
        known_by: str | None = None,
        recorded_by: str | None = None,
        *,
        indexed: bool = True,
    ) -> None:
        """Create the tables; a bulk build leaves the indexes, unique ones included, to
        ``add_indexes`` at the end (see projector.catch_up's ``building``)."""
        self.set_journal("WAL")
        with self.db.atomic():
            self._create_tables(known_by, recorded_by, indexed=indexed)

    def _create_tables(
        self, known_by: str | None, recorded_by: str | None, *, indexed: bool
    ) -> None:
        self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for name, spec in TABLES.items():
            self.db.table(name).create(
                spec["columns"], pk=spec["pk"], not_null=spec.get("not_null")
            )
        if indexed:
            self.add_indexes()
        self.db.table(TRACKING).insert(
            {
                "id": 1,
                "position": 0,
                "record_id": None,
                "known_by": known_by,
                "schema_version": SCHEMA_VERSION,
                "recorded_by": recorded_by,
            },
            pk="id",
        )

    def add_indexes(self) -> None:
        """The indexes the views read by, and the unique ones."""
        self.add_unique_indexes()
        for name, spec in TABLES.items():
            for columns in spec.get("indexes", []):
                self.db.table(name).create_index(columns, if_not_exists=True)
            for index, columns, condition in spec.get("partial_indexes", []):
                self.conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {name} ({', '.join(columns)}) "
                    f"WHERE {condition}"
                )

    def add_unique_indexes(self) -> None:
        """The indexes that keep a table's rows unique (and let a correction find the
        versions of what it corrects)."""
        for name, spec in TABLES.items():
            for columns in spec.get("unique", []):
                self.db.table(name).create_index(columns, unique=True, if_not_exists=True)


class ViewsDatabase(ViewsSchema):
    """The projector's tables in one SQLite file: the rows it writes, and what ``check``
    reads of them."""

    def leave_out(self, position: int, record_id: str | None, reason: str) -> None:
        """Note a stored event that could not be projected (inside the caller's transaction)."""
        self.conn.execute(
            "INSERT INTO unprojected (position, record_id, reason) VALUES (?, ?, ?)",
            (position, record_id, reason),
        )

    def correct_left_out(self, corrections: Iterable[tuple[str, str, str, bool, int]]) -> None:
        """Apply corrections (correction id, corrected id, precedence, reverses, position)
        to the events left out before them that they name: the latest by precedence
        decides. (Most views leave nothing out: then there is nothing to look up, and the
        corrections, which may be given as a generator, are not read.)"""
        if not self.conn.execute("SELECT EXISTS (SELECT 1 FROM unprojected)").fetchone()[0]:
            return
        self.conn.executemany(
            "UPDATE unprojected SET reversed_by = CASE WHEN ? THEN ? END, corrected = ? "
            "WHERE record_id = ? AND position < ? AND (corrected IS NULL OR corrected < ?)",
            [
                (reverses, correction_id, precedence, corrected_id, position, precedence)
                for correction_id, corrected_id, precedence, reverses, position in corrections
            ],
        )

    def clear(self) -> None:
        """Delete every row and go back to position 0 (inside the caller's transaction)."""
        for table in TABLES:
            self.conn.execute(f"DELETE FROM {TABLES_BY_NAME[table]}")
        self.track(0, None)

    def left_out(self) -> int:
        """How many stored events are left out of the views and not reversed since."""
        return int(
            self.conn.execute(
                "SELECT COUNT(*) FROM unprojected WHERE reversed_by IS NULL"
            ).fetchone()[0]
        )

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.db.table(table).insert_all(rows, batch_size=500)

    def add_allocation_days(self, days: dict[tuple[str, ...], list[int]]) -> None:
        """Add (delta, versions) to the allocation_days rows of (year, account, service,
        effective, as_at), making the rows that are new."""
        if days:
            self.conn.executemany(
                "INSERT INTO allocation_days "
                "(financial_year, account, service, effective, as_at, delta_pence, versions) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (financial_year, account, service, effective, as_at) DO UPDATE SET "
                "delta_pence = delta_pence + excluded.delta_pence, "
                "versions = versions + excluded.versions",
                [(*key, delta, versions) for key, (delta, versions) in days.items()],
            )

    def add_known_years(self, first: dict[tuple[str, str, str], str]) -> None:
        """Note the earliest known date of each (kind, measure, year), keeping the earlier
        where a row has one."""
        if first:
            self.conn.executemany(
                "INSERT INTO known_years (kind, measure, financial_year, first_known) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (kind, measure, financial_year) DO UPDATE SET "
                "first_known = MIN(first_known, excluded.first_known)",
                [(*key, as_at) for key, as_at in first.items()],
            )

    def insert_postings(self, statement: str, postings: Sequence[Sequence[Any]]) -> None:
        """Postings are most of the rows and written in bulk: one executemany of tuples, in
        the order of the statement's columns (postings.Shape; sqlite-utils' insert_all
        measured four times slower here)."""
        if postings:
            self.conn.executemany(statement, postings)

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {TABLES_BY_NAME[table]}").fetchone()[0])

    def digests(self) -> tuple[int, dict[str, str]]:
        """The tracked position, and a digest of each table's rows (leaving out the row ids
        SQLite assigns, which depend on how the rows were paged in), read together."""
        self.conn.execute("BEGIN")
        try:
            return self.tracking.position, {table: self._digest(table) for table in TABLES}
        finally:
            self.conn.rollback()

    def _digest(self, table: str) -> str:
        import hashlib  # (here: only digests need it, and a view's start-up does not)

        columns = ", ".join(name for name in TABLES[table]["columns"] if name != "posting_id")
        digest = hashlib.sha256()
        for row in self.conn.execute(
            f"SELECT {columns} FROM {TABLES_BY_NAME[table]} ORDER BY {columns}"
        ):
            digest.update(repr(row).encode())
        return digest.hexdigest()
