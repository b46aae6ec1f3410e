"""The sums of the store's values, kept beside its events, so that checking a few records
against a large store need not read every record it holds (ledger.writing.sums says what
the sums are for).

They are kept with the position of the last event they count, after an append, in a
transaction of their own, and used only while that is still the store's last position.
So a store appended to in another way, or an append whose sums were not written (the
process stopped in between), is read in full once more, and its sums kept again.
"""

from __future__ import annotations

from dataclasses import dataclass

TOTALS_TABLE = "value_totals"  # one row per (financial year, account)
COUNTED_TABLE = "value_totals_counted"  # one row: the position counted up to
LARGEST = 2**63 - 1  # what a column of either database holds


@dataclass(frozen=True)
class StoredTotals:
    """The sums of every stored record's values, up to and including ``position``."""

    position: int
    corrections: int  # the new values of every correction (counted against every year)
    by_account: dict[tuple[str, str], int]  # (financial year, account) -> sum of values

    @property
    def fits(self) -> bool:
        """Whether every sum fits a database's integer column."""
        return max([self.corrections, *self.by_account.values()]) <= LARGEST
