"""Keeping a views database in step with the store: catch up, or replay from scratch.

A replay builds a new database beside the old one and moves it into place only when
it is complete, so an interrupted replay leaves the old views as they were. Neither
ever writes to the store's own file, nor replaces a file that is not a views database.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger.store.application import EventStore
from ledger.store.files import (
    TRACKING,
    folder_problem,
    is_database_file,
    is_event_store,
    new_file_beside,
    sqlite_tables,
    unwritable,
)
from ledger.store.killed_builds import building_in, remove_files
from ledger.store.settings import is_database_url, shown
from ledger.views.builds import SUFFIX, one_new_build, remove_killed_builds
from ledger.views.database import ViewsDatabase
from ledger.views.errata import NeedsReplay
from ledger.views.errors import (
    ANOTHER,
    ViewsError,
    a_store,
    is_views_file,
    not_views,
    views_errors,
)
from ledger.views.projector import Progress, catch_up, up_to_date, worker_for_a_build
from ledger.views.tables import SCHEMA_VERSION

# A replay writes a new file nobody reads yet: bigger pages, fewer commits. At a million
# events made ahead (ahead.py), pages of 25,000 took 28.6-28.9 s against 30.2-31.3 s for
# pages of 10,000, alternating runs, and 150 MB at the peak against 110 MB.
REPLAY_PAGE_SIZE = 25_000


@dataclass(frozen=True)
class Replayed:
    events: int
    known_by: str | None
    rows: dict[str, int]
    unprojected: int  # stored events left out of the views


def caught_up(
    ledger: EventStore, path: str | Path, waiting: Callable[[], None] | None = None
) -> ViewsDatabase:
    """The views database at ``path``, up to date with the store (built from scratch
    when new or made by another version of the ledger; read as it is, when up to date,
    from a file or folder that cannot be written). ``waiting`` is called if a new one
    must wait for another command's build (builds.one_new_build)."""
    path = views_path(path)
    _not_the_store(ledger, path)
    cannot_write = unwritable(path)
    if cannot_write:
        return _as_they_are(ledger, path, cannot_write)
    if _new(path):  # built whole beside it: a build that fails leaves no part-built file
        with one_new_build(path, waiting):
            if _new(path):  # (another command may have built it while this one waited)
                replay(ledger, path)
    views = ViewsDatabase.open(path)
    try:
        with views_errors(path):
            if views.tracking.schema_version != SCHEMA_VERSION:
                views = _replayed(ledger, views)
            try:
                catch_up(ledger, views)
            except NeedsReplay:
                views = _replayed(ledger, views)
                catch_up(ledger, views)
    except BaseException:
        views.close()
        raise
    return views


def _as_they_are(ledger: EventStore, path: Path, cannot_write: str) -> ViewsDatabase:
    """Views that cannot be written (a shared folder one may only read), read as they are
    when they are up to date; else the error that says why they cannot be made so."""
    new = _new(path)
    if not new:
        views = ViewsDatabase.open(path, reading=True)
        try:
            with views_errors(path):
                if up_to_date(ledger, views):
                    return views
        except BaseException:
            views.close()
            raise
        views.close()
    raise ViewsError(
        f"the views database {path} must {'be built' if new else 'catch up with the store'}, "
        f"but {cannot_write}; {ANOTHER} in a folder you may write to (the store is unchanged)"
    )


def _new(path: Path) -> bool:
    """Whether there is no views database at ``path`` yet (no file, or an empty one)."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def _replayed(ledger: EventStore, views: ViewsDatabase) -> ViewsDatabase:
    """The same views, built again from the store (for another schema, or new errata)."""
    tracking, path = views.tracking, views.path
    views.close()
    replay(ledger, path, tracking.known_by, recorded_by=tracking.recorded_by)
    return ViewsDatabase.open(path)


def replay(
    ledger: EventStore,
    path: str | Path,
    known_by: str | None = None,
    progress: Progress | None = None,
    until: int | None = None,
    *,
    recorded_by: str | None = None,
    force: bool = False,
) -> Replayed:
    """Build the views database at ``path`` afresh from the whole store (or its events up
    to position ``until``), keeping only records known by ``known_by`` (an ISO date) when
    given, and only errata recorded by ``recorded_by``. It replaces only a views
    database, unless ``force`` (and never the store)."""
    path = views_path(path)
    _replaceable(ledger, path, force)
    target = Path(os.path.realpath(path))  # a symbolic link stays one: its file is replaced
    remove_killed_builds(target)
    building = _building_beside(target)
    try:
        with views_errors(path), building_in(building), worker_for_a_build(ledger, until) as worker:
            views = ViewsDatabase(building)
            try:
                views.create(known_by, recorded_by, indexed=False)
                views.set_journal("MEMORY")
                events = catch_up(
                    ledger, views, progress, REPLAY_PAGE_SIZE, until, building=True, worker=worker
                )
                views.add_indexes()
                views.set_journal("WAL")
                rows = {table: views.count(table) for table in ("postings", "organisations")}
                unprojected = views.left_out()
            finally:
                views.close()
    except BaseException:
        remove_files(building, with_file=True)
        raise
    remove_files(target, with_file=False)  # a stale journal must not be applied to the new file
    os.replace(building, target)
    return Replayed(events, known_by, rows, unprojected)


def views_path(path: str | Path) -> Path:
    """The views database's path, refusing an empty one or a URL (it is a SQLite file)."""
    if not str(path).strip():
        raise ViewsError("the views path given (--views or LEDGER_VIEWS) is empty: give a file")
    if is_database_url(str(path)):  # Path() would fold its // and make it a file's path
        raise ViewsError(
            f"the views database is a SQLite file, not a server: {shown(str(path))} is a URL "
            "(--views or LEDGER_VIEWS); give a file path"
        )
    return Path(path)


def _not_the_store(ledger: EventStore, path: Path) -> None:
    if not is_database_url(ledger.store) and is_database_file(path, ledger.store):
        raise ViewsError(
            f"{path} is the ledger's store, not a views database; give another --views path"
        )


def _replaceable(ledger: EventStore, path: Path, force: bool) -> None:
    """Refuse to replay into the store, a folder, or a file that is not a views database."""
    _not_the_store(ledger, path)
    problem = folder_problem(path)
    if problem:
        raise ViewsError(
            f"cannot use {path} as the views database: {problem}; give another --views path"
        )
    if not path.exists() or path.stat().st_size == 0 or is_views_file(path):
        return
    if is_event_store(path):  # another store than this one: never replaced, even forced
        raise a_store(path)
    if force:
        return
    try:
        tables = sqlite_tables(path)
    except sqlite3.DatabaseError as error:
        raise not_views(path, error, replacing=_FORCED) from None
    if tables and TRACKING not in tables:
        raise not_views(path, replacing=_FORCED)


_FORCED = "add --force to replace it"


def _building_beside(path: Path) -> Path:
    """A new file of its own in the same folder, to build the views in."""
    try:
        return new_file_beside(path, SUFFIX)
    except OSError as error:
        raise ViewsError(
            f"the views database {path} cannot be written ({error.strerror}); "
            "give another --views path in a folder you may write to"
        ) from None
