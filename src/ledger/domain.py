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

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

# Fixed namespace for record ids: uuid5(RECORD_NAMESPACE, record id) is the aggregate id.
RECORD_NAMESPACE = UUID("6f1d3c2a-58b4-4e8e-9a51-2b7d0e4c9a11")


def entry_id(record_id: str) -> UUID:
    """The aggregate id of the entry that holds record ``record_id``."""
    return uuid5(RECORD_NAMESPACE, record_id)


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

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    @classmethod
    def record_fact(cls, record: dict[str, Any]) -> Entry:
        """A new entry for a normalised record (its ``kind`` chooses the event)."""
        event_class = EVENT_FOR_KIND[record["kind"]]
        return cls._create(event_class, id=entry_id(record["id"]), record=record)


EVENT_FOR_KIND: dict[str, type[Entry.Recorded]] = {
    "source": Entry.SourceRegistered,
    "organisation": Entry.OrganisationRegistered,
    "closure": Entry.OrganisationClosed,
    "merger": Entry.OrganisationsMerged,
    "baseline": Entry.BaselineNamed,
    "allocation": Entry.AllocationIssued,
    "transfer": Entry.AllocationTransferred,
    "plan": Entry.PlanSubmitted,
    "forecast": Entry.ForecastRevised,
    "drawdown": Entry.SurplusDrawnDown,
    "qipp": Entry.QippReported,
    "figure": Entry.FigureReported,
    "correction": Entry.CorrectionRecorded,
}
RECORD_TOPICS = tuple(event_class.TOPIC for event_class in EVENT_FOR_KIND.values())
