"""Errata: the ledger fixing its own transcription mistakes without editing a record.

A correction is news: from its ``as_at`` on, the world knew another figure. An erratum is
not: the world never knew the wrong fact, the ledger recorded it wrongly. So an erratum
applies across all of time (a view as at any date shows the fixed record, as if it had
been recorded right) and carries the day the ledger fixed itself (``recorded``), which is
what a view "as the ledger stood on R" leaves out when R is earlier.

An erratum names the record it fixes and either the fields it sets and removes (any
field but the id: a value, a known date, an effective date, the organisation, even the
kind of fact) or that the record should not exist (``withdraw``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from typing import Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, model_validator

from ledger.records.base import RecordBase
from ledger.records.fields import (
    Count,
    FieldName,
    IsoDate,
    Pence,
    Percent,
    Pounds,
    RecordId,
    Text,
    not_in_future,
    today,
)

# Fields an erratum cannot set or remove: what the record is and which erratum it is.
FIXED_FIELDS = frozenset({"id", "recorded", "fixes", "withdraw", "set", "unset"})
# A money or tolerance value given again replaces the normalised field it becomes.
_NORMALISED_AS = {
    "amount": ("amount_pence",),
    "amount_pence": ("amount",),
    "tolerance": ("tolerance_pence", "tolerance_count"),
}
# The values every kind of record reads alike: one an erratum sets is read so whatever
# record it fixes (or none), and refused in a new record's words.
_VALUE_FIELDS: dict[str, TypeAdapter[Any]] = {
    "amount": TypeAdapter(Pounds),
    "tolerance": TypeAdapter(Pounds),
    "amount_pence": TypeAdapter(Pence),
    "tolerance_pence": TypeAdapter(Pence),
    "count": TypeAdapter(Count),
    "tolerance_count": TypeAdapter(Count),
    "percent": TypeAdapter(Percent),
}
WITHDRAWN = "(the record)"  # the field an erratum that withdraws a record changes
LARGEST_NUMBER = 2**63 - 1  # what the store's JSON and the views' integer columns hold
DEEPEST = 100  # as deep as a line of an import file may nest


class ErratumRecord(RecordBase):
    """The record ``fixes`` was recorded wrongly: from ``recorded`` on, the ledger holds it
    with ``set`` applied and ``unset`` removed, or not at all (``withdraw``)."""

    kind: Literal["erratum"] = "erratum"
    fixes: RecordId = Field(description="id of the record recorded wrongly")
    recorded: IsoDate = Field(description="the day the ledger fixed itself")
    set: dict[FieldName, Any] = Field(
        default_factory=dict, description="fields and their right values"
    )
    unset: list[FieldName] = Field(
        default_factory=list, description="fields that should not be there"
    )
    withdraw: bool = Field(default=False, description="the record should not exist")
    reason: Text = Field(description="what is wrong, in a few words")
    source: RecordId = Field(description="id of the source that shows the mistake")
    locator: Text = Field(description="where in the source: paragraph or line")

    def known_on(self) -> date:
        return self.recorded

    @model_validator(mode="after")
    def _says_what_to_fix(self) -> ErratumRecord:
        not_in_future("recorded", self.recorded)
        if self.withdraw and (self.set or self.unset):
            raise ValueError("an erratum that withdraws a record sets and removes nothing")
        if not self.withdraw and not (self.set or self.unset):
            # Named by its fields, so that an unreadable --set is not said twice (cli.records).
            raise ValueError("an erratum must set or unset a field, or withdraw the record")
        named = FIXED_FIELDS & (set(self.set) | set(self.unset))
        if named:
            raise ValueError(f"an erratum cannot change {', '.join(sorted(named))}")
        if set(self.set) & set(self.unset):
            raise ValueError("a field is either set or removed, not both")
        for name, value in self.set.items():
            if problem := _value_problem(name, value):
                raise ValueError(f"set: {name}: {problem}")
        return self


def _value_problem(name: str, value: Any) -> str | None:
    """Why a value an erratum sets cannot be kept (None if it can): a money, count or
    percent value that is not one, or any value the store cannot write as JSON."""
    if name in _VALUE_FIELDS and value is not None:
        try:
            _VALUE_FIELDS[name].validate_python(value)
        except ValidationError as error:
            return str(error.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
    return _unkept(value, 1)


def _unkept(value: Any, depth: int) -> str | None:
    """Why the store cannot write ``value`` as JSON (None if it can). A number read
    exactly from a file (a Decimal) is kept as its text."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST_NUMBER:
        return f"{value} is larger than any number a record holds"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a number JSON can hold"
    if not isinstance(value, (dict, list)):  # (its texts: RecordBase._printable)
        return None
    if depth > DEEPEST:
        return f"nested more than {DEEPEST} levels deep"
    items = value.values() if isinstance(value, dict) else value
    for item in items:
        if problem := _unkept(item, depth + 1):
            return problem
    return None


def recorded_problem(erratum: ErratumRecord, known: date) -> str | None:
    """An erratum is recorded no earlier than the day the record it fixes became known
    (``known``, as the ledger holds it; or the day the erratum sets): the ledger cannot
    have fixed itself before it could have said what it fixes."""
    known = date_set(erratum.set.get("as_at", erratum.set.get("published")), known)
    if erratum.recorded >= known:
        return None
    return recorded_before(str(erratum.recorded), erratum.fixes, str(known))


def recorded_before(recorded: str, fixes: str, known: str) -> str:
    return (
        f"recorded {recorded} is before {fixes!r} was known ({known}): the ledger cannot "
        "have fixed a record before it could have said it"
    )


_DATE: TypeAdapter[date] = TypeAdapter(IsoDate)


def date_set(value: Any, otherwise: Any) -> Any:
    """A date an erratum sets, read as a record's date is; ``otherwise`` when none is set,
    or it is not a date (which the erratum's check reports)."""
    if value is None:
        return otherwise
    try:
        return _DATE.validate_python(value)
    except ValidationError:
        return otherwise


def typed_recorded_problem(record: object) -> str | None:
    """An erratum typed on the command line is recorded the day it is appended: an earlier
    day would change what the ledger showed on the days between (an import file keeps
    the day a published erratum was recorded)."""
    day = today()  # the day not_in_future measures from
    if not isinstance(record, ErratumRecord) or record.recorded >= day:
        return None
    return (
        f"recorded {record.recorded} is before today ({day}): an erratum recorded now "
        "is recorded today, or the ledger would have shown it on days it did not"
    )


def fixed_fields(target: dict[str, Any], erratum: dict[str, Any]) -> dict[str, Any] | None:
    """The target's fields (as stored) with the erratum applied, before they are read as a
    record again; None when the erratum withdraws it."""
    if erratum.get("withdraw"):
        return None
    fields = dict(target)
    for name in erratum.get("unset", []):
        fields.pop(name, None)
    for name, value in erratum.get("set", {}).items():
        for replaced in _NORMALISED_AS.get(name, ()):
            fields.pop(replaced, None)
        fields[name] = value
    return fields


def changed_fields(erratum: dict[str, Any]) -> list[str]:
    """The fields an erratum sets or removes, or the record itself for a withdrawal (read
    warily: a hand-made store's erratum need not be well formed)."""
    given, removed = erratum.get("set"), erratum.get("unset")
    names = [
        *(given if isinstance(given, dict) else []),
        *(removed if isinstance(removed, list) else []),
    ]
    return [str(name) for name in names] or [WITHDRAWN]


# Records other records name (an organisation's code, a source's id): an erratum fixes
# their fields, but does not take them away from the records that name them.
NAMED_KINDS = {"organisation": "an organisation", "source": "a source document"}
# The fields in which records name organisations (what organisation_references gives).
ORGANISATION_FIELDS = frozenset(
    {"account", "against", "area_team", "from", "organisation", "parent", "predecessors",
     "region", "successors", "to"}
)  # fmt: skip


def named_kind_problem(fixes: str, kind: str, erratum: dict[str, Any]) -> str | None:
    """Why an erratum may not fix a record of ``kind`` so: an organisation or a source is
    neither withdrawn nor made another kind, and no record is made one. (A record that
    an import has fixed already may be found with the kind the erratum sets, so setting
    that kind is refused whatever the kind the record is found as.)"""
    given = erratum.get("set")
    given = given if isinstance(given, dict) else {}
    becomes = str(given.get("kind", kind))
    if kind in NAMED_KINDS and (erratum.get("withdraw") or becomes != kind):
        return (
            f"fixes: {fixes!r} is {NAMED_KINDS[kind]}, which other records name: an "
            "erratum may fix its fields, but not withdraw it or change its kind"
        )
    if "kind" in given and becomes in NAMED_KINDS:
        return f"set: kind: an erratum cannot make a record {NAMED_KINDS[becomes]}; record one"
    return None


def named_in_set(given: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, id) of each organisation, and the source, that an erratum's ``set``
    names: they must be recorded, as in a new record. (A code holding a character no code
    may hold is not one to look for: the fixed record's check names the character.)"""
    for name, value in given.items():
        if name == "source" and isinstance(value, str) and value.isascii():
            yield name, value.strip()
        elif name in ORGANISATION_FIELDS:
            for item in value if isinstance(value, list) else [value]:
                code = item.get("organisation") if isinstance(item, dict) else item
                if isinstance(code, str) and code.isascii():
                    yield name, code.strip()
