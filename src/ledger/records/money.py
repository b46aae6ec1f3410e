"""Money is exact: integer pence in storage, read from its digits, never float.

Input is written the way finance papers write it: ``849204000`` (pounds),
``£8.6m``, ``8.6m``, ``£1.6bn``, ``849,204k``, ``-2.4m``, with the digits 0-9.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ledger.records.characters import foreign_digits

PENCE_PER_POUND = 100
# No NHS figure comes near £10 trillion; anything larger is a typing error, and the
# bound keeps every amount inside SQLite's 64-bit integers.
LARGEST_PENCE = 10**13 * PENCE_PER_POUND

# The decimal places of a pound a number is in pence, by scale: 8.6m is 8.60000000.
_PLACES = {"": 2, "k": 5, "m": 8, "bn": 11}

# Spaces are ASCII spaces; the minus sign may be typeset (U+2212).
_MONEY = re.compile(
    r"""[ ]*
    (?P<sign>[-+−]?)[ ]*
    £?[ ]*
    (?P<sign2>[-+−]?)
    (?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)
    [ ]*(?P<scale>k|m|bn)?
    [ ]*""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,  # ASCII: no K for the Kelvin sign
)

_PERCENT = re.compile(r" *(?P<sign>[-+]?)(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))? *%? *")


class MoneyError(ValueError):
    """Raised for an amount that cannot be read exactly."""


def parse_pounds(value: object) -> int:
    """Read an amount in pounds (text or whole number) and return integer pence.

    >>> parse_pounds("£8.6m")
    860000000
    >>> parse_pounds(849204000)
    84920400000
    """
    if isinstance(value, bool):
        raise MoneyError(f"expected an amount, got {value!r}")
    if isinstance(value, int):
        return _within_bounds(value * PENCE_PER_POUND, value)
    if isinstance(value, (float, Decimal)):
        raise MoneyError(
            f"write amounts as text or whole pounds, not as a floating-point number "
            f'(got {value!r}; write "{value!r}" or "£{value!r}" to mean pounds)'
        )
    if not isinstance(value, str):
        raise MoneyError(f"expected an amount, got {value!r}")
    if problem := foreign_digits(value):
        raise MoneyError(problem)
    match = _MONEY.fullmatch(value)
    if match is None:
        raise MoneyError(
            f"cannot read {value!r} as an amount (examples: 849204000, £8.6m, "
            "1.6bn, 849,204k, -2.4m)"
        )
    signs = match["sign"] + match["sign2"]
    if len(signs) > 1:
        raise MoneyError(f"cannot read {value!r} as an amount: two signs")
    result = _pence(match["number"], _PLACES[(match["scale"] or "").lower()], value)
    return _within_bounds(-result if signs in ("-", "−") else result, value)


def _pence(number: str, places: int, written: str) -> int:
    """The digits of an amount as pence, exactly: the whole part followed by the fraction
    padded to ``places`` digits, so 8.6 (millions, 8 places) is 8 then 60000000."""
    whole, _, fraction = number.replace(",", "").partition(".")
    fraction = fraction.rstrip("0")
    if len(fraction) > places:
        raise MoneyError(f"{written!r} has a fraction of a penny")
    digits = (whole + fraction.ljust(places, "0")).lstrip("0") or "0"
    if len(digits) > len(str(LARGEST_PENCE)):  # before int(), which refuses 4,300 digits
        raise MoneyError(f"{written!r} is larger than any NHS budget (over £10 trillion)")
    return int(digits)


def parse_pence(value: object) -> int:
    """Read an exact integer number of pence (as stored and exported)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MoneyError(f"pence must be a whole number, got {value!r}")
    return _within_bounds(value, value)


def _within_bounds(pence: int, written: object) -> int:
    if abs(pence) > LARGEST_PENCE:
        raise MoneyError(f"{written!r} is larger than any NHS budget (over £10 trillion)")
    return pence


def parse_percent(value: object) -> str:
    """Read a percentage (``12.9``, ``"12.9%"``) and return it as exact decimal text,
    without leading or trailing zeros."""
    if isinstance(value, bool):
        raise MoneyError(f"expected a percentage, got {value!r}")
    if isinstance(value, (int, float, Decimal)):
        value = str(value)
    if not isinstance(value, str):
        raise MoneyError(f"expected a percentage, got {value!r}")
    if problem := foreign_digits(value):
        raise MoneyError(problem)
    match = _PERCENT.fullmatch(value)
    if match is None:
        raise MoneyError(f"cannot read {value!r} as a percentage (example: 12.9%)")
    fraction = (match["fraction"] or "").rstrip("0")
    number = (match["whole"].lstrip("0") or "0") + ("." + fraction if fraction else "")
    return "-" + number if match["sign"] == "-" and number != "0" else number


def format_in_unit(value: int | str | None, unit: str | None) -> str:
    """A figure's value for people, in its unit: pounds (``£2,000,000.00``, from pence),
    a count (``1,024``) or a percent (``12.5%``); empty for no value."""
    if value is None:
        return ""
    if unit == "percent":
        return f"{value}%"
    if unit == "count":
        return f"{value:,}" if isinstance(value, int) else str(value)
    return format_pounds(int(value))


def format_pounds(pence: int | None) -> str:
    """Pence as pounds for people: ``-£2,400,000.00``; empty for no amount."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), PENCE_PER_POUND)
    return f"{sign}£{pounds:,}.{rest:02d}"
