"""What can be wrong with a views database, as the user is told it: not a views database,
damaged (rebuild it), a full disk, a read-only file, busy with another process."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.store.files import application_id, disk_full, is_event_store
from ledger.views.tables import APPLICATION_ID


class ViewsError(Exception):
    """A views database that cannot be used as asked."""


ANOTHER = "give another --views path"


def is_views_file(path: Path) -> bool:
    """Whether the file's header says it is a views database (however damaged the rest)."""
    return application_id(path) == APPLICATION_ID


def not_views(
    path: Path, reason: object = None, *, replacing: str = "replace it with: rebuild --force"
) -> ViewsError:
    """The error for a file that is not a views database: one that can be replaced
    (``replacing`` says how), or an event store, which never is."""
    if is_event_store(path):
        return a_store(path)
    why = f" ({reason})" if reason else ""
    return ViewsError(f"{path} is not a ledger views database{why}; {ANOTHER}, or {replacing}")


def a_store(path: Path) -> ViewsError:
    return ViewsError(
        f"{path} is a ledger event store, not a views database; a store is never "
        f"replaced by views, even with --force: {ANOTHER}"
    )


def damaged(path: Path, reason: object) -> ViewsError:
    return ViewsError(
        f"the views database {path} is damaged ({reason}); it holds nothing the store "
        f"does not, so make it again: ledger --views {path} rebuild"
    )


DAMAGE = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def primary_code(error: sqlite3.Error) -> int:
    return int(getattr(error, "sqlite_errorcode", 0)) & 0xFF


def views_problem(path: Path, error: sqlite3.Error) -> ViewsError | None:
    """What a SQLite error on the views database means to the user, when it is about the
    file (damaged, disk full, read-only, busy) rather than the SQL."""
    code = primary_code(error)
    if code in DAMAGE:
        return damaged(path, error)
    if code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and disk_full(path)):
        return ViewsError(
            f"the disk is full: the views database {path} is as it was, with no part-built "
            "file left, and the store is unchanged; free some space and run the command again"
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return ViewsError(
            f"the views database {path} cannot be written ({error}); {ANOTHER} "
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
