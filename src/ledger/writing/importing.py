"""Importing files: one streaming pass that checks every record and appends the new ones
in one transaction, a chunk at a time. A problem anywhere means nothing is kept, and
every problem is still reported. Memory stays bounded by the chunk and a few facts per
record, however long the history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ledger.records.located import Located, Problem
from ledger.store.application import store_exists
from ledger.store.errors import StoreMadeMeanwhile
from ledger.store.new_file import building_beside, can_build_beside, put_in_place
from ledger.store.settings import is_database_url
from ledger.writing.batch import Checker, NoRecords, RecordSource
from ledger.writing.jsonlines import RecordStream, chunks, read_again
from ledger.writing.ledger import Ledger

CHUNK = 2000


class ImportRejected(Exception):
    """The import had problems; nothing was recorded."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class Imported:
    new: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, year) -> records
    already_recorded: int = 0
    files: int = 0

    @property
    def new_records(self) -> int:
        return sum(self.new.values())


# Told after each chunk: what is being done ("checked", or "checked and recorded"), how
# many records have been read so far, and where the last one is (file:line).
Progress = Callable[[str, int, str], None]


def import_files(
    store: str,
    stream: RecordStream,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    committing: Callable[[], None] | None = None,
) -> Imported:
    """Check and append the records of ``stream``; raise ImportRejected on any problem.
    A store that does not exist yet is created only once the records have passed: a
    server's tables are made in the transaction that records them, and a new file is made
    beside where it belongs and named as the store once it holds them (store.new_file);
    where that cannot be done, every record is checked first and read again to record.
    A store another process makes meanwhile is imported into, its records read again.
    ``committing`` is called once every record has passed, just before they are kept."""
    exists = store_exists(store)
    if not exists and not dry_run and is_database_url(store):
        try:
            with Ledger(store, tables_with_first_append=True) as ledger:
                return _append_all(ledger, stream, progress, committing, NoRecords())
        except StoreMadeMeanwhile:  # by another process: the records are checked against it
            exists = True
    if not exists and not dry_run and can_build_beside(store):
        with building_beside(store) as building:
            if building is not None:
                with Ledger(str(building), named=store) as ledger:
                    imported = _append_all(ledger, stream, progress, committing)
                if not imported.new or put_in_place(building, store):
                    return imported
        exists = store_exists(store)  # made meanwhile by another process, or still not
    if dry_run or not exists:
        if exists:
            with Ledger(store, must_exist=True) as ledger:
                checked = _import(stream, Checker(ledger, full_records=read_again), None, progress)
        else:
            checked = _import(stream, Checker(NoRecords(), full_records=read_again), None, progress)
        if dry_run or not checked.new:
            return checked
    with Ledger(store) as ledger:
        return _append_all(ledger, stream, progress, committing)


def _append_all(
    ledger: Ledger,
    stream: RecordStream,
    progress: Progress | None,
    committing: Callable[[], None] | None,
    stored: RecordSource | None = None,
) -> Imported:
    """Check every record against what is stored (the ledger's store, unless ``stored``
    says what a new store holds: nothing) and append the new ones, in one transaction."""
    checker, positions = Checker(ledger if stored is None else stored, full_records=read_again), []
    with ledger.appending() as append:
        imported = _import(stream, checker, lambda new: positions.extend(append(new)), progress)
        if committing is not None:
            committing()
    if totals := checker.totals_to_keep(positions):
        ledger.keep_totals(totals)
    return imported


def _kind_and_year(item: Located) -> tuple[str, str]:
    """What the import's summary counts a record under. (Read from the model's values:
    asking a model for a field it has not got raises and catches an AttributeError,
    some 3 us, and a large import has many records without a year.)"""
    values = item.record.__dict__
    return values["kind"], values.get("financial_year") or "no year"


def _import(
    stream: RecordStream,
    checker: Checker,
    append: Callable[[Sequence[Located]], object] | None,
    progress: Progress | None = None,
) -> Imported:
    imported = Imported()
    read = 0
    for chunk in chunks(stream.pages(), CHUNK):
        new = checker.check(chunk)
        imported.new.update(map(_kind_and_year, new))
        if append is not None and not stream.problems and not checker.has_problems:
            append(new)
        read += len(chunk)
        if progress is not None:
            progress("checked" if append is None else "checked and recorded", read, chunk[-1].where)
    problems = stream.problems + checker.finish()
    if problems:
        raise ImportRejected(problems)
    imported.already_recorded = checker.ids.already_count
    imported.files = len(stream.files)
    return imported
