-- specialised-delegation: specialised services delegated to ICBs (2025-26): each ICB's baselines, growth and allocation, and what the workbooks show moved from NHS England
--
-- From April 2025 NHS England delegated specialised services budgets to ICBs. For each
-- ICB open on the year's 1 April (or, grouped, each region or England), from the figures
-- the specialised sheets report (service specialised, the latest version of each known
-- by as_at): the baselines, allocations, growth and totals of the columns below.
--
-- What moved from NHS England: moved_to_icbs_pence is the specialised allocation the ICBs
-- received, the ICB side. transferred_from_pence is the part of it recorded as a transfer
-- naming the budget it came from; the workbooks name none, so nhs_england_side says
-- what the ledger can and cannot show rather than invent a counterparty.
-- Money on a region or England row is its ICBs' added up; the percentages are those the
-- sheet prints on the region's or England's own row.
--
-- columns:
--   code                the ICB's ODS code (or the region's, or england)
--   name                its name
--   region              its region on the year's 1 April
--   icbs                how many ICBs the row adds up
--   financial_year      the financial year
--   physical_health_baseline_pence  physical-health services adjusted recurrent baseline (measure
--                        physical-health-baseline)
--   high_cost_drugs_baseline_pence  high-cost drugs baseline (high-cost-drugs-baseline)
--   high_cost_devices_baseline_pence  high-cost devices baseline (high-cost-devices-baseline)
--   physical_health_hcdd_baseline_pence  physical health and HCDD baseline (physical-health-hcdd-baseline)
--   delegated_mh_baseline_pence  delegated mental health baseline (delegated-mh-baseline, or
--                        physical-health-mh-baseline less physical-health-baseline)
--   physical_health_hcdd_allocation_pence  the physical health and HCDD recurrent allocation
--                        (physical-health-hcdd-recurrent-allocation)
--   hcdd_allocation_pence  its HCDD part, which the sheet leaves out of the specialised total
--                        (hcdd-allocation)
--   physical_health_allocation_pence  physical-health-recurrent-allocation
--   delegated_mh_allocation_pence  delegated-mh-allocation
--   growth_pence        physical-health growth and convergence plus delegated mental-health
--                        growth: each allocation less its baseline
--   base_growth_percent  base growth, as the sheet prints it on the row's own line
--   convergence_percent  convergence, as the sheet prints it on the row's own line
--   reported_total_pence  the year's specialised allocation as the sheet totals it
--                        (total-allocation)
--   specialised_allocation_pence  the sum of the specialised allocation records, as
--                        icb-budgets counts it
--   moved_to_icbs_pence  the specialised allocation the ICBs received (the ICB side)
--   transferred_from_pence  the part of it recorded as a transfer naming the budget it came
--                        from
--   nhs_england_side    what the ledger can and cannot show of NHS England's side
--
-- :year   <year>  financial year, e.g. 2025-26 (default: 2025-26, the first year of delegation)
-- :as_at  <date>  known date: only what was known by then counts (default: today)
-- :group  <text>  what one row stands for (one of: icb, region, england; default: icb)
WITH
-- The years with specialised figures and the days they became known; those known by
-- as_at are recorded: a year asked for without any is an error, and with none at all the
-- view notes when the first became known.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT financial_year, as_at FROM postings
    WHERE kind = 'figure' AND service = 'specialised'
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT COALESCE(:year, '2025-26') AS year,
           COALESCE(:as_at, date('now')) AS as_at,
           COALESCE(:group, 'icb') AS grouping
    WHERE view_error(CASE WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
        'no specialised figures recorded for ' || :year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
               SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
        || COALESCE('; the first for ' || :year || ' became known on '
                   || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no specialised figures were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
bounds AS (
    SELECT p.*, substr(p.year, 1, 4) || '-04-01' AS boundary_day FROM params AS p
),
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
-- The versions of the specialised sheets' figures valid at as_at.
live AS (
    SELECT x.*
    FROM postings AS x, bounds AS b
    WHERE x.kind = 'figure'
      AND x.service = 'specialised'
      AND x.measure IN (
          'physical-health-baseline', 'high-cost-drugs-baseline', 'high-cost-devices-baseline',
          'physical-health-hcdd-baseline', 'delegated-mh-baseline',
          'physical-health-mh-baseline', 'physical-health-hcdd-recurrent-allocation',
          'hcdd-allocation', 'physical-health-recurrent-allocation', 'delegated-mh-allocation',
          'total-allocation', 'base-growth-percent', 'convergence-percent')
      AND x.financial_year = b.year
      AND x.as_at <= b.as_at
      AND (x.valid_to IS NULL OR x.valid_to > b.as_at)
      AND x.is_void = 0
),
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
-- A sheet's percentage is a binary fraction whose last digits are rounding noise
-- (0.052799999999999944 for 5.28%): it is shown to 12 decimal places, trailing zeros
-- dropped: the digits a spreadsheet holds stay, the noise goes.
latest AS (
    SELECT account, measure, amount_pence,
           CASE WHEN ROUND(percent, 12) <> 0
                THEN rtrim(rtrim(printf('%.12f', percent), '0'), '.')
                WHEN percent IS NOT NULL THEN '0' END AS percent,
           MAX(precedence)
    FROM live GROUP BY account, measure
),
pivot AS (
    SELECT account AS code,
           MAX(CASE WHEN measure = 'physical-health-baseline' THEN amount_pence END) AS ph,
           MAX(CASE WHEN measure = 'high-cost-drugs-baseline' THEN amount_pence END) AS drugs,
           MAX(CASE WHEN measure = 'high-cost-devices-baseline' THEN amount_pence END)
               AS devices,
           MAX(CASE WHEN measure = 'physical-health-hcdd-baseline' THEN amount_pence END)
               AS ph_hcdd,
           MAX(CASE WHEN measure = 'delegated-mh-baseline' THEN amount_pence END) AS mh,
           MAX(CASE WHEN measure = 'physical-health-mh-baseline' THEN amount_pence END)
               AS ph_mh,
           MAX(CASE WHEN measure = 'physical-health-hcdd-recurrent-allocation'
                    THEN amount_pence END) AS ph_hcdd_allocation,
           MAX(CASE WHEN measure = 'hcdd-allocation' THEN amount_pence END) AS hcdd_allocation,
           MAX(CASE WHEN measure = 'physical-health-recurrent-allocation' THEN amount_pence END)
               AS ph_allocation,
           MAX(CASE WHEN measure = 'delegated-mh-allocation' THEN amount_pence END)
               AS mh_allocation,
           MAX(CASE WHEN measure = 'total-allocation' THEN amount_pence END) AS total,
           MAX(CASE WHEN measure = 'base-growth-percent' THEN percent END)
               AS base_growth_percent,
           MAX(CASE WHEN measure = 'convergence-percent' THEN percent END)
               AS convergence_percent
    FROM latest GROUP BY account
),
figures AS (
    SELECT code, base_growth_percent, convergence_percent,
           ph AS physical_health_baseline_pence,
           drugs AS high_cost_drugs_baseline_pence,
           devices AS high_cost_devices_baseline_pence,
           ph_hcdd AS physical_health_hcdd_baseline_pence,
           COALESCE(mh, ph_mh - ph) AS delegated_mh_baseline_pence,
           ph_hcdd_allocation AS physical_health_hcdd_allocation_pence,
           hcdd_allocation AS hcdd_allocation_pence,
           ph_allocation AS physical_health_allocation_pence,
           mh_allocation AS delegated_mh_allocation_pence,
           (ph_allocation - ph) + (mh_allocation - COALESCE(mh, ph_mh - ph)) AS growth_pence,
           total AS reported_total_pence
    FROM pivot
),
-- The ICBs' specialised allocation records, and the transfers among them that name where
-- the money came from. CROSS JOIN reads each ICB's postings by its key; led by the year,
-- SQLite read every account's allocations of the year.
allocated AS (
    SELECT x.account AS code,
           SUM(x.amount_pence) AS specialised_allocation_pence,
           SUM(CASE WHEN x.kind = 'transfer' AND x.side = 'to' THEN x.amount_pence ELSE 0 END)
               AS transferred_from_pence,
           group_concat(DISTINCT CASE WHEN x.kind = 'transfer' AND x.side = 'to'
                                      THEN x.counterparty END) AS transferred_from
    FROM bounds AS b
    CROSS JOIN organisations AS o
    CROSS JOIN postings AS x
    WHERE o.type = 'icb'
      AND x.account = o.code
      AND x.measure = 'allocation'
      AND x.service = 'specialised'
      AND x.financial_year = b.year
      AND x.as_at <= b.as_at
      AND (x.valid_to IS NULL OR x.valid_to > b.as_at)
      AND x.is_void = 0
    GROUP BY x.account
),
rows_of AS (
    SELECT code FROM icbs
    UNION
    SELECT a.code FROM allocated AS a
    JOIN organisations AS o ON o.code = a.code AND o.type = 'icb'
),
per_icb AS (
    SELECT r.code, o.name, pl.region, f.*,
           COALESCE(a.specialised_allocation_pence, 0) AS specialised_allocation_pence,
           COALESCE(a.transferred_from_pence, 0) AS transferred_from_pence,
           a.transferred_from
    FROM rows_of AS r
    LEFT JOIN organisations AS o ON o.code = r.code
    LEFT JOIN placed AS pl ON pl.code = r.code AND pl.latest = 1
    LEFT JOIN figures AS f ON f.code = r.code
    LEFT JOIN allocated AS a ON a.code = r.code
),
grouped AS (
    SELECT
        CASE b.grouping
            WHEN 'region' THEN pi.region
            WHEN 'england' THEN 'england'
            ELSE pi.code
        END AS code,
        b.grouping,
        pi.name AS icb_name,
        CASE WHEN b.grouping <> 'england' THEN pi.region END AS region,
        COUNT(*) AS icbs,
        SUM(pi.physical_health_baseline_pence) AS physical_health_baseline_pence,
        SUM(pi.high_cost_drugs_baseline_pence) AS high_cost_drugs_baseline_pence,
        SUM(pi.high_cost_devices_baseline_pence) AS high_cost_devices_baseline_pence,
        SUM(pi.physical_health_hcdd_baseline_pence) AS physical_health_hcdd_baseline_pence,
        SUM(pi.delegated_mh_baseline_pence) AS delegated_mh_baseline_pence,
        SUM(pi.physical_health_hcdd_allocation_pence) AS physical_health_hcdd_allocation_pence,
        SUM(pi.hcdd_allocation_pence) AS hcdd_allocation_pence,
        SUM(pi.physical_health_allocation_pence) AS physical_health_allocation_pence,
        SUM(pi.delegated_mh_allocation_pence) AS delegated_mh_allocation_pence,
        SUM(pi.growth_pence) AS growth_pence,
        SUM(pi.reported_total_pence) AS reported_total_pence,
        SUM(pi.specialised_allocation_pence) AS specialised_allocation_pence,
        SUM(pi.transferred_from_pence) AS transferred_from_pence,
        group_concat(pi.transferred_from) AS transferred_from
    FROM (SELECT * FROM per_icb ORDER BY code) AS pi, bounds AS b
    GROUP BY 1
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
    g.physical_health_baseline_pence,
    g.high_cost_drugs_baseline_pence,
    g.high_cost_devices_baseline_pence,
    g.physical_health_hcdd_baseline_pence,
    g.delegated_mh_baseline_pence,
    g.physical_health_hcdd_allocation_pence,
    g.hcdd_allocation_pence,
    g.physical_health_allocation_pence,
    g.delegated_mh_allocation_pence,
    g.growth_pence,
    own.base_growth_percent,
    own.convergence_percent,
    g.reported_total_pence,
    g.specialised_allocation_pence,
    g.specialised_allocation_pence AS moved_to_icbs_pence,
    g.transferred_from_pence,
    CASE
        WHEN g.specialised_allocation_pence = 0 THEN 'no specialised allocation recorded'
        WHEN g.transferred_from_pence = 0 THEN
            'ICB side only: the workbooks do not name the NHS England budget it came from, '
            || 'so no transfer from NHS England is recorded'
        WHEN g.transferred_from_pence = g.specialised_allocation_pence THEN
            'all recorded as transfers from ' || g.transferred_from
        ELSE 'partly recorded as transfers from ' || g.transferred_from
            || '; the rest ICB side only (no counterparty named)'
    END AS nhs_england_side
FROM grouped AS g
CROSS JOIN bounds AS b
LEFT JOIN organisations AS named ON named.code = g.code AND named.as_at <= b.as_at
LEFT JOIN figures AS own
    ON own.code = CASE WHEN g.grouping = 'england' THEN 'icb-sector' ELSE g.code END
ORDER BY g.region, g.code
