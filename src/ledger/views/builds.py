"""The files of builds killed part-way. A build writes a new file beside the views database
and moves it into place when it is done; one stopped by an error or Ctrl-C removes its
file, but nothing can remove the file of one killed outright (SIGKILL, the machine
stopping), which at ten million events is some 4 GB. So each build holds a lock on its
file while it runs, and a build that starts removes the files of builds that no process
holds any more.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ledger.store.files import SIDE_FILES

SUFFIX = ".building"
# A build takes its lock a moment after making its file: a file younger than this is
# never taken for a killed build's.
_YOUNGEST_LEFT_OVER = 60.0


@contextlib.contextmanager
def building_in(path: Path) -> Iterator[None]:
    """Hold the lock of the build writing ``path`` until the block ends. It is an flock,
    which SQLite's own (fcntl) locks neither take nor give up; but closing any handle on
    a file gives up the process's fcntl locks on it, so the block must end only once
    SQLite's connection to the file is closed."""
    with path.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


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
    for name in glob.glob(f".{glob.escape(views.name)}.*{SUFFIX}", root_dir=views.parent):
        path = views.parent / name
        with contextlib.suppress(OSError):  # held by a running build, or already gone
            if time.time() - path.stat().st_mtime < _YOUNGEST_LEFT_OVER:
                continue
            with path.open("rb") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                remove_files(path, with_file=True)


def remove_files(path: Path, *, with_file: bool) -> None:
    """Remove the files SQLite keeps beside a database, and the database too if asked."""
    for suffix in ("",) * with_file + SIDE_FILES:
        Path(str(path) + suffix).unlink(missing_ok=True)
