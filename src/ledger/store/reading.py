"""Reading the store back: the notification log a page at a time, in the order events were
recorded, and the records a batch names, found by id or by kind. A stored event that
cannot be read as a record is told apart, so that ``check`` can name it and the views
can leave it out."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from ledger.store.domain import EVENT_FOR_KIND, RECORD_TOPICS, UNVERSIONED_TOPICS, Entry, entry_key
from ledger.store.errors import StoreError
from ledger.store.recorders import ChainedRecorder, NotificationRow
from ledger.store.settings import shown

if TYPE_CHECKING:  # reading the store needs no record models; checking records does
    from ledger.records.models import AnyRecord

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
    records by id or by kind."""

    store: str  # as given: a file path or a server's URL

    def get_record(self, record_id: str) -> AnyRecord | None:
        """The stored record with this id, or None."""
        return self.get_records([record_id]).get(record_id)

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        """The stored records among these ids, found with a few queries, not one each."""
        by_entry = {entry_key(record_id): record_id for record_id in record_ids}
        found = {}
        for stored in self._chained_recorder().select_first_events(list(by_entry)):
            try:
                event = self.mapper.to_domain_event(stored)
                if not isinstance(event, Entry.Recorded):
                    raise _NotARecord
                fields = _a_record(StoredRecord(0, event.timestamp, event.record)).fields
            except _UNREADABLE as error:
                raise StoreError(
                    f"a stored record these records name cannot be read: "
                    f"{_why_unreadable(stored.state, error)}; run: ledger check"
                ) from None
            found[str(fields["id"])] = _read_back(fields)
        return found

    def last_position(self) -> int:
        """The position of the last event in the store (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]:
        """The stored records of these kinds up to position ``up_to``: the store finds
        them by topic, so reading a few closures does not read every allocation."""
        topics = [EVENT_FOR_KIND[kind].TOPIC for kind in kinds]
        found: list[dict[str, Any]] = []
        start = 1
        while start <= up_to:
            page = self.recorder.select_notifications(start, PAGE_SIZE, up_to, topics)
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                if isinstance(event, Entry.Recorded):
                    found.append(event.record)
            if len(page) < PAGE_SIZE:
                break
            start = page[-1].id + 1
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
        try:
            records = [self._stored_record(row) for row in rows if row[3] in RECORD_TOPICS]
        except _UNREADABLE:  # read the page again one event at a time, to say which
            records = self._readable(rows, unreadable or _refuse_unreadable)
        return (rows[-1][0] if rows else position), records

    def _readable(
        self, rows: Sequence[NotificationRow], unreadable: Unreadable
    ) -> list[StoredRecord]:
        """The records among these rows, telling ``unreadable`` of each that cannot be read."""
        records = []
        for row in rows:
            if row[3] not in RECORD_TOPICS:
                continue
            try:
                records.append(self._stored_record(row))
            except _UNREADABLE as error:
                unreadable(row[0], _why_unreadable(row[4], error))
        return records

    def _stored_record(self, row: NotificationRow) -> StoredRecord:
        """A stored record event, read as the library's mapper reads it. Where the mapper
        would only decode the state (no cipher, no compression, no upcasting) the state
        is decoded with its transcoder, without making the event object."""
        position, originator_id, version, topic, state = row
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
_UNREADABLE = (_NotARecord, ValueError, TypeError, KeyError, AttributeError)


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


def _read_back(fields: dict[str, Any]) -> AnyRecord:
    """A stored record as its model. One that no longer validates (stored under older
    rules, or by hand) is still the record with that id, so that a new record can name or
    correct it: it is made of the fields that still validate, without the rules between
    fields. One without even its known date is an error that names it."""
    from pydantic import TypeAdapter, ValidationError

    from ledger.records.models import MODELS, RecordError, parse_record

    try:
        return parse_record(fields)
    except RecordError as error:
        problems = str(error)
    unreadable = StoreError(
        f"the stored record {fields['id']!r} cannot be read back: {problems}; run: ledger check"
    )
    model = MODELS.get(str(fields["kind"]))
    if model is None:
        raise unreadable
    values = {}
    for name, info in model.model_fields.items():
        valued: Any = (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        with contextlib.suppress(ValidationError):
            values[name] = TypeAdapter(valued).validate_python(fields.get(info.alias or name))
    record = model.model_construct(**values)
    try:
        record.known_on()
    except AttributeError:
        raise unreadable from None
    return record  # type: ignore[return-value]  # a model of one of the kinds


def _why_unreadable(state: object, error: Exception) -> str:
    """What is wrong with a stored state that could not be read as a record."""
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
