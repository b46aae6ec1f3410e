"""Import and export files: JSON lines, one record per line.

Reading takes files or folders; every line is read and every problem is reported as
``file:line: message``, and records that parse keep their place so later checks can
name it too. Writing gives one normalised record per line, which reading takes back.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import orjson

from ledger.records.located import HandedOver, Located, Problem, handed_back
from ledger.records.models import AnyRecord, RecordError, parse_record
from ledger.store.files import written_in_place
from ledger.writing.file_pages import Page, PageStream, pages_of

IMPORT_SUFFIX = ".jsonl"
PARENT_CHECK_SECONDS = 0.5  # how often a worker reading pages looks for its command
# One record is a few hundred bytes; a line of a megabyte is not a record.
LONGEST_LINE = 1_000_000
# A record nests two deep (an object holding lists); the limit keeps Python's well away.
DEEPEST = 100
_TOO_DEEP = f"nested more than {DEEPEST} levels deep: not a record"
# No amount, count or percentage is written with more characters than this.
_LONGEST_NUMBER = 100
_JSON_SPACE = " \t\r\n"
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_NESTED_OR_FLOAT = frozenset({dict, list, float})
# What _decode_line gives for a blank line (None is the JSON line ``null``).
BLANK = object()


class RecordStream:
    """The records of import files, read one line at a time. Problems found while reading
    collect in ``problems``; iterating again reads the files again.

    Reading a record (decoding its JSON, validating it, normalising it) is most of the work
    of a large import and needs nothing from the store, so when the files are large and
    the machine has a second core, a worker process reads pages of lines while this one
    checks and appends (``parallel``: None decides by size, True or False forces it)."""

    def __init__(self, paths: Iterable[str | Path], *, parallel: bool | None = None):
        self.paths = [Path(path) for path in paths]
        self.problems: list[Problem] = []
        self.files: list[Path] = []
        self.parallel = parallel

    def __iter__(self) -> Iterator[Located]:
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

    def _read_file(self, path: Path, read: ReadFile) -> Iterator[Located]:
        records = 0
        problems_before = len(self.problems)
        for line, outcome in read(path):
            if isinstance(outcome, Located):
                records += 1
                yield outcome
            elif outcome is not None:
                self.problems += [Problem(f"{path}:{line}", message) for message in outcome]
        if records == 0 and len(self.problems) == problems_before:
            self.problems.append(Problem(f"{path}:1", "the file holds no records"))


Item = TypeVar("Item")
# What one line holds: its record, what is wrong with it, or None for a blank line.
Outcome = Located | list[str] | None
HandedOutcome = HandedOver | list[str] | None  # as the worker hands an outcome over
ReadFile = Callable[[Path], Iterator[tuple[int, Outcome]]]  # (line number, outcome)
# Below this many bytes of files (some 8,000 records), starting a worker costs more than
# it saves.
PARALLEL_FROM_BYTES = 2_000_000
PAGES_AHEAD = 4  # pages given to the worker before the first is taken back: bounded memory


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
        data = _decode_line(raw)
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


def _read_here(path: Path) -> Iterator[tuple[int, Outcome]]:
    with path.open("rb") as stream:
        yield from _read_lines(path, stream, 1)


def _read_page(path: str, page: Page) -> list[HandedOutcome]:
    """The worker's part: the lines of one page, read from the file and then as records,
    each record handed over as a plain tuple (a file gone or unreadable since the import
    began is a problem at the page's line)."""
    try:
        with open(path, "rb") as stream:
            return [
                outcome.handed_over() if isinstance(outcome, Located) else outcome
                for _, outcome in _read_lines(path, PageStream(stream, page), page.first_line)
            ]
    except OSError as error:
        return [[f"the file could not be read again while importing it ({error.strerror})"]]


@contextmanager
def line_reader(parallel: bool) -> Iterator[ReadFile]:
    """Read files here, or in one worker process a page at a time, in order either way.
    The worker reads each page's lines from the file itself: this process only finds
    where pages begin and end, which costs it far less than handing the lines over."""
    if not parallel or "fork" not in multiprocessing.get_all_start_methods():
        yield _read_here
        return
    # Forked, the worker has the record models loaded already; it uses nothing else of
    # this process (not the store's connection, which it never touches).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
    ) as worker:

        def read(path: Path) -> Iterator[tuple[int, Outcome]]:
            pending: deque[tuple[int, Future[list[HandedOutcome]]]] = deque()
            with path.open("rb") as stream:
                for page in pages_of(stream):
                    pending.append((page.first_line, worker.submit(_read_page, str(path), page)))
                    if len(pending) >= PAGES_AHEAD:
                        yield from _taken_back(*pending.popleft())
            while pending:
                yield from _taken_back(*pending.popleft())

        yield read


def _start_worker(command: int) -> None:
    """Ctrl-C reaches the worker too (it is in the terminal's process group): the
    command stops the import, and the worker, left to finish its page, is shut down with
    it rather than print a traceback of its own. A command killed outright is watched
    for (see _end_with). The command's id comes from the command itself: asked for here,
    a command killed before the worker got this far would give the id of whichever
    process took the worker over, and the worker would watch that one for ever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(command,), daemon=True).start()


def _end_with(command: int) -> None:
    """End the worker once the command that started it is gone (killed with SIGKILL, it
    shuts nothing down): the worker would otherwise wait for ever to hand back a page no
    one reads, holding the import file and the store's file open."""
    while os.getppid() == command:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Items in lists of ``size``, the last one shorter."""
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _taken_back(
    first_line: int, outcomes: Future[list[HandedOutcome]]
) -> Iterator[tuple[int, Outcome]]:
    for line, outcome in enumerate(outcomes.result(), first_line):
        yield line, handed_back(*outcome) if isinstance(outcome, tuple) else outcome


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


def _decode_line(raw: bytes) -> Any:
    """The JSON value on a line, or BLANK for a blank line. orjson reads most lines
    first: it refuses bytes that are not UTF-8, a byte order mark and a blank line, each
    of which is then read by _decode_text, as is what orjson cannot read."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _decode_text(raw)
    if _read_as_written(raw, data):
        return data
    return _read_exactly(_text_of(raw))


def _decode_text(raw: bytes) -> Any:
    text = _text_of(raw)
    if not text.strip(_JSON_SPACE):
        return BLANK
    return _read_exactly(text)  # says where the mistake is, or reads what orjson cannot


def _text_of(raw: bytes) -> str:
    """The line as text, without a byte order mark or its line ending."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
        ) from None
    return text.removeprefix("\ufeff").rstrip("\r\n")


def _read_as_written(raw: bytes, data: Any) -> bool:
    """Whether orjson's reading keeps every key and number of the line. orjson keeps the
    last of repeated keys silently, and reads fractions and integers beyond 64 bits as
    floats; such lines are read again by the standard parser."""
    if type(data) is dict and not _NESTED_OR_FLOAT.intersection(map(type, data.values())):
        keys: int | None = len(data)  # a record of plain values: its own keys alone
    else:
        keys = _keys_unless_float(data, 1)
    if keys is None:
        return False
    # Every key in the text ends with a quote, JSON space and a colon, so a line with no
    # more of those than orjson's keys cannot have repeated one.
    return raw.count(b":") <= keys or len(_KEY_END.findall(raw)) <= keys


def _keys_unless_float(value: Any, depth: int) -> int | None:
    """How many keys the objects in ``value`` hold; None if a float is among its values."""
    values: Iterable[Any]
    if isinstance(value, dict):
        keys, values = len(value), value.values()
    elif isinstance(value, list):
        keys, values = 0, value
    else:
        return None if isinstance(value, float) else 0
    if depth > DEEPEST:
        raise ValueError(_TOO_DEEP)
    for item in values:
        if isinstance(item, (dict, list, float)):
            inner = _keys_unless_float(item, depth + 1)
            if inner is None:
                return None
            keys += inner
    return keys


def _read_exactly(text: str) -> Any:
    """The standard parser's reading: repeated keys are refused and numbers kept exact."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_repeated_keys,
            parse_float=_fraction,
            parse_int=_integer,
            parse_constant=_not_a_number,
        )
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    _keys_unless_float(data, 1)  # refuses a line nested too deeply
    return data


class Number(Decimal):
    """A JSON number with a fraction, read exactly and shown as it was written."""

    def __repr__(self) -> str:
        return str(self)


def _fraction(text: str) -> Number:
    if "e" in text.lower():
        raise ValueError(f"the number {text} has an exponent: write numbers in full")
    return Number(_short(text))


def _integer(text: str) -> int:
    return int(_short(text))


def _short(number: str) -> str:
    if len(number) > _LONGEST_NUMBER:
        raise ValueError(
            f"a number of {len(number):,} characters is longer than any value of a record"
        )
    return number


def _not_a_number(name: str) -> None:
    raise ValueError(f"not valid JSON: {name} is not a number JSON allows")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"field {key!r} is given twice")
        data[key] = value
    return data


def dump_line(fields: dict[str, Any]) -> str:
    """One record as a line of an import file (without the newline)."""
    return json.dumps(fields, ensure_ascii=False)
