"""What to say when an area team or region has no audit rows: it is no budget of its own,
only the CCGs and ICBs placed under it, so either none was under it on the year's first
day, or none of theirs was known yet, or the measure supersedes rather than adds up and
so is not added over them, or all of those under it had closed by then (CCGs closed on
2022-07-01, when ICBs took over): then which closed, and the organisations their figures
were carried on to, with the regions those were under that year. A year for which the
ledger holds none of the measure for any organisation says so first."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ledger.explain.closed import closed_said
from ledger.explain.timeline import ADDITIVE_MEASURES
from ledger.explain.unrecorded import unrecorded_year
from ledger.records.periods import financial_year_of
from ledger.views.projections import run

GROUPINGS = {"area-team": "an area team", "region": "a region"}
_MEMBERS = (
    "SELECT m.organisation AS code, m.area_team, m.region, m.effective FROM memberships AS m"
    " WHERE m.organisation IN (SELECT n.organisation FROM memberships AS n"
    " JOIN organisations AS o ON o.code = n.organisation AND o.type IN ('ccg', 'icb')"
    " WHERE :account IN (n.area_team, n.region))"
    " ORDER BY m.organisation, m.effective, m.position"
)


def grouping_said(
    path: str | Path, account: str, kind: str, measure: str, year: str | None, as_at: str | None
) -> str | None:
    """Why the area team or region ``account`` has no ``measure`` (in ``year``, known by
    ``as_at``), or None when the usual answer says it."""
    what = f"{account} is {GROUPINGS[kind]}"
    closed = {
        str(row["organisation"]): str(row["effective"])
        for row in run(path, _CLOSED, {"as_at": as_at})
    }
    spans = _spans(run(path, _MEMBERS, {"account": account}), account, closed)
    if not spans:
        return f"{what} with no CCG or ICB ever placed under it, so it has no {measure}"
    if measure not in ADDITIVE_MEASURES:
        return (
            f"{what}: a {measure} supersedes rather than adds up, so the ledger does not add "
            f"the {measure}s of the CCGs and ICBs under it into one; audit one of them "
            f"(audit {_one_with(path, spans, measure)} {measure}); their allocations do add "
            f"up (audit {account} allocation)"
        )
    if year is None:
        return None
    if said := unrecorded_year(path, account, measure, year, as_at):
        return said
    first_day = f"{year[:4]}-04-01"
    under = [code for code, start, end in spans if start <= first_day and first_day <= end]
    if not under:
        start, end = min(s for _, s, _ in spans), max(e for _, _, e in spans)
        if end < first_day and any(closed.get(code) == end for code, _, _ in spans):
            return closed_said(path, what, (account, measure), spans, closed, year, as_at)
        until = "" if end == _OPEN else f" to {end}"
        return (
            f"{what} and no CCG or ICB was under it on {first_day}, the first day of {year}: "
            f"CCGs and ICBs were under it from {start}{until} (audit {account} {measure} "
            f"--year {financial_year_of(date.fromisoformat(start))})"
        )
    return _not_yet(path, what, under, measure, year, as_at)


_OPEN = "9999-12-31"
_CLOSED = (
    "SELECT organisation, MIN(effective) AS effective FROM closures"
    " WHERE :as_at IS NULL OR as_at <= :as_at GROUP BY organisation"
)


def _spans(
    rows: list[dict[str, Any]], account: str, closed: dict[str, str]
) -> list[tuple[str, str, str]]:
    """(organisation, first day, last day) of each stay of a CCG or ICB under ``account``,
    which ends when it moves to another or closes (``closed``: last days by code)."""
    spans = []
    for number, row in enumerate(rows):
        if account not in (row["area_team"], row["region"]):
            continue
        after = rows[number + 1] if number + 1 < len(rows) else None
        moved = after is not None and after["code"] == row["code"]
        end = _day_before(str(after["effective"])) if moved and after else _OPEN
        end = min(end, closed.get(str(row["code"]), _OPEN))
        if end >= str(row["effective"]):
            spans.append((str(row["code"]), str(row["effective"]), end))
    return spans


def _one_with(path: str | Path, spans: list[tuple[str, str, str]], measure: str) -> str:
    """The first of the organisations of ``spans`` that has a ``measure``, else the first."""
    codes = sorted({code for code, _, _ in spans})
    found = _least(path, "account", codes, measure, None)
    return found or codes[0]


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _not_yet(
    path: str | Path, what: str, under: list[str], measure: str, year: str, as_at: str | None
) -> str | None:
    """When none of the ``measure`` of those ``under`` it in ``year`` was known by
    ``as_at``: the day the first became known."""
    first = _least(path, "as_at", under, measure, year)
    if as_at is None or first is None or first <= as_at:
        return None
    return (
        f"{what}: nothing of the {measure} for {year} of the CCGs and ICBs under it was "
        f"known by {as_at}: the first record of it became known on {first}"
    )


def _least(
    path: str | Path, column: str, codes: list[str], measure: str, year: str | None
) -> str | None:
    """The least ``column`` (account or as_at) of the postings of ``measure`` (in
    ``year``) of ``codes``."""
    marks = ", ".join(f":c{number}" for number in range(len(codes)))
    [row] = run(
        path,
        f"SELECT MIN({column}) AS least FROM postings WHERE account IN ({marks})"
        " AND measure = :measure AND (:year IS NULL OR financial_year = :year)",
        {f"c{n}": code for n, code in enumerate(codes)} | {"measure": measure, "year": year},
    )
    return None if row["least"] is None else str(row["least"])
