"""A record and where it was read (a line of an import file, or a ``record`` command), and
a problem found with a record there, written ``where: message``."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.records.counted import Counted, counted_if_valued
from ledger.records.keys import entry_key, make_entry_key
from ledger.records.models import AnyRecord
from ledger.records.seen import Seen, seen_of


@dataclass(frozen=True)
class Located:
    """A record and where it was read: ``events/x.jsonl:3``, or ``record allocation`` for
    the command that gave it as options."""

    where: str
    record: AnyRecord

    @functools.cached_property
    def fields(self) -> dict[str, Any]:
        """The normalised record (worked out once: checks and appending both need it)."""
        return self.record.normalised()

    @functools.cached_property
    def content(self) -> bytes:
        """The normalised record as compact JSON: the bytes it is stored as, and what a
        repeat of it is compared by. Its fields come in one order for each kind
        (FIELD_ORDER), so equal records give equal bytes."""
        return orjson.dumps(self.fields)

    @functools.cached_property
    def seen(self) -> Seen:
        """What a batch remembers of the record once it has passed (worked out, like the
        fields, where the line is read)."""
        return seen_of(self.record, self.where, self.content)

    @functools.cached_property
    def key(self) -> str:
        """The key the record is stored under (records.keys)."""
        return entry_key(self.record.id)

    @functools.cached_property
    def counted(self) -> Counted | None:
        """What the record adds to the sums that keep money exact (None: no value)."""
        return counted_if_valued(self.fields)

    @classmethod
    def worked_out(cls, where: str, record: AnyRecord) -> Located:
        """The record read at ``where``, with everything a batch uses of it (its fields,
        their JSON, what a batch keeps of it, its key, what it adds to the sums) worked
        out at once, as an import needs them all: asked of each cached property in turn,
        they cost a record 2 us more, most of it in the lock ``functools.cached_property``
        takes to fill itself."""
        fields = record.normalised()
        content = orjson.dumps(fields)
        located = cls.__new__(cls)
        located.__dict__.update(
            where=where, record=record, fields=fields, content=content,
            seen=seen_of(record, where, content), key=make_entry_key(record.id),
            counted=counted_if_valued(fields),
        )  # fmt: skip
        return located

    def handed_over(self) -> HandedOver:
        """How the import's worker hands a record it has read back to the command, as a
        plain tuple: the model's class and own values, and what the command uses of what
        was worked out of the record (its JSON, what a batch keeps of it, its key and what
        it adds to the sums), so that the command need not. A page of plain tuples pickles
        in half the time of the same records pickled through a ``__reduce__`` each, and
        is read back in two thirds (bench/RESULTS.md); pydantic's own pickling of a model
        costs more again. The fields are left out: the command reads them only of a few
        records, for which it works them out again."""
        record, counted = self.record, self.counted
        return (
            self.where, type(record), record.__dict__, record.__pydantic_fields_set__,
            self.content, tuple(self.seen), self.key, counted and tuple(counted),
        )  # fmt: skip


# What Located.handed_over gives: where, model, values, fields set, JSON, seen, key, counted.
HandedOver = tuple[
    str, type, dict[str, Any], set[str], bytes, tuple[Any, ...], str, tuple[Any, ...] | None
]


def handed_back(
    where: str,
    model: type[AnyRecord],
    values: dict[str, Any],
    fields_set: set[str],
    content: bytes,
    seen: tuple[Any, ...],
    key: str,
    counted: tuple[Any, ...] | None,
) -> Located:
    """A record handed over by ``Located.handed_over``, made again as pydantic makes a
    model it unpickles (its extra and private values are None: records have neither),
    with what was worked out of it already."""
    record = model.__new__(model)
    _set(record, "__dict__", values)
    _set(record, "__pydantic_fields_set__", fields_set)
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    located = Located.__new__(Located)
    located.__dict__.update(
        where=where, record=record, content=content, seen=_new_tuple(Seen, seen), key=key,
        counted=counted and _new_tuple(Counted, counted),
    )  # fmt: skip
    return located


_set = object.__setattr__
_new_tuple = tuple.__new__


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {shortened(self.message)}"


# A message quotes what it is about; a value of a million characters is shown by its start.
_LONG_RUN = re.compile(r"\S{120,}")
_LONGEST_MESSAGE = 1_000


def shortened(message: str) -> str:
    """``message`` with each very long word (a value quoted whole) cut to its start, and
    the whole cut to a thousand characters, each cut saying how long it was."""
    message = _LONG_RUN.sub(lambda run: f"{run[0][:60]}... ({len(run[0]):,} characters)", message)
    if len(message) > _LONGEST_MESSAGE:
        message = f"{message[:_LONGEST_MESSAGE]}... ({len(message):,} characters in all)"
    return message
