"""Invariants the ledger must keep, checked against the store and the views database.

Each check returns failures: what is wrong, the record it is about, and its source.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError

from ledger.explain.afresh import Alongside, Scope, project
from ledger.explain.background import InThread
from ledger.explain.errata_check import errata_apply
from ledger.explain.findings import Found, found_by
from ledger.explain.lineage_checks import LINEAGE_CHECKS, parents_have_no_circle
from ledger.explain.open_check import organisations_open
from ledger.explain.reconcile_check import reported_figures_reconcile
from ledger.explain.store_check import (
    CHAIN_CHECK,
    FILE_CHECK,
    STORE_CHECK,
    ReadBack,
    chain_holds,
    fields_found,
    file_intact,
    read_back,
    unread,
)
from ledger.explain.units_check import one_unit_a_measure
from ledger.records.money import format_pounds
from ledger.store.application import EventStore
from ledger.store.damage import damaged_file
from ledger.store.settings import shown
from ledger.views.compare import Difference, differences
from ledger.views.database import ViewsDatabase


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
    whose events cannot be projected, or whose file is damaged, is reported, not left to
    crash the check. The views are caught up first, so that while the store is read back
    a large store's fresh projection is made (afresh.Alongside), and the checks of the
    views, queries SQLite answers, are made in a thread (background.InThread). (SQLite's
    check of the store's file is made before: in the thread too, it made the whole slower,
    the two cores already being busy.)"""
    views_path, not_built = _caught_up(ledger, caught_up_views)
    with tempfile.TemporaryDirectory(prefix="ledger-check-") as scratch:
        fresh = Path(scratch) / "fresh.db"
        scope = _scope(views_path) if views_path else None  # what a projection is made to
        alongside = Alongside.begun(ledger, fresh, scope) if scope else None
        try:
            file_failures = _file_failures(ledger)
            views_found = InThread(lambda: _views_found(views_path))
            head, records, store_failures = _check_store(ledger, expected_head, alongside)
            view_failures = views_found.result()
            failures = [*(file_failures or []), *store_failures]
            if views_path is None:
                failures.append(Failure(VIEWS_CHECK, None, not_built, None))
                return Report([*_checked(file_failures), VIEWS_CHECK], records, failures, *head)
            assert scope is not None
            matched = _matched(ledger, views_path, fresh, alongside, scope)
        finally:
            if alongside is not None:
                alongside.stop()
    failures += [*view_failures, *(Failure(MATCH_CHECK, *found) for found in matched)]
    checks = [*_checked(file_failures), *VIEW_CHECKS, MATCH_CHECK]
    return Report(checks, records, failures, *head)


def _checked(file_failures: list[Failure] | None) -> list[str]:
    """The store's checks made: the file's (of a SQLite store only), the chain's, the
    records' and the errata's."""
    return [*([FILE_CHECK] if file_failures is not None else []), *STORE_CHECKS]


def _file_failures(ledger: EventStore) -> list[Failure] | None:
    """What SQLite's integrity check finds in the store's file (None for a server's
    store, which keeps its own files)."""
    problems = file_intact(ledger)
    return None if problems is None else [Failure(FILE_CHECK, *found) for found in problems]


def _views_found(views_path: str | Path | None) -> list[Failure]:
    """What the checks of the views database find (nothing, if it was not built)."""
    if views_path is None:
        return []
    found = [(name, check(views_path)) for name, check in VIEW_CHECKS.items()]
    return [Failure(name, *one) for name, all_ in found for one in all_]


def _caught_up(
    ledger: EventStore, caught_up_views: Callable[[], str | Path]
) -> tuple[str | Path | None, str]:
    """The views' path, caught up; or None, and why they could not be built."""
    try:
        return caught_up_views(), ""
    except Exception as error:  # any failure to project is itself the finding
        damage = damaged_file(ledger.store, error)
        return None, f"the views could not be built: {damage.damage if damage else error}"


def _check_store(
    ledger: EventStore, expected_head: str | None, alongside: Alongside | None
) -> tuple[tuple[str | None, int], int, list[Failure]]:
    """The store's own checks: the head of the hash chain (and its position), how many
    records were read back, and the failures of the chain, the records and the errata."""
    head, chain_problems = chain_holds(ledger, expected_head)
    found = _read_back(ledger, alongside)
    records, unreadable = found.findings()
    failures = [Failure(CHAIN_CHECK, *one) for one in chain_problems]
    failures += [Failure(STORE_CHECK, *one) for one in unreadable]
    try:
        errata = errata_apply(found.stored, fields_found(ledger))
    except PersistenceError as error:
        errata = [unread(ledger, error, "the records the errata fix could not be read")]
    failures += [Failure(ERRATA_CHECK, *one) for one in errata]
    return head, records, failures


def _read_back(ledger: EventStore, alongside: Alongside | None) -> ReadBack:
    """Every stored record read back: the earlier half here and the later by the child
    ``alongside``, if there is one (this process reads it, if the child could not)."""
    if alongside is None:
        return read_back(ledger)
    earlier = read_back(ledger, upto=alongside.read_from)
    if earlier.stopped:  # (nothing after it is read)
        return earlier
    later = alongside.read_back() or read_back(ledger, after=alongside.read_from)
    return earlier.then(later)


VIEWS_CHECK = "views built"
MATCH_CHECK = "views match the store"
ERRATA_CHECK = "errata apply cleanly"
STORE_CHECKS = (CHAIN_CHECK, STORE_CHECK, ERRATA_CHECK)


def _transfers_conserve_money(views_path: str | Path) -> list[Found]:
    """Each version of a transfer has two sides that sum to zero. (Read in the table's
    order: through the index of transfers, in account order, each row is a seek.)"""
    return found_by(
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


def _versions_count_once(views_path: str | Path) -> list[Found]:
    """Each side of a record has exactly one current version and one known first, each
    version gives way to the next one known, and its changes add up to its current value:
    nothing counts twice."""
    return found_by(
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
    return found_by(
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
    return found_by(
        views_path,
        """
        SELECT record_id AS record, 'store position ' || position AS source,
               'position ' || position || ': the event could not be projected into the views: '
               || reason || '; a correction that reverses it takes it out' AS message
        FROM unprojected WHERE reversed_by IS NULL AND record_id IS NOT NULL
        ORDER BY position
        """,
    )


def _matched(
    ledger: EventStore,
    views_path: str | Path,
    fresh: Path,
    alongside: Alongside | None,
    scope: Scope,
) -> list[Found]:
    try:
        return _views_match(ledger, views_path, fresh, alongside, scope)
    except PersistenceError as error:
        return [unread(ledger, error, "the store could not be read to project it afresh")]


def _views_match(
    ledger: EventStore,
    views_path: str | Path,
    fresh: Path,
    alongside: Alongside | None,
    scope: Scope,
) -> list[Found]:
    """The views hold what a fresh projection of the store, to the same position and
    known date, holds: compared table by table, row by row (views.compare). The first
    projection is made to ``scope``, where the views were when the check began: the one
    made ``alongside``, if there is one. Should the views have moved on since, it is made
    again to where they are."""
    for made in range(_PROJECTIONS):
        if not (made == 0 and alongside is not None and alongside.made()):
            project(ledger, fresh, scope)
        held, differing = differences(fresh, Path(views_path))
        if held == scope:
            return [_differs(ledger, views_path, scope, found) for found in differing]
        scope = held
    return [(None, _MOVING, "views database")]


def _scope(views_path: str | Path) -> Scope:
    """The position and dates the views hold: what a fresh projection is made to."""
    views = ViewsDatabase(views_path, reading=True)  # (it may be in a read-only folder)
    try:
        tracking = views.tracking
    finally:
        views.close()
    return (tracking.position, tracking.known_by, tracking.recorded_by)


_PROJECTIONS = 3  # fresh projections made for views that keep moving on during a check
_MOVING = (
    "the views database moved on three times while it was being compared with a fresh "
    "projection of the store; run check again when nothing else is writing to it"
)


def _differs(
    ledger: EventStore, views_path: str | Path, scope: tuple[Any, ...], found: Difference
) -> Found:
    """A table that differs, with how many rows and the first, and how to build it again."""
    _, known_by, recorded_by = scope
    store = shown(ledger.store)
    given = (f" --as-at {known_by}" if known_by else "") + (
        f" --recorded-by {recorded_by}" if recorded_by else ""
    )
    fix = (
        f"ledger --store {store} replay{given} --views {views_path}"
        if given
        else f"ledger --store {store} --views {views_path} rebuild"
    )
    first = ", ".join(f"{column} {value!r}" for column, value in found.first.items())
    rows = f"1 row ({first})" if found.rows == 1 else f"{found.rows:,} rows (the first: {first})"
    return (
        None,
        f"the {found.table} table differs from a fresh projection of the store in {rows}; "
        f"run: {fix}",
        "views database",
    )


VIEW_CHECKS: dict[str, Callable[[str | Path], list[Found]]] = {
    "transfers conserve money": _transfers_conserve_money,
    "organisations open": organisations_open,
    "parents have no circle": parents_have_no_circle,
    **LINEAGE_CHECKS,
    "versions count once": _versions_count_once,
    "one unit a measure": one_unit_a_measure,
    "allocation days agree": _allocation_days_agree,
    "reported figures reconcile": reported_figures_reconcile,
    "events projected": _events_projected,
}
