-- qipp: each organisation's QIPP savings plan and forecast shortfall
--
-- The latest QIPP plan and latest forecast shortfall known by as_at (about the latest
-- month, then known latest), the shortfall as a share of the plan, and the percentage a
-- source reported for the shortfall at the same month (a figure with measure
-- qipp-shortfall-percent).
--
-- columns:
--   code                the organisation's code
--   name                its name
--   plan_pence          its latest QIPP savings plan
--   shortfall_pence     its latest forecast shortfall against the plan
--   shortfall_period    the month the shortfall is about
--   shortfall_percent   the shortfall as a share of the plan
--   reported_shortfall_percent  the percentage a source reported for the same month
--   as_at               when the latest figure became known
--   source              the source cited (its id; a table adds its short title and date)
--   locator             where in the source
--
-- :year   <year>  financial year, e.g. 2013-14 (default: the latest year with QIPP records)
-- :as_at  <date>  known date: only what was known by then counts (default: today)
WITH
-- The years with QIPP plans or shortfalls and the day each was first known; those known
-- by as_at are recorded: a year asked for without any is an error, and with none at all
-- the view notes when the first became known.
-- known_years holds the day each kind, measure and year was first known: a few hundred
-- rows, where the postings of the years would be millions.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT financial_year, first_known FROM known_years WHERE kind = 'qipp'
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT COALESCE(:year, (SELECT MAX(financial_year) FROM recorded_years)) AS year,
           COALESCE(:as_at, date('now')) AS as_at
    WHERE view_error(CASE WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
        'no QIPP plans or shortfalls recorded for ' || :year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
               SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
        || COALESCE('; the first for ' || :year || ' became known on '
                   || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no QIPP plans or shortfalls were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
-- The versions valid at as_at. With the year and date as values rather than a table
-- joined, SQLite reads the postings in the index's order and groups them without sorting.
live AS NOT MATERIALIZED (
    SELECT x.account, x.measure, x.amount_pence, x.percent, x.period, x.as_at, x.source,
           x.locator, x.precedence
    FROM postings AS x
    WHERE x.financial_year = (SELECT year FROM params)
      AND x.as_at <= (SELECT as_at FROM params)
      AND (x.valid_to IS NULL OR x.valid_to > (SELECT as_at FROM params))
      AND x.is_void = 0
      AND x.measure IN ('qipp-plan', 'qipp-shortfall', 'qipp-shortfall-percent')
      -- The condition of the index of QIPP postings, as it is written there
      -- (views/tables.py): SQLite then reads them from that index, which holds every
      -- column read.
      AND (x.measure = 'qipp-plan' OR x.measure = 'qipp-shortfall'
           OR x.measure = 'qipp-shortfall-percent')
),
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
-- A percentage is shown to 12 decimal places, trailing zeros dropped: one read from a
-- spreadsheet is a binary fraction whose last digits are noise (5.2799999999999944).
latest AS (
    SELECT account, measure, amount_pence,
           CASE WHEN ROUND(percent, 12) <> 0
                THEN rtrim(rtrim(printf('%.12f', percent), '0'), '.')
                WHEN percent IS NOT NULL THEN '0' END AS percent,
           period, as_at, source, locator, MAX(precedence)
    FROM live GROUP BY account, measure
)
SELECT
    a.account AS code,
    o.name,
    pl.amount_pence AS plan_pence,
    sf.amount_pence AS shortfall_pence,
    sf.period AS shortfall_period,
    -- in whole tenths of a per cent, rounded half up: no floating point
    CASE WHEN pl.amount_pence > 0 AND sf.amount_pence IS NOT NULL
         THEN ((sf.amount_pence * 1000 + pl.amount_pence / 2) / pl.amount_pence / 10) || '.'
              || ((sf.amount_pence * 1000 + pl.amount_pence / 2) / pl.amount_pence % 10)
    END AS shortfall_percent,
    pc.percent AS reported_shortfall_percent,
    sf.as_at,
    sf.source,
    sf.locator
FROM (SELECT DISTINCT account FROM latest) AS a
CROSS JOIN params AS p
LEFT JOIN organisations AS o ON o.code = a.account AND o.as_at <= p.as_at
LEFT JOIN latest AS pl ON pl.account = a.account AND pl.measure = 'qipp-plan'
LEFT JOIN latest AS sf ON sf.account = a.account AND sf.measure = 'qipp-shortfall'
LEFT JOIN latest AS pc
    ON pc.account = a.account AND pc.measure = 'qipp-shortfall-percent'
    AND (sf.period IS NULL OR pc.period IS sf.period)
ORDER BY pl.amount_pence DESC, a.account
