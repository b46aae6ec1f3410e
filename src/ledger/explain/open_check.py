"""The check that organisations are used only while they are open: a figure is about a
day its organisation was open, and a closure, merger or split takes effect while the
organisations it closes or carries on to were open. Import refuses what would fail it
(writing.references, writing.lifecycle, writing.closing, and fixed_lifecycle for
errata); this finds it in a store written before it did, or past import.
"""

from __future__ import annotations

from pathlib import Path

from ledger.explain.findings import Found, found_by


def organisations_open(views_path: str | Path) -> list[Found]:
    """A figure about a date before an organisation opened (the one it is about, or the
    budget a drawdown is set against, its counterparty), or after it closed unless a
    merger or a split (both are lineage) carries its figures on to a successor; a
    closure, merger or split before the organisation it closes, carries on or carries on
    to opened. (A transfer's counterparty is its other side's account.)"""
    return found_by(
        views_path,
        f"""
        SELECT x.record_id AS record, x.source || ' ' || x.locator AS source,
               o.code || ' is used on ' || x.effective || ', before it opened on '
               || o.opened AS message
        FROM postings AS x JOIN organisations AS o
          ON o.code = x.account OR (x.kind = 'drawdown' AND o.code = x.counterparty)
        WHERE x.version = 0 AND o.opened IS NOT NULL AND x.effective < o.opened
        UNION ALL
        SELECT x.record_id, x.source || ' ' || x.locator,
               x.account || ' is used on ' || x.effective || ', after it closed on '
               || c.effective
        FROM postings AS x JOIN closures AS c ON c.organisation = x.account
        WHERE x.version = 0 AND x.effective > c.effective
          AND NOT EXISTS (SELECT 1 FROM lineage AS m
                          WHERE m.predecessor = x.account AND m.effective <= x.effective)
        UNION ALL
        {_CHANGED_BEFORE_OPENING}
        """,
    )


# A closure before its organisation opened; a merger or split that closes a predecessor
# (the day before it takes effect) before it opened, or carries figures on to a successor
# before it opened. (A merger's predecessors are named together, a split's successors.)
_CHANGED_BEFORE_OPENING = """
SELECT c.record_id, c.source || ' ' || c.locator,
       c.organisation || ' closes on ' || c.effective || ', before it opened on ' || o.opened
FROM closures AS c JOIN organisations AS o ON o.code = c.organisation
WHERE c.effective < o.opened
UNION ALL
SELECT l.record_id, l.source || ' ' || l.locator,
       l.predecessor || ' is carried on by the ' || l.kind || ' into '
       || group_concat(l.successor, ', ') || ' from ' || l.effective || ', so it closes on '
       || date(l.effective, '-1 day') || ', before it opened on ' || o.opened
FROM (SELECT * FROM lineage ORDER BY record_id, predecessor, weight_before) AS l
JOIN organisations AS o ON o.code = l.predecessor
WHERE l.effective <= o.opened
GROUP BY l.record_id, l.predecessor
UNION ALL
SELECT l.record_id, l.source || ' ' || l.locator,
       l.successor || ' takes on the figures of ' || group_concat(l.predecessor, ', ')
       || ' by the ' || l.kind || ' from ' || l.effective || ', before it opened on '
       || o.opened
FROM (SELECT * FROM lineage ORDER BY record_id, successor, predecessor) AS l
JOIN organisations AS o ON o.code = l.successor
WHERE l.effective < o.opened
GROUP BY l.record_id, l.successor
"""
