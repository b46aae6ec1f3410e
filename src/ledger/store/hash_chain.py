"""Tamper evidence: every stored event carries a hash that chains it to the one before.

The hash of event N is sha256 of the hash of event N-1 and event N's position, aggregate
id, version, topic and stored bytes. The recorder writes it in the same transaction as
the event, so a committed event always has its hash. Altering, removing or reordering a
stored event breaks the chain from that event on; rewriting the whole history
consistently changes the head hash, which ``ledger check --expected-head`` compares.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.store.sqlite_rows import IS_DAMAGED

GENESIS = "0" * 64
HASHES_TABLE = "stored_event_hashes"
LOST_HASHES = f"its table of hashes ({HASHES_TABLE}) is missing, so no event has its hash"


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
    position: int = 0  # of the head


def verify(links: Iterator[ChainLink]) -> ChainReport:
    """Recompute the chain over links in position order; report where it breaks."""
    previous, events, breaks, position = GENESIS, 0, [], 0
    for link in links:
        position = link.position
        recorded = link.recorded_hash
        if recorded is not None and not isinstance(recorded, str):  # damaged bytes
            breaks.append(ChainBreak(position, f"the hash recorded for the event {IS_DAMAGED}"))
            recorded = None
        if link.event is None:
            breaks.append(ChainBreak(link.position, "the event recorded here is missing"))
            previous = recorded or previous
            continue
        events += 1
        expected = chain_hash(previous, link.position, link.event)
        if link.recorded_hash is None:
            breaks.append(ChainBreak(link.position, "the event has no hash in the chain"))
        elif recorded is not None and recorded != expected:
            breaks.append(
                ChainBreak(
                    link.position,
                    "the event does not match its hash: it was altered, or an event before it was",
                )  # fmt: skip
            )
        previous = recorded or expected
    return ChainReport(events, previous, breaks, position)


class ChainDamage(Exception):
    """The store's events and its hash chain do not agree where they are written or read
    (said without the store's name, which the event store adds)."""


def chained_on(head: int, last_event: int) -> None:
    """New events are chained on to the hash at ``head``: it must be the hash of the last
    event before them (``last_event``), or the chain would go on over damage (an event
    or a hash removed) and hide it."""
    if head != last_event:
        raise ChainDamage(
            f"its hash chain ends at position {head:,} but its last event is at position "
            f"{last_event:,}"
        )


def lost_table(events_table: str, holds_rows: Callable[[str], bool | None]) -> ChainDamage | None:
    """Damage that making the store's tables again would hide: its events without the
    table of their hashes (a new chain would begin from the next event), or its hashes
    without the table of events. ``holds_rows(table)`` is None for a missing table, else
    whether the table holds a row."""
    events, hashes = holds_rows(events_table), holds_rows(HASHES_TABLE)
    if events and hashes is None:
        return ChainDamage(f"it holds events but its table of hashes ({HASHES_TABLE}) is missing")
    if hashes and events is None:
        return ChainDamage(f"its table of events ({events_table}) is missing")
    return None


def extend(
    previous: str, positions: Sequence[int], events: Sequence[StoredEvent]
) -> list[tuple[int, str]]:
    """(position, hash) for newly stored events, chained on from ``previous``."""
    links = []
    for position, event in sorted(zip(positions, events, strict=True), key=lambda pair: pair[0]):
        previous = chain_hash(previous, position, event)
        links.append((position, previous))
    return links


def link(
    position: int,
    originator_id: UUID | str | None,
    version: int | None,
    topic: str | None,
    state: object,
    recorded_hash: str | None,
) -> ChainLink:
    """A chain link from a row that may lack the event (deleted) or the hash."""
    event = None
    if originator_id is not None:
        event = StoredEvent(originator_id, int(version or 0), str(topic), _stored_bytes(state))
    return ChainLink(position, event, recorded_hash)


def _stored_bytes(state: object) -> bytes:
    """The bytes an event was stored as. A state that is not bytes (NULL, or TEXT with
    the same characters) was altered, so it hashes as no bytes, which no event was."""
    return bytes(state) if isinstance(state, bytes | bytearray | memoryview) else b""


def links_of(rows: Iterable[Sequence[Any]]) -> Iterator[ChainLink]:
    """Chain links from rows of (position, originator id, version, topic, state, hash)."""
    for position, originator_id, version, topic, state, recorded_hash in rows:
        yield link(int(position), originator_id, version, topic, state, recorded_hash)
