"""Invariants the ledger must keep, checked against the store and the views database.

Each check returns failures: what is wrong, the record it is about, and its source.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.explain.errata_check import Stored, errata_apply
from ledger.explain.reconcile_check import reported_figures_reconcile
from ledger.explain.units_check import one_unit_a_measure
from ledger.records.models import RecordError, parse_record
from ledger.records.money import format_pounds
from ledger.store.application import EventStore
from ledger.store.errors import StoreDamagedError
from ledger.store.hash_chain import ChainReport
from ledger.store.settings import shown
from ledger.views.database import ViewsDatabase
from ledger.views.projections import run
from ledger.views.refresh import replay


@dataclass(frozen=True)
class Failure:
    check: str
    record: str | None
    message: str
    source: str | None


@dataclass(frozen=True)
class Report:
    checks: list[str]
    records: int
    failures: list[Failure]
    head: str | None  # the head of the hash chain as checked (None: it has no chain)
    position: int  # the position of the head


def check_all(
    ledger: EventStore, caught_up_views: Callable[[], str | Path], expected_head: str | None = None
) -> Report:
    """Check the store, then (through ``caught_up_views``) the views built from it. A store
    whose events cannot be projected is reported, not left to crash the check."""
    head, failures = _checked_chain(ledger, expected_head)
    records, unreadable = _store_failures(ledger, stored := Stored())
    failures += unreadable + [Failure(ERRATA_CHECK, *found) for found in errata_apply(stored)]
    checks = [CHAIN_CHECK, STORE_CHECK, ERRATA_CHECK]
    try:
        views_path = caught_up_views()
    except Exception as error:  # any failure to project is itself the finding
        failures.append(Failure(VIEWS_CHECK, None, f"the views could not be built: {error}", None))
        return Report([*checks, VIEWS_CHECK], records, failures, *head)
    for name, check in VIEW_CHECKS.items():
        failures += [Failure(name, *found) for found in check(views_path)]
    failures += [Failure(MATCH_CHECK, *found) for found in _views_match(ledger, views_path)]
    checks += [*VIEW_CHECKS, MATCH_CHECK]
    return Report(checks, records, failures, *head)


def _checked_chain(
    ledger: EventStore, expected_head: str | None
) -> tuple[tuple[str | None, int], list[Failure]]:
    """The head of the chain and its position (None for a store that lost its hashes), and
    the chain's failures."""
    try:
        chain = ledger.verify_chain()
    except StoreDamagedError as error:  # the other checks still run
        return (None, 0), [
            Failure(CHAIN_CHECK, None, f"the store is damaged: {error.damage}", "store")
        ]
    return (chain.head, chain.position), _chain_failures(chain, expected_head)


def _chain_failures(report: ChainReport, expected_head: str | None) -> list[Failure]:
    """The hash chain holds from the first event to the last, and ends where expected."""
    failures = [
        Failure(
            CHAIN_CHECK,
            None,
            f"position {found.position}: {found.message}",
            f"store position {found.position}",
        )  # fmt: skip
        for found in report.breaks
    ]
    if expected_head is not None and report.head != expected_head:
        failures.append(
            Failure(
                CHAIN_CHECK,
                None,
                f"the history ends in hash {report.head}, not the expected {expected_head}: "
                "it has been rewritten or has grown since",
                f"store position {report.position}",
            )
        )
    return failures


CHAIN_CHECK = "hash chain"
VIEWS_CHECK = "views built"
STORE_CHECK = "records read back"
MATCH_CHECK = "views match the store"
ERRATA_CHECK = "errata apply cleanly"
Found = tuple[str | None, str, str | None]  # record, message, source
Say = Callable[[dict[str, Any]], str]  # a message made of a row (money shown in pounds)
MAX_LINEAGE_DEPTH = 100  # how far a walk through mergers and splits looks for a circle


def _store_failures(ledger: EventStore, stored_records: Stored) -> tuple[int, list[Failure]]:
    """Every stored event must still read as a valid record, unless a correction has
    since reversed it (the way an append-only store is repaired)."""
    failures, count = [], 0
    latest: dict[str, tuple[str, int, bool]] = {}  # record id -> its latest correction

    def unreadable(position: int, reason: str) -> None:
        message = f"position {position}: the event cannot be read: {reason}"
        failures.append(Failure(STORE_CHECK, None, message, f"store position {position}"))

    for stored in ledger.stored_records(unreadable=unreadable):
        count += 1
        fields = stored.fields
        stored_records.note(fields, stored.position)
        if fields["kind"] == "correction":
            _note_correction(latest, fields, stored.position)
        try:
            parse_record(fields)
        except RecordError as error:
            failures.append(
                Failure(
                    STORE_CHECK,
                    str(fields["id"]),
                    "; ".join(error.problems),
                    f"store position {stored.position}",
                )  # fmt: skip
            )
    reversed_ids = {record for record, (*_, reverses) in latest.items() if reverses}
    return count, [failure for failure in failures if failure.record not in reversed_ids]


def _note_correction(
    latest: dict[str, tuple[str, int, bool]], fields: dict[str, Any], position: int
) -> None:
    """Keep the latest correction of each record, by known date and then store position,
    as the views apply them."""
    corrected = str(fields.get("corrects"))
    correction = (str(fields.get("as_at")), position, fields.get("action") == "reverse")
    if corrected not in latest or latest[corrected] < correction:
        latest[corrected] = correction


def _found(views_path: str | Path, sql: str, say: Say | None = None) -> list[Found]:
    """Each row's record, its message (or what ``say`` makes of the row), its source."""
    rows = run(views_path, sql)
    return [(r["record"], say(r) if say else r["message"], r["source"]) for r in rows]


def _transfers_conserve_money(views_path: str | Path) -> list[Found]:
    """Each version of a transfer has two sides that sum to zero. (Read in the table's
    order: through the index of transfers, in account order, each row is a seek.)"""
    return _found(
        views_path,
        """
        SELECT record_id AS record, source || ' ' || locator AS source, version,
               SUM(amount_pence) AS net_pence, COUNT(*) AS sides
        FROM postings NOT INDEXED WHERE kind = 'transfer'
        GROUP BY record_id, version
        HAVING SUM(amount_pence) <> 0 OR COUNT(*) <> 2
        """,
        lambda row: (
            f"version {row['version']} of the transfer moves {format_pounds(row['net_pence'])} "
            f"net over {row['sides']} sides"
        ),
    )


def _organisations_open(views_path: str | Path) -> list[Found]:
    """A figure about a date before an organisation opened, or after it closed unless a
    merger or a split (both are lineage) carries its figures on to a successor."""
    return _found(
        views_path,
        """
        SELECT x.record_id AS record, x.source || ' ' || x.locator AS source,
               x.account || ' is used on ' || x.effective || ', before it opened on '
               || o.opened AS message
        FROM postings AS x JOIN organisations AS o ON o.code = x.account
        WHERE x.version = 0 AND o.opened IS NOT NULL AND x.effective < o.opened
        UNION ALL
        SELECT x.record_id, x.source || ' ' || x.locator,
               x.account || ' is used on ' || x.effective || ', after it closed on '
               || c.effective
        FROM postings AS x JOIN closures AS c ON c.organisation = x.account
        WHERE x.version = 0 AND x.effective > c.effective
          AND NOT EXISTS (SELECT 1 FROM lineage AS m
                          WHERE m.predecessor = x.account AND m.effective <= x.effective)
        """,
    )


def _predecessors_close(views_path: str | Path) -> list[Found]:
    """A merger's or split's predecessor closes the day before its figures are carried on."""
    return _found(
        views_path,
        """
        WITH carried AS (
            SELECT record_id, kind, predecessor, effective, source, locator,
                   group_concat(successor, ', ') AS successors
            FROM (SELECT * FROM lineage ORDER BY record_id, predecessor, weight_before)
            GROUP BY record_id, predecessor
        )
        SELECT l.record_id AS record, l.source || ' ' || l.locator AS source,
               l.predecessor || CASE
                   WHEN c.effective IS NULL THEN ' never closes'
                   ELSE ' closes on ' || c.effective
               END || ', but its ' || l.kind || ' into ' || l.successors || ' takes effect on '
               || l.effective || ': it should close on ' || date(l.effective, '-1 day')
               AS message
        FROM carried AS l
        LEFT JOIN closures AS c ON c.organisation = l.predecessor
        WHERE c.effective IS NOT date(l.effective, '-1 day')
        ORDER BY l.effective, l.predecessor, l.record_id
        """,
    )


def _one_lineage_per_day(views_path: str | Path) -> list[Found]:
    """On one date a predecessor is merged into one successor or split once: two mergers,
    or a merger and a split, would carry its figures on twice."""
    return _found(
        views_path,
        """
        SELECT MAX(record_id) AS record, MAX(source || ' ' || locator) AS source,
               predecessor || ' is carried on ' || COUNT(DISTINCT record_id)
               || ' times on ' || effective || ': by '
               || group_concat(DISTINCT record_id) || ' (into '
               || group_concat(DISTINCT successor) || ')' AS message
        FROM (SELECT * FROM lineage ORDER BY record_id, weight_before)
        GROUP BY predecessor, effective
        HAVING COUNT(DISTINCT record_id) > 1
        ORDER BY effective, predecessor
        """,
    )


def _lineage_has_no_circle(views_path: str | Path) -> list[Found]:
    """Following mergers and splits from an organisation never leads back to it."""
    return _found(
        views_path,
        f"""
        WITH RECURSIVE walk(start, code, way, record, depth) AS (
            SELECT predecessor, successor, predecessor || ' -> ' || successor, record_id, 1
            FROM lineage
            UNION
            SELECT w.start, l.successor, w.way || ' -> ' || l.successor, w.record, w.depth + 1
            FROM walk AS w JOIN lineage AS l ON l.predecessor = w.code
            WHERE w.code <> w.start AND w.depth < {MAX_LINEAGE_DEPTH}
              AND (l.successor = w.start
                   OR instr(' ' || w.way || ' ', ' ' || l.successor || ' ') = 0)
        )
        SELECT w.record, l.source || ' ' || l.locator AS source,
               w.way || ' is a circle: an organisation''s figures are carried back to it'
               AS message
        FROM walk AS w
        JOIN lineage AS l ON l.record_id = w.record AND l.predecessor = w.start
                         AND l.weight_before = 0
        WHERE w.code = w.start
        ORDER BY w.start, w.way
        """,
    )


def _versions_count_once(views_path: str | Path) -> list[Found]:
    """Each side of a record has exactly one current version and one known first, each
    version gives way to the next one known, and its changes add up to its current value:
    nothing counts twice."""
    return _found(
        views_path,
        """
        WITH chains AS (
            SELECT record_id, side, source, locator, unit,
                   SUM(valid_to IS NULL) AS current_versions,
                   SUM(is_earliest) AS earliest_versions,
                   SUM(delta_pence) AS total_delta,
                   SUM(CASE WHEN valid_to IS NULL AND is_void = 0 THEN amount_pence END)
                       AS current_amount,
                   SUM(CASE WHEN valid_to IS NULL THEN is_void END) AS current_void
            FROM postings GROUP BY record_id, side
        )
        SELECT record_id AS record, source || ' ' || locator AS source,
               CASE WHEN current_versions <> 1
                    THEN current_versions || ' current versions of one record side'
                    WHEN earliest_versions IS NOT 1
                    THEN earliest_versions || ' versions of one record side known first'
               END AS message,
               total_delta, COALESCE(current_amount, 0) AS current_amount
        FROM chains
        WHERE current_versions <> 1 OR earliest_versions IS NOT 1
           OR (unit = 'gbp'
               AND total_delta <> CASE WHEN current_void THEN 0 ELSE current_amount END)
        UNION ALL
        SELECT x.record_id, x.source || ' ' || x.locator,
               'version ' || x.version || ' gives way on ' || x.valid_to
               || ', but the next version is known on ' || COALESCE(n.as_at, 'no date'),
               NULL, NULL
        FROM postings AS x
        LEFT JOIN postings AS n
            ON n.record_id = x.record_id AND n.side = x.side AND n.posting_id = (
                SELECT y.posting_id FROM postings AS y
                WHERE y.record_id = x.record_id AND y.side = x.side
                  AND (y.as_at > x.as_at OR (y.as_at = x.as_at AND y.position > x.position))
                ORDER BY y.as_at, y.position LIMIT 1)
        WHERE x.valid_to IS NOT n.as_at
        """,
        lambda row: (
            row["message"]
            or (
                f"its changes add up to {format_pounds(row['total_delta'])}, its current value "
                f"is {format_pounds(row['current_amount'])}"
            )
        ),
    )


def _allocation_days_agree(views_path: str | Path) -> list[Found]:
    """The summed allocation changes the budget views read match the postings they sum."""
    return _found(
        views_path,
        """
        WITH summed AS (
            SELECT financial_year, account, SUM(delta_pence) AS delta, COUNT(*) AS versions
            FROM postings WHERE measure = 'allocation' GROUP BY 1, 2
        ),
        days AS (
            SELECT financial_year, account, SUM(delta_pence) AS delta, SUM(versions) AS versions
            FROM allocation_days GROUP BY 1, 2
        ),
        disagree AS (
            SELECT * FROM summed EXCEPT SELECT * FROM days
            UNION
            SELECT * FROM days EXCEPT SELECT * FROM summed
        )
        SELECT NULL AS record, 'views database' AS source,
               'allocation_days of ' || account || ' in ' || financial_year
               || ' do not match its postings' AS message
        FROM (SELECT DISTINCT financial_year, account FROM disagree)
        """,
    )


def _events_projected(views_path: str | Path) -> list[Found]:
    """Every stored record is in the views, or reversed by a correction. (An event that
    cannot be read at all is the finding of the records read back.)"""
    return _found(
        views_path,
        """
        SELECT record_id AS record, 'store position ' || position AS source,
               'position ' || position || ': the event could not be projected into the views: '
               || reason || '; a correction that reverses it takes it out' AS message
        FROM unprojected WHERE reversed_by IS NULL AND record_id IS NOT NULL
        ORDER BY position
        """,
    )


def _views_match(ledger: EventStore, views_path: str | Path) -> list[Found]:
    """The views hold what a fresh projection of the store, to the same position and
    known date, holds: compared table by table, by digest."""
    views = ViewsDatabase(views_path)
    try:
        position, digests = views.digests()
        known_by, recorded_by = views.tracking.known_by, views.tracking.recorded_by
    finally:
        views.close()
    with tempfile.TemporaryDirectory(prefix="ledger-check-") as scratch:
        fresh_path = Path(scratch) / "fresh.db"
        replay(ledger, fresh_path, known_by, until=position, recorded_by=recorded_by)
        fresh = ViewsDatabase(fresh_path)
        try:
            _, fresh_digests = fresh.digests()
        finally:
            fresh.close()
    store = shown(ledger.store)
    scope = (f" --as-at {known_by}" if known_by else "") + (
        f" --recorded-by {recorded_by}" if recorded_by else ""
    )
    fix = (
        f"ledger --store {store} replay{scope} --views {views_path}"
        if scope
        else f"ledger --store {store} --views {views_path} rebuild"
    )
    return [
        (None, f"the {table} table differs from a fresh projection of the store; run: {fix}",
         "views database")
        for table, digest in digests.items()
        if fresh_digests[table] != digest
    ]  # fmt: skip


VIEW_CHECKS: dict[str, Callable[[str | Path], list[Found]]] = {
    "transfers conserve money": _transfers_conserve_money,
    "organisations open": _organisations_open,
    "predecessors close": _predecessors_close,
    "one lineage a day": _one_lineage_per_day,
    "lineage has no circle": _lineage_has_no_circle,
    "versions count once": _versions_count_once,
    "one unit a measure": one_unit_a_measure,
    "allocation days agree": _allocation_days_agree,
    "reported figures reconcile": reported_figures_reconcile,
    "events projected": _events_projected,
}
