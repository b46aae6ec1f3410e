"""The projector: reads the store's notification log from the tracked position and turns
each record into rows of the views database, a page at a time, each page in one
transaction with the new position.

Money and reported figures become *postings*: one row per side of a record (a transfer
has two, ``from`` and ``to``) and per version of its value. A correction adds a version
known from its own ``as_at``; each version carries ``valid_to``, the known date of the
next version, so a view "as at D" keeps the versions with ``as_at <= D`` and no later
version known by D. ``delta_pence`` is the change a version makes to its side's value,
so an additive figure (an allocation) as at D is the sum of deltas known by D.

The rows a record becomes are made in postings; corrections re-chain versions in
corrections; the tables themselves are in tables and database.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ledger.store.settings import shown
from ledger.views.corrections import Days, apply_corrections
from ledger.views.database import ViewsDatabase
from ledger.views.errata import Fixes, NeedsReplay
from ledger.views.errors import ViewsError
from ledger.views.postings import MONEY_KINDS, known_on, posting_rows, reference_rows

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
) -> int:
    """Apply every event after the tracked position (up to position ``until`` when given);
    return how many were read. An event that cannot be read or projected is left out of
    the views and noted in their ``unprojected`` table: a stored event never stops them."""
    _check_same_store(ledger, views)
    end = ledger.recorder.max_notification_id() or 0
    if until is not None:
        end = min(end, until)
    to_read = end - views.tracking.position
    # A build from the start knows every erratum; one that arrives later needs a build.
    start = views.tracking
    fixes = _fixes(ledger, end, start.recorded_by) if start.position == 0 else None
    read = 0
    while True:
        with views.writing():
            tracking = views.tracking
            limit = page_size or PAGE_SIZE
            if until is not None:
                limit = min(limit, until - tracking.position)
            if limit <= 0:
                return read
            last, records, unreadable = _read(ledger, views, tracking.position, limit)
            if last == tracking.position:
                return read
            if fixes is None and any(r.fields.get("kind") == "erratum" for r in records):
                raise NeedsReplay("new errata fix records the views hold")
            _project(views, tracking.known_by, records, fixes or Fixes([], None))
            at_last = records[-1].fields["id"] if records and records[-1].position == last else None
            views.track(last, at_last)
        read += len(records) + unreadable
        if progress:
            progress(read, max(to_read, read))


def _fixes(ledger: EventStore, end: int, recorded_by: str | None) -> Fixes:
    return Fixes(ledger.records_of_kinds(("erratum",), end), recorded_by)


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


# What a stored event can do wrong, as opposed to the views database or the machine (a
# locked or full disk, a corrupt file), which must stop the projector rather than be
# blamed on the event.
_EVENT_FAULTS = (
    LookupError, TypeError, ValueError, AttributeError, ArithmeticError, ViewsError,
    sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError,
)  # fmt: skip


def _project(
    views: ViewsDatabase, known_by: str | None, records: list[StoredRecord], fixes: Fixes
) -> None:
    """Write one page's rows; if the page fails, write its events one at a time and leave
    out each that fails, so one bad event costs only itself."""
    try:
        with views.savepoint():
            _Page(known_by, records, fixes).write(views)
    except _EVENT_FAULTS:
        for record in records:
            try:
                with views.savepoint():
                    _Page(known_by, [record], fixes).write(views)
            except _EVENT_FAULTS as error:
                views.leave_out(record.position, str(record.fields["id"]), _fault(error))


def _fault(error: Exception) -> str:
    """Why an event could not be projected, for ``check`` to say."""
    if isinstance(error, KeyError):
        return f"it has no {error.args[0]!r} field"
    if isinstance(error, sqlite3.IntegrityError):
        return f"its rows break a rule of the views database ({error})"
    return str(error)


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


class _Page:
    """The rows made from one page of records."""

    def __init__(self, known_by: str | None, records: list[StoredRecord], fixes: Fixes):
        self.known_by = known_by
        self.fixes = fixes
        self.pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.postings: list[tuple[Any, ...]] = []
        self.corrections: list[tuple[dict[str, Any], int]] = []
        for record in records:
            self.apply(record.fields, record.position)
        self.days = Days()
        self.days.add_postings(self.postings)

    def apply(self, stored: dict[str, Any], position: int) -> None:
        if stored["kind"] == "erratum":
            self.pending["errata"] += self.fixes.rows(stored, position)
            return
        fields = self.fixes.fixed(stored)
        if fields is None or (self.known_by is not None and known_on(fields) > self.known_by):
            return
        kind = fields["kind"]
        if kind in MONEY_KINDS:
            self.postings += posting_rows(fields, position)
            if kind == "figure":
                self._reconciliation_rows(fields, position)
        elif kind == "correction":
            self.corrections.append((fields, position))
        else:
            for table, row in reference_rows(fields, position):
                self.pending[table].append(row)

    def _reconciliation_rows(self, fields: dict[str, Any], position: int) -> None:
        components = fields.get("components", [])
        if not components and not fields.get("sum_of_members"):
            return
        self.pending["reconciled_figures"].append(
            {
                "figure_id": fields["id"],
                "rule": "components" if components else "members",
                "complete": 0 if fields.get("components_complete") is False else 1,
                "tolerance": fields.get("tolerance_pence", fields.get("tolerance_count")),
                "position": position,
            }
        )
        self.pending["figure_components"] += [
            {
                "figure_id": fields["id"],
                "component_id": component.removeprefix("-"),
                "sign": -1 if component.startswith("-") else 1,
                "position": position,
            }
            for component in components
        ]

    def write(self, views: ViewsDatabase) -> None:
        """Write the rows: new postings first, so the corrections find what they correct."""
        views.insert_postings(self.postings)
        for table, rows in self.pending.items():
            views.insert(table, rows)
        apply_corrections(views, self.corrections, self.days)
        views.add_allocation_days(self.days.totals)
        views.correct_left_out(
            [_correcting(fields, position) for fields, position in self.corrections]
        )


def _correcting(fields: dict[str, Any], position: int) -> tuple[str, str, str, bool, int]:
    """What a correction says of a record left out of the views: its id, the record's, its
    precedence (corrections apply by known date, then store position), whether it
    reverses the record, and its position (it corrects only events stored before it)."""
    precedence = f"{fields['as_at']} {position:012d}"
    return fields["id"], fields["corrects"], precedence, fields["action"] == "reverse", position
