-- drawdown: surplus drawn down from earlier years, by organisation and what it offsets
--
-- Each drawdown known by as_at, with corrections applied, summed by the organisation
-- drawing down and the budget it is set against; a last row totals them.
--
-- columns:
--   account             the organisation drawing down surplus
--   name                its name
--   against             the budget the drawdown is set against
--   drawdowns           how many drawdown records the row adds up
--   drawdown_pence      the sum drawn down, corrections applied
--   reasons             the reasons the records give
--
-- :year   <year>  financial year, e.g. 2014-15 (default: the latest year with drawdowns)
-- :as_at  <date>  known date: only what was known by then counts (default: today)
WITH
-- The years with drawdowns and the day each was first known; those known by as_at are
-- recorded: a year asked for without any is an error, and with none at all the view
-- notes when the first became known.
-- known_years holds the day each kind, measure and year was first known: a few hundred
-- rows, where the postings of the years would be millions.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT financial_year, first_known FROM known_years WHERE measure = 'drawdown'
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT COALESCE(:year, (SELECT MAX(financial_year) FROM recorded_years)) AS year,
           COALESCE(:as_at, date('now')) AS as_at
    WHERE view_error(CASE WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
        'no drawdowns recorded for ' || :year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
               SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
        || COALESCE('; the first for ' || :year || ' became known on '
                   || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no drawdowns were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
-- The drawdowns known by as_at, by organisation and budget, read once. A drawdown record
-- has one side, and its corrections keep its account and counterparty, so each record
-- falls in one row: the total adds up the rows' records without reading them again.
drawn AS (
    SELECT x.account, x.counterparty AS against,
           COUNT(DISTINCT x.record_id) AS drawdowns,
           SUM(x.delta_pence) AS drawdown_pence,
           group_concat(DISTINCT x.reason) AS reasons
    FROM postings AS x, params AS p
    WHERE x.measure = 'drawdown' AND x.financial_year = p.year AND x.as_at <= p.as_at
    GROUP BY x.account, x.counterparty
)
SELECT account, name, against, drawdowns, drawdown_pence, reasons
FROM (
    SELECT 0 AS part, d.account, o.name, d.against, d.drawdowns, d.drawdown_pence, d.reasons
    FROM drawn AS d
    CROSS JOIN params AS p
    LEFT JOIN organisations AS o ON o.code = d.account AND o.as_at <= p.as_at
    UNION ALL
    SELECT 1, '(total)', NULL, NULL, COALESCE(SUM(drawdowns), 0),
           COALESCE(SUM(drawdown_pence), 0), NULL
    FROM drawn
)
ORDER BY part, drawdown_pence DESC
