"""What records must satisfy, together and against the store, before they are appended:
ids are new or repeat exactly what is recorded, every organisation and source they name
exists, and corrections and reported figures fit what they name.

Records are checked one at a time as they stream in, remembering only a few facts about
each earlier one, so a million-record import does not hold a million records. Every
problem is collected with the place it came from, so a file can be fixed in one pass.
Sources and organisations may be named before the line that registers them; a corrected
record or a component must come before what names it.

The Checker runs the checks in order; each has a module of its own: ids (seen, and
stored_ids for those the store holds), what a record names (references, finding it with
lookup), one unit a measure (units), organisations over time (lifecycle, and closing for
how they end), errata (errata, and fixed for the record an erratum makes, checked as a
new one, fixed_lifecycle for the organisation rules, conflicts for the records an erratum
is refused for), exact sums (sums).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Protocol

from ledger.records.errata import ErratumRecord
from ledger.records.located import Located, Problem
from ledger.records.models import AnyRecord
from ledger.records.reference import OrganisationRecord
from ledger.records.seen import Seen
from ledger.store.totals import StoredTotals
from ledger.writing.conflicts import BatchAgain, place_in
from ledger.writing.fixed import FixedRecords, FullRecords
from ledger.writing.fixed_lifecycle import lifecycle_problems
from ledger.writing.lifecycle import Lifecycle, note_record, note_stored_change
from ledger.writing.lookup import Lookup
from ledger.writing.references import References
from ledger.writing.seen import Ids
from ledger.writing.stored_ids import StoredIds
from ledger.writing.sums import Totals
from ledger.writing.units import Units


class RecordSource(Protocol):
    """Where already recorded records are found: the store, or nothing for a new store."""

    def get_record(self, record_id: str) -> AnyRecord | None: ...

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]: ...

    def stored_keys(self, up_to: int) -> set[str]: ...

    def held_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]: ...

    def last_position(self) -> int: ...

    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]: ...

    def record_fields(self, up_to: int) -> Iterator[dict[str, Any]]: ...

    def stored_totals(self, up_to: int) -> StoredTotals | None: ...


class NoRecords:
    """A store that does not exist yet holds no records."""

    def get_record(self, record_id: str) -> AnyRecord | None:
        return None

    def get_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        return {}

    def stored_keys(self, up_to: int) -> set[str]:
        return set()

    def held_records(self, record_ids: Sequence[str]) -> dict[str, AnyRecord]:
        return {}

    def last_position(self) -> int:
        return 0

    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]:
        return []

    def record_fields(self, up_to: int) -> Iterator[dict[str, Any]]:
        return iter(())

    def stored_totals(self, up_to: int) -> StoredTotals | None:
        return None


# What ends an organisation or carries it on, and organisations (for their parents).
CHANGE_KINDS = ("closure", "merger", "split", "organisation")


class Checker:
    """Checks records in the order they come, against the store and the ones before."""

    def __init__(
        self,
        store: RecordSource,
        *,
        keep_already_recorded: bool = False,
        full_records: FullRecords | None = None,
    ):
        self.store = store
        self.seen: dict[str, Seen] = {}
        self.ids = Ids(self.seen, keep_already_recorded=keep_already_recorded)
        # Told where the store ended by a callable of their own, not a lambda of self: a
        # cycle through the checker would keep every record it saw alive until Python's
        # cycle collector found them, a second at the end of an import of a million.
        self._end = StoreEnd(store)
        lookup = self.lookup = Lookup(store, self.seen, self._end)
        self.references = References(lookup, self.seen)
        self.units = Units(store, self._end, self.lookup.find)
        self.lifecycle = Lifecycle()
        args = (self.lookup, self.references, self.units, full_records, self.lifecycle)
        self.fixed = FixedRecords(*args)
        self._problems: list[tuple[int, Problem]] = []  # by the order of the record
        self._order = 0
        self._files: dict[str, int] = {}  # the batch's files, each with its place
        self.totals = Totals()
        self.stored_ids = StoredIds(store)
        self._totals_read = False  # the store's sums are in self.totals

    @property
    def store_end(self) -> int:
        """Where the store ended when checking began: records this batch appends in the
        same transaction, a chunk at a time, are not counted as stored."""
        return self._end()

    def check(self, items: Sequence[Located]) -> list[Located]:
        """The records among ``items`` to append; problems and repeats are set aside."""
        self.store_end  # noqa: B018 - noted before anything is appended
        _note_files(self._files, items)
        recorded = self.stored_ids.records(items, self._order, self.store_end)
        new = []
        for item in items:
            self._order += 1
            is_new, problem = self.ids.check(item, recorded.get(item.record.id))
            self._problem(item, problem)
            if is_new:
                found = self.references.problems(item, self._order)
                if found:
                    self._problems += [(self._order, Problem(item.where, m)) for m in found]
                elif isinstance(item.record, ErratumRecord):  # its own problems come first
                    for problem in self.fixed.problems(item, self._order):
                        self._problem(item, problem)
                self._problem(item, self.units.problem(item.record))
                self._problem(item, self.lookup.same_day_problem(item.record))
                self.units.note(item.record)
                note_record(self.lifecycle, item.record, self._order, item.where)
                self._count(item)
                self.seen[item.record.id] = item.seen
                self.lookup.note(item.record)
                new.append(item)
        return new

    def finish(self) -> list[Problem]:
        """Problems with what was named ahead of the line that records it; then all problems,
        in the order of the records they are about."""
        for order, item, problem in self.references.named_ahead():
            self._order = order
            self._problem(item, problem)
        refused = {order for order, _ in self._problems}
        for order, item, problem in [*self.fixed.finish(refused), *self.references.named_ahead()]:
            self._order = order
            self._problem(item, problem)
        self._check_lifecycle()
        return self.problems

    @property
    def has_problems(self) -> bool:
        return bool(self._problems)

    @property
    def problems(self) -> list[Problem]:
        return in_line_order(self._problems, self._files)

    def _check_lifecycle(self) -> None:
        stored = self.store.records_of_kinds(CHANGE_KINDS, self.store_end)
        for fields in self.lookup.errata.stored_fixed(stored, self.store, self.store_end):
            note_stored_change(self.lifecycle, fields)
        again = BatchAgain(self.seen)
        every = self.lookup.stored_fields
        for found in lifecycle_problems(self.lifecycle, self._opened, every, again):
            self._problems.append((found.order, Problem(found.where, found.message)))

    def _opened(self, code: str) -> date | None:
        found = self.lookup.find(code)
        return found.opened if isinstance(found, (Seen, OrganisationRecord)) else None

    def totals_to_keep(self, positions: Sequence[int]) -> StoredTotals | None:
        """The sums of the store once the batch was appended at these positions, to keep
        beside it; None if another writer appended between the store's end and them."""
        end = self.store_end
        if not positions or (positions[0], positions[-1]) != (end + 1, end + len(positions)):
            return None
        self._read_totals()
        return self.totals.counted_up_to(positions[-1])

    def _count(self, item: Located) -> None:
        """Add a record's values to the running totals (the store's first)."""
        if item.counted is not None:
            self._read_totals()
            self._problem(item, self.totals.add_counted(item.counted))

    def _read_totals(self) -> None:
        if not self._totals_read:
            self._totals_read = True
            self.totals.read_store(self.store, self.store_end)

    def _problem(self, item: Located, message: str | None) -> None:
        if message:
            self._problems.append((self._order, Problem(item.where, message)))


class StoreEnd:
    """The store's last position before a batch, read when first asked."""

    def __init__(self, store: RecordSource):
        self.store = store
        self.position: int | None = None

    def __call__(self) -> int:
        if self.position is None:
            self.position = self.store.last_position()
        return self.position


def in_line_order(problems: list[tuple[int, Problem]], files: dict[str, int]) -> list[Problem]:
    """Problems (each with the order of its record) in the order of the lines they are at
    (``files`` the batch's files, each with its place), then of their records: a figure
    refused in place of one an erratum took back is at its own line, though found with
    the other's order."""
    ordered = sorted(problems, key=lambda found: (*place_in(found[1].where, files), found[0]))
    return [problem for _, problem in ordered]


def _note_files(files: dict[str, int], items: Sequence[Located]) -> None:
    """Note the files these items were read from, in order (a page holds more than one only
    where one file ends and the next begins)."""
    if not items:
        return
    first, last = (item.where.rpartition(":")[0] for item in (items[0], items[-1]))
    for path in [first] if first == last else (item.where.rpartition(":")[0] for item in items):
        files.setdefault(path, len(files))
