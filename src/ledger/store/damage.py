"""A damaged store, as the ledger tells of it: its own tables found not to agree, or its
file found damaged by SQLite, said with the store's name and what to do."""

from __future__ import annotations

from ledger.store.errors import StoreDamagedError
from ledger.store.hash_chain import ChainDamage
from ledger.store.settings import is_database_url, shown
from ledger.store.sqlite_rows import is_damaged_file


def damaged(store: str, damage: ChainDamage | str, outcome: str) -> StoreDamagedError:
    """The store's own tables found not to agree, said with the store's name."""
    return StoreDamagedError(
        f"the store at {shown(store)} is damaged: {damage}; {outcome}", str(damage)
    )


def damaged_file(
    store: str, error: BaseException, outcome: str = "run: ledger check"
) -> StoreDamagedError | None:
    """The store's file, if SQLite found it damaged ("database disk image is malformed")
    where this error was raised, said with its name; None for any other error."""
    if is_database_url(store) or not is_damaged_file(error):
        return None
    return StoreDamagedError(
        f"the store file {store} is damaged ({error.__cause__}); {outcome}",
        f"the store file is damaged ({error.__cause__})",
    )


NOT_RECORDED = "nothing was recorded; run: ledger check"
RESTORE = "restore it from a copy, or import an earlier export into a new store"
