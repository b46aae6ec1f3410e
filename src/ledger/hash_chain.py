"""Tamper evidence: every stored event carries a hash that chains it to the one before.

The hash of event N is sha256 of the hash of event N-1 and event N's position, aggregate
id, version, topic and stored bytes. The recorder writes it in the same transaction as
the event, so a committed event always has its hash. Altering, removing or reordering a
stored event breaks the chain from that event on; rewriting the whole history
consistently changes the head hash, which ``ledger check --expected-head`` compares.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

GENESIS = "0" * 64
HASHES_TABLE = "stored_event_hashes"
PAGE_SIZE = 5000


def chain_hash(previous: str, position: int, event: StoredEvent) -> str:
    """The hash of one stored event, chained to the hash of the event before it."""
    originator = event.originator_id
    originator_id = originator.hex if isinstance(originator, UUID) else str(originator)
    header = f"{previous}\n{position}\n{originator_id}\n{event.originator_version}\n{event.topic}\n"
    return hashlib.sha256(header.encode() + bytes(event.state)).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    """A stored event beside the hash recorded for it (either may be missing)."""

    position: int
    event: StoredEvent | None
    recorded_hash: str | None


@dataclass(frozen=True)
class ChainBreak:
    position: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    breaks: list[ChainBreak]


def verify(links: Iterator[ChainLink]) -> ChainReport:
    """Recompute the chain over links in position order; report where it breaks."""
    previous, events, breaks = GENESIS, 0, []
    for link in links:
        if link.event is None:
            breaks.append(ChainBreak(link.position, "the event recorded here is missing"))
            previous = link.recorded_hash or previous
            continue
        events += 1
        expected = chain_hash(previous, link.position, link.event)
        if link.recorded_hash is None:
            breaks.append(ChainBreak(link.position, "the event has no hash in the chain"))
        elif link.recorded_hash != expected:
            breaks.append(
                ChainBreak(
                    link.position,
                    "the event does not match its hash: it was altered, or an event before it was",
                )  # fmt: skip
            )
        previous = link.recorded_hash or expected
    return ChainReport(events, previous, breaks)


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, also writing each event's chained hash."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {HASHES_TABLE} "
            "(notification_id INTEGER PRIMARY KEY, hash TEXT NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        """Insert all the events with one executemany. The transaction holds SQLite's write
        lock from the first insert, and each new row takes the next rowid, so the events
        have the positions up to the highest rowid, in order."""
        if not stored_events:
            return []
        c.executemany(
            self.insert_events_statement,
            [
                (_hex(event.originator_id), event.originator_version, event.topic, event.state)
                for event in stored_events
            ],
        )
        c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
        last = int(c.fetchone()[0])
        positions = list(range(last - len(stored_events) + 1, last + 1))
        c.execute(f"SELECT hash FROM {HASHES_TABLE} ORDER BY notification_id DESC LIMIT 1")
        row = c.fetchone()
        previous = row[0] if row else GENESIS
        hashes = []
        for position, event in zip(positions, stored_events, strict=True):
            previous = chain_hash(previous, position, event)
            hashes.append((position, previous))
        c.executemany(f"INSERT INTO {HASHES_TABLE} VALUES (?, ?)", hashes)
        return positions

    @contextmanager
    def inserting(self) -> Iterator[Callable[[Sequence[StoredEvent]], Sequence[int]]]:
        """One write transaction in which events can be inserted a chunk at a time; all of
        them are kept only if the block ends without an exception."""
        with self.datastore.transaction(commit=True) as c:
            yield lambda stored_events: self._insert_events(c, stored_events) or []

    def select_first_events(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The first event of each of these aggregates that exists, a page of ids at a time."""
        found: list[StoredEvent] = []
        for start in range(0, len(originator_ids), 500):
            chunk = [originator_id.hex for originator_id in originator_ids[start : start + 500]]
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE originator_version = 1 "
                    f"AND originator_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                found += [
                    StoredEvent(row[0], int(row[1]), str(row[2]), bytes(row[3]))
                    for row in c.fetchall()
                ]
        return found

    def head(self) -> tuple[int, str]:
        """The last chained position and its hash (0 and the genesis hash when empty)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT notification_id, hash FROM {HASHES_TABLE} "
                "ORDER BY notification_id DESC LIMIT 1"
            )
            row = c.fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def chain_links(self) -> Iterator[ChainLink]:
        """Every position that has an event or a hash, in order, with both sides."""
        after = 0
        while True:
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT p.position, e.originator_id, e.originator_version, e.topic, "
                    f"e.state, h.hash FROM ("
                    f"  SELECT rowid AS position FROM {self.events_table_name} WHERE rowid > ?"
                    f"  UNION SELECT notification_id FROM {HASHES_TABLE} WHERE notification_id > ?"
                    f"  ORDER BY 1 LIMIT ?) AS p "
                    f"LEFT JOIN {self.events_table_name} AS e ON e.rowid = p.position "
                    f"LEFT JOIN {HASHES_TABLE} AS h ON h.notification_id = p.position "
                    f"ORDER BY p.position",
                    (after, after, PAGE_SIZE),
                )
                rows = c.fetchall()
            for row in rows:
                yield _link(row[0], row[1], row[2], row[3], row[4], row[5])
            if len(rows) < PAGE_SIZE:
                return
            after = rows[-1][0]


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def _link(
    position: int,
    originator_id: str | None,
    version: int | None,
    topic: str | None,
    state: bytes | None,
    recorded_hash: str | None,
) -> ChainLink:
    event = None
    if originator_id is not None:
        event = StoredEvent(originator_id, int(version or 0), str(topic), bytes(state or b""))
    return ChainLink(position, event, recorded_hash)
