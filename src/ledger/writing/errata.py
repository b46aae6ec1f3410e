"""What an erratum must fit at import: the record it fixes is recorded (in the store, or
earlier in the batch), is not itself an erratum, and stays a valid record once fixed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from ledger.records.errata import ErratumRecord, fixed_fields
from ledger.records.models import (
    MODELS,
    AnyRecord,
    RecordError,
    fixed_by_all,
    fixed_record,
    parse_record,
)
from ledger.writing.seen import Seen


def erratum_problem(erratum: ErratumRecord, target: Seen | AnyRecord) -> str | None:
    """What is wrong with ``erratum`` as a fix of ``target`` (None if nothing). A stored
    target is fixed and read again in full; for one earlier in the batch, whose fields
    the check does not keep, the fields named must be fields of the record it becomes."""
    if target.kind == "erratum":
        return (
            f"fixes: {erratum.fixes!r} is an erratum; an erratum fixes a record, so write "
            "one that fixes that record"
        )
    fields = erratum.normalised()
    if isinstance(target, Seen):
        return _names_problem(fields, target.kind)
    try:
        fixed_record(target.normalised(), fields)
    except RecordError as error:
        return "set: the fixed record is not valid: " + "; ".join(error.problems)
    return None


def _names_problem(erratum: dict[str, Any], kind: str) -> str | None:
    fixed = fixed_fields({"kind": kind}, erratum) or {}
    model = MODELS.get(str(fixed.get("kind")))
    if model is None:
        return f"set: kind {fixed.get('kind')!r} is not a kind of record"
    known = {info.alias or name for name, info in model.model_fields.items()} | set(
        model.model_fields
    )
    unknown = sorted(set(erratum.get("set", {})) - known)
    if unknown:
        return f"set: a {model.model_fields['kind'].default} record has no field {unknown[0]!r}"
    return None


def fixed_seen(seen: Seen, erratum: ErratumRecord) -> Seen:
    """What the batch remembers of a record, once an erratum of the same batch fixes its
    kind, its known date (``as_at``, or a source's ``published``) or its opening day."""
    given = erratum.set
    known = given.get("as_at", given.get("published"))
    opened = given.get("opened")
    return seen._replace(
        kind=str(given.get("kind", seen.kind)),
        known_on=date.fromisoformat(known) if isinstance(known, str) else seen.known_on,
        opened=date.fromisoformat(opened) if isinstance(opened, str) else seen.opened,
    )


class StoredErrata(Protocol):
    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]: ...


class Errata:
    """The errata a batch is checked with: the store's, read once when a stored record is
    first looked up, and the batch's own, which fix what the batch remembers of the
    records they name (whichever comes first), so that later records are checked
    against the records as fixed."""

    def __init__(self) -> None:
        self._stored: dict[str, list[dict[str, Any]]] | None = None
        self._batch: dict[str, list[ErratumRecord]] = {}

    def fixed(self, record: AnyRecord | None, store: StoredErrata, end: int) -> AnyRecord | None:
        """A stored record with the stored errata that fix it applied (None if withdrawn;
        as stored if it has none, or if fixing it fails: ``check`` reports that)."""
        if record is None:
            return None
        if self._stored is None:
            self._stored = {}
            for erratum in store.records_of_kinds(("erratum",), end):
                self._stored.setdefault(erratum["fixes"], []).append(erratum)
        errata = self._stored.get(record.id, [])
        if not errata:
            return record
        try:
            fields = fixed_by_all(record.normalised(), errata)
            return None if fields is None else parse_record(fields)
        except RecordError:
            return record

    def note(self, record: AnyRecord, seen: dict[str, Seen]) -> None:
        if isinstance(record, ErratumRecord):
            self._batch.setdefault(record.fixes, []).append(record)
            if record.fixes in seen:
                seen[record.fixes] = fixed_seen(seen[record.fixes], record)
            return
        for erratum in self._batch.get(record.id, []):
            seen[record.id] = fixed_seen(seen[record.id], erratum)
