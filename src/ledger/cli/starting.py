"""Ctrl-C, said as what it left: one line on stderr and exit code 130, never a traceback
nor click's bare "Aborted!". Loaded before click, importing only what Python has loaded
before any of the ledger's code runs (signal's own module: signal.py would load enum), so
that it holds from the first moment the command line loads, which takes a few tenths of
a second."""

import _signal  # type: ignore[import-not-found]
import os
import sys

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


class Loading:
    """While the block loads the command line, Ctrl-C ends the process with the line and
    exit code 130 rather than a traceback from the middle of an import (nothing has been
    opened or written yet: there is nothing to clean up, and no library's handler of its
    own may swallow the stop). Once it is loaded, Ctrl-C is Python's again, and the
    command line says it as it stops. A Ctrl-C already ignored (a background job, nohup),
    or given another handler, is left as it is."""

    def __enter__(self) -> None:
        self.holding = _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler
        if self.holding:
            try:
                _signal.signal(_signal.SIGINT, _stop_loading)
            except ValueError:  # not the main thread: signals are not this thread's
                self.holding = False

    def __exit__(self, *_: object) -> None:
        if self.holding and _signal.getsignal(_signal.SIGINT) is _stop_loading:
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)


def _stop_loading(_number: int, _frame: object) -> None:
    say_interrupted()
    os._exit(INTERRUPTED)
