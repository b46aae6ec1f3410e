"""Organisations over time, as a batch and the store describe them together: what `check`
would call a failure for good is refused at import. An organisation is used only while
it is open (a merger carries a predecessor's figures on to its successor), it closes
after it opened, it is merged only into an organisation open on the day, mergers and
parents never run in a circle.

The batch's facts are gathered as its records stream past; the rules are applied once
the whole batch is known, so the lines may come in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.records.fields import CORRECTABLE_KINDS
from ledger.records.models import AnyRecord
from ledger.records.reference import (
    ClosureRecord,
    MergerRecord,
    OrganisationRecord,
    SplitRecord,
)
from ledger.records.yearly import YearRecord

STORE = "recorded in the store"  # where a stored record is, in messages
# The fields naming the organisation a figure is about (a transfer is about both).
USED_FIELDS = ("account", "from", "to")
# The field naming the budget a drawdown is set against, which must be open on the day
# (it need not be carried on after it closes).
AGAINST = "against"
USING_KINDS = frozenset(CORRECTABLE_KINDS)  # the kinds whose figures use an organisation


@dataclass(frozen=True)
class Found:
    """A problem with the batch record at ``order`` (read at ``where``)."""

    order: int
    where: str
    message: str


@dataclass(frozen=True)
class Closure:
    organisation: str
    effective: date
    order: int | None  # None for a stored record
    where: str
    record: str  # the closure's id


@dataclass(frozen=True)
class Merger:
    """A merger, or one successor's part of a split: either carries figures on."""

    successor: str
    predecessors: tuple[str, ...]
    effective: date
    order: int | None
    where: str
    record: str  # the id of the merger or split
    kind: str  # merger or split

    @property
    def predecessor_field(self) -> str:
        """The field naming what is carried on: a merger's predecessors, or the
        organisation a split divides."""
        return "predecessors" if self.kind == "merger" else "organisation"

    @property
    def successor_field(self) -> str:
        return "organisation" if self.kind == "merger" else "successors"


@dataclass(frozen=True)
class Use:
    """The first record of the batch about one organisation on one date (the next one,
    if an erratum took the first back before it)."""

    order: int
    where: str
    field_name: str
    record: str  # the figure's id


@dataclass(frozen=True)
class Withdrawn:
    """A closure, merger or split an erratum of the batch withdraws."""

    record: str
    kind: str
    organisations: tuple[str, ...]  # what it closed or carried on
    order: int
    where: str
    effective: date  # the day it closed them, or carried them on from


@dataclass(frozen=True)
class Naming:
    """The first record known on one day that names an organisation (``where`` is
    STORE for a stored one)."""

    record: str
    field_name: str
    order: int | None
    where: str


@dataclass
class ByErrata:
    """What the batch's errata make of the facts below (see fixed_lifecycle), the store's
    parents, which an erratum's new parent must not run in a circle with, and the stored
    records naming each organisation an erratum makes known later (fixed_known)."""

    replaced: dict[str, int] = field(default_factory=dict)  # id -> its last erratum's order
    withdrawn: list[Withdrawn] = field(default_factory=list)
    # code, day, at, and the day before the erratum (None: it had no opening day)
    opened: list[tuple[str, date, int, str, date | None]] = field(default_factory=list)
    known: list[tuple[str, date, int, str, date]] = field(default_factory=list)
    stored_parents: dict[str, str] = field(default_factory=dict)
    # each stored record naming an organisation an erratum makes known later, in order
    stored_naming: dict[str, list[tuple[date, Naming]]] = field(default_factory=dict)
    # every figure an erratum makes, by the organisation it uses and day (a few, where
    # the batch's own are kept only as the first of a day): a refusal names each
    made_uses: dict[str, list[tuple[date, Use]]] = field(default_factory=dict)


@dataclass
class Lifecycle:
    closures: list[Closure] = field(default_factory=list)
    mergers: list[Merger] = field(default_factory=list)
    parents: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # the batch's
    uses: dict[str, dict[date, Use]] = field(default_factory=dict)  # the batch's figures
    stored_uses: dict[str, dict[date, str]] = field(default_factory=dict)  # first id a day
    against: dict[str, dict[date, Use]] = field(default_factory=dict)  # the batch's, so
    stored_against: dict[str, dict[date, str]] = field(default_factory=dict)  # the store's
    naming: dict[str, dict[date, Naming]] = field(default_factory=dict)  # the batch's, by day
    errata: ByErrata = field(default_factory=ByErrata)

    def store_use(self, code: str, effective: date, record: str) -> None:
        self.stored_uses.setdefault(code, {}).setdefault(effective, record)

    def problems(self, opened: Callable[[str], date | None]) -> list[Found]:
        """Every problem, given the date each organisation opened."""
        return [
            *self._parent_cycles(),
            *self._merger_cycles(),
            *self._closures_before_opening(opened),
            *self._mergers_into_closed(opened),
        ]

    def _parent_cycles(self) -> Iterator[Found]:
        for code, (_, order, where) in self.parents.items():
            path = [code]
            while path[-1] in self.parents and len(path) <= len(self.parents):
                path.append(self.parents[path[-1]][0])
                if path[-1] == code:
                    yield Found(
                        order, where, f"parent: {' -> '.join(path)} is a circle: an "
                        "organisation cannot be under itself",
                    )  # fmt: skip
                    break

    def _merger_cycles(self) -> Iterator[Found]:
        successors: dict[str, set[str]] = {}
        for merger in self.mergers:
            for predecessor in merger.predecessors:
                successors.setdefault(predecessor, set()).add(merger.successor)
        for merger in _in_batch(self.mergers):
            for predecessor in merger.predecessors:
                path = _path(successors, merger.successor, predecessor)
                if path:
                    circle = " -> ".join([predecessor, *path])
                    yield Found(
                        merger.order, merger.where, f"predecessors: {circle} is a circle of "
                        "mergers: an organisation cannot be merged into its own successor",
                    )  # fmt: skip

    def _closures_before_opening(self, opened: Callable[[str], date | None]) -> Iterator[Found]:
        for closure in _in_batch(self.closures):
            first_day = opened(closure.organisation)
            if first_day is not None and closure.effective < first_day:
                yield Found(
                    closure.order, closure.where, f"effective: {closure.organisation} cannot "
                    f"close on {closure.effective}, before it opened on {first_day}",
                )  # fmt: skip

    def _mergers_into_closed(self, opened: Callable[[str], date | None]) -> Iterator[Found]:
        for merger in _in_batch(self.mergers):
            first_day = opened(merger.successor)
            if first_day is not None and merger.effective < first_day:
                yield Found(
                    merger.order, merger.where, f"{merger.successor_field}: {merger.successor} "
                    f"opened on {first_day}, after this {merger.kind} into it on "
                    f"{merger.effective}",
                )  # fmt: skip
        for merger in self.mergers:
            for closure in self.closures:
                if (
                    closure.organisation != merger.successor
                    or closure.effective >= merger.effective
                ):
                    continue
                if merger.order is not None and merger_is_later(merger, closure):
                    message = (
                        f"{merger.successor_field}: {merger.successor} closed on "
                        f"{closure.effective} ({named(closure)}), before this {merger.kind} into "
                        f"it on {merger.effective}"
                    )
                    yield Found(merger.order, merger.where, message)
                elif closure.order is not None:
                    message = (
                        f"effective: {closure.organisation} cannot close on {closure.effective}, "
                        f"before the {merger.kind} into it on {merger.effective} ({named(merger)})"
                    )
                    yield Found(closure.order, closure.where, message)

    def orphaned(self) -> Iterator[tuple[Closure, list[tuple[date, Use]]]]:
        """Each closure, with the first of the batch's figures of each day after it that no
        merger carries on (conflicts refuses each and names the day's others; the store's
        are said on the closure's line: fixed_lifecycle names every one)."""
        for closure in self.closures:
            until = self.carried_from(closure.organisation)
            days = sorted(self.uses.get(closure.organisation, {}).items())
            after = [(day, use) for day, use in days if closure.effective < day < until]
            if after:
                yield closure, after

    def carried_from(self, code: str) -> date:
        """The first day a merger or split carries ``code``'s figures on (date.max if none
        does). What a withdrawn one carried is the withdrawal's to say (fixed_lifecycle)."""
        carried = [merger.effective for merger in self.mergers if code in merger.predecessors]
        withdrawn = [way for way in self.errata.withdrawn if way.kind != "closure"]
        carried += [way.effective for way in withdrawn if code in way.organisations]
        return min(carried, default=date.max)


def named(change: Closure | Merger) -> str:
    """A closure, merger or split named by its id and where it was read."""
    return f"{change.record}, {change.where}"


def _in_batch(records: Iterable[Any]) -> Iterator[Any]:
    return (record for record in records if record.order is not None)


def merger_is_later(merger: Merger, closure: Closure) -> bool:
    """Whether a problem between the two belongs to the merger: it is the batch's and the
    closure the store's, or it is the later line."""
    return merger.order is not None and (closure.order is None or merger.order > closure.order)


def _path(successors: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """The organisations from ``start`` through later mergers to ``goal``, if any."""
    paths = {start: [start]}
    waiting = [start]
    while waiting:
        code = waiting.pop()
        if code == goal:
            return paths[code]
        for after in sorted(successors.get(code, ())):
            if after not in paths:
                paths[after] = [*paths[code], after]
                waiting.append(after)
    return None


def note_record(lifecycle: Lifecycle, record: AnyRecord, order: int, where: str) -> None:
    """What the organisation rules need to know of a record of the batch."""
    if isinstance(record, YearRecord):  # most records are: asked first
        references = record.organisation_references()
        _note_naming(lifecycle, record, (order, where), references)
        if record.effective is not None:
            _note_uses(lifecycle, record.id, record.effective, (order, where), references)
        return
    if not isinstance(record, OrganisationRecord):
        _note_naming(lifecycle, record, (order, where), record.organisation_references())
    if isinstance(record, OrganisationRecord) and record.parent is not None:
        lifecycle.parents[record.id] = (record.parent, order, where)
    elif isinstance(record, ClosureRecord):
        closure = Closure(record.organisation, record.effective, order, where, record.id)
        lifecycle.closures.append(closure)
    elif isinstance(record, MergerRecord):
        predecessors = tuple(record.predecessors)
        merger = Merger(
            record.organisation, predecessors, record.effective, order, where, record.id, "merger"
        )
        lifecycle.mergers.append(merger)
    elif isinstance(record, SplitRecord):
        split = (record.organisation,)
        for share in record.successors:
            part = Merger(
                share.organisation, split, record.effective, order, where, record.id, "split"
            )
            lifecycle.mergers.append(part)


def _note_uses(
    lifecycle: Lifecycle,
    record_id: str,
    effective: date,
    at: tuple[int, str],
    references: list[tuple[str, str]],
) -> None:
    """The organisations a figure of the batch (at ``at``: order, where) uses on its
    effective day."""
    replaced = lifecycle.errata.replaced
    for field_name, code in references:
        if field_name in USED_FIELDS:
            on_days = lifecycle.uses.setdefault(code, {})
        elif field_name == AGAINST:
            on_days = lifecycle.against.setdefault(code, {})
        else:
            continue
        # The first of each day is kept, unless an erratum has since taken it back; a Use
        # is made only then (a million records name their organisations some million and
        # a half times).
        first = on_days.get(effective)
        if first is None or (replaced and taken_back(lifecycle, first)):
            on_days[effective] = Use(*at, field_name, record_id)


def taken_back(lifecycle: Lifecycle, kept: Use | Naming) -> bool:
    """Whether an erratum of the batch has fixed the record kept at its line since (the
    first of a day is kept until then)."""
    return lifecycle.errata.replaced.get(kept.record, kept.order) != kept.order


def _note_naming(
    lifecycle: Lifecycle, record: AnyRecord, at: tuple[int, str], references: list[tuple[str, str]]
) -> None:
    """The organisations a record of the batch (at ``at``: order, where) names, on the day
    it became known (the first of each day is kept, unless an erratum has since taken its
    place)."""
    replaced = lifecycle.errata.replaced
    known = record.known_on()
    for field_name, code in references:
        on_days = lifecycle.naming.setdefault(code, {})
        first = on_days.get(known)
        if first is None or (replaced and taken_back(lifecycle, first)):
            on_days[known] = Naming(record.id, field_name, *at)


def note_stored_change(lifecycle: Lifecycle, fields: dict[str, Any]) -> None:
    """A closure, merger or split recorded in the store, or an organisation's parent (its
    fields as stored, errata applied)."""
    if fields["kind"] == "organisation":
        if isinstance(fields.get("parent"), str):
            lifecycle.errata.stored_parents[str(fields["id"])] = fields["parent"]
        return
    effective = date.fromisoformat(fields["effective"])
    if fields["kind"] == "closure":
        closure = Closure(fields["organisation"], effective, None, STORE, fields["id"])
        lifecycle.closures.append(closure)
    elif fields["kind"] == "split":
        for share in fields["successors"]:
            predecessor = (fields["organisation"],)
            part = Merger(
                share["organisation"], predecessor, effective, None, STORE, fields["id"], "split"
            )
            lifecycle.mergers.append(part)
    else:
        predecessors = tuple(fields["predecessors"])
        merger = Merger(
            fields["organisation"], predecessors, effective, None, STORE, fields["id"], "merger"
        )
        lifecycle.mergers.append(merger)


def note_stored_uses(lifecycle: Lifecycle, records: Iterable[dict[str, Any]]) -> None:
    """The organisations each stored figure uses, on the date it is about."""
    for fields in records:
        if fields.get("kind") in USING_KINDS:
            note_stored_use(lifecycle, fields)


def note_stored_use(lifecycle: Lifecycle, fields: dict[str, Any]) -> None:
    """The organisations a stored figure uses, on the date it is about."""
    about = _effective_of(fields)
    if about is not None:
        for field_name in USED_FIELDS:
            if isinstance(fields.get(field_name), str):
                lifecycle.store_use(fields[field_name], about, str(fields.get("id")))
        if isinstance(code := fields.get(AGAINST), str):
            lifecycle.stored_against.setdefault(code, {}).setdefault(about, str(fields.get("id")))


def _effective_of(fields: dict[str, Any]) -> date | None:
    """The date a stored record is about, or None where it has none it can be read by
    (a hand-edited store; ``check`` names such a record)."""
    try:
        return date.fromisoformat(fields["effective"])
    except (KeyError, TypeError, ValueError):
        return None
