-- audit: every recorded change behind one organisation's figure, in known-date order
--
-- The versions of every record that moved the figure, known by as_at: for allocations
-- and drawdowns those of the organisation and of every organisation under it (by parent,
-- and for an area team or region the CCGs and ICBs placed under it on the year's 1
-- April, as ccg-budgets groups them), for the other measures the organisation's own. A correction appears as a new version of the
-- record it corrects. `ledger audit` adds each step's value before and after.
--
-- Lineage (allocations and drawdowns): the figure is restated onto the organisation's
-- boundaries, as ccg-budgets restates it. Every organisation whose figures were carried
-- on to it, through every merger and split known by lineage_as_at, counts too, in any
-- year; carried names the way its figures came ("00F -> 13T -> QHM"). Through a merger a
-- predecessor's figures count whole. Through a split only a part counts, cut by the
-- split's running weights as ccg-budgets cuts it: the part of a running total T is
-- T*(before+weight)/total - T*before/total. Each row of a split predecessor keeps its
-- recorded amount_pence and delta_pence; counted_pence is the change it makes to this
-- figure, the part of the predecessor's running total after it less the part before
-- it, so the rows add up to exactly what ccg-budgets carries, and apportioned names the
-- split and its share. On rows that are not apportioned counted_pence is delta_pence.
-- For the other measures, which supersede rather than add up, a predecessor's figures
-- count only from the day its figures were carried on.
--
-- Service (ICB-era allocations): only the postings that name that service count; each
-- row's step is the label of the baseline-construction step it records, if any.
--
-- columns:
--   as_at               when this version of the record became known
--   effective           the date the figure is about (the end of its month, or 1 April)
--   period              the month it is about, M1 to M12, when it has one
--   kind                the record's kind (allocation, transfer, forecast, ...)
--   record_id           the record that moved the figure
--   version             0 as first recorded, 1, 2, ... for its corrections
--   correction_id       the correction that made this version, if any
--   account             the organisation whose record it is
--   counterparty        the other side of a transfer, or the budget a drawdown is set against
--   side                from or to for a transfer, empty otherwise
--   is_void             1 when a correction reversed the record
--   unit                gbp, count or percent
--   amount_pence        this version's value
--   delta_pence         the change this version makes to its side's value
--   count               this version's value, for a count
--   percent             this version's value, for a percentage: decimal text to 12
--                        places, trailing zeros dropped (a spreadsheet's noise, as in
--                        5.2799999999999944, is not shown)
--   precedence          orders figures that supersede one another
--   position            the store position of the record or correction
--   financial_year      the financial year the figure is about
--   reason              why the record or correction was made
--   source              the source cited (its id; a table adds its short title and date)
--   locator             where in the source
--   carried             the way a predecessor's figures came to the organisation ("00F -> 13T
--                        -> QHM")
--   apportioned         the split and its share, on a split predecessor's rows
--   counted_pence       the change this row makes to the figure (a split's part, else
--                        delta_pence)
--   service             what an ICB-era allocation pays for
--   step                the step of a baseline's construction the allocation records
--
-- :account  <code>  the organisation's code, e.g. 06H
-- :measure  <slug>  allocation, plan, forecast, drawdown, qipp-plan, qipp-shortfall or a figure's measure (default: allocation)
-- :year     <year>  financial year, e.g. 2013-14 (default: the latest year with this figure)
-- :as_at    <date>  known date: only what was known by then counts (default: today)
-- :lineage_as_at <date>  the known date of the mergers and splits followed (default: as_at)
-- :service  <text>  only the postings of this service (one of: core, primary-medical-care, other-primary-care, pod, specialised, running-costs; default: every service)
WITH RECURSIVE params AS (
    SELECT :account AS account,
           COALESCE(:measure, 'allocation') AS measure,
           COALESCE(:measure, 'allocation') IN ('allocation', 'drawdown') AS additive,
           COALESCE(:as_at, date('now')) AS as_at,
           COALESCE(:lineage_as_at, :as_at, date('now')) AS lineage_as_at
    WHERE view_error(CASE
        WHEN :account NOT IN (SELECT code FROM organisations) THEN
            'unknown organisation ''' || :account || '''' || COALESCE(
                ' (did you mean ''' || (SELECT code FROM organisations
                                        WHERE lower(code) = lower(:account) LIMIT 1) || '''?)',
                '')
    END) IS NULL
),
tree(code) AS (
    SELECT account FROM params
    UNION
    SELECT o.code FROM organisations AS o, params AS p
    JOIN tree AS f ON o.parent = f.code
    WHERE o.as_at <= p.as_at AND p.additive
),
-- An area team or region adds up the CCGs and ICBs placed under it (their parent is the
-- sector): those it ever had, to find the year, and of those the ones under it on the
-- year's 1 April (their latest membership by then, as ccg-budgets places them).
members_ever(code) AS (
    SELECT DISTINCT m.organisation
    FROM params AS p
    JOIN memberships AS m ON p.account IN (m.area_team, m.region)
    JOIN organisations AS o ON o.code = m.organisation AND o.type IN ('ccg', 'icb')
    WHERE p.additive AND m.as_at <= p.as_at
),
candidates(code) AS (
    SELECT code FROM tree UNION SELECT code FROM members_ever
),
known_lineage AS (
    SELECT l.* FROM lineage AS l, params AS p WHERE l.as_at <= p.lineage_as_at
),
-- The organisations whose figures were carried on into the candidates, however far back
-- (UNION keeps each once, so even a circle of lineage ends).
reach(code) AS (
    SELECT code FROM candidates
    UNION
    SELECT l.predecessor
    FROM reach AS r
    JOIN known_lineage AS l ON l.successor = r.code
    WHERE l.predecessor NOT IN (SELECT code FROM candidates)
),
-- The year: the one asked for, or the latest in which a posting counts. Each organisation's
-- postings of the measure are read from the latest year back, stopping at the first that
-- counts, rather than every year's: at three million events 06H's allocations alone are
-- some 10,000 postings. When nothing of the measure (of the year asked for) was known by
-- as_at, the view notes when the first of it became known.
chosen AS (
    SELECT COALESCE(:year, (
        SELECT MAX((
            SELECT x.financial_year FROM postings AS x
            WHERE x.account = a.code AND x.measure = p.measure
              AND x.as_at <= p.as_at
              AND (:service IS NULL OR x.service = :service)
              AND (p.additive OR a.code IN (SELECT code FROM tree)
                   OR x.effective >= (SELECT MIN(l.effective) FROM known_lineage AS l
                                      WHERE l.predecessor = a.code))
            ORDER BY x.financial_year DESC LIMIT 1))
        FROM reach AS a CROSS JOIN params AS p)) AS year
    WHERE view_note(CASE WHEN NOT EXISTS (
        SELECT 1 FROM reach AS a CROSS JOIN params AS p
        WHERE EXISTS (
            SELECT 1 FROM postings AS x
            WHERE x.account = a.code AND x.measure = p.measure AND x.as_at <= p.as_at
              AND (:year IS NULL OR x.financial_year = :year)
              AND (:service IS NULL OR x.service = :service))
    ) THEN (
        SELECT 'nothing of ' || p.account || '''s ' || p.measure
               || COALESCE(' for ' || :year, '') || ' was known by ' || p.as_at
               || ': the first record of it became known on ' || MIN((
                   SELECT MIN(x.as_at) FROM postings AS x
                   WHERE x.account = a.code AND x.measure = p.measure
                     AND (:year IS NULL OR x.financial_year = :year)
                     AND (:service IS NULL OR x.service = :service)))
        FROM reach AS a CROSS JOIN params AS p)
    END) IS NULL
),
placed AS (
    SELECT m.organisation AS code, m.area_team, m.region,
           ROW_NUMBER() OVER (
               PARTITION BY m.organisation
               ORDER BY m.effective <= substr(c.year, 1, 4) || '-04-01' DESC,
                        CASE WHEN m.effective <= substr(c.year, 1, 4) || '-04-01'
                             THEN m.effective END DESC,
                        m.effective, m.position DESC
           ) AS latest
    FROM members_ever AS e
    CROSS JOIN params AS p
    CROSS JOIN chosen AS c
    JOIN memberships AS m ON m.organisation = e.code
    WHERE m.as_at <= p.as_at
),
-- The organisation, those under it, and the members it had that day: the family, whose
-- figures count as they are; any other organisation's count as carried into it.
family(code) AS (
    SELECT code FROM tree
    UNION
    SELECT pl.code FROM placed AS pl, params AS p
    WHERE pl.latest = 1 AND p.account IN (pl.area_team, pl.region)
),
-- The year's parts (an allocation's services): asked as at a day when some were known
-- and others not yet, the view notes which came later and when (later_parts).
parts AS (
    SELECT c.year, COALESCE(NULLIF(x.service, ''), '(no service)') AS part,
           MIN(x.as_at) AS first,
           MIN(CASE WHEN x.as_at > p.as_at THEN x.as_at END) AS changed,
           MAX(x.as_at) AS last, p.as_at AS asked
    FROM reach AS a
    CROSS JOIN params AS p
    CROSS JOIN chosen AS c
    JOIN postings AS x
        ON x.account = a.code AND x.measure = p.measure AND x.financial_year = c.year
    WHERE p.additive AND (:service IS NULL OR x.service = :service)
    GROUP BY 2
),
partial_years(message) AS (
    SELECT later_parts(year, part, first, changed, last, asked) FROM parts GROUP BY year
),
-- The rows that count, each with its organisation's running total after it.
counted AS (
    SELECT x.*,
           SUM(x.delta_pence) OVER (
               PARTITION BY x.account ORDER BY x.as_at, x.position, x.side, x.posting_id
               ROWS UNBOUNDED PRECEDING
           ) AS running_pence
    FROM reach AS a
    CROSS JOIN params AS p
    CROSS JOIN chosen AS c
    JOIN postings AS x
        ON x.account = a.code AND x.measure = p.measure AND x.financial_year = c.year
    WHERE x.as_at <= p.as_at
      AND (:service IS NULL OR x.service = :service)
      AND (p.additive OR a.code IN (SELECT code FROM family)
           OR x.effective >= (SELECT MIN(l.effective) FROM known_lineage AS l
                              WHERE l.predecessor = a.code))
      AND NOT EXISTS (SELECT 1 FROM partial_years WHERE view_note(message) IS NOT NULL)
),
-- A predecessor's rows followed forward through the lineage into the family, its
-- running totals before and after each row cut at every split on the way.
carried(posting_id, code, after_pence, before_pence, way, apportioned, depth) AS (
    SELECT x.posting_id, x.account, x.running_pence, x.running_pence - x.delta_pence,
           x.account, NULL, 0
    FROM counted AS x
    WHERE x.account NOT IN (SELECT code FROM family)
    UNION ALL
    SELECT c.posting_id, l.successor,
           c.after_pence * (l.weight_before + l.weight) / l.weight_total
               - c.after_pence * l.weight_before / l.weight_total,
           c.before_pence * (l.weight_before + l.weight) / l.weight_total
               - c.before_pence * l.weight_before / l.weight_total,
           c.way || ' -> ' || l.successor,
           CASE WHEN l.weight < l.weight_total THEN
               COALESCE(c.apportioned || '; ', '') || l.predecessor || ' -> ' || l.successor
               || printf(' %.2f%%', 100.0 * l.weight / l.weight_total)
               || printf(' (%,d of %,d %s; %s %s)', l.weight, l.weight_total, l.basis,
                         l.source, l.locator)
           ELSE c.apportioned END,
           c.depth + 1
    FROM carried AS c
    JOIN known_lineage AS l ON l.predecessor = c.code
    WHERE c.code NOT IN (SELECT code FROM family)
      AND l.successor IN (SELECT code FROM reach)
      AND c.depth < 100
),
ways AS (
    SELECT x.*, NULL AS carried, NULL AS apportioned, x.delta_pence AS counted_pence
    FROM counted AS x
    WHERE x.account IN (SELECT code FROM family)
    UNION ALL
    SELECT x.*, c.way, c.apportioned,
           CASE WHEN c.apportioned IS NULL THEN x.delta_pence
                ELSE c.after_pence - c.before_pence END
    FROM carried AS c
    JOIN counted AS x ON x.posting_id = c.posting_id
    WHERE c.code IN (SELECT code FROM family) AND c.depth > 0
)
SELECT
    x.as_at, x.effective, x.period, x.kind, x.record_id, x.version, x.correction_id,
    x.account, x.counterparty, x.side, x.is_void, x.unit, x.amount_pence, x.delta_pence,
    x.count,
    CASE WHEN ROUND(x.percent, 12) <> 0
         THEN rtrim(rtrim(printf('%.12f', x.percent), '0'), '.')
         WHEN x.percent IS NOT NULL THEN '0' END AS percent,
    x.precedence, x.position, x.financial_year, x.reason, x.source,
    x.locator, x.carried, x.apportioned, x.counted_pence, x.service, x.step
FROM ways AS x
ORDER BY x.as_at, x.position, x.side, x.carried
