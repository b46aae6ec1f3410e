"""A view's parameters as the command line takes them: ``-p NAME VALUE``, and as people
also write them, ``-p NAME=VALUE``, ``--param NAME=VALUE``, ``--param=NAME=VALUE`` and
``-pNAME=VALUE``, each read as the first. click gives an option of two values the next
two words whatever they are, so ``-p year=2013-14 -p as_at 2014-03-31`` took ``-p`` as the
year's value and left the rest as stray arguments."""

from __future__ import annotations

import re
from itertools import islice

import click

_NAME_AND_VALUE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)=(.*)", re.DOTALL)
_PARAM = ("-p", "--param")


class ViewCommand(click.Command):
    """A command whose ``-p`` takes a parameter's name and value as one word too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, named_values_split(args))


def named_values_split(args: list[str]) -> list[str]:
    """The words of a command line with each ``NAME=VALUE`` given to ``-p`` or ``--param``
    made two words. A value is never split (it may hold ``=``), nor anything after ``--``."""
    words: list[str] = []
    rest = iter(args)
    for word in rest:
        if word == "--":
            return [*words, word, *rest]
        if split := _name_and_value(_attached(word)):
            words += ["-p", *split]
        elif word in _PARAM:
            words.append(word)
            name = next(rest, None)
            if split := _name_and_value(name):
                words += split
            elif name is not None:  # -p NAME VALUE, as click reads it: the value as it is
                words += [name, *islice(rest, 1)]
        else:
            words.append(word)
    return words


def _attached(word: str) -> str | None:
    """What is written onto ``--param=`` or ``-p`` in one word, if anything is."""
    if word.startswith("--param="):
        return word.removeprefix("--param=")
    if word.startswith("-p") and len(word) > 2:
        return word.removeprefix("-p")
    return None


def _name_and_value(word: str | None) -> list[str]:
    """``year=2013-14`` as [name, value]; [] for a word that is not a name and value."""
    found = _NAME_AND_VALUE.fullmatch(word) if word is not None else None
    return [found[1], found[2]] if found else []
