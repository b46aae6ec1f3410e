"""Keeping a views database in step with the store: catch up, or replay from scratch.

A replay builds a new database beside the old one and moves it into place only when
it is complete, so an interrupted replay leaves the old views as they were.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ledger.application import Ledger
from ledger.projector import Progress, catch_up
from ledger.views_db import SCHEMA_VERSION, ViewsDatabase

_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
# A replay writes a new file nobody reads yet: bigger pages, fewer commits.
REPLAY_PAGE_SIZE = 10_000


@dataclass(frozen=True)
class Replayed:
    events: int
    known_by: str | None
    rows: dict[str, int]
    unprojected: int  # stored events left out of the views


def caught_up(ledger: Ledger, path: str | Path) -> ViewsDatabase:
    """The views database at ``path``, up to date with the store (created or rebuilt
    from scratch when new or made by another version of the ledger)."""
    views = ViewsDatabase.open(path)
    if views.tracking.schema_version != SCHEMA_VERSION:
        known_by = views.tracking.known_by
        views.close()
        replay(ledger, path, known_by)
        views = ViewsDatabase.open(path)
    catch_up(ledger, views)
    return views


def replay(
    ledger: Ledger,
    path: str | Path,
    known_by: str | None = None,
    progress: Progress | None = None,
    until: int | None = None,
) -> Replayed:
    """Build the views database at ``path`` afresh from the whole store (or its events up
    to position ``until``), keeping only records known by ``known_by`` (an ISO date) when
    given."""
    path = Path(path)
    building = path.with_name(path.name + ".building")
    _remove(building, with_file=True)
    views = ViewsDatabase(building)
    try:
        views.create(known_by, indexed=False)
        views.set_journal("MEMORY")
        events = catch_up(ledger, views, progress, REPLAY_PAGE_SIZE, until)
        views.add_indexes()
        views.set_journal("WAL")
        rows = {table: views.count(table) for table in ("postings", "organisations")}
        unprojected = views.left_out()
    finally:
        views.close()
    _remove(path, with_file=False)  # a stale journal must not be applied to the new file
    os.replace(building, path)
    return Replayed(events, known_by, rows, unprojected)


def _remove(path: Path, *, with_file: bool) -> None:
    for suffix in ("",) * with_file + _SQLITE_SIDE_FILES:
        Path(str(path) + suffix).unlink(missing_ok=True)
