"""The event store: the one place that appends to and reads from the store's events.

It is an eventsourcing ``Application`` persisted to a SQLite file (or, by URL, to
PostgreSQL). Records are appended in one transaction, a chunk at a time (``appending``:
the write path, ledger.writing, checks them first); reads page through the store's
notification log in the order events were recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    ProgrammingError,
)

from ledger.store.domain import EVENT_FOR_KIND, RECORD_TOPICS, UNVERSIONED_TOPICS, Entry, entry_id
from ledger.store.files import (
    TRACKING,
    disk_full,
    folder_problem,
    is_sqlite_file,
    read_only_uri,
    sqlite_tables,
    writable_uri,
)
from ledger.store.hash_chain import ChainReport, verify
from ledger.store.recorders import ChainedRecorder, NotificationRow

if TYPE_CHECKING:  # reading the store needs no record models; checking records does
    from ledger.records.located import Located
    from ledger.records.models import AnyRecord

PAGE_SIZE = 1000


class StoreError(Exception):
    """A store that cannot be opened or written as asked."""


class NoStoreError(StoreError):
    """There is no ledger store where one must be."""


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
# A store that looks like a URL: a scheme, then ``//`` or ``@`` somewhere after it.
_URL_LIKE = re.compile(r"\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?P<rest>.*)", re.DOTALL)
SERVER_SCHEMES = ("postgresql", "postgres")
URL_FORM = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]"
EVENTS_TABLE = "stored_events"  # the SQLite recorder's table of events


def _url_parts(store: str) -> tuple[str, str] | None:
    """The scheme (lower case) and the rest of a store that looks like a URL, or None."""
    found = _URL_LIKE.fullmatch(store)
    if found is None or ("//" not in found["rest"] and "@" not in found["rest"]):
        return None
    return found["scheme"].lower(), found["rest"]


def is_database_url(store: str) -> bool:
    """Whether the store is given as a URL, not a file (store_environment refuses a URL
    that is not a PostgreSQL server's)."""
    return _url_parts(store) is not None


def store_environment(store: str, *, reading: bool = False) -> dict[str, str]:
    """The eventsourcing settings for a store: a SQLite file path, or a PostgreSQL URL
    postgresql://user[:password]@host[:port]/database[?schema=name]. A writer waits up to
    LEDGER_LOCK_TIMEOUT seconds (default 30) for another to finish. A file is opened only
    to read when ``reading``."""
    _refuse_empty(store)
    lock_timeout = _lock_timeout()
    common = {"TRANSCODER_TOPIC": "ledger.store.transcoder:OrjsonTranscoder"}
    if not is_database_url(store):
        return common | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": "ledger.store.recorders:ChainedSQLiteApplicationRecorder",
            # Always a URI of the path, so that no file name is read as SQLite options.
            "SQLITE_DBNAME": read_only_uri(store) if reading else writable_uri(store),
            "SQLITE_LOCK_TIMEOUT": lock_timeout,
        }
    url = _server_url(store)
    query = parse_qs(url.query)
    if set(query) - {"schema"}:
        unknown = ", ".join(sorted(set(query) - {"schema"}))
        raise StoreError(f"the store URL {shown(store)} has {unknown}: only schema= is understood")
    return common | {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": (
            "ledger.store.postgres_recorder:ChainedPostgresApplicationRecorder"
        ),
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


def _refuse_empty(store: str) -> None:
    if not store.strip():
        raise StoreError(
            "the store given (--store or LEDGER_STORE) is empty: give a file path, "
            f"or a PostgreSQL server's URL, {URL_FORM}"
        )


def _server_url(store: str) -> SplitResult:
    """A PostgreSQL URL taken apart; any other URL, or one whose host or port cannot be
    read, is refused (saying why, never with its password)."""
    scheme, rest = _url_parts(store) or ("", "")
    if scheme not in SERVER_SCHEMES or not rest.startswith("//"):
        raise StoreError(
            f"the store {shown(store)} is not a URL the ledger can use: give a file path, "
            f"or a PostgreSQL server's URL, {URL_FORM}"
        )
    try:
        url = urlsplit(store.strip())
        port = url.port
    except ValueError as error:
        bracket = "IPv6" in str(error)
        why = "an IPv6 host is written in brackets, [::1]" if bracket else _BAD_PORT
        raise StoreError(f"the store URL {shown(store)} cannot be read: {why}") from None
    if port is not None and not 1 <= port <= 65535:
        raise StoreError(f"the store URL {shown(store)} cannot be read: {_BAD_PORT}")
    return url


_BAD_PORT = (
    "its port is not a number from 1 to 65535 (a / or @ in a password is written %2F or %40)"
)


def _lock_timeout() -> str:
    value = os.environ.get("LEDGER_LOCK_TIMEOUT", "30")
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise StoreError(
            f"LEDGER_LOCK_TIMEOUT must be a whole number of seconds, at least 1, got {value!r}"
        )
    return value


def shown(store: str) -> str:
    """A store as it may be printed: a server's URL without its password or options, and
    of any other URL only its scheme (what it holds cannot be told from a password)."""
    parts = _url_parts(store)
    if parts is None:
        return store
    scheme, rest = parts
    if scheme not in SERVER_SCHEMES or not rest.startswith("//"):
        return f"{scheme}:..."
    prefix = store[: len(store) - len(rest)] + "//"
    userinfo, at, place = rest[2:].rpartition("@")  # a password may hold an @
    if at:
        user, colon, _ = userinfo.partition(":")
        userinfo = f"{user}{':***' if colon else ''}@"
    place, mark, options = place.partition("?")
    if mark and not re.fullmatch(r"schema=[^&#]*", options):
        options = "..."  # options other than the schema are named, never shown
    return f"{prefix}{userinfo}{place}{mark}{options}"


def store_exists(store: str) -> bool:
    """Whether there is a ledger store already: the file, or the server's tables. Anything
    else at a file's path is refused; nothing is made."""
    if not is_database_url(store):
        return _sqlite_store_exists(store)
    try:
        EventStore(store, must_exist=True).close()
    except NoStoreError:
        return False
    return True


def _sqlite_store_exists(store: str) -> bool:
    """Whether the file holds a ledger store (False when there is nothing there yet); a
    folder, or a file that is something else, is refused."""
    _refuse_empty(store)
    path = Path(store)
    problem = folder_problem(path)
    if problem:
        raise StoreError(f"cannot use {store} as the store: {problem}; give the store's file")
    if not path.exists() or path.stat().st_size == 0:
        return False
    if not is_sqlite_file(path):
        raise StoreError(
            f"{store} is not a ledger store (it is not a SQLite database); "
            "give the store's file with --store"
        )
    try:
        tables = sqlite_tables(path)
    except sqlite3.DatabaseError as error:
        raise StoreError(
            f"the store {store} cannot be read ({error}): it is damaged; restore it from a "
            "copy, or import an earlier export into a new store"
        ) from None
    if EVENTS_TABLE in tables or not tables:
        return bool(tables)
    what = "a views database" if TRACKING in tables else "a SQLite database of other tables"
    raise StoreError(f"{store} is {what}, not a ledger store; give the store's file with --store")


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


def _cannot_open(store: str, error: Exception, *, reading: bool) -> StoreError:
    if _waited_for_a_lock(error):
        return _busy(error)
    if not reading and not is_database_url(store) and Path(store).exists():
        return _not_written(store, error)  # a file that cannot be opened to write
    return StoreError(f"cannot open the store at {shown(store)}: {error}")


def _not_written(store: str, error: Exception) -> StoreError:
    """Why the store could not be written, as it happened: a full disk, a read-only
    store, another writer holding it too long, or what the database said."""
    cause = error.__cause__ or error
    code = int(getattr(cause, "sqlite_errorcode", 0)) & 0xFF
    sqlstate = getattr(cause, "sqlstate", None)
    full = code == sqlite3.SQLITE_IOERR and not is_database_url(store) and disk_full(store)
    if code == sqlite3.SQLITE_FULL or full or sqlstate == "53100":
        return StoreError(
            "the disk holding the store is full; nothing was recorded: "
            "free some space and run the command again"
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM) or (
        sqlstate == "25006"
    ):
        return StoreError(
            f"the store at {shown(store)} is read-only ({error}); nothing was recorded "
            "(commands that only read it still work)"
        )
    if _waited_for_a_lock(error):
        return _busy(error)
    return StoreError(
        f"the store at {shown(store)} could not be written ({error}); nothing was recorded"
    )


class EventStore(Application[Any]):
    """Appends records as events and reads them back."""

    # The application's name is part of what it stores: a PostgreSQL store's tables are
    # named after it (ledger_events), so it stays "Ledger" whatever the class is called.
    name = "Ledger"

    def __init__(self, store: str, *, must_exist: bool = False) -> None:
        """Open the store, or make it; ``must_exist``: open an existing store only to read."""
        missing = NoStoreError(
            f"no ledger store at {shown(store)} "
            f"(create one with: ledger --store {shown(store)} import events/)"
        )
        if not is_database_url(store) and not _sqlite_store_exists(store) and must_exist:
            raise missing
        env = store_environment(store, reading=must_exist)
        self.store = store
        if must_exist:
            env["CREATE_TABLE"] = "no"  # a server's store is looked for, not made
        try:
            super().__init__(env=env)
        except (InterfaceError, OperationalError, sqlite3.OperationalError) as error:
            raise _cannot_open(store, error, reading=must_exist) from error
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
            raise _not_written(self.store, error) from error

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
