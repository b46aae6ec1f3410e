"""The checks of the store itself: its file is sound, its hash chain holds, and every
stored event still reads back as a record. A store too damaged to read is each check's
finding, not the end of the check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import PersistenceError

from ledger.explain.errata_check import FieldsOf, Stored
from ledger.explain.findings import Found
from ledger.records.models import RecordError, parse_record
from ledger.store.application import EventStore
from ledger.store.damage import damaged_file
from ledger.store.errors import StoreDamagedError
from ledger.store.hash_chain import ChainReport

FILE_CHECK = "store file intact"
CHAIN_CHECK = "hash chain"
STORE_CHECK = "records read back"


def unread(ledger: EventStore, error: PersistenceError, what: str) -> Found:
    """What a check could not read because SQLite found the store's file damaged (any
    other failure to read it is not the check's to report)."""
    damage = damaged_file(ledger.store, error)
    if damage is None:
        raise error
    return None, f"{what}: {damage.damage}", "store file"


def file_intact(ledger: EventStore) -> list[Found] | None:
    """SQLite's integrity check of the store's file finds nothing wrong: no damaged page,
    no index that misses rows of its table (an import would not find a stored id there).
    None for a server's store, which keeps its own files."""
    try:
        problems = ledger.file_problems()
    except PersistenceError as error:
        return [unread(ledger, error, "SQLite's integrity check could not finish")]
    if problems is None:
        return None
    return [
        (None, f"SQLite finds the store file damaged: {problem}", "store file")
        for problem in problems
    ]


def chain_holds(
    ledger: EventStore, expected_head: str | None
) -> tuple[tuple[str | None, int], list[Found]]:
    """The head of the chain and its position (None for a store whose chain cannot be
    read), and where the chain does not hold from the first event to the last."""
    try:
        chain = ledger.verify_chain()
    except StoreDamagedError as error:  # the other checks still run
        return (None, 0), [(None, f"the store is damaged: {error.damage}", "store")]
    except PersistenceError as error:
        return (None, 0), [unread(ledger, error, "the hash chain could not be read")]
    return (chain.head, chain.position), _chain_failures(chain, expected_head)


def _chain_failures(report: ChainReport, expected_head: str | None) -> list[Found]:
    """The hash chain holds from the first event to the last, and ends where expected."""
    failures: list[Found] = [
        (None, f"position {found.position}: {found.message}", f"store position {found.position}")
        for found in report.breaks
    ]
    if expected_head is not None and report.head != expected_head:
        failures.append(
            (
                None,
                f"the history ends in hash {report.head}, not the expected {expected_head}: "
                "it has been rewritten or has grown since",
                f"store position {report.position}",
            )
        )
    return failures


@dataclass
class ReadBack:
    """What reading the stored records back finds, in the whole store or a stretch of it:
    how many records were read, the failures, the latest correction of each corrected
    record (as the views apply them: by known date, then store position), the errata,
    and whether the reading stopped at an event that could not be read."""

    records: int = 0
    failures: list[Found] = field(default_factory=list)
    latest: dict[str, tuple[str, int, bool]] = field(default_factory=dict)
    stored: Stored = field(default_factory=Stored)
    stopped: bool = False

    def findings(self) -> tuple[int, list[Found]]:
        """How many records were read, and the failures of those a correction has not
        since reversed (the way an append-only store is repaired)."""
        reversed_ids = {record for record, (*_, reverses) in self.latest.items() if reverses}
        return self.records, [found for found in self.failures if found[0] not in reversed_ids]

    def then(self, later: ReadBack) -> ReadBack:
        """This stretch and the one after it, as one read of both would find them (once
        a reading stopped, nothing after it was read)."""
        if self.stopped:
            return self
        latest = dict(self.latest)
        for record, correction in later.latest.items():
            _keep_latest(latest, record, correction)
        stored = Stored(self.stored.errata + later.stored.errata)
        return ReadBack(self.records + later.records, self.failures + later.failures, latest,
                        stored, later.stopped)  # fmt: skip


def read_back(ledger: EventStore, after: int = 0, upto: int | None = None) -> ReadBack:
    """Every stored event after position ``after`` (up to ``upto``, or the end) must
    still read as a valid record."""
    found = ReadBack()

    def unreadable(position: int, reason: str) -> None:
        if upto is None or position <= upto:
            message = f"position {position}: the event cannot be read: {reason}"
            found.failures.append((None, message, f"store position {position}"))

    last = after
    try:
        for stored in ledger.stored_records(after, unreadable=unreadable):
            if upto is not None and stored.position > upto:
                break
            found.records, last = found.records + 1, stored.position
            _read_back_one(found, stored.fields, stored.position)
    except PersistenceError as error:
        unread_after = f"the events after position {last} could not be read"
        found.failures.append(unread(ledger, error, unread_after))
        found.stopped = True
    return found


def _read_back_one(found: ReadBack, fields: dict[str, Any], position: int) -> None:
    found.stored.note(fields, position)
    if fields["kind"] == "correction":
        _note_correction(found.latest, fields, position)
    try:
        parse_record(fields)
    except RecordError as error:
        found.failures.append(
            (str(fields["id"]), "; ".join(error.problems), f"store position {position}")
        )


def _note_correction(
    latest: dict[str, tuple[str, int, bool]], fields: dict[str, Any], position: int
) -> None:
    """Keep the latest correction of each record, by known date and then store position,
    as the views apply them."""
    correction = (str(fields.get("as_at")), position, fields.get("action") == "reverse")
    _keep_latest(latest, str(fields.get("corrects")), correction)


def _keep_latest(
    latest: dict[str, tuple[str, int, bool]], record: str, correction: tuple[str, int, bool]
) -> None:
    """Keep ``correction`` as ``record``'s, if it is later than the one kept."""
    if record not in latest or latest[record] < correction:
        latest[record] = correction


def fields_found(ledger: EventStore) -> FieldsOf:
    """The stored fields of records by id, for the errata check: found through the
    store's index of ids, and any it does not find looked for in the store's events in
    turn, so that an index that lost an id (the file check's finding) does not make a
    record seem missing too."""

    def fields_of(record_ids: list[str]) -> dict[str, dict[str, Any]]:
        found = ledger.fields_of(record_ids)
        missing = set(record_ids) - set(found)
        if missing:  # (rare: a damaged index, or an erratum of nothing, from a hand-made store)
            for stored in ledger.stored_records(unreadable=lambda *_: None):
                if (record_id := str(stored.fields["id"])) in missing:
                    found.setdefault(record_id, stored.fields)
        return found

    return fields_of
