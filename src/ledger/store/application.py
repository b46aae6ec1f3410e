"""The event store: the one place that appends to and reads from the store's events.

It is an eventsourcing ``Application`` persisted to a SQLite file (or, by URL, to
PostgreSQL). Records are appended in one transaction, a chunk at a time (``appending``:
the write path, ledger.writing, checks them first); reads page through the store's
notification log in the order events were recorded.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)

from ledger.store.damage import NOT_RECORDED, RESTORE, damaged, damaged_file
from ledger.store.domain import EVENT_FOR_KIND, Entry
from ledger.store.errors import (
    ConcurrentWriteError,
    NoStoreError,
    StoreError,
)
from ledger.store.files import (
    EVENTS_TABLE,
    TRACKING,
    disk_full,
    folder_problem,
    is_sqlite_file,
    sqlite_tables,
    start_sqlite_file,
)
from ledger.store.hash_chain import HASHES_TABLE, ChainDamage, lost_table
from ledger.store.lookup import RecordLookup
from ledger.store.settings import (
    is_database_url,
    lock_timeout,
    refuse_empty,
    shown,
    store_environment,
)
from ledger.store.soundness import SoundnessReader
from ledger.store.totals import StoredTotals
from ledger.store.transcoder import OrjsonTranscoder

if TYPE_CHECKING:
    from ledger.records.located import Located


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
    refuse_empty(store)
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
    if HASHES_TABLE in tables:
        raise damaged(store, f"its table of events ({EVENTS_TABLE}) is missing", RESTORE)
    what = "a views database" if TRACKING in tables else "a SQLite database of other tables"
    raise StoreError(f"{store} is {what}, not a ledger store; give the store's file with --store")


def _waited_for_a_lock(error: Exception) -> bool:
    """Whether opening the store failed because another writer held it too long."""
    lock_not_available = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ran out
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return sqlstate == lock_not_available or "database is locked" in str(error)


def _busy(error: Exception) -> StoreError:
    """Another writer held the store longer than the wait; said in the same words on
    either store (SQLite's and PostgreSQL's own are not)."""
    seconds = int(lock_timeout())
    waited = f"{seconds:,} second{'' if seconds == 1 else 's'}"
    return StoreError(
        f"the store is busy with another writer (this one waited {waited}, "
        "LEDGER_LOCK_TIMEOUT); nothing was recorded, and running the command again is safe"
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


# A new SQLite store's pages: 16 KB, not SQLite's 4 KB. A bulk import writes a quarter as
# many pages, and the random keys of the library's table split fewer: a million records
# took 6% less time and 8% less of the main process's CPU (bench/RESULTS.md, 2026-12-01).
# A store made before keeps its pages.
STORE_PAGE_SIZE = 16384


def _state_head(timestamp: datetime) -> bytes:
    """The stored state of a record's event up to the record: orjson writes the state dict
    (timestamp, originator topic, record) in order with no spaces, so the state is these
    bytes, the record's own JSON (Located.content, made where its line was read) and "}"."""
    state = OrjsonTranscoder().encode(
        {"timestamp": timestamp, "originator_topic": Entry.TOPIC, "record": None}
    )
    return state.removesuffix(b"null}")


def _plain_stored_events(timestamp: datetime) -> Callable[[Located], StoredEvent]:
    """How a record's stored event is made as the library's mapper makes it when it writes
    orjson alone, without the event object in between (a bulk import makes a million),
    with what every event of the transaction shares (the state's head, the topics, the
    version) worked out once. A mapper that compresses or encrypts, or another
    transcoder, is left to do its own work (EventStore._stored_event_maker)."""
    head, version = _state_head(timestamp), Entry.INITIAL_VERSION
    topics = {kind: event_class.TOPIC for kind, event_class in EVENT_FOR_KIND.items()}

    def stored_event(item: Located) -> StoredEvent:
        # (by position: a frozen dataclass takes a third longer to make by name)
        topic = topics[item.record.kind]
        return StoredEvent(item.key, version, topic, head + item.content + b"}")

    return stored_event


class EventStore(SoundnessReader, RecordLookup):
    """Opens the store (or makes it), appends records as events and keeps the hash chain;
    reads them back (LogReader, RecordLookup) and tells whether it is sound."""

    # The application's name is part of what it stores: a PostgreSQL store's tables are
    # named after it (ledger_events), so it stays "Ledger" whatever the class is called.
    name = "Ledger"

    def __init__(
        self,
        store: str,
        *,
        must_exist: bool = False,
        named: str | None = None,
        tables_with_first_append: bool = False,
    ) -> None:
        """Open the store, or make it; ``must_exist``: open an existing store only to read;
        ``named``: the name its messages give it (a store being made beside its place);
        ``tables_with_first_append``: a server's new store has its tables made in the
        transaction of its first append, so that a failed append makes nothing."""
        missing = NoStoreError(
            f"no ledger store at {shown(store)} "
            f"(create one with: ledger --store {shown(store)} import events/)"
        )
        if not is_database_url(store) and not _sqlite_store_exists(store) and must_exist:
            raise missing
        env = store_environment(store, reading=must_exist)
        self.store = named or store
        if not must_exist and not is_database_url(store):
            start_sqlite_file(store, STORE_PAGE_SIZE)
        self._tables_with_first_append = tables_with_first_append and is_database_url(store)
        if must_exist or self._tables_with_first_append:
            env["CREATE_TABLE"] = "no"  # a server's store is looked for, or made later
        if is_database_url(store):
            from ledger.store.postgres_reach import reach_server

            reach_server(store, env)  # why the server cannot be reached, said at once
        try:
            super().__init__(env=env)
        except (InterfaceError, OperationalError, sqlite3.OperationalError) as error:
            raise _cannot_open(self.store, error, reading=must_exist) from error
        except ChainDamage as damage:  # found before any table was made
            raise damaged(self.store, damage, NOT_RECORDED) from None
        if must_exist and is_database_url(store):
            try:
                self.recorder.max_notification_id()
            except ProgrammingError as error:  # the server has no such tables
                recorder = self._chained_recorder()
                lost = lost_table(recorder.events_table_name, recorder.holds_rows)
                self.close()
                raise (damaged(store, lost, RESTORE) if lost else missing) from error

    @contextmanager
    def appending(self) -> Iterator[Callable[[Sequence[Located]], list[int]]]:
        """One transaction to append checked records in, a chunk at a time: each becomes
        the event that creates its entry, mapped and recorded by the library's mapper and
        recorder. Nothing is kept if the block raises (or another writer got there first)."""
        stored_event = self._stored_event_maker(Entry.Recorded.create_timestamp())

        def append(items: Sequence[Located]) -> list[int]:
            return list(insert([stored_event(item) for item in items]))

        recorder = self._chained_recorder()
        try:
            with recorder.inserting(new_store=self._tables_with_first_append) as insert:
                yield append
            self._tables_with_first_append = False  # an import appends once
        except IntegrityError as error:
            raise ConcurrentWriteError(
                "another writer recorded one of these ids while this import ran; "
                "nothing was recorded, and running the command again is safe"
            ) from error
        except ChainDamage as damage:
            raise damaged(self.store, damage, NOT_RECORDED) from None
        except OperationalError as error:
            raise _not_written(self.store, error) from error
        except PersistenceError as error:
            file_damage = damaged_file(self.store, error, NOT_RECORDED)
            if file_damage is None:
                raise
            raise file_damage from error

    def _stored_event_maker(self, timestamp: datetime) -> Callable[[Located], StoredEvent]:
        """How the stored event that creates a record's entry is made: by the library's
        mapper, of Entry.event_for(item.fields, timestamp); or, when the mapper writes a
        state as orjson alone, as it would, without the event in between."""
        if self._maps_plainly:
            return _plain_stored_events(timestamp)
        return lambda item: self.mapper.to_stored_event(Entry.event_for(item.fields, timestamp))

    @functools.cached_property
    def _maps_plainly(self) -> bool:
        """Whether the mapper writes a state as orjson alone (no compression, no cipher),
        so that a stored event can be made without it: decided once, not per record."""
        mapper = self.mapper
        plain = not (mapper.compressor or mapper.cipher)
        return plain and isinstance(mapper.transcoder, OrjsonTranscoder)

    def stored_totals(self, up_to: int) -> StoredTotals | None:
        """The sums of the store's values kept beside it, if they count every event up to
        position ``up_to`` and no further (see store.totals)."""
        return self._chained_recorder().read_totals(up_to)

    def keep_totals(self, totals: StoredTotals) -> None:
        """Keep the sums of the store's values beside it (see store.totals). They only
        save a later check reading every record, so a store that cannot take them now
        (a full disk, another writer holding it) is left as it is."""
        if not totals.fits:
            return
        try:
            self._chained_recorder().write_totals(totals)
        except PersistenceError:
            return
