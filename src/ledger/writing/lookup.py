"""Finding a record that a record of the batch names: an earlier record of the batch (the
few facts the checker keeps of it) or a stored one, each as the errata known so far fix
it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ledger.records.errata import ErratumRecord
from ledger.records.models import AnyRecord
from ledger.records.seen import Seen
from ledger.writing.errata import Errata, StoredErrata


class StoredRecords(StoredErrata, Protocol):
    def get_record(self, record_id: str) -> AnyRecord | None: ...

    def record_fields(self, up_to: int) -> Iterator[dict[str, Any]]: ...


class Lookup:
    """Records by id, the batch's first, then the store's (each read once)."""

    def __init__(self, store: StoredRecords, seen: dict[str, Seen], store_end: Callable[[], int]):
        self.store = store
        self.seen = seen
        self._store_end = store_end
        self.stored: dict[str, AnyRecord | None] = {}  # as their errata fixed them
        self.errata = Errata()

    def find(self, record_id: str) -> Seen | AnyRecord | None:
        """An earlier record of the batch, or a stored one as its errata fixed it."""
        if record_id in self.seen:
            return self.seen[record_id]
        if record_id not in self.stored:
            stored = self.store.get_record(record_id)
            self.stored[record_id] = self.errata.fixed(stored, self.store, self._store_end())
        return self.stored[record_id]

    def as_recorded(self, record_id: str) -> Seen | AnyRecord | None:
        """A record as found before the batch's errata of it (as ``find`` if it has none)."""
        if record_id in self.errata.unfixed:
            return self.errata.unfixed[record_id]
        return self.find(record_id)

    def stored_fields(self) -> Iterator[dict[str, Any]]:
        """Every stored record's fields, as the store's errata leave them."""
        end = self._store_end()
        return self.errata.stored_fixed(self.store.record_fields(end), self.store, end)

    def same_day_problem(self, record: AnyRecord) -> str | None:
        """For an erratum, another of its record recorded the same day changing a field
        it changes (see Errata.same_day_problem)."""
        if not isinstance(record, ErratumRecord):
            return None
        return self.errata.same_day_problem(record, self.store, self._store_end())

    def note(self, record: AnyRecord) -> None:
        """A record of the batch has passed: an erratum fixes what is found of its record."""
        self.errata.note(record, self.seen, self.stored)
