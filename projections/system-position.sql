-- system-position: plans and forecasts of the commissioning system's parts against its spending limit
--
-- One row per sector or budget in the tree under :system: its spending limit (a figure
-- with measure spending-limit), beside its revenue limit for the year (NHS England's
-- RDEL: the outturn, measure revenue-limit-outturn, once known, else the plan,
-- revenue-limit-plan; revenue_limit_status says which), its latest plan and forecast
-- known by as_at (surplus positive, deficit negative), the spending they imply (limit
-- less surplus), and the sums of its direct members' latest plans and forecasts, with
-- how many members have one. national-position shows the revenue limit for every year.
--
-- columns:
--   code                the sector or budget
--   name                its name
--   type                its type
--   depth               how far under :system it is (0 for the top)
--   spending_limit_pence  its spending limit (measure spending-limit)
--   revenue_limit_pence  its revenue limit: the outturn once known, else the plan
--   revenue_limit_status  outturn or plan: which the revenue limit is
--   plan_pence          its latest plan (surplus positive, deficit negative)
--   planned_spend_pence  the spending the plan implies: limit less surplus
--   forecast_pence      its latest forecast (surplus positive, deficit negative)
--   forecast_period     the month of the latest forecast
--   forecast_spend_pence  the spending the forecast implies
--   members_with_plan   how many of its direct members have a plan
--   members_plan_pence  the sum of their latest plans
--   members_with_forecast  how many of its direct members have a forecast
--   members_forecast_pence  the sum of their latest forecasts
-- status:
--   outturn             (revenue_limit_status) the revenue limit is the year's outturn
--   plan                (revenue_limit_status) the revenue limit is the plan; no outturn is
--                        known
--
-- :year    <year>  financial year, e.g. 2014-15 (default: the latest year with plans or forecasts)
-- :as_at   <date>  known date: only what was known by then counts (default: today)
-- :system  <code>  the aggregate at the top (default: commissioning-system)
WITH RECURSIVE
-- The years with plans, forecasts or limits and the day each was first known; those
-- known by as_at are recorded: a year asked for without any is an error, and with none
-- at all the view notes when the first became known.
-- known_years holds the day each kind, measure and year was first known: a few hundred
-- rows, where the postings of the years would be millions.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT financial_year, first_known FROM known_years
    WHERE measure IN ('plan', 'forecast', 'spending-limit', 'revenue-limit-outturn',
                      'revenue-limit-plan')
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT COALESCE(:year, (SELECT MAX(financial_year) FROM known_years
                            WHERE measure IN ('plan', 'forecast')
                              AND first_known <= COALESCE(:as_at, date('now')))) AS year,
           COALESCE(:as_at, date('now')) AS as_at,
           COALESCE(:system, 'commissioning-system') AS system
    WHERE view_error(CASE
        WHEN :system IS NOT NULL AND :system NOT IN (SELECT code FROM organisations) THEN
            'unknown organisation ''' || :system || '''' || COALESCE(
                ' (did you mean ''' || (SELECT code FROM organisations
                                        WHERE lower(code) = lower(:system) LIMIT 1) || '''?)',
                '')
        WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
            'no plans, forecasts or limits recorded for ' || :year
            || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
            || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
                   SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
            || COALESCE('; the first for ' || :year || ' became known on '
                       || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no plans, forecasts or limits were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
tree(code, depth, path) AS (
    SELECT system, 0, system FROM params
    UNION ALL
    SELECT o.code, t.depth + 1, t.path || '/' || o.code
    FROM organisations AS o, params AS p
    JOIN tree AS t ON o.parent = t.code
    WHERE o.type IN ('sector', 'budget', 'commissioner') AND o.as_at <= p.as_at
),
-- The versions valid at as_at. With the year and date as values rather than a table
-- joined, SQLite reads the postings in the index's order and groups them without sorting.
live AS NOT MATERIALIZED (
    SELECT x.account, x.measure, x.amount_pence, x.period, x.precedence
    FROM postings AS x
    WHERE x.financial_year = (SELECT year FROM params)
      AND x.as_at <= (SELECT as_at FROM params)
      AND (x.valid_to IS NULL OR x.valid_to > (SELECT as_at FROM params))
      AND x.is_void = 0
      AND x.measure IN ('plan', 'forecast', 'spending-limit', 'revenue-limit-outturn',
                        'revenue-limit-plan')
      -- The condition of the index of positions, as it is written there (views/tables.py):
      -- SQLite then reads these postings from that index, which holds every column read.
      AND (x.measure = 'plan' OR x.measure = 'forecast' OR x.measure = 'spending-limit'
           OR x.measure = 'revenue-limit-outturn' OR x.measure = 'revenue-limit-plan'
           OR x.measure = 'ccgs-forecasting-deficit'
           OR x.measure = 'ccgs-forecasting-planned-deficit'
           OR x.measure = 'ccgs-forecasting-unplanned-deficit')
),
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
latest AS (
    SELECT account, measure, amount_pence, period, MAX(precedence)
    FROM live GROUP BY account, measure
),
members AS (
    SELECT o.parent AS code,
           COUNT(pl.amount_pence) AS members_with_plan,
           SUM(pl.amount_pence) AS members_plan_pence,
           COUNT(fc.amount_pence) AS members_with_forecast,
           SUM(fc.amount_pence) AS members_forecast_pence
    FROM organisations AS o
    CROSS JOIN params AS p
    LEFT JOIN latest AS pl ON pl.account = o.code AND pl.measure = 'plan'
    LEFT JOIN latest AS fc ON fc.account = o.code AND fc.measure = 'forecast'
    WHERE o.parent IN (SELECT code FROM tree) AND o.as_at <= p.as_at
    GROUP BY o.parent
)
SELECT
    t.code,
    o.name,
    o.type,
    t.depth,
    lim.amount_pence AS spending_limit_pence,
    COALESCE(rlo.amount_pence, rlp.amount_pence) AS revenue_limit_pence,
    CASE
        WHEN rlo.amount_pence IS NOT NULL THEN 'outturn'
        WHEN rlp.amount_pence IS NOT NULL THEN 'plan'
    END AS revenue_limit_status,
    pl.amount_pence AS plan_pence,
    lim.amount_pence - pl.amount_pence AS planned_spend_pence,
    fc.amount_pence AS forecast_pence,
    fc.period AS forecast_period,
    lim.amount_pence - fc.amount_pence AS forecast_spend_pence,
    m.members_with_plan,
    m.members_plan_pence,
    m.members_with_forecast,
    m.members_forecast_pence
FROM tree AS t
CROSS JOIN params AS p
LEFT JOIN organisations AS o ON o.code = t.code AND o.as_at <= p.as_at
LEFT JOIN latest AS lim ON lim.account = t.code AND lim.measure = 'spending-limit'
LEFT JOIN latest AS rlo ON rlo.account = t.code AND rlo.measure = 'revenue-limit-outturn'
LEFT JOIN latest AS rlp ON rlp.account = t.code AND rlp.measure = 'revenue-limit-plan'
LEFT JOIN latest AS pl ON pl.account = t.code AND pl.measure = 'plan'
LEFT JOIN latest AS fc ON fc.account = t.code AND fc.measure = 'forecast'
LEFT JOIN members AS m ON m.code = t.code
ORDER BY t.path
