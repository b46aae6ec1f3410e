-- icb-budgets: each ICB's allocation for a financial year by service, as known at a date, beside the total its workbook reports
--
-- The ICBs are the organisations of type icb open on 1 April of the year, as known by
-- as_at, under the region they had that day. allocation_pence is the sum of the
-- allocation records of the service asked (all services when none is), as issued, plus
-- transfers, with the corrections known by as_at: every step of the baseline's
-- construction, growth and the non-recurrent additions. steps counts the allocation
-- records that make it. reported_total_pence is what the workbook itself gives as the
-- year's total for the service (the figures with measure total-allocation; with all
-- services, the sum of each service's), and difference_pence the allocation less that
-- total, over the services that have one (not_reported names the services with
-- allocations but no reported total). A service with no allocations in the year known
-- by as_at has none shown (an empty allocation_pence, not a zero), and the view notes
-- the services that have. Each cell is rounded to the penny on its own, so a
-- difference of a few pence is the sheet's rounding. On a region or England row the
-- totals are those of its ICBs added up; sheet_total_pence is the total the sheet prints
-- on its own region or England row, for the services it prints one for (sheet_services),
-- and sheet_difference_pence the ICBs' reported totals of those services less it.
-- Asked as at a day when some of a year's services were known and others not yet, the
-- view notes which came later and when (and which of those known then changed later).
--
-- columns:
--   code                the ICB's ODS code (or the region's, or england)
--   name                its name
--   region              its region on the year's 1 April
--   icbs                how many ICBs the row adds up
--   financial_year      the financial year
--   service             the service asked for, or all
--   allocation_pence    the allocation records of the service, plus transfers, corrections
--                        applied; empty when the service has none in the year
--   steps               how many allocation records make it
--   reported_total_pence  the year's total as the workbook reports it (measure
--                        total-allocation)
--   difference_pence    allocation_pence less reported_total_pence, over the services with a
--                        total
--   not_reported        the services with allocations but no reported total
--   sheet_total_pence   the total the sheet prints on its own region or England row
--   sheet_difference_pence  the ICBs' reported totals less sheet_total_pence
--   sheet_services      the services the sheet prints a region or England total for
--
-- :year     <year>  financial year, e.g. 2025-26 (default: the latest year with allocations by service)
-- :service  <text>  what the allocation pays for (one of: all, core, primary-medical-care, other-primary-care, pod, specialised, running-costs; default: all)
-- :as_at    <date>  known date: only what was known by then counts (default: today)
-- :group    <text>  what one row stands for (one of: icb, region, england; default: icb)
WITH
-- The years with allocations by service and the days they became known; those known by
-- as_at are recorded: a year asked for without any is an error, and with none at all the
-- view notes when the first became known.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT financial_year, as_at FROM allocation_days WHERE service <> ''
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT
        COALESCE(:year, (SELECT financial_year FROM allocation_days
                         WHERE service <> '' AND as_at <= COALESCE(:as_at, date('now'))
                         ORDER BY financial_year DESC LIMIT 1))
            AS year,
        COALESCE(:service, 'all') AS service,
        COALESCE(:as_at, date('now')) AS as_at,
        COALESCE(:group, 'icb') AS grouping
    WHERE view_error(CASE WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
        'no allocations by service recorded for ' || :year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
               SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
        || COALESCE('; the first for ' || :year || ' became known on '
                   || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no allocations by service were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
-- The year's parts (its services, when all are asked for): the day the first of
-- each became known and the first day after as_at it changed. A year asked as at a day
-- when some parts were known and others not yet is only part of the year: the view
-- notes which parts were still to come and when they became known (later_parts).
parts AS (
    SELECT d.financial_year AS year, COALESCE(NULLIF(d.service, ''), '(no service)') AS part,
           MIN(d.as_at) AS first,
           MIN(CASE WHEN d.as_at > p.as_at THEN d.as_at END) AS changed,
           MAX(d.as_at) AS last, p.as_at AS asked
    FROM params AS p
    JOIN allocation_days AS d ON d.financial_year = p.year AND d.service <> ''
    JOIN organisations AS o ON o.code = d.account AND o.type = 'icb'
    WHERE p.service = 'all'
    GROUP BY 1, 2
),
partial_years(message) AS (
    SELECT later_parts(year, part, first, changed, last, asked) FROM parts GROUP BY year
),
bounds AS (
    SELECT p.*, substr(p.year, 1, 4) || '-04-01' AS boundary_day FROM params AS p
),
-- The services with allocations in the year known by as_at: a service asked for without
-- any has no allocation shown (not a zero one), and the view says which services have.
year_services(service, day) AS (
    SELECT d.service, MIN(d.as_at)
    FROM bounds AS b
    JOIN allocation_days AS d ON d.financial_year = b.year AND d.service <> ''
    WHERE b.service <> 'all'
    GROUP BY d.service
),
service_missing AS (
    SELECT b.service <> 'all' AND NOT EXISTS (
        SELECT 1 FROM year_services AS y WHERE y.service = b.service AND y.day <= b.as_at
    ) AS missing
    FROM bounds AS b
),
service_said AS (
    SELECT m.missing
    FROM bounds AS b, service_missing AS m
    WHERE view_note(CASE WHEN m.missing THEN
        'no ' || b.service || ' allocations are recorded for ' || b.year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ', so none is shown; the services recorded: ' || COALESCE((
               SELECT group_concat(service, ', ') FROM (SELECT service FROM year_services
               WHERE day <= b.as_at ORDER BY service)), 'none')
        || COALESCE('; the first ' || b.service || ' allocation became known on '
                    || (SELECT day FROM year_services WHERE service = b.service), '')
    END) IS NULL
      AND NOT EXISTS (SELECT 1 FROM partial_years WHERE view_note(message) IS NOT NULL)
),
-- The ICBs open on the year's 1 April, as known by as_at.
icbs AS (
    SELECT o.code
    FROM organisations AS o, bounds AS b
    WHERE o.type = 'icb'
      AND o.as_at <= b.as_at
      AND (o.opened IS NULL OR o.opened <= b.boundary_day)
      AND NOT EXISTS (
          SELECT 1 FROM closures AS c
          WHERE c.organisation = o.code AND c.as_at <= b.as_at AND c.effective < b.boundary_day
      )
),
-- Each organisation's region on that day: its latest membership by then.
placed AS (
    SELECT m.organisation AS code, m.region,
           ROW_NUMBER() OVER (
               PARTITION BY m.organisation
               ORDER BY m.effective <= b.boundary_day DESC,
                        CASE WHEN m.effective <= b.boundary_day THEN m.effective END DESC,
                        m.effective, m.position DESC
           ) AS latest
    FROM memberships AS m, bounds AS b
    WHERE m.as_at <= b.as_at
),
-- The year's allocations of the service(s) asked, by ICB and service. CROSS JOIN reads
-- the year's rows by its key first; led by the ICBs, SQLite indexed every row each time.
allocated AS (
    SELECT d.account AS code, d.service, SUM(d.delta_pence) AS pence
    FROM bounds AS b
    CROSS JOIN allocation_days AS d
    JOIN organisations AS o ON o.code = d.account AND o.type = 'icb'
    WHERE d.financial_year = b.year AND d.as_at <= b.as_at
      AND (b.service = 'all' OR d.service = b.service)
    GROUP BY 1, 2
),
-- The accounts a row can show: the ICBs, the regions and the ICB sector (whose totals
-- are the sheets' own).
shown_accounts(code) AS (
    SELECT code FROM organisations WHERE type = 'icb'
    UNION SELECT region FROM memberships
    UNION SELECT 'icb-sector'
),
-- The versions valid at as_at of their allocations and reported totals. CROSS JOIN reads
-- each account's postings by its key; led by the year, SQLite read every account's.
live AS (
    SELECT x.account, COALESCE(x.service, '') AS service, x.measure, x.record_id,
           x.amount_pence, x.precedence
    FROM bounds AS b
    CROSS JOIN shown_accounts AS a
    CROSS JOIN postings AS x
    WHERE x.account = a.code
      AND x.measure IN ('allocation', 'total-allocation')
      AND x.financial_year = b.year
      AND x.as_at <= b.as_at
      AND (x.valid_to IS NULL OR x.valid_to > b.as_at)
      AND x.is_void = 0
      AND (b.service = 'all' OR x.service = b.service)
),
counted AS (
    SELECT account AS code, service, COUNT(DISTINCT record_id) AS steps
    FROM live WHERE measure = 'allocation'
    GROUP BY 1, 2
),
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
reported AS (
    SELECT account AS code, service, amount_pence, MAX(precedence)
    FROM live WHERE measure = 'total-allocation'
    GROUP BY account, service
),
keys AS (
    SELECT code, service FROM allocated
    UNION SELECT code, service FROM counted
    UNION SELECT code, service FROM reported
),
-- Each ICB's allocation, steps and reported total by service.
per_service AS (
    SELECT k.code, k.service,
           COALESCE(a.pence, 0) AS pence,
           COALESCE(c.steps, 0) AS steps,
           r.amount_pence AS reported_pence
    FROM keys AS k
    JOIN organisations AS o ON o.code = k.code AND o.type = 'icb'
    LEFT JOIN allocated AS a ON a.code = k.code AND a.service = k.service
    LEFT JOIN counted AS c ON c.code = k.code AND c.service = k.service
    LEFT JOIN reported AS r ON r.code = k.code AND r.service = k.service
),
-- The ICBs, and any ICB with figures for the year that was not open that day (so that no
-- money is left out of a total), each with the code of the row it counts in.
rows_of AS (
    SELECT i.code, pl.region,
           CASE b.grouping
               WHEN 'region' THEN pl.region
               WHEN 'england' THEN 'england'
               ELSE i.code
           END AS row_code
    FROM (SELECT code FROM icbs UNION SELECT code FROM per_service) AS i
    CROSS JOIN bounds AS b
    LEFT JOIN placed AS pl ON pl.code = i.code AND pl.latest = 1
),
grouped AS (
    SELECT r.row_code AS code,
           MAX(r.region) AS region,
           COUNT(DISTINCT r.code) AS icbs,
           MAX(r.code) AS only_code,
           COALESCE(SUM(ps.pence), 0) AS allocation_pence,
           COALESCE(SUM(ps.steps), 0) AS steps,
           SUM(ps.reported_pence) AS reported_total_pence,
           SUM(ps.pence - ps.reported_pence) AS difference_pence
    FROM rows_of AS r
    LEFT JOIN per_service AS ps ON ps.code = r.code
    GROUP BY r.row_code
),
-- The services with allocations but no reported total: on a region or England row, with
-- how many of its ICBs.
unreported AS (
    SELECT code, group_concat(said, ', ') AS not_reported
    FROM (
        SELECT r.row_code AS code,
               CASE WHEN b.grouping = 'icb' THEN ps.service
                    ELSE ps.service || ' (' || COUNT(*)
                         || CASE WHEN COUNT(*) = 1 THEN ' ICB)' ELSE ' ICBs)' END END AS said
        FROM per_service AS ps
        JOIN rows_of AS r ON r.code = ps.code
        CROSS JOIN bounds AS b
        WHERE ps.reported_pence IS NULL AND ps.pence <> 0 AND ps.service <> ''
        GROUP BY r.row_code, ps.service
        ORDER BY r.row_code, ps.service
    )
    GROUP BY code
),
-- The totals the sheets print on their own region and England rows, for the services
-- they print one for, beside the ICBs' reported totals of those services.
sheet_rows AS (
    SELECT CASE WHEN code = 'icb-sector' THEN 'england' ELSE code END AS code,
           service, amount_pence
    FROM reported
    WHERE code = 'icb-sector' OR code IN (SELECT region FROM placed)
),
icbs_reported AS (
    SELECT r.row_code AS code, ps.service, SUM(ps.reported_pence) AS pence
    FROM per_service AS ps
    JOIN rows_of AS r ON r.code = ps.code
    WHERE ps.reported_pence IS NOT NULL
    GROUP BY r.row_code, ps.service
),
sheet_totals AS (
    SELECT s.code, SUM(s.amount_pence) AS sheet_total_pence,
           SUM(i.pence - s.amount_pence) AS sheet_difference_pence,
           group_concat(s.service, ', ') AS sheet_services
    FROM (SELECT * FROM sheet_rows ORDER BY code, service) AS s
    JOIN icbs_reported AS i ON i.code = s.code AND i.service = s.service
    GROUP BY s.code
)
SELECT
    g.code,
    CASE b.grouping
        WHEN 'icb' THEN named.name
        WHEN 'england' THEN 'England'
        ELSE COALESCE(named.name, '(not recorded)')
    END AS name,
    CASE WHEN b.grouping <> 'england' THEN g.region END AS region,
    g.icbs,
    b.year AS financial_year,
    b.service,
    CASE WHEN NOT sv.missing THEN g.allocation_pence END AS allocation_pence,
    g.steps,
    g.reported_total_pence,
    g.difference_pence,
    u.not_reported,
    CASE WHEN b.grouping <> 'icb' THEN st.sheet_total_pence END AS sheet_total_pence,
    CASE WHEN b.grouping <> 'icb' THEN st.sheet_difference_pence END AS sheet_difference_pence,
    CASE WHEN b.grouping <> 'icb' THEN st.sheet_services END AS sheet_services
FROM grouped AS g
CROSS JOIN bounds AS b
CROSS JOIN service_said AS sv
LEFT JOIN organisations AS named ON named.code = g.code AND named.as_at <= b.as_at
LEFT JOIN unreported AS u ON u.code = g.code
LEFT JOIN sheet_totals AS st ON st.code = g.code
ORDER BY g.region, g.code
