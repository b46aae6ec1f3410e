"""The fresh projection of the store that `check` compares the views with, made by a
child process while `check` reads the store itself: at a million events the projection
takes some 11 s and `check`'s own reading of the store some 30 s, one after the other
when both are made in one process. A store of fewer events is projected when `check`
comes to compare, in its own process: a child would save it little.

The child is a new Python process, not a fork: `check` holds the store open, and a
SQLite connection must not cross a fork (as views/ahead.py's worker)."""

from __future__ import annotations

import pickle
import signal
import sys
from pathlib import Path

from ledger.store.application import EventStore
from ledger.views.ahead import child_process
from ledger.views.refresh import replay

Scope = tuple[int, str | None, str | None]  # a views database's position, known_by, recorded_by

# The store's events from which the projection is made alongside (as ahead.py makes a
# build's pages in a worker from as many).
ALONGSIDE_FROM_EVENTS = 50_000


def project(ledger: EventStore, fresh: Path, scope: Scope) -> None:
    """Project the store afresh into ``fresh``, to the position and dates of ``scope``."""
    position, known_by, recorded_by = scope
    replay(ledger, fresh, known_by, until=position, recorded_by=recorded_by)


class Alongside:
    """A fresh projection to ``scope``, begun now by a child process."""

    def __init__(self, store: str, fresh: Path, scope: Scope) -> None:
        self.scope = scope
        self._child, self._outcome = child_process(__name__)
        # The store's address goes through a pipe: on the command line, a server's
        # password would be there for any user of the machine.
        assert self._child.stdin is not None
        try:
            with self._child.stdin as orders:
                pickle.dump((store, str(fresh), scope), orders)
        except OSError:  # it stopped at once
            self.stop()
            raise

    @classmethod
    def begun(cls, ledger: EventStore, fresh: Path, scope: Scope) -> Alongside | None:
        """One begun for a store large enough; None for a smaller one, or if no child
        can be started (the check then projects the store itself)."""
        if (ledger.recorder.max_notification_id() or 0) < ALONGSIDE_FROM_EVENTS:
            return None
        try:
            return cls(ledger.store, fresh, scope)
        except OSError:
            return None

    def made(self) -> bool:
        """Wait until the projection is made: True once it is, False if the child stopped
        without a word (killed, or it could not start). The child's error, if it failed,
        is raised here, as it would have been by a projection made in this process."""
        try:
            error = pickle.load(self._outcome)
        except Exception:  # noqa: BLE001 - nothing, or not a whole outcome, came back
            self._child.wait()
            return False
        self._child.wait()
        if error is not None:
            raise error
        return True

    def stop(self) -> None:
        """Stop the child, if it is still at work (the check stopped early)."""
        if self._child.poll() is None:
            self._child.terminate()
        self._child.wait()
        self._outcome.close()


def main(outcome: int) -> None:
    """The child: reads (store, fresh, scope) on stdin, projects, and writes to the pipe
    of file descriptor ``outcome`` None, or the error that stopped it, pickled."""
    # Ctrl-C reaches the child too (it is in the terminal's process group): the check
    # says it, and stops the child, which then stops its own worker (projector.py).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)
    error: BaseException | None = None
    with open(outcome, "wb") as out:
        try:
            store, fresh, scope = pickle.load(sys.stdin.buffer)
            with EventStore(store, must_exist=True) as ledger:
                project(ledger, Path(fresh), scope)
        except BaseException as failed:  # noqa: BLE001 - raised again in the check
            error = failed
        try:
            said = pickle.dumps(error)
        except Exception:  # noqa: BLE001 - an error that cannot be pickled, said as text
            said = pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))
        out.write(said)


def _stopped(*_: object) -> None:
    raise SystemExit("stopped by the check")
