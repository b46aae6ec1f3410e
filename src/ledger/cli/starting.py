"""Ctrl-C, said as what it left: one line on stderr and exit code 130, never a traceback
nor click's bare "Aborted!". Loaded before click, so that it holds from the first moment
the command line loads (which takes a few tenths of a second)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

INTERRUPTED = 130  # 128 + SIGINT: what a shell reports of a command stopped by Ctrl-C
NOTHING_RECORDED = "nothing was recorded"


def interrupted(outcome: str = NOTHING_RECORDED) -> str:
    """The line that says a command was interrupted, and what that left."""
    return f"Interrupted (Ctrl-C): {outcome}."


def say_interrupted(outcome: str = NOTHING_RECORDED) -> None:
    """Say it on stderr, on a line of its own after the terminal's echo of ^C."""
    stream = sys.stderr
    stream.write(("\n" if stream.isatty() else "") + interrupted(outcome) + "\n")
    stream.flush()


@contextmanager
def loading() -> Iterator[None]:
    """While the block loads the command line, Ctrl-C stops the process with the line and
    exit code 130 rather than a traceback from the middle of an import; once it is
    loaded, Ctrl-C is Python's again (and the command line says it as it stops). A Ctrl-C
    already ignored (a background job, nohup) stays ignored."""
    usual = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if not usual or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.signal(signal.SIGINT, _stop_loading)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is _stop_loading:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _stop_loading(_signal: int, _frame: FrameType | None) -> None:
    say_interrupted()
    raise SystemExit(INTERRUPTED)
