-- national-position: each year's CCG or ICB allocations (by service in the ICB era) beside NHS England's revenue limit and the system's spending limit
--
-- One row per financial year with CCG allocations, a revenue limit or a spending limit
-- known by as_at. ccg_allocations_pence is the sum of every CCG's and ICB's allocation
-- for the year (as issued, plus transfers, with corrections), counted as ccg-budgets
-- counts it, from ccgs_allocated organisations. revenue_limit_pence is NHS England's
-- revenue limit (RDEL) for the year on commissioning-system: its outturn (a figure with
-- measure revenue-limit-outturn) once one is known, else its plan (revenue-limit-plan);
-- revenue_limit_status says which. ccg_share_percent is the allocations as a share of
-- it. spending_limit_pence is the commissioning system's spending limit for the year (a
-- figure with measure spending-limit), and outturn_less_spending_limit_pence what the
-- outturn came to against it (negative: under the limit).
--
-- ICB era (allocations that name their service, 2023-24 on): the same allocations by
-- service beside the total, one column each: core_pence, primary_medical_care_pence,
-- other_primary_care_pence, pod_pence (pharmacy, optometry and dental), specialised_pence
-- and running_costs_pence; NULL in a year with no allocation of that service.
-- Asked as at a day when some of a year's services were known and others not yet, the
-- view notes which came later and when (and which of those known then changed later).
--
-- columns:
--   financial_year      the financial year
--   ccgs_allocated      how many CCGs or ICBs have an allocation for the year
--   ccg_allocations_pence  the sum of their allocations, counted as ccg-budgets counts them
--   core_pence          ICB era: the core services' allocations
--   primary_medical_care_pence  ICB era: primary medical care
--   other_primary_care_pence  ICB era: other primary care
--   pod_pence           ICB era: pharmacy, optometry and dental
--   specialised_pence   ICB era: specialised services
--   running_costs_pence  ICB era: running costs
--   revenue_limit_pence  NHS England's revenue limit (RDEL): the outturn once known, else the
--                        plan
--   revenue_limit_status  outturn or plan: which the revenue limit is
--   ccg_share_percent   the allocations as a share of the revenue limit
--   spending_limit_pence  the commissioning system's spending limit
--   outturn_less_spending_limit_pence  the outturn less the spending limit (negative: under it)
--   revenue_limit_source  the source of the revenue limit, with its locator
--   spending_limit_source  the source of the spending limit, with its locator
-- status:
--   outturn             (revenue_limit_status) the revenue limit is the year's outturn
--   plan                (revenue_limit_status) the revenue limit is the plan; no outturn is
--                        known
--
-- :year   <year>  only this financial year, e.g. 2014-15 (default: every year)
-- :as_at  <date>  known date: only what was known by then counts (default: today)
WITH
-- The years with allocations or limits and the days they became known; those known by
-- as_at are recorded: a year asked for without any is an error, and with none at all the
-- view notes when the first became known.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT d.financial_year, d.as_at FROM allocation_days AS d
    JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
    UNION ALL
    SELECT financial_year, as_at FROM postings
    WHERE account = 'commissioning-system'
      AND measure IN ('revenue-limit-outturn', 'revenue-limit-plan', 'spending-limit')
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT :year AS year,
           COALESCE(:as_at, date('now')) AS as_at,
           'commissioning-system' AS system
    WHERE view_error(CASE WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
        'no allocations or limits recorded for ' || :year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
               SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
        || COALESCE('; the first for ' || :year || ' became known on '
                   || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no allocations or limits were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
-- The years whose allocations name their services (the ICB era), found in the index of
-- those rows alone: a year of one part cannot be known only in part. Each such year's
-- parts: the day the first of each became known and the first day after as_at it
-- changed; the view notes which were still to come and when (later_parts). Read from
-- every allocation day, as ccg-budgets reads them, this took the view from 46 to 160 ms
-- at a million events.
service_years(financial_year) AS (
    SELECT DISTINCT d.financial_year FROM allocation_days AS d
    WHERE d.service <> '' AND (:year IS NULL OR d.financial_year = :year)
),
parts AS (
    SELECT d.financial_year AS year, COALESCE(NULLIF(d.service, ''), '(no service)') AS part,
           MIN(d.as_at) AS first,
           MIN(CASE WHEN d.as_at > p.as_at THEN d.as_at END) AS changed,
           MAX(d.as_at) AS last, p.as_at AS asked
    FROM service_years AS y
    CROSS JOIN allocation_days AS d ON d.financial_year = y.financial_year
    CROSS JOIN params AS p
    JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
    GROUP BY 1, 2
),
partial_years(message) AS (
    SELECT later_parts(year, part, first, changed, last, asked) FROM parts GROUP BY year
),
ccg_sector AS (
    SELECT d.financial_year,
           COUNT(DISTINCT d.account) AS ccgs_allocated,
           SUM(d.delta_pence) AS ccg_allocations_pence
    FROM allocation_days AS d
    CROSS JOIN params AS p
    JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
    WHERE d.as_at <= p.as_at AND (p.year IS NULL OR d.financial_year = p.year)
      AND NOT EXISTS (SELECT 1 FROM partial_years WHERE view_note(message) IS NOT NULL)
    GROUP BY d.financial_year
),
by_service AS (
    SELECT d.financial_year,
           SUM(CASE WHEN d.service = 'core' THEN d.delta_pence END) AS core_pence,
           SUM(CASE WHEN d.service = 'primary-medical-care' THEN d.delta_pence END)
               AS primary_medical_care_pence,
           SUM(CASE WHEN d.service = 'other-primary-care' THEN d.delta_pence END)
               AS other_primary_care_pence,
           SUM(CASE WHEN d.service = 'pod' THEN d.delta_pence END) AS pod_pence,
           SUM(CASE WHEN d.service = 'specialised' THEN d.delta_pence END) AS specialised_pence,
           SUM(CASE WHEN d.service = 'running-costs' THEN d.delta_pence END)
               AS running_costs_pence
    FROM allocation_days AS d
    CROSS JOIN params AS p
    JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
    WHERE d.as_at <= p.as_at AND (p.year IS NULL OR d.financial_year = p.year)
      AND d.service <> ''
    GROUP BY d.financial_year
),
-- The versions of the system's limits valid at as_at.
live AS (
    SELECT x.*
    FROM postings AS x, params AS p
    WHERE x.account = p.system
      AND x.measure IN ('revenue-limit-outturn', 'revenue-limit-plan', 'spending-limit')
      AND (p.year IS NULL OR x.financial_year = p.year)
      AND x.as_at <= p.as_at
      AND (x.valid_to IS NULL OR x.valid_to > p.as_at)
      AND x.is_void = 0
),
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
latest AS (
    SELECT financial_year, measure, amount_pence, source, locator, MAX(precedence)
    FROM live GROUP BY financial_year, measure
),
years AS (
    SELECT financial_year FROM ccg_sector
    UNION
    SELECT financial_year FROM latest
),
limits AS (
    SELECT y.financial_year,
           COALESCE(outturn.amount_pence, plan.amount_pence) AS revenue_limit_pence,
           CASE
               WHEN outturn.amount_pence IS NOT NULL THEN 'outturn'
               WHEN plan.amount_pence IS NOT NULL THEN 'plan'
           END AS revenue_limit_status,
           COALESCE(outturn.source || ' ' || outturn.locator,
                    plan.source || ' ' || plan.locator) AS revenue_limit_source,
           outturn.amount_pence AS outturn_pence,
           spending.amount_pence AS spending_limit_pence,
           spending.source || ' ' || spending.locator AS spending_limit_source
    FROM years AS y
    LEFT JOIN latest AS outturn
        ON outturn.financial_year = y.financial_year
       AND outturn.measure = 'revenue-limit-outturn'
    LEFT JOIN latest AS plan
        ON plan.financial_year = y.financial_year AND plan.measure = 'revenue-limit-plan'
    LEFT JOIN latest AS spending
        ON spending.financial_year = y.financial_year AND spending.measure = 'spending-limit'
)
SELECT
    l.financial_year,
    c.ccgs_allocated,
    c.ccg_allocations_pence,
    s.core_pence,
    s.primary_medical_care_pence,
    s.other_primary_care_pence,
    s.pod_pence,
    s.specialised_pence,
    s.running_costs_pence,
    l.revenue_limit_pence,
    l.revenue_limit_status,
    CASE WHEN l.revenue_limit_pence > 0 AND c.ccg_allocations_pence IS NOT NULL THEN
        ROUND(100.0 * c.ccg_allocations_pence / l.revenue_limit_pence, 2)
    END AS ccg_share_percent,
    l.spending_limit_pence,
    l.outturn_pence - l.spending_limit_pence AS outturn_less_spending_limit_pence,
    l.revenue_limit_source,
    l.spending_limit_source
FROM limits AS l
LEFT JOIN ccg_sector AS c ON c.financial_year = l.financial_year
LEFT JOIN by_service AS s ON s.financial_year = l.financial_year
ORDER BY l.financial_year
