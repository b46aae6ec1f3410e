-- reconciliation: reported totals beside the components they should add up to
--
-- Each reported figure for the year, known by as_at, that names its components (or
-- should equal the sum of its members' figures of the same measure): its value, the sum
-- of its components as known at as_at (a component written '-id' is subtracted), the
-- residual (reported less components) and a status:
--   reconciled              every component known, and the residual is zero
--   within tolerance        the residual is no more than the figure's stated tolerance
--   unexplained residual    the residual is larger than the tolerance
--   parts not all itemised  the figure says its components are only some of its parts
--   components missing      a component is not known by as_at, or has been reversed
-- Amounts are in the *_pence columns, counts in the *_count columns.
--
-- :year   financial year, e.g. 2014-15 (default: the latest year with such figures)
-- :as_at  known date: only what was known by then counts (default: today)
WITH params AS (
    SELECT COALESCE(:year, (SELECT MAX(x.financial_year) FROM postings AS x
                            JOIN reconciled_figures AS r ON r.figure_id = x.record_id
                            WHERE x.as_at <= COALESCE(:as_at, date('now')))) AS year,
           COALESCE(:as_at, date('now')) AS as_at
),
valid AS (
    SELECT x.*
    FROM postings AS x, params AS p
    WHERE x.as_at <= p.as_at AND (x.valid_to IS NULL OR x.valid_to > p.as_at)
),
figures AS (
    SELECT v.record_id, v.account, v.measure, v.unit, v.amount_pence, v.count, v.position,
           r.rule, r.complete, r.tolerance, v.source, v.locator
    FROM valid AS v
    JOIN reconciled_figures AS r ON r.figure_id = v.record_id
    CROSS JOIN params AS p
    WHERE v.financial_year = p.year AND v.is_void = 0
),
-- SQLite takes the other columns of a MAX() group from the row holding the maximum.
member_latest AS (
    SELECT o.parent AS aggregate, v.measure, v.amount_pence, v.count, MAX(v.precedence)
    FROM valid AS v
    JOIN organisations AS o ON o.code = v.account
    CROSS JOIN params AS p
    WHERE v.is_void = 0 AND v.financial_year = p.year AND o.as_at <= p.as_at
    GROUP BY v.account, v.measure
),
parts AS (
    SELECT f.record_id AS figure_id, c.sign, v.amount_pence, v.count,
           v.record_id IS NOT NULL AND v.is_void = 0 AS present
    FROM figures AS f
    JOIN figure_components AS c ON c.figure_id = f.record_id
    LEFT JOIN valid AS v ON v.record_id = c.component_id
    UNION ALL
    SELECT f.record_id, 1, m.amount_pence, m.count, 1
    FROM figures AS f
    JOIN member_latest AS m ON m.aggregate = f.account AND m.measure = f.measure
    WHERE f.rule = 'members'
),
totals AS (
    SELECT f.*,
           COUNT(pt.figure_id) AS parts,
           COALESCE(SUM(pt.present), 0) AS parts_known,
           SUM(CASE WHEN pt.present THEN pt.sign * COALESCE(pt.amount_pence, pt.count) END)
               AS components_total
    FROM figures AS f
    LEFT JOIN parts AS pt ON pt.figure_id = f.record_id
    GROUP BY f.record_id
),
judged AS (
    SELECT t.*,
           COALESCE(t.amount_pence, t.count) - COALESCE(t.components_total, 0) AS residual,
           CASE
               WHEN t.parts = 0 OR t.parts_known < t.parts THEN 'components missing'
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
