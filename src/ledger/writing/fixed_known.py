"""An erratum that makes an organisation known later goes through the rule a new record
goes through: no record is known before an organisation it names, or the views as at a
day between would count a figure of an organisation they do not know. Every record
known earlier (the store's as their errata leave them, then the batch's) is named.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ledger.records.models import AnyRecord, RecordError, parse_record
from ledger.records.reference import OrganisationRecord
from ledger.writing.conflicts import BatchAgain, listed
from ledger.writing.lifecycle import STORE, Found, Lifecycle, Naming, taken_back

# Records that name no organisation they must be known after (an organisation's parent
# may be registered after it).
_NAMING_NONE = frozenset({"organisation", "source", "erratum", "baseline"})


def note_made_known(
    lifecycle: Lifecycle, before: AnyRecord, after: AnyRecord | None, order: int, where: str
) -> None:
    """An erratum at ``order`` that makes an organisation known later than it was."""
    if isinstance(after, OrganisationRecord) and after.known_on() > before.known_on():
        lifecycle.errata.known.append((after.id, after.known_on(), order, where, before.known_on()))


def note_stored_naming(lifecycle: Lifecycle, fields: dict[str, Any]) -> None:
    """A stored record (its errata applied) that names an organisation an erratum of the
    batch makes known later; one the batch fixes is the batch's."""
    codes = {code for code, *_ in lifecycle.errata.known}
    if fields.get("kind") in _NAMING_NONE or str(fields.get("id")) in lifecycle.errata.replaced:
        return
    if not codes & set(_texts(fields)):
        return
    try:
        record = parse_record(fields)
    except RecordError:
        return  # check names it
    for field_name, code in record.organisation_references():
        if code in codes:
            naming = Naming(record.id, field_name, None, STORE)
            lifecycle.errata.stored_naming.setdefault(code, []).append((record.known_on(), naming))


def _texts(value: Any) -> Iterator[str]:
    """The texts in a record's fields (a split's successors are objects in a list)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def known_after_naming(lifecycle: Lifecycle, batch: BatchAgain) -> Iterator[Found]:
    """Each erratum that makes an organisation known after records that name it: the
    record, or how many there are and which."""
    for code, day, order, where, was in lifecycle.errata.known:
        earlier = [found for found in _naming(lifecycle, code, was, batch) if found[0] < day]
        if not earlier:
            continue
        first = min(known for known, _ in earlier)
        if len(earlier) == 1:
            naming = earlier[0][1]
            said = (f"after {naming.record} ({naming.where}), known on {first}, which names "
                    f"it in {naming.field_name}")  # fmt: skip
            fix = f"{naming.record}'s as_at too"
        else:
            last = max(known for known, _ in earlier)
            named = [(naming.record, naming.where) for _, naming in earlier]
            said = (f"after {len(earlier)} records known from {first} to {last} that name it "
                    f"({listed(named)})")  # fmt: skip
            fix = "their as_at too"
        yield Found(
            order, where, f"as_at: {code} would be known only from {day}, {said}: a record "
            f"cannot be known before an organisation it names; make {code} known by {first}, "
            f"or fix {fix}",
        )  # fmt: skip


def _naming(
    lifecycle: Lifecycle, code: str, was: date, batch: BatchAgain
) -> list[tuple[date, Naming]]:
    """Every record that names ``code``: the store's, then the batch's as its errata leave
    them, in the order they appear. One of the batch's known before ``code`` was as
    recorded is wrong itself, and its own line says so."""
    replaced = lifecycle.errata.replaced
    kept = [
        (day, naming)
        for day, naming in lifecycle.naming.get(code, {}).items()
        if not taken_back(lifecycle, naming)
    ]
    # The batch's first of each day is known; the others are read again (also when an
    # erratum has taken the first's place, or withdrawn it).
    if code in lifecycle.naming:
        seen = {(naming.record, naming.where) for _, naming in kept}
        for day, naming in _batch_naming(code, batch, replaced):
            if (naming.record, naming.where) not in seen:
                seen.add((naming.record, naming.where))
                kept.append((day, naming))
    in_batch = sorted(kept, key=lambda found: batch.place(found[1].where))
    stored = lifecycle.errata.stored_naming.get(code, [])
    return [*stored, *((day, naming) for day, naming in in_batch if day >= was)]


def _batch_naming(
    code: str, batch: BatchAgain, replaced: dict[str, int]
) -> Iterator[tuple[date, Naming]]:
    """The batch's records (not fixed by its errata) that name ``code``, read again."""
    for item in batch.naming(code):
        record = item.record
        if record.kind in _NAMING_NONE or record.id in replaced:
            continue
        for field_name, named in record.organisation_references():
            if named == code:
                yield record.known_on(), Naming(record.id, field_name, None, item.where)
                break
