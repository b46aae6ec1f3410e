"""Ctrl-C once an import's records are being committed. Before that point an interrupt
stops the import and nothing is recorded; from it on, the records are recorded whatever
happens, so the command notes the interrupt, says what it recorded, then stops."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any


class HeldInterrupts:
    """Ctrl-C noted rather than raised between ``hold`` and ``release`` (in the main
    thread, the only one Python gives signals to); ``interrupted`` says whether it came."""

    def __init__(self, on_hold: Callable[[], None] | None = None) -> None:
        self.on_hold = on_hold  # called once holding: what Ctrl-C would leave has changed
        self.interrupted = False
        self._previous: Any = None
        self._holding = False

    def hold(self) -> None:
        if not self._holding and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._note)
            self._holding = True
            if self.on_hold is not None:
                self.on_hold()

    def release(self) -> None:
        if self._holding:
            signal.signal(signal.SIGINT, self._previous)
            self._holding = False

    def _note(self, _signal: int, _frame: FrameType | None) -> None:
        self.interrupted = True
