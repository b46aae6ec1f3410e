"""Import and export files: JSON lines, one record per line.

Reading takes files or folders; every line is read and every problem is reported as
``file:line: message``, and records that parse keep their place so later checks can
name it too. Writing gives one normalised record per line, which reading takes back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.batch import Located, Problem
from ledger.records import RecordError, parse_record

IMPORT_SUFFIX = ".jsonl"
# One record is a few hundred bytes; a line of a megabyte is not a record.
LONGEST_LINE = 1_000_000


@dataclass
class ReadResult:
    items: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def read_paths(paths: Iterable[str | Path]) -> ReadResult:
    """Read every import file named, or found (``*.jsonl``, sorted) below a folder named."""
    result = ReadResult()
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(path.rglob(f"*{IMPORT_SUFFIX}"))
            if not found:
                result.problems.append(
                    Problem(str(path), f"no {IMPORT_SUFFIX} files in this folder")
                )
            result.files += found
        elif path.is_file():
            result.files.append(path)
        else:
            result.problems.append(Problem(str(path), "no such file or folder"))
    for path in result.files:
        _read_file(path, result)
    return result


def _read_file(path: Path, result: ReadResult) -> None:
    records_before = len(result.items)
    problems_before = len(result.problems)
    with path.open("rb") as lines:
        for number, raw in enumerate(_bounded_lines(lines), start=1):
            where = f"{path}:{number}"
            if raw is None:
                result.problems.append(
                    Problem(where, f"line is longer than {LONGEST_LINE:,} bytes: not a record")
                )
                continue
            try:
                data = _decode_line(raw)
            except ValueError as error:
                result.problems.append(Problem(where, str(error)))
                continue
            if data is None:
                continue
            try:
                result.items.append(Located(where, parse_record(data)))
            except RecordError as error:
                result.problems += [Problem(where, message) for message in error.problems]
    if len(result.items) == records_before and len(result.problems) == problems_before:
        result.problems.append(Problem(f"{path}:1", "the file holds no records"))


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
        return json.loads(text, object_pairs_hook=_no_repeated_keys)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON: {error.msg} (column {error.colno})") from None


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
