"""Builds of a new views database: one at a time in a folder, each in a file of its own
beside the views database, moved into place when it is done; the files of builds killed
part-way, which at ten million events are some 4 GB, are removed by the next
(store.killed_builds).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ledger.store.killed_builds import remove_killed

SUFFIX = ".building"


@contextlib.contextmanager
def one_new_build(views: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """While one command builds a new views database, another that would build it too
    waits (and then finds it built) rather than build its own: the folder is locked
    (flock) for the block, as a file that does not exist yet cannot be. Builds of other
    views in the same folder wait too; ``waiting`` is called first, if one must wait, so
    that the command can say why it seems to do nothing. A folder that cannot be locked
    is not waited on. Views named by a symbolic link are built beside the file it names
    (refresh.replay), so that file's folder is the one locked."""
    folder = None
    with contextlib.suppress(OSError):
        folder = os.open(Path(os.path.realpath(views)).parent, os.O_RDONLY)
    if folder is None:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            _lock_waiting(folder, waiting)
        yield
    finally:
        os.close(folder)


def _lock_waiting(folder: int, waiting: Callable[[], None] | None) -> None:
    """Lock the folder, calling ``waiting`` first if another process holds it."""
    try:
        fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if waiting is not None:
            waiting()
        fcntl.flock(folder, fcntl.LOCK_EX)


def remove_killed_builds(views: Path) -> None:
    """Remove the files of killed builds of the views database ``views``."""
    remove_killed(views, SUFFIX)
