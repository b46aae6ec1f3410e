"""--sort and --limit: ordering and cutting a view's rows after the query has run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.cli.output import PENCE_SUFFIX, visible


class SortError(ValueError):
    """A --sort that names no column of the rows, or names nothing."""


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool


def parse_sort(given: Sequence[str]) -> list[SortKey]:
    """``("-allocation", "code,name")`` -> allocation descending, then code, then name."""
    keys = []
    for text in given:
        for part in text.split(","):
            name = part.strip()
            descending = name.startswith("-")
            name = name.removeprefix("-").removeprefix("+").strip()
            if not name:
                raise SortError(f"{text!r} names no column (write COLUMN or -COLUMN)")
            keys.append(SortKey(name, descending))
    return keys


def sorted_rows(rows: list[dict[str, Any]], keys: Sequence[SortKey]) -> list[dict[str, Any]]:
    """``rows`` ordered by ``keys``, the first deciding most; an empty value comes last
    either way, and rows that tie keep the view's order."""
    if not keys or not rows:
        return rows
    columns = list(dict.fromkeys(column for row in rows for column in row))
    ordered = list(rows)
    for key in reversed(keys):
        column = _column(key.column, columns)
        present = [row for row in ordered if row.get(column) is not None]
        absent = [row for row in ordered if row.get(column) is None]
        present.sort(key=lambda row: _comparable(row[column]), reverse=key.descending)
        ordered = present + absent
    return ordered


def limited(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    return rows if limit is None else rows[:limit]


def _column(name: str, columns: list[str]) -> str:
    """The column ``name`` means: itself, or a money column written without ``_pence``
    (as a table heads it)."""
    if name in columns:
        return name
    if name + PENCE_SUFFIX in columns:
        return name + PENCE_SUFFIX
    raise SortError(
        f"--sort: the view has no column {visible(name)!r}; its columns: {', '.join(columns)}"
        f" (a *{PENCE_SUFFIX} column may be named without {PENCE_SUFFIX})"
    )


def _comparable(value: Any) -> tuple[int, Any]:
    """Numbers before text, each in its own order, so a mixed column still sorts."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))
