"""The characters the ledger reads: numbers in the digits 0-9 only."""

from __future__ import annotations


def foreign_digits(text: str) -> str | None:
    """Why ``text`` cannot be read as a number if it holds digits other than 0-9
    (full-width, Arabic-Indic, ...); None if it holds none."""
    if any(character.isdecimal() and not character.isascii() for character in text):
        return f"{text!r}: only the digits 0-9 are read"
    return None
