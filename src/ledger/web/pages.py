"""What the organisation and timeline pages show, read from the views database as
``ledger orgs --lineage`` and ``ledger audit`` read it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.explain.errata import with_errata
from ledger.explain.organisations import lineage_tree, organisation_row, read_lineage
from ledger.explain.timeline import Step, timeline
from ledger.views.projections import bind, load_projections, run

Originals = Callable[[Sequence[str]], dict[str, dict[str, Any]]]

# The measures and years with figures of an organisation or of any organisation whose
# figures were carried on to it (through every merger and split, as audit follows them).
_FIGURES = """
WITH RECURSIVE family(code) AS (
    SELECT :code
    UNION
    SELECT l.predecessor FROM lineage AS l JOIN family AS f ON l.successor = f.code
)
SELECT DISTINCT x.financial_year, x.measure
FROM family AS f JOIN postings AS x ON x.account = f.code
WHERE x.kind <> 'transfer' OR x.measure = 'allocation'
ORDER BY x.financial_year, x.measure
"""
_NAMES = """
SELECT name, MIN(effective) AS since FROM memberships
WHERE organisation = :code AND name IS NOT NULL GROUP BY name ORDER BY since
"""


@dataclass(frozen=True)
class Figure:
    year: str
    measure: str
    unit: str
    value: int | str | None
    changes: int


def organisation(views: str | Path, code: str) -> dict[str, Any] | None:
    """An organisation's row (as ``ledger orgs`` gives it), the names it has had, and
    its lineage as tree rows (as ``ledger orgs CODE --lineage --format json``); None
    when no organisation has the code."""
    history = read_lineage(views, None)
    if code not in history.organisations:
        return None
    return {
        "row": organisation_row(history, code),
        "names": run(views, _NAMES, {"code": code}),
        "lineage": [node.row() for node in lineage_tree(history, code)],
    }


def figures(views: str | Path, code: str, originals: Originals) -> list[Figure]:
    """Each figure of the organisation by year, on its boundaries: its value now (the
    last step of its timeline) and how many recorded changes made it."""
    found = []
    for row in run(views, _FIGURES, {"code": code}):
        steps = figure_timeline(views, code, row["measure"], row["financial_year"], originals)
        counted = [step for step in steps if step.kind != "erratum"]
        if counted:
            last = counted[-1]
            found.append(
                Figure(row["financial_year"], row["measure"], last.unit, last.after, len(counted))
            )
    return found


def figure_timeline(
    views: str | Path,
    account: str,
    measure: str,
    year: str,
    originals: Originals,
    as_at: str | None = None,
) -> list[Step]:
    """The steps of one figure as ``ledger audit ACCOUNT MEASURE --year YEAR`` lists
    them, errata included."""
    projection = load_projections()["audit"]
    given = {"account": account, "measure": measure, "year": year}
    given |= {"as_at": as_at} if as_at else {}
    bound = bind(projection, given)
    steps = timeline(run(views, projection.sql, bound), measure)
    return with_errata(views, steps, (account, measure, year, as_at), originals)
