"""One served ledger: its store and views database, kept caught up, and the organisation
search beside them.

Before a page is served the views catch up with the store when it has moved on (a few
milliseconds for a few events; nothing to do costs about as much as opening the store).
One catch-up runs at a time in this process, and the views database's write lock keeps
out a second writer from another process. The search is a small SQLite database in
memory, made again from the views whenever they have moved on.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError

from ledger.store.application import EventStore
from ledger.store.settings import failed_part_way
from ledger.views.projections import run
from ledger.views.refresh import caught_up

# Every organisation once, with each name it has had (its registration's and those of
# its memberships), searchable by any part of its code or a name (see ledger.web.search).
_SEARCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS organisations (
    code TEXT, name TEXT, type TEXT, other_names TEXT,
    opened TEXT, closed TEXT, region TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS organisations_fts USING fts5(
    code, name, other_names, content='organisations', tokenize='trigram'
);
"""
_ORGANISATIONS = """
SELECT o.code, o.name, o.type,
       (SELECT group_concat(n, '; ') FROM (
            SELECT DISTINCT m.name AS n FROM memberships AS m
            WHERE m.organisation = o.code AND m.name IS NOT NULL AND m.name <> o.name
            ORDER BY m.effective)) AS other_names,
       o.opened,
       (SELECT MIN(c.effective) FROM closures AS c WHERE c.organisation = o.code) AS closed,
       o.region
FROM organisations AS o ORDER BY o.code
"""

_SOURCES = "SELECT id, title, publisher, published, licence, url FROM sources"


@dataclass
class Site:
    """The ledger behind one ``ledger serve``."""

    store: str
    views: Path
    search_name: str  # the shared in-memory database the search lives in
    position: int | None = None  # the store position the views were caught up to
    codes: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    cited: tuple[dict[str, Any], ...] = ()  # the sources' rows, for the index
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _file: tuple[int, int] | None = None
    _search: sqlite3.Connection | None = None

    def refresh(self) -> bool:
        """Catch the views up with the store; True when they moved (or were rebuilt). A
        store that fails part-way is a StoreError that names it."""
        with self._lock:
            try:
                with EventStore(self.store, must_exist=True) as ledger:
                    views = caught_up(ledger, self.views)
            except PersistenceError as error:
                raise failed_part_way(self.store, error, "load the page again") from error
            position = views.tracking.position
            views.close()
            stat = os.stat(self.views)
            moved = position != self.position or (stat.st_dev, stat.st_ino) != self._file
            self.position, self._file = position, (stat.st_dev, stat.st_ino)
            if moved:
                self._fill_search()
            return moved

    @property
    def file(self) -> tuple[int, int] | None:
        """The views database file's device and inode: a rebuild makes a new file."""
        return self._file

    def _fill_search(self) -> None:
        rows = run(self.views, _ORGANISATIONS)
        self.codes = frozenset(row["code"] for row in rows)
        self.cited = tuple(run(self.views, _SOURCES))
        self.sources = frozenset(source["id"] for source in self.cited)
        if self._search is None:  # kept open: the memory database lasts while it does
            self._search = sqlite3.connect(
                f"file:{self.search_name}?mode=memory&cache=shared",
                uri=True,
                check_same_thread=False,
            )
            self._search.executescript(_SEARCH_SCHEMA)
        with self._search as connection:
            connection.execute("DELETE FROM organisations")
            connection.executemany(
                "INSERT INTO organisations VALUES "
                "(:code, :name, :type, :other_names, :opened, :closed, :region)",
                rows,
            )
            connection.execute("INSERT INTO organisations_fts(organisations_fts) VALUES('rebuild')")

    def close(self) -> None:
        if self._search is not None:
            self._search.close()
            self._search = None

    def read_records(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Records as stored (before their errata), by id, for the timeline's errata."""
        with EventStore(self.store, must_exist=True) as ledger:
            found = ledger.get_records(record_ids)
        return {record_id: record.normalised() for record_id, record in found.items()}
