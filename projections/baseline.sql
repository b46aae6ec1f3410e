-- baseline: each CCG's allocation at a named baseline, and how it has moved since
--
-- A baseline is a named pair of dates (a baseline record): figures about dates up to
-- its effective date, as known at its known date. september-2013 is the allocations as
-- they stood at 30 September 2013, the base for the allocations of later years.
-- baseline_pence is ccg-budgets at those dates; known_now_pence counts what is known by
-- as_at about the same dates, and change_pence is the difference. As at a date before the
-- baseline's known date, the baseline holds only what was known by as_at (the rest was
-- not known yet), and the view notes when its figures became known.
--
-- columns:
--   code                the CCG's ODS code
--   name                the CCG's name
--   area_team           its area team
--   region              its region
--   baseline            the baseline's name
--   baseline_pence      the CCG's allocation at the baseline (ccg-budgets at its dates)
--   adjustments         how many of its figures came after the first, at the baseline
--   known_now_pence     the same allocation with what is known by as_at
--   change_pence        known_now_pence less baseline_pence
--
-- :name       <slug>  the baseline (default: september-2013)
-- :as_at      <date>  known date to compare with (default: today)
-- :region     <code>  only CCGs in this region, e.g. Y55 (default: all)
-- :area_team  <code>  only CCGs in this area team, e.g. Q56 (default: all)
WITH params AS (
    SELECT b.name, b.financial_year AS year, b.effective,
           MIN(b.known, COALESCE(:as_at, date('now'))) AS known, b.known AS named_known,
           COALESCE(:as_at, date('now')) AS as_at,
           substr(b.financial_year, 1, 4) || '-04-01' AS first_day
    FROM baselines AS b
    WHERE b.name = COALESCE(:name, 'september-2013')
      AND b.as_at <= COALESCE(:as_at, date('now'))
      AND view_error(CASE
        WHEN :region IS NOT NULL AND :region NOT IN (
            SELECT code FROM organisations WHERE type = 'region') THEN
            'parameter region: no region ' || :region || ' is recorded ' || COALESCE(
                '(did you mean ' || (SELECT code FROM organisations WHERE type = 'region'
                                     AND lower(code) = lower(:region)) || '?)',
                '(regions: ' || (SELECT group_concat(code, ', ') FROM (
                    SELECT code FROM organisations WHERE type = 'region' ORDER BY code))
                || ')')
        WHEN :area_team IS NOT NULL AND :area_team NOT IN (
            SELECT code FROM organisations WHERE type = 'area-team') THEN
            'parameter area_team: no area team ' || :area_team || ' is recorded ' || COALESCE(
                '(did you mean ' || (SELECT code FROM organisations WHERE type = 'area-team'
                                     AND lower(code) = lower(:area_team)) || '?)',
                '(area teams: ' || (SELECT group_concat(code, ', ') FROM (
                    SELECT code FROM organisations WHERE type = 'area-team' ORDER BY code))
                || ')')
      END) IS NULL
),
open_ccgs AS (
    SELECT o.code, o.name, o.area_team, o.region
    FROM organisations AS o, params AS p
    WHERE o.type = 'ccg'
      AND o.as_at <= p.known
      AND (o.opened IS NULL OR o.opened <= p.effective)
      AND NOT EXISTS (
          SELECT 1 FROM closures AS c
          WHERE c.organisation = o.code AND c.as_at <= p.known AND c.effective < p.first_day
      )
),
ccgs AS (
    SELECT * FROM open_ccgs
    WHERE (:region IS NULL OR region = :region)
      AND (:area_team IS NULL OR area_team = :area_team)
),
-- The region and area team asked for that hold no CCG of the baseline by themselves
-- (each is said; two that only hold none together are not).
held_none AS (
    SELECT
        CASE WHEN NOT EXISTS (SELECT 1 FROM open_ccgs WHERE region = :region)
             THEN ' and region ' || :region END AS region,
        CASE WHEN NOT EXISTS (SELECT 1 FROM open_ccgs WHERE area_team = :area_team)
             THEN ' and area team ' || :area_team END AS area_team
),
-- A baseline that is not recorded (by as_at) is an error naming those that are; one
-- whose figures were not all known by as_at says so.
found AS (
    SELECT 1 AS found
    WHERE view_note((SELECT 'baseline ' || name || ' is the figures known on ' || named_known
                            || '; as at ' || as_at || ' only what was known by then counts'
                     FROM params WHERE as_at < named_known)) IS NULL
      AND view_note((SELECT 'no CCG of baseline ' || p.name || ' was in '
                            || substr(COALESCE(h.region, '') || COALESCE(h.area_team, ''), 6)
                            || '; each CCG is in the region and area team it was recorded in'
                     FROM params AS p, held_none AS h
                     WHERE COALESCE(h.region, h.area_team) IS NOT NULL)) IS NULL
      AND view_error(CASE WHEN NOT EXISTS (SELECT 1 FROM params) THEN
        'no baseline ' || COALESCE(:name, 'september-2013') || ' is recorded'
        || CASE WHEN :as_at IS NOT NULL THEN ' by ' || :as_at ELSE '' END
        || ' (baselines: ' || COALESCE((SELECT group_concat(name, ', ') FROM (
               SELECT name FROM baselines WHERE as_at <= COALESCE(:as_at, date('now'))
               ORDER BY name)), 'none') || ')'
    END) IS NULL
),
-- The year's allocation changes, summed by the day they became known (allocation_days).
by_account AS (
    SELECT d.account,
           SUM(CASE WHEN d.as_at <= p.known THEN d.delta_pence END) AS baseline_pence,
           SUM(CASE WHEN d.as_at <= p.known THEN d.versions END) AS figures,
           SUM(CASE WHEN d.as_at <= p.as_at THEN d.delta_pence END) AS known_now_pence
    FROM params AS p
    JOIN allocation_days AS d ON d.financial_year = (SELECT year FROM params)
    WHERE d.effective <= p.effective
      AND d.as_at <= MAX(p.known, p.as_at)
    GROUP BY d.account
)
SELECT
    c.code,
    c.name,
    c.area_team,
    c.region,
    p.name AS baseline,
    COALESCE(a.baseline_pence, 0) AS baseline_pence,
    MAX(COALESCE(a.figures, 0) - 1, 0) AS adjustments,
    COALESCE(a.known_now_pence, 0) AS known_now_pence,
    COALESCE(a.known_now_pence, 0) - COALESCE(a.baseline_pence, 0) AS change_pence
FROM found
CROSS JOIN ccgs AS c
CROSS JOIN params AS p
LEFT JOIN by_account AS a ON a.account = c.code
ORDER BY c.region, c.area_team, c.code
