-- audit: every recorded change behind one organisation's figure, in known-date order
--
-- The versions of every record that moved the figure, known by as_at: for allocations
-- and drawdowns those of the organisation and of every organisation under it, for the
-- other measures the organisation's own; once a merger is known, its predecessors'
-- figures from the merger date on count too. A correction appears as a new version of
-- the record it corrects. `ledger audit` adds each step's value before and after.
--
-- :account  <code>  the organisation's code, e.g. 06H
-- :measure  <slug>  allocation, plan, forecast, drawdown, qipp-plan, qipp-shortfall or a figure's measure (default: allocation)
-- :year     <year>  financial year, e.g. 2013-14 (default: the latest year with this figure)
-- :as_at    <date>  known date: only what was known by then counts (default: today)
WITH RECURSIVE params AS (
    SELECT :account AS account,
           COALESCE(:measure, 'allocation') AS measure,
           COALESCE(:as_at, date('now')) AS as_at
),
family(code) AS (
    SELECT account FROM params
    UNION
    SELECT o.code FROM organisations AS o, params AS p
    JOIN family AS f ON o.parent = f.code
    WHERE o.as_at <= p.as_at AND p.measure IN ('allocation', 'drawdown')
),
-- The accounts whose figures count: the family, and, once a merger is known, the merged
-- predecessors of a member for figures about dates from the merger on.
accounts(code, since) AS (
    SELECT code, NULL FROM family
    UNION ALL
    SELECT m.predecessor, m.effective
    FROM lineage AS m, params AS p
    WHERE m.as_at <= p.as_at AND m.successor IN (SELECT code FROM family)
),
chosen AS (
    SELECT COALESCE(:year, MAX(x.financial_year)) AS year
    FROM accounts AS a
    CROSS JOIN params AS p
    JOIN postings AS x ON x.account = a.code AND x.measure = p.measure
    WHERE x.as_at <= p.as_at AND (a.since IS NULL OR x.effective >= a.since)
)
SELECT
    x.as_at, x.effective, x.period, x.kind, x.record_id, x.version, x.correction_id,
    x.account, x.counterparty, x.side, x.is_void, x.unit, x.amount_pence, x.delta_pence,
    x.count, x.percent, x.precedence, x.position, x.financial_year, x.reason, x.source,
    x.locator
FROM accounts AS a
CROSS JOIN params AS p
CROSS JOIN chosen AS c
JOIN postings AS x
    ON x.account = a.code AND x.measure = p.measure AND x.financial_year = c.year
WHERE x.as_at <= p.as_at AND (a.since IS NULL OR x.effective >= a.since)
ORDER BY x.as_at, x.position, x.side
