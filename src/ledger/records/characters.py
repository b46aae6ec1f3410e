"""The characters the ledger reads: numbers in the digits 0-9 only; text without the
characters that break lines, drive a terminal or reorder what it shows, nor any that is
not a character at all; and codes and ids in printable ASCII alone, so that two that look
the same are the same."""

from __future__ import annotations

import re
import unicodedata

# The noncharacters: U+FDD0 to U+FDEF and the last two code points of every plane, which
# Unicode keeps for a program's own use and never assigns.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
# C0 and C1 controls and DEL, the line and paragraph separators, the bidirectional
# embeddings, overrides and isolates, lone surrogates and noncharacters (which are not
# characters).
_UNSAFE = re.compile(
    f"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff{_NONCHARACTERS}]"
)
_NONCHARACTER = re.compile(f"[{_NONCHARACTERS}]")


def unsafe_character(text: str) -> str | None:
    """Why ``text`` cannot be kept, naming its first unsafe character; None if it can."""
    if text.isprintable():  # quick, and true of no text holding an unsafe character
        return None
    found = _UNSAFE.search(text)
    if found is None:
        return None
    character = found.group()
    if character in "\u2028\u2029":
        what = "a line or paragraph separator"
    elif "\u202a" <= character <= "\u2069":
        what = "a bidirectional-text control"
    elif "\ud800" <= character <= "\udfff":
        what = "a lone surrogate"
    elif _NONCHARACTER.match(character):
        what = "a noncharacter"
    else:
        what = "a control character"
    return f"U+{ord(character):04X} ({what}) is not allowed in text"


def foreign_character(code: str, what: str = "a code or id") -> str | None:
    """Why ``code`` (an id, an organisation's code, a name in lower case, a field's name)
    cannot be one, naming its first character that is not ASCII: one that does not show
    (a zero width space, a soft hyphen, a byte order mark), a space of another width, a
    letter of another alphabet that looks like a Latin one; None if it has none."""
    if code.isascii():  # quick, and true of every code the ledger has
        return None
    character = next(character for character in code if not character.isascii())
    return f"U+{ord(character):04X} ({described(character)}) is not allowed in {what}"


# What the Unicode categories of characters that do not show, or show as another, are.
_CATEGORIES = {
    "Cf": "an invisible formatting character",
    "Zs": "a space",
    "Mn": "a combining mark",
    "Me": "a combining mark",
    "Co": "a private-use character",
    "Cc": "a control character",
    "Cs": "a lone surrogate",
}


def described(character: str) -> str:
    """``ZERO WIDTH SPACE, an invisible formatting character``, ``a noncharacter``."""
    if _NONCHARACTER.match(character):
        return "a noncharacter"
    name = unicodedata.name(character, "")
    category = _CATEGORIES.get(unicodedata.category(character))
    if not name:
        return category or "a code point Unicode has not assigned"
    return f"{name}, {category}" if category else name


def foreign_digits(text: str) -> str | None:
    """Why ``text`` cannot be read as a number if it holds digits other than 0-9
    (full-width, Arabic-Indic, ...); None if it holds none."""
    if text.isascii():  # quick, and true of no text holding other digits
        return None
    if any(character.isdecimal() and not character.isascii() for character in text):
        return f"{text!r}: only the digits 0-9 are read"
    return None
