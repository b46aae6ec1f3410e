"""What the checker remembers of each record of a batch once it has passed (a few facts,
not the record), and the rule for ids: a new id is appended, the same record again is
skipped and counted, an id used again with other content is a problem."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import NamedTuple

from ledger.records.located import Located
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


def digest(item: Located) -> bytes:
    """A short digest of a normalised record (of its JSON, whose fields come in one order
    for each kind, so equal records give equal digests without sorting the keys)."""
    return hashlib.blake2b(item.content, digest_size=16).digest()


def seen(item: Located) -> Seen:
    record = item.record
    return Seen(
        kind=record.kind,
        known_on=record.known_on(),
        where=item.where,
        digest=digest(item),
        unit=unit_of(record),
        amount_rule=getattr(type(record), "amount_rule", None),
        opened=record.opened if isinstance(record, OrganisationRecord) else None,
    )


def unit_of(record: AnyRecord) -> str | None:
    if isinstance(record, FigureRecord):
        return record.unit
    return "gbp" if isinstance(record, YearRecord) else None


class Ids:
    """Whether each record's id is new: records already seen in the batch or recorded in
    the store are not appended again, and a repeat must be the same record."""

    def __init__(self, seen: dict[str, Seen], *, keep_already_recorded: bool = False):
        self.seen = seen
        self.already_count = 0
        self.already_recorded: list[Located] = []  # kept only when asked: imports count them
        self._keep_already = keep_already_recorded

    def check(self, item: Located, stored: AnyRecord | None) -> tuple[bool, str | None]:
        """Whether the record is new, and what is wrong with its id (None if nothing)."""
        record = item.record
        earlier = self.seen.get(record.id)
        if earlier is not None:
            if earlier.digest != digest(item):
                return False, (
                    f"id {record.id!r} is used again with different content "
                    f"(first at {earlier.where})"
                )
            return False, None
        if stored is None:
            return True, None
        if stored.normalised() == item.fields:
            self.already_count += 1
            if self._keep_already:
                self.already_recorded.append(item)
            return False, None
        return False, (
            f"id {record.id!r} is already recorded with different content "
            f"({_differences(stored, record)})"
        )


def _differences(old: AnyRecord, new: AnyRecord) -> str:
    before, after = old.normalised(), new.normalised()
    changed = [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]
    return "; ".join(changed)
