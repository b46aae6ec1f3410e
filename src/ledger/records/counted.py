"""What a record adds to the running sums that keep money exact (writing.sums): the
absolute value of its amount or count on each side it names, in its financial year; a
correction's new value, counted against every year. Worked out from the normalised
fields where a record is read, so that a large import's worker does it."""

from __future__ import annotations

from typing import Any, NamedTuple, TypeGuard


class Counted(NamedTuple):
    correction: bool  # counted against every year, on both sides of a transfer
    value: int  # the absolute amount or count (0 for one that is not a whole number)
    year: str  # the financial year, as text ("None" for a record without one)
    accounts: tuple[str, ...]  # the sides named: a transfer's from and to, or the account


def counted_of(fields: dict[str, Any]) -> Counted:
    value = fields.get("amount_pence", fields.get("count"))
    value = abs(value) if isinstance(value, int) else 0
    kind = fields["kind"]
    if kind == "correction":
        return Counted(True, value, "", ())
    # A side a stored record lacks, as a hand-edited store may, counts for nothing.
    sides = (
        (fields.get("from"), fields.get("to")) if kind == "transfer" else (fields.get("account"),)
    )
    accounts = tuple(filter(_is_text, sides))
    return Counted(False, value, str(fields.get("financial_year")), accounts)


def _is_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str)


def counted_if_valued(fields: dict[str, Any]) -> Counted | None:
    """What a record of a batch adds to the sums: None for one without an amount or count."""
    if "amount_pence" in fields or "count" in fields:
        return counted_of(fields)
    return None
