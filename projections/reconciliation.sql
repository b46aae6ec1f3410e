-- reconciliation: reported totals beside the components they should add up to
--
-- Each reported figure for the year, known by as_at, that names its components (or
-- should equal the sum of its members' figures of the same measure): its value, the sum
-- of its components as known at as_at (a component written '-id' is subtracted), the
-- residual (reported less components) and a status (the values are listed below).
-- Amounts are in the *_pence columns, counts in the *_count columns.
--
-- columns:
--   figure              the reported figure's record id
--   account             the organisation it is about
--   measure             what it measures
--   unit                gbp or count
--   reported_pence      the figure's value, in money
--   components_pence    the sum of its components known by as_at
--   residual_pence      reported less components
--   tolerance_pence     the residual the figure's source allows
--   reported_count      the figure's value, for a count
--   components_count    the sum of its components, for a count
--   residual_count      reported less components, for a count
--   parts               how many of its components are known by as_at, of how many
--   status              how the figure and its components agree (see status values)
--   source              the source cited (its id; a table adds its short title and date)
--   locator             where in the source
-- status:
--   reconciled          every component known, and the residual is zero
--   within tolerance    the residual is no more than the figure's stated tolerance
--   unexplained residual  the residual is larger than the tolerance
--   parts exceed the total by £X  the figure says its components are only some of its parts,
--                        yet they add up to more than it
--   parts not all itemised  the figure says its components are only some of its parts (and
--                        they add up to no more than it)
--   components missing  a component is not known by as_at, or has been reversed
--
-- :year   <year>  financial year, e.g. 2014-15 (default: the latest year with such figures)
-- :as_at  <date>  known date: only what was known by then counts (default: today)
WITH
-- The years with figures that name their components and the days they became known;
-- those known by as_at are recorded: a year asked for without any is an error, and with
-- none at all the view notes when the first became known.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT x.financial_year, x.as_at FROM reconciled_figures AS r
    CROSS JOIN postings AS x ON x.record_id = r.figure_id
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    -- CROSS JOIN makes SQLite start from the few figures, not from every posting.
    SELECT COALESCE(:year, (SELECT x.financial_year FROM reconciled_figures AS r
                            CROSS JOIN postings AS x ON x.record_id = r.figure_id
                            WHERE x.as_at <= COALESCE(:as_at, date('now'))
                            ORDER BY x.financial_year DESC LIMIT 1)) AS year,
           COALESCE(:as_at, date('now')) AS as_at
    WHERE view_error(CASE WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
        'no figures that name their components recorded for ' || :year
        || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
        || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
               SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
        || COALESCE('; the first for ' || :year || ' became known on '
                   || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no figures that name their components were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
-- Each figure's version valid at as_at, found through the figures to reconcile (params
-- first, so that its checks run even when there are no figures at all).
figures AS (
    SELECT v.record_id, v.account, v.measure, v.unit, v.amount_pence, v.count, v.position,
           r.rule, r.complete, r.tolerance, v.source, v.locator
    FROM params AS p
    CROSS JOIN reconciled_figures AS r
    CROSS JOIN postings AS v ON v.record_id = r.figure_id
    WHERE v.financial_year = p.year
      AND v.as_at <= p.as_at AND (v.valid_to IS NULL OR v.valid_to > p.as_at)
      AND v.is_void = 0
),
-- For a figure that sums its members: each member's latest figure of the same measure.
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
member_latest AS (
    SELECT f.record_id AS figure_id, v.amount_pence, v.count, MAX(v.precedence)
    FROM figures AS f
    CROSS JOIN params AS p
    JOIN organisations AS o ON o.parent = f.account AND o.as_at <= p.as_at
    JOIN postings AS v
        ON v.account = o.code AND v.measure = f.measure AND v.financial_year = p.year
    WHERE f.rule = 'members'
      AND v.as_at <= p.as_at AND (v.valid_to IS NULL OR v.valid_to > p.as_at)
      AND v.is_void = 0
    GROUP BY f.record_id, v.account
),
parts AS (
    SELECT f.record_id AS figure_id, c.sign, v.amount_pence, v.count,
           v.record_id IS NOT NULL AND v.is_void = 0 AS present
    FROM figures AS f
    CROSS JOIN params AS p
    JOIN figure_components AS c ON c.figure_id = f.record_id
    LEFT JOIN postings AS v
        ON v.record_id = c.component_id
        AND v.as_at <= p.as_at AND (v.valid_to IS NULL OR v.valid_to > p.as_at)
    UNION ALL
    SELECT figure_id, 1, amount_pence, count, 1 FROM member_latest
),
-- Each figure's parts summed on their own first: one pass over the parts, then one row
-- each to join (joining every part to its figure and grouping after took three times as
-- long with the ICB workbooks' thousands of components).
part_sums AS (
    SELECT figure_id,
           COUNT(*) AS parts,
           SUM(present) AS parts_known,
           SUM(CASE WHEN present THEN sign * COALESCE(amount_pence, count) END)
               AS components_total
    FROM parts
    GROUP BY figure_id
),
totals AS (
    SELECT f.*,
           COALESCE(s.parts, 0) AS parts,
           COALESCE(s.parts_known, 0) AS parts_known,
           s.components_total
    FROM figures AS f
    LEFT JOIN part_sums AS s ON s.figure_id = f.record_id
),
judged AS (
    SELECT t.*,
           COALESCE(t.amount_pence, t.count) - COALESCE(t.components_total, 0) AS residual,
           CASE
               WHEN t.parts = 0 OR t.parts_known < t.parts THEN 'components missing'
               WHEN t.complete = 0 AND t.components_total > COALESCE(t.amount_pence, t.count)
                   THEN 'parts exceed the total by ' || (
                       SELECT CASE
                           WHEN t.unit <> 'gbp' THEN printf('%,d', e.by)
                           WHEN e.by % 100000000 = 0 THEN printf('£%,dm', e.by / 100000000)
                           WHEN e.by % 10000000 = 0
                               THEN printf('£%,d.%dm', e.by / 100000000, e.by / 10000000 % 10)
                           WHEN e.by % 100 = 0 THEN printf('£%,d', e.by / 100)
                           ELSE printf('£%,d.%02d', e.by / 100, e.by % 100)
                       END
                       FROM (SELECT t.components_total - COALESCE(t.amount_pence, t.count) AS by) AS e)
               WHEN t.complete = 0 THEN 'parts not all itemised'
               WHEN COALESCE(t.amount_pence, t.count) = t.components_total THEN 'reconciled'
               WHEN ABS(COALESCE(t.amount_pence, t.count) - t.components_total)
                    <= COALESCE(t.tolerance, 0) THEN 'within tolerance'
               ELSE 'unexplained residual'
           END AS status
    FROM totals AS t
)
SELECT
    record_id AS figure,
    account,
    measure,
    unit,
    CASE WHEN unit = 'gbp' THEN amount_pence END AS reported_pence,
    CASE WHEN unit = 'gbp' THEN components_total END AS components_pence,
    CASE WHEN unit = 'gbp' THEN residual END AS residual_pence,
    CASE WHEN unit = 'gbp' THEN tolerance END AS tolerance_pence,
    CASE WHEN unit = 'count' THEN count END AS reported_count,
    CASE WHEN unit = 'count' THEN components_total END AS components_count,
    CASE WHEN unit = 'count' THEN residual END AS residual_count,
    parts_known || ' of ' || parts AS parts,
    status,
    source,
    locator
FROM judged
ORDER BY position
