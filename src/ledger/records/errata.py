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

from datetime import date
from typing import Any, Literal

from pydantic import Field, model_validator

from ledger.records.base import RecordBase
from ledger.records.fields import IsoDate, RecordId, Text, not_in_future

# Fields an erratum cannot set or remove: what the record is and which erratum it is.
FIXED_FIELDS = frozenset({"id", "recorded", "fixes", "withdraw", "set", "unset"})
# A money or tolerance value given again replaces the normalised field it becomes.
_NORMALISED_AS = {
    "amount": ("amount_pence",),
    "amount_pence": ("amount",),
    "tolerance": ("tolerance_pence", "tolerance_count"),
}


class ErratumRecord(RecordBase):
    """The record ``fixes`` was recorded wrongly: from ``recorded`` on, the ledger holds it
    with ``set`` applied and ``unset`` removed, or not at all (``withdraw``)."""

    kind: Literal["erratum"] = "erratum"
    fixes: RecordId = Field(description="id of the record recorded wrongly")
    recorded: IsoDate = Field(description="the day the ledger fixed itself")
    set: dict[str, Any] = Field(default_factory=dict, description="fields and their right values")
    unset: list[Text] = Field(default_factory=list, description="fields that should not be there")
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
            raise ValueError("an erratum sets or removes a field, or withdraws the record")
        named = FIXED_FIELDS & (set(self.set) | set(self.unset))
        if named:
            raise ValueError(f"an erratum cannot change {', '.join(sorted(named))}")
        if set(self.set) & set(self.unset):
            raise ValueError("a field is either set or removed, not both")
        return self


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
