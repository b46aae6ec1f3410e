-- ccg-budgets: each CCG's allocation for a financial year, as known at a date
--
-- The allocation is what was issued plus transfers in minus transfers out, with the
-- corrections known by as_at applied. adjustments counts the figures after the first
-- (later allocations, transfers and corrections). CCGs are those open in the year; once a
-- merger is known, its predecessors' figures from the merger date on count to the new CCG.
--
-- :year       <year>  financial year, e.g. 2013-14 (default: the latest year with allocations)
-- :as_at      <date>  known date: only what was known by then counts (default: today)
-- :effective  <date>  only figures about dates up to this one count (default: the whole year)
-- :region     <code>  only CCGs in this region, e.g. Y55 (default: all)
-- :area_team  <code>  only CCGs in this area team, e.g. Q56 (default: all)
-- :group      <text>  what one row stands for (one of: ccg, area_team, region, england; default: ccg)
WITH params AS (
    SELECT
        COALESCE(:year, (SELECT financial_year FROM allocation_days
                  WHERE as_at <= COALESCE(:as_at, date('now'))
                  ORDER BY financial_year DESC LIMIT 1))
            AS year,
        COALESCE(:as_at, date('now')) AS as_at,
        :effective AS effective,
        COALESCE(:group, 'ccg') AS grouping
),
year_dates AS (
    SELECT substr(year, 1, 4) || '-04-01' AS first_day,
           (CAST(substr(year, 1, 4) AS INTEGER) + 1) || '-03-31' AS last_day
    FROM params
),
ccgs AS (
    SELECT o.code, o.name, o.area_team, o.region
    FROM organisations AS o, params AS p, year_dates AS y
    WHERE o.type = 'ccg'
      AND o.as_at <= p.as_at
      AND (o.opened IS NULL OR o.opened <= y.last_day)
      AND NOT EXISTS (
          SELECT 1 FROM closures AS c
          WHERE c.organisation = o.code AND c.as_at <= p.as_at AND c.effective < y.first_day
      )
      AND (:region IS NULL OR o.region = :region)
      AND (:area_team IS NULL OR o.area_team = :area_team)
),
-- The year's allocation changes, summed by the day they became known (allocation_days).
year_postings AS (
    SELECT d.account, d.effective, d.delta_pence, d.versions
    FROM params AS p
    JOIN allocation_days AS d ON d.financial_year = (SELECT year FROM params)
    WHERE d.as_at <= p.as_at
      AND (p.effective IS NULL OR d.effective <= p.effective)
),
-- Once a merger is known, a predecessor's figures about dates from the merger on belong
-- to the new CCG. Only the few merged CCGs are split by date; the others are summed in
-- the order the index already holds them.
known_mergers AS (
    SELECT m.predecessor, m.successor, m.effective
    FROM mergers AS m, params AS p
    WHERE m.as_at <= p.as_at
),
movements AS (
    SELECT y.account AS ccg, SUM(y.delta_pence) AS allocation_pence, SUM(y.versions) AS figures
    FROM year_postings AS y
    WHERE y.account NOT IN (SELECT predecessor FROM known_mergers)
    GROUP BY y.account
    UNION ALL
    SELECT CASE WHEN y.effective >= k.effective THEN k.successor ELSE y.account END,
           SUM(y.delta_pence), SUM(y.versions)
    FROM year_postings AS y
    JOIN known_mergers AS k ON k.predecessor = y.account
    GROUP BY 1
),
per_ccg AS (
    SELECT c.code, c.name, c.area_team, c.region,
           COALESCE(mv.allocation_pence, 0) AS allocation_pence,
           MAX(COALESCE(mv.figures, 0) - 1, 0) AS adjustments
    FROM ccgs AS c
    LEFT JOIN (SELECT ccg, SUM(allocation_pence) AS allocation_pence, SUM(figures) AS figures
               FROM movements GROUP BY ccg) AS mv ON mv.ccg = c.code
),
grouped AS (
    SELECT
        CASE p.grouping
            WHEN 'region' THEN pc.region
            WHEN 'area_team' THEN pc.area_team
            WHEN 'england' THEN 'england'
            ELSE pc.code
        END AS code,
        p.grouping,
        pc.name AS ccg_name,
        CASE WHEN p.grouping IN ('ccg', 'area_team') THEN pc.area_team END AS area_team,
        CASE WHEN p.grouping <> 'england' THEN pc.region END AS region,
        COUNT(*) AS ccgs,
        SUM(pc.allocation_pence) AS allocation_pence,
        SUM(pc.adjustments) AS adjustments
    FROM per_ccg AS pc, params AS p
    GROUP BY 1
)
SELECT
    g.code,
    CASE g.grouping
        WHEN 'ccg' THEN g.ccg_name
        WHEN 'england' THEN 'England'
        ELSE COALESCE(named.name, '(not recorded)')
    END AS name,
    g.area_team,
    g.region,
    g.ccgs,
    g.allocation_pence,
    g.adjustments
FROM grouped AS g
CROSS JOIN params AS p
LEFT JOIN organisations AS named ON named.code = g.code AND named.as_at <= p.as_at
ORDER BY g.region, g.area_team, g.code
