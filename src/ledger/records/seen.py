"""What a batch remembers of each record once it has passed (a few facts, not the record):
worked out where the record is read, so that a large import's worker does it."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import NamedTuple

from ledger.records.models import AnyRecord
from ledger.records.reference import OrganisationRecord
from ledger.records.yearly import FigureRecord, YearRecord


class Seen(NamedTuple):
    """What later records of a batch need to know about an earlier one. (A named tuple:
    as immutable as a frozen dataclass, and a third of the time to make, once a record.)"""

    kind: str
    known_on: date
    where: str
    digest: bytes
    unit: str | None
    amount_rule: str | None
    opened: date | None


def digest_of(content: bytes) -> bytes:
    """A short digest of a normalised record's JSON (whose fields come in one order for
    each kind, so equal records give equal digests without sorting the keys)."""
    return hashlib.blake2b(content, digest_size=16).digest()


def seen_of(record: AnyRecord, where: str, content: bytes) -> Seen:
    """(Made with its values in order, not named: a named tuple takes a fifth longer to
    make by name, and an import makes one a record.)"""
    return Seen(
        record.kind,
        record.known_on(),
        where,
        digest_of(content),
        unit_of(record),
        getattr(type(record), "amount_rule", None),
        record.opened if isinstance(record, OrganisationRecord) else None,
    )


def unit_of(record: AnyRecord) -> str | None:
    if isinstance(record, FigureRecord):
        return record.unit
    return "gbp" if isinstance(record, YearRecord) else None
