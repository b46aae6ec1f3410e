"""The units check: a measure is in one unit for every organisation and year, as import
insists (tests/test_errata_rules.py); this finds a store written before it did."""

from __future__ import annotations

from pathlib import Path

from ledger.explain.findings import Found
from ledger.views.projections import run


def one_unit_a_measure(views_path: str | Path) -> list[Found]:
    """A measure is in one unit, for every organisation and year: the first record of it
    sets the unit, and the first record of it in each other unit is reported."""
    rows = run(
        views_path,
        """
        WITH units AS (
            SELECT measure, unit, MIN(position) AS first FROM postings
            WHERE version = 0 GROUP BY measure, unit
        ),
        kept AS (
            SELECT measure, unit, MIN(first) AS first FROM units GROUP BY measure
        )
        SELECT DISTINCT x.record_id AS record, x.source || ' ' || x.locator AS source,
               quote(u.measure) || ' is in ' || u.unit || ' here, but in ' || k.unit
               || ' from its first record, ' || quote(f.record_id)
               || ': a measure keeps one unit for every organisation and year' AS message
        FROM units AS u
        JOIN kept AS k ON k.measure = u.measure AND k.unit <> u.unit
        JOIN postings AS x ON x.position = u.first AND x.version = 0
        JOIN postings AS f ON f.position = k.first AND f.version = 0
        ORDER BY u.first
        """,
    )
    return [(row["record"], row["message"], row["source"]) for row in rows]
