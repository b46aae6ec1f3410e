"""NHS financial years and months.

The financial year ``2013-14`` runs from 1 April 2013 to 31 March 2014. Its months
are M1 (April) to M12 (March); "month 6" is the position at 30 September.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date

from ledger.records.characters import foreign_digits

_YEAR = re.compile(r" *(?P<first>[0-9]{4}) *[-/] *(?P<second>[0-9]{2}|[0-9]{4}) *")
_PERIOD = re.compile(r" *(?:m|month *)?(?P<month>[0-9]{1,2}) *", re.IGNORECASE | re.ASCII)
_IS_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DATE = re.compile(r" *(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2}) *")

EARLIEST_YEAR = 1948  # the NHS began on 5 July 1948
LATEST_YEAR = 2099


class PeriodError(ValueError):
    """Raised for a financial year or month that does not exist."""


def parse_financial_year(text: object) -> str:
    """Normalise ``2013-14``, ``2013/14`` or ``2013-2014`` to ``2013-14``."""
    if not isinstance(text, str):
        raise PeriodError(f"a financial year is written like 2013-14, got {text!r}")
    if problem := foreign_digits(text):
        raise PeriodError(problem)
    match = _YEAR.fullmatch(text)
    if match is None:
        raise PeriodError(f"a financial year is written like 2013-14, got {text!r}")
    first = int(match["first"])
    second = match["second"]
    expected = first + 1
    if int(second) not in (expected, expected % 100):
        raise PeriodError(f"{text!r} is not a financial year: the year after {first} is {expected}")
    if not EARLIEST_YEAR <= first <= LATEST_YEAR:
        raise PeriodError(f"{text!r} is outside the years the NHS has existed")
    return f"{first}-{expected % 100:02d}"


def parse_date(text: str) -> date:
    """A date written like 2013-09-30, with the digits 0-9 (not 20130930 or 2013-W40-1,
    which ``date.fromisoformat`` also reads)."""
    if _IS_DATE.match(text):  # the usual spelling, read without the search for spaces
        try:
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            pass  # a day the month does not have: the message below
    if problem := foreign_digits(text):
        raise PeriodError(problem)
    match = _DATE.fullmatch(text)
    if match is not None:
        try:
            return date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            pass  # a day the month does not have
    raise PeriodError(f"{text!r} is not a date (write dates like 2013-09-30)")


# The days below are asked for once or twice a record, and a history of a million records
# has a few hundred of them: each is made once and then shared, which also sends a large
# import's records from its workers more quickly (pickle sends an object once a page).
@functools.lru_cache(maxsize=1024)
def first_day(financial_year: str) -> date:
    """1 April of the year's first calendar year."""
    return date(int(financial_year[:4]), 4, 1)


@functools.lru_cache(maxsize=1024)
def last_day(financial_year: str) -> date:
    """31 March of the year's second calendar year."""
    return date(int(financial_year[:4]) + 1, 3, 31)


def financial_year_of(day: date) -> str:
    """The financial year a date falls in."""
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def parse_period(text: object) -> str:
    """Normalise ``M6``, ``m6``, ``6`` or ``month 6`` to ``M6``."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise PeriodError(f"a month is written M1 to M12, got {text!r}")
    if problem := foreign_digits(text):
        raise PeriodError(problem)
    match = _PERIOD.fullmatch(text)
    if match is None or not 1 <= int(match["month"]) <= 12:
        raise PeriodError(f"a month is written M1 to M12, got {text!r}")
    return f"M{int(match['month'])}"


@functools.lru_cache(maxsize=8192)
def period_end(financial_year: str, period: str) -> date:
    """The last day of a month of a financial year: M6 of 2013-14 is 2013-09-30."""
    month_index = int(period[1:]) - 1  # M1 is April
    calendar_month = (3 + month_index) % 12 + 1
    calendar_year = int(financial_year[:4]) + (1 if calendar_month <= 3 else 0)
    return date(
        calendar_year, calendar_month, calendar.monthrange(calendar_year, calendar_month)[1]
    )


def period_start(financial_year: str, period: str) -> date:
    """The first day of a month of a financial year."""
    return period_end(financial_year, period).replace(day=1)
