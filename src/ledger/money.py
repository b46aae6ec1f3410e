"""Money is exact: integer pence in storage, Decimal while parsing, never float.

Input is written the way finance papers write it: ``849204000`` (pounds),
``£8.6m``, ``8.6m``, ``£1.6bn``, ``849,204k``, ``-2.4m``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

PENCE_PER_POUND = 100
# No NHS figure comes near £10 trillion; anything larger is a typing error, and the
# bound keeps every amount inside SQLite's 64-bit integers.
LARGEST_PENCE = 10**13 * PENCE_PER_POUND

_SCALES = {"": 1, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}

_MONEY = re.compile(
    r"""^\s*
    (?P<sign>[-+−]?)\s*
    £?\s*
    (?P<sign2>[-+−]?)
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \s*(?P<scale>k|m|bn)?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)

_PERCENT = re.compile(r"^\s*(?P<number>[-+]?\d+(?:\.\d+)?)\s*%?\s*$")


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
    match = _MONEY.match(value)
    if match is None:
        raise MoneyError(
            f"cannot read {value!r} as an amount (examples: 849204000, £8.6m, "
            "1.6bn, 849,204k, -2.4m)"
        )
    signs = match["sign"] + match["sign2"]
    if len(signs) > 1:
        raise MoneyError(f"cannot read {value!r} as an amount: two signs")
    number = Decimal(match["number"].replace(",", ""))
    scale = _SCALES[(match["scale"] or "").lower()]
    pence = number * scale * PENCE_PER_POUND
    if pence != pence.to_integral_value():
        raise MoneyError(f"{value!r} has a fraction of a penny")
    result = int(pence)
    return _within_bounds(-result if signs in ("-", "−") else result, value)


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
    """Read a percentage (``12.9``, ``"12.9%"``) and return it as exact decimal text."""
    if isinstance(value, bool):
        raise MoneyError(f"expected a percentage, got {value!r}")
    if isinstance(value, (int, float, Decimal)):
        value = str(value)
    if not isinstance(value, str):
        raise MoneyError(f"expected a percentage, got {value!r}")
    match = _PERCENT.match(value)
    if match is None:
        raise MoneyError(f"cannot read {value!r} as a percentage (example: 12.9%)")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise MoneyError(f"cannot read {value!r} as a percentage") from error
    return format(number.normalize(), "f")


def format_pounds(pence: int | None) -> str:
    """Pence as pounds for people: ``-£2,400,000.00``; empty for no amount."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), PENCE_PER_POUND)
    return f"{sign}£{pounds:,}.{rest:02d}"
