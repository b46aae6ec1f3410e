"""One line of an import file read as JSON, exactly: orjson reads most lines, and what it
cannot read as written (repeated keys, numbers it would make floats, bytes that are not
UTF-8, a byte order mark) the standard parser reads again, keeping numbers exact and
saying where a line is wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson

# A record nests two deep (an object holding lists); the limit keeps Python's well away.
DEEPEST = 100
_TOO_DEEP = f"nested more than {DEEPEST} levels deep: not a record"
# No amount, count or percentage is written with more characters than this.
_LONGEST_NUMBER = 100
_JSON_SPACE = " \t\r\n"
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_NESTED_OR_FLOAT = frozenset({dict, list, float})
# What decode_line gives for a blank line (None is the JSON line ``null``).
BLANK = object()


def decode_line(raw: bytes) -> Any:
    """The JSON value on a line, or BLANK for a blank line. orjson reads most lines
    first: it refuses bytes that are not UTF-8, a byte order mark and a blank line, each
    of which is then read by _decode_text, as is what orjson cannot read."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _decode_text(raw)
    if _read_as_written(raw, data):
        return data
    return _read_exactly(_text_of(raw))


def _decode_text(raw: bytes) -> Any:
    text = _text_of(raw)
    if not text.strip(_JSON_SPACE):
        return BLANK
    return _read_exactly(text)  # says where the mistake is, or reads what orjson cannot


def _text_of(raw: bytes) -> str:
    """The line as text, without a byte order mark or its line ending."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})"
        ) from None
    return text.removeprefix("\ufeff").rstrip("\r\n")


def _read_as_written(raw: bytes, data: Any) -> bool:
    """Whether orjson's reading keeps every key and number of the line. orjson keeps the
    last of repeated keys silently, and reads fractions and integers beyond 64 bits as
    floats; such lines are read again by the standard parser."""
    if type(data) is dict and not _NESTED_OR_FLOAT.intersection(map(type, data.values())):
        keys: int | None = len(data)  # a record of plain values: its own keys alone
    else:
        keys = _keys_unless_float(data, 1)
    if keys is None:
        return False
    # Every key in the text ends with a quote, JSON space and a colon, so a line with no
    # more of those than orjson's keys cannot have repeated one.
    return raw.count(b":") <= keys or len(_KEY_END.findall(raw)) <= keys


def _keys_unless_float(value: Any, depth: int) -> int | None:
    """How many keys the objects in ``value`` hold; None if a float is among its values."""
    values: Iterable[Any]
    if isinstance(value, dict):
        keys, values = len(value), value.values()
    elif isinstance(value, list):
        keys, values = 0, value
    else:
        return None if isinstance(value, float) else 0
    if depth > DEEPEST:
        raise ValueError(_TOO_DEEP)
    for item in values:
        if isinstance(item, (dict, list, float)):
            inner = _keys_unless_float(item, depth + 1)
            if inner is None:
                return None
            keys += inner
    return keys


def _read_exactly(text: str) -> Any:
    """The standard parser's reading: repeated keys are refused and numbers kept exact."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_repeated_keys,
            parse_float=_fraction,
            parse_int=_integer,
            parse_constant=_not_a_number,
        )
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    _keys_unless_float(data, 1)  # refuses a line nested too deeply
    return data


class Number(Decimal):
    """A JSON number with a fraction, read exactly and shown as it was written."""

    def __repr__(self) -> str:
        return str(self)


def _fraction(text: str) -> Number:
    if "e" in text.lower():
        raise ValueError(f"the number {text} has an exponent: write numbers in full")
    return Number(_short(text))


def _integer(text: str) -> int:
    return int(_short(text))


def _short(number: str) -> str:
    if len(number) > _LONGEST_NUMBER:
        raise ValueError(
            f"a number of {len(number):,} characters is longer than any value of a record"
        )
    return number


def _not_a_number(name: str) -> None:
    raise ValueError(f"not valid JSON: {name} is not a number JSON allows")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"field {key!r} is given twice")
        data[key] = value
    return data
