"""An erratum that makes an organisation known later goes through the rule a new record
goes through: no record is known before an organisation it names, or the views as at a
day between would count a figure of an organisation they do not know. The first record
known earlier (the batch's, or the store's as their errata leave them) is named.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ledger.records.models import AnyRecord, RecordError, parse_record
from ledger.records.reference import OrganisationRecord
from ledger.writing.lifecycle import STORE, Found, Lifecycle, Naming

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
    """The first day a stored record (its errata applied) names an organisation that an
    erratum of the batch makes known later; one the batch fixes is the batch's."""
    codes = {code for code, *_ in lifecycle.errata.known}
    if fields.get("kind") in _NAMING_NONE or str(fields.get("id")) in lifecycle.errata.replaced:
        return
    if not codes & set(_texts(fields)):
        return
    try:
        record = parse_record(fields)
    except RecordError:
        return  # check names it
    first = lifecycle.errata.stored_naming
    for field_name, code in record.organisation_references():
        day = record.known_on()
        if code in codes and (code not in first or day < first[code][0]):
            first[code] = (day, Naming(record.id, field_name, None, STORE))


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


def known_after_naming(lifecycle: Lifecycle) -> Iterator[Found]:
    """Each erratum that makes an organisation known after a record that names it."""
    for code, day, order, where, was in lifecycle.errata.known:
        earlier = _first_naming(lifecycle, code, was)
        if earlier is None or earlier[0] >= day:
            continue
        known, naming = earlier
        yield Found(
            order, where, f"as_at: {code} would be known only from {day}, after "
            f"{naming.record} ({naming.where}), known on {known}, which names it in "
            f"{naming.field_name}: a record cannot be known before an organisation it "
            f"names; make {code} known by {known}, or fix {naming.record}'s as_at too",
        )  # fmt: skip


def _first_naming(lifecycle: Lifecycle, code: str, was: date) -> tuple[date, Naming] | None:
    """The first record known that names ``code``: the store's, or the batch's as its
    errata leave it; one known before ``code`` was as recorded is wrong itself, and its
    own line says so."""
    replaced = lifecycle.errata.replaced
    found = [
        (day, naming)
        for day, naming in lifecycle.naming.get(code, {}).items()
        if replaced.get(naming.record, naming.order) == naming.order and day >= was
    ]
    if code in lifecycle.errata.stored_naming:
        found.append(lifecycle.errata.stored_naming[code])
    return min(found, key=lambda pair: pair[0], default=None)
