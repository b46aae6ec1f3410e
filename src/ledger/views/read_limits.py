"""Limits on one read of the views database, so that no question can hang the machine.

Any read stops on Ctrl-C, and no string or blob in it may grow past MAX_VALUE_BYTES. A
read run with ``Limits`` (``ledger view`` and ``ledger query``) also stops when its time
is up, when its answer has more rows than allowed or holds more than MAX_ANSWER_BYTES,
and when SQLite itself would need more than MAX_HEAP_BYTES of memory.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

DEFAULT_SECONDS = 5.0
DEFAULT_ROWS = 100_000
MAX_VALUE_BYTES = 10_000_000
MAX_ANSWER_BYTES = 100_000_000
MAX_HEAP_BYTES = 512 * 1024 * 1024
TIMEOUT_VARIABLE = "LEDGER_QUERY_TIMEOUT"
ROWS_VARIABLE = "LEDGER_MAX_ROWS"
_STEPS_BETWEEN_CHECKS = 1000  # SQLite virtual machine steps, well under a millisecond
# What a read keeps of the rows SQLite gives it (given the columns' names): the answer
# the limits apply to, e.g. the first N rows by some order (``ledger view --limit``).
Keep = Callable[[list[str], Iterable[Sequence[Any]]], Iterable[Sequence[Any]]]


class ReadStopped(Exception):
    """A read stopped by Ctrl-C or by one of its limits; the message says which."""


@dataclass(frozen=True)
class Limits:
    """How long a read may run (seconds) and how many rows its answer may have, and how
    the user may ask for fewer."""

    seconds: float = DEFAULT_SECONDS
    rows: int = DEFAULT_ROWS
    fewer: str = "narrow the query (WHERE, LIMIT)"


INTERRUPTED = "interrupted (Ctrl-C)"


class Guard:
    """Watches one statement on a connection: its progress handler stops it when its
    time is up or Ctrl-C was pressed, and ``reason`` then says which."""

    def __init__(self, connection: sqlite3.Connection, limits: Limits | None) -> None:
        self.limits = limits
        self.reason: str | None = None
        self._deadline = time.monotonic() + (limits.seconds if limits else 0)
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        connection.set_progress_handler(self._progress, _STEPS_BETWEEN_CHECKS)

    def _progress(self) -> int:
        if self.reason is None and self.limits and time.monotonic() > self._deadline:
            seconds = self.limits.seconds
            self.reason = (
                f"the query was stopped after {seconds:g} second{'' if seconds == 1 else 's'}; "
                f"give it longer with --timeout SECONDS (or {TIMEOUT_VARIABLE})"
            )
        return 1 if self.reason else 0

    def interrupt(self, _signal: int, _frame: FrameType | None) -> None:
        self.reason = INTERRUPTED

    def raise_if_stopped(self) -> None:
        """ReadStopped for a limit; Ctrl-C, once SQLite has stopped, is Python's again."""
        if self.reason == INTERRUPTED:
            raise KeyboardInterrupt
        if self.reason:
            raise ReadStopped(self.reason)

    def fetch(self, answer: Iterable[Any]) -> list[Any]:
        """Every row of the answer (the cursor's rows, or what a Keep kept of them),
        stopping as soon as it is over the limits."""
        if self.limits is None:
            return list(answer)
        rows: list[Any] = []
        size = 0
        for row in answer:
            rows.append(row)
            size += row_bytes(row)
            _check_size(self.limits, len(rows), size)
        return rows


def row_bytes(row: Sequence[Any]) -> int:
    """The memory one row of an answer takes, as the limit on an answer counts it."""
    return sys.getsizeof(row) + sum(map(sys.getsizeof, row))


# What a read whose answer holds more than MAX_ANSWER_BYTES is stopped with.
ANSWER_TOO_LARGE = (
    f"the answer is larger than {MAX_ANSWER_BYTES // 1_000_000} MB; ask for fewer rows or columns"
)


def _check_size(limits: Limits, rows: int, size: int) -> None:
    if rows > limits.rows:
        raise ReadStopped(
            f"the answer has more than {limits.rows:,} rows; {limits.fewer} "
            f"or raise --max-rows (or {ROWS_VARIABLE})"
        )
    if size > MAX_ANSWER_BYTES:
        raise ReadStopped(ANSWER_TOO_LARGE)


@contextmanager
def guarded(connection: sqlite3.Connection, limits: Limits | None) -> Iterator[Guard]:
    """A Guard on ``connection`` for the length of the block: Ctrl-C goes to it (in the
    main thread), and with limits SQLite's memory is capped too. A statement it stopped
    raises ReadStopped, saying why."""
    guard = Guard(connection, limits)
    if limits:
        _cap_sqlite_memory()
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.signal(signal.SIGINT, guard.interrupt) if on_main_thread else None
    try:
        yield guard
    except sqlite3.Error:
        guard.raise_if_stopped()
        raise
    except MemoryError:  # how Python's sqlite3 reports SQLite running out of its heap
        raise ReadStopped(
            f"the query needs more memory than a read may use ({MAX_HEAP_BYTES // 2**20} MB)"
        ) from None
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
    guard.raise_if_stopped()


def _cap_sqlite_memory() -> None:
    """Keep SQLite's heap under MAX_HEAP_BYTES. The ceiling is the whole process's and
    the pragma can only lower it, so it stays for the rest of the process."""
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.execute(f"PRAGMA hard_heap_limit = {int(MAX_HEAP_BYTES)}")


def stopped_by_sqlite(error: sqlite3.Error) -> str | None:
    """What SQLite's limit on the length of a text or blob says, when it was reached."""
    if getattr(error, "sqlite_errorname", "") == "SQLITE_TOOBIG":
        return f"the query makes a text or blob larger than {MAX_VALUE_BYTES // 1_000_000} MB"
    return None
