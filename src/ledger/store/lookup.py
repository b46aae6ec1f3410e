"""Finding stored records by id: the records a batch names, with a few queries rather than
one each, and the keys of every record, which an import reads once it has checked as
many records as the store holds. A stored record that cannot be read, or that the index
of ids has lost, is damage, said before anything is recorded."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from ledger.records.keys import entry_key
from ledger.store.damage import NOT_RECORDED, damaged
from ledger.store.errors import StoreError
from ledger.store.reading import UNREADABLE, LogReader, why_unreadable
from ledger.store.sqlite_rows import DamagedRow

if TYPE_CHECKING:  # reading the store needs no record models; checking records does
    from ledger.records.models import AnyRecord


class RecordLookup(LogReader):
    """Stored records found by id."""

    def get_record(self, record_id: str) -> AnyRecord | None:
        """The stored record with this id, or None."""
        return self.get_records([record_id]).get(record_id)

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        """The stored records among these ids, found with a few queries, not one each."""
        return {
            record_id: read_back(fields)
            for record_id, fields in self._fields_of(record_ids, skip_unreadable=False).items()
        }

    def fields_of(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored fields of the records among these ids, as stored (whether or not they
        still validate); one that cannot be read at all is left out (check says why)."""
        return self._fields_of(record_ids, skip_unreadable=True)

    def _fields_of(
        self, record_ids: Sequence[str], *, skip_unreadable: bool
    ) -> dict[str, dict[str, Any]]:
        keys = list(dict.fromkeys(entry_key(record_id) for record_id in record_ids))
        found = {}
        for stored in self._chained_recorder().select_first_events(keys):
            row = (0, stored.originator_id, stored.originator_version, stored.topic, stored.state)
            try:
                fields = self._stored_record(row).fields
            except UNREADABLE as error:
                if skip_unreadable:
                    continue
                raise StoreError(
                    f"a stored record these records name cannot be read: "
                    f"{why_unreadable(row, error)}; run: ledger check"
                ) from None
            found[str(fields["id"])] = fields
        return found

    def stored_keys(self, up_to: int) -> set[str]:
        """The key (``entry_key``) of every record stored at a position up to ``up_to``,
        read from the table of events; StoreDamagedError if one cannot be read."""
        try:
            return self._chained_recorder().first_event_keys(up_to)
        except DamagedRow as damage:
            raise damaged(self.store, str(damage), NOT_RECORDED) from None

    def held_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        """The stored records with these ids, whose keys the table of events holds (see
        stored_keys): one that the index of ids does not find is damage, which an import
        would otherwise record a second time (StoreDamagedError)."""
        found = self.get_records(record_ids)
        for record_id in record_ids:
            if record_id not in found:
                lost = f"its index of ids does not find the stored record {record_id!r}"
                raise damaged(self.store, lost, NOT_RECORDED)
        return found


def read_back(fields: dict[str, Any]) -> AnyRecord:
    """A stored record as its model. One that no longer validates (stored under older
    rules, or by hand) is still the record with that id, so that a new record can name or
    correct it: it is made of the fields that still validate, without the rules between
    fields. One without even its known date is an error that names it."""
    from pydantic import TypeAdapter, ValidationError

    from ledger.records.models import MODELS, RecordError, parse_record

    try:
        return parse_record(fields)
    except RecordError as error:
        problems = str(error)
    unreadable = StoreError(
        f"the stored record {fields['id']!r} cannot be read back: {problems}; run: ledger check"
    )
    model = MODELS.get(str(fields["kind"]))
    if model is None:
        raise unreadable
    values = {}
    for name, info in model.model_fields.items():
        valued: Any = (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        with contextlib.suppress(ValidationError):
            values[name] = TypeAdapter(valued).validate_python(fields.get(info.alias or name))
    record = model.model_construct(**values)
    try:
        record.known_on()
    except AttributeError:
        raise unreadable from None
    return record  # type: ignore[return-value]  # a model of one of the kinds
