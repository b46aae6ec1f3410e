"""The check that organisations are used only while they are open and once they are
known: a figure is about a day its organisation was open; a closure, merger or split
takes effect while the organisations it closes or carries on to were open; and no record
is known before an organisation it names. Import refuses what would fail it
(writing.references, writing.lifecycle, writing.closing, and fixed_known and
fixed_lifecycle for errata); this finds it in a store written before it did, or past
import. The views hold each record as its errata leave it, so this reads them so too.
"""

from __future__ import annotations

from pathlib import Path

from ledger.explain.findings import Found, found_by

# Each organisation a record other than a figure names, by the field that names it, with
# the day the record is known: a closure's organisation, a merger's or split's
# organisations, and a membership's organisation and parents (an organisation's own
# parents may be registered after it). Figures are in _USED.
_NAMED = """
SELECT record_id AS record, source || ' ' || locator AS source, 'organisation' AS field,
       organisation AS code, as_at
FROM closures
UNION ALL
SELECT DISTINCT record_id, source || ' ' || locator,
       CASE kind WHEN 'merger' THEN 'predecessors' ELSE 'organisation' END, predecessor, as_at
FROM lineage
UNION ALL
SELECT DISTINCT record_id, source || ' ' || locator,
       CASE kind WHEN 'merger' THEN 'organisation' ELSE 'successors' END, successor, as_at
FROM lineage
UNION ALL
SELECT record_id, source || ' ' || locator, 'organisation', organisation, as_at
FROM memberships WHERE record_id <> organisation
UNION ALL
SELECT record_id, source || ' ' || locator, 'area_team', area_team, as_at
FROM memberships WHERE record_id <> organisation AND area_team IS NOT NULL
UNION ALL
SELECT record_id, source || ' ' || locator, 'region', region, as_at
FROM memberships WHERE record_id <> organisation AND region IS NOT NULL
"""


def organisations_open(views_path: str | Path) -> list[Found]:
    """A figure about a date before an organisation opened (the one it is about, or the
    budget a drawdown is set against, its counterparty), or after it closed unless a
    merger or a split (both are lineage) carries its figures on to a successor; a
    closure, merger or split before the organisation it closes, carries on or carries on
    to opened; and a record known before an organisation it names is. (A transfer's
    counterparty is its other side's account.)"""
    return found_by(
        views_path,
        f"""
        WITH used AS MATERIALIZED ({_USED})
        SELECT record, source,
               code || ' is used on ' || effective || ', before it opened on ' || opened
               AS message
        FROM used WHERE effective < opened
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
        UNION ALL
        SELECT record, source, {_KNOWN_BEFORE.format(field="field")}
        FROM used WHERE on_account AND as_at < known
        UNION ALL
        SELECT record, source, {_KNOWN_BEFORE.format(field="'against'")}
        FROM used WHERE on_against AND as_at < known
        UNION ALL
        SELECT n.record, n.source,
               n.field || ': ' || n.code || ' is named in a record known on ' || n.as_at
               || ', before ' || n.code || ' itself was known on ' || o.as_at
        FROM ({_NAMED}) AS n JOIN organisations AS o ON o.code = n.code
        WHERE n.as_at < o.as_at
        """,
    )


# The first versions of figures that use an organisation too early, read in one pass over
# the postings: the organisation a figure is about (a transfer's two sides) or the budget
# a drawdown is set against, with the day it opened and the day it was known.
_USED = """
SELECT x.record_id AS record, x.source || ' ' || x.locator AS source,
       CASE WHEN x.kind = 'transfer' THEN x.side ELSE 'account' END AS field,
       o.code AS code, x.effective, x.as_at, o.opened, o.as_at AS known,
       o.code = x.account AS on_account,
       x.kind = 'drawdown' AND o.code = x.counterparty AS on_against
FROM postings AS x JOIN organisations AS o
  ON o.code = x.account OR (x.kind = 'drawdown' AND o.code = x.counterparty)
WHERE x.version = 0 AND ((o.opened IS NOT NULL AND x.effective < o.opened) OR x.as_at < o.as_at)
"""
_KNOWN_BEFORE = (
    "{field} || ': ' || code || ' is named in a record known on ' || as_at || ', before ' "
    "|| code || ' itself was known on ' || known"
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
