"""One unit for each measure: a measure recorded in pounds is not recorded as a count or
a percent too, for any organisation or year. A reported total adds up its members'
figures of its measure, and audit, diff and chart show a measure's values in its one
unit; the measures of allocations, plans, forecasts, drawdowns and QIPP are in pounds.

Only reported figures name a measure of their own, so only they (the store's, read once
as their errata fix them, and the batch's) are remembered: their ids, by measure and unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ledger.records.kinds import MONEY_MEASURES
from ledger.records.models import AnyRecord
from ledger.records.seen import Seen
from ledger.records.yearly import FigureRecord

Find = Callable[[str], AnyRecord | Seen | None]


class StoredFigures(Protocol):
    def records_of_kinds(self, kinds: Sequence[str], up_to: int) -> list[dict[str, Any]]: ...


class Units:
    """The unit each measure is recorded in, and by which figures."""

    def __init__(self, store: StoredFigures, store_end: Callable[[], int], find: Find):
        self._store = store
        self._store_end = store_end
        self._find = find
        self._ids: dict[str, dict[str, list[str]]] = {}  # measure -> unit -> figure ids
        self._of: dict[str, tuple[str, str]] = {}  # figure id -> (measure, unit)
        self._store_read = False

    def problem(self, record: AnyRecord) -> str | None:
        """What is wrong with a figure's unit, given the other records of its measure."""
        if not isinstance(record, FigureRecord) or record.unit is None:
            return None
        self._read_store()
        measure, unit = record.measure, record.unit
        if measure in MONEY_MEASURES and unit != "gbp":
            return (
                f"measure: {measure!r} is in gbp (the ledger's {measure} records are), "
                f"not {unit}: a measure keeps one unit; name another measure"
            )
        for other, ids in self._ids.get(measure, {}).items():
            others = [figure_id for figure_id in ids if figure_id != record.id]
            if other != unit and others:
                return (
                    f"measure: {measure!r} is recorded in {other} (by {others[0]!r}), not "
                    f"{unit}: a measure keeps one unit for every organisation and year; "
                    "name another measure"
                )
        return None

    def note(self, record: AnyRecord) -> None:
        """Remember a new figure's measure and unit."""
        if isinstance(record, FigureRecord):
            self.note_fixed(record, record.id)

    def note_fixed(self, record: AnyRecord | None, record_id: str) -> None:
        """Remember the measure and unit of a record an erratum has fixed (it may have
        made it another measure or unit, or no figure at all)."""
        self._read_store()
        if record_id in self._of:
            measure, unit = self._of.pop(record_id)
            self._ids[measure][unit].remove(record_id)
        if isinstance(record, FigureRecord) and record.unit is not None:
            self._add(record_id, record.measure, record.unit)

    def _add(self, record_id: str, measure: str, unit: str) -> None:
        self._of[record_id] = (measure, unit)
        self._ids.setdefault(measure, {}).setdefault(unit, []).append(record_id)

    def _read_store(self) -> None:
        """The store's figures, once: as stored, or as found once errata fix them."""
        if self._store_read:
            return
        self._store_read = True
        end = self._store_end()
        fixed = {
            str(erratum.get("fixes")) for erratum in self._store.records_of_kinds(("erratum",), end)
        }
        for fields in self._store.records_of_kinds(("figure",), end):
            record_id = str(fields["id"])
            if record_id not in fixed and isinstance(fields.get("measure"), str):
                unit = next((u for u in ("count", "percent") if u in fields), "gbp")
                self._add(record_id, fields["measure"], unit)
        for record_id in sorted(fixed):
            found = self._find(record_id)
            if isinstance(found, FigureRecord) and found.unit is not None:
                self._add(record_id, found.measure, found.unit)
