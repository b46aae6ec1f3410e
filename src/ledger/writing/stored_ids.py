"""Which of a batch's ids the store holds already. Each id is looked up in the store's
index until the batch has checked as many records as the store held; then the store's
keys are read once (no more of them than records checked so far) and only the ids among
them are looked up, which costs less than a lookup each (issue 21)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ledger.records.located import Located
from ledger.records.models import AnyRecord


class StoredRecords(Protocol):
    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]: ...

    def stored_keys(self, up_to: int) -> set[str]: ...

    def held_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]: ...


class StoredIds:
    """Finds the stored records among a batch's ids, a chunk at a time."""

    def __init__(self, store: StoredRecords) -> None:
        self.store = store
        self._keys: set[str] | None = None  # read once the batch outgrows the store

    def records(
        self, items: Sequence[Located], checked: int, store_end: int
    ) -> dict[str, AnyRecord]:
        """The stored records among those of ``items`` (by id), once ``checked`` records of
        the batch were checked against a store that ended at position ``store_end``."""
        if self._keys is None and checked >= store_end:
            self._keys = self.store.stored_keys(store_end)
        if self._keys is None:
            return self.store.get_records([item.record.id for item in items])
        keys = self._keys
        held = [item.record.id for item in items if item.key in keys]
        return self.store.held_records(held) if held else {}
