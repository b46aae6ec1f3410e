"""The characters the ledger reads: numbers in the digits 0-9 only, and text without the
characters that break lines, drive a terminal or reorder what it shows."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, the line and paragraph separators, the bidirectional
# embeddings, overrides and isolates, and lone surrogates (which are not characters).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


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
    else:
        what = "a control character"
    return f"U+{ord(character):04X} ({what}) is not allowed in text"


def foreign_digits(text: str) -> str | None:
    """Why ``text`` cannot be read as a number if it holds digits other than 0-9
    (full-width, Arabic-Indic, ...); None if it holds none."""
    if text.isascii():  # quick, and true of no text holding other digits
        return None
    if any(character.isdecimal() and not character.isascii() for character in text):
        return f"{text!r}: only the digits 0-9 are read"
    return None
