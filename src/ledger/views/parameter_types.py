"""The types of a view's parameters: what a header may declare (``-- :as_at <date> ...``),
each the check that turns the text given with ``-p`` into the value bound, or says why
it cannot (a ValueError)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ledger.records.characters import described
from ledger.records.patterns import CODE_PATTERN, SLUG_PATTERN
from ledger.records.periods import parse_date, parse_financial_year, parse_period


def parse_iso_date(value: str) -> str:
    """A calendar date written exactly YYYY-MM-DD, as the views database holds dates."""
    return parse_date(value).isoformat()


def _matching(pattern: str, what: str, example: str) -> Callable[[str], str]:
    """A check that a value, stripped of surrounding space, is one of the ledger's codes or
    names, by the pattern the record models use (records.patterns)."""
    compiled = re.compile(pattern)

    def parse(value: str) -> str:
        stripped = value.strip()
        if compiled.fullmatch(stripped) is None:
            raise ValueError(f"{value!r} is not {what}, e.g. {example}")
        return stripped

    return parse


def parse_text(value: str) -> str:
    """Free text: anything printable, up to 200 characters, without the space around it
    (as a code, a year or a date is read)."""
    value = value.strip()
    if len(value) > 200:
        raise ValueError(f"{len(value):,} characters is too long (at most 200)")
    unprintable = [c for c in value if unicodedata.category(c) in _UNPRINTABLE]
    if unprintable:
        character = unprintable[0]
        raise ValueError(
            f"{value!r} holds U+{ord(character):04X} ({described(character)}), "
            "which no code or name shows"
        )
    return value


_UNPRINTABLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}

# The types a header may declare (``-- :as_at <date> ...``): each turns the text given
# with -p into the value bound, or says why it cannot.
PARAMETER_TYPES: dict[str, Callable[[str], str]] = {
    "date": parse_iso_date,
    "year": parse_financial_year,
    "period": parse_period,
    "code": _matching(CODE_PATTERN, "an organisation code", "06H or ccg-sector"),
    "slug": _matching(SLUG_PATTERN, "a name in lower case, digits and hyphens", "september-2013"),
    "text": parse_text,
}
