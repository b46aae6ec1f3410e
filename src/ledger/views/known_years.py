"""known_years: for each kind, measure and financial year of the postings, the day the
first of them became known. A view finds the years recorded by a date here ("which years
have QIPP shortfalls known by 2014-03-31?"), in a few hundred rows, rather than in every
posting of those years, which at ten million events took seconds for an early date.

Postings are only ever added (a correction adds a version; nothing changes a posting's
kind, measure, year or known date), so each row keeps the earliest date it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ledger.views.postings import FIRST_COLUMNS

_KIND, _MEASURE, _YEAR, _AS_AT = map(
    FIRST_COLUMNS.index, ("kind", "measure", "financial_year", "as_at")
)


class KnownYears:
    """The earliest known date of each (kind, measure, financial year) among some postings."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str, str], str] = {}

    def add(self, kind: str, measure: str, financial_year: str, as_at: str) -> None:
        key = (kind, measure, financial_year)
        known = self.first.get(key)
        if known is None or as_at < known:
            self.first[key] = as_at

    def add_first_versions(self, postings: Iterable[Sequence[Any]]) -> None:
        """Count first versions, whose columns are in FIRST_COLUMNS order."""
        for posting in postings:
            self.add(posting[_KIND], posting[_MEASURE], posting[_YEAR], posting[_AS_AT])
