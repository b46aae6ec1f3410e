"""The rows one page of stored records becomes, made before any of them is written: the
first versions of money records and figures (by shape), the rows of the other tables,
the corrections to apply, and what allocation_days and known_years gain. A page is
plain data, so that a build can have it made in another process (ahead.py)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ledger.views.corrections import Days
from ledger.views.errata import Fixes
from ledger.views.errors import ViewsError
from ledger.views.known_years import KnownYears
from ledger.views.postings import MONEY_KINDS, Shape, first_versions, known_on, reference_rows

if TYPE_CHECKING:
    from ledger.store.reading import StoredRecord

# What a stored event can do wrong, as opposed to the views database or the machine (a
# locked or full disk, a corrupt file), which must stop the projector rather than be
# blamed on the event.
EVENT_FAULTS = (
    LookupError, TypeError, ValueError, AttributeError, ArithmeticError, ViewsError,
    sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError,
)  # fmt: skip


class Page:
    """The rows made from one page of records, of those known by ``known_by`` (all when
    None), with the errata of ``fixes`` applied."""

    def __init__(self, known_by: str | None, records: list[StoredRecord], fixes: Fixes):
        self.pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.postings: dict[Shape, list[tuple[Any, ...]]] = defaultdict(list)
        self.corrections: list[tuple[dict[str, Any], int]] = []
        self.stored_ids: list[Any] = []  # each correction's id as stored, to leave it out by
        for record in records:
            self.apply(record.fields, record.position, known_by, fixes)

        # What allocation_days and known_years gain from the page's first versions,
        # worked out with the rest: in a build, by the worker, which has the time now
        # that the projector sets the pace (issue 21).
        self.days, self.known_years = Days(), KnownYears()
        for shape, postings in self.postings.items():
            self.days.add_postings(shape, postings)
            self.known_years.add_first_versions(postings)

    def apply(
        self, stored: dict[str, Any], position: int, known_by: str | None, fixes: Fixes
    ) -> None:
        if stored["kind"] == "erratum":
            self.pending["errata"] += fixes.rows(stored, position)
            return
        fields = fixes.fixed(stored)
        if fields is None or (known_by is not None and known_on(fields) > known_by):
            return
        kind = fields["kind"]
        if kind in MONEY_KINDS:
            shape, postings = first_versions(fields, position)
            self.postings[shape] += postings
            if kind == "figure":
                self._reconciliation_rows(fields, position)
        elif kind == "correction":
            self.corrections.append((fields, position))
            self.stored_ids.append(stored["id"])
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
