"""Import records for NHS England's revenue limit (RDEL) in every year, from the national
budgets file in data/; published_data writes them to events/.

The limit is the revenue budget of NHS England and the CCGs (later ICBs) together: the
commissioning system's spending limit, so the figures are on `commissioning-system`. An
outturn and a plan are different facts, so they are different measures:
`revenue-limit-outturn` (what was spent against the limit) and `revenue-limit-plan` (the
limit set in budget documents).

Dates: the compilation gives no day for any figure. It was updated in December 2025
(for the Autumn Budget 2025), so a plan is known on 31 December 2025. An outturn is
dated to 31 July of the second year after the year began (2015-07-31 for 2013-14): the
month of the first PESA published a full year after the year ended, which is the last
outturn the compilation counts as outturn (2023-24, from PESA 2025).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ledger.records.money import parse_pounds
from ledger.records.periods import parse_financial_year

BUDGETS_FILE = "nhs_england_and_dhsc_budgets_2013_14_to_2028_29.csv"
SOURCE = "data-national-budgets"
ACCOUNT = "commissioning-system"
BUDGET = "nhse_rdel"  # NHS England's revenue departmental expenditure limit
COMPILED = "2025-12-31"  # the compilation's December 2025 update; the day is not given
MEASURES = {"outturn": "revenue-limit-outturn", "planned": "revenue-limit-plan"}


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """CSV rows with the file line they stand on (the header is line 1)."""
    with path.open(newline="", encoding="utf-8") as lines:
        yield from enumerate(csv.DictReader(lines), start=2)


def outturn_known(financial_year: str) -> str:
    """31 July of the second year after the year began: 2015-07-31 for 2013-14."""
    return f"{int(financial_year[:4]) + 2}-07-31"


def _figure(line: int, year: str, status: str, millions: str) -> dict[str, Any]:
    if status not in MEASURES:
        raise ValueError(f"line {line}: status {status!r} is neither outturn nor planned")
    whole, point, fraction = millions.strip().partition(".")
    amount = f"£{int(whole):,}{point}{fraction}m"  # as written, with thousands separated
    parse_pounds(amount)  # exact pence or an error: never a float
    record: dict[str, Any] = {
        "id": f"nhse-rdel-{year}-{'outturn' if status == 'outturn' else 'plan'}",
        "kind": "figure",
        "account": ACCOUNT,
        "financial_year": year,
    }
    if status == "outturn":
        known = outturn_known(year)
        record |= {"period": "M12", "measure": MEASURES[status], "amount": amount}
        reason = (
            f"NHS England's revenue limit (RDEL) outturn for {year}, £m cash, as compiled "
            f"from HM Treasury's PESA; dated to the end of July {known[:4]}, the first PESA "
            "a full year after the year ended (the compilation gives no day, and its figure "
            "is the latest PESA's)"
        )
    else:
        known = COMPILED
        record |= {"measure": MEASURES[status], "amount": amount}
        reason = (
            f"NHS England's revenue limit (RDEL) planned for {year}, £m cash, as the "
            "compilation of December 2025 gives it after the Autumn Budget 2025"
        )
    return record | {
        "as_at": known,
        "source": SOURCE,
        "locator": f"line {line}",
        "reason": reason,
    }


def revenue_limit_records(data: Path) -> list[dict[str, Any]]:
    """NHS England's revenue limit for every year in the file, outturn or plan."""
    records = []
    for line, row in _rows(data / BUDGETS_FILE):
        if row["budget"] != BUDGET:
            continue
        year = parse_financial_year(row["financial_year"])
        records.append(_figure(line, year, row["status"], row["cash_gbp_m"]))
    return records
