-- specialised-net-change: the net change of a budget through transfers, by counterparty
--
-- Transfers into and out of the budget and the budgets under it, as known at as_at,
-- with corrections applied; transfers between those budgets cancel out and are left out.
-- The total row sums the itemised transfers. Where a source reports the net change as a
-- figure (measure net-transfers-in), a "reported" row shows it, and a "not itemised" row
-- the part of it no itemised transfer explains.
--
-- columns:
--   counterparty        the other side of the transfers, or a total, reported or not itemised
--                        row
--   name                its name, or what the row is
--   type                the counterparty's type
--   transfers           how many transfers the row adds up
--   in_pence            transfers into the budget
--   out_pence           transfers out of it
--   net_pence           in less out
--   source              on a reported row, the source cited (a table adds its short title and
--                        date)
--
-- :year     <year>  financial year, e.g. 2013-14 (default: the latest year with transfers or a reported net change)
-- :as_at    <date>  known date: only what was known by then counts (default: today)
-- :account  <code>  the budget (default: specialised-commissioning)
WITH RECURSIVE
-- The years with transfers or reported net changes and the day each was first known;
-- those known by as_at are recorded: a year asked for without any is an error, and with
-- none at all the view notes when the first became known.
-- known_years holds the day each kind, measure and year was first known: a few hundred
-- rows, where the postings of the years would be millions.
first_known(financial_year, day) AS NOT MATERIALIZED (
    SELECT financial_year, first_known FROM known_years
    WHERE kind = 'transfer' OR measure = 'net-transfers-in'
),
recorded_years(financial_year) AS NOT MATERIALIZED (
    SELECT financial_year FROM first_known WHERE day <= COALESCE(:as_at, date('now'))
),
params AS (
    SELECT
        COALESCE(:year, (SELECT MAX(financial_year) FROM recorded_years)) AS year,
        COALESCE(:as_at, date('now')) AS as_at,
        COALESCE(:account, 'specialised-commissioning') AS account
    WHERE view_error(CASE
        WHEN :account IS NOT NULL AND :account NOT IN (SELECT code FROM organisations) THEN
            'unknown organisation ''' || :account || '''' || COALESCE(
                ' (did you mean ''' || (SELECT code FROM organisations
                                        WHERE lower(code) = lower(:account) LIMIT 1) || '''?)',
                '')
        WHEN :year IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM recorded_years AS r WHERE r.financial_year = :year) THEN
            'no transfers or reported net changes recorded for ' || :year
            || CASE WHEN :as_at IS NOT NULL THEN ' known by ' || :as_at ELSE '' END
            || ' (recorded years: ' || COALESCE((SELECT group_concat(financial_year, ', ') FROM (
                   SELECT DISTINCT financial_year FROM recorded_years ORDER BY 1)), 'none') || ')'
            || COALESCE('; the first for ' || :year || ' became known on '
                       || (SELECT MIN(day) FROM first_known WHERE financial_year = :year), '')
    END) IS NULL
      AND view_note(CASE WHEN NOT EXISTS (SELECT 1 FROM recorded_years) THEN
        'no transfers or reported net changes were known by ' || COALESCE(:as_at, date('now'))
        || (SELECT ': the first became known on ' || MIN(day) FROM first_known)
    END) IS NULL
),
family(code) AS (
    SELECT account FROM params
    UNION
    SELECT o.code FROM organisations AS o, params AS p
    JOIN family AS f ON o.parent = f.code
    WHERE o.as_at <= p.as_at
),
transfers AS NOT MATERIALIZED (
    SELECT x.counterparty, x.side, x.delta_pence, x.is_earliest
    FROM family AS f
    CROSS JOIN params AS p
    JOIN postings AS x
        ON x.account = f.code AND x.measure = 'allocation'
        AND x.financial_year = (SELECT year FROM params)
    WHERE x.kind = 'transfer'
      AND x.as_at <= p.as_at
      AND x.counterparty NOT IN (SELECT code FROM family)
),
-- Grouped before the names are looked up, so that each counterparty is looked up once.
by_counterparty AS (
    SELECT t.counterparty, o.name, o.type, t.transfers, t.in_pence, t.out_pence, t.net_pence
    FROM (
        SELECT
            counterparty,
            -- A record's versions known by as_at include the one known first: one each.
            SUM(is_earliest) AS transfers,
            COALESCE(SUM(CASE WHEN side = 'to' THEN delta_pence END), 0) AS in_pence,
            -COALESCE(SUM(CASE WHEN side = 'from' THEN delta_pence END), 0) AS out_pence,
            SUM(delta_pence) AS net_pence
        FROM transfers
        GROUP BY counterparty
    ) AS t
    CROSS JOIN params AS p
    LEFT JOIN organisations AS o ON o.code = t.counterparty AND o.as_at <= p.as_at
),
reported AS (
    SELECT x.amount_pence, x.source, x.locator, MAX(x.precedence)
    FROM postings AS x, params AS p
    WHERE x.measure = 'net-transfers-in'
      AND x.account = p.account
      AND x.financial_year = p.year
      AND x.as_at <= p.as_at
      AND (x.valid_to IS NULL OR x.valid_to > p.as_at)
      AND x.is_void = 0
    HAVING COUNT(*) > 0
),
itemised AS (
    SELECT COALESCE(SUM(transfers), 0) AS transfers, COALESCE(SUM(in_pence), 0) AS in_pence,
           COALESCE(SUM(out_pence), 0) AS out_pence, COALESCE(SUM(net_pence), 0) AS net_pence
    FROM by_counterparty
)
SELECT counterparty, name, type, transfers, in_pence, out_pence, net_pence, source
FROM (
    SELECT 0 AS part, counterparty, name, type, transfers, in_pence, out_pence, net_pence,
           NULL AS source
    FROM by_counterparty
    UNION ALL
    SELECT 1, '(total)', 'itemised transfers', NULL, transfers, in_pence, out_pence,
           net_pence, NULL
    FROM itemised
    UNION ALL
    SELECT 2, '(reported)', 'net change reported by the source', NULL, NULL, NULL, NULL,
           r.amount_pence, r.source || ' ' || r.locator
    FROM reported AS r
    UNION ALL
    SELECT 3, '(not itemised)', 'reported net change no itemised transfer explains', NULL,
           NULL, NULL, NULL, r.amount_pence - i.net_pence, NULL
    FROM reported AS r, itemised AS i
)
ORDER BY part, net_pence DESC, counterparty
