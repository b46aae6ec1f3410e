"""How the command line reads the values it is given: dates and whole numbers written
with the digits 0-9, codes, ids and names without the space around them, true or false.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import click

from ledger.records.periods import PeriodError, parse_date


class IsoDate(click.DateTime):
    """click's DateTime for dates written like 2013-09-30 with the digits 0-9 (its
    strptime also reads full-width digits, and 2013-9-3)."""

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.combine(parse_date(value), datetime.min.time())
        except PeriodError as error:
            self.fail(str(error), param, ctx)


class WholeNumber(click.types.IntParamType):
    """click's INT for numbers written with the digits 0-9 (int() also reads '٣',
    '1_000' and ' 5'), optionally at least ``least``."""

    def __init__(self, least: int | None = None) -> None:
        self.least = least

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not re.fullmatch("-?[0-9]+", value):
            self.fail(f"{value!r} is not a whole number (digits 0-9)", param, ctx)
        number = super().convert(value, param, ctx)
        if self.least is not None and number < self.least:
            self.fail(f"{number} is less than {self.least}", param, ctx)
        return number


class Stripped(click.types.StringParamType):
    """Text without the space around it: an organisation code, an account, a measure, a
    year or an id is found whether it is typed " 13T " or "13T", as the views' parameters
    and an import file's codes and ids are. An empty value names nothing, and is refused
    rather than taken for the option not given."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = super().convert(value, param, ctx)
        if isinstance(text, str) and not text.strip():
            self.fail(f"{text!r} is only space" if text else "is empty", param, ctx)
        return text.strip() if isinstance(text, str) else text


class ChainHash(click.types.StringParamType):
    """A hash of the history's chain, as log and export print it: 64 hexadecimal digits,
    read without the space around them and in either case, so that one pasted with a
    space is not taken for a history rewritten."""

    name = "hash"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = super().convert(value, param, ctx).strip().lower()
        if not re.fullmatch("[0-9a-f]{64}", text):
            self.fail(
                f"{value!r} is not a hash of the history: 64 hexadecimal digits, as log and "
                "export print it",
                param,
                ctx,
            )
        return text


class StrippedChoice(click.Choice[str]):
    """click's Choice, of the choice typed with space around it too (" forecast ")."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert(value.strip() if isinstance(value, str) else value, param, ctx)


class TrueOrFalse(click.types.BoolParamType):
    """click's BOOL, except that an empty value is not taken for false: it is refused, as
    an import file's "" is."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("an empty value is neither true nor false", param, ctx)
        return super().convert(value, param, ctx)


date_option = IsoDate()
stripped = Stripped()
