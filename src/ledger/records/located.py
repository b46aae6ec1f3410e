"""A record and where it was read (a line of an import file, or a ``record`` command), and
a problem found with a record there, written ``where: message``."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.records.models import AnyRecord


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
