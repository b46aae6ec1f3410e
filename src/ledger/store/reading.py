"""Reading the store back: the notification log a page at a time, in the order events were
recorded, and the records of a few kinds, found by topic. A stored event that cannot be
read as a record is told apart, so that ``check`` can name it and the views can leave it
out."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from ledger.store.domain import EVENT_FOR_KIND, RECORD_TOPICS, UNVERSIONED_TOPICS, Entry
from ledger.store.errors import StoreError
from ledger.store.recorders import ChainedRecorder, NotificationRow
from ledger.store.settings import shown
from ledger.store.sqlite_rows import IS_DAMAGED, DamagedText

PAGE_SIZE = 1000


class StoredRecord(NamedTuple):
    """A record as the store holds it: its position in the log and when it was appended."""

    position: int
    recorded: datetime
    fields: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.fields["kind"])


Unreadable = Callable[[int, str], None]  # told of an event that cannot be read: position, why


class LogReader(Application[Any]):
    """The reading side of the event store (application.EventStore): the log in order, and
    records by kind."""

    store: str  # as given: a file path or a server's URL

    def last_position(self) -> int:
        """The position of the last event in the store (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def records_of_kinds(
        self, kinds: Sequence[str], up_to: int, unreadable: Unreadable | None = None
    ) -> list[dict[str, Any]]:
        """The stored records of these kinds up to position ``up_to``: the store finds
        them by topic, so reading a few closures does not read every allocation. An event
        of these kinds that cannot be read is passed to ``unreadable``, as in
        ``records_after``."""
        topics = [EVENT_FOR_KIND[kind].TOPIC for kind in kinds]
        recorder = self._chained_recorder()
        found: list[dict[str, Any]] = []
        position = 0
        while position < up_to:
            rows = recorder.notification_rows_of_topics(position, PAGE_SIZE, up_to, topics)
            found += [stored.fields for stored in self._records_of(rows, unreadable)]
            if len(rows) < PAGE_SIZE:
                break
            position = rows[-1][0]
        return found

    def record_fields(self, up_to: int) -> Iterator[dict[str, Any]]:
        """Every stored record's fields, in order, up to position ``up_to``."""
        for stored in self.stored_records():
            if stored.position > up_to:
                return
            yield stored.fields

    def _chained_recorder(self) -> ChainedRecorder:
        if not isinstance(self.recorder, ChainedRecorder):
            raise StoreError(f"the store at {shown(self.store)} keeps no hash chain")
        return self.recorder

    def stored_records(
        self, after: int = 0, unreadable: Unreadable | None = None
    ) -> Iterator[StoredRecord]:
        """Every record in the order it was appended, after position ``after``."""
        position = after
        while True:
            last, records = self.records_after(position, PAGE_SIZE, unreadable)
            yield from records
            if last == position:
                return
            position = last

    def records_after(
        self, position: int, limit: int, unreadable: Unreadable | None = None
    ) -> tuple[int, list[StoredRecord]]:
        """The records among the next ``limit`` events of the notification log after
        ``position``, and the position of the last event read (``position`` if none). An
        event whose stored state cannot be read is passed to ``unreadable`` (position,
        reason) and left out; without it, it stops the reading with a StoreError."""
        rows = self._chained_recorder().notification_rows(position, limit)
        return (rows[-1][0] if rows else position), self._records_of(rows, unreadable)

    def _records_of(
        self, rows: Sequence[NotificationRow], unreadable: Unreadable | None
    ) -> list[StoredRecord]:
        """The records of these rows; one that cannot be read is passed to ``unreadable``
        (or stops the reading with a StoreError)."""
        try:
            return [self._stored_record(row) for row in rows]
        except UNREADABLE:  # read the page again one event at a time, to say which
            records = []
        for row in rows:
            try:
                records.append(self._stored_record(row))
            except UNREADABLE as error:
                (unreadable or _refuse_unreadable)(row[0], why_unreadable(row, error))
        return records

    def _stored_record(self, row: NotificationRow) -> StoredRecord:
        """A stored record event, read as the library's mapper reads it. Where the mapper
        would only decode the state (no cipher, no compression, no upcasting) the state
        is decoded with its transcoder, without making the event object."""
        position, originator_id, version, topic, state = row
        if topic not in RECORD_TOPICS or isinstance(originator_id, DamagedText):
            raise _NotARecord  # every event the ledger stores is a record's
        mapper = self.mapper
        if not (mapper.cipher or mapper.compressor) and topic in UNVERSIONED_TOPICS:
            decoded = mapper.transcoder.decode(state)
            if "class_version" not in decoded:
                return _a_record(StoredRecord(position, decoded["timestamp"], decoded["record"]))
        notification = Notification(
            id=position, originator_id=originator_id, originator_version=version,
            topic=topic, state=state,
        )  # fmt: skip
        event = mapper.to_domain_event(notification)
        if not isinstance(event, Entry.Recorded):  # the topic said it was
            raise _NotARecord
        return _a_record(StoredRecord(position, event.timestamp, event.record))


class _NotARecord(Exception):
    """A stored state that decodes, but not to a record event."""


# What decoding a stored state raises when the state is not what the ledger stored.
UNREADABLE = (_NotARecord, ValueError, TypeError, KeyError, AttributeError)


def _a_record(stored: StoredRecord) -> StoredRecord:
    """The record read back, if it has what every reader relies on: a known time, and
    fields with an id and a kind."""
    fields = stored.fields
    if not (
        isinstance(fields, dict)
        and "id" in fields
        and "kind" in fields
        and isinstance(stored.recorded, datetime)
    ):
        raise _NotARecord
    return stored


def why_unreadable(row: NotificationRow, error: Exception) -> str:
    """What is wrong with a stored event that could not be read as a record: its id, its
    topic, or its state."""
    _, originator_id, _, topic, state = row
    if isinstance(originator_id, DamagedText):
        return f"its stored id {IS_DAMAGED}"
    if isinstance(topic, DamagedText):
        return f"its stored topic {IS_DAMAGED}"
    if topic not in RECORD_TOPICS:
        return f"its stored topic {str(topic)[:100]!r} is not a record's"
    if state is None:
        return "its stored state is NULL"
    if not isinstance(state, bytes | str):
        return f"its stored state is a {type(state).__name__}, not bytes"
    cause = error.__cause__ or error  # the library's mapper wraps what its transcoder raised
    if isinstance(cause, json.JSONDecodeError):  # orjson's error is one too
        return f"its stored state is not JSON ({cause})"
    return "its stored state holds no record"


def _refuse_unreadable(position: int, reason: str) -> None:
    raise StoreError(
        f"the event at position {position} cannot be read: {reason}; run: ledger check"
    )
