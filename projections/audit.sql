-- audit: every recorded change behind one organisation's figure, in known-date order
--
-- The versions of every record that moved the figure, known by as_at: for allocations
-- and drawdowns those of the organisation and of every organisation under it, for the
-- other measures the organisation's own; once a merger is known, its predecessors'
-- figures from the merger date on count too. A correction appears as a new version of
-- the record it corrects. `ledger audit` adds each step's value before and after.
--
-- :account  the organisation's code, e.g. 06H
-- :measure  allocation, plan, forecast, drawdown, qipp-plan, qipp-shortfall or a figure's measure (default: allocation)
-- :year     financial year, e.g. 2013-14 (default: the latest year with this figure)
-- :as_at    known date: only what was known by then counts (default: today)
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
moved AS (
    SELECT x.*
    FROM postings AS x, params AS p
    WHERE x.measure = p.measure
      AND x.as_at <= p.as_at
      AND (x.account IN (SELECT code FROM family)
           OR EXISTS (SELECT 1 FROM mergers AS m
                      WHERE m.predecessor = x.account AND m.as_at <= p.as_at
                        AND m.successor IN (SELECT code FROM family)
                        AND x.effective >= m.effective))
),
chosen AS (
    SELECT COALESCE(:year, MAX(financial_year)) AS year FROM moved
)
SELECT
    m.as_at, m.effective, m.period, m.kind, m.record_id, m.version, m.correction_id,
    m.account, m.counterparty, m.side, m.is_void, m.unit, m.amount_pence, m.delta_pence,
    m.count, m.percent, m.precedence, m.position, m.financial_year, m.reason, m.source,
    m.locator
FROM moved AS m, chosen AS c
WHERE m.financial_year = c.year
ORDER BY m.as_at, m.position, m.side
