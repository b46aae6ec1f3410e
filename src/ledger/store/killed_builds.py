"""The files of builds killed part-way. A build (of a new views database, or of a new
store by its first import) writes a new file beside where the database belongs and
moves it into place when it is done; one stopped by an error or Ctrl-C removes its file,
but nothing can remove the file of one killed outright (SIGKILL, the machine stopping),
which can be gigabytes. So each build holds a lock on its file while it runs, and a
build that starts removes the files of builds of the same database that no process
holds any more.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import time
from collections.abc import Iterator
from pathlib import Path

from ledger.store.files import SIDE_FILES

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


def remove_killed(database: Path, suffix: str) -> None:
    """Remove the files of killed builds of ``database``: files named
    ``.NAME.*SUFFIX`` beside it that no running build holds."""
    for name in glob.glob(f".{glob.escape(database.name)}.*{suffix}", root_dir=database.parent):
        path = database.parent / name
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
