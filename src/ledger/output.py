"""Printing rows as a table (pounds, for people), JSON or CSV (integer pence, for programs)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ledger.money import format_pounds

FORMATS = ("table", "json", "csv")
PENCE_SUFFIX = "_pence"


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> str:
    """Rows as text in ``fmt``; ``columns`` picks and orders the keys shown."""
    keys = list(columns) if columns is not None else _keys_of(rows)
    picked = [{key: row.get(key) for key in keys} for row in rows]
    if fmt == "json":
        return json.dumps(picked, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _csv(picked, keys)
    return _table(picked, keys)


def _keys_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _csv(rows: list[dict[str, Any]], keys: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


def _table(rows: list[dict[str, Any]], keys: list[str]) -> str:
    """People read tables: pounds for pence, and no column that is empty in every row."""
    if not rows:
        return "(no rows)"
    keys = [key for key in keys if any(row[key] is not None for row in rows)]
    headers = [key.removesuffix(PENCE_SUFFIX) for key in keys]
    money = {key for key in keys if key.endswith(PENCE_SUFFIX)}
    body = [
        [format_pounds(row[key]) if key in money else _cell(row[key]) for key in keys]
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
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``, ``1,486 records``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
