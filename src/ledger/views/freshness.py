"""Whether a views database is already up to date with a store in a SQLite file, read
with sqlite3 alone. It is the usual case for a command that reads the views, and
answering it without loading the event store's library saves about a third of such a
command's start-up. Whatever the check cannot be sure of is left to refresh.caught_up.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import orjson

from ledger.store.files import EVENTS_TABLE, TRACKING, is_sqlite_file, read_only_uri
from ledger.store.settings import is_database_url
from ledger.views.tables import SCHEMA_VERSION


def up_to_date(store: str, views: str | Path) -> bool:
    """True only when sure: both are SQLite files, the views are of this ledger's schema,
    and the last stored event is the record the views applied last. Anything else (a
    server's store, a missing or unreadable file, views behind or built from another
    store) is False, and the caller catches up as it always has."""
    views = Path(views)
    if is_database_url(store) or not is_sqlite_file(views) or not is_sqlite_file(Path(store)):
        return False
    if views.resolve() == Path(store).resolve():
        return False  # caught_up says why a store cannot be its own views
    try:
        tracked = _tracked(views)
        if tracked is None:
            return False
        with closing(sqlite3.connect(read_only_uri(store), uri=True)) as connection:
            return _last_record(connection) == tracked
    except (sqlite3.Error, ValueError, KeyError, TypeError, OSError):
        return False


def _tracked(views: Path) -> tuple[int, str] | None:
    """The position and record id the views last applied, if they are of this schema."""
    with closing(sqlite3.connect(read_only_uri(views), uri=True)) as connection:
        row = connection.execute(
            f"SELECT position, record_id, schema_version FROM {TRACKING}"
        ).fetchone()
    if row is None or row[2] != SCHEMA_VERSION or not row[0] or row[1] is None:
        return None
    return int(row[0]), str(row[1])


def _last_record(connection: sqlite3.Connection) -> tuple[int, str] | None:
    """The store's last position and the id of the record stored there."""
    row = connection.execute(
        f"SELECT rowid, state FROM {EVENTS_TABLE} ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return int(row[0]), str(orjson.loads(row[1])["record"]["id"])
