"""Every record an erratum's refusal is in conflict with, in the order they appear (the
store's, then the batch's by file and line), and every figure of the batch about a day
after its organisation closed, where the checker keeps only the first record of each
day. The batch's files are read again only once a conflict is found; the store's
figures about the organisations in question are kept as the store is read for the
batch (naming_any), not read twice. A message names the first few and how many more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ledger.records.located import Located
from ledger.records.seen import Seen
from ledger.writing.jsonlines import read_line
from ledger.writing.lifecycle import (
    AGAINST,
    STORE,
    USED_FIELDS,
    USING_KINDS,
    Found,
    Lifecycle,
    Use,
    named,
    taken_back,
)

SHOWN = 3  # records named in a message; the rest are counted
Named = tuple[str, str]  # a record's id and where it was read (or STORE)


def listed(named: list[Named]) -> str:
    """``a (x.jsonl:4), b (x.jsonl:9) and 12 more``: the first few, on one line."""
    said = [f"{record} ({where})" for record, where in named]
    if len(said) > SHOWN + 1:
        return f"{', '.join(said[:SHOWN])} and {len(said) - SHOWN} more"
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"


class BatchAgain:
    """The batch's records read again from its files (each id where it was first read;
    a file that cannot be read again is passed over)."""

    def __init__(self, seen: Mapping[str, Seen]):
        self._seen = seen

    @functools.cached_property
    def paths(self) -> dict[str, int]:
        """The batch's files, each with its place in the batch (read once the batch is
        over: each conflict found asks for them)."""
        paths = dict.fromkeys(found.where.rpartition(":")[0] for found in self._seen.values())
        return {path: index for index, path in enumerate(paths)}

    def place(self, where: str) -> tuple[int, int]:
        """Where a line is in the batch: its file's place, then its line's."""
        return place_in(where, self.paths)

    def naming(self, code: str) -> Iterator[Located]:
        """The records whose line mentions ``code``, in the batch's order."""
        needle = code.encode()
        for path in (path for path in self.paths if path and Path(path).is_file()):
            try:
                with open(path, "rb") as stream:
                    for number, raw in enumerate(stream, 1):
                        outcome = read_line(f"{path}:{number}", raw) if needle in raw else None
                        if isinstance(outcome, Located) and _first_read(self._seen, outcome):
                            yield outcome
            except OSError:
                continue


def _first_read(seen: Mapping[str, Seen], item: Located) -> bool:
    found = seen.get(item.record.id)
    return found is not None and found.where == item.where


def figures_naming(
    lifecycle: Lifecycle,
    code: str,
    on: Callable[[date], bool],
    stored: Iterable[dict[str, Any]],
    batch: BatchAgain,
) -> list[Named]:
    """Every figure that needs ``code`` open on a day ``on`` accepts, as the errata leave
    it: the store's in its order, then the batch's (an erratum's at its line)."""
    fixed = lifecycle.errata.replaced
    found = stored_figures_naming(lifecycle, code, on, stored)
    kept = [use for uses in (lifecycle.uses, lifecycle.against) for use in _uses(uses, code, on)]
    in_batch = {(use.record, use.where) for use in kept if not taken_back(lifecycle, use)}
    for item in batch.naming(code):
        if item.record.id not in fixed and _names(item.fields, code, on):
            in_batch.add((item.record.id, item.where))
    return [*found, *sorted(in_batch, key=lambda named: batch.place(named[1]))]


def stored_figures_naming(
    lifecycle: Lifecycle, code: str, on: Callable[[date], bool], stored: Iterable[dict[str, Any]]
) -> list[Named]:
    """The store's figures that need ``code`` open on a day ``on`` accepts, in its order,
    leaving out those the batch's errata fix."""
    fixed = lifecycle.errata.replaced
    found = [(str(fields["id"]), STORE) for fields in stored if _names(fields, code, on)]
    return [named for named in found if named[0] not in fixed]


# What figures_naming reads of a stored figure, and the fields that name where it must be open.
_FIGURE_FIELDS = ("id", "kind", "effective", *USED_FIELDS, AGAINST)
_NAMING_FIELDS = (*USED_FIELDS, AGAINST)


def naming_any(fields: dict[str, Any], codes: set[str]) -> dict[str, Any] | None:
    """A stored record's fields that figures_naming reads, if it is a figure naming any
    of ``codes`` where it must be open (None otherwise). Asked of every stored record."""
    if fields.get("kind") in USING_KINDS:
        for name in _NAMING_FIELDS:
            code = fields.get(name)
            if type(code) is str and code in codes:
                return {name: fields.get(name) for name in _FIGURE_FIELDS}
    return None


def figures_after_closure(lifecycle: Lifecycle, batch: BatchAgain) -> Iterator[Found]:
    """The batch's figures about days after their organisation closed that no merger
    carries on: the first of each day is refused on its line, naming the day's others,
    read again from the batch's files (the checker keeps only the first of a day). When
    an erratum has taken the first back, the next is refused in its place (listed where
    the first was: the batch's order of a line read again is not known)."""
    for closure, after in lifecycle.orphaned():
        code = closure.organisation
        others = _same_days(lifecycle, batch, code, after)
        for day, use in after:
            more = others.get(day, [])
            if taken_back(lifecycle, use):
                if not more:
                    continue
                (record, where, field_name), more = more[0], more[1:]
                use = Use(use.order, where, field_name, record)
            message = (
                f"{use.field_name}: {code} closed on {closure.effective} ({named(closure)}), "
                f"before {day}, and no merger carries its figures on"
            )
            if more:
                figures = f"{len(more)} more figure{'s' if len(more) > 1 else ''}"
                named_more = [(record, where) for record, where, _ in more]
                message += f"; the batch has {figures} about that day: {listed(named_more)}"
            yield Found(use.order, use.where, message)


def _same_days(
    lifecycle: Lifecycle, batch: BatchAgain, code: str, after: list[tuple[date, Use]]
) -> dict[date, list[tuple[str, str, str]]]:
    """The batch's figures using ``code`` on each of these days other than the day's first
    (its record, where it was read and the field naming ``code``), in the batch's order:
    its lines read again, leaving out those an erratum fixes, and what its errata make of
    them, at the errata's lines."""
    first = {day: (use.record, use.where) for day, use in after}
    fixed = lifecycle.errata.replaced
    more: dict[date, list[tuple[str, str, str]]] = {}
    for item in batch.naming(code):
        fields = item.fields
        if fields.get("kind") not in USING_KINDS or item.record.id in fixed:
            continue
        day = _day(fields.get("effective"))
        if day not in first or first[day] == (item.record.id, item.where):
            continue
        for name in USED_FIELDS:
            if fields.get(name) == code:
                more.setdefault(day, []).append((item.record.id, item.where, name))
                break
    for day, use in lifecycle.errata.made_uses.get(code, []):  # at their errata's lines
        if (
            day in first
            and first[day] != (use.record, use.where)
            and not taken_back(lifecycle, use)
        ):
            more.setdefault(day, []).append((use.record, use.where, use.field_name))
    for figures in more.values():
        figures.sort(key=lambda figure: batch.place(figure[1]))
    return more


def _day(effective: Any) -> date | None:
    try:
        return date.fromisoformat(effective) if isinstance(effective, str) else None
    except ValueError:
        return None


def _uses(uses: dict[str, dict[date, Use]], code: str, on: Callable[[date], bool]) -> list[Use]:
    return [use for day, use in uses.get(code, {}).items() if on(day)]


def _names(fields: dict[str, Any], code: str, on: Callable[[date], bool]) -> bool:
    """A figure about a day ``on`` accepts, naming ``code`` where it must be open."""
    if fields.get("kind") not in USING_KINDS:
        return False
    if not any(fields.get(name) == code for name in _NAMING_FIELDS):
        return False
    day = _day(fields.get("effective"))
    return day is not None and on(day)


def place_in(where: str, paths: dict[str, int]) -> tuple[int, int]:
    """A line's place in the batch (``paths`` its files, each with its place): its file's,
    then its line's."""
    path, _, line = where.rpartition(":")
    return paths.get(path, len(paths)), int(line) if line.isdigit() else 0
