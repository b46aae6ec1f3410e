"""The checks of how organisations end: each closes once, a merger's or split's
predecessors close the day before it and are carried on once a day, and lineage never
runs in a circle; and of how they sit under one another: parents never run in a circle.
Import refuses what would fail them (writing.closing, and writing.lifecycle and
fixed_lifecycle for circles); these find it in a store written before it did, or past
import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ledger.explain.findings import Found, found_by

MAX_LINEAGE_DEPTH = 100  # how far a walk through mergers and splits looks for a circle


def _closed_once(views_path: str | Path) -> list[Found]:
    """An organisation closes once: of two closures, the views and commands take the
    earlier day, and the later record says nothing true."""
    return found_by(
        views_path,
        """
        SELECT c.record_id AS record, c.source || ' ' || c.locator AS source,
               c.organisation || ' closes again on ' || c.effective || ', but it closed on '
               || first.effective || ' (' || first.record_id || '): an organisation closes once'
               AS message
        FROM closures AS c
        JOIN closures AS first ON first.organisation = c.organisation
         AND first.record_id = (SELECT record_id FROM closures AS e
                                WHERE e.organisation = c.organisation
                                ORDER BY e.effective, e.position LIMIT 1)
        WHERE c.record_id <> first.record_id
        ORDER BY c.organisation, c.effective, c.position
        """,
    )


def _predecessors_close(views_path: str | Path) -> list[Found]:
    """A merger's or split's predecessor closes the day before its figures are carried on."""
    return found_by(
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
        LEFT JOIN (  -- the first closure: a second is "closed once"'s to report
            SELECT organisation, MIN(effective) AS effective FROM closures GROUP BY organisation
        ) AS c ON c.organisation = l.predecessor
        WHERE c.effective IS NOT date(l.effective, '-1 day')
        ORDER BY l.effective, l.predecessor, l.record_id
        """,
    )


def _one_lineage_per_day(views_path: str | Path) -> list[Found]:
    """On one date a predecessor is merged into one successor or split once: two mergers,
    or a merger and a split, would carry its figures on twice."""
    return found_by(
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
    return found_by(
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


def parents_have_no_circle(views_path: str | Path) -> list[Found]:
    """Following parents up from an organisation never leads back to it (an organisation
    under itself would count its own figures, and every one under it, again). Each
    circle is named once, from its first code."""
    return found_by(
        views_path,
        f"""
        WITH RECURSIVE walk(start, code, way, depth) AS (
            SELECT code, parent, code || ' -> ' || parent, 1
            FROM organisations WHERE parent IS NOT NULL AND parent >= code
            UNION ALL
            SELECT w.start, o.parent, w.way || ' -> ' || o.parent, w.depth + 1
            FROM walk AS w JOIN organisations AS o ON o.code = w.code
            WHERE w.code <> w.start AND w.depth < {MAX_LINEAGE_DEPTH}
              AND (o.parent = w.start
                   OR (o.parent > w.start
                       AND instr(' ' || w.way || ' ', ' ' || o.parent || ' ') = 0))
        )
        SELECT w.start AS record, o.source || ' ' || o.locator AS source,
               'parent: ' || w.way || ' is a circle: an organisation cannot be under itself'
               AS message
        FROM walk AS w JOIN organisations AS o ON o.code = w.start
        WHERE w.code = w.start
        ORDER BY w.start
        """,
    )


LINEAGE_CHECKS: dict[str, Callable[[str | Path], list[Found]]] = {
    "closed once": _closed_once,
    "predecessors close": _predecessors_close,
    "one lineage a day": _one_lineage_per_day,
    "lineage has no circle": _lineage_has_no_circle,
}
