"""The fresh projection of the store that `check` compares the views with, made in a
child process while `check` reads the store itself: at a million events the projection
takes some 11 s and `check`'s own reading of the store some 30 s, one after the other
when both are made in one process. A store of fewer events is projected when `check`
comes to compare, in its own process: a child would save it little."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from multiprocessing.connection import Connection
from pathlib import Path

from ledger.store.application import EventStore
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
    """A fresh projection to ``scope``, begun now in a forked child process."""

    def __init__(self, store: str, fresh: Path, scope: Scope) -> None:
        context = multiprocessing.get_context("fork")
        self.scope = scope
        self._outcome, sending = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_project_in_child, args=(store, fresh, scope, sending), daemon=True
        )
        self._child.start()
        sending.close()

    @classmethod
    def begun(cls, ledger: EventStore, fresh: Path, scope: Scope) -> Alongside | None:
        """One begun for a store large enough, where processes can be forked; else None."""
        if (ledger.recorder.max_notification_id() or 0) < ALONGSIDE_FROM_EVENTS:
            return None
        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        return cls(ledger.store, fresh, scope)

    def made(self) -> None:
        """Wait until the projection is made; the child's error, if it failed, is raised
        here, as it would have been by a projection made in this process."""
        try:
            error = self._outcome.recv()
        except EOFError:  # it stopped without a word: killed
            error = RuntimeError("the process making a fresh projection of the store stopped")
        self._child.join()
        if error is not None:
            raise error

    def stop(self) -> None:
        """Stop the child, if it is still at work (the check stopped early)."""
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        self._outcome.close()


def _project_in_child(store: str, fresh: Path, scope: Scope, sending: Connection) -> None:
    # Ctrl-C reaches the child too (it is in the terminal's process group): the check
    # says it, and stops the child, which then stops its own worker (projector.py).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)
    error: BaseException | None = None
    try:
        with EventStore(store, must_exist=True) as ledger:
            project(ledger, fresh, scope)
    except BaseException as failed:  # noqa: BLE001 - raised again in the check's process
        error = failed
    with contextlib.suppress(OSError):  # the check has gone
        try:
            sending.send(error)
        except Exception:  # noqa: BLE001 - an error that cannot be pickled, said as text
            sending.send(RuntimeError(f"{type(error).__name__}: {error}"))


def _stopped(*_: object) -> None:
    raise SystemExit("stopped by the check")
