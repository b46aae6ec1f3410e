"""Work begun in a thread of its own, whose result is asked for later: `check` has its
queries of the views database answered (by SQLite, which lets go of Python's lock while
it works) while it reads the store back in Python."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Result = TypeVar("Result")


class InThread(Generic[Result]):
    """``work()``, begun now in a daemon thread (a command stopped by Ctrl-C does not wait
    for it: what it reads is only read)."""

    def __init__(self, work: Callable[[], Result]) -> None:
        self._result: Result | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], Result]) -> None:
        try:
            self._result = work()
        except BaseException as error:  # noqa: BLE001 - raised again by result()
            self._error = error

    def result(self) -> Result:
        """What the work gave, once it is done; what it raised is raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]
