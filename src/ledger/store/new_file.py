"""A new SQLite store made beside where it belongs, then put in its place.

An import into a store that does not exist yet must make nothing if its records fail.
It used to check every record first and read them all again to record them, so a first
import read its files twice. Recording them into a file of its own beside the store, and
giving that file the store's name only once it holds them, reads them once: the store
appears whole or not at all, and a store another process made meanwhile is never
replaced (a hard link refuses a name that is taken): the import is then made into it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.store.files import close_wal, has_wal_side_files, new_file_beside
from ledger.store.killed_builds import building_in, remove_files, remove_killed
from ledger.store.settings import is_database_url

BUILDING_SUFFIX = ".importing"


def can_build_beside(store: str) -> bool:
    """Whether a new store can be made beside ``store`` and put in its place: a file's
    path at which nothing is yet, not even an empty file or a link (those are made the
    store in place, as before), nor a server's URL."""
    return not is_database_url(store) and not os.path.lexists(store)


@contextmanager
def building_beside(store: str) -> Iterator[Path | None]:
    """A new empty file in the store's folder to make the store in, locked as a build's
    while the block lasts and removed with its side files when it ends (by then it is the
    store, or nothing is kept); None when the folder cannot hold one, for the store to be
    made in place as before. The files of first imports killed part-way are removed first
    (store.killed_builds)."""
    remove_killed(Path(store), BUILDING_SUFFIX)
    try:
        building = new_file_beside(Path(store), BUILDING_SUFFIX)
    except OSError:
        yield None
        return
    try:
        with building_in(building):
            yield building
    finally:
        remove_files(building, with_file=True)


def put_in_place(building: Path, store: str) -> bool:
    """Give the closed store made at ``building`` the name ``store``. False, with nothing
    changed, where another process has made a store there first, or where it cannot be
    done here (its write-ahead log is still open, or the file system has no hard links)."""
    close_wal(building)
    if has_wal_side_files(building):
        return False
    try:
        os.link(building, store)
    except OSError:  # a name taken (FileExistsError), or no hard links here
        return False
    _sync_folder(Path(store).parent)
    return True


def _sync_folder(folder: Path) -> None:
    """Make the store's new name last through a power cut (where the system allows it)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
