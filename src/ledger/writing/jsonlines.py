"""Import and export files: JSON lines, one record per line.

Reading takes files or folders; every line is read and every problem is reported as
``file:line: message``, and records that parse keep their place so later checks can
name it too. Writing gives one normalised record per line, which reading takes back.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from ledger.records.located import HandedOver, Located, Problem, handed_back
from ledger.records.models import AnyRecord, RecordError, parse_record
from ledger.store.special_paths import written_in_place
from ledger.writing.file_pages import Page, PageStream, pages_of
from ledger.writing.json_line import BLANK, decode_line

IMPORT_SUFFIX = ".jsonl"
PARENT_CHECK_SECONDS = 0.5  # how often a worker reading pages looks for its command
# One record is a few hundred bytes; a line of a megabyte is not a record.
LONGEST_LINE = 1_000_000


class RecordStream:
    """The records of import files, read one line at a time. Problems found while reading
    collect in ``problems``; iterating again reads the files again.

    Reading a record (decoding its JSON, validating it, normalising it) is most of the work
    of a large import and needs nothing from the store, so when the files are large and
    the machine has a second core, worker processes read pages of lines while this one
    checks and appends (``parallel``: None decides by size, True or False forces it)."""

    def __init__(self, paths: Iterable[str | Path], *, parallel: bool | None = None):
        self.paths = [Path(path) for path in paths]
        self.problems: list[Problem] = []
        self.files: list[Path] = []
        self.parallel = parallel

    def __iter__(self) -> Iterator[Located]:
        for page in self.pages():
            yield from page

    def pages(self) -> Iterator[list[Located]]:
        """The records a page of lines at a time (a large import hands on each page of the
        worker's whole, not a record at a time through several generators)."""
        self.problems, self.files = [], []
        for path in self.paths:
            if path.is_dir():
                # Only files: a folder may also be named *.jsonl.
                found = sorted(f for f in path.rglob(f"*{IMPORT_SUFFIX}") if f.is_file())
                if not found:
                    self.problems.append(
                        Problem(str(path), f"no {IMPORT_SUFFIX} files in this folder")
                    )
                self.files += found
            elif path.is_file():
                self.files.append(path)
            else:
                self.problems.append(Problem(str(path), _not_read(path)))
        with line_reader(self._in_parallel()) as read:
            for path in self.files:
                yield from self._read_file(path, read)

    def _in_parallel(self) -> bool:
        if self.parallel is not None:
            return self.parallel
        size = sum(path.stat().st_size for path in self.files)
        return size >= PARALLEL_FROM_BYTES and (os.cpu_count() or 1) > 1

    def _read_file(self, path: Path, read: ReadFile) -> Iterator[list[Located]]:
        records = 0
        problems_before = len(self.problems)
        for first_line, outcomes in read(path):
            located = [outcome for outcome in outcomes if isinstance(outcome, Located)]
            if len(located) < len(outcomes):
                self._note_problems(path, first_line, outcomes)
            records += len(located)
            if located:
                yield located
        if records == 0 and len(self.problems) == problems_before:
            self.problems.append(Problem(f"{path}:1", "the file holds no records"))

    def _note_problems(self, path: Path, first_line: int, outcomes: list[Outcome]) -> None:
        for line, outcome in enumerate(outcomes, first_line):
            if isinstance(outcome, list):
                self.problems += [Problem(f"{path}:{line}", message) for message in outcome]


Item = TypeVar("Item")
# What one line holds: its record, what is wrong with it, or None for a blank line.
Outcome = Located | list[str] | None
# What a worker hands back of a page: its records, handed over (Located.handed_over) and
# given column by column, each part of them in one tuple; and the page's other lines,
# what is wrong with them or None if blank, each with its place on the page. Pickled in
# columns, a page of records is handed over and read back in some 15% less time than as
# one tuple a record (bench/RESULTS.md).
HandedPage = tuple[tuple[tuple[Any, ...], ...], list[tuple[int, list[str] | None]]]
# The lines of a file a page at a time: the first line's number and what each line holds.
ReadFile = Callable[[Path], Iterator[tuple[int, list[Outcome]]]]
# Lines to a page when a file is read here (a worker's pages are cut by their bytes).
PAGE_LINES = 2000
# Below this many bytes of files (some 8,000 records), starting a worker costs more than
# it saves.
PARALLEL_FROM_BYTES = 2_000_000
PAGES_AHEAD = 4  # pages given to the workers before the first is taken back: bounded memory
# Workers reading pages, each page taken back in turn. With one, either it or this process
# waited for the other, whichever of the two had the less work on the machine of the
# day; with two, the machine's two cores are kept busy by the three. A million records:
# 39.0 to 44.3 s against 41.8 to 47.5 s with one, alternating (bench/RESULTS.md).
READERS = 2
# The workers' scheduling priority, below the command's (19 is the lowest; lowering one's
# own needs no privilege). The command's main process sets the pace: the workers keep
# ahead of it with time to spare, and on two cores the five busy threads of the three
# processes take turns, so the system handing a core to a worker while the command's
# main thread is ready, holding Python's lock, stalls all of the command's threads.
# A million records: 26.2 and 26.0 s against 27.8 and 27.6 s (bench/RESULTS.md).
WORKER_NICENESS = 19


def _not_read(path: Path) -> str:
    """Why a path given to import, neither a file nor a folder, is not read."""
    if written_in_place(path):  # a pipe (/dev/stdin) or a device: there, not a file
        return (
            "not a file or folder (a pipe or a device): import reads files and folders; "
            "save the records to a file first"
        )
    if str(path) == "-":
        return (
            "no such file or folder: import reads files and folders, not standard input; "
            "save the records to a file first"
        )
    return "no such file or folder"


def read_line(where: str, raw: bytes | None) -> Outcome:
    """The record on one line, normalised, or what is wrong with the line."""
    if raw is None:
        return [f"line is longer than {LONGEST_LINE:,} bytes: not a record"]
    try:
        data = decode_line(raw)
    except ValueError as error:
        return [str(error)]
    if data is BLANK:
        return None
    try:
        record = parse_record(data)
    except RecordError as error:
        return error.problems
    return Located.worked_out(where, record)  # where the line is read: by the worker


def read_again(wanted: Mapping[str, str]) -> dict[str, AnyRecord]:
    """Records by id, read again from where they were read (``file:line``, by id); one
    whose file or line no longer holds it is left out."""
    lines: dict[str, dict[int, str]] = {}  # file -> line -> id
    for record_id, where in wanted.items():
        path, _, line = where.rpartition(":")
        lines.setdefault(path, {})[int(line)] = record_id
    found: dict[str, AnyRecord] = {}
    for path, ids in lines.items():
        last = max(ids)
        try:
            with open(path, "rb") as stream:
                for number, raw in enumerate(_bounded_lines(stream), 1):
                    outcome = read_line(f"{path}:{number}", raw) if number in ids else None
                    if isinstance(outcome, Located) and outcome.record.id == ids[number]:
                        found[outcome.record.id] = outcome.record
                    if number >= last:
                        break
        except OSError:
            continue
    return found


def _read_lines(path: str | Path, stream: Any, first_line: int) -> Iterator[tuple[int, Outcome]]:
    """(number, outcome) of each line of a binary stream, numbered from ``first_line``."""
    for number, raw in enumerate(_bounded_lines(stream), first_line):
        yield number, read_line(f"{path}:{number}", raw)


def _read_here(path: Path) -> Iterator[tuple[int, list[Outcome]]]:
    with path.open("rb") as stream:
        lines = _read_lines(path, stream, 1)
        while page := list(itertools.islice(lines, PAGE_LINES)):
            yield page[0][0], [outcome for _, outcome in page]


def _read_page(path: str, page: Page) -> HandedPage:
    """The worker's part: the lines of one page, read from the file and then as records,
    the records handed over in columns (a file gone or unreadable since the import
    began is a problem at the page's line)."""
    handed: list[HandedOver] = []
    others: list[tuple[int, list[str] | None]] = []
    try:
        with open(path, "rb") as stream:
            lines = _read_lines(path, PageStream(stream, page), page.first_line)
            for place, (_, outcome) in enumerate(lines):
                if isinstance(outcome, Located):
                    handed.append(outcome.handed_over())
                else:
                    others.append((place, outcome))
    except OSError as error:
        message = f"the file could not be read again while importing it ({error.strerror})"
        return (), [(0, [message])]
    return tuple(zip(*handed, strict=True)), others


@contextmanager
def line_reader(parallel: bool) -> Iterator[ReadFile]:
    """Read files here, or in worker processes a page at a time, in order either way.
    A worker reads each page's lines from the file itself: this process only finds
    where pages begin and end, which costs it far less than handing the lines over."""
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        yield _read_here
        return
    # Forked, a worker has the record models loaded already; it uses nothing else of
    # this process (not the store's connection, which it never touches).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=READERS,
        mp_context=context,
        initializer=_start_worker,
        initargs=(os.getpid(),),
    ) as workers:

        def read(path: Path) -> Iterator[tuple[int, list[Outcome]]]:
            pending: deque[tuple[int, Future[HandedPage]]] = deque()
            with path.open("rb") as stream:
                for page in pages_of(stream):
                    pending.append((page.first_line, workers.submit(_read_page, str(path), page)))
                    if len(pending) >= PAGES_AHEAD:
                        yield _taken_back(*pending.popleft())
            while pending:
                yield _taken_back(*pending.popleft())

        yield read


def _start_worker(command: int) -> None:
    """Ctrl-C reaches the worker too (it is in the terminal's process group): the
    command stops the import, and the worker, left to finish its page, is shut down with
    it rather than print a traceback of its own. A command killed outright is watched
    for (see _end_with). The command's id comes from the command itself: asked for here,
    a command killed before the worker got this far would give the id of whichever
    process took the worker over, and the worker would watch that one for ever. It
    runs at a lower priority than the command (WORKER_NICENESS)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with suppress(OSError):  # a system that will not lower it: as it is
        os.nice(WORKER_NICENESS)
    threading.Thread(target=_end_with, args=(command,), daemon=True).start()


def _end_with(command: int) -> None:
    """End the worker once the command that started it is gone (killed with SIGKILL, it
    shuts nothing down): the worker would otherwise wait for ever to hand back a page no
    one reads, holding the import file and the store's file open."""
    while os.getppid() == command:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def chunks(pages: Iterable[list[Item]], size: int) -> Iterator[list[Item]]:
    """The items of these lists in lists of ``size``, the last one shorter."""
    chunk: list[Item] = []
    for page in pages:
        chunk += page
        while len(chunk) >= size:
            yield chunk[:size]
            del chunk[:size]
    if chunk:
        yield chunk


def _taken_back(first_line: int, page: Future[HandedPage]) -> tuple[int, list[Outcome]]:
    """A page a worker read, its lines' outcomes in order again."""
    columns, others = page.result()
    outcomes: list[Outcome] = [handed_back(*handed) for handed in zip(*columns, strict=True)]
    for place, outcome in others:  # in order: every line before it is in place
        outcomes.insert(place, outcome)
    return first_line, outcomes


def _bounded_lines(stream: Any) -> Iterable[bytes | None]:
    """Lines of a binary stream; None stands for a line too long to be a record."""
    while True:
        line = stream.readline(LONGEST_LINE + 1)
        if not line:
            return
        if len(line) > LONGEST_LINE and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip to the end of the long line
                line = stream.readline(LONGEST_LINE + 1)
            yield None
        else:
            yield line


def dump_line(fields: dict[str, Any]) -> str:
    """One record as a line of an import file (without the newline)."""
    return json.dumps(fields, ensure_ascii=False)
