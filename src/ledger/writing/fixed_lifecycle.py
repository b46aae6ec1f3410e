"""Errata go through the organisation rules too: the record an erratum makes of a closure,
merger, split or figure takes the place of the record it fixes, at the erratum's line, so
an erratum cannot close an organisation before its figures end, move a figure to an
organisation that had closed, or take away the merger that carries figures on, any more
than a new record could, nor open an organisation after the figures that name it (the
budget a drawdown is set against too), its closure, or a merger or split into it or
carrying it on. The store's own errata are applied to its closures, mergers
and splits before the batch is checked against them (and to its figures, read when the
batch may end what they use). fixed_known holds the rule for an organisation made known
later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from typing import Any

from ledger.records.models import AnyRecord
from ledger.records.reference import (
    ClosureRecord,
    MergerRecord,
    OrganisationRecord,
    SplitRecord,
)
from ledger.records.yearly import YearRecord
from ledger.writing.closing import closing_problems
from ledger.writing.conflicts import (
    BatchAgain,
    Named,
    figures_after_closure,
    figures_naming,
    listed,
    naming_any,
    stored_figures_naming,
)
from ledger.writing.fixed_known import known_after_naming, note_made_known, note_stored_naming
from ledger.writing.lifecycle import (
    STORE,
    USED_FIELDS,
    Closure,
    Found,
    Lifecycle,
    Merger,
    Use,
    Withdrawn,
    named,
    note_record,
    note_stored_uses,
)


def note_fixed(
    lifecycle: Lifecycle, before: AnyRecord, after: AnyRecord | None, order: int, where: str
) -> None:
    """The record an erratum at ``order`` makes of ``before`` (None: it withdraws it)."""
    lifecycle.errata.replaced[before.id] = order
    note_made_known(lifecycle, before, after, order, where)
    if isinstance(after, OrganisationRecord) and after.opened is not None:
        was = before.opened if isinstance(before, OrganisationRecord) else None
        lifecycle.errata.opened.append((after.id, after.opened, order, where, was))
    if after is not None:
        note_record(lifecycle, after, order, where)
        if isinstance(after, YearRecord) and after.effective is not None:
            for field_name, code in after.organisation_references():
                if field_name in USED_FIELDS:
                    made = (after.effective, Use(order, where, field_name, after.id))
                    lifecycle.errata.made_uses.setdefault(code, []).append(made)
    elif isinstance(before, ClosureRecord):
        closed = (before.organisation,)
        withdrawn = Withdrawn(before.id, "closure", closed, order, where, before.effective)
        lifecycle.errata.withdrawn.append(withdrawn)
    elif isinstance(before, (MergerRecord, SplitRecord)):
        carried = tuple(before.predecessors) if isinstance(before, MergerRecord) else (
            before.organisation,
        )  # fmt: skip
        withdrawn = Withdrawn(before.id, before.kind, carried, order, where, before.effective)
        lifecycle.errata.withdrawn.append(withdrawn)


def lifecycle_problems(
    lifecycle: Lifecycle,
    opened: Callable[[str], date | None],
    stored_uses: Callable[[], Iterable[dict[str, Any]]],
    batch: BatchAgain,
) -> list[Found]:
    """Every problem with organisations over time, once the batch's errata have taken the
    place of what they fix; the store's figures (``stored_uses``) are read only when the
    batch closes an organisation or withdraws a closure, merger or split, and those naming
    an organisation the batch closes, opens or stops carrying on are kept, with the
    ``batch``'s, to name every figure in conflict."""
    _drop_replaced(lifecycle)
    changed = lifecycle.errata.withdrawn or lifecycle.errata.opened or lifecycle.errata.known
    asked, stored = _codes_asked(lifecycle), []
    if changed or any(closure.order is not None for closure in lifecycle.closures):
        for fields in stored_uses():  # the batch may end what they use, or start it later
            note_stored_uses(lifecycle, (fields,))
            if lifecycle.errata.known:
                note_stored_naming(lifecycle, fields)
            if asked and (kept := naming_any(fields, asked)):
                stored.append(kept)
    recorded = _opened_as_recorded(lifecycle, opened)
    found = [
        *lifecycle.problems(recorded),
        *figures_after_closure(lifecycle, batch),
        *closing_problems(lifecycle, recorded),
        *_closed_before_stored(lifecycle, stored, batch),
        *_withdrawal_problems(lifecycle, stored, batch),
        *_opened_after_uses(lifecycle, stored, batch),
        *_opened_after_changes(lifecycle),
        *_parent_circles(lifecycle),
        *known_after_naming(lifecycle, batch),
    ]
    return [_as_said(lifecycle, problem) for problem in found]


def _codes_asked(lifecycle: Lifecycle) -> set[str]:
    """The organisations the batch closes, stops carrying on or opens later: a refusal
    about any of them names the store's figures about it."""
    closed = {closure.organisation for closure in lifecycle.closures if closure.order is not None}
    carried = {code for way in lifecycle.errata.withdrawn for code in way.organisations}
    return closed | carried | {code for code, *_ in lifecycle.errata.opened}


def _drop_replaced(lifecycle: Lifecycle) -> None:
    """Keep, of each closure, merger or split an erratum fixed, only what the last erratum
    made of it (nothing, for one withdrawn)."""

    def kept(change: Closure | Merger) -> bool:
        last = lifecycle.errata.replaced.get(change.record)
        return last is None or last == change.order

    lifecycle.closures = [closure for closure in lifecycle.closures if kept(closure)]
    lifecycle.mergers = [merger for merger in lifecycle.mergers if kept(merger)]


def _as_said(lifecycle: Lifecycle, found: Found) -> Found:
    """A problem with the record an erratum makes is said as the erratum's other problems
    with it are ("set: the fixed record: ...")."""
    errata = set(lifecycle.errata.replaced.values())
    if found.order not in errata or found.message.startswith("withdraw:"):
        return found
    return replace(found, message=f"set: the fixed record: {found.message}")


def _closed_before_stored(
    lifecycle: Lifecycle, stored: list[dict[str, Any]], batch: BatchAgain
) -> Iterator[Found]:
    """A closure in the batch (or as an erratum fixes it) before stored figures about later
    days that nothing carries on, said on the closure's line, naming every one of them
    (the batch's own figures are each refused on their line)."""
    for closure in lifecycle.closures:
        code, closed, order = closure.organisation, closure.effective, closure.order
        until = lifecycle.carried_from(code)
        after = [day for day in lifecycle.stored_uses.get(code, ()) if closed < day < until]
        if order is None or not after:
            continue
        on = partial(_after_closure, closed=closed, until=until)
        figures = stored_figures_naming(lifecycle, code, on, stored)
        if figures:  # (none if the batch's errata move every one of them away)
            said, which = _figures_said(lifecycle, code, figures, after)
            closing = f"after it would close on {closed}, and no merger carries them on"
            yield Found(order, closure.where, f"effective: {code} has {said}, {closing}{which}")


def _figures_said(
    lifecycle: Lifecycle, code: str, figures: list[Named], after: list[date]
) -> tuple[str, str]:
    """How the figures in conflict are said: ``figures about D (a, where)`` and nothing
    more, or ``N figures about days from D to E`` and, to end the message, which."""
    kept = _days_kept(lifecycle, code)
    days = sorted(kept[record] for record, _ in figures if record in kept) or sorted(after)
    if len(figures) == 1:
        return f"figures about {days[-1]} ({', '.join(figures[0])})", ""
    return f"{len(figures)} figures about days from {days[0]} to {days[-1]}", f": {listed(figures)}"


def _withdrawal_problems(
    lifecycle: Lifecycle, stored: list[dict[str, Any]], batch: BatchAgain
) -> Iterator[Found]:
    """What withdrawing a closure, merger or split would leave wrong: an organisation that
    a merger or split still carries on no longer closes the day before, or figures about
    days after a closure that nothing carries on any more (every one of them named)."""
    for withdrawn in lifecycle.errata.withdrawn:
        for code in withdrawn.organisations:
            if withdrawn.kind == "closure":
                yield from _still_carried(lifecycle, withdrawn, code)
            else:
                yield from _left_after_closure(lifecycle, withdrawn, code, stored, batch)


def _still_carried(lifecycle: Lifecycle, withdrawn: Withdrawn, code: str) -> Iterator[Found]:
    """A closure withdrawn while a merger or split still carries its organisation on."""
    if any(closure.organisation == code for closure in lifecycle.closures):
        return
    way = next((way for way in lifecycle.mergers if code in way.predecessors), None)
    if way is not None:
        yield Found(
            withdrawn.order, withdrawn.where, f"withdraw: {code} is carried on by {way.record} "
            f"from {way.effective}, so it closes the day before; fix the closure "
            f"{withdrawn.record}'s day rather than withdraw it",
        )  # fmt: skip


def _left_after_closure(
    lifecycle: Lifecycle,
    withdrawn: Withdrawn,
    code: str,
    stored: list[dict[str, Any]],
    batch: BatchAgain,
) -> Iterator[Found]:
    """A merger or split withdrawn while figures of its predecessor after it closed
    still need it: the figure, or how many there are and which."""
    carried = [way.effective for way in lifecycle.mergers if code in way.predecessors]
    until = min(carried, default=date.max)
    days = _days(lifecycle.stored_uses.get(code, ()), lifecycle.uses.get(code, {}))
    closed = [closure for closure in lifecycle.closures if closure.organisation == code]
    after = [day for day in days for end in closed[:1] if end.effective < day < until]
    if not after:
        return
    end = closed[0]
    closing = (
        f"after it closed on {end.effective} ({named(end)}), which {withdrawn.record} "
        "carries on; without it nothing would"
    )
    on = partial(_after_closure, closed=end.effective, until=until)
    figures = figures_naming(lifecycle, code, on, stored, batch)
    if figures:  # (none if the batch's errata move every one of them away)
        said, which = _figures_said(lifecycle, code, figures, after)
        yield Found(withdrawn.order, withdrawn.where,
                    f"withdraw: {code} has {said}, {closing}{which}")  # fmt: skip


def _days_kept(lifecycle: Lifecycle, code: str) -> dict[str, date]:
    """The day each figure about ``code`` (or drawdown set against it) is about, of those
    the batch's checks kept (the first of each day): the batch's, then the store's."""
    kept: dict[str, date] = {}
    for stored in (lifecycle.stored_uses, lifecycle.stored_against):
        kept.update((record, day) for day, record in stored.get(code, {}).items())
    for uses in (lifecycle.uses, lifecycle.against):
        kept.update((use.record, day) for day, use in uses.get(code, {}).items())
    return kept


def _after_closure(used: date, closed: date, until: date) -> bool:
    """A day after an organisation closed and before a merger or split carries it on."""
    return closed < used < until


def _opened_after_uses(
    lifecycle: Lifecycle, stored: list[dict[str, Any]], batch: BatchAgain
) -> Iterator[Found]:
    """An erratum that opens an organisation later than figures about it (one before it
    opened as recorded is wrong itself, and its own line says so), naming every figure."""
    for code, day, order, where, was in lifecycle.errata.opened:
        days = [used for used in _named_on(lifecycle, code) if _between(used, was, day)]
        if not days:
            continue
        figures = figures_naming(
            lifecycle, code, partial(_between, was=was, day=day), stored, batch
        )
        if figures:  # (none if the batch's errata move every one of them away)
            said, which = _figures_said(lifecycle, code, figures, days)
            yield Found(order, where, f"opened: {code} has {said}, before it would open on "
                                      f"{day}{which}")  # fmt: skip


def _opened_as_recorded(
    lifecycle: Lifecycle, opened: Callable[[str], date | None]
) -> Callable[[str], date | None]:
    """The day each organisation opened, by which a closure, merger or split is wrong on
    its own line: the earliest the organisation opens as recorded or as the batch's errata
    fix it (None: one version has no opening day). Out of step with a later day only an
    erratum gives, the erratum is what changed, and its line says so."""
    before: dict[str, list[date | None]] = {}
    for code, _, _, _, was in lifecycle.errata.opened:
        before.setdefault(code, []).append(was)

    def first_day(code: str) -> date | None:
        days = [opened(code), *before.get(code, ())]
        return None if None in days else min(day for day in days if day is not None)

    return first_day


def _opened_after_changes(lifecycle: Lifecycle) -> Iterator[Found]:
    """An erratum that opens an organisation after a closure of it, a merger or split into
    it, or one that carries it on (and so closes it the day before)."""
    for code, day, order, where, was in lifecycle.errata.opened:
        for closure in lifecycle.closures:
            if closure.organisation == code and _between(closure.effective, was, day):
                yield Found(order, where, f"opened: {code} closes on {closure.effective} "
                                          f"({named(closure)}), before it would open on "
                                          f"{day}")  # fmt: skip
        yield from _ways_into(lifecycle, code, day, order, where, was)
        said: set[str] = set()  # a split's parts are one record
        for way in lifecycle.mergers:
            last = way.effective - timedelta(days=1)
            if code in way.predecessors and _between(last, was, day) and way.record not in said:
                said.add(way.record)
                yield Found(order, where, f"opened: {code} closes on {last}, the day before "
                                          f"the {way.kind} that carries it on ({named(way)}), "
                                          f"before it would open on {day}")  # fmt: skip


def _ways_into(
    lifecycle: Lifecycle, code: str, day: date, order: int, where: str, was: date | None
) -> Iterator[Found]:
    """The mergers and splits into an organisation before an erratum would open it: the
    one, or how many there are and which, on one line."""
    into = {way.record: way for way in lifecycle.mergers if way.successor == code}
    ways = [way for way in into.values() if _between(way.effective, was, day)]
    if len(ways) == 1:
        way = ways[0]
        yield Found(order, where, f"opened: {code} has the {way.kind} into it on "
                                  f"{way.effective} ({named(way)}), before it would open on "
                                  f"{day}")  # fmt: skip
    elif ways:
        kinds = {way.kind for way in ways}
        what = f"{kinds.pop()}s" if len(kinds) == 1 else "mergers and splits"
        days = sorted({way.effective for way in ways})
        on = f"on {days[0]}" if len(days) == 1 else f"on days from {days[0]} to {days[-1]}"
        which = listed([(way.record, way.where) for way in ways])
        yield Found(order, where, f"opened: {code} has {len(ways)} {what} into it {on}, "
                                  f"before it would open on {day}: {which}")  # fmt: skip


def _between(used: date, was: date | None, day: date) -> bool:
    """A day before an organisation would open, but not before it opened as it was."""
    return used < day and (was is None or used >= was)


def _named_on(lifecycle: Lifecycle, code: str) -> dict[date, str]:
    """Each day figures name ``code`` in a field that needs it open (the organisation
    they are about, or the budget a drawdown is set against), and the first of them: the
    batch's first line, else the store's."""
    stored = (lifecycle.stored_against, lifecycle.stored_uses)
    named = {
        day: f"{record}, {STORE}" for uses in stored for day, record in uses.get(code, {}).items()
    }
    batch = [
        pair for uses in (lifecycle.uses, lifecycle.against) for pair in uses.get(code, {}).items()
    ]
    for day, use in sorted(batch, key=lambda pair: -pair[1].order):
        named[day] = f"{use.record}, {use.where}"
    return named


def _parent_circles(lifecycle: Lifecycle) -> Iterator[Found]:
    """An erratum's new parent that runs in a circle through the store's parents (one
    through the batch's alone is the circle Lifecycle finds)."""
    batch = {code: parent for code, (parent, _, _) in lifecycle.parents.items()}
    parents = {**lifecycle.errata.stored_parents, **batch}
    fixing = set(lifecycle.errata.replaced.values())
    for code, (_, order, where) in lifecycle.parents.items():
        circle = _circle(parents, code) if order in fixing else None
        if circle and not set(circle) <= set(batch):
            yield Found(order, where, f"parent: {' -> '.join(circle)} is a circle: an "
                                      "organisation cannot be under itself")  # fmt: skip


def _circle(parents: dict[str, str], code: str) -> list[str] | None:
    """The parents from ``code`` back to itself, if they lead there."""
    path = [code]
    while path[-1] in parents and len(path) <= len(parents):
        path.append(parents[path[-1]])
        if path[-1] == code:
            return path
    return None


def _days(stored: Iterable[date], batch: Iterable[date]) -> set[date]:
    return {*stored, *batch}
