"""A build's pages made ahead, by a worker process. Reading and decoding the stored events
and making their rows (a Page) is about half of a rebuild's work and needs nothing of
the views database, so while the projector writes one page, a worker reads the store
and makes the next. A page is a range of positions.

The worker is a new Python process, not a fork of this one: it opens the store itself
(a SQLite connection must not be carried across a fork), and it writes its pages to a
pipe of their own, pickled, from a queue of a few pages: a full queue holds it until the
projector takes the next page, which bounds their memory. The pipe is not the worker's
stdout, where anything that prints as Python starts (a sitecustomize, say) would land
among the pages. Should it stop before the end (killed, or failing where the projector
would fail too), or its pipe hold what is not a page, the iteration ends early, and the
projector reads the rest itself, from the position it has reached.

One worker, not one per core: errata are applied to the records they fix as the pages
go by, in order (Fixes), and two workers measured no quicker at a million events on
two cores, where the projector's own writing keeps one of them busy.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO

from ledger.views.page import EVENT_FAULTS, Page

if TYPE_CHECKING:
    from ledger.store.reading import LogReader, StoredRecord
    from ledger.views.errata import Fixes

# Builds of fewer events are made in one process: a worker is a new Python process, which
# took 0.35 s here to import what it needs.
AHEAD_FROM_EVENTS = 50_000
_DONE, _STOPPED = "done", "stopped"
# Where the worker finds the ledger's package: where this process found it.
_LEDGER_HOME = str(Path(__file__).resolve().parents[2])


@dataclass(frozen=True)
class Reading:
    """What the worker reads: the events of ``store`` after position ``after`` up to
    position ``end``, in pages of ``page_size`` positions, keeping records known by
    ``known_by``, with the projector's errata (``fixes``, sent with the orders rather
    than read from the store again)."""

    store: str
    after: int
    end: int
    page_size: int
    known_by: str | None
    fixes: Fixes


@dataclass
class MadePage:
    """One page as the worker read it, and the rows it made of it."""

    after: int  # the page is the events at positions after this one,
    upto: int  # up to this one
    last: int | None  # the last position that holds an event, if any does
    at_last: str | None  # the id of the record there, if it is a readable record
    events: int  # how many events were read, records or not
    unreadable: list[tuple[int, str]]  # (position, why) of events that cannot be read
    page: Page | None  # None if its rows could not be made: made again one record at a time
    # The records of the page that errata fix, as stored: the projector's own Fixes must
    # know them too, to make the rows of an erratum on a page it makes itself.
    originals: dict[str, dict[str, Any]]


class MadeAhead:
    """The pages of ``reading`` in order, made by ``worker`` (one started already, or, by
    default, one started here) while they are taken. ``complete`` says, after iterating,
    whether every page was made."""

    def __init__(self, reading: Reading, worker: Worker | None = None):
        self.reading = reading
        self.complete = False
        self._worker = worker

    def __enter__(self) -> MadeAhead:
        try:
            if self._worker is None:
                self._worker = Worker.start()
            self._worker.give(self.reading)
        except OSError:  # no Python to start, or it stopped at once: the projector reads
            if self._worker is not None:
                self._worker.stop()
            self._worker = None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._worker is not None:
            self._worker.stop()

    def __iter__(self) -> Iterator[MadePage]:
        if self._worker is None:
            return
        while True:
            try:
                item = pickle.load(self._worker.pages)
            # The worker stopped mid-way, or its pipe holds bytes that are not a page's:
            # unpickling them can fail in as many ways as there are opcodes.
            except Exception:  # noqa: BLE001 - the projector reads the rest itself
                return
            if not isinstance(item, MadePage):
                self.complete = item == _DONE
                return
            yield item


@dataclass
class Worker:
    """A worker process, and the pipe its pages come through. Started before its orders
    are known, it imports what it needs while the projector makes the views' tables."""

    process: subprocess.Popen[bytes]
    pages: BinaryIO

    @classmethod
    def start(cls) -> Worker:
        """A new worker, waiting for its orders (OSError if it cannot be started)."""
        return cls(*child_process(__name__))

    def give(self, reading: Reading) -> None:
        """Send the worker its orders. The store's address goes through a pipe: on the
        command line, a server's password would be there for any user of the machine."""
        assert self.process.stdin is not None
        with self.process.stdin as orders:
            pickle.dump(reading, orders)

    def stop(self) -> None:
        """Stop the worker, whatever it is doing, and close its pipe (again is harmless)."""
        self.process.kill()
        self.process.wait()
        self.pages.close()


def child_process(module: str) -> tuple[subprocess.Popen[bytes], BinaryIO]:
    """A new Python process running ``module``'s ``main(fd)``, which writes to the pipe
    of file descriptor ``fd``; its orders go to its stdin; its own output is dropped.
    The process and the reading end of its pipe (OSError if it cannot be started)."""
    pipe, pipe_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", f"from {module} import main; main({pipe_end})"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(pipe_end,), env=_child_environment(),
        )  # fmt: skip
    except OSError:
        os.close(pipe)
        raise
    finally:
        os.close(pipe_end)  # the child's own copy is the one writer
    return process, open(pipe, "rb")  # noqa: SIM115 - closed by the caller


def _child_environment() -> dict[str, str]:
    """This process's environment, with the ledger's package where this process found
    it first on the path."""
    return os.environ | {"PYTHONPATH": os.pathsep.join([_LEDGER_HOME, *_python_path()])}


def _python_path() -> list[str]:
    return [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]


def main(pages: int) -> None:
    """A worker: reads its orders on stdin and writes each of its pages to the pipe of
    file descriptor ``pages``, pickled, then _DONE; or _STOPPED if it cannot go on (the
    projector then reads on by itself, and meets the same problem where it is real)."""
    from ledger.store.application import EventStore

    # Its pages hold no reference cycles: the cycle collector would only walk them.
    gc.disable()
    with open(pages, "wb") as out, _Sender(out) as send:
        try:
            reading = pickle.load(sys.stdin.buffer)
            with EventStore(reading.store, must_exist=True) as ledger:
                for made in made_pages(ledger, reading):
                    send(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
            send(pickle.dumps(_DONE))
        except BaseException:  # noqa: BLE001 - said by the projector, which reads on itself
            with contextlib.suppress(BrokenPipeError):
                send(pickle.dumps(_STOPPED))


# Pages made and waiting to be taken. A pipe holds less than one, so without a queue the
# worker waits while the projector writes a page, and the projector while the worker
# makes the next; the time either takes for a page varies, and at a million events each
# of them waited about a second in all. A page of 25,000 events is some 4 MB pickled.
PAGES_QUEUED = 3


class _Sender:
    """Writes pickled pages to the pipe on a thread of its own, so that making the next
    page goes on while the projector reads this one, up to PAGES_QUEUED pages ahead.
    Once the pipe fails (nobody reads it any more), sending raises BrokenPipeError, so
    that the worker stops rather than make pages for nobody."""

    def __init__(self, out: BinaryIO):
        self._out = out
        self._queue: queue.Queue[bytes | None] = queue.Queue(PAGES_QUEUED)
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._broken = threading.Event()

    def __enter__(self) -> Callable[[bytes], None]:
        self._thread.start()
        return self._send

    def __exit__(self, *exception: object) -> None:
        self._queue.put(None)
        self._thread.join()

    def _send(self, pickled: bytes) -> None:
        if self._broken.is_set():
            raise BrokenPipeError("the projector has stopped reading the worker's pages")
        self._queue.put(pickled)

    def _write(self) -> None:
        """Write each page as it comes; once the pipe fails, take the rest unwritten, so
        that sending never waits for a page that cannot be written."""
        while (pickled := self._queue.get()) is not None:
            if not self._broken.is_set():
                try:
                    self._out.write(pickled)
                    self._out.flush()
                except BaseException:  # noqa: BLE001 - nobody is reading any more
                    self._broken.set()


def made_pages(ledger: LogReader, reading: Reading) -> Iterator[MadePage]:
    """The pages of ``reading`` made here, as the projector would make them."""
    fixes = reading.fixes
    for after, upto in page_bounds(reading.after, reading.end, reading.page_size):
        records, unreadable = records_in(ledger, after, upto)
        seen = dict(fixes.originals)
        try:
            page: Page | None = Page(reading.known_by, records, fixes)
        except EVENT_FAULTS:
            page = None
        originals = {
            key: fields for key, fields in fixes.originals.items() if seen.get(key) is not fields
        }
        last = max(_positions(records, unreadable), default=None)
        at_last = records[-1].fields["id"] if records and records[-1].position == last else None
        events = len(records) + len(unreadable)
        yield MadePage(after, upto, last, at_last, events, unreadable, page, originals)


# The first and last pages are smaller: the projector waits for the first page, and the
# worker for the projector to write the last, so a build of a million events spends a
# page's time less idle at each end.
_FIRST_PAGE_PART = 8


def page_bounds(after: int, end: int, page_size: int) -> Iterator[tuple[int, int]]:
    """The pages from position ``after`` to ``end``, as (after, upto): ``page_size``
    positions each, but the first an eighth of that, each next one twice the one before,
    and the last ones each half of what is left, down to an eighth again."""
    smallest = max(1, page_size // _FIRST_PAGE_PART)
    size = smallest
    while after < end:
        left = end - after
        if left < 2 * page_size:
            size = min(size, max(smallest, left // 2))
        upto = min(after + size, end)
        yield after, upto
        after, size = upto, min(2 * size, page_size)


def records_in(
    ledger: LogReader, after: int, upto: int
) -> tuple[list[StoredRecord], list[tuple[int, str]]]:
    """The records at positions after ``after`` up to ``upto``, and (position, why) of the
    events there that cannot be read."""
    unreadable: list[tuple[int, str]] = []
    _, records = ledger.records_after(after, upto - after, lambda *event: unreadable.append(event))
    if records and records[-1].position > upto:  # positions were skipped: read too far
        records = [record for record in records if record.position <= upto]
    return records, [(position, why) for position, why in unreadable if position <= upto]


def _positions(records: list[StoredRecord], unreadable: list[tuple[int, str]]) -> Iterator[int]:
    yield from (record.position for record in records[-1:])
    yield from (position for position, _ in unreadable[-1:])
