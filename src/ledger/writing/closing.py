"""How an organisation ends, as a batch and the store describe it together: it closes
once, its figures are carried on once (by a merger or a split), and that takes effect
the day after it closes, while it was open. These are the rules ``check`` calls "closed
once" and "predecessors close", refused at import rather than found afterwards.

A merger or split may be recorded before its predecessor's closure (figures about the
days after it would otherwise have no way on), but never beside a closure on another day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import TypeVar

from ledger.writing.lifecycle import Closure, Found, Lifecycle, Merger, merger_is_later, named

Change = TypeVar("Change", Closure, Merger)


def closing_problems(lifecycle: Lifecycle, opened: Callable[[str], date | None]) -> Iterator[Found]:
    """Every problem with how the batch closes organisations and carries them on, given
    the date each organisation opened."""
    closures, ways = _stored_first(lifecycle.closures), _stored_first(lifecycle.mergers)
    closed = _firsts((closure.organisation, closure) for closure in closures)
    carried = _firsts((code, way) for way in ways for code in way.predecessors)
    successors: dict[str, list[str]] = {}  # of each merger or split
    for part in ways:
        successors.setdefault(part.record, []).append(part.successor)
    for closure in closures:
        first = closed[closure.organisation]
        if first is not closure and closure.order is not None:
            yield Found(
                closure.order, closure.where, f"organisation: {closure.organisation} already "
                f"closed on {first.effective} ({named(first)}); an organisation closes once",
            )  # fmt: skip
    said: set[tuple[str, str]] = set()  # a split's parts are one record
    for way in ways:
        for code in way.predecessors:
            earlier = carried[code]
            if earlier.record == way.record or way.order is None or (way.record, code) in said:
                continue
            said.add((way.record, code))
            yield Found(
                way.order, way.where, f"{way.predecessor_field}: {code} is already "
                f"{_carried(earlier, successors)} ({named(earlier)}); an organisation's figures "
                "are carried on once",
            )  # fmt: skip
    for code, way in carried.items():
        yield from _closing_day(code, way, closed.get(code), successors)
        yield from _open_before(code, way, opened(code))


def _closing_day(
    code: str, way: Merger, closure: Closure | None, successors: dict[str, list[str]]
) -> Iterator[Found]:
    """A predecessor closes the day before the merger or split that carries it on."""
    day_before = way.effective - timedelta(days=1)
    if closure is None or closure.effective == day_before:
        return
    if way.order is not None and merger_is_later(way, closure):
        yield Found(
            way.order, way.where, f"{way.predecessor_field}: {code} closes on {closure.effective} "
            f"({named(closure)}), but this {way.kind} takes effect on {way.effective}: "
            f"an organisation closes the day before its figures are carried on ({day_before})",
        )  # fmt: skip
    elif closure.order is not None:
        yield Found(
            closure.order, closure.where, f"effective: {code} is "
            f"{_carried(way, successors)} ({named(way)}), so it closes the day before, on "
            f"{day_before}, not on {closure.effective}",
        )  # fmt: skip


def _open_before(code: str, way: Merger, first_day: date | None) -> Iterator[Found]:
    """A predecessor was open before the merger or split took effect."""
    if way.order is not None and first_day is not None and way.effective <= first_day:
        yield Found(
            way.order, way.where, f"{way.predecessor_field}: {code} opened on {first_day}; this "
            f"{way.kind} from {way.effective} would close it on "
            f"{way.effective - timedelta(days=1)}, before it opened",
        )  # fmt: skip


def _stored_first(changes: Iterable[Change]) -> list[Change]:
    """The store's records in its order, then the batch's in theirs."""
    return sorted(changes, key=lambda change: (change.order is not None, change.order or 0))


def _firsts(pairs: Iterable[tuple[str, Change]]) -> dict[str, Change]:
    """The first change named by each code."""
    firsts: dict[str, Change] = {}
    for code, change in pairs:
        firsts.setdefault(code, change)
    return firsts


def _carried(way: Merger, successors: dict[str, list[str]]) -> str:
    if way.kind == "merger":
        return f"merged into {way.successor} from {way.effective}"
    return f"split between {', '.join(successors[way.record])} from {way.effective}"
