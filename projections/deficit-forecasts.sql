-- deficit-forecasts: who forecasts a deficit for the year, planned or not, beside reported counts
--
-- One "itemised" row per organisation whose latest forecast known by as_at is a deficit
-- (latest: about the latest month, then known latest, then recorded latest). It is
-- planned when the organisation's latest plan is a deficit, unplanned when the plan is
-- breakeven or better, and, with no plan recorded, as the forecast's source says; a
-- forecast that does not say keeps what the organisation's latest earlier forecast that
-- did said, and its status names that forecast ("unplanned (carried from <record>)").
-- Then one "reported count" row per count of deficits a source gave for the year
-- (measures ccgs-forecasting-deficit, ccgs-forecasting-planned-deficit and
-- ccgs-forecasting-unplanned-deficit), with the number of CCGs itemised above for the
-- same scope (a sector's own CCGs, a region or an area team) and status.
--
-- columns:
--   row                 itemised (one organisation's forecast) or reported count (a source's
--                        count)
--   code                the organisation, or the scope a count is about
--   name                its name
--   type                its type (ccg, sector, region, area-team, ...)
--   region              its region
--   period              the month of the latest forecast
--   forecast_pence      the latest forecast known by as_at (a deficit is negative)
--   plan_pence          the organisation's latest plan, if one is recorded
--   status              on an itemised row, whether the deficit was planned; on a reported
--                        count, which deficits it counts (see status values)
--   reported            on a reported count: the number of CCGs the source gave
--   itemised            on a reported count: the CCGs itemised above for the same scope and
--                        status
--   as_at               when the forecast or count became known
--   source              the source cited (its id; a table adds its short title and date)
--   locator             where in the source
-- status:
--   planned             itemised: the organisation's latest plan is a deficit; reported
--                        count: it counts planned deficits
--   unplanned           itemised: its latest plan is breakeven or better, or, with no plan,
--                        the source says so; reported count: it counts unplanned deficits
--   plan not recorded   itemised: no plan is recorded and the forecast's source does not say
--   any                 reported count: it counts every deficit, planned or not
--
-- :year   <year>  financial year, e.g. 2013-14 (default: the latest year with forecasts)
-- :as_at  <date>  known date: only what was known by then counts (default: today)
WITH
-- The years with forecasts or counts of deficits and the day each was first known; those
-- known by as_at are recorded: a year asked for without any is an error, and with none
-- at all the view notes when the first became known.
-- known_years holds the day each kind, measure and year was first known: a few hundred
-- rows, where the postings of the years would be millions.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT financial_year, first_known FROM known_years
    WHERE measure IN ('forecast', 'ccgs-forecasting-deficit',
                      'ccgs-forecasting-planned-deficit', 'ccgs-forecasting-unplanned-deficit')
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT COALESCE(:year, (SELECT MAX(financial_year) FROM known_years
                            WHERE measure = 'forecast'
                              AND first_known <= COALESCE(:as_at, date('now')))) AS year,
           COALESCE(:as_at, date('now')) AS as_at
    WHERE view_error(CASE WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
        'no forecasts or counts of deficits recorded for ' || :year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
               SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
        || COALESCE('; the first for ' || :year || ' became known on '
                   || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no forecasts or counts of deficits were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
-- The versions valid at as_at, read measure by measure through the postings index. The
-- year and date are values rather than a table joined, so that SQLite reads each
-- measure's postings in the index's order and groups them by account without sorting.
live AS NOT MATERIALIZED (
    SELECT x.account, x.measure, x.unit, x.amount_pence, x.count, x.period, x.deficit,
           x.record_id, x.as_at, x.source, x.locator, x.precedence
    FROM postings AS x
    WHERE x.measure IN ('forecast', 'plan', 'ccgs-forecasting-deficit',
                        'ccgs-forecasting-planned-deficit', 'ccgs-forecasting-unplanned-deficit')
      -- The condition of the index of positions, as it is written there (views/tables.py):
      -- SQLite then reads these postings from that index, which holds every column read.
      AND (x.measure = 'plan' OR x.measure = 'forecast' OR x.measure = 'spending-limit'
           OR x.measure = 'revenue-limit-outturn' OR x.measure = 'revenue-limit-plan'
           OR x.measure = 'ccgs-forecasting-deficit'
           OR x.measure = 'ccgs-forecasting-planned-deficit'
           OR x.measure = 'ccgs-forecasting-unplanned-deficit')
      AND x.financial_year = (SELECT year FROM params)
      AND x.as_at <= (SELECT as_at FROM params)
      AND (x.valid_to IS NULL OR x.valid_to > (SELECT as_at FROM params))
      AND x.is_void = 0
),
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
latest_forecast AS (
    SELECT account, amount_pence, period, deficit, as_at, source, locator, MAX(precedence)
    FROM live WHERE measure = 'forecast' GROUP BY account
),
-- For a latest forecast that does not say whether its deficit was planned, the latest
-- earlier forecast of the organisation that does.
said_before AS (
    SELECT x.account, x.deficit, x.record_id, MAX(x.precedence)
    FROM live AS x
    JOIN latest_forecast AS f ON f.account = x.account
    WHERE x.measure = 'forecast' AND f.deficit IS NULL AND x.deficit IS NOT NULL
    GROUP BY x.account
),
latest_plan AS (
    SELECT account, amount_pence, MAX(precedence) FROM live WHERE measure = 'plan' GROUP BY account
),
itemised AS (
    SELECT
        f.account AS code, o.name, o.type, o.area_team, o.region, f.period,
        f.amount_pence AS forecast_pence, pl.amount_pence AS plan_pence,
        CASE
            WHEN pl.amount_pence < 0 THEN 'planned'
            WHEN pl.amount_pence >= 0 THEN 'unplanned'
            ELSE COALESCE(f.deficit, sb.deficit, 'plan not recorded')
        END AS classified,
        CASE
            WHEN pl.amount_pence < 0 THEN 'planned'
            WHEN pl.amount_pence >= 0 THEN 'unplanned'
            WHEN f.deficit IS NOT NULL THEN f.deficit
            WHEN sb.deficit IS NOT NULL THEN
                sb.deficit || ' (carried from ' || sb.record_id || ')'
            ELSE 'plan not recorded'
        END AS status,
        f.as_at, f.source, f.locator
    FROM latest_forecast AS f
    CROSS JOIN params AS p
    LEFT JOIN latest_plan AS pl ON pl.account = f.account
    LEFT JOIN said_before AS sb ON sb.account = f.account
    LEFT JOIN organisations AS o ON o.code = f.account AND o.as_at <= p.as_at
    WHERE f.amount_pence < 0
),
reported AS (
    SELECT account, measure, count, as_at, source, locator, MAX(precedence)
    FROM live
    WHERE unit = 'count' AND measure <> 'forecast' AND measure <> 'plan'
    GROUP BY account, measure
)
SELECT row, code, name, type, region, period, forecast_pence, plan_pence, status,
       reported, itemised, as_at, source, locator
FROM (
    SELECT 0 AS part, 'itemised' AS row, code, name, type, region, period, forecast_pence,
           plan_pence, status, NULL AS reported, NULL AS itemised, as_at, source, locator
    FROM itemised
    UNION ALL
    SELECT 1, 'reported count', r.account, o.name, o.type, o.region, NULL, NULL, NULL,
           CASE r.measure
               WHEN 'ccgs-forecasting-planned-deficit' THEN 'planned'
               WHEN 'ccgs-forecasting-unplanned-deficit' THEN 'unplanned'
               ELSE 'any'
           END,
           r.count,
           (SELECT COUNT(*) FROM itemised AS i
            WHERE i.type = 'ccg'
              AND (i.region = r.account OR i.area_team = r.account
                   OR (o.type = 'sector' AND EXISTS (
                       SELECT 1 FROM organisations AS m
                       WHERE m.code = i.code AND m.parent = r.account)))
              AND (r.measure = 'ccgs-forecasting-deficit'
                   OR r.measure = 'ccgs-forecasting-' || i.classified || '-deficit')),
           r.as_at, r.source, r.locator
    FROM reported AS r
    CROSS JOIN params AS p
    LEFT JOIN organisations AS o ON o.code = r.account AND o.as_at <= p.as_at
)
ORDER BY part, forecast_pence, code
