"""The rule for ids: a new id is appended, the same record again is skipped and counted,
an id used again with other content is a problem. (What the checker remembers of each
record that passed is ``Located.seen``: records.seen.)"""

from __future__ import annotations

from ledger.records.located import Located
from ledger.records.models import AnyRecord
from ledger.records.seen import Seen


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
            if earlier.digest != item.seen.digest:
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
