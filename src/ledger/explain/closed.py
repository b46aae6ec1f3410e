"""What to say when an area team or region is asked about a year after every CCG and ICB
under it had closed: which closed and when, and the organisations their figures were
carried on to (through the mergers and splits the views hold), with the regions those
were under on the year's 1 April, whose audit adds them up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.views.projections import run

MAX_DEPTH = 100  # lineage is followed no further, whatever the views hold
_LISTED = 12  # successors named; more are counted
_LINEAGE = "SELECT predecessor, successor FROM lineage WHERE :as_at IS NULL OR as_at <= :as_at"
_TYPES = "SELECT code, type FROM organisations"
_PLACED = (
    "SELECT organisation AS code, region FROM memberships WHERE effective <= :day"
    " AND (:as_at IS NULL OR as_at <= :as_at) ORDER BY effective, position"
)


def closed_said(
    path: str | Path,
    what: str,
    figure: tuple[str, str],
    spans: list[tuple[str, str, str]],
    closed: dict[str, str],
    year: str,
    as_at: str | None,
) -> str:
    """'X is a region and no CCG or ICB was under it on D ...: the CCGs under it had all
    closed by then, N while under it, from A to B (the last year of ``figure``, an
    (account, measure), with any recorded); their figures are carried on to M ICBs,
    under R on D (audit R ...): P, Q'."""
    first_day = f"{year[:4]}-04-01"
    gone = sorted({code for code, _, end in spans if closed.get(code) == end})
    types = {str(row["code"]): str(row["type"]) for row in run(path, _TYPES)}
    kinds = " and ".join(sorted({f"{types.get(code, 'ccg').upper()}s" for code in gone}))
    days = sorted(closed[code] for code in gone)
    when = f"on {days[0]}" if days[0] == days[-1] else f"from {days[0]} to {days[-1]}"
    said = (
        f"{what} and no CCG or ICB was under it on {first_day}, the first day of {year}: "
        f"the {kinds} under it had all closed by then, {len(gone)} while under it, {when}"
    )
    marks = ", ".join(f":c{number}" for number in range(len(gone)))
    [row] = run(
        path,
        f"SELECT MAX(financial_year) AS last FROM postings WHERE account IN ({marks})"
        " AND measure = :measure AND (:as_at IS NULL OR as_at <= :as_at)",
        {f"c{n}": code for n, code in enumerate(gone)} | {"measure": figure[1], "as_at": as_at},
    )
    if row["last"]:
        said += f" (its last year with any: audit {figure[0]} {figure[1]} --year {row['last']})"
    onward = _successors(path, gone, closed, first_day, as_at)
    if not onward:
        return said
    regions = _regions(path, onward, first_day, as_at)
    named = ", ".join(onward[:_LISTED]) + (
        f" and {len(onward) - _LISTED} more" if len(onward) > _LISTED else ""
    )
    which = " and ".join(sorted({f"{types.get(code, 'icb').upper()}s" for code in onward}))
    said += f"; their figures are carried on to {len(onward)} {which}"
    if regions:
        said += (
            f", under {' and '.join(regions)} on {first_day} (audit {regions[0]} allocation "
            f"--year {year})"
        )
    return f"{said}: {named}"


def _successors(
    path: str | Path, codes: list[str], closed: dict[str, str], day: str, as_at: str | None
) -> list[str]:
    """The organisations open on ``day`` that the figures of ``codes`` were carried on to,
    however many mergers and splits on."""
    lineage = run(path, _LINEAGE, {"as_at": as_at})
    found: set[str] = set()
    wave, seen, depth = set(codes), set(codes), 0
    while wave and depth < MAX_DEPTH:
        wave = {str(row["successor"]) for row in lineage if row["predecessor"] in wave} - seen
        seen |= wave
        found |= {code for code in wave if closed.get(code, "9999-12-31") >= day}
        depth += 1
    return sorted(found)


def _regions(path: str | Path, codes: list[str], day: str, as_at: str | None) -> list[str]:
    """The regions ``codes`` were under on ``day`` (their latest membership by then)."""
    latest: dict[str, Any] = {}
    for row in run(path, _PLACED, {"day": day, "as_at": as_at}):
        if row["code"] in codes:
            latest[row["code"]] = row["region"]
    return sorted({str(region) for region in latest.values() if region})
