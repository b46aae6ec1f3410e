"""The ledger application: the one place that appends to and reads from the event store.

It is an eventsourcing ``Application`` persisted to a SQLite file (or, by URL, to
PostgreSQL). Commands go through ``prepare`` (check a batch against the store) and
``append`` (save every new entry in one transaction); reads page through the store's
notification log in the order events were recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, OperationalError

from ledger.domain import Entry, entry_id
from ledger.hash_chain import ChainedSQLiteApplicationRecorder, ChainReport, verify

if TYPE_CHECKING:  # reading the store needs no record models; checking records does
    from ledger.batch import Batch, Located
    from ledger.records import AnyRecord

PAGE_SIZE = 1000


class StoreError(Exception):
    """A store that cannot be opened or written as asked."""


class ConcurrentWriteError(StoreError):
    """Another writer appended one of the same record ids first; retrying is safe."""


@dataclass(frozen=True)
class StoredRecord:
    """A record as the store holds it: its position in the log and when it was appended."""

    position: int
    recorded: datetime
    fields: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.fields["kind"])


def is_database_url(store: str) -> bool:
    return store.startswith(("postgresql://", "postgres://"))


def store_environment(store: str) -> dict[str, str]:
    """The eventsourcing settings for a store given as a SQLite path or a database URL."""
    if is_database_url(store):
        raise StoreError("PostgreSQL stores are not supported yet; give a SQLite file path")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "APPLICATION_RECORDER_TOPIC": "ledger.hash_chain:ChainedSQLiteApplicationRecorder",
        "TRANSCODER_TOPIC": "ledger.transcoder:OrjsonTranscoder",
        "SQLITE_DBNAME": store,
        "SQLITE_LOCK_TIMEOUT": "30",
    }


class Ledger(Application[Any]):
    """Appends records as events and reads them back."""

    name = "Ledger"

    def __init__(self, store: str, *, must_exist: bool = False) -> None:
        if must_exist and not is_database_url(store) and not Path(store).exists():
            raise StoreError(
                f"no ledger store at {store} "
                f"(create one with: ledger --store {store} import events/)"
            )
        self.store = store
        super().__init__(env=store_environment(store))

    def get_record(self, record_id: str) -> AnyRecord | None:
        """The stored record with this id, or None."""
        from ledger.records import parse_record

        try:
            entry: Entry = self.repository.get(entry_id(record_id))
        except AggregateNotFoundError:
            return None
        return parse_record(entry.record)

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        """The stored records among these ids, found with a few queries, not one each."""
        from ledger.records import parse_record

        by_entry = {entry_id(record_id): record_id for record_id in record_ids}
        found = {}
        for stored in self._chained_recorder().select_first_events(list(by_entry)):
            event = self.mapper.to_domain_event(stored)
            if isinstance(event, Entry.Recorded):
                found[str(event.record["id"])] = parse_record(event.record)
        return found

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
            raise StoreError(
                f"the store is busy with another writer ({error}); nothing was recorded, "
                "and running the command again is safe"
            ) from error

    def verify_chain(self) -> ChainReport:
        """Recompute the hash chain over the whole store."""
        return verify(self._chained_recorder().chain_links())

    def head(self) -> tuple[int, str]:
        """The last position and its chained hash (0 and the genesis hash when empty)."""
        return self._chained_recorder().head()

    def _chained_recorder(self) -> ChainedSQLiteApplicationRecorder:
        if not isinstance(self.recorder, ChainedSQLiteApplicationRecorder):
            raise StoreError(f"the store at {self.store} keeps no hash chain")
        return self.recorder

    def stored_records(self, after: int = 0) -> Iterator[StoredRecord]:
        """Every record in the order it was appended, after position ``after``."""
        position = after
        while True:
            page = self.recorder.select_notifications(
                start=position, limit=PAGE_SIZE, inclusive_of_start=False
            )
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                if isinstance(event, Entry.Recorded):
                    yield StoredRecord(notification.id, event.timestamp, event.record)
            if len(page) < PAGE_SIZE:
                return
            position = page[-1].id
