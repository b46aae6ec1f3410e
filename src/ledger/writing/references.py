"""What a record names must be recorded, in the store or earlier in the batch, and fit it:
the source document it cites (published by the time it was known, or it says why), the
organisations it is about (open and known by then), the record a correction corrects
and the components a reported figure adds up (not itself). A source or organisation may
be named before the line that records it: what is not found yet waits for the end of the
batch, and so does a record out of step with an organisation (an erratum further down
may fix the organisation). The record an erratum makes is checked so too (see fixed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ledger.records.base import CitedRecord
from ledger.records.errata import ErratumRecord
from ledger.records.fields import COMPONENT_KINDS, CORRECTABLE_KINDS, amount_problem
from ledger.records.kinds import a_kind
from ledger.records.located import Located
from ledger.records.models import AnyRecord
from ledger.records.reference import OrganisationRecord
from ledger.records.seen import Seen, unit_of
from ledger.records.yearly import CorrectionRecord, FigureRecord, YearRecord
from ledger.writing.errata import erratum_problem
from ledger.writing.lifecycle import STORE
from ledger.writing.lookup import Lookup

Find = Callable[[str], Seen | AnyRecord | None]  # an earlier record of the batch, or a stored one
Say = Callable[[str], str]  # how a problem is told (the record an erratum makes says so)


def _as_it_is(problem: str) -> str:
    return problem


class References:
    """Checks what each record names, as it comes; what is not found yet is checked again
    by ``named_ahead`` once the whole batch has been read."""

    def __init__(self, lookup: Lookup, seen: dict[str, Seen]):
        self._find, self._seen = lookup.find, seen
        self._as_recorded: Find = lookup.as_recorded  # before the batch's errata
        self._errata_of = lookup.errata.of
        self._waiting: list[tuple[int, Located, str, str, Say]] = []  # (order, item, field, id)
        self._order = 0
        self._say: Say = _as_it_is

    def problems(self, item: Located, order: int, say: Say = _as_it_is) -> list[str]:
        """What is wrong with the names in the record at ``order``, each problem told by
        ``say``."""
        self._order, self._say = order, say
        return [say(problem) for problem in self._named_problems(item) if problem]

    def _named_problems(self, item: Located) -> Iterator[str | None]:
        record = item.record
        if isinstance(record, CitedRecord):
            yield self._source_problem(item, "source", record.source)
        for field_name, code in record.organisation_references():
            yield self._organisation_problem(item, field_name, code)
        if isinstance(record, CorrectionRecord):
            yield self._correction_problem(item, record)
        if isinstance(record, ErratumRecord):
            yield self._source_problem(item, "source", record.source)
            yield self._erratum_problem(item, record)
        if isinstance(record, FigureRecord):
            for component in record.components:
                yield self._component_problem(item, record, component.removeprefix("-"))

    def named_ahead(self) -> Iterator[tuple[int, Located, str | None]]:
        """(order, record, problem) for each name that was not found when its record was
        checked, now that the batch is over."""
        waiting, self._waiting = self._waiting, []
        for order, item, field_name, named, say in waiting:
            problem = self._named_ahead(item, field_name, named)
            yield order, item, say(problem) if problem else None

    def _wait(self, item: Located, field_name: str, named: str) -> None:
        self._waiting.append((self._order, item, field_name, named, self._say))

    def _source_problem(self, item: Located, field_name: str, source: str) -> str | None:
        """The source a record cites is a source document, published by the time the
        record was known (or it says why); an erratum is not dated by its source."""
        found = self._find(source)
        if found is None:
            self._wait(item, field_name, source)
            return None
        if found.kind != "source":
            return f"{field_name}: {source!r} is {a_kind(found.kind)} record, not a source document"
        if isinstance(item.record, ErratumRecord):
            return None
        return _before_publication(item.record, found)

    def _erratum_problem(self, item: Located, erratum: ErratumRecord) -> str | None:
        target = self._find(erratum.fixes)
        if target is None:
            self._wait(item, "fixes", erratum.fixes)
            return None
        return erratum_problem(erratum, target)

    def _organisation_problem(
        self, item: Located, field_name: str, code: str, *, at_end: bool = False
    ) -> str | None:
        found = self._find(code)
        if found is None:
            self._wait(item, field_name, code)
            return None
        if found.kind != "organisation":
            return f"{field_name}: {code!r} is {a_kind(found.kind)} record, not an organisation"
        problem = _in_time(item.record, field_name, code, found)
        if problem and not at_end:  # an erratum further down may fix the organisation:
            self._wait(item, field_name, code)  # the batch is recorded with its errata
            return None
        recorded = self._as_recorded(code) if problem else found  # (most need no more)
        if recorded is found or recorded is None:
            return problem
        said = _errata_said(self._errata_of(code), self._seen)
        return _by_erratum(item.record, field_name, code, (found, recorded), said)

    def _named_ahead(self, item: Located, field_name: str, named: str) -> str | None:
        """A source or organisation named before the line that records it is fine."""
        found = self._seen.get(named)
        if field_name == "source":
            if found is None:
                return f"{field_name}: unknown source document {named!r} (add a source record)"
            return self._source_problem(item, field_name, named)
        if field_name == "fixes" and isinstance(item.record, ErratumRecord):
            # errata may come before what they fix (an errata folder sorts before others)
            return _unknown(field_name, named) if found is None else (
                erratum_problem(item.record, found)
            )  # fmt: skip
        if field_name in ("corrects", "components"):
            if found is None:
                return _unknown(field_name, named)
            what = "its correction" if field_name == "corrects" else "the figure that names it"
            return f"{field_name}: {named!r} must be recorded before {what}"
        if self._find(named) is None:  # (one out of step with the record waited too)
            return f"{field_name}: unknown organisation {named!r}{_suggestion(self._find, named)}"
        return self._organisation_problem(item, field_name, named, at_end=True)

    def _correction_problem(self, item: Located, correction: CorrectionRecord) -> str | None:
        target = self._find(correction.corrects)
        if target is None:
            self._wait(item, "corrects", correction.corrects)
            return None
        return correction_problem(correction, target)

    def _component_problem(self, item: Located, figure: FigureRecord, component: str) -> str | None:
        if component == figure.id:
            return f"components: {component!r} is this figure: a figure is not its own component"
        found = self._find(component)
        if found is None:
            self._wait(item, "components", component)
            return None
        return component_problem(figure, component, found)


def _suggestion(find: Find, code: str) -> str:
    for candidate in sorted({code.upper(), code.lower()} - {code}):
        found = find(candidate)
        if found is not None and found.kind == "organisation":
            return f" (did you mean {candidate!r}?)"
    return ""


def correction_problem(correction: CorrectionRecord, target: Seen | AnyRecord) -> str | None:
    """What is wrong with a correction of ``target`` (None if nothing)."""
    if target.kind not in CORRECTABLE_KINDS:
        return (
            f"corrects: {a_kind(target.kind)} record cannot be corrected "
            f"(only {', '.join(CORRECTABLE_KINDS)})"
        )
    known_on = target.known_on if isinstance(target, Seen) else target.known_on()
    if correction.as_at < known_on:
        return (
            f"as_at: a correction cannot be known ({correction.as_at}) before the record "
            f"it corrects ({known_on})"
        )
    if correction.action == "replace":
        return _replacement_problem(correction, target)
    return None


def component_problem(figure: FigureRecord, component: str, found: Seen | AnyRecord) -> str | None:
    """What is wrong with ``found`` as a component of a reported figure (None if nothing)."""
    if found.kind not in COMPONENT_KINDS:
        return (
            f"components: {component!r} is {a_kind(found.kind)} record; components are "
            f"{', '.join(COMPONENT_KINDS)} records"
        )
    unit = found.unit if isinstance(found, Seen) else unit_of(found)
    if unit != figure.unit:
        return f"components: {component!r} is in {unit}, the figure in {figure.unit}"
    return None


def _before_publication(record: AnyRecord, source: Seen | AnyRecord) -> str | None:
    """A fact known before the document cited for it was published must say why. An
    organisation may cite a register published after it was set up."""
    published = source.known_on if isinstance(source, Seen) else source.known_on()
    if not isinstance(record, CitedRecord) or isinstance(record, OrganisationRecord):
        return None
    if record.as_at >= published or record.reason:
        return None
    return (
        f"as_at {record.as_at} is before its source {record.source!r} was published "
        f"({published}): say why in reason"
    )


def _in_time(
    record: AnyRecord,
    field_name: str,
    code: str,
    organisation: Seen | AnyRecord,
    *,
    known: bool = True,
    fixed_by: str | None = None,
) -> str | None:
    """A figure is about a day its organisation was open, and known once it is (the
    organisation as ``fixed_by``, the batch's errata of it, leave it, when given)."""
    effective = record.effective if isinstance(record, YearRecord) else None
    opened = organisation.opened if isinstance(organisation, (Seen, OrganisationRecord)) else None
    if effective is not None and opened is not None and effective < opened:
        return (
            f"{field_name}: {code} did not exist on {effective} (it opened on {opened}: "
            f"{_organisation_at(code, organisation, fixed_by)})"
        )
    return _known_before(record, field_name, code, organisation, fixed_by) if known else None


def _by_erratum(
    record: AnyRecord,
    field_name: str,
    code: str,
    versions: tuple[Seen | AnyRecord, ...],
    fixed_by: str | None,
) -> str | None:
    """A record out of step with its organisation as an erratum of the batch fixes it.
    In step with the organisation as recorded, the erratum is what changed, and its line
    says so, naming this record and its line (fixed_lifecycle, fixed_known), so it is not
    said twice, whatever field names the organisation (a drawdown's budget ``against``
    too). Out of step with it as recorded too, the record is wrong itself, and is told the
    organisation as the errata (``fixed_by``) leave it: what the record must fit once the
    batch is recorded."""
    found, recorded = versions
    if _in_time(record, field_name, code, recorded) is None:
        return None
    return _in_time(record, field_name, code, found, fixed_by=fixed_by)


def _errata_said(errata: list[ErratumRecord], seen: dict[str, Seen]) -> str | None:
    """The batch's errata of a record, each at its line: "the erratum E at F:3 leaves"."""
    said = [f"{erratum.id} at {seen[erratum.id].where}" for erratum in errata if erratum.id in seen]
    if not said:
        return None
    if len(said) == 1:
        return f"the erratum {said[0]} leaves"
    return f"the errata {', '.join(said[:-1])} and {said[-1]} leave"


def _known_before(
    record: AnyRecord,
    field_name: str,
    code: str,
    organisation: Seen | AnyRecord,
    fixed_by: str | None = None,
) -> str | None:
    """A record cannot be known before the organisation it names is: the views as at a
    date count an organisation's figures from when the organisation is known. (An
    organisation's parent may be registered after it.)"""
    if isinstance(record, OrganisationRecord):
        return None
    known = organisation.known_on if isinstance(organisation, Seen) else organisation.known_on()
    if record.known_on() >= known:
        return None
    return (
        f"{field_name}: {code} is known only from {known} "
        f"({_organisation_at(code, organisation, fixed_by)}), after this record "
        f"(as_at {record.known_on()}); record it as known from then"
    )


def _organisation_at(code: str, found: Seen | AnyRecord, fixed_by: str | None = None) -> str:
    """An organisation's record, where it was read, and the errata that fix it (if given)."""
    where = found.where if isinstance(found, Seen) else STORE
    return f"organisation {code}, {where}" + (f", as {fixed_by} it" if fixed_by else "")


def _unknown(field_name: str, named: str) -> str:
    if field_name == "corrects":
        return f"corrects: no record with id {named!r} to correct"
    if field_name == "fixes":
        return f"fixes: no record with id {named!r} to fix"
    return f"components: no record {named!r} recorded before this figure"


def _replacement_problem(correction: CorrectionRecord, target: Seen | AnyRecord) -> str | None:
    if isinstance(target, Seen):
        unit, rule = target.unit, target.amount_rule
    else:
        unit, rule = unit_of(target), getattr(type(target), "amount_rule", None)
    record_id = correction.corrects
    if correction.replacement_unit != unit:
        wanted = {"gbp": "an amount", "count": "a count", "percent": "a percent"}[unit or "gbp"]
        return f"a replacement for {record_id!r} must give {wanted}"
    if correction.amount_pence is None:
        return None
    problem = amount_problem(rule, correction.amount_pence)
    return f"replacement for {record_id!r}: {problem}" if problem else None
