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
-- allocations but no reported total). Each cell is rounded to the penny on its own, so a
-- difference of a few pence is the sheet's rounding. On a region or England row the
-- totals are those of its ICBs added up, and sheet_total_pence is the total the sheet
-- prints on its own region or England row.
--
-- :year     <year>  financial year, e.g. 2025-26 (default: the latest year with allocations by service)
-- :service  <text>  what the allocation pays for (one of: all, core, primary-medical-care, other-primary-care, pod, specialised, running-costs; default: all)
-- :as_at    <date>  known date: only what was known by then counts (default: today)
-- :group    <text>  what one row stands for (one of: icb, region, england; default: icb)
WITH params AS (
    SELECT
        COALESCE(:year, (SELECT financial_year FROM allocation_days
                         WHERE service <> '' AND as_at <= COALESCE(:as_at, date('now'))
                         ORDER BY financial_year DESC LIMIT 1))
            AS year,
        COALESCE(:service, 'all') AS service,
        COALESCE(:as_at, date('now')) AS as_at,
        COALESCE(:group, 'icb') AS grouping
),
bounds AS (
    SELECT p.*, substr(p.year, 1, 4) || '-04-01' AS boundary_day FROM params AS p
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
-- The year's allocations of the service(s) asked, by ICB and service.
allocated AS (
    SELECT d.account AS code, d.service, SUM(d.delta_pence) AS pence
    FROM allocation_days AS d
    CROSS JOIN bounds AS b
    JOIN organisations AS o ON o.code = d.account AND o.type = 'icb'
    WHERE d.financial_year = b.year AND d.as_at <= b.as_at
      AND (b.service = 'all' OR d.service = b.service)
    GROUP BY 1, 2
),
-- The versions valid at as_at of the allocations and of the reported totals.
live AS (
    SELECT x.account, COALESCE(x.service, '') AS service, x.measure, x.record_id,
           x.amount_pence, x.precedence
    FROM postings AS x, bounds AS b
    WHERE x.measure IN ('allocation', 'total-allocation')
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
per_icb AS (
    SELECT k.code,
           SUM(COALESCE(a.pence, 0)) AS allocation_pence,
           SUM(COALESCE(c.steps, 0)) AS steps,
           SUM(r.amount_pence) AS reported_total_pence,
           SUM(CASE WHEN r.amount_pence IS NOT NULL THEN COALESCE(a.pence, 0) - r.amount_pence
               END) AS difference_pence,
           group_concat(CASE WHEN r.amount_pence IS NULL AND a.pence IS NOT NULL
                        THEN NULLIF(k.service, '') END, ', ') AS not_reported
    FROM (SELECT * FROM keys ORDER BY code, service) AS k
    JOIN organisations AS o ON o.code = k.code AND o.type = 'icb'
    LEFT JOIN allocated AS a ON a.code = k.code AND a.service = k.service
    LEFT JOIN counted AS c ON c.code = k.code AND c.service = k.service
    LEFT JOIN reported AS r ON r.code = k.code AND r.service = k.service
    GROUP BY k.code
),
-- The ICBs, and any ICB with figures for the year that was not open that day (so that no
-- money is left out of a total).
rows_of AS (
    SELECT code FROM icbs
    UNION
    SELECT code FROM per_icb
),
per_row AS (
    SELECT r.code, o.name, pl.region,
           COALESCE(pi.allocation_pence, 0) AS allocation_pence,
           COALESCE(pi.steps, 0) AS steps,
           pi.reported_total_pence, pi.difference_pence, pi.not_reported
    FROM rows_of AS r
    LEFT JOIN organisations AS o ON o.code = r.code
    LEFT JOIN placed AS pl ON pl.code = r.code AND pl.latest = 1
    LEFT JOIN per_icb AS pi ON pi.code = r.code
),
grouped AS (
    SELECT
        CASE b.grouping
            WHEN 'region' THEN pr.region
            WHEN 'england' THEN 'england'
            ELSE pr.code
        END AS code,
        b.grouping,
        pr.name AS icb_name,
        CASE WHEN b.grouping <> 'england' THEN pr.region END AS region,
        COUNT(*) AS icbs,
        SUM(pr.allocation_pence) AS allocation_pence,
        SUM(pr.steps) AS steps,
        SUM(pr.reported_total_pence) AS reported_total_pence,
        SUM(pr.difference_pence) AS difference_pence,
        group_concat(CASE WHEN pr.not_reported IS NOT NULL THEN
                     CASE WHEN b.grouping = 'icb' THEN pr.not_reported
                          ELSE pr.code || ' ' || pr.not_reported END
                     END, '; ') AS not_reported
    FROM (SELECT * FROM per_row ORDER BY code) AS pr, bounds AS b
    GROUP BY 1
),
-- The totals the sheets print on their own region and England rows.
sheet_totals AS (
    SELECT x.account AS code, SUM(x.amount_pence) AS pence
    FROM (SELECT account, service, amount_pence, MAX(precedence)
          FROM live WHERE measure = 'total-allocation'
          GROUP BY account, service) AS x
    GROUP BY x.account
)
SELECT
    g.code,
    CASE g.grouping
        WHEN 'icb' THEN g.icb_name
        WHEN 'england' THEN 'England'
        ELSE COALESCE(named.name, '(not recorded)')
    END AS name,
    g.region,
    g.icbs,
    b.year AS financial_year,
    b.service,
    g.allocation_pence,
    g.steps,
    g.reported_total_pence,
    g.difference_pence,
    g.not_reported,
    CASE WHEN g.grouping <> 'icb' THEN st.pence END AS sheet_total_pence
FROM grouped AS g
CROSS JOIN bounds AS b
LEFT JOIN organisations AS named ON named.code = g.code AND named.as_at <= b.as_at
LEFT JOIN sheet_totals AS st
    ON st.code = CASE WHEN g.grouping = 'england' THEN 'icb-sector' ELSE g.code END
ORDER BY g.region, g.code
