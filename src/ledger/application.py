"""The ledger application: the one place that appends to and reads from the event store.

It is an eventsourcing ``Application`` persisted to a SQLite file (or, by URL, to
PostgreSQL). Commands go through ``prepare`` (check a batch against the store) and
``append`` (save every new entry in one transaction); reads page through the store's
notification log in the order events were recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    ProgrammingError,
)

from ledger.domain import EVENT_FOR_KIND, RECORD_TOPICS, UNVERSIONED_TOPICS, Entry, entry_id
from ledger.hash_chain import ChainReport, verify
from ledger.recorders import ChainedRecorder, NotificationRow

if TYPE_CHECKING:  # reading the store needs no record models; checking records does
    from ledger.batch import Batch, Located
    from ledger.records import AnyRecord

PAGE_SIZE = 1000


class StoreError(Exception):
    """A store that cannot be opened or written as asked."""


class ConcurrentWriteError(StoreError):
    """Another writer appended one of the same record ids first; retrying is safe."""


class StoredRecord(NamedTuple):
    """A record as the store holds it: its position in the log and when it was appended."""

    position: int
    recorded: datetime
    fields: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.fields["kind"])


Unreadable = Callable[[int, str], None]  # told of an event that cannot be read: position, why


def is_database_url(store: str) -> bool:
    return store.startswith(("postgresql://", "postgres://"))


def store_environment(store: str) -> dict[str, str]:
    """The eventsourcing settings for a store: a SQLite file path, or a PostgreSQL URL
    postgresql://user[:password]@host[:port]/database[?schema=name]. A writer waits up to
    LEDGER_LOCK_TIMEOUT seconds (default 30) for another to finish."""
    lock_timeout = _lock_timeout()
    common = {"TRANSCODER_TOPIC": "ledger.transcoder:OrjsonTranscoder"}
    if not is_database_url(store):
        return common | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": "ledger.recorders:ChainedSQLiteApplicationRecorder",
            "SQLITE_DBNAME": store,
            "SQLITE_LOCK_TIMEOUT": lock_timeout,
        }
    url = urlsplit(store)
    query = parse_qs(url.query)
    if set(query) - {"schema"}:
        unknown = ", ".join(sorted(set(query) - {"schema"}))
        raise StoreError(f"the store URL {shown(store)} has {unknown}: only schema= is understood")
    return common | {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "ledger.postgres_recorder:ChainedPostgresApplicationRecorder",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "localhost",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": lock_timeout,
        # An import holds its transaction open while it checks the next chunk.
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "120",
    }


def _lock_timeout() -> str:
    value = os.environ.get("LEDGER_LOCK_TIMEOUT", "30")
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise StoreError(
            f"LEDGER_LOCK_TIMEOUT must be a whole number of seconds, at least 1, got {value!r}"
        )
    return value


def shown(store: str) -> str:
    """A store as it may be printed: a URL without its password."""
    if not is_database_url(store):
        return store
    url = urlsplit(store)
    if url.password is None:
        return store
    netloc = url.netloc.replace(f":{url.password}@", ":***@")
    return urlunsplit(url._replace(netloc=netloc))


def _waited_for_a_lock(error: Exception) -> bool:
    """Whether opening the store failed because another writer held it too long."""
    lock_not_available = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ran out
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate == lock_not_available or "database is locked" in str(error)


def _busy(error: Exception) -> StoreError:
    return StoreError(
        f"the store is busy with another writer ({error}); nothing was recorded, "
        "and running the command again is safe"
    )


class Ledger(Application[Any]):
    """Appends records as events and reads them back."""

    name = "Ledger"

    def __init__(self, store: str, *, must_exist: bool = False) -> None:
        missing = StoreError(
            f"no ledger store at {shown(store)} "
            f"(create one with: ledger --store {shown(store)} import events/)"
        )
        if must_exist and not is_database_url(store) and not Path(store).exists():
            raise missing
        self.store = store
        env = store_environment(store)
        if must_exist:
            env["CREATE_TABLE"] = "no"  # a server's store is looked for, not made
        try:
            super().__init__(env=env)
        except (InterfaceError, OperationalError) as error:
            if _waited_for_a_lock(error):
                raise _busy(error) from error
            raise StoreError(f"cannot open the store at {shown(store)}: {error}") from error
        if must_exist and is_database_url(store):
            try:
                self.recorder.max_notification_id()
            except ProgrammingError as error:  # the server has no such tables
                self.close()
                raise missing from error

    def get_record(self, record_id: str) -> AnyRecord | None:
        """The stored record with this id, or None."""
        return self.get_records([record_id]).get(record_id)

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        """The stored records among these ids, found with a few queries, not one each."""
        by_entry = {entry_id(record_id): record_id for record_id in record_ids}
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

    def prepare(self, items: Sequence[Located]) -> Batch:
        """Check records against each other and the store; nothing is written."""
        from ledger.batch import prepare_batch

        return prepare_batch(items, self)

    def append(self, batch: Batch) -> list[int]:
        """Append a checked batch's new records in one transaction; return their positions."""
        if batch.problems:
            raise StoreError("a batch with problems cannot be appended")
        if not batch.new:
            return []
        with self.appending() as append:
            return append(batch.new)

    @contextmanager
    def appending(self) -> Iterator[Callable[[Sequence[Located]], list[int]]]:
        """One transaction to append checked records in, a chunk at a time: each becomes
        the event that creates its entry, mapped and recorded by the library's mapper and
        recorder. Nothing is kept if the block raises (or another writer got there first)."""
        timestamp = Entry.Recorded.create_timestamp()

        def append(items: Sequence[Located]) -> list[int]:
            events = [Entry.event_for(item.fields, timestamp) for item in items]
            return list(insert([self.mapper.to_stored_event(event) for event in events]))

        try:
            with self._chained_recorder().inserting() as insert:
                yield append
        except IntegrityError as error:
            raise ConcurrentWriteError(
                "another writer recorded one of these ids while this import ran; "
                "nothing was recorded, and running the command again is safe"
            ) from error
        except OperationalError as error:
            raise _busy(error) from error

    def verify_chain(self) -> ChainReport:
        """Recompute the hash chain over the whole store."""
        return verify(self._chained_recorder().chain_links())

    def head(self) -> tuple[int, str]:
        """The last position and its chained hash (0 and the genesis hash when empty)."""
        return self._chained_recorder().head()

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

    from ledger.records import MODELS, RecordError, parse_record

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
