"""--sort and --limit: ordering and cutting a view's rows. The view runs to its end
either way; with --limit only the rows kept are held, so that --max-rows counts them."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.cli.output import PENCE_SUFFIX
from ledger.views.read_limits import Keep


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


def kept(keys: Sequence[SortKey], limit: int | None) -> Keep:
    """What a read keeps of a view's rows as SQLite gives them: with ``limit``, the first
    ``limit`` rows in the order of ``keys``, holding no more at a time; without, every
    row, to be ordered by ``sorted_rows`` once they are all read. A key that names no
    column is refused before any row is read."""

    def keep(columns: list[str], rows: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
        key = row_order(keys, columns)
        if limit is None:
            return rows
        numbered = enumerate(rows)
        first = (
            heapq.nsmallest(limit, numbered, key=lambda pair: (key(pair[1]), pair[0]))
            if keys
            else list(itertools.islice(numbered, limit))
        )
        for _ in numbered:  # the view runs to its end, as it would without --limit
            pass
        return [row for _, row in first]

    return keep


def sorted_rows(rows: list[dict[str, Any]], keys: Sequence[SortKey]) -> list[dict[str, Any]]:
    """``rows`` ordered by ``keys``, the first deciding most; an empty value comes last
    either way, and rows that tie keep the view's order."""
    if not keys or not rows:
        return rows
    key = row_order(keys, list(rows[0]))
    return sorted(rows, key=lambda row: key(list(row.values())))


def row_order(keys: Sequence[SortKey], columns: list[str]) -> Callable[[Sequence[Any]], Any]:
    """The sort key of a row (its values, in the order of ``columns``) by ``keys``."""
    places = [(columns.index(_column(key.column, columns)), key.descending) for key in keys]

    def key(row: Sequence[Any]) -> tuple[tuple[Any, ...], ...]:
        return tuple(
            (1,) if row[place] is None else (0, _ordered(_comparable(row[place]), descending))
            for place, descending in places
        )

    return key


def _column(name: str, columns: list[str]) -> str:
    """The column ``name`` means: itself, or a money column written without ``_pence``
    (as a table heads it)."""
    if name in columns:
        return name
    if name + PENCE_SUFFIX in columns:
        return name + PENCE_SUFFIX
    raise SortError(
        f"--sort: the view has no column {name!r}; its columns: {', '.join(columns)}"
        f" (a *{PENCE_SUFFIX} column may be named without {PENCE_SUFFIX})"
    )


def _comparable(value: Any) -> tuple[int, Any]:
    """Numbers before text, each in its own order, so a mixed column still sorts."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def _ordered(value: tuple[int, Any], descending: bool) -> Any:
    return _Descending(value) if descending else value


class _Descending:
    """A value that sorts before the values it is greater than."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[int, Any]) -> None:
        self.value = value

    def __lt__(self, other: _Descending) -> bool:
        return other.value < self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]
