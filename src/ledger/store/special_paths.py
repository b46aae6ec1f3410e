"""Paths that are not plain files: a device (/dev/null), a named pipe, a socket, and the
command's own open files (/dev/stdout). An output to one is written as it is, where a
file's is written beside it and moved into place; a database is never made there."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path


def written_in_place(path: str | Path) -> bool:
    """Whether ``path`` is something other than a file or a folder (a device such as
    /dev/stdout or /dev/null, a named pipe, a socket): an output to it is written
    straight into it. Written beside it and moved into place, the device itself was
    replaced by a file."""
    try:
        kind = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind))


# A process's open files as Linux names them: /dev/stdout is a link to /proc/self/fd/1.
_OPEN_FILE = re.compile(r"/proc/(self|\d+)/fd/(\d+)")
_MOST_LINKS = 40  # as Linux follows at most


def open_file_number(path: str | Path) -> int | None:
    """The number of this process's open file that ``path`` names through its links
    (/dev/stdout, /dev/fd/1, /proc/self/fd/1), or None. Such a file was opened for the
    command by the shell (``-o /dev/stdout >> log``): it is written through the file the
    shell opened, where it is and as it was opened. Opened again by its name, ``>>``
    would lose what the file held; moved into place, the file would be replaced."""
    try:
        return _open_file_number(os.path.abspath(path))
    except (OSError, ValueError):  # a link that cannot be read, a name no file can have
        return None


def _open_file_number(current: str) -> int | None:
    for _ in range(_MOST_LINKS):
        folder = os.path.realpath(os.path.dirname(current))
        current = os.path.join(folder, os.path.basename(current))
        found = _OPEN_FILE.fullmatch(current)
        if found:
            return int(found[2]) if found[1] in ("self", str(os.getpid())) else None
        if not os.path.islink(current):
            return None
        current = os.path.join(folder, os.readlink(current))
    return None


def written_through(path: str | Path) -> bool:
    """Whether an output to ``path`` is written as it is, not moved into place: a device,
    a named pipe, or the command's own open file (see open_file_number)."""
    return open_file_number(path) is not None or written_in_place(path)


def special_kind(path: Path) -> str:
    """What a path that is neither a file nor a folder is."""
    if path.is_fifo():
        return "a named pipe"
    if path.is_socket():
        return "a socket"
    return "a device"
