"""``later_parts(year, part, first, changed, last, asked)``, an aggregate a view's SQL may
call over one year's parts (e.g. its services): the note that the year was only partly
known by the day asked, naming the parts that became known later and when, or NULL."""

from __future__ import annotations

from itertools import groupby
from typing import NamedTuple


class Part(NamedTuple):
    year: str
    name: str
    first: str  # the day the first of it became known
    changed: str | None  # the first day after the day asked that it changed
    last: str  # the day the last change to it became known
    asked: str


class LaterParts:
    """The SQLite aggregate: one step per part of a year (GROUP BY the year)."""

    def __init__(self) -> None:
        self.parts: list[Part] = []

    def step(self, *values: object) -> None:
        year, name, first, changed, last, asked = (None if v is None else str(v) for v in values)
        if year and name and first and last and asked:
            self.parts.append(Part(year, name, first, changed, last, asked))

    def finalize(self) -> str | None:
        return later_parts(self.parts)


def later_parts(parts: list[Part]) -> str | None:
    """'only part of 2025-26's allocations was known by 2024-01-01: core, pod became known
    on 2025-03-17; running-costs, known then, changed on 2025-03-17', or None when every
    part, or none, was known by the day asked."""
    known = sorted(part for part in parts if part.first <= part.asked)
    later = sorted((part for part in parts if part.first > part.asked), key=lambda p: p.first)
    if not known or not later:
        return None
    said = [
        f"{', '.join(sorted(part.name for part in same))} became known on {day}"
        for day, same in groupby(later, key=lambda part: part.first)
    ]
    said += [
        f"{part.name}, known then, changed "
        + (
            f"on {part.changed}"
            if part.changed == part.last
            else f"from {part.changed} to {part.last}"
        )
        for part in known
        if part.changed is not None
    ]
    return (
        f"only part of {known[0].year}'s allocations was known by {known[0].asked}: "
        + "; ".join(said)
    )
