"""Printing rows as a table (pounds, for people), JSON or CSV (integer pence, for programs).

Whatever a text holds, the output shows it and cannot be steered by it: a control, format
or separator character is printed as an escape (``\\n``, ``\\x1b``, ``\\u202e``) so it can
neither forge a row nor reach the terminal, and a CSV cell a spreadsheet would run as a
formula starts with a single quote.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from ledger.records.money import format_pounds

FORMATS = ("table", "json", "csv")
PENCE_SUFFIX = "_pence"


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> str:
    """Rows as text in ``fmt``; ``columns`` picks and orders the keys shown."""
    keys = list(columns) if columns is not None else _keys_of(rows)
    picked = [{key: row.get(key) for key in keys} for row in rows]
    if fmt == "json":
        text = json.dumps(picked, indent=2, ensure_ascii=False, default=_json_value)
        return _NON_ASCII.sub(_json_escape, text)
    if fmt == "csv":
        return _csv(picked, keys)
    return _table(picked, keys)


def _keys_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _csv(rows: list[dict[str, Any]], keys: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(map(_csv_cell, keys))
    writer.writerows([_csv_cell(row[key]) for key in keys] for row in rows)
    return buffer.getvalue().rstrip("\n")


# A cell a spreadsheet would run: it starts with one of these and is not a plain number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _csv_cell(value: Any) -> Any:
    """Numbers as they are; text escaped, and quoted when it would start a formula."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = visible(_text(value))
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _table(rows: list[dict[str, Any]], keys: list[str]) -> str:
    """People read tables: pounds for pence, and no column that is empty in every row."""
    if not rows:
        return "(no rows)"
    keys = [key for key in keys if any(row[key] is not None for row in rows)]
    headers = [visible(key.removesuffix(PENCE_SUFFIX)) for key in keys]
    money = {key for key in keys if key.endswith(PENCE_SUFFIX)}
    body = [
        [
            format_pounds(row[key]) if key in money and _is_int(row[key]) else _cell(row[key])
            for key in keys
        ]
        for row in rows
    ]
    right = [key in money or _numeric(rows, key) for key in keys]
    return _aligned(headers, body, right)


def _aligned(headers: list[str], body: list[list[str]], right: list[bool]) -> str:
    """Columns two spaces apart under a rule of dashes; a column is as wide as its widest
    cell, and at least two wider than its heading."""
    widths = [
        max(len(heading) + 2, *(len(row[index]) for row in body))
        for index, heading in enumerate(headers)
    ]

    def line(cells: list[str]) -> str:
        padded = (
            cell.rjust(width) if at_right else cell.ljust(width)
            for cell, width, at_right in zip(cells, widths, right, strict=True)
        )
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *map(line, body)])


def _numeric(rows: list[dict[str, Any]], key: str) -> bool:
    values = [row[key] for row in rows if row[key] is not None]
    return bool(values) and all(map(_is_int, values))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if _is_int(value):
        return f"{value:,}"
    return visible(_text(value))


def _text(value: Any) -> str:
    """A value as text: a list joined by commas, bytes in hex as SQL writes them."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(_text, value))
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    return str(value)


def visible(text: str) -> str:
    """``text`` with every character that does not print (controls such as newline and
    escape, bidirectional overrides, separators) written as its escape: ``\\n``, ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(
        character if character.isprintable() else character.encode("unicode_escape").decode()
        for character in text
    )


_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _json_escape(found: re.Match[str]) -> str:
    """JSON escapes the ASCII controls itself; the others (DEL, C1 controls, bidirectional
    overrides, separators) are escaped here too, as ``\\u202e``."""
    character = found[0]
    if character.isprintable():
        return character
    units = character.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return _text(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``, ``1,486 records``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
