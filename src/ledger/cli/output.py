"""Printing rows as a table (pounds, for people), JSON or CSV (integer pence, for programs),
or a spreadsheet (see spreadsheet.py).

Money is in ``*_pence`` columns. A table shows it in ``units`` (pounds by default, or
thousands, millions or billions of pounds: ``£849,204k``); CSV writes integer pence
unless given units, then exact decimal numbers in them (the header says which:
``allocation_pounds_k``); JSON is always integer pence. A table also shows beside each
source id it prints the source's short title and date, when it is given them.

Whatever a text holds, the output shows it and cannot be steered by it: a control, format
or separator character is printed as an escape (``\\n``, ``\\x1b``, ``\\u202e``) so it can
neither forge a row nor reach the terminal, and a backslash as two, so that an escape is
never the same as the characters it is written with (a newline shows ``\\n``, the text
backslash-n ``\\\\n``); a CSV cell a spreadsheet would run as a formula starts with a single
quote. JSON writes every text exactly, in its own escapes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledger.records.money import format_pounds

FORMATS = ("table", "json", "csv", "xlsx")
PENCE_SUFFIX = "_pence"

# Pence in one of each unit, and the places a table rounds it to.
UNITS = {"pounds": 100, "k": 100_000, "m": 100_000_000, "bn": 100_000_000_000}
_TABLE_PLACES = {"pounds": 2, "k": 0, "m": 1, "bn": 2}
# What a money column is called once it is in a unit (CSV) or what its heading says (xlsx).
UNIT_SUFFIX = {"pounds": "_pounds", "k": "_pounds_k", "m": "_pounds_m", "bn": "_pounds_bn"}
UNIT_SIGN = {"pounds": "£", "k": "£k", "m": "£m", "bn": "£bn"}


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    *,
    units: str | None = None,
    sources: Mapping[str, str] | None = None,
) -> str:
    """Rows as text in ``fmt``; ``columns`` picks and orders the keys shown. ``units``
    is the unit of money for a table (default pounds) or CSV (default integer pence);
    ``sources`` maps a source id to what a table prints beside it."""
    keys = list(columns) if columns is not None else _keys_of(rows)
    picked = [{key: row.get(key) for key in keys} for row in rows]
    if fmt == "json":
        finite = [{key: _finite(value) for key, value in row.items()} for row in picked]
        text = json.dumps(finite, indent=2, ensure_ascii=False, default=_json_value)
        return _NON_ASCII.sub(_json_escape, text)
    if fmt == "csv":
        return _csv(picked, keys, units)
    return _table(picked, keys, units or "pounds", sources or {})


def in_units(pence: int, units: str) -> Decimal:
    """Pence as an exact number of ``units``: 84920400000 pence is 849204 in k."""
    return Decimal(pence) / UNITS[units]


def format_money(pence: int, units: str = "pounds") -> str:
    """Pence for people in ``units``: ``-£2,400,000.00``, ``£849,204k``, ``£8.6m``,
    ``£19.38bn`` (rounded half away from zero)."""
    if units == "pounds":
        return format_pounds(pence)
    places = _TABLE_PLACES[units]
    rounded = abs(in_units(pence, units)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    sign = "-" if pence < 0 and rounded else ""
    return f"{sign}£{rounded:,.{places}f}{units}"


def money_columns(keys: Sequence[str]) -> set[str]:
    return {key for key in keys if key.endswith(PENCE_SUFFIX)}


def is_money(value: Any) -> bool:
    return _is_int(value)


def _keys_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _csv(rows: list[dict[str, Any]], keys: list[str], units: str | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    money = money_columns(keys) if units else set()
    header = [
        key.removesuffix(PENCE_SUFFIX) + UNIT_SUFFIX[units] if units and key in money else key
        for key in keys
    ]
    writer.writerow(map(_csv_cell, header))
    writer.writerows(
        [
            _number(in_units(row[key], units))
            if units and key in money and _is_int(row[key])
            else _csv_cell(row[key])
            for key in keys
        ]
        for row in rows
    )
    return buffer.getvalue().rstrip("\n")


def _number(value: Decimal) -> str:
    """An exact decimal as plain digits, without an exponent or trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# A cell a spreadsheet would run: it starts with one of these and is not a plain number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _csv_cell(value: Any) -> Any:
    """Numbers as they are; text escaped, and quoted when it would start a formula."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = visible(as_text(value))
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _table(
    rows: list[dict[str, Any]], keys: list[str], units: str, sources: Mapping[str, str]
) -> str:
    """People read tables: pounds (or ``units``) for pence, a source's title beside its
    id, and no column that is empty in every row."""
    if not rows:
        return "(no rows)"
    keys = [key for key in keys if any(row[key] is not None for row in rows)]
    headers = [visible(key.removesuffix(PENCE_SUFFIX)) for key in keys]
    money = money_columns(keys)
    cited = {key for key in keys if "source" in key} if sources else set()
    body = [
        [
            format_money(row[key], units)
            if key in money and _is_int(row[key])
            else _cited(_cell(row[key]), sources)
            if key in cited
            else _cell(row[key])
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


def _cited(cell: str, sources: Mapping[str, str]) -> str:
    """``2ed371ee3bf9cfd1 para 10`` -> ``2ed371ee3bf9cfd1 [title, date] para 10``: each
    source id in the cell (a whole word) followed by what ``sources`` says of it."""
    return _WORD.sub(
        lambda found: (
            f"{found[0]} [{visible(sources[found[0]])}]" if found[0] in sources else found[0]
        ),
        cell,
    )


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9]")


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
    return visible(as_text(value))


def as_text(value: Any) -> str:
    """A value as text: a list joined by commas, bytes in hex as SQL writes them."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(as_text, value))
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    return str(value)


def visible(text: str) -> str:
    """``text`` with every character that does not print (controls such as newline and
    escape, bidirectional overrides, separators) written as its escape: ``\\n``, ``\\x1b``;
    and a backslash doubled, ``\\\\``, so that the text backslash-n is not a newline."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(
        character.encode("unicode_escape").decode()
        if character == "\\" or not character.isprintable()
        else character
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


def _finite(value: Any) -> Any:
    """JSON has no infinity nor NaN (Python would write ``Infinity``, which no JSON reader
    takes): such a number, which SQL can make (``1e400``), is null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return as_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def short_title(title: str, most: int = 48) -> str:
    """A source's title cut to its first part: before a bracket, and at most ``most``
    characters (cut at a word, ending ...)."""
    short = title.split(" (", 1)[0].strip() or title
    if len(short) <= most:
        return short
    cut = short[: most - 3].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "..."


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``, ``1,486 records``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
