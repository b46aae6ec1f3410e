"""Import and export files: JSON lines, one record per line.

Reading takes files or folders; every line is read and every problem is reported as
``file:line: message``, and records that parse keep their place so later checks can
name it too. Writing gives one normalised record per line, which reading takes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from ledger.batch import Located, Problem
from ledger.records import RecordError, parse_record

IMPORT_SUFFIX = ".jsonl"
# One record is a few hundred bytes; a line of a megabyte is not a record.
LONGEST_LINE = 1_000_000


class RecordStream:
    """The records of import files, read one line at a time. Problems found while reading
    collect in ``problems``; iterating again reads the files again."""

    def __init__(self, paths: Iterable[str | Path]):
        self.paths = [Path(path) for path in paths]
        self.problems: list[Problem] = []
        self.files: list[Path] = []

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
                self.problems.append(Problem(str(path), "no such file or folder"))
        for path in self.files:
            yield from self._read_file(path)

    def _read_file(self, path: Path) -> Iterator[Located]:
        records = 0
        problems_before = len(self.problems)
        with path.open("rb") as lines:
            for number, raw in enumerate(_bounded_lines(lines), start=1):
                where = f"{path}:{number}"
                if raw is None:
                    self.problems.append(
                        Problem(where, f"line is longer than {LONGEST_LINE:,} bytes: not a record")
                    )
                    continue
                try:
                    data = _decode_line(raw)
                except ValueError as error:
                    self.problems.append(Problem(where, str(error)))
                    continue
                if data is None:
                    continue
                try:
                    record = parse_record(data)
                except RecordError as error:
                    self.problems += [Problem(where, message) for message in error.problems]
                    continue
                records += 1
                yield Located(where, record)
        if records == 0 and len(self.problems) == problems_before:
            self.problems.append(Problem(f"{path}:1", "the file holds no records"))


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
    """The JSON value on a line, or None for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
        ) from None
    text = text.removeprefix("\ufeff").rstrip("\r\n")
    if not text.strip():
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None  # the standard parser says where the mistake is
    if data is None or _may_repeat_a_key(raw, data):
        try:
            return json.loads(text, object_pairs_hook=_no_repeated_keys)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON: {error.msg} (column {error.colno})") from None
    return data


def _may_repeat_a_key(raw: bytes, data: Any) -> bool:
    """orjson keeps the last of repeated keys silently; a line with more key separators
    than keys is read again by the standard parser, which refuses repeats."""
    keys = len(data) if isinstance(data, dict) else 0
    return raw.count(b'":') + raw.count(b'" :') > keys


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
