"""The Ledger application: the event store, with the checks a batch of records must pass
before it is appended. Commands go through ``prepare`` (check a batch against the store;
nothing is written) and ``append`` (save every new record in one transaction). An import
streams its files through the same checks instead (see importing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.records.located import Located, Problem
from ledger.store.application import EventStore
from ledger.store.errors import StoreError
from ledger.writing.batch import Checker, RecordSource


@dataclass
class Batch:
    """The outcome of checking: what would be appended, and what stands in the way."""

    new: list[Located] = field(default_factory=list)
    already_recorded: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checker: Checker | None = field(default=None, compare=False, repr=False)  # knows the sums


def prepare_batch(items: Sequence[Located], store: RecordSource) -> Batch:
    """Check a few records at once (a command line, a test) against each other and the store."""
    given = {item.record.id: item.record for item in items}
    checker = Checker(
        store,
        keep_already_recorded=True,
        full_records=lambda wanted: {key: given[key] for key in wanted if key in given},
    )
    batch = Batch(checker=checker)
    batch.new = checker.check(items)
    batch.already_recorded = checker.ids.already_recorded
    batch.problems = checker.finish()
    return batch


class Ledger(EventStore):
    """Checks records, then appends them as events; reads them back as the store does."""

    name = EventStore.name  # what the store's tables are named after, not the class's name

    def prepare(self, items: Sequence[Located]) -> Batch:
        """Check records against each other and the store; nothing is written."""
        return prepare_batch(items, self)

    def append(self, batch: Batch) -> list[int]:
        """Append a checked batch's new records in one transaction; return their positions."""
        if batch.problems:
            raise StoreError("a batch with problems cannot be appended")
        if not batch.new:
            return []
        with self.appending() as append:
            positions = append(batch.new)
        if batch.checker and (totals := batch.checker.totals_to_keep(positions)):
            self.keep_totals(totals)
        return positions
