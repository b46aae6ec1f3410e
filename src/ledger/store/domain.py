"""Domain events: every record in the ledger is one immutable event.

Each record is its own aggregate, an ``Entry``, created by exactly one event and never
changed afterwards: a mistake is put right by a later correction record, not by
editing. The aggregate id is derived from the record id, so the store's own
uniqueness rule on (aggregate id, version) is what makes record ids unique, even
between two writers appending at the same time.

A transfer is one event that names both sides and carries one amount, so the money
it moves is conserved by construction.

Topics are explicit (``ledger:...``) so that stored events keep resolving however the
Python modules are arranged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.records.keys import entry_key


def entry_id(record_id: str) -> UUID:
    """The aggregate id of the entry that holds record ``record_id``: a name-based UUID."""
    return UUID(entry_key(record_id))


class Entry(Aggregate):
    """One record of the ledger, as it was appended."""

    TOPIC = "ledger:Entry"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Entry.Created"

    class Recorded(Aggregate.Created):
        """Base of the record events: ``record`` is the normalised record."""

        TOPIC = "ledger:Recorded"
        record: dict[str, Any]

    class SourceRegistered(Recorded):
        TOPIC = "ledger:SourceRegistered"

    class OrganisationRegistered(Recorded):
        TOPIC = "ledger:OrganisationRegistered"

    class OrganisationClosed(Recorded):
        TOPIC = "ledger:OrganisationClosed"

    class OrganisationsMerged(Recorded):
        TOPIC = "ledger:OrganisationsMerged"

    class OrganisationSplit(Recorded):
        TOPIC = "ledger:OrganisationSplit"

    class MembershipChanged(Recorded):
        TOPIC = "ledger:MembershipChanged"

    class BaselineNamed(Recorded):
        TOPIC = "ledger:BaselineNamed"

    class AllocationIssued(Recorded):
        TOPIC = "ledger:AllocationIssued"

    class AllocationTransferred(Recorded):
        TOPIC = "ledger:AllocationTransferred"

    class PlanSubmitted(Recorded):
        TOPIC = "ledger:PlanSubmitted"

    class ForecastRevised(Recorded):
        TOPIC = "ledger:ForecastRevised"

    class SurplusDrawnDown(Recorded):
        TOPIC = "ledger:SurplusDrawnDown"

    class QippReported(Recorded):
        TOPIC = "ledger:QippReported"

    class FigureReported(Recorded):
        TOPIC = "ledger:FigureReported"

    class CorrectionRecorded(Recorded):
        TOPIC = "ledger:CorrectionRecorded"

    class ErratumRecorded(Recorded):
        TOPIC = "ledger:ErratumRecorded"

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    @classmethod
    def event_for(cls, record: dict[str, Any], timestamp: datetime) -> Entry.Recorded:
        """The event that creates the entry for a normalised record (its ``kind`` chooses
        the event class). Appending a batch saves these events straight to the event
        store, without building each aggregate first."""
        # The library makes event classes dataclasses when they are defined, which mypy
        # does not see; the fields are those of Aggregate.Created and Recorded.
        return EVENT_FOR_KIND[record["kind"]](  # type: ignore[call-arg]
            originator_id=entry_id(record["id"]),
            originator_version=cls.INITIAL_VERSION,
            timestamp=timestamp,
            originator_topic=cls.TOPIC,
            record=record,
        )


EVENT_FOR_KIND: dict[str, type[Entry.Recorded]] = {
    "source": Entry.SourceRegistered,
    "organisation": Entry.OrganisationRegistered,
    "closure": Entry.OrganisationClosed,
    "merger": Entry.OrganisationsMerged,
    "split": Entry.OrganisationSplit,
    "membership": Entry.MembershipChanged,
    "baseline": Entry.BaselineNamed,
    "allocation": Entry.AllocationIssued,
    "transfer": Entry.AllocationTransferred,
    "plan": Entry.PlanSubmitted,
    "forecast": Entry.ForecastRevised,
    "drawdown": Entry.SurplusDrawnDown,
    "qipp": Entry.QippReported,
    "figure": Entry.FigureReported,
    "correction": Entry.CorrectionRecorded,
    "erratum": Entry.ErratumRecorded,
}
RECORD_TOPICS = frozenset(event_class.TOPIC for event_class in EVENT_FOR_KIND.values())
# The record events whose stored state needs no upcasting: every one, until a class is
# given a class_version to change what it holds.
UNVERSIONED_TOPICS = frozenset(
    event_class.TOPIC
    for event_class in EVENT_FOR_KIND.values()
    if getattr(event_class, "class_version", 1) == 1
)
