"""What the organisation and timeline pages show, read from the views database as
``ledger orgs --lineage`` and ``ledger audit`` read it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.explain.errata import with_errata
from ledger.explain.organisations import lineage_tree, organisation_row, read_lineage
from ledger.explain.timeline import Step, now, services_apart, services_said, timeline
from ledger.views.projections import Projection, Reader, bind, load_projections, run

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
    service: str | None = None  # a figure recorded per service: the service's own
    part: str | None = None  # and as the audit's notes name it ("core service")


@dataclass(frozen=True)
class Apart:
    """What a timeline says of a figure recorded per service: ``ledger audit``'s note,
    and the services whose own timelines it links to (none when one is asked)."""

    said: str
    services: list[str]


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


def figures(views: str | Path, code: str) -> list[Figure]:
    """Each figure of the organisation by year, on its boundaries: its value now (the
    last step of its timeline) and how many recorded changes made it; a figure recorded
    per service (and step) once for each, as ``ledger audit`` steps each apart. Every
    figure is asked of the audit view on one connection, which compiles the view once."""
    found = []
    projection = load_projections()["audit"]
    with Reader(views) as reader:
        for row in reader.run(_FIGURES, {"code": code}):
            year, measure = row["financial_year"], row["measure"]
            rows = audit_rows(views, code, measure, year, reader=reader, audit=projection)
            for part in now(rows, measure):
                last = part.last
                found.append(
                    Figure(
                        year, measure, last.unit, last.after, part.changes, part.service, part.part
                    )
                )
    return found


def apart(
    rows: Sequence[dict[str, Any]], account: str, measure: str, service: str | None
) -> Apart | None:
    """What to say of a figure recorded per service (None when it is one figure): the
    note ``ledger audit`` gives, and each service to link to unless one is asked."""
    said = services_said(rows, account, measure)
    if said is None:
        return None
    return Apart(said, [] if service else services_apart(rows, measure))


def figure_timeline(
    views: str | Path,
    account: str,
    measure: str,
    year: str,
    originals: Originals,
    as_at: str | None = None,
    service: str | None = None,
) -> tuple[list[Step], Apart | None]:
    """The steps of one figure as ``ledger audit ACCOUNT MEASURE --year YEAR`` lists
    them (with ``--service``, that service's alone), errata included, and what to say
    when it is recorded per service."""
    rows = audit_rows(views, account, measure, year, as_at, service)
    steps = with_errata(views, timeline(rows, measure), (account, measure, year, as_at), originals)
    return steps, apart(rows, account, measure, service)


def audit_rows(
    views: str | Path,
    account: str,
    measure: str,
    year: str,
    as_at: str | None = None,
    service: str | None = None,
    *,
    reader: Reader | None = None,
    audit: Projection | None = None,
) -> list[dict[str, Any]]:
    """The audit view's rows of one figure (of one service's records, when given), on
    ``reader``'s connection when given; ``audit`` is the view, when already loaded."""
    projection = audit or load_projections()["audit"]
    given = {"account": account, "measure": measure, "year": year}
    given |= {"as_at": as_at} if as_at else {}
    given |= {"service": service} if service else {}
    return run(views, projection.sql, bind(projection, given), reader=reader)
