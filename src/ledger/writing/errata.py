"""What an erratum must fit at import: the record it fixes is recorded (in the store, or
earlier in the batch), is not itself an erratum, was known by the day the erratum was
recorded, and stays a valid record once fixed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from typing import Annotated, Any, Protocol

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from ledger.records.errata import (
    NAMED_KINDS,
    ErratumRecord,
    changed_fields,
    date_set,
    fixed_fields,
    named_kind_problem,
    recorded_problem,
)
from ledger.records.kinds import a_kind
from ledger.records.models import (
    MODELS,
    AnyRecord,
    RecordError,
    fixed_by_all,
    fixed_record,
    parse_record,
)
from ledger.records.seen import Seen
from ledger.records.unit_moves import unit_move_problem


def erratum_problem(erratum: ErratumRecord, target: Seen | AnyRecord) -> str | None:
    """What is wrong with ``erratum`` as a fix of ``target`` (None if nothing). A stored
    target is fixed and read again in full; for one earlier in the batch, whose fields
    the check does not keep, the fields named must be fields of the record it becomes."""
    if target.kind == "erratum":
        return (
            f"fixes: {erratum.fixes!r} is an erratum; an erratum fixes a record, so write "
            "one that fixes that record"
        )
    known = target.known_on if isinstance(target, Seen) else target.known_on()
    if problem := recorded_problem(erratum, known):
        return problem
    fields = {"set": erratum.set, "unset": erratum.unset, "withdraw": erratum.withdraw}
    if problem := named_kind_problem(erratum.fixes, target.kind, fields):
        return problem
    if erratum.withdraw:
        return None
    # (The values as written, not as normalised: a fraction given for an amount is text
    # once normalised, and would be read as pounds.)
    if problem := _names_problem(fields, target.kind):
        return problem
    if isinstance(target, Seen):  # its fields are not kept: each value set is checked alone
        return _values_problem(erratum.set, target.kind)
    try:
        fixed_record(target.normalised(), fields)
    except RecordError as error:
        return not_valid(target.normalised(), erratum, error)
    return None


def not_valid(target: dict[str, Any], erratum: ErratumRecord, error: RecordError) -> str:
    """Why the record an erratum makes of ``target`` is not valid: for a figure moved to
    another unit, what else to remove."""
    given = {"fixes": erratum.fixes, "set": erratum.set, "unset": erratum.unset}
    if problem := unit_move_problem(target, given):
        return problem
    return "set: the fixed record is not valid: " + "; ".join(error.problems)


def _names_problem(erratum: dict[str, Any], kind: str) -> str | None:
    fixed = fixed_fields({"kind": kind}, erratum) or {}
    model = MODELS.get(str(fixed.get("kind")))
    if model is None:
        return f"set: kind {fixed.get('kind')!r} is not a kind of record"
    # A field set is one of the record it becomes; a field removed, one of the record fixed.
    for action, kind_named in (("set", fixed["kind"]), ("unset", kind)):
        unknown = sorted(set(erratum.get(action, ())) - _field_names(MODELS[kind_named]))
        if unknown:
            return f"{action}: {a_kind(kind_named)} record has no field {unknown[0]!r}"
    return None


def _field_names(model: type[Any]) -> set[str]:
    fields = model.model_fields
    return {info.alias or name for name, info in fields.items()} | set(fields)


def _values_problem(given: dict[str, Any], kind: str) -> str | None:
    """What is wrong with a value an erratum sets, read as the field it is set in."""
    model = MODELS[str(given.get("kind", kind))]
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    for name, value in given.items():
        info = fields.get(name) or model.model_fields.get(name)
        if info is None or name == "kind":
            continue
        try:
            _adapter(info).validate_python(value)
        except ValidationError as error:
            problem = error.errors(include_url=False)[0]
            message = problem["msg"].removeprefix("Value error, ")
            if problem["type"] == "string_pattern_mismatch":
                message = f"{problem['input']!r} is not a valid code or id"
            return f"set: {name}: {message}"
    return None


def _adapter(info: FieldInfo) -> TypeAdapter[Any]:
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)


def fixed_seen(seen: Seen, erratum: ErratumRecord) -> Seen:
    """What the batch remembers of a record, once an erratum of the same batch fixes its
    kind, its known date (``as_at``, or a source's ``published``) or its opening day."""
    given = erratum.set
    # An organisation or a source keeps its kind, so that the erratum is refused for it
    # when it is checked after the record it fixes (see named_kind_problem).
    kind = seen.kind if seen.kind in NAMED_KINDS else str(given.get("kind", seen.kind))
    return seen._replace(
        kind=kind,
        known_on=date_set(given.get("as_at", given.get("published")), seen.known_on),
        opened=date_set(given.get("opened"), seen.opened),
    )


class StoredErrata(Protocol):
    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]: ...


class Errata:
    """The errata a batch is checked with: the store's, read once when a stored record is
    first looked up, and the batch's own, which fix what the batch remembers of the
    records they name (whichever comes first) or the stored records they name, so that
    later records are checked against the records as fixed."""

    def __init__(self) -> None:
        self._stored: dict[str, list[dict[str, Any]]] | None = None
        self._batch: dict[str, list[ErratumRecord]] = {}
        # What was found of each record the batch's errata fix, before the first of them.
        self.unfixed: dict[str, Seen | AnyRecord | None] = {}

    def fixed(self, record: AnyRecord | None, store: StoredErrata, end: int) -> AnyRecord | None:
        """A stored record with the stored errata that fix it applied (None if withdrawn;
        as stored if it has none, or if fixing it fails: ``check`` reports that)."""
        if record is None:
            return None
        errata = self._stored_of(record.id, store, end)
        if not errata:
            return record
        try:
            fields = fixed_by_all(record.normalised(), errata)
            return None if fields is None else parse_record(fields)
        except RecordError:
            return record

    def _stored_of(self, record_id: str, store: StoredErrata, end: int) -> list[dict[str, Any]]:
        """The stored errata of a record (the store's errata are read once)."""
        if self._stored is None:
            self._stored = {}
            for erratum in store.records_of_kinds(("erratum",), end):
                self._stored.setdefault(erratum["fixes"], []).append(erratum)
        return self._stored.get(record_id, [])

    def stored_fixed(
        self, stored: Iterable[dict[str, Any]], store: StoredErrata, end: int
    ) -> Iterator[dict[str, Any]]:
        """Stored records' fields as the store's errata leave them (withdrawn ones left
        out; as stored if fixing one fails: check reports that)."""
        for fields in stored:
            errata = self._stored_of(str(fields.get("id")), store, end)
            found: dict[str, Any] | None = fields
            with suppress(RecordError):
                found = fixed_by_all(fields, errata) if errata else fields
            if found is not None:
                yield found

    def same_day_problem(self, erratum: ErratumRecord, store: StoredErrata, end: int) -> str | None:
        """Another erratum of the same record, recorded the same day (stored or earlier in
        the batch), changes a field this one changes: which holds would be unclear, and
        check would fail for good."""
        changes = set(changed_fields(erratum.normalised()))
        others = [
            *self._stored_of(erratum.fixes, store, end),
            *(other.normalised() for other in self._batch.get(erratum.fixes, [])),
        ]
        for other in others:
            shared = changes & set(changed_fields(other))
            if str(other.get("recorded")) == erratum.recorded.isoformat() and shared:
                return (
                    f"fixes: {other['id']}, also recorded {erratum.recorded}, changes "
                    f"{min(shared)} of {erratum.fixes!r} too: which holds would be unclear; "
                    "say both in one erratum, or change it again on a later day"
                )
        return None

    @staticmethod
    def fix(record: AnyRecord | None, erratum: ErratumRecord) -> AnyRecord | None:
        """A record with one more erratum applied (None if withdrawn; as it was if fixing
        it fails, which the erratum's check reports)."""
        if record is None:
            return None
        try:
            fields = fixed_record(record.normalised(), erratum.normalised())
            return None if fields is None else parse_record(fields)
        except RecordError:
            return record

    def of(self, record_id: str) -> list[ErratumRecord]:
        """The batch's errata of a record, in the order they came."""
        return self._batch.get(record_id, [])

    def note(
        self, record: AnyRecord, seen: dict[str, Seen], stored: dict[str, AnyRecord | None]
    ) -> None:
        """Fix what the batch remembers of the record an erratum fixes, or the stored record
        as it is found (its check has looked it up), for the records after it."""
        if isinstance(record, ErratumRecord):
            self._batch.setdefault(record.fixes, []).append(record)
            if record.fixes in seen:
                self.unfixed.setdefault(record.fixes, seen[record.fixes])
                seen[record.fixes] = fixed_seen(seen[record.fixes], record)
            elif stored.get(record.fixes) is not None:
                self.unfixed.setdefault(record.fixes, stored[record.fixes])
                stored[record.fixes] = self.fix(stored[record.fixes], record)
            return
        for erratum in self._batch.get(record.id, []):
            self.unfixed.setdefault(record.id, seen[record.id])
            seen[record.id] = fixed_seen(seen[record.id], erratum)
