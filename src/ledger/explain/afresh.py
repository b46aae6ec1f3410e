"""The fresh projection of the store that `check` compares the views with, made by a
child process, which then reads back the later half of the stored records, while
`check` checks the store's file and hash chain and reads back the earlier half. At a
million events the projection takes some 11 s and `check`'s own reading of the store
some 30 s: one after the other when both are done in one process, on one core. A store
of fewer events is projected when `check` comes to compare, and read back whole, in its
own process: a child would save it little.

The child is a new Python process, not a fork: `check` holds the store open, and a
SQLite connection must not cross a fork (as views/ahead.py's worker)."""

from __future__ import annotations

import contextlib
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ledger.explain.store_check import ReadBack, read_back
from ledger.store.application import EventStore
from ledger.views.ahead import child_process
from ledger.views.refresh import replay

Scope = tuple[int, str | None, str | None]  # a views database's position, known_by, recorded_by

# The store's events from which the projection is made alongside (as ahead.py makes a
# build's pages in a worker from as many).
ALONGSIDE_FROM_EVENTS = 50_000
_STOPPING_SECONDS = 5.0


def project(ledger: EventStore, fresh: Path, scope: Scope) -> None:
    """Project the store afresh into ``fresh``, to the position and dates of ``scope``."""
    position, known_by, recorded_by = scope
    replay(ledger, fresh, known_by, until=position, recorded_by=recorded_by)


class Alongside:
    """A fresh projection to ``scope``, begun now by a child process, which then reads
    back the stored records after position ``read_from`` while `check` reads back those
    before it (store_check.read_back)."""

    def __init__(self, store: str, fresh: Path, scope: Scope, read_from: int) -> None:
        self.read_from = read_from
        self._projected: tuple[bool, Any] | None = None
        self._child, self._outcome = child_process(__name__)
        # The store's address goes through a pipe: on the command line, a server's
        # password would be there for any user of the machine.
        assert self._child.stdin is not None
        try:
            with self._child.stdin as orders:
                pickle.dump((store, str(fresh), scope, read_from), orders)
        except OSError:  # it stopped at once
            self.stop()
            raise

    @classmethod
    def begun(cls, ledger: EventStore, fresh: Path, scope: Scope) -> Alongside | None:
        """One begun for a store large enough, to read back the later half of it; None
        for a smaller store, or if no child can be started (the check then does all of
        it itself)."""
        end = ledger.recorder.max_notification_id() or 0
        if end < ALONGSIDE_FROM_EVENTS:
            return None
        try:
            return cls(ledger.store, fresh, scope, read_from=end // 2)
        except OSError:
            return None

    def read_back(self) -> ReadBack | None:
        """What the child found reading back the records after ``read_from``, once it
        has; None if it could not (the check then reads them itself)."""
        self._projection()
        came, found = self._next()
        return found if came and isinstance(found, ReadBack) else None

    def made(self) -> bool:
        """Wait until the projection is made: True once it is, False if the child stopped
        without a word (killed, or it could not start). The child's error, if it failed,
        is raised here, as it would have been by a projection made in this process."""
        came, error = self._projection()
        if came and error is not None:
            raise error
        return came

    def stop(self) -> None:
        """Stop the child, if it is still at work (the check stopped early): asked to,
        it removes its build's file and stops its own worker; one that has not stopped
        a few seconds later is killed. (Its pipe is closed first: a child still writing
        to it, one whose outcome the check did not need, stops at once.)"""
        self._outcome.close()
        if self._child.poll() is None:
            self._child.terminate()
            try:
                self._child.wait(timeout=_STOPPING_SECONDS)
            except subprocess.TimeoutExpired:
                self._child.kill()
        self._child.wait()

    def _projection(self) -> tuple[bool, Any]:
        """Whether the projection's outcome came, and what it was (None, or its error)."""
        if self._projected is None:
            self._projected = self._next()
        return self._projected

    def _next(self) -> tuple[bool, Any]:
        try:
            return True, pickle.load(self._outcome)
        except Exception:  # noqa: BLE001 - nothing, or not a whole outcome, came back
            return False, None


def main(outcome: int) -> None:
    """The child: reads (store, fresh, scope, read_from) on stdin, projects, and writes to
    the pipe of file descriptor ``outcome`` None, or the error that stopped it, pickled;
    then reads back the records after ``read_from`` and writes what it found (None if it
    could not)."""
    # Ctrl-C reaches the child too (it is in the terminal's process group): the check
    # says it, and stops the child, which then stops its own worker (projector.py).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)
    with open(outcome, "wb") as out:
        store, fresh, scope, read_from = pickle.load(sys.stdin.buffer)
        try:
            ledger = EventStore(store, must_exist=True)
        except Exception as error:  # noqa: BLE001 - the projection's, raised in the check
            _send(out, error)
            return
        with ledger:
            _send(out, _failure(lambda: project(ledger, Path(fresh), scope)))
            found: ReadBack | None = None
            with contextlib.suppress(Exception):  # read again by the check, which says it
                found = read_back(ledger, after=read_from)
            _send(out, found)


def _failure(work: Callable[[], None]) -> Exception | None:
    """The error that stopped ``work``, if one did. (Stopped by the check, the child
    stops: SystemExit is not an error to say.)"""
    try:
        work()
    except Exception as error:  # noqa: BLE001 - raised again in the check
        return error
    return None


def _send(out: BinaryIO, value: object) -> None:
    """Write a value pickled, at once (an error that cannot be pickled, as text)."""
    try:
        said = pickle.dumps(value)
    except Exception:  # noqa: BLE001
        said = pickle.dumps(RuntimeError(f"{type(value).__name__}: {value}"))
    out.write(said)
    out.flush()


def _stopped(*_: object) -> None:
    raise SystemExit("stopped by the check")
