"""What goes wrong with a store, as the ledger tells the user: every one is a StoreError."""

from __future__ import annotations


class StoreError(Exception):
    """A store that cannot be opened or written as asked."""


class NoStoreError(StoreError):
    """There is no ledger store where one must be."""


class ConcurrentWriteError(StoreError):
    """Another writer appended one of the same record ids first; retrying is safe."""


class StoreMadeMeanwhile(StoreError):
    """A new store's first import found that another process had made the store since it
    was found missing; nothing was recorded, and the import is made into that store."""


class StoreDamagedError(StoreError):
    """The store's own tables do not agree (an event, a hash or a table is gone):
    ``ledger check`` says where. Nothing is written to it."""

    def __init__(self, message: str, damage: str) -> None:
        super().__init__(message)
        self.damage = damage  # what is wrong, without the store's name or what to do
