"""Money stays exact: every sum the views make of a year's values fits SQLite's 64-bit
integers, or the records that would break it are refused.

The views add up values by account and year, by aggregates of accounts, and the changes
between versions of a record (at most the old value plus the new). So every value counts
twice, and a year's values, of one account or all of them, may add up to at most half
the largest integer. A correction's new value is counted against every year, which
is sound without knowing the year of the record it corrects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, Protocol

from ledger.records.counted import Counted, counted_of
from ledger.records.money import format_pounds
from ledger.store.totals import StoredTotals

LIMIT = (2**63 - 1) // 2
BEYOND = f"more than {format_pounds(LIMIT)}, beyond what the ledger can add up exactly"


class Stored(Protocol):
    """Where the store's records and its kept sums are read (writing.batch.RecordSource)."""

    def stored_totals(self, up_to: int) -> StoredTotals | None: ...

    def record_fields(self, up_to: int) -> Iterator[dict[str, Any]]: ...


class Totals:
    """Running totals of the store's and the batch's values."""

    def __init__(self) -> None:
        self.by_account: Counter[tuple[str, str]] = Counter()
        self.by_year: Counter[str] = Counter()
        self.corrections = 0  # the new values of every correction, counted against every year
        self._reported: set[object] = set()

    def read_store(self, store: Stored, up_to: int) -> None:
        """Start from the sums of the store's records up to position ``up_to``: as kept
        beside it, when they count exactly those, or else added up from every record."""
        kept = store.stored_totals(up_to)
        if kept is None:
            for fields in store.record_fields(up_to):
                self.add(fields)
            return
        self.corrections = kept.corrections
        for (year, account), total in kept.by_account.items():
            self.by_account[year, account] = total
            self.by_year[year] += total

    def counted_up_to(self, position: int) -> StoredTotals:
        """These sums, to keep as those of the store up to ``position``."""
        return StoredTotals(position, self.corrections, dict(self.by_account))

    def add(self, fields: dict[str, Any]) -> str | None:
        """Count a stored record's values (see add_counted)."""
        return self.add_counted(counted_of(fields))

    def add_counted(self, counted: Counted) -> str | None:
        """Count what a record adds; say what is wrong the first time a total is too large."""
        value, year = counted.value, counted.year
        if counted.correction:
            self.corrections += 2 * value  # a transfer's two sides
            return self._year_problem(max(self.by_year, key=self.by_year.__getitem__, default=None))
        problem = None
        for account in counted.accounts:
            by_account = self.by_account[year, account] = self.by_account[year, account] + value
            by_year = self.by_year[year] = self.by_year[year] + value
            if by_account + self.corrections > LIMIT:
                self._reported.add(year)  # the year's total is past it too: one message
                problem = problem or self._once(
                    (year, account), f"{account}'s figures for {year} would add up to {BEYOND}"
                )
            if by_year + self.corrections > LIMIT:
                problem = problem or self._year_problem(year, account)
        return problem

    def _year_problem(self, year: str | None, account: str | None = None) -> str | None:
        if year is None or self.by_year[year] + self.corrections <= LIMIT:
            return None
        at = f" (with this one for {account})" if account else ""
        return self._once(
            year, f"the figures of every organisation for {year}{at} would add up to {BEYOND}"
        )

    def _once(self, key: object, message: str) -> str | None:
        if key in self._reported:
            return None
        self._reported.add(key)
        return f"amount: {message}"
