"""The types of a record's fields and the rules they share: ids and codes, dates, financial
years and months, money in pence, counts and percentages, each read and normalised as it
is validated; the order of fields in a stored record; and the dates a record may be about.
"""

from __future__ import annotations

import functools
import time
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, StringConstraints

from ledger.records import kinds
from ledger.records.characters import foreign_character
from ledger.records.money import format_pounds, parse_pence, parse_percent, parse_pounds
from ledger.records.patterns import CODE_PATTERN, SLUG_PATTERN
from ledger.records.periods import parse_date, parse_financial_year, parse_period

# A history of a million records spells a few thousand dates and a few dozen years: each
# spelling is read once (the readers' errors are raised again each time, not kept).
_read_date = functools.lru_cache(maxsize=8192)(parse_date)
_read_financial_year = functools.lru_cache(maxsize=1024)(parse_financial_year)


def _iso_date(value: object) -> date:
    """Dates are written as ISO text (2013-09-30); numbers are not dates."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a date is written like 2013-09-30, got {value!r}")
    return _read_date(value)


def _financial_year(value: object) -> str:
    return _read_financial_year(value) if isinstance(value, str) else parse_financial_year(value)


# No NHS count comes near a trillion; the bound keeps sums of counts in 64-bit integers.
LARGEST_COUNT = 10**12


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a count is a whole number of zero or more, got {value!r}")
    if value > LARGEST_COUNT:
        raise ValueError(f"{value} is more than any count (at most {LARGEST_COUNT:,})")
    return value


def _without_space_around(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


# One of a field's few values (a service, an action, a unit), read as codes and ids are:
# without the space around it.
SPACE_AROUND = BeforeValidator(_without_space_around)


def _ascii(value: object) -> object:
    if isinstance(value, str) and (problem := foreign_character(value.strip())):
        raise ValueError(problem)
    return value


def _ascii_name(value: object) -> object:
    if isinstance(value, str) and (problem := foreign_character(value, "a field's name")):
        raise ValueError(problem)
    return value


# Codes and ids are ASCII, so that two that look the same are the same: one holding any
# other character (a zero width space, a soft hyphen, a Cyrillic a) is refused naming it,
# where its pattern alone would say only that it is not a code. (Annotated runs it first.)
ASCII = BeforeValidator(_ascii)

RecordId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,199}$"),
    ASCII,
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CODE_PATTERN), ASCII]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SLUG_PATTERN), ASCII]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# The name of a record's field, as an erratum sets or removes it.
FieldName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    BeforeValidator(_ascii_name),
]
# A component of a reported figure: a record id, with a leading minus to subtract it.
Component = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^-?[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,199}$"),
    ASCII,
]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
FinancialYear = Annotated[str, BeforeValidator(_financial_year)]
Period = Annotated[str, BeforeValidator(parse_period)]
Pounds = Annotated[int, BeforeValidator(parse_pounds)]
Pence = Annotated[int, BeforeValidator(parse_pence)]
Percent = Annotated[str, BeforeValidator(parse_percent)]
Count = Annotated[int, BeforeValidator(_count)]

# What an allocation pays for, from the ICB era (a dimension of the allocation).
Service = Literal[
    "core", "primary-medical-care", "other-primary-care", "pod", "specialised", "running-costs"
]
SERVICES: tuple[str, ...] = Service.__args__  # type: ignore[attr-defined]
assert SERVICES == kinds.SERVICES, "ledger.kinds lists the services as the Literal does"

OrganisationType = Literal[
    "ccg", "icb", "area-team", "region", "commissioning-hub", "commissioner", "budget", "sector"
]
ServiceChoice = Annotated[Service, SPACE_AROUND]
OrganisationTypeChoice = Annotated[OrganisationType, SPACE_AROUND]

# The order of fields in stored and exported records: what it is, about whom, when, how
# much, then where it came from.
FIELD_ORDER = (
    "id",
    "kind",
    "account",
    "from",
    "to",
    "organisation",
    "corrects",
    "fixes",
    "recorded",
    "action",
    "financial_year",
    "period",
    "effective",
    "measure",
    "service",
    "step",
    "unit",
    "amount_pence",
    "count",
    "percent",
)

# Kinds whose value can be a component of a reported figure (a transfer has two sides).
COMPONENT_KINDS = ("allocation", "plan", "forecast", "drawdown", "qipp", "figure")

CORRECTABLE_KINDS = ("allocation", "transfer", "plan", "forecast", "drawdown", "qipp", "figure")


# A record may be about dates ahead of when it became known (allocations are set years
# ahead), but not beyond the end of this many years after.
YEARS_AHEAD = 10


def not_in_future(name: str, value: date | None) -> None:
    if value is not None and value > today():
        raise ValueError(f"{name} {value} is in the future")


# The day today() last gave, and the moment it ends (the next local midnight).
_day: tuple[date, float] = (date.min, 0.0)


def today() -> date:
    """The local date, as ``date.today()`` gives it. A large import asks once a record,
    so the day is read again only once the one it last gave has ended."""
    global _day
    day, ends = _day
    if time.time() < ends:
        return day
    day = date.today()
    _day = day, datetime.combine(day + timedelta(days=1), datetime.min.time()).timestamp()
    return day


def amount_problem(rule: str | None, pence: int | None) -> str | None:
    """What is wrong with an amount under a kind's rule (None when nothing is)."""
    if rule is None:
        return None
    if pence is None:
        return "amount is missing"
    if rule == "positive" and pence <= 0:
        return f"amount must be more than zero, got {format_pounds(pence)}"
    if rule == "nonzero" and pence == 0:
        return "amount must not be zero"
    if rule == "not-negative" and pence < 0:
        return f"amount must not be negative, got {format_pounds(pence)}"
    return None
