"""What a batch of records must satisfy, together and against the store, before it is
appended: ids are new or repeat exactly what is recorded, every organisation, source
and corrected record it names exists, and corrections make sense for what they correct.

Every problem is collected (not just the first) with the place it came from, so a user
can fix a whole file in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ledger.records import (
    COMPONENT_KINDS,
    CORRECTABLE_KINDS,
    AnyRecord,
    CitedRecord,
    CorrectionRecord,
    FigureRecord,
    OrganisationRecord,
    SourceRecord,
    YearRecord,
    amount_problem,
)

Lookup = Callable[[str], AnyRecord | None]

# Sources and organisations are appended first, so that the facts naming them follow them.
_APPEND_RANK = {"source": 0, "organisation": 1}


@dataclass(frozen=True)
class Located:
    """A record and where it was read: ``events/x.jsonl:3`` or ``command line``."""

    where: str
    record: AnyRecord


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Batch:
    """The outcome of checking: what would be appended, and what stands in the way."""

    new: list[Located] = field(default_factory=list)
    already_recorded: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def prepare_batch(items: Sequence[Located], lookup: Lookup) -> Batch:
    """Check ``items`` against each other and against the store (through ``lookup``)."""
    batch = Batch()
    for item in _distinct(items, batch.problems):
        stored = lookup(item.record.id)
        if stored is None:
            batch.new.append(item)
        elif stored.normalised() == item.record.normalised():
            batch.already_recorded.append(item)
        else:
            batch.problems.append(
                Problem(
                    item.where,
                    f"id {item.record.id!r} is already recorded with different content "
                    f"({_differences(stored, item.record)})",
                )
            )
    batch.new.sort(key=lambda item: _APPEND_RANK.get(item.record.kind, 2))
    references = _References(lookup, batch.new)
    for index, item in enumerate(batch.new):
        for message in references.problems_of(item.record, index):
            batch.problems.append(Problem(item.where, message))
    return batch


def _distinct(items: Sequence[Located], problems: list[Problem]) -> list[Located]:
    """Drop exact repeats of an id within the batch; a repeat that differs is a problem."""
    first_seen: dict[str, Located] = {}
    distinct = []
    for item in items:
        earlier = first_seen.setdefault(item.record.id, item)
        if earlier is item:
            distinct.append(item)
        elif earlier.record.normalised() != item.record.normalised():
            problems.append(
                Problem(
                    item.where,
                    f"id {item.record.id!r} is used again with different content "
                    f"(first at {earlier.where})",
                )
            )
    return distinct


def _differences(old: AnyRecord, new: AnyRecord) -> str:
    before, after = old.normalised(), new.normalised()
    changed = [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]
    return "; ".join(changed)


class _References:
    """Resolves the ids a record names, in the batch first and then in the store."""

    def __init__(self, lookup: Lookup, new: list[Located]):
        self._lookup = lookup
        self._in_batch = {item.record.id: (index, item.record) for index, item in enumerate(new)}
        self._stored: dict[str, AnyRecord | None] = {}

    def find(self, record_id: str, before: int | None = None) -> AnyRecord | None:
        """The record with this id: stored, or in the batch (ahead of ``before``)."""
        if record_id in self._in_batch:
            index, record = self._in_batch[record_id]
            return record if before is None or index < before else None
        if record_id not in self._stored:
            self._stored[record_id] = self._lookup(record_id)
        return self._stored[record_id]

    def problems_of(self, record: AnyRecord, index: int) -> list[str]:
        problems = []
        if isinstance(record, CitedRecord):
            problems += self._source_problems(record)
        for field_name, code in record.organisation_references():
            problems += self._organisation_problems(record, field_name, code)
        if isinstance(record, CorrectionRecord):
            problems += self._correction_problems(record, index)
        if isinstance(record, FigureRecord):
            for component in record.components:
                problems += self._component_problems(record, component.removeprefix("-"), index)
        return problems

    def _component_problems(self, figure: FigureRecord, component_id: str, index: int) -> list[str]:
        found = self.find(component_id, before=index)
        if found is None:
            return [f"components: no record {component_id!r} recorded before this figure"]
        if found.kind not in COMPONENT_KINDS:
            return [
                f"components: {component_id!r} is a {found.kind} record; components are "
                f"{', '.join(COMPONENT_KINDS)} records"
            ]
        unit = found.unit if isinstance(found, FigureRecord) else "gbp"
        if unit != figure.unit:
            return [f"components: {component_id!r} is in {unit}, the figure in {figure.unit}"]
        return []

    def _source_problems(self, record: CitedRecord) -> list[str]:
        found = self.find(record.source)
        if isinstance(found, SourceRecord):
            return []
        if found is None:
            return [f"source: unknown source document {record.source!r} (add a source record)"]
        return [f"source: {record.source!r} is a {found.kind} record, not a source document"]

    def _organisation_problems(self, record: AnyRecord, field_name: str, code: str) -> list[str]:
        found = self.find(code)
        if found is None:
            return [f"{field_name}: unknown organisation {code!r}{self._suggestion(code)}"]
        if not isinstance(found, OrganisationRecord):
            return [f"{field_name}: {code!r} is a {found.kind} record, not an organisation"]
        effective = record.effective if isinstance(record, YearRecord) else None
        if effective is not None and found.opened is not None and effective < found.opened:
            return [
                f"{field_name}: {code} did not exist on {effective} (it opened on {found.opened})"
            ]
        return []

    def _suggestion(self, code: str) -> str:
        for candidate in {code.upper(), code.lower()} - {code}:
            if isinstance(self.find(candidate), OrganisationRecord):
                return f" (did you mean {candidate!r}?)"
        return ""

    def _correction_problems(self, correction: CorrectionRecord, index: int) -> list[str]:
        target = self.find(correction.corrects, before=index)
        if target is None:
            if correction.corrects in self._in_batch:
                return [f"corrects: {correction.corrects!r} must be recorded before its correction"]
            return [f"corrects: no record with id {correction.corrects!r} to correct"]
        if target.kind not in CORRECTABLE_KINDS:
            return [
                f"corrects: a {target.kind} record cannot be corrected "
                f"(only {', '.join(CORRECTABLE_KINDS)})"
            ]
        problems = []
        if correction.as_at < target.known_on():
            problems.append(
                f"as_at: a correction cannot be known ({correction.as_at}) before the record "
                f"it corrects ({target.known_on()})"
            )
        if correction.action == "replace":
            problems += _replacement_problems(correction, target)
        return problems


def _replacement_problems(correction: CorrectionRecord, target: AnyRecord) -> list[str]:
    unit = (target.unit or "gbp") if isinstance(target, FigureRecord) else "gbp"
    if correction.replacement_unit != unit:
        wanted = {"gbp": "an amount", "count": "a count", "percent": "a percent"}[unit]
        return [f"a replacement for {target.id!r} must give {wanted}"]
    if correction.amount_pence is None:
        return []
    problem = amount_problem(getattr(type(target), "amount_rule", None), correction.amount_pence)
    return [f"replacement for {target.id!r}: {problem}"] if problem else []
