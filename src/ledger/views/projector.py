"""The projector: reads the store's notification log from the tracked position and turns
each record into rows of the views database, a page at a time, each page in one
transaction with the new position.

Money and reported figures become *postings*: one row per side of a record (a transfer
has two, ``from`` and ``to``) and per version of its value. A correction adds a version
known from its own ``as_at``; each version carries ``valid_to``, the known date of the
next version, so a view "as at D" keeps the versions with ``as_at <= D`` and no later
version known by D. ``delta_pence`` is the change a version makes to its side's value,
so an additive figure (an allocation) as at D is the sum of deltas known by D.

The rows a record becomes are made in postings, and a page's in page; corrections
re-chain versions in corrections; the tables themselves are in tables and database. A
large build has its pages made by a worker process (ahead).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from ledger.store.settings import shown
from ledger.views.ahead import AHEAD_FROM_EVENTS, MadeAhead, Reading, Worker, records_in
from ledger.views.corrections import Days, apply_corrections
from ledger.views.database import ViewsDatabase
from ledger.views.errata import Fixes, NeedsReplay
from ledger.views.errors import ViewsError
from ledger.views.page import EVENT_FAULTS, Page
from ledger.views.tables import SCHEMA_VERSION

if TYPE_CHECKING:
    from ledger.store.application import EventStore
    from ledger.store.reading import StoredRecord

PAGE_SIZE = 2000

Progress = Callable[[int, int], None]  # (events read so far, events in the store)


def catch_up(
    ledger: EventStore,
    views: ViewsDatabase,
    progress: Progress | None = None,
    page_size: int | None = None,
    until: int | None = None,
    *,
    building: bool = False,
    worker: Worker | None = None,
) -> int:
    """Apply every event after the tracked position (up to position ``until`` when given);
    return how many were read. An event that cannot be read or projected is left out of
    the views and noted in their ``unprojected`` table: a stored event never stops them.

    ``building``: a new file is built from the start, without its indexes (a replay,
    which throws the file away unless it completes): the corrections are kept until
    every posting is in, then applied in one pass, and the unique indexes are made just
    before it, not kept up while inserting. (Should they find a record whose postings
    repeat another's, the file is built again with them kept up from the start, which
    leaves that record out as catching up does.) A build of AHEAD_FROM_EVENTS events or
    more has its pages made by a worker process (ahead.py) and, having time for them
    while it waits, applies each page's corrections as catching up does."""
    _check_same_store(ledger, views)
    end = _end(ledger, until)
    to_read = end - views.tracking.position
    # A build from the start knows every erratum; one that arrives later needs a build.
    start = views.tracking
    if building and start.position != 0:
        raise ValueError("only a views database at position 0 is built")
    fixes = _fixes(ledger, end, start.recorded_by) if start.position == 0 else None
    made_ahead = building and to_read >= AHEAD_FROM_EVENTS
    build = _Build(views) if building and not made_ahead else None
    read = 0
    if made_ahead and fixes is not None:  # (a build starts at 0: it has its errata)
        reading = Reading(ledger.store, start.position, end, page_size or PAGE_SIZE,
                          start.known_by, fixes)  # fmt: skip
        read = _write_made_ahead(ledger, views, reading, progress, to_read, worker)
    while True:  # what is left to read, page by page (all of it, unless made ahead)
        with views.writing():
            tracking = views.tracking
            limit = page_size or PAGE_SIZE
            if until is not None:
                limit = min(limit, until - tracking.position)
            if limit <= 0:
                break
            last, records, unreadable = _read(ledger, views, tracking.position, limit)
            if last == tracking.position:
                break
            if fixes is None and any(r.fields.get("kind") == "erratum" for r in records):
                raise NeedsReplay("new errata fix records the views hold")
            _project(views, tracking.known_by, records, fixes or Fixes([], None), build)
            at_last = records[-1].fields["id"] if records and records[-1].position == last else None
            views.track(last, at_last)
        read += len(records) + unreadable
        if progress:
            progress(read, max(to_read, read))
    if build is not None:
        # Committed first: pages written before a savepoint in the same transaction make
        # every page the corrections then change be copied to the savepoint's journal.
        try:
            with views.writing():
                views.add_unique_indexes()
        except sqlite3.IntegrityError:  # a hand-edited store's record repeats another's
            with views.writing():
                _Build.discard(views)
                views.clear()
                views.add_unique_indexes()
            return catch_up(ledger, views, progress, page_size, until)
        with views.writing():
            build.apply_corrections(views)
    return read


def up_to_date(ledger: EventStore, views: ViewsDatabase) -> bool:
    """Whether the views hold every stored event: made by this version of the ledger,
    from this store (else a ViewsError says so), up to its last position."""
    if views.tracking.schema_version != SCHEMA_VERSION:
        return False
    _check_same_store(ledger, views)
    return views.tracking.position == _end(ledger, None)


def _end(ledger: EventStore, until: int | None) -> int:
    """The last position to read: the store's, or ``until`` if that is earlier."""
    end = ledger.recorder.max_notification_id() or 0
    return end if until is None else min(end, until)


@contextmanager
def worker_for_a_build(ledger: EventStore, until: int | None) -> Iterator[Worker | None]:
    """A worker started now for a build that will have its pages made ahead (see
    catch_up), so that its Python starts while this process makes the views' tables;
    None for a smaller build, or if it cannot be started. Stopped at the end."""
    if _end(ledger, until) < AHEAD_FROM_EVENTS:  # a build reads from position 0
        yield None
        return
    try:
        worker: Worker | None = Worker.start()
    except OSError:  # catch_up tries again, then reads every page itself
        worker = None
    try:
        yield worker
    finally:
        if worker is not None:
            worker.stop()


def _write_made_ahead(
    ledger: EventStore,
    views: ViewsDatabase,
    reading: Reading,
    progress: Progress | None,
    to_read: int,
    worker: Worker | None,
) -> int:
    """Write the pages the worker (``worker``, or one started now) makes, each with its
    position, as catching up writes them (corrections and all: waiting for the worker,
    it has the time); return how many events were read. Should the worker stop early,
    the caller reads on. A page that cannot be written whole is read again here and
    written record by record."""
    with views.writing():
        views.add_unique_indexes()
    read, fixes = 0, reading.fixes
    with MadeAhead(reading, worker=worker) as pages:
        for made in pages:
            fixes.originals.update(made.originals)
            with views.writing():
                for position, reason in made.unreadable:
                    views.leave_out(position, None, reason)
                if made.page is None or not _wrote(views, made.page):
                    records, _ = records_in(ledger, made.after, made.upto)
                    _project(views, reading.known_by, records, fixes, None)
                if made.last is not None:
                    views.track(made.last, made.at_last)
            read += made.events
            if progress:
                progress(read, max(to_read, read))
    return read


def _wrote(views: ViewsDatabase, page: Page) -> bool:
    """Whether a page made whole could be written whole (if not, nothing of it is)."""
    try:
        _write(views, page, None)
    except EVENT_FAULTS:
        return False
    return True


def _fixes(ledger: EventStore, end: int, recorded_by: str | None) -> Fixes:
    """The errata to apply; one that cannot be read is left out here, and of the views
    with the other events that cannot be read when its position is reached."""
    return Fixes(ledger.records_of_kinds(("erratum",), end, lambda *_: None), recorded_by)


def _read(
    ledger: EventStore, views: ViewsDatabase, after: int, limit: int
) -> tuple[int, list[StoredRecord], int]:
    """The next page of records, as ``records_after`` gives it, and how many events were
    left out of the views because they cannot be read."""
    unreadable: list[tuple[int, str]] = []
    last, records = ledger.records_after(after, limit, lambda *event: unreadable.append(event))
    for position, reason in unreadable:
        views.leave_out(position, None, reason)
    return last, records, len(unreadable)


def _project(
    views: ViewsDatabase,
    known_by: str | None,
    records: list[StoredRecord],
    fixes: Fixes,
    build: _Build | None,
) -> None:
    """Write one page's rows; if the page fails, write its events one at a time and leave
    out each that fails, so one bad event costs only itself."""
    try:
        _write(views, Page(known_by, records, fixes), build)
    except EVENT_FAULTS:
        for record in records:
            try:
                _write(views, Page(known_by, [record], fixes), build)
            except EVENT_FAULTS as error:
                views.leave_out(
                    record.position, str(record.fields["id"]), _fault(error, record.fields)
                )


def _write(views: ViewsDatabase, page: Page, build: _Build | None) -> None:
    """Write a page's rows, all or none; a build keeps its corrections once written."""
    with views.savepoint():
        _write_rows(views, page, correct=build is None)
    if build is not None:
        build.keep(views, page)


def _fault(error: Exception, fields: dict[str, Any]) -> str:
    """Why an event could not be projected, for ``check`` to say."""
    if isinstance(error, KeyError):
        return f"it has no {error.args[0]!r} field"
    if isinstance(error, sqlite3.IntegrityError):
        return f"its rows break a rule of the views database ({error})"
    if isinstance(error, ViewsError):
        return str(error)
    # A field of the wrong type fails deep in the projector or in sqlite3, whose messages
    # name neither the field nor the record; validating the record names the field.
    return _invalid_fields(fields) or str(error)


def _invalid_fields(fields: dict[str, Any]) -> str | None:
    """What is wrong with a stored record's fields, by name, if they do not validate."""
    from ledger.records.models import RecordError, parse_record

    try:
        parse_record(fields)
    except RecordError as error:
        return f"its fields do not validate: {error}"
    return None


def _check_same_store(ledger: EventStore, views: ViewsDatabase) -> None:
    """A views database follows one store: the record at its position must be the one it
    saw. (When the event there cannot be read, there is nothing to compare: `check` finds
    the event, and whether the views still match the store.)"""
    tracking = views.tracking
    if tracking.position == 0:
        return
    unreadable: list[tuple[int, str]] = []
    _, found = ledger.records_after(
        tracking.position - 1, 1, lambda *event: unreadable.append(event)
    )
    seen = (tracking.position, tracking.record_id)
    if found and (found[0].position, found[0].fields["id"]) == seen:
        return
    if unreadable:
        return
    store = shown(ledger.store)  # a server's password is not repeated
    raise ViewsError(
        f"the views database {views.path} was built from another store than {store}; "
        f"run: ledger --store {store} --views {views.path} rebuild"
    )


def _write_rows(views: ViewsDatabase, page: Page, *, correct: bool) -> None:
    """Write a page's rows: new postings first, so the corrections find what they correct
    (unless ``correct`` is false: a build applies them at the end)."""
    for shape, postings in page.postings.items():
        views.insert_postings(shape.statement, postings)
    for table, rows in page.pending.items():
        views.insert(table, rows)
    if correct:
        _correct(views, page.corrections, page.days)
    views.add_allocation_days(page.days.totals)
    views.add_known_years(page.known_years.first)


def _correct(
    views: ViewsDatabase, corrections: list[tuple[dict[str, Any], int]], days: Days
) -> None:
    """Apply corrections to the postings and to the events left out that they name."""
    apply_corrections(views, corrections, days)
    views.correct_left_out(_correcting(fields, position) for fields, position in corrections)


def _correcting(fields: dict[str, Any], position: int) -> tuple[str, str, str, bool, int]:
    """What a correction says of a record left out of the views: its id, the record's, its
    precedence (corrections apply by known date, then store position), whether it
    reverses the record, and its position (it corrects only events stored before it)."""
    precedence = f"{fields['as_at']} {position:012d}"
    return fields["id"], fields["corrects"], precedence, fields["action"] == "reverse", position


class _Build:
    """What a build from the start keeps from page to page: the corrections, applied once
    every posting is in, a slice at a time in store order. They wait in a temporary table
    of the views connection, not in memory: a million events hold some 100,000 of them,
    which as dicts would add about 100 MB to the build's peak."""

    SLICE = 10_000  # corrections applied together: one read of their versions, one write

    def __init__(self, views: ViewsDatabase) -> None:
        views.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS pending_corrections "
            "(position INTEGER PRIMARY KEY, stored_id TEXT, fields BLOB)"
        )

    def keep(self, views: ViewsDatabase, page: Page) -> None:
        """Keep the corrections of a page that was written."""
        views.conn.executemany(
            "INSERT INTO temp.pending_corrections VALUES (?, ?, ?)",
            [
                (position, str(stored_id), orjson.dumps(fields))
                for (fields, position), stored_id in zip(
                    page.corrections, page.stored_ids, strict=True
                )
            ],
        )

    def apply_corrections(self, views: ViewsDatabase) -> None:
        """Every correction kept, as catching up page by page applies them; a correction
        that cannot be applied is left out, as it would be there."""
        after = 0
        while slice_ := views.conn.execute(
            "SELECT position, stored_id, fields FROM temp.pending_corrections "
            "WHERE position > ? ORDER BY position LIMIT ?",
            (after, self.SLICE),
        ).fetchall():
            corrections = [(orjson.loads(fields), position) for position, _, fields in slice_]
            stored_ids = [stored_id for _, stored_id, _ in slice_]
            days = Days()  # a slice's, written with it: all of a large store's would grow
            self._apply(views, corrections, stored_ids, days)
            views.add_allocation_days(days.totals)
            after = slice_[-1][0]
        self.discard(views)

    @staticmethod
    def discard(views: ViewsDatabase) -> None:
        views.conn.execute("DROP TABLE IF EXISTS temp.pending_corrections")

    def _apply(
        self,
        views: ViewsDatabase,
        corrections: list[tuple[dict[str, Any], int]],
        stored_ids: list[str],
        days: Days,
    ) -> None:
        """These corrections together; if that fails, each half in turn, down to the one
        that fails, so that the corrections after it still apply in order."""
        if not corrections:
            return
        together = Days()
        try:
            with views.savepoint():
                _correct(views, corrections, together)
        except EVENT_FAULTS as error:
            if len(corrections) == 1:
                views.leave_out(corrections[0][1], stored_ids[0], _fault(error, corrections[0][0]))
                return
            middle = len(corrections) // 2
            self._apply(views, corrections[:middle], stored_ids[:middle], days)
            self._apply(views, corrections[middle:], stored_ids[middle:], days)
        else:
            days.add_days(together)
