"""Errata go through the checks a new record gets: the record an erratum makes of the one
it fixes is checked as if it were recorded where the erratum is (the source and the
organisations it names, the record a correction corrects, a figure's components, its
measure's unit). A stored record is fixed at once; one of the same batch, of which the
checker keeps only a few facts, is read again from its line once the batch is over.
What either names is looked up once the batch is over, as the batch's errata leave it
(a later erratum may make the organisation it names known earlier).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ledger.records.errata import ErratumRecord
from ledger.records.located import Located
from ledger.records.models import AnyRecord, RecordError, fixed_record, parse_record
from ledger.records.seen import Seen
from ledger.writing.errata import not_valid
from ledger.writing.fixed_lifecycle import note_fixed
from ledger.writing.lifecycle import Lifecycle
from ledger.writing.lookup import Lookup
from ledger.writing.references import References, Say
from ledger.writing.units import Units

# The records of the batch with these ids, read again from where they were read (its
# file and line, by id).
FullRecords = Callable[[dict[str, str]], dict[str, AnyRecord]]
Make = Callable[[], dict[str, Any] | None]  # the fixed record's fields; RecordError if none


class FixedRecords:
    """Checks the record each erratum makes, as a new record."""

    def __init__(
        self,
        lookup: Lookup,
        references: References,
        units: Units,
        full: FullRecords | None,
        lifecycle: Lifecycle,
    ):
        self._lookup = lookup
        self._lifecycle = lifecycle
        self._references = references
        self._units = units
        self._full = full
        self._later: list[tuple[int, Located]] = []  # errata of records of the batch
        self._named_later: list[tuple[int, Located, Say]] = []  # stored records, as fixed

    def problems(self, item: Located, order: int) -> Iterator[str | None]:
        """What is wrong with the record that the erratum at ``order`` (one with no
        problem of its own) makes of a stored record; one of the batch waits."""
        erratum = item.record
        if not isinstance(erratum, ErratumRecord):
            return
        target = self._lookup.find(erratum.fixes)
        if target is None or isinstance(target, Seen):
            self._later.append((order, item))
        elif erratum.withdraw:
            self._units.note_fixed(None, erratum.fixes)
            note_fixed(self._lifecycle, target, None, order, item.where)
        else:
            yield from self._checked(
                item,
                order,
                target,
                lambda: fixed_record(target.normalised(), _as_given(erratum)),
                names_later=True,
            )

    def finish(self, refused: set[int]) -> Iterator[tuple[int, Located, str | None]]:
        """(order, erratum, problem) for each erratum not ``refused`` already: what the
        records fixed name, and the checks of those of the batch, read again."""
        later = [(order, item) for order, item in self._later if order not in refused]
        wanted = {
            fixes: self._lookup.seen[fixes].where
            for fixes in (_fixes(item) for _, item in later)
            if fixes in self._lookup.seen
        }
        found = self._full(wanted) if wanted and self._full else {}
        for order, fixed, say in self._named_later:
            if order not in refused:
                for named in self._references.problems(fixed, order, say):
                    yield order, fixed, named
        for order, item in later:
            record = found.get(_fixes(item))
            if record is not None:
                make = _fixed_in_turn(record, self._lookup.errata.of(record.id), item.record)
                for problem in self._checked(item, order, record, make):
                    yield order, item, problem

    def _checked(
        self, item: Located, order: int, before: AnyRecord, make: Make, *, names_later: bool = False
    ) -> Iterator[str | None]:
        """The problems of the record ``make`` makes of ``before``, as a new record's."""
        erratum = item.record
        assert isinstance(erratum, ErratumRecord)
        try:
            fields = make()
        except RecordError as error:
            yield not_valid(before.normalised(), erratum, error)
            return
        fixed = None if fields is None else parse_record(fields)
        if fixed is not None:
            given = {*erratum.set, *erratum.unset}

            def say(problem: str) -> str:
                field = problem.split(":", 1)[0].split(" ", 1)[0]
                return f"set: {problem}" if field in given else f"set: the fixed record: {problem}"

            made = Located(item.where, fixed)
            if names_later:  # a stored record's: once the batch's errata are all known
                self._named_later.append((order, made, say))
            else:
                yield from self._references.problems(made, order, say)
            yield say(problem) if (problem := self._units.problem(fixed)) else None
        self._units.note_fixed(fixed, erratum.fixes)
        note_fixed(self._lifecycle, before, fixed, order, item.where)


def _fixes(item: Located) -> str:
    assert isinstance(item.record, ErratumRecord)
    return item.record.fixes


def _as_given(erratum: ErratumRecord) -> dict[str, Any]:
    """An erratum's changes as written (a fraction given for a percent stays a number)."""
    return {"set": erratum.set, "unset": erratum.unset, "withdraw": erratum.withdraw}


def _fixed_in_turn(record: AnyRecord, errata: list[ErratumRecord], last: Any) -> Make:
    """The record as the batch's errata of it leave it, up to and including ``last``."""

    def make() -> dict[str, Any] | None:
        fields: dict[str, Any] | None = record.normalised()
        for erratum in errata:
            if fields is None:
                return None
            fields = fixed_record(fields, _as_given(erratum))
            if erratum is last:
                break
        return fields

    return make
