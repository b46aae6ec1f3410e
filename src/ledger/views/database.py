"""The views database: a disposable SQLite file of tables rebuilt from the event store.

The projector writes its rows and its tracked position in the same transaction, so a
crash can leave the database behind the store but never counting an event twice. The
tables are plain SQLite (integer pence, ISO dates as text) and open as they are in the
sqlite3 shell or Datasette; projections/README.md describes them.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.store.files import TRACKING, application_id, disk_full, folder_problem

# Bump when the tables change: a views database of another version is rebuilt.
SCHEMA_VERSION = 7
# Written in the file's header (PRAGMA application_id), where it can be read even when
# the rest of the file is damaged: "LdgV".
APPLICATION_ID = 0x4C646756

TABLES: dict[str, dict[str, Any]] = {
    "postings": {
        "columns": {
            "posting_id": int,
            "record_id": str,
            "kind": str,
            "measure": str,
            "account": str,
            "counterparty": str,
            "side": str,
            "financial_year": str,
            "period": str,
            "effective": str,
            "precedence": str,
            "version": int,
            "as_at": str,
            "valid_to": str,
            "position": int,
            "is_void": int,
            "unit": str,
            "amount_pence": int,
            "delta_pence": int,
            "count": int,
            "percent": str,
            "deficit": str,
            "correction_id": str,
            "reason": str,
            "source": str,
            "locator": str,
        },
        "pk": "posting_id",
        "not_null": {"record_id", "kind", "measure", "account", "financial_year", "as_at"},
        "indexes": [
            # The views read one measure of one year. Sums of allocations come from
            # allocation_days, so this index need not cover them; kept narrow, it is
            # quick to make at the end of a rebuild.
            ("measure", "financial_year", "account"),
            ("account", "measure", "financial_year"),
            ("kind", "financial_year"),
        ],
        # Needed while projecting (a correction finds the versions of what it corrects),
        # so made with the table, not after a bulk build.
        "unique": [("record_id", "side", "version")],
    },
    # Allocation changes summed by account, year, the date they are about and the day they
    # became known: what ccg-budgets and baseline add up, far fewer rows than postings.
    "allocation_days": {
        "columns": {
            "account": str,
            "financial_year": str,
            "effective": str,
            "as_at": str,
            "delta_pence": int,
            "versions": int,
        },
        "pk": ("financial_year", "account", "effective", "as_at"),
    },
    "organisations": {
        "columns": {
            "code": str,
            "name": str,
            "type": str,
            "parent": str,
            "area_team": str,
            "region": str,
            "opened": str,
            "ons_code": str,
            "as_at": str,
            "position": int,
            "source": str,
            "locator": str,
        },
        "pk": "code",
        "indexes": [("type",), ("parent",)],
    },
    "closures": {
        "columns": {
            "record_id": str,
            "organisation": str,
            "effective": str,
            "as_at": str,
            "position": int,
            "reason": str,
            "source": str,
            "locator": str,
        },
        "pk": "record_id",
        "indexes": [("organisation",)],
    },
    "mergers": {
        "columns": {
            "record_id": str,
            "predecessor": str,
            "successor": str,
            "effective": str,
            "as_at": str,
            "position": int,
            "reason": str,
            "source": str,
            "locator": str,
        },
        "pk": ("record_id", "predecessor"),
        "indexes": [("predecessor",)],
    },
    "sources": {
        "columns": {
            "id": str,
            "title": str,
            "publisher": str,
            "published": str,
            "dated_by": str,
            "covers": str,
            "licence": str,
            "attribution": str,
            "url": str,
            "position": int,
        },
        "pk": "id",
    },
    "baselines": {
        "columns": {
            "name": str,
            "financial_year": str,
            "effective": str,
            "known": str,
            "description": str,
            "as_at": str,
            "position": int,
            "source": str,
            "locator": str,
        },
        "pk": "name",
    },
    "figure_components": {
        "columns": {"figure_id": str, "component_id": str, "sign": int, "position": int},
        "pk": ("figure_id", "component_id"),
        "indexes": [("component_id",)],
    },
    "reconciled_figures": {
        "columns": {
            "figure_id": str,
            "rule": str,
            "complete": int,
            "tolerance": int,
            "position": int,
        },
        "pk": "figure_id",
    },
    # Stored events the projector could not turn into rows (an old bug, a hand-edited
    # store): left out of every other table. An event stays outstanding until its latest
    # correction (by known date, then position: ``corrected``) reverses it (``reversed_by``).
    "unprojected": {
        "columns": {
            "position": int,
            "record_id": str,
            "reason": str,
            "reversed_by": str,
            "corrected": str,
        },
        "pk": "position",
        "indexes": [("record_id",)],
    },
}


TABLES_BY_NAME = {name: name for name in TABLES}  # table names are never taken from input

# The columns a posting is written with, in order (posting_id is assigned by SQLite).
POSTING_COLUMNS = tuple(name for name in TABLES["postings"]["columns"] if name != "posting_id")
_INSERT_POSTINGS = (
    f"INSERT INTO postings ({', '.join(POSTING_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(POSTING_COLUMNS))})"
)


class ViewsError(Exception):
    """A views database that cannot be used as asked."""


_ANOTHER = "give another --views path"


def is_views_file(path: Path) -> bool:
    """Whether the file's header says it is a views database (however damaged the rest)."""
    return application_id(path) == APPLICATION_ID


def not_views(path: Path, reason: object = None) -> ViewsError:
    why = f" ({reason})" if reason else ""
    return ViewsError(
        f"{path} is not a ledger views database{why}; {_ANOTHER}, "
        "or replace it with: rebuild --force"
    )


def damaged(path: Path, reason: object) -> ViewsError:
    return ViewsError(
        f"the views database {path} is damaged ({reason}); it holds nothing the store "
        f"does not, so make it again: ledger --views {path} rebuild"
    )


_DAMAGE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _primary_code(error: sqlite3.Error) -> int:
    return int(getattr(error, "sqlite_errorcode", 0)) & 0xFF


def views_problem(path: Path, error: sqlite3.Error) -> ViewsError | None:
    """What a SQLite error on the views database means to the user, when it is about the
    file (damaged, disk full, read-only, busy) rather than the SQL."""
    code = _primary_code(error)
    if code in _DAMAGE:
        return damaged(path, error)
    if code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and disk_full(path)):
        return ViewsError(
            f"the disk is full: the views database {path} keeps what it had and "
            "the store is unchanged; free some space and run the command again"
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return ViewsError(
            f"the views database {path} cannot be written ({error}); {_ANOTHER} "
            "in a folder you may write to"
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return ViewsError(
            f"the views database {path} is busy with another process ({error}); "
            "run the command again"
        )
    if code == sqlite3.SQLITE_IOERR:
        return ViewsError(f"the views database {path} could not be read or written ({error})")
    return None


@contextmanager
def views_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's errors about the views file into ViewsError; others go on as they are."""
    try:
        yield
    except sqlite3.Error as error:
        problem = views_problem(path, error)
        if problem is None:
            raise
        raise problem from None


@dataclass(frozen=True)
class Tracking:
    """How far the views database has read the store, and what it was built to show."""

    position: int
    record_id: str | None  # the record at ``position``, to recognise the store it follows
    known_by: str | None  # ISO date: only records known by then (a replay "as at")
    schema_version: int


class ViewsDatabase:
    """The projector's tables in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
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

    @classmethod
    def open(cls, path: str | Path, known_by: str | None = None) -> ViewsDatabase:
        """Open (creating if new) a views database; a file that is not one is refused."""
        path = Path(path)
        problem = folder_problem(path)
        if problem:
            raise ViewsError(f"cannot use {path} as the views database: {problem}; {_ANOTHER}")
        views = cls(path)
        try:
            tables = views._table_names()
            if not tables:
                views._create_if_new(known_by)
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
            if _primary_code(error) in _DAMAGE and not is_views_file(self.path):
                raise not_views(self.path, error) from None
            raise views_problem(self.path, error) or error from None

    def _check_tables(self, tables: set[str]) -> None:
        """Every table this version of the ledger makes is there (a file made by another
        version is rebuilt by the caller, not refused)."""
        missing = [name for name in TABLES if name not in tables]
        if missing and self.tracking.schema_version == SCHEMA_VERSION:
            raise damaged(self.path, f"it has no table {missing[0]}")

    def _create_if_new(self, known_by: str | None) -> None:
        """Create the tables of a new (or empty) file under the write lock, so that of two
        processes opening it at once one creates them and the other finds them made."""
        with views_errors(self.path):
            self.set_journal("WAL")
            with self.writing():
                tables = self._table_names()
                if tables and TRACKING not in tables:
                    raise not_views(self.path)
                if not tables:
                    self._create_tables(known_by, indexed=True)

    def create(self, known_by: str | None = None, *, indexed: bool = True) -> None:
        """Create the tables; a bulk build leaves the indexes to ``add_indexes`` at the end."""
        self.set_journal("WAL")
        with self.db.atomic():
            self._create_tables(known_by, indexed=indexed)

    def _create_tables(self, known_by: str | None, *, indexed: bool) -> None:
        self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for name, spec in TABLES.items():
            self.db.table(name).create(
                spec["columns"], pk=spec["pk"], not_null=spec.get("not_null")
            )
            for columns in spec.get("unique", []):
                self.db.table(name).create_index(columns, unique=True)
        if indexed:
            self.add_indexes()
        self.db.table(TRACKING).insert(
            {
                "id": 1,
                "position": 0,
                "record_id": None,
                "known_by": known_by,
                "schema_version": SCHEMA_VERSION,
            },
            pk="id",
        )

    def add_indexes(self) -> None:
        """The indexes the views read by."""
        for name, spec in TABLES.items():
            for columns in spec.get("indexes", []):
                self.db.table(name).create_index(columns, if_not_exists=True)

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
        # A build keeps more of its indexes in memory: 64 MB rather than SQLite's 2 MB.
        self.conn.execute(f"PRAGMA cache_size = {-65536 if building else -2000}")

    @property
    def tracking(self) -> Tracking:
        try:
            row = self.conn.execute(
                f"SELECT position, record_id, known_by, schema_version FROM {TRACKING}"
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
    def writing(self) -> Iterator[ViewsDatabase]:
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

    def leave_out(self, position: int, record_id: str | None, reason: str) -> None:
        """Note a stored event that could not be projected (inside the caller's transaction)."""
        self.conn.execute(
            "INSERT INTO unprojected (position, record_id, reason) VALUES (?, ?, ?)",
            (position, record_id, reason),
        )

    def correct_left_out(self, corrections: list[tuple[str, str, str, bool]]) -> None:
        """Apply corrections (correction id, corrected id, precedence, reverses) to the
        events left out that they name: the latest by precedence decides."""
        self.conn.executemany(
            "UPDATE unprojected SET reversed_by = CASE WHEN ? THEN ? END, corrected = ? "
            "WHERE record_id = ? AND (corrected IS NULL OR corrected < ?)",
            [
                (reverses, correction_id, precedence, corrected_id, precedence)
                for correction_id, corrected_id, precedence, reverses in corrections
            ],
        )

    def left_out(self) -> int:
        """How many stored events are left out of the views and not reversed since."""
        return int(
            self.conn.execute(
                "SELECT COUNT(*) FROM unprojected WHERE reversed_by IS NULL"
            ).fetchone()[0]
        )

    def digests(self) -> tuple[int, dict[str, str]]:
        """The tracked position, and a digest of each table's rows (leaving out the row ids
        SQLite assigns, which depend on how the rows were paged in), read together."""
        self.conn.execute("BEGIN")
        try:
            return self.tracking.position, {table: self._digest(table) for table in TABLES}
        finally:
            self.conn.rollback()

    def _digest(self, table: str) -> str:
        columns = ", ".join(name for name in TABLES[table]["columns"] if name != "posting_id")
        digest = hashlib.sha256()
        for row in self.conn.execute(
            f"SELECT {columns} FROM {TABLES_BY_NAME[table]} ORDER BY {columns}"
        ):
            digest.update(repr(row).encode())
        return digest.hexdigest()

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.db.table(table).insert_all(rows, batch_size=500)

    def add_allocation_days(self, days: dict[tuple[str, str, str, str], list[int]]) -> None:
        """Add (delta, versions) to the allocation_days rows of (year, account, effective,
        as_at), making the rows that are new."""
        if days:
            self.conn.executemany(
                "INSERT INTO allocation_days "
                "(financial_year, account, effective, as_at, delta_pence, versions) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (financial_year, account, effective, as_at) DO UPDATE SET "
                "delta_pence = delta_pence + excluded.delta_pence, "
                "versions = versions + excluded.versions",
                [(*key, delta, versions) for key, (delta, versions) in days.items()],
            )

    def insert_postings(self, postings: Sequence[Sequence[Any]]) -> None:
        """Postings are most of the rows and written in bulk: one executemany of tuples in
        POSTING_COLUMNS order (sqlite-utils' insert_all measured four times slower here)."""
        if postings:
            self.conn.executemany(_INSERT_POSTINGS, postings)

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {TABLES_BY_NAME[table]}").fetchone()[0])

    def close(self) -> None:
        self.conn.close()
