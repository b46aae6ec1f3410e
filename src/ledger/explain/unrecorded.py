"""What to say when no organisation has a measure in the year asked about: the ledger
holds none of it for that year, so no audit of any organisation finds any. It names the
years that have some (the views' ``known_years``), known by the day asked about."""

from __future__ import annotations

from pathlib import Path

from ledger.views.projections import run

_YEARS = (
    "SELECT financial_year AS year, MIN(first_known) AS first FROM known_years"
    " WHERE measure = :measure GROUP BY financial_year ORDER BY financial_year"
)


def unrecorded_year(
    path: str | Path, account: str, measure: str, year: str, as_at: str | None
) -> str | None:
    """'no allocation recorded for Y55 in 2022-23, nor for any organisation: the years
    with any are 2013-14, ...', or None when some organisation has ``measure`` in
    ``year`` (known by any day), or none has it in any year (a misspelt measure, say,
    which the measures recorded for ``account`` show better)."""
    first = {str(row["year"]): str(row["first"]) for row in run(path, _YEARS, {"measure": measure})}
    if not first or year in first:
        return None
    said = f"no {measure} recorded for {account} in {year}, nor for any organisation"
    years = [known for known, day in first.items() if as_at is None or day <= as_at]
    by = "" if as_at is None else f" known by {as_at}"
    if not years:
        return f"{said}: no year had any{by}"
    many = len(years) > 1
    return f"{said}: the year{'s' if many else ''} with any{by} {'are' if many else 'is'} " + (
        ", ".join(years)
    )
