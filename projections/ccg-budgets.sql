-- ccg-budgets: each commissioner's allocation for a financial year, as known at a date, on any later year's boundaries
--
-- The commissioners are the CCGs (and, from July 2022, the ICBs) open on 1 April of the
-- boundaries' year, grouped under the parents they had that day. The allocation is what
-- was issued plus transfers in minus transfers out, with the corrections known by as_at
-- applied. A figure of an organisation that had closed by then is carried on through
-- every merger to its successor (carried_pence, carried_from), and through a split to
-- each successor by its share of the split's weights (apportioned_pence, and on a
-- commissioner's row apportioned names each split, its share and its source). Each
-- figure is cut on its own, at the split's running weights, so the parts add up to it to
-- the penny and restating never changes a total. adjustments counts, for each
-- organisation's own figures, those after the first. With compare, the same is done
-- for a second year on the same boundaries, with the change and the percentage.
-- Asked as at a day when some of a year's services were known and others not yet, the
-- view notes which came later and when (and which of those known then changed later).
--
-- columns:
--   code                the commissioner's ODS code (or the area team's, region's, england)
--   name                its name
--   area_team           its area team on the boundaries' 1 April
--   region              its region on the boundaries' 1 April
--   ccgs                how many commissioners the row adds up
--   allocation_pence    what was issued plus transfers in less transfers out, corrections
--                        applied
--   adjustments         for each organisation's own figures, how many came after the first
--   carried_pence       the part carried on from predecessors through mergers
--   carried_from        the predecessors whose figures were carried on
--   apportioned_pence   the part that came through splits, cut by the split's weights
--   apportioned         each split, its share and its source
--   boundaries          the financial year whose organisations the figures are shown on
--   compare_pence       the allocation of the compare year, on the same boundaries
--   change_pence        allocation_pence less compare_pence
--   change_percent      the change as a percentage of compare_pence
--
-- :year        <year>  financial year, e.g. 2013-14 (default: the latest year with allocations)
-- :as_at       <date>  known date: only what was known by then counts (default: today)
-- :effective   <date>  only figures about dates up to this one count; none is an error (default: the whole year)
-- :boundaries  <year>  show the figures on the organisations of this year, e.g. 2019-20 (default: the later of year and compare)
-- :compare     <year>  a second financial year to compare with, e.g. 2016-17 (default: none)
-- :region      <code>  only commissioners in this region on the boundaries' 1 April, e.g. Y55 (default: all)
-- :area_team   <code>  only commissioners in this area team on the boundaries' 1 April, e.g. Q56 (default: all)
-- :group       <text>  what one row stands for (one of: ccg, area_team, region, england; default: ccg)
WITH RECURSIVE
-- The years with commissioners' allocations and the days they became known; those known
-- by as_at are recorded, for the error that says a year asked for has none, and with
-- none at all the view notes when the first became known.
-- Not materialised: asking about one year reads only that year's rows. CROSS JOIN reads
-- allocation_days first, by its key; led by the commissioners, SQLite indexed every row
-- of it each time it asked whether any year was recorded (some 90 ms at 1M events).
first_known(year, day) AS NOT MATERIALIZED (
    SELECT d.financial_year, d.as_at
    FROM allocation_days AS d
    CROSS JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
),
recorded_years(year) AS NOT MATERIALIZED (
    SELECT year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
years_said(said) AS (
    SELECT CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
           || ' (recorded years: ' || COALESCE(group_concat(year, ', '), 'none') || ')'
    FROM (SELECT DISTINCT year FROM recorded_years ORDER BY 1)
),
params AS (
    SELECT
        COALESCE(:year, (SELECT financial_year FROM allocation_days
                  WHERE as_at <= COALESCE(:as_at, date('now'))
                  ORDER BY financial_year DESC LIMIT 1))
            AS year,
        :compare AS compare,
        COALESCE(:as_at, date('now')) AS as_at,
        :effective AS effective,
        COALESCE(:group, 'ccg') AS grouping
),
-- Each year's parts (its services; one part before the ICB era): the day the first of
-- each became known and the first day after as_at it changed. A year asked as at a day
-- when some parts were known and others not yet is only part of the year: the view
-- notes which parts were still to come and when they became known (later_parts).
parts AS (
    SELECT d.financial_year AS year, COALESCE(NULLIF(d.service, ''), '(no service)') AS part,
           MIN(d.as_at) AS first,
           MIN(CASE WHEN d.as_at > p.as_at THEN d.as_at END) AS changed,
           MAX(d.as_at) AS last, p.as_at AS asked
    FROM params AS p
    JOIN allocation_days AS d ON d.financial_year IN (p.year, p.compare)
    JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
    WHERE p.effective IS NULL OR d.effective <= p.effective
    GROUP BY 1, 2
),
partial_years(message) AS (
    SELECT later_parts(year, part, first, changed, last, asked) FROM parts GROUP BY year
),
bounds AS (
    SELECT p.*,
           COALESCE(:boundaries, MAX(p.year, COALESCE(p.compare, p.year))) AS boundaries,
           substr(COALESCE(:boundaries, MAX(p.year, COALESCE(p.compare, p.year))), 1, 4)
               || '-04-01' AS boundary_day
    FROM params AS p
    WHERE view_error(CASE
        WHEN :boundaries < p.year OR :boundaries < p.compare THEN
            'parameter boundaries: ' || :boundaries || ' is before '
            || MAX(p.year, COALESCE(p.compare, p.year)) || '; figures are restated onto a '
            || 'later year''s organisations (mergers are not undone)'
        WHEN :year IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.year = :year) THEN
            'no allocations recorded for ' || :year || (SELECT said FROM years_said)
            || COALESCE('; the first for ' || :year || ' became known on '
                        || (SELECT MIN(day) FROM first_known WHERE year = :year), '')
        WHEN :compare IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.year = :compare) THEN
            'parameter compare: no allocations recorded for ' || :compare
            || (SELECT said FROM years_said)
            || COALESCE('; the first for ' || :compare || ' became known on '
                        || (SELECT MIN(day) FROM first_known WHERE year = :compare), '')
        WHEN :effective IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM allocation_days AS d
            JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
            WHERE d.financial_year = p.year AND d.as_at <= p.as_at
              AND d.effective <= :effective) THEN
            'parameter effective: no allocation for ' || p.year || ' is about a date up to '
            || :effective || COALESCE('; the first is about ' || (
                SELECT MIN(d.effective) FROM allocation_days AS d
                JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
                WHERE d.financial_year = p.year AND d.as_at <= p.as_at), '')
        WHEN p.compare = p.year THEN
            'parameter compare: ' || p.compare || ' is the year shown; compare it with '
            || 'another year'
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
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no commissioners'' allocations were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
      AND NOT EXISTS (SELECT 1 FROM partial_years WHERE view_note(message) IS NOT NULL)
),
-- The commissioners open on the boundaries' 1 April, as known by as_at.
commissioners AS (
    SELECT o.code, o.name
    FROM organisations AS o, bounds AS b
    WHERE o.type IN ('ccg', 'icb')
      AND o.as_at <= b.as_at
      AND (o.opened IS NULL OR o.opened <= b.boundary_day)
      AND NOT EXISTS (
          SELECT 1 FROM closures AS c
          WHERE c.organisation = o.code AND c.as_at <= b.as_at AND c.effective < b.boundary_day
      )
),
-- Each organisation's parents on that day: its latest membership by then.
placed AS (
    SELECT m.organisation AS code, m.area_team, m.region,
           ROW_NUMBER() OVER (
               PARTITION BY m.organisation
               ORDER BY m.effective <= b.boundary_day DESC,
                        CASE WHEN m.effective <= b.boundary_day THEN m.effective END DESC,
                        m.effective, m.position DESC
           ) AS latest
    FROM memberships AS m, bounds AS b
    WHERE m.as_at <= b.as_at
),
-- The years' allocation changes by organisation, from allocation_days.
seeds AS (
    SELECT d.financial_year = b.year AS is_year, d.account,
           SUM(d.delta_pence) AS pence, SUM(d.versions) AS figures
    FROM bounds AS b
    JOIN allocation_days AS d ON d.financial_year IN (b.year, b.compare)
    JOIN organisations AS o ON o.code = d.account AND o.type IN ('ccg', 'icb')
    WHERE d.as_at <= b.as_at
      AND (b.effective IS NULL OR d.effective <= b.effective)
    GROUP BY 1, 2
),
known_lineage AS (
    SELECT l.*
    FROM lineage AS l, bounds AS b
    WHERE l.as_at <= b.as_at AND l.effective <= b.boundary_day
),
-- Each seed followed through the mergers and splits in force by the boundaries' 1 April.
-- A split's part is cut at its running weights, so the parts add up to the whole.
chain(is_year, origin, code, pence, figures, carried, apportioned, depth) AS (
    SELECT is_year, account, account, pence, figures, 0, NULL, 0 FROM seeds
    UNION ALL
    SELECT c.is_year, c.origin, l.successor,
           c.pence * (l.weight_before + l.weight) / l.weight_total
               - c.pence * l.weight_before / l.weight_total,
           c.figures, 1,
           CASE WHEN l.weight < l.weight_total THEN
               COALESCE(c.apportioned || '; ', '') || l.predecessor
               || printf(' %.2f%%', 100.0 * l.weight / l.weight_total)
               || printf(' (%,d of %,d %s; %s %s)', l.weight, l.weight_total, l.basis,
                         l.source, l.locator)
           ELSE c.apportioned END,
           c.depth + 1
    FROM chain AS c
    JOIN known_lineage AS l ON l.predecessor = c.code
    WHERE c.depth < 100
),
ends AS (
    SELECT c.* FROM chain AS c
    WHERE NOT EXISTS (SELECT 1 FROM known_lineage AS l WHERE l.predecessor = c.code)
),
per_code AS (
    SELECT code,
           SUM(CASE WHEN is_year THEN pence ELSE 0 END) AS allocation_pence,
           SUM(CASE WHEN is_year THEN MAX(figures - 1, 0) ELSE 0 END) AS adjustments,
           SUM(CASE WHEN is_year AND carried THEN pence ELSE 0 END) AS carried_pence,
           SUM(CASE WHEN is_year AND apportioned IS NOT NULL THEN pence ELSE 0 END)
               AS apportioned_pence,
           group_concat(CASE WHEN is_year AND carried THEN origin END, ', ') AS carried_from,
           SUM(CASE WHEN NOT is_year THEN pence ELSE 0 END) AS compare_pence
    FROM (SELECT * FROM ends ORDER BY code, origin)
    GROUP BY code
),
-- Each split a commissioner's figures came through, named once.
shares AS (
    SELECT code, group_concat(apportioned, '; ') AS apportioned
    FROM (SELECT DISTINCT code, apportioned FROM ends
          WHERE apportioned IS NOT NULL ORDER BY code, apportioned)
    GROUP BY code
),
-- The commissioners, and any organisation a figure ends at that was not open that day
-- (so that no money is left out of a total).
rows_of AS (
    SELECT code FROM commissioners
    UNION
    SELECT code FROM per_code
),
per_commissioner AS (
    SELECT r.code, o.name, pl.area_team, pl.region,
           COALESCE(pc.allocation_pence, 0) AS allocation_pence,
           COALESCE(pc.adjustments, 0) AS adjustments,
           COALESCE(pc.carried_pence, 0) AS carried_pence,
           COALESCE(pc.apportioned_pence, 0) AS apportioned_pence,
           pc.carried_from, sh.apportioned,
           COALESCE(pc.compare_pence, 0) AS compare_pence
    FROM rows_of AS r
    LEFT JOIN organisations AS o ON o.code = r.code
    LEFT JOIN placed AS pl ON pl.code = r.code AND pl.latest = 1
    LEFT JOIN per_code AS pc ON pc.code = r.code
    LEFT JOIN shares AS sh ON sh.code = r.code
    WHERE (:region IS NULL OR pl.region = :region)
      AND (:area_team IS NULL OR pl.area_team = :area_team)
),
-- The region and area team asked for that hold no commissioner by themselves, on the
-- boundaries' 1 April (each is said; two that only hold none together are not).
held_by AS (
    SELECT pl.region, pl.area_team
    FROM rows_of AS r JOIN placed AS pl ON pl.code = r.code AND pl.latest = 1
),
held_none AS (
    SELECT
        CASE WHEN NOT EXISTS (SELECT 1 FROM held_by WHERE region = :region)
             THEN ' and region ' || :region END AS region,
        CASE WHEN NOT EXISTS (SELECT 1 FROM held_by WHERE area_team = :area_team)
             THEN ' and area team ' || :area_team END AS area_team
),
grouped AS (
    SELECT
        CASE b.grouping
            WHEN 'region' THEN pc.region
            WHEN 'area_team' THEN pc.area_team
            WHEN 'england' THEN 'england'
            ELSE pc.code
        END AS code,
        b.grouping,
        pc.name AS ccg_name,
        CASE WHEN b.grouping IN ('ccg', 'area_team') THEN pc.area_team END AS area_team,
        CASE WHEN b.grouping <> 'england' THEN pc.region END AS region,
        COUNT(*) AS ccgs,
        SUM(pc.allocation_pence) AS allocation_pence,
        SUM(pc.adjustments) AS adjustments,
        SUM(pc.carried_pence) AS carried_pence,
        SUM(pc.apportioned_pence) AS apportioned_pence,
        CASE WHEN b.grouping = 'ccg' THEN pc.carried_from END AS carried_from,
        CASE WHEN b.grouping = 'ccg' THEN pc.apportioned END AS apportioned,
        SUM(pc.compare_pence) AS compare_pence
    FROM (SELECT * FROM per_commissioner ORDER BY code) AS pc, bounds AS b
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
    g.adjustments,
    g.carried_pence,
    g.carried_from,
    g.apportioned_pence,
    g.apportioned,
    b.boundaries,
    CASE WHEN b.compare IS NOT NULL THEN g.compare_pence END AS compare_pence,
    CASE WHEN b.compare IS NOT NULL THEN g.allocation_pence - g.compare_pence END
        AS change_pence,
    CASE WHEN b.compare IS NOT NULL AND g.compare_pence <> 0 THEN
        ROUND(100.0 * (g.allocation_pence - g.compare_pence) / g.compare_pence, 2)
    END AS change_percent
FROM bounds AS b
-- With no commissioner in the region or area team asked for, one row of nulls, which
-- says why there are no rows and is left out.
LEFT JOIN grouped AS g ON 1
LEFT JOIN organisations AS named ON named.code = g.code AND named.as_at <= b.as_at
WHERE g.ccgs IS NOT NULL
   OR view_note((SELECT 'no commissioner was in '
                        || substr(COALESCE(h.region, '') || COALESCE(h.area_team, ''), 6)
                        || ' on ' || b.boundary_day || ', the 1 April of ' || b.boundaries
                        || ', whose organisations are shown; -p boundaries chooses the year'
                 FROM held_none AS h WHERE COALESCE(h.region, h.area_team) IS NOT NULL))
      IS NOT NULL
ORDER BY g.region, g.area_team, g.code
