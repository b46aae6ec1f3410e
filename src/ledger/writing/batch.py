"""What records must satisfy, together and against the store, before they are appended:
ids are new or repeat exactly what is recorded, every organisation and source they name
exists, and corrections and reported figures fit what they name.

Records are checked one at a time as they stream in, remembering only a few facts about
each earlier one, so a million-record import does not hold a million records. Every
problem is collected with the place it came from, so a file can be fixed in one pass.
Sources and organisations may be named before the line that registers them; a corrected
record or a component must come before what names it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import orjson

from ledger.records.base import CitedRecord
from ledger.records.fields import COMPONENT_KINDS, CORRECTABLE_KINDS, amount_problem
from ledger.records.located import Located, Problem
from ledger.records.models import AnyRecord
from ledger.records.reference import ClosureRecord, MergerRecord, OrganisationRecord
from ledger.records.yearly import CorrectionRecord, FigureRecord, YearRecord
from ledger.writing.lifecycle import STORE, Closure, Lifecycle, Merger, Use
from ledger.writing.sums import Totals

Lookup = Callable[[str], AnyRecord | None]


class RecordSource(Protocol):
    """Where already recorded records are found: the store, or nothing for a new store."""

    def get_record(self, record_id: str) -> AnyRecord | None: ...

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]: ...

    def last_position(self) -> int: ...

    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]: ...

    def record_fields(self, up_to: int) -> Iterator[dict[str, Any]]: ...


class NoRecords:
    """A store that does not exist yet holds no records."""

    def get_record(self, record_id: str) -> AnyRecord | None:
        return None

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        return {}

    def last_position(self) -> int:
        return 0

    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]:
        return []

    def record_fields(self, up_to: int) -> Iterator[dict[str, Any]]:
        return iter(())


@dataclass
class Batch:
    """The outcome of checking: what would be appended, and what stands in the way."""

    new: list[Located] = field(default_factory=list)
    already_recorded: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def prepare_batch(items: Sequence[Located], store: RecordSource) -> Batch:
    """Check a few records at once (a command line, a test) against each other and the store."""
    checker = Checker(store, keep_already_recorded=True)
    batch = Batch()
    batch.new = checker.check(items)
    batch.already_recorded = checker.already_recorded
    batch.problems = checker.finish()
    return batch


@dataclass(frozen=True, slots=True)
class _Seen:
    """What later records of a batch need to know about an earlier one."""

    kind: str
    known_on: date
    where: str
    digest: bytes
    unit: str | None
    amount_rule: str | None
    opened: date | None


def _digest(fields: dict[str, Any]) -> bytes:
    content = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(content, digest_size=16).digest()


def _seen(item: Located) -> _Seen:
    record = item.record
    return _Seen(
        kind=record.kind,
        known_on=record.known_on(),
        where=item.where,
        digest=_digest(item.fields),
        unit=_unit_of(record),
        amount_rule=getattr(type(record), "amount_rule", None),
        opened=record.opened if isinstance(record, OrganisationRecord) else None,
    )


def _unit_of(record: AnyRecord) -> str | None:
    if isinstance(record, FigureRecord):
        return record.unit
    return "gbp" if isinstance(record, YearRecord) else None


class Checker:
    """Checks records in the order they come, against the store and the ones before."""

    def __init__(self, store: RecordSource, *, keep_already_recorded: bool = False):
        self.store = store
        self.seen: dict[str, _Seen] = {}
        self.already_count = 0
        self.already_recorded: list[Located] = []  # kept only when asked: imports count them
        self._keep_already = keep_already_recorded
        self._problems: list[tuple[int, Problem]] = []  # by the order of the record
        self._stored: dict[str, AnyRecord | None] = {}
        self._waiting: list[tuple[int, Located, str, str]] = []  # (order, item, field, id)
        self._order = 0
        self.lifecycle = Lifecycle()
        self.totals = Totals()
        self._store_end: int | None = None  # the store's last position before this batch
        self._store_read = False

    @property
    def store_end(self) -> int:
        """Where the store ended when checking began: records this batch appends in the
        same transaction, a chunk at a time, are not counted as stored."""
        if self._store_end is None:
            self._store_end = self.store.last_position()
        return self._store_end

    def check(self, items: Sequence[Located]) -> list[Located]:
        """The records among ``items`` to append; problems and repeats are set aside."""
        self.store_end  # noqa: B018 - noted before anything is appended
        recorded = self.store.get_records([item.record.id for item in items])
        new = []
        for item in items:
            self._order += 1
            if self._is_new(item, recorded.get(item.record.id)):
                self._check_references(item)
                self._note_lifecycle(item)
                self._count(item)
                self.seen[item.record.id] = _seen(item)
                new.append(item)
        return new

    def finish(self) -> list[Problem]:
        """Problems with what was named ahead of the line that records it; then all problems,
        in the order of the records they are about."""
        for order, item, field_name, named in self._waiting:
            self._order = order
            self._problem(item, self._named_ahead(item, field_name, named))
        self._waiting.clear()
        self._check_lifecycle()
        return self.problems

    @property
    def has_problems(self) -> bool:
        return bool(self._problems)

    @property
    def problems(self) -> list[Problem]:
        return [problem for _, problem in sorted(self._problems, key=lambda found: found[0])]

    def _note_lifecycle(self, item: Located) -> None:
        """What the organisation rules need to know of a record (see ledger.lifecycle)."""
        record, order, where = item.record, self._order, item.where
        if isinstance(record, OrganisationRecord) and record.parent is not None:
            self.lifecycle.parents[record.id] = (record.parent, order, where)
        elif isinstance(record, ClosureRecord):
            closure = Closure(record.organisation, record.effective, order, where)
            self.lifecycle.closures.append(closure)
        elif isinstance(record, MergerRecord):
            predecessors = tuple(record.predecessors)
            merger = Merger(record.organisation, predecessors, record.effective, order, where)
            self.lifecycle.mergers.append(merger)
        elif isinstance(record, YearRecord) and record.effective is not None:
            for field_name, code in record.organisation_references():
                if field_name in USED_FIELDS:
                    self.lifecycle.use(code, record.effective, Use(order, where, field_name))

    def _check_lifecycle(self) -> None:
        for fields in self.store.records_of_kinds(("closure", "merger"), self.store_end):
            effective = date.fromisoformat(fields["effective"])
            if fields["kind"] == "closure":
                closure = Closure(fields["organisation"], effective, None, STORE)
                self.lifecycle.closures.append(closure)
            else:
                predecessors = tuple(fields["predecessors"])
                merger = Merger(fields["organisation"], predecessors, effective, None, STORE)
                self.lifecycle.mergers.append(merger)
        if any(closure.order is not None for closure in self.lifecycle.closures):
            self._read_store()
        for found in self.lifecycle.problems(self._opened):
            self._problems.append((found.order, Problem(found.where, found.message)))

    def _opened(self, code: str) -> date | None:
        found = self._find(code)
        return found.opened if isinstance(found, (_Seen, OrganisationRecord)) else None

    def _count(self, item: Located) -> None:
        """Add a record's values to the running totals (the store's first)."""
        if "amount_pence" in item.fields or "count" in item.fields:
            self._read_store()
            self._problem(item, self.totals.add(item.fields))

    def _read_store(self) -> None:
        """One pass over the store as it was, for its totals and the dates its figures
        are about (the batch may close an organisation they use)."""
        if self._store_read:
            return
        self._store_read = True
        for fields in self.store.record_fields(self.store_end):
            self.totals.add(fields)
            about = _effective_of(fields)
            if about is not None and fields.get("kind") in USING_KINDS:
                for field_name in USED_FIELDS:
                    if isinstance(fields.get(field_name), str):
                        self.lifecycle.store_use(fields[field_name], about)

    def _is_new(self, item: Located, stored: AnyRecord | None) -> bool:
        record = item.record
        earlier = self.seen.get(record.id)
        if earlier is not None:
            if earlier.digest != _digest(item.fields):
                self._problem(
                    item,
                    f"id {record.id!r} is used again with different content "
                    f"(first at {earlier.where})",
                )
            return False
        if stored is None:
            return True
        if stored.normalised() == item.fields:
            self.already_count += 1
            if self._keep_already:
                self.already_recorded.append(item)
        else:
            self._problem(
                item,
                f"id {record.id!r} is already recorded with different content "
                f"({_differences(stored, record)})",
            )
        return False

    def _problem(self, item: Located, message: str | None) -> None:
        if message:
            self._problems.append((self._order, Problem(item.where, message)))

    def _wait(self, item: Located, field_name: str, named: str) -> None:
        self._waiting.append((self._order, item, field_name, named))

    def _find(self, record_id: str) -> _Seen | AnyRecord | None:
        """An earlier record of the batch, or a stored one."""
        if record_id in self.seen:
            return self.seen[record_id]
        if record_id not in self._stored:
            self._stored[record_id] = self.store.get_record(record_id)
        return self._stored[record_id]

    def _check_references(self, item: Located) -> None:
        record = item.record
        if isinstance(record, CitedRecord):
            self._problem(item, self._source_problem(item, record.source))
        for field_name, code in record.organisation_references():
            self._problem(item, self._organisation_problem(item, field_name, code))
        if isinstance(record, CorrectionRecord):
            self._problem(item, self._correction_problem(item, record))
        if isinstance(record, FigureRecord):
            for component in record.components:
                self._problem(
                    item, self._component_problem(item, record, component.removeprefix("-"))
                )

    def _source_problem(self, item: Located, source: str) -> str | None:
        found = self._find(source)
        if found is None:
            self._wait(item, "source", source)
            return None
        if found.kind != "source":
            return f"source: {source!r} is a {found.kind} record, not a source document"
        return _before_publication(item.record, found)

    def _organisation_problem(self, item: Located, field_name: str, code: str) -> str | None:
        found = self._find(code)
        if found is None:
            self._wait(item, field_name, code)
            return None
        if found.kind != "organisation":
            return f"{field_name}: {code!r} is a {found.kind} record, not an organisation"
        record = item.record
        effective = record.effective if isinstance(record, YearRecord) else None
        opened = found.opened if isinstance(found, (_Seen, OrganisationRecord)) else None
        if effective is not None and opened is not None and effective < opened:
            return f"{field_name}: {code} did not exist on {effective} (it opened on {opened})"
        return _known_before(record, field_name, code, found)

    def _named_ahead(self, item: Located, field_name: str, named: str) -> str | None:
        """A source or organisation named before the line that records it is fine."""
        found = self.seen.get(named)
        if field_name == "source":
            if found is None:
                return f"source: unknown source document {named!r} (add a source record)"
            return self._source_problem(item, named)
        if field_name in ("corrects", "components"):
            if found is None:
                return _unknown(field_name, named)
            what = "its correction" if field_name == "corrects" else "the figure that names it"
            return f"{field_name}: {named!r} must be recorded before {what}"
        if found is None:
            return f"{field_name}: unknown organisation {named!r}{self._suggestion(named)}"
        return self._organisation_problem(item, field_name, named)

    def _suggestion(self, code: str) -> str:
        for candidate in sorted({code.upper(), code.lower()} - {code}):
            found = self._find(candidate)
            if found is not None and found.kind == "organisation":
                return f" (did you mean {candidate!r}?)"
        return ""

    def _correction_problem(self, item: Located, correction: CorrectionRecord) -> str | None:
        target = self._find(correction.corrects)
        if target is None:
            self._wait(item, "corrects", correction.corrects)
            return None
        if target.kind not in CORRECTABLE_KINDS:
            return (
                f"corrects: a {target.kind} record cannot be corrected "
                f"(only {', '.join(CORRECTABLE_KINDS)})"
            )
        known_on = target.known_on if isinstance(target, _Seen) else target.known_on()
        if correction.as_at < known_on:
            return (
                f"as_at: a correction cannot be known ({correction.as_at}) before the record "
                f"it corrects ({known_on})"
            )
        if correction.action == "replace":
            return _replacement_problem(correction, target)
        return None

    def _component_problem(self, item: Located, figure: FigureRecord, component: str) -> str | None:
        found = self._find(component)
        if found is None:
            self._wait(item, "components", component)
            return None
        if found.kind not in COMPONENT_KINDS:
            return (
                f"components: {component!r} is a {found.kind} record; components are "
                f"{', '.join(COMPONENT_KINDS)} records"
            )
        unit = found.unit if isinstance(found, _Seen) else _unit_of(found)
        if unit != figure.unit:
            return f"components: {component!r} is in {unit}, the figure in {figure.unit}"
        return None


def _before_publication(record: AnyRecord, source: _Seen | AnyRecord) -> str | None:
    """A fact known before the document cited for it was published must say why. An
    organisation may cite a register published after it was set up."""
    published = source.known_on if isinstance(source, _Seen) else source.known_on()
    if not isinstance(record, CitedRecord) or isinstance(record, OrganisationRecord):
        return None
    if record.as_at >= published or record.reason:
        return None
    return (
        f"as_at {record.as_at} is before its source {record.source!r} was published "
        f"({published}): say why in reason"
    )


# The fields naming the organisation a figure is about (a transfer is about both).
USED_FIELDS = ("account", "from", "to")
USING_KINDS = frozenset(CORRECTABLE_KINDS)


def _known_before(
    record: AnyRecord, field_name: str, code: str, organisation: _Seen | AnyRecord
) -> str | None:
    """A record cannot be known before the organisation it names is: the views as at a
    date count an organisation's figures from when the organisation is known. (An
    organisation's parent may be registered after it.)"""
    if isinstance(record, OrganisationRecord):
        return None
    known = organisation.known_on if isinstance(organisation, _Seen) else organisation.known_on()
    if record.known_on() >= known:
        return None
    return (
        f"{field_name}: {code} is known only from {known}, after this record "
        f"(as_at {record.known_on()}); record it as known from then"
    )


def _effective_of(fields: dict[str, Any]) -> date | None:
    """The date a stored record is about, or None where it has none it can be read by
    (a hand-edited store; ``check`` names such a record)."""
    try:
        return date.fromisoformat(fields["effective"])
    except (KeyError, TypeError, ValueError):
        return None


def _unknown(field_name: str, named: str) -> str:
    if field_name == "corrects":
        return f"corrects: no record with id {named!r} to correct"
    return f"components: no record {named!r} recorded before this figure"


def _replacement_problem(correction: CorrectionRecord, target: _Seen | AnyRecord) -> str | None:
    if isinstance(target, _Seen):
        unit, rule = target.unit, target.amount_rule
    else:
        unit, rule = _unit_of(target), getattr(type(target), "amount_rule", None)
    record_id = correction.corrects
    if correction.replacement_unit != unit:
        wanted = {"gbp": "an amount", "count": "a count", "percent": "a percent"}[unit or "gbp"]
        return f"a replacement for {record_id!r} must give {wanted}"
    if correction.amount_pence is None:
        return None
    problem = amount_problem(rule, correction.amount_pence)
    return f"replacement for {record_id!r}: {problem}" if problem else None


def _differences(old: AnyRecord, new: AnyRecord) -> str:
    before, after = old.normalised(), new.normalised()
    changed = [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]
    return "; ".join(changed)


def chunks(items: Iterable[Located], size: int) -> Iterable[list[Located]]:
    """Items in lists of ``size``, the last one shorter."""
    chunk: list[Located] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
