"""Files on disk the ledger reads and writes: which SQLite database a path is, and output
files written beside their name and moved into place, never over the store (a device or
a named pipe written as it is)."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from ledger.store.special_paths import open_file_number, special_kind, written_in_place

SQLITE_HEADER = b"SQLite format 3\x00"
# The table that tells a views database (see ledger.views) from an event store: every
# views database has it, no store does.
TRACKING = "ledger_tracking"
EVENTS_TABLE = "stored_events"  # the SQLite recorder's table of events
SIDE_FILES = ("-wal", "-shm", "-journal")  # what SQLite keeps beside a database file


# What writing a file can fail with, whoever's fault: the disk full, over quota, a
# read-only filesystem, a file too large, an I/O error; a pipe no longer read.
_WRITE_FAILURES = {
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO, errno.EPIPE,
}  # fmt: skip


class FileError(Exception):
    """A file the command cannot write as asked."""


def is_sqlite_file(path: str | Path) -> bool:
    """Whether the file starts as every SQLite database does."""
    header = _header(path, len(SQLITE_HEADER))
    return header == SQLITE_HEADER


def _header(path: str | Path, size: int) -> bytes | None:
    """The first ``size`` bytes of the file at ``path``; None if there is no file there to
    read, or it is not a plain file: opening a named pipe to read waits for a writer."""
    if written_in_place(path):
        return None
    try:
        with open(path, "rb") as file:
            return file.read(size)
    except OSError:
        return None


def is_event_store(path: str | Path) -> bool:
    """Whether the file is a SQLite event store: it holds the recorder's table of events."""
    if not is_sqlite_file(path):
        return False
    try:
        return EVENTS_TABLE in sqlite_tables(path)
    except sqlite3.DatabaseError:
        return False


def application_id(path: str | Path) -> int | None:
    """The application id in a SQLite file's header (PRAGMA application_id), or None."""
    header = _header(path, 72)
    if header is None or len(header) < 72 or not header.startswith(SQLITE_HEADER):
        return None
    return int.from_bytes(header[68:72], "big")


def sqlite_tables(path: str | Path) -> set[str]:
    """The tables of the SQLite database at ``path``, read without writing to it; raises
    sqlite3.DatabaseError when it is not one, or is too damaged to say."""
    location = f"file:{_quoted(path)}"
    try:
        return _tables_of(sqlite3.connect(f"{location}?mode=ro", uri=True))
    except sqlite3.OperationalError:
        # A WAL database whose shared-memory file cannot be made (a read-only folder, a
        # full disk) can still be read as it is, to see what it is.
        return _tables_of(sqlite3.connect(f"{location}?immutable=1", uri=True))


def _tables_of(connection: sqlite3.Connection) -> set[str]:
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(name) for (name,) in rows}
    finally:
        connection.close()


def read_only_uri(path: str | Path) -> str:
    """A SQLite URI that opens the database at ``path`` only to read: shared with writers
    when it can be; immutable when no shared-memory file can be made beside it (a
    read-only folder, a full disk), where no writer can be at work either.

    The store's connections ask for WAL, which a read-only connection cannot switch a
    file to: a store copied out of WAL (by the sqlite3 shell, say) is opened to write
    when it may be, which only switches it back, and immutable when it may not."""
    if not _in_wal_mode(path):
        location = f"file:{_quoted(path)}"
        return writable_uri(path) if os.access(path, os.W_OK) else f"{location}?immutable=1"
    return reading_uri(path)


def reading_uri(path: str | Path) -> str:
    """A SQLite URI that opens the database at ``path`` read-only: shared with writers
    when it can be; immutable when no shared-memory file can be made beside it (a
    read-only folder, a full disk), where no writer can be at work either."""
    location = f"file:{_quoted(path)}"
    try:
        _tables_of(sqlite3.connect(f"{location}?mode=ro", uri=True))
    except sqlite3.OperationalError as error:
        cannot_share = error.sqlite_errorcode & 0xFF in _NO_SHARED_MEMORY
        if cannot_share and os.access(path, os.R_OK):
            return f"{location}?mode=ro&immutable=1"
    return f"{location}?mode=ro"


_NO_SHARED_MEMORY = (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR)


def _in_wal_mode(path: str | Path) -> bool:
    """Whether a SQLite file's header says it is in WAL mode (its read and write format
    versions, bytes 18 and 19, are 2); a file that is not SQLite counts as WAL here, so
    that opening it fails as it would have."""
    header = _header(path, 20)
    return header is None or not header.startswith(SQLITE_HEADER) or header[18:20] == b"\x02\x02"


# The side files of a database in WAL mode: a connection that opened it only to read
# cannot remove them when it closes, so a reading command would leave them behind.
WAL_SIDE_FILES = ("-wal", "-shm")


@contextmanager
def side_files_as_found(paths: Iterable[str | Path]) -> Iterator[None]:
    """Run a block, then close the WAL of each database in ``paths`` that had no side files
    before it and has some now: what the block's read-only connections made and could not
    remove. Files that were there already are left alone (another process may be using
    them)."""
    without = [path for path in paths if not has_wal_side_files(path)]
    try:
        yield
    finally:
        for path in without:
            if has_wal_side_files(path):
                close_wal(path)


def has_wal_side_files(path: str | Path) -> bool:
    """Whether SQLite's write-ahead log or its index is beside the database at ``path``."""
    return any(os.path.lexists(f"{path}{suffix}") for suffix in WAL_SIDE_FILES)


def close_wal(path: str | Path) -> None:
    """Open the WAL database at ``path`` to read and write, read one row and close: when
    no other connection has it open, SQLite then checkpoints the WAL and removes both side
    files, as it does when a writer closes; when another has, SQLite leaves them. Nothing
    is changed in the database. A file that is not a writable WAL database is left as it
    is."""
    if not (is_sqlite_file(path) and _in_wal_mode(path) and os.access(path, os.W_OK)):
        return
    try:
        connection = sqlite3.connect(writable_uri(path), uri=True, timeout=0)
        try:
            connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        pass  # the files stay, as they would have without this


def start_sqlite_file(path: str | Path, page_size: int) -> None:
    """Make an empty SQLite database at ``path``, in WAL mode, with pages of ``page_size``
    bytes, where there is nothing yet (or an empty file): a database's page size is fixed
    by its first write, and the eventsourcing library's first is the switch to WAL. A
    file already there is left as it is; what cannot be made here is left for the opening
    that follows to report, as it would have without this."""
    file = Path(path)
    if file.exists() and not (file.is_file() and file.stat().st_size == 0):
        return
    try:
        db = sqlite3.connect(writable_uri(path), uri=True, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        db.execute(f"PRAGMA page_size = {int(page_size)}")
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error:
        pass
    finally:
        db.close()


def writable_uri(path: str | Path) -> str:
    """A SQLite URI for the file at ``path``, whatever characters its name holds."""
    return f"file:{_quoted(path)}"


def _quoted(path: str | Path) -> str:
    return quote(os.path.abspath(path))


_NEARLY_FULL = 1 << 20  # bytes


def disk_full(path: str | Path) -> bool:
    """Whether the filesystem holding ``path`` has (next to) no space left: what an I/O
    error writing there most likely means."""
    try:
        found = os.statvfs(Path(path).parent)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < _NEARLY_FULL


def is_database_file(path: str | Path, database: str | Path) -> bool:
    """Whether ``path`` is the SQLite database ``database`` or one of its side files,
    however either is spelled (another relative path, a symbolic or hard link)."""
    try:
        if os.path.samefile(path, database):
            return True
    except OSError:
        pass
    names = {os.path.abspath(database), os.path.realpath(database)}
    wanted = {os.path.abspath(path), os.path.realpath(path)}
    return any(name + suffix in wanted for name in names for suffix in SIDE_FILES)


def folder_problem(path: str | Path) -> str | None:
    """Why no file can be made at ``path``: it is a folder, or its folder is missing, or
    it is a device, a named pipe or a socket (a database made beside it and moved into
    place replaced /dev/null with a file)."""
    target = Path(path)
    if target.is_dir():
        return "it is a folder"
    if written_in_place(target):
        return f"it is {special_kind(target)}, not a file"
    if not target.parent.is_dir():
        return f"there is no folder {target.parent}"
    return None


def unwritable(path: str | Path) -> str | None:
    """Why the SQLite database at ``path`` (a new one, if there is none) cannot be
    written, or None: the file is read-only, or its folder is, where SQLite makes its
    side files. Asked of the system, which stops root too on a read-only filesystem or an
    immutable file."""
    target = Path(path)
    folder = target.parent
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        named = "the current folder" if str(folder) == "." else f"its folder {folder}"
        return f"{named} cannot be written{_read_only_filesystem(folder)}"
    if target.exists() and not os.access(target, os.W_OK):
        return "the file is read-only"
    return None


def _read_only_filesystem(folder: Path) -> str:
    try:
        mounted_read_only = os.statvfs(folder).f_flag & os.ST_RDONLY
    except OSError:
        return ""
    return " (it is on a read-only filesystem)" if mounted_read_only else ""


@contextmanager
def output_file(
    path: str, *, store: str | None, force: bool, binary: bool = False
) -> Iterator[IO[Any]]:
    """A file to write ``path`` through: written beside it, moved into place only once
    complete. Never the store (whatever ``force`` says); never over an existing SQLite
    database unless ``force``. A symbolic link stays one: the file it points to is
    replaced. A device or a named pipe (``/dev/stdout``, say) is written as it is: it
    cannot be replaced, and must not be (see written_in_place)."""
    refused = output_problem(path, store=store, force=force)
    if refused:
        raise FileError(refused)
    mode = "wb" if binary else "w"
    encoding = None if binary else "utf-8"
    number = open_file_number(path)
    if number is not None or written_in_place(path):
        try:
            stream = (
                open(path, mode, encoding=encoding)  # noqa: SIM115 - closed below
                if number is None
                else os.fdopen(os.dup(number), mode, encoding=encoding)
            )
        except OSError as error:  # no such device, not permitted, no such open file
            raise FileError(f"cannot write {path}: {error.strerror}") from None
        with _write_failures_said(path), stream:
            yield stream
        return
    target = Path(os.path.realpath(path))  # a link's file, not the link
    try:
        name = new_file_beside(target, ".partial")
    except OSError as error:
        raise FileError(f"cannot write {path}: {error.strerror}") from None
    try:
        with _write_failures_said(path), open(name, mode, encoding=encoding) as partial:
            yield partial
            partial.close()
            os.replace(name, target)
    finally:
        name.unlink(missing_ok=True)


@contextmanager
def _write_failures_said(path: str) -> Iterator[None]:
    """A write that fails for want of room or a sound disk, said with the file's name."""
    try:
        yield
    except OSError as error:
        if error.errno in _WRITE_FAILURES:
            raise FileError(f"cannot write {path}: {error.strerror}") from None
        raise


def new_file_beside(path: Path, suffix: str) -> Path:
    """A new empty file of its own in ``path``'s folder, with the permissions an ordinary
    new file gets, to write in and then move to ``path``."""
    import tempfile  # (here: it brings shutil, bz2 and lzma, which reading needs none of)

    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def _a_url(path: str) -> str | None:
    """A path that is a URL (a server's, given as -o to move the store there), as it may
    be printed, without its password; None for a file's path."""
    from ledger.store.settings import is_database_url, shown  # settings reads this module

    return shown(path) if is_database_url(path) else None


def output_problem(path: str, *, store: str | None, force: bool) -> str | None:
    """Why an output file may not be written at ``path``, or None."""
    if not path.strip():
        return "the output file's name is empty: give a file"
    if store is not None and is_database_file(path, store):
        return f"{path} is the ledger's store: an output file never replaces it"
    if url := _a_url(path):
        return (
            f"{url} is a URL, not a file name: -o writes a file (a store moves to a "
            "server by importing its export there)"
        )
    if written_in_place(path):  # (reading a pipe to see whether it is a database waits)
        return None
    problem = folder_problem(path)
    if problem:
        return f"cannot write {path}: {problem}"
    if is_event_store(path):
        return (
            f"{path} is a ledger event store: an output file never replaces one, even with "
            "--force; give another file name"
        )
    if not force and is_sqlite_file(path):
        return (
            f"{path} is a SQLite database (a ledger views database?); "
            "give another file name, or add --force to replace it"
        )
    return None
