"""What every record has (an id, a kind, text that is safe to show, one normalised form),
and what every cited fact adds: when it became known, its source and where in it."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ledger.records.characters import unsafe_character
from ledger.records.fields import FIELD_ORDER, YEARS_AHEAD, IsoDate, RecordId, Text, not_in_future

_NESTED = (list, dict)


def _texts(name: str, value: list[Any] | dict[Any, Any]) -> Iterator[tuple[str, str]]:
    """Every text in a list or an object, at any depth, and an object's keys, each with
    the field and the key it is under (``set: locator``): the values an erratum sets,
    the successors of a split. An object's keys come before its values, whose place
    names them: a key that cannot be shown is found under the field that holds it."""
    waiting: list[tuple[str, Any]] = [(name, value)]
    while waiting:
        where, item = waiting.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):  # (the keys last: the last in is the first out)
            waiting += [(f"{where}: {key}", value) for key, value in item.items()]
            waiting += [(where, key) for key in item]
        elif isinstance(item, list):
            waiting += [(where, value) for value in item]


@functools.cache
def _key_order(model: type[BaseModel]) -> tuple[str, ...]:
    """The model's output keys in FIELD_ORDER, then the rest as declared."""
    keys = [info.alias or name for name, info in model.model_fields.items()]
    return tuple(
        sorted(
            keys, key=lambda key: FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)
        )
    )


# Fields a record is read with but not stored as: an amount or a tolerance in pounds is
# stored in pence.
_NOT_STORED = {"amount", "tolerance"}


@functools.cache
def _stored_fields(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """(attribute, key) of each field a record of this model is stored with, in the
    order of its keys (_key_order)."""
    keys = {info.alias or name: name for name, info in model.model_fields.items()}
    return tuple((keys[key], key) for key in _key_order(model) if keys[key] not in _NOT_STORED)


class RecordBase(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: RecordId = Field(description="stable id of this record, unique in the ledger")
    kind: str

    @model_validator(mode="before")
    @classmethod
    def _printable(cls, data: Any) -> Any:
        """Text that would break a line or a table, or drive a terminal, is refused in
        every field, as written (before any surrounding space is stripped)."""
        if not isinstance(data, dict):
            return data
        for field, value in data.items():
            if isinstance(value, str):
                if not value.isprintable() and (problem := unsafe_character(value)):
                    raise ValueError(f"{field}: {problem}")
            elif isinstance(value, _NESTED):
                for where, text in _texts(field, value):
                    if problem := unsafe_character(text):
                        raise ValueError(f"{where}: {problem}")
        return data

    def known_on(self) -> date:
        """The date this fact became known (the 'as at' axis)."""
        raise NotImplementedError

    def normalised(self) -> dict[str, Any]:
        """The record as stored and exported: JSON types, one spelling per value, and the
        fields in FIELD_ORDER (what it is, about whom, when, how much, then the source).
        Most records hold only text, whole numbers and dates, which are read off the model
        directly (a large import normalises every record); any other value is left to
        pydantic's own dump, which gives the same for those."""
        values = self.__dict__
        fields: dict[str, Any] = {}
        for name, key in _stored_fields(type(self)):
            value = values[name]
            if value is None:
                continue
            if type(value) is str or type(value) is int:
                fields[key] = value
            elif type(value) is date:
                fields[key] = value.isoformat()
            else:
                return self._dumped()
        return fields

    def _dumped(self) -> dict[str, Any]:
        fields = self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=_NOT_STORED)
        return {
            key: fields[key]
            for key in _key_order(type(self))
            if key in fields and fields[key] != []
        }

    def organisation_references(self) -> list[tuple[str, str]]:
        """(field, code) pairs naming organisations that must be registered."""
        return []


class CitedRecord(RecordBase):
    """A fact with a known date and a source locator."""

    as_at: IsoDate = Field(description="when the fact became known or was decided")
    source: RecordId = Field(description="id of the source document (a source record)")
    locator: Text = Field(description="where in the source: paragraph, table or row")
    reason: Text | None = Field(default=None, description="why, in a few words")

    def known_on(self) -> date:
        return self.as_at

    def dates_about(self) -> dict[str, date | None]:
        """The dates the record is about, which may lie ahead of when it became known."""
        return {}

    # A kind that fills in a date it is about in a validator of its own (a year's records
    # fill in their effective date) checks the dates' reach there, once they are known.
    reach_checked_later: ClassVar[bool] = False

    @model_validator(mode="after")
    def _known_by_now(self) -> CitedRecord:
        not_in_future("as_at", self.as_at)
        if not self.reach_checked_later:
            self._within_reach()
        return self

    def _within_reach(self) -> None:
        latest = date(self.as_at.year + YEARS_AHEAD, 12, 31)
        for name, value in self.dates_about().items():
            if value is not None and value > latest:
                raise ValueError(
                    f"{name} {value} is more than {YEARS_AHEAD} years after the record "
                    f"was known (as_at {self.as_at})"
                )
